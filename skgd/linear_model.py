"""Linear models trained by gradient descent: GDRegressor and GDClassifier."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.callback import with_callbacks
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    BaseGD,
    classification_score,
    fill_doc,
    regression_score,
    shared_doc,
)
from ._network import Network
from .losses import CLASSIFICATION_LOSSES, REGRESSION_LOSSES

__all__ = ["GDRegressor", "GDClassifier"]


def _checked_init(name, value, shapes, dtype):
    """``value`` as an array of one of ``shapes``, finite, or a clear error."""
    array = np.asarray(value, dtype=np.float64)
    if array.shape not in shapes:
        expected = " or ".join(str(shape) for shape in shapes)
        raise ValueError(
            f"{name} has shape {array.shape}; expected {expected} (the shape of "
            f"the fitted attribute {name.replace('_init', '_')})."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity; pass finite values.")
    return array.astype(dtype)


def _initial_linear_params(network, n_features, n_outputs, dtype, coef, intercept):
    """Zero weights unless initial values are given (as scikit-learn's SGD)."""
    W = np.zeros((n_features, n_outputs), dtype=dtype)
    if coef is not None:
        shapes = [(n_outputs, n_features)] + ([(n_features,)] if n_outputs == 1 else [])
        coef = _checked_init("coef_init", coef, shapes, dtype)
        W[...] = coef.reshape(n_outputs, n_features).T
    params = [W]
    if network.fit_intercept:
        b = np.zeros(n_outputs, dtype=dtype)
        if intercept is not None:
            shapes = [(n_outputs,)] + ([()] if n_outputs == 1 else [])
            b[...] = _checked_init("intercept_init", intercept, shapes, dtype)
        params.append(b)
    elif intercept is not None:
        raise ValueError("intercept_init is given but fit_intercept=False.")
    return params


class _LinearGD(BaseGD):
    """Linear model = network with no hidden layer."""

    def _build(self, n_features, info, rng, dtype, coef_init=None, intercept_init=None):
        network = Network(1, fit_intercept=self.fit_intercept)
        params = _initial_linear_params(
            network, n_features, info["n_outputs"], dtype, coef_init, intercept_init
        )
        return network, params

    _auto_learning_rate = "default_learning_rate_linear"

    def _structure(self):
        return {"loss": self.loss, "fit_intercept": self.fit_intercept}

    def _linear_params(self, params):
        # views of the parameters, not copies: as in scikit-learn's SGD
        # estimators, ``coef_`` is the array that later ``partial_fit``
        # calls update (a stream of calls copies nothing)
        W = params[0]
        b = params[1] if len(params) > 1 else np.zeros(W.shape[1], dtype=W.dtype)
        return W.T, b

    def _raw_output(self, X):
        if not sp.issparse(getattr(self, "coef_", None)):
            return super()._raw_output(X)
        check_is_fitted(self, "_state")
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        raw = X @ self.coef_.T
        raw = raw.toarray() if sp.issparse(raw) else np.asarray(raw)
        return raw.reshape(X.shape[0], -1) + self.intercept_

    def sparsify(self):
        """Store ``coef_`` as a scipy.sparse CSR matrix.

        Worth it when most coefficients are exactly zero (L1 or elastic-net
        penalties): the matrix takes less memory and prediction multiplies
        by the sparse matrix. The training state keeps dense weights, so
        ``partial_fit`` goes on as before (and makes ``coef_`` dense again).

        Returns
        -------
        self : object
            The estimator, with a sparse ``coef_``.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from skgd import GDClassifier
        >>> X, y = make_classification(random_state=0)
        >>> clf = GDClassifier(penalty="l1", alpha=0.05, random_state=0).fit(X, y)
        >>> clf.sparsify().coef_.format
        'csr'
        """
        check_is_fitted(self, "_state")
        self.coef_ = sp.csr_matrix(np.atleast_2d(self.coef_))
        return self

    def densify(self):
        """Store ``coef_`` as a dense array again (undoes :meth:`sparsify`).

        Returns
        -------
        self : object
            The estimator, with a dense ``coef_``.
        """
        check_is_fitted(self, "_state")
        if sp.issparse(self.coef_):
            coef = self.coef_.toarray()
            self.coef_ = coef[0] if self._info.get("y_ndim") == 1 else coef
        return self

    @with_callbacks
    def fit(
        self,
        X,
        y,
        coef_init=None,
        intercept_init=None,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model by gradient descent over ``max_iter`` epochs at most.

        {fit_doc}
        """
        init = {"coef_init": coef_init, "intercept_init": intercept_init}
        val_inputs = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, val_inputs, init)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_FIT_DOC = """
        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (float32 input trains in float32).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values: class labels for GDClassifier, one or several
            targets for GDRegressor.
        coef_init : ndarray of shape (n_outputs, n_features), default=None
            Initial coefficients, shaped like ``coef_`` (zeros when None).
        intercept_init : ndarray, default=None
            Initial intercept (zeros when None).
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


class GDRegressor(RegressorMixin, _LinearGD):
    r"""Linear regression trained by (stochastic) gradient descent.

    Minimises the weighted mean of ``loss`` over the training samples plus the
    penalty on the coefficients (never on the intercept):
    :math:`\frac{1}{\sum_i s_i}\sum_i s_i L(y_i, x_i^\top w + b) + \alpha R(w)`
    with :math:`R(w) = \frac{1-\rho}{2}\|w\|_2^2 + \rho\|w\|_1` (``l1_ratio``
    :math:`\rho`; 0 for "l2", 1 for "l1"). For multi-output targets the
    losses of the outputs are summed.

    Parameters
    ----------
    loss : str, default="squared_error"
        One of "squared_error", "huber", "epsilon_insensitive",
        "squared_epsilon_insensitive", "absolute_error".
        ``squared_error`` is :math:`\frac12(y-\hat y)^2`.

    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        Regularisation term. The L1 part is applied after each update as a
        proximal (soft-thresholding) step, scaled per coordinate by the
        optimizer's step size, so that coefficients become exactly zero:
        full-batch training converges to the exact (Lasso) solution. With
        mini-batches smaller than the data (per-sample SGD included) the
        cumulative-penalty truncation of scikit-learn's SGD (Tsuruoka et al.,
        2009) is used instead: the noise of a stochastic step is larger than
        one step's threshold, so plain soft-thresholding leaves weights
        jittering around zero, while the accumulated penalty holds them
        there. Sign-based Rprop takes the L1 subgradient and stops weights
        at zero instead. See :meth:`sparsify`.

    alpha : float, default=1e-4
        Penalty strength.

    l1_ratio : float, default=0.15
        Elastic-net mixing (used with ``penalty="elasticnet"``).

    fit_intercept : bool, default=True
        Whether to learn an intercept.

    epsilon : float, default=0.1
        Threshold of the huber and epsilon-insensitive losses, in the
        target's units.

    scale_target : bool, default=True
        Standardise the target inside ``fit``: training runs on
        ``(y - mean) / scale`` (weighted by ``sample_weight``; no centring
        without intercept; one scale for all targets, the power of two
        nearest the root mean square of the centred columns), with
        ``epsilon`` and ``alpha`` rescaled so that the minimiser is the
        same, and ``coef_``, ``intercept_``, predictions and ``loss_curve_``
        are in the original units. Gradient
        descent then works on targets of any scale with the optimizers'
        default step sizes. ``partial_fit`` takes the mean and scale of its
        first chunk. ``tol`` and the thresholds of loss-driven schedules
        (``Plateau``) apply to the loss of the standardised target.

    {shared}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : ndarray of shape (1,) or (n_targets,)
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
        R^2 on the validation data per epoch (early stopping only).
    validation_loss_curve_ : list of float or None
        Mean loss on the validation data per epoch, the quantity early
        stopping monitors (early stopping only).
    best_validation_score_ : float or None
        Validation R^2 of the restored (lowest validation loss) epoch.
    optimizer_ : Optimizer
        The resolved optimizer object.
    schedule_ : Schedule
        The resolved learning-rate schedule object.

    See Also
    --------
    GDClassifier : The classifier counterpart.
    sklearn.linear_model.SGDRegressor : scikit-learn's per-sample SGD.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skgd import GDRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    >>> reg = GDRegressor(optimizer="adam", learning_rate_init=0.1,
    ...                   random_state=0).fit(X, y)
    >>> round(reg.score(X, y), 3)
    1.0
    """

    _parameter_constraints = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "fit_intercept": ["boolean"],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "scale_target": ["boolean"],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        fit_intercept=True,
        epsilon=0.1,
        scale_target=True,
        optimizer="adam",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        max_grad_norm=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.epsilon = epsilon
        self.scale_target = scale_target
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.max_grad_norm = max_grad_norm
        self.average = average
        self.warm_start = warm_start
        self.verbose = verbose

    def _target_kwargs(self):
        return {"multi_output": True, "y_numeric": True}

    def _structure(self):
        return {**super()._structure(), "scale_target": self.scale_target}

    def _prepare_targets(self, y, *, reset, classes=None, info=None):
        return _regression_targets(y, reset=reset, info=info)

    def _score_raw(self, raw, y, sample_weight, info):
        return regression_score(y, raw.reshape(y.shape), sample_weight)

    def _export(self, network, params, info):
        coef, intercept = self._linear_params(params)
        self.coef_ = coef[0] if info["y_ndim"] == 1 else coef
        self.intercept_ = intercept

    @available_if(BaseGD._check_partial_fit)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)`` in mini-batches, continuing the training state.

        The optimizer state, the schedule's progress and the random state
        carry over from the previous call, so a stream of chunks trains like
        one long run. ``X`` must have the features seen on the first call.

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

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        raw = self._raw_output(X)
        return raw[:, 0] if self._info["y_ndim"] == 1 else raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class GDClassifier(ClassifierMixin, _LinearGD):
    r"""Linear classifier trained by (stochastic) gradient descent.

    Minimises the weighted mean loss over the training samples plus
    :math:`\alpha R(w)` (see :class:`GDRegressor`). With two classes one
    score :math:`s = x^\top w + b` is learned; with :math:`K > 2` classes one
    score per class, trained jointly:

    - ``log_loss``: sigmoid cross-entropy for two classes, softmax
      (multinomial) cross-entropy for more -- not one-vs-rest;
    - ``hinge``: :math:`\max(0, 1 - y s)`; multiclass Weston-Watkins
      :math:`\sum_{j \ne y} \max(0, s_j - s_y + 1)`;
    - ``squared_hinge``, ``modified_huber``, ``perceptron``: the same margin
      functions as scikit-learn's SGD, applied to the margin :math:`y s` for
      two classes and summed over the pairwise margins :math:`s_y - s_j` for
      more (the Weston-Watkins construction).

    Parameters
    ----------
    loss : str, default="log_loss"
        One of "log_loss", "hinge", "squared_hinge", "modified_huber",
        "perceptron". ``predict_proba`` is available for ``log_loss`` and
        ``modified_huber``. For the perceptron, whose criterion is zero at
        zero weights and grows with their scale, ``loss_curve_`` and the
        stopping rule use the training error (the weighted fraction of
        margin violations).

    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        Regularisation term (see :class:`GDRegressor`).

    alpha : float, default=1e-4

    l1_ratio : float, default=0.15

    fit_intercept : bool, default=True

    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class (finite and
        non-negative, not all zero); "balanced" uses
        ``n_samples / (n_classes * bincount(y))``, with counts weighted by
        ``sample_weight`` when given. With ``partial_fit``, "balanced" uses
        the (weighted) class counts of the whole stream seen so far, this
        chunk included.

    {shared}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    n_iter_ : int
    t_ : int
    stop_reason_ : str
        Why the last ``fit`` or ``partial_fit`` call stopped: ``max_iter``
        reached, a stall, divergence, or a callback (see
        :doc:`/user_guide/callbacks`).
    loss_curve_ : list of float
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Accuracy on the validation data per epoch (early stopping only).
    validation_loss_curve_ : list of float or None
        Mean loss on the validation data per epoch, the quantity early
        stopping monitors (early stopping only).
    best_validation_score_ : float or None
        Validation accuracy of the restored (lowest validation loss) epoch.
    optimizer_ : Optimizer
    schedule_ : Schedule

    See Also
    --------
    GDRegressor : The regression counterpart.
    sklearn.linear_model.SGDClassifier : scikit-learn's per-sample SGD.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), GDClassifier(random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _parameter_constraints = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES))],
        "fit_intercept": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    _stratify_split = True

    def __init__(
        self,
        loss="log_loss",
        *,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        fit_intercept=True,
        class_weight=None,
        optimizer="adam",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        max_grad_norm=None,
        average=False,
        warm_start=False,
        verbose=0,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.max_grad_norm = max_grad_norm
        self.average = average
        self.warm_start = warm_start
        self.verbose = verbose

    def _prepare_targets(self, y, *, reset, classes=None, info=None):
        return _classification_targets(y, reset=reset, classes=classes, info=info)

    def _weight_samples(self, sample_weight, y, info, partial=False):
        return _apply_class_weight(self.class_weight, sample_weight, y, info, partial)

    def _score_raw(self, raw, y, sample_weight, info):
        return classification_score(y, _decode(raw, info), sample_weight)

    def _export(self, network, params, info):
        self.classes_ = info["classes"]
        self.coef_, self.intercept_ = self._linear_params(params)

    @available_if(BaseGD._check_partial_fit)
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``(X, y)`` in mini-batches, continuing the training state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream; required on the first call, and
            must equal ``classes_`` if given later.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if not hasattr(self, "_state") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def decision_function(self, X):
        """Raw class scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]``.
        """
        return self._decision_scores(X)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return _decode(self._raw_output(X), self._info)

    def _has_proba(self):
        return self.loss in ("log_loss", "modified_huber")

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities (``loss="log_loss"`` or ``"modified_huber"``).

        For ``modified_huber`` (as scikit-learn's SGD), the probability of
        each class is ``(clip(score, -1, 1) + 1) / 2``, normalised over the
        classes when there are more than two.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
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
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._log_probabilities(X)


def _regression_targets(y, *, reset, info=None):
    """Targets as a 2-D array, and the target info (shared with MLPGD)."""
    Y = y.reshape(len(y), -1)
    if reset:
        return Y, {"n_outputs": Y.shape[1], "y_ndim": y.ndim}
    if Y.shape[1] != info["n_outputs"]:
        raise ValueError(
            f"y has {Y.shape[1]} targets but the model was fitted with "
            f"{info['n_outputs']}."
        )
    return Y, info


def _classification_targets(y, *, reset, classes=None, info=None):
    """One-hot (or 0/1) targets of class labels, and the class info."""
    if reset or y.ndim != 1 or y.dtype.kind not in "biuf":
        # later numeric labels are checked against classes_ by _one_hot
        check_classification_targets(y)
    if reset:
        info = _class_info(y, classes)
    elif classes is not None and not np.array_equal(
        np.unique(classes), info["classes"]
    ):
        raise ValueError(
            f"classes={np.unique(classes)!r} differs from classes_="
            f"{info['classes']!r} of the previous partial_fit calls."
        )
    return _one_hot(y, info), info


def _check_class_weight_dict(class_weight, classes):
    values = np.array([float(v) for v in class_weight.values()])
    if not (np.isfinite(values).all() and (values >= 0).all()):
        raise ValueError(
            "class_weight values must be finite and non-negative; got "
            f"{class_weight!r}."
        )


def _apply_class_weight(class_weight, sample_weight, y, info, partial):
    """Sample weights multiplied by the weights of the samples' classes.

    For ``partial_fit`` with "balanced", the weighted class counts of the
    stream so far are kept in ``info["class_counts"]`` (this chunk included).
    """
    if class_weight is None:
        return sample_weight
    classes = info["classes"]
    idx = np.searchsorted(classes, y)
    if class_weight == "balanced":
        # counts weighted by sample_weight, so that integer weights and
        # repeated samples get the same class weights; scaled by the largest
        # weight so that their sum cannot overflow
        scale = float(sample_weight.max()) or 1.0
        counts = np.bincount(idx, weights=sample_weight / scale, minlength=classes.size)
        if partial:
            counts = counts * scale + info.get("class_counts", 0.0)
            info["class_counts"] = counts
            scale = float(counts.max()) or 1.0
            counts = counts / scale
        with np.errstate(divide="ignore"):
            weights = np.where(counts > 0, counts.sum() / (classes.size * counts), 0.0)
    else:
        _check_class_weight_dict(class_weight, classes)
        weights = compute_class_weight(class_weight, classes=classes, y=y)
    return sample_weight * weights[idx].astype(sample_weight.dtype)


def _class_info(y, classes):
    labels = np.unique(y)
    if classes is not None:
        classes = np.unique(classes)
        unseen = np.setdiff1d(labels, classes)
        if unseen.size:
            raise ValueError(
                f"y contains labels {unseen!r} that are not in classes={classes!r}."
            )
        labels = classes
    if labels.size < 2:
        raise ValueError(
            "The classifier needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {labels[0]!r}."
        )
    return {
        "classes": labels,
        "multiclass": labels.size > 2,
        "n_outputs": 1 if labels.size == 2 else labels.size,
    }


def _one_hot(y, info):
    classes = info["classes"]
    idx = np.searchsorted(classes, y)
    idx_clipped = np.minimum(idx, classes.size - 1)
    unseen = classes[idx_clipped] != y
    if unseen.any():
        raise ValueError(
            f"y contains labels {np.unique(y[unseen])!r} that are not in classes_="
            f"{classes!r}."
        )
    if not info["multiclass"]:
        return (idx_clipped == 1).astype(float)[:, None]
    Y = np.zeros((len(y), classes.size))
    Y[np.arange(len(y)), idx_clipped] = 1.0
    return Y


def _decode(raw, info):
    classes = info["classes"]
    if raw.shape[1] == 1:
        return classes[(raw[:, 0] > 0).astype(int)]
    return classes[np.argmax(raw, axis=1)]


_LINEAR_SHARED = shared_doc(optimizer="adam", max_iter=1000, model="linear")
fill_doc(GDRegressor, shared=_LINEAR_SHARED)
fill_doc(GDClassifier, shared=_LINEAR_SHARED)
fill_doc(_LinearGD.fit, fit_doc=_FIT_DOC)
