"""Multi-layer perceptrons trained by gradient descent: MLPGD and subclasses.

An MLP is the same model as the linear estimators with hidden layers added:
the same network, losses, optimizers, schedules and training loop. Its task
follows its loss: a regression loss makes it a regressor, a classification
loss a classifier (with ``classes_``, ``predict_proba`` and the tags that
scikit-learn reads).
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.callback import with_callbacks
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from ._base import (
    BaseGD,
    classification_score,
    fill_doc,
    regression_score,
    shared_doc,
)
from ._network import _INITS, ACTIVATIONS, Network, default_init, init_params
from .linear_model import (
    _apply_class_weight,
    _classification_targets,
    _decode,
    _regression_targets,
)

__all__ = [
    "MLPGD",
    "MLPGDClassifier",
    "MLPGDRegressor",
    "MLP_CLASSIFICATION_LOSSES",
    "MLP_REGRESSION_LOSSES",
]

MLP_REGRESSION_LOSSES = ("squared_error", "absolute_error", "huber")
MLP_CLASSIFICATION_LOSSES = ("log_loss", "hinge")


def _store_params(estimator, params):
    """Store the constructor arguments unchanged (scikit-learn's convention)."""
    for name, value in params.items():
        if name != "self":
            setattr(estimator, name, value)


def _multilabel_targets(y, *, reset, info=None):
    """A 0/1 indicator matrix as targets, one sigmoid or hinge output each."""
    if type_of_target(y) != "multilabel-indicator" or not np.isin(y, (0, 1)).all():
        raise ValueError(
            "A 2-D y must be a multilabel indicator matrix with 0/1 entries, one "
            f"column per label; got values {np.unique(y)[:10]!r}. Pass class "
            "labels as a 1-D array (multiclass-multioutput is not supported)."
        )
    if reset:
        info = {
            "classes": np.arange(y.shape[1]),
            "multiclass": False,
            "multilabel": True,
            "n_outputs": y.shape[1],
            "label_dtype": y.dtype.str,  # a string keeps the state plain (skops)
        }
    elif not info.get("multilabel") or y.shape[1] != info["n_outputs"]:
        raise ValueError(
            f"y is a multilabel matrix with {y.shape[1]} labels, but the model "
            "was fitted on different targets."
        )
    return np.asarray(y, dtype=float), info


def _decode_labels(raw, info):
    """Predicted labels: class labels, or an indicator matrix for multilabel."""
    if info.get("multilabel"):
        return (raw > 0).astype(info["label_dtype"])
    return _decode(raw, info)


class MLPGD(BaseGD):
    r"""Multi-layer perceptron trained by (stochastic) gradient descent.

    Minimises the weighted mean of ``loss`` over the training samples plus
    :math:`\alpha R(W)` on the weight matrices (never on the intercepts),
    with :math:`R(W) = \frac{1-\rho}{2}\|W\|_2^2 + \rho\|W\|_1` (``l1_ratio``
    :math:`\rho`; 0 for "l2", 1 for "l1"). The hidden layers apply
    ``activation``; the output layer is linear, and the loss supplies the
    output link.

    The task follows ``loss``: a regression loss makes the estimator a
    regressor (``score`` is :math:`R^2`); ``log_loss`` or ``hinge`` a
    classifier (``score`` is the accuracy, ``classes_`` is set and
    :func:`sklearn.base.is_classifier` is true, so cross-validation is
    stratified). Classification follows :class:`GDClassifier`: one sigmoid
    (or hinge) output for two classes, a softmax (or Weston-Watkins hinge)
    over :math:`K > 2` classes, and for a 2-D 0/1 indicator ``y``
    (multilabel) one independent sigmoid (or binary hinge) output per label.
    :class:`MLPGDClassifier` and :class:`MLPGDRegressor` fix the task.

    Parameters
    ----------
    loss : str, default="squared_error"
        One of "squared_error", "absolute_error", "huber" (regression),
        "log_loss", "hinge" (classification).
        {loss_doc}

    {model_doc}

    epsilon : float, default=0.1
        Threshold of the huber loss (regression), in the target's units.

    scale_target : bool, default=True
        Regression: standardise the target inside ``fit`` (see
        :class:`skgd.GDRegressor`); the output layer is mapped back, so
        ``coefs_``, ``intercepts_``, predictions and ``loss_curve_`` are in
        the target's original units.

    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class (classification
        losses only; not for multilabel targets); "balanced" uses
        ``n_samples / (n_classes * bincount(y))`` (with ``partial_fit``, the
        class counts of the stream so far).

    {shared}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPGDClassifier : The classifier, with its task fixed.
    MLPGDRegressor : The regressor, with its task fixed.
    GDRegressor : The model without hidden layers.

    Examples
    --------
    >>> from sklearn.base import is_classifier
    >>> from sklearn.datasets import load_iris
    >>> from skgd.neural_network import MLPGD
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPGD("log_loss", hidden_layer_sizes=(20,), learning_rate_init=0.01,
    ...             random_state=0).fit(X, y)
    >>> is_classifier(clf), clf.out_activation_, clf.predict_proba(X[:1]).shape
    (True, 'softmax', (1, 3))
    >>> clf.score(X, y) > 0.95
    True
    >>> [W.shape for W in clf.coefs_]
    [(4, 20), (20, 3)]
    """

    _parameter_constraints = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions({*MLP_REGRESSION_LOSSES, *MLP_CLASSIFICATION_LOSSES})],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "init": [StrOptions(set(_INITS)), None],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "scale_target": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        init=None,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        epsilon=0.1,
        scale_target=True,
        class_weight=None,
        optimizer="adam",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        max_grad_norm=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        _store_params(self, locals())

    # --- the task, from the loss -------------------------------------------

    def _is_classifier(self):
        return self.loss in MLP_CLASSIFICATION_LOSSES

    @property
    def _stratify_split(self):
        return self._is_classifier()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        if self._is_classifier():
            tags.estimator_type = "classifier"
            # class weights apply to class labels, not to label indicators
            multi_label = getattr(self, "class_weight", None) is None
            tags.classifier_tags = ClassifierTags(multi_label=multi_label)
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.target_tags.multi_output = True
        return tags

    # --- hooks of the training template -------------------------------------

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _layer_sizes(self, n_features, n_outputs):
        return [n_features, *self._hidden_sizes(), n_outputs]

    def _validate_hyperparameters(self):
        resolved = super()._validate_hyperparameters()
        self._hidden_sizes()
        if getattr(self, "class_weight", None) is not None and not (
            self._is_classifier()
        ):
            raise ValueError(
                f"class_weight applies to classification losses only, not to "
                f"loss={self.loss!r}."
            )
        return resolved

    def _target_kwargs(self):
        if self._is_classifier():
            return {"multi_output": True}
        return {"multi_output": True, "y_numeric": True}

    def _validate_X_y(self, X, y, sample_weight, reset, **kwargs):
        X, y, sample_weight = super()._validate_X_y(
            X, y, sample_weight, reset, **kwargs
        )
        if sp.issparse(y):
            y = y.toarray()
        if self._is_classifier() and y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y, sample_weight

    def _prepare_targets(self, y, *, reset, classes=None, info=None):
        if not self._is_classifier():
            return _regression_targets(y, reset=reset, info=info)
        if y.ndim == 2:
            return _multilabel_targets(y, reset=reset, info=info)
        if not reset and info.get("multilabel"):
            raise ValueError(
                "y is 1-D, but the model was fitted on a multilabel matrix."
            )
        return _classification_targets(y, reset=reset, classes=classes, info=info)

    def _weight_samples(self, sample_weight, y, info, partial=False):
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None and info.get("multilabel"):
            raise ValueError("class_weight is not supported for multilabel y.")
        return _apply_class_weight(class_weight, sample_weight, y, info, partial)

    def _build(self, n_features, info, rng, dtype):
        sizes = self._layer_sizes(n_features, info["n_outputs"])
        network = Network(len(sizes) - 1, self.activation)
        init = self.init or default_init(self.activation)
        return network, init_params(sizes, init, rng, dtype)

    def _structure(self):
        return {
            "loss": self.loss,
            "hidden_layer_sizes": self._hidden_sizes(),
            "activation": self.activation,
            "scale_target": getattr(self, "scale_target", False),
        }

    def _has_output_intercept(self):
        return True

    def _score_raw(self, raw, y, sample_weight, info):
        if "classes" in info:
            return classification_score(y, _decode_labels(raw, info), sample_weight)
        return regression_score(y, raw.reshape(y.shape), sample_weight)

    def _export(self, network, params, info):
        self.coefs_ = [W.copy() for W in params[0::2]]
        self.intercepts_ = [b.copy() for b in params[1::2]]
        self.n_layers_ = len(self.coefs_) + 1
        self.n_outputs_ = info["n_outputs"]
        if "classes" not in info:
            self.out_activation_ = "identity"
            self.__dict__.pop("classes_", None)  # left by a classification fit
            return
        self.classes_ = info["classes"]
        if self.loss != "log_loss":
            self.out_activation_ = "identity"
        else:
            self.out_activation_ = "softmax" if info["multiclass"] else "logistic"

    # --- public API ---------------------------------------------------------

    @with_callbacks
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network by gradient descent over ``max_iter`` epochs at most.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (float32 input trains in float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: values (regression, several columns for multi-output),
            class labels, or a 0/1 indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the (weighted-mean) loss.
        X_val, y_val : array-like, default=None
            Validation data for early stopping instead of a random split
            (enables early stopping).
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, (X_val, y_val, sample_weight_val), {})

    @available_if(BaseGD._check_partial_fit)
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``(X, y)`` in mini-batches, continuing the training state.

        The optimizer state, the schedule's progress and the random state
        carry over from the previous call, so a stream of chunks trains like
        one long run.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        classes : array-like of shape (n_classes,), default=None
            Classification only: all the classes of the stream, required on
            the first call (for a multilabel ``y`` the label columns define
            the classes), and must equal ``classes_`` if given later.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if not self._is_classifier():
            if classes is not None:
                raise ValueError(
                    f"classes applies to classification losses only, not to "
                    f"loss={self.loss!r}."
                )
        elif not hasattr(self, "_state") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def predict(self, X):
        """Predict targets, class labels or (multilabel) an indicator matrix.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        raw = self._raw_output(X)
        if "classes" in self._info:
            return _decode_labels(raw, self._info)
        return raw[:, 0] if self._info["y_ndim"] == 1 else raw

    def score(self, X, y, sample_weight=None):
        """Accuracy (classification) or :math:`R^2` (regression) on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        y_pred = self.predict(X)
        if self._is_classifier():
            return float(accuracy_score(y, y_pred, sample_weight=sample_weight))
        return float(r2_score(y, y_pred, sample_weight=sample_weight))

    @available_if(_is_classifier)
    def decision_function(self, X):
        """Raw output scores (classification losses only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For two classes, the score of ``classes_[1]``.
        """
        return self._decision_scores(X)

    def _has_proba(self):
        return self.loss == "log_loss"

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities (``loss="log_loss"`` only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            For multilabel targets, the probability of each label.
        """
        return self._probabilities(X)

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of the shape of :meth:`predict_proba`
        """
        return self._log_probabilities(X)


class MLPGDClassifier(MLPGD):
    r"""Multi-layer perceptron classifier trained by gradient descent.

    :class:`MLPGD` with a classification loss, named like scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` for drop-in use (the
    same leading positional parameters). Two
    classes use one sigmoid output, more a softmax (``log_loss``) or the
    Weston-Watkins multiclass hinge; a 2-D 0/1 indicator ``y`` is multilabel,
    with one sigmoid (or hinge) output per label.

    Parameters
    ----------
    loss : {"log_loss", "hinge"}, default="log_loss"
        {loss_doc}

    {model_doc}

    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class (not for
        multilabel targets); "balanced" uses
        ``n_samples / (n_classes * bincount(y))`` (with ``partial_fit``, the
        class counts of the stream so far).

    {shared}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPGD : The estimator whose task follows its loss.
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP classifier.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skgd.neural_network import MLPGDClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X / 16, y, random_state=0)
    >>> clf = MLPGDClassifier(hidden_layer_sizes=(50,), max_iter=30,
    ...                       random_state=0).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.9
    True
    >>> clf.predict_proba(X_test[:2]).shape
    (2, 10)
    """

    _parameter_constraints = {
        **{
            k: v
            for k, v in MLPGD._parameter_constraints.items()
            if k not in ("epsilon", "scale_target")
        },
        "loss": [StrOptions(set(MLP_CLASSIFICATION_LOSSES))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="log_loss",
        init=None,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        class_weight=None,
        optimizer="adam",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        max_grad_norm=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        _store_params(self, locals())


class MLPGDRegressor(MLPGD):
    r"""Multi-layer perceptron regressor trained by gradient descent.

    :class:`MLPGD` with a regression loss, named like scikit-learn's
    :class:`~sklearn.neural_network.MLPRegressor` for drop-in use (the same
    leading positional parameters); a 2-D
    ``y`` is multi-output regression (one linear output per target).

    Parameters
    ----------
    loss : {"squared_error", "absolute_error", "huber"}, default="squared_error"
        {loss_doc}

    {model_doc}

    epsilon : float, default=0.1
        Threshold of the huber loss, in the target's units.

    scale_target : bool, default=True
        Regression: standardise the target inside ``fit`` (see
        :class:`skgd.GDRegressor`); the output layer is mapped back, so
        ``coefs_``, ``intercepts_``, predictions and ``loss_curve_`` are in
        the target's original units.

    {shared}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPGD : The estimator whose task follows its loss.
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.neural_network import MLPGDRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(300, 1))
    >>> y = np.sin(X).ravel()
    >>> reg = MLPGDRegressor(hidden_layer_sizes=(30,), activation="tanh",
    ...                      learning_rate_init=0.01, batch_size=32,
    ...                      random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    >>> reg.n_layers_, reg.out_activation_
    (3, 'identity')
    """

    _parameter_constraints = {
        **{
            k: v for k, v in MLPGD._parameter_constraints.items() if k != "class_weight"
        },
        "loss": [StrOptions(set(MLP_REGRESSION_LOSSES))],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init=None,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        epsilon=0.1,
        scale_target=True,
        optimizer="adam",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        max_grad_norm=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        _store_params(self, locals())

    @available_if(BaseGD._check_partial_fit)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)`` in mini-batches, continuing the training state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, sample_weight)


# --- docstrings -----------------------------------------------------------------

_REGRESSION_LOSS_DOC = """\
        ``squared_error`` is :math:`\\frac12(y-\\hat y)^2`, ``absolute_error``
        :math:`|y-\\hat y|`, ``huber`` quadratic within ``epsilon`` and linear
        beyond."""

_CLASSIFICATION_LOSS_DOC = """\
        ``log_loss`` is the cross-entropy of a sigmoid (two classes, or per
        label) or softmax output (``predict_proba`` is available); ``hinge``
        is :math:`\\max(0, 1 - y s)`, and for more classes the Weston-Watkins
        :math:`\\sum_{j \\ne y} \\max(0, s_j - s_y + 1)`."""

_MODEL_DOC = r"""
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer; ``()`` is the linear model.

    activation : str, default="relu"
        One of "relu", "leaky_relu", "tanh", "logistic", "identity".
        Activation of the hidden layers.

    init : str or None, default=None
        One of "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
        "zeros".
        Weight initialisation: Glorot draws with variance
        :math:`2 / (n_{in} + n_{out})`, He with :math:`2 / n_{in}`. None
        picks He normal for the ReLU family and Glorot uniform otherwise.
        Biases start at zero. "zeros" (all weights zero) suits only a network
        without hidden layer, where it reproduces the linear estimators.

    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        Regularisation of the weight matrices.

    alpha : float, default=1e-4
        Penalty strength.

    l1_ratio : float, default=0.15
        Elastic-net mixing (used with ``penalty="elasticnet"``).
"""

_ATTRIBUTES_DOC = """\
    coefs_ : list of ndarray
        Weight matrices; ``coefs_[i]`` has shape ``(n_units_i, n_units_i+1)``.
    intercepts_ : list of ndarray
        Bias vectors; ``intercepts_[i]`` has shape ``(n_units_i+1,)``.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only; ``arange(n_labels)`` for
        multilabel targets).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : {"identity", "logistic", "softmax"}
        Link from the raw output to the prediction.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when X has string feature names.
    n_iter_ : int
        Epochs run (over all calls for ``partial_fit``).
    t_ : int
        Training samples seen.
    stop_reason_ : str
        Why the last ``fit`` or ``partial_fit`` call stopped: ``max_iter``
        reached, a stall, divergence, or a callback (see
        :doc:`/user_guide/callbacks`).
    loss_curve_ : list of float
        Mean training objective per epoch.
    best_loss_ : float or None
        Lowest training loss (None with early stopping).
    validation_scores_ : list of float or None
        Accuracy or :math:`R^2` on the validation data per epoch (early
        stopping only).
    validation_loss_curve_ : list of float or None
        Mean loss on the validation data per epoch, the quantity early
        stopping monitors (early stopping only).
    best_validation_score_ : float or None
        Validation score of the restored (lowest validation loss) epoch.
    optimizer_ : Optimizer
        The resolved optimizer object.
    schedule_ : Schedule
        The resolved learning-rate schedule object."""


def _fill_doc(cls, loss_doc):
    shared = shared_doc(
        optimizer="adam",
        learning_rate_init="auto",
        max_iter=200,
        n_iter_no_change=10,
        extra_random=" and the weight initialisation",
    )
    fill_doc(
        cls,
        loss_doc=loss_doc,
        model_doc=_MODEL_DOC,
        shared=shared,
        attributes=_ATTRIBUTES_DOC,
    )


_fill_doc(MLPGD, _REGRESSION_LOSS_DOC + "\n" + _CLASSIFICATION_LOSS_DOC)
_fill_doc(MLPGDClassifier, _CLASSIFICATION_LOSS_DOC)
_fill_doc(MLPGDRegressor, _REGRESSION_LOSS_DOC)
