"""Data-parallel training of the skgd estimators on a dask cluster.

Install with ``pip install skgd[dask]``. Each class takes the parameters of
its local counterpart, plus ``client`` (the default client when None), and
follows the convention of LightGBM's and XGBoost's dask estimators:

- ``fit`` on dask arrays or DataFrames trains data-parallel: every worker
  keeps its partitions in memory and computes the gradient of its share of
  each mini-batch; the client adds the workers' gradients and applies one
  update of the optimizer. The mini-batches are the ones the local
  estimator draws, from the same ``random_state``, on the partitions
  concatenated in order, so a dask fit reproduces the local fit on the same
  data (up to rounding), except for the held-out split of ``early_stopping``,
  which is drawn within each partition.
- ``partial_fit`` on a dask collection streams its blocks in order through
  the local ``partial_fit`` (out of core: at most two blocks in memory).
- ``predict``, ``predict_proba``, ``decision_function`` on dask input return
  lazy dask arrays computed on the workers; ``score`` computes on the workers.
- ``to_local()`` returns the equivalent fitted local estimator.

With NumPy or pandas input, the methods behave as the local estimator's
(``fit`` puts the data in one partition).
"""

import copy
import inspect

from sklearn.base import clone
from sklearn.utils.metaestimators import available_if

from ..linear_model import GDClassifier, GDRegressor
from ..neural_network import MLPGDClassifier, MLPGDRegressor
from ._adapter import LocalAdapter
from ._cluster import (
    _client_of,
    apply_by_block,
    fit_on_cluster,
    is_dask_collection,
    score_on_cluster,
    stream_partial_fit,
)

__all__ = [
    "DaskGDClassifier",
    "DaskGDRegressor",
    "DaskMLPGDClassifier",
    "DaskMLPGDRegressor",
]


def _dask_init(local_class):
    """An ``__init__`` taking the local class's parameters plus ``client``.

    The signature is the local one with ``client`` appended, so that
    ``get_params``, ``clone`` and the documentation follow the local class
    when its parameters change.
    """

    def __init__(self, *args, client=None, **kwargs):
        local_class.__init__(self, *args, **kwargs)
        self.client = client

    signature = inspect.signature(local_class.__init__)
    client = inspect.Parameter("client", inspect.Parameter.KEYWORD_ONLY, default=None)
    __init__.__signature__ = signature.replace(
        parameters=[*signature.parameters.values(), client]
    )
    return __init__


def _delegated(name):
    """A prediction method: blockwise on the workers for dask input."""

    def method(self, X):
        if is_dask_collection(X):
            return apply_by_block(self.to_local(), name, X)
        # the local class's method: _DaskGD comes right before it in the MRO
        return getattr(super(_DaskGD, self), name)(X)

    method.__name__ = name
    method.__doc__ = _DELEGATED_DOC.format(name=name, summary=_SUMMARIES[name])
    return available_if(lambda self: hasattr(self._local_twin(), name))(method)


_SUMMARIES = {
    "predict": "Predict targets or class labels.",
    "predict_proba": "Class probabilities (``loss='log_loss'`` only).",
    "predict_log_proba": "Logarithm of :meth:`predict_proba`.",
    "decision_function": "Raw class scores.",
}


_DELEGATED_DOC = """{summary}

        Parameters
        ----------
        X : dask array, dask DataFrame, {{array-like, sparse matrix}}
            Samples. Dask input is processed block by block on the workers.

        Returns
        -------
        result : dask array or ndarray
            A lazy dask array for dask input (call ``.compute()``), otherwise
            what the local estimator's ``{name}`` returns.
        """


class _DaskGD:
    """What the dask estimators add to their local classes."""

    #: the local class; set by each dask class
    _local_class = None

    def _client(self):
        return _client_of(self.client)

    def __getstate__(self):
        # a client cannot be pickled: a pickled estimator uses the default one
        state = dict(super().__getstate__())
        state["client"] = None
        return state

    def _local_params(self):
        params = self.get_params(deep=False)
        params.pop("client")
        return params

    def _local_twin(self):
        """An unfitted local estimator with the same parameters."""
        return self._local_class(**self._local_params())

    def to_local(self):
        """The equivalent local estimator, with the fitted state.

        Returns
        -------
        estimator : skgd estimator
            An estimator of the local class with the same parameters (but no
            ``client``) and a copy of the fitted attributes: it predicts
            exactly as this one and continues training with ``partial_fit``.
        """
        local = self._local_twin()
        names = set(self.get_params(deep=False))
        for name, value in vars(self).items():
            if name not in names:
                setattr(local, name, copy.deepcopy(value))
        return local

    def _adopt(self, local):
        """Take the fitted state of ``local``, dropping any previous one."""
        names = set(self.get_params(deep=False))
        for name in [n for n in vars(self) if n not in names]:
            delattr(self, name)
        for name, value in vars(local).items():
            if name not in names:
                setattr(self, name, value)
        return self

    def _fit_dask(self, X, y, sample_weight, val_inputs, init):
        X_val, y_val, sample_weight_val = val_inputs
        if X_val is None and (y_val is not None or sample_weight_val is not None):
            raise ValueError("y_val and sample_weight_val are given without X_val.")
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        self._refuse_callbacks()
        adapter = LocalAdapter(self.to_local())
        local = fit_on_cluster(
            adapter, self._client(), (X, y, sample_weight), val_inputs, init
        )
        return self._adopt(local)

    def _refuse_callbacks(self):
        if getattr(self, "_skl_callbacks", None):
            raise ValueError(
                f"{type(self).__name__} does not support callbacks on dask "
                "collections yet: train the local estimator, or remove them "
                "with set_callbacks()."
            )

    def _partial_fit_dask(self, X, y, sample_weight, classes):
        if not is_dask_collection(X):
            kwargs = {} if classes is None else {"classes": classes}
            local = self.to_local().partial_fit(
                X, y, sample_weight=sample_weight, **kwargs
            )
            return self._adopt(local)
        self._refuse_callbacks()
        local = stream_partial_fit(
            self._client(), self.to_local(), (X, y, sample_weight), classes
        )
        return self._adopt(local)

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or :math:`R^2` (regressors) on ``(X, y)``.

        Parameters
        ----------
        X : dask array, dask DataFrame, {array-like, sparse matrix}
        y : dask array, dask Series, array-like
            Partitioned like ``X`` when it is a dask collection.
        sample_weight : dask array, dask Series, array-like, default=None

        Returns
        -------
        score : float
            Computed from per-block statistics on the workers for dask input.
        """
        if not is_dask_collection(X):
            return super().score(X, y, sample_weight=sample_weight)
        classifier = hasattr(self, "classes_")
        return score_on_cluster(
            self._client(), self.to_local(), X, y, sample_weight, classifier
        )

    predict = _delegated("predict")

    def __sklearn_clone__(self):
        # as sklearn.base.clone, except that the client is shared, not copied
        params = {k: clone(v, safe=False) for k, v in self._local_params().items()}
        return type(self)(**params, client=self.client)


class _DaskClassifier(_DaskGD):
    predict_proba = _delegated("predict_proba")
    predict_log_proba = _delegated("predict_log_proba")
    decision_function = _delegated("decision_function")


def _linear_fit(
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
    init = {"coef_init": coef_init, "intercept_init": intercept_init}
    val_inputs = (X_val, y_val, sample_weight_val)
    return self._fit_dask(X, y, sample_weight, val_inputs, init)


def _mlp_fit(
    self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None
):
    val_inputs = (X_val, y_val, sample_weight_val)
    return self._fit_dask(X, y, sample_weight, val_inputs, {})


_FIT_DOC = """Fit data-parallel on the cluster.

        Each worker keeps the partitions it holds and computes the gradient
        of its share of every mini-batch; see :mod:`skgd.dask`.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training data; NumPy or pandas input is put in one partition.
        y : dask array, dask Series or dask DataFrame
            Targets, partitioned like ``X``.
{init}        sample_weight : dask array or dask Series, default=None
            Weights of the samples, partitioned like ``X``.
        X_val, y_val : dask collections, default=None
            Validation data for early stopping instead of a held-out split
            (enables early stopping).
        sample_weight_val : dask array or dask Series, default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """

_INIT_DOC = """\
        coef_init : ndarray of shape (n_outputs, n_features), default=None
            Initial coefficients, shaped like ``coef_`` (zeros when None).
        intercept_init : ndarray, default=None
            Initial intercept.
"""

_linear_fit.__doc__ = _FIT_DOC.format(init=_INIT_DOC)
_mlp_fit.__doc__ = _FIT_DOC.format(init="")
_linear_fit.__name__ = _mlp_fit.__name__ = "fit"

_PARTIAL_FIT_DOC = """One pass over ``(X, y)``, block by block in order.

        For a dask collection, the local estimator's ``partial_fit`` runs on
        each block in turn on the worker that computed it (out of core: at
        most two blocks in memory at a time), the optimizer state carried
        from block to block and across calls.

        Parameters
        ----------
        X : dask array, dask DataFrame, {{array-like, sparse matrix}}
        y : dask array, dask Series, array-like
            Partitioned like ``X``.
{classes}        sample_weight : dask array, dask Series, array-like, default=None

        Returns
        -------
        self : object
        """

_CLASSES_DOC = """        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream; required on the first call.
"""


def _classifier_partial_fit(self, X, y, classes=None, sample_weight=None):
    return self._partial_fit_dask(X, y, sample_weight, classes)


def _regressor_partial_fit(self, X, y, sample_weight=None):
    return self._partial_fit_dask(X, y, sample_weight, None)


_classifier_partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(classes=_CLASSES_DOC)
_regressor_partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(classes="")
_classifier_partial_fit.__name__ = _regressor_partial_fit.__name__ = "partial_fit"

_CLASS_DOC = """Distributed :class:`~skgd.{local}`: data-parallel training on dask.

    Parameters
    ----------
    **params
        The parameters of :class:`~skgd.{local}`, with the same defaults.
    client : distributed.Client or None, default=None
        The client whose cluster trains; None uses
        ``distributed.default_client()`` at fit time. It is not pickled.

    Attributes
    ----------
    **attributes
        The fitted attributes of :class:`~skgd.{local}`.

    See Also
    --------
    skgd.{local} : The local estimator, as returned by :meth:`to_local`.

    Notes
    -----
    Data-parallel training pays off when the gradient of a batch costs more
    than a round trip to the workers (a few milliseconds): for full-batch or
    large mini-batch training on many rows. See the user guide's "Training
    on a dask cluster" for measurements.

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> {example_data}
    >>> from skgd.dask import {name}
    >>> with LocalCluster(n_workers=2, processes=False,
    ...                   dashboard_address=None) as cluster, Client(cluster):
    ...     dX, dy = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    ...     est = {name}({example_params}).fit(dX, dy)
    ...     y_pred = est.predict(dX)  # lazy, computed block by block on the workers
    ...     print(type(y_pred).__name__, est.score(dX, dy) > {threshold})
    ...     local = est.to_local()
    ...     print(type(local).__name__, (local.predict(X) == y_pred.compute()).all())
    Array True
    {local_name} True
    """


def _document(cls, local, example_data, example_params, threshold):
    cls.__doc__ = _CLASS_DOC.format(
        local=f"{local.__module__.removeprefix('skgd.')}.{local.__name__}",
        local_name=local.__name__,
        name=cls.__name__,
        example_data=example_data,
        example_params=example_params,
        threshold=threshold,
    )
    cls.__init__.__qualname__ = f"{cls.__name__}.__init__"


class DaskGDClassifier(_DaskClassifier, GDClassifier):
    _local_class = GDClassifier
    _parameter_constraints = {
        **GDClassifier._parameter_constraints,
        "client": ["no_validation"],
    }
    __init__ = _dask_init(GDClassifier)
    fit = _linear_fit
    partial_fit = _classifier_partial_fit


class DaskGDRegressor(_DaskGD, GDRegressor):
    _local_class = GDRegressor
    _parameter_constraints = {
        **GDRegressor._parameter_constraints,
        "client": ["no_validation"],
    }
    __init__ = _dask_init(GDRegressor)
    fit = _linear_fit
    partial_fit = _regressor_partial_fit


class DaskMLPGDClassifier(_DaskClassifier, MLPGDClassifier):
    _local_class = MLPGDClassifier
    _parameter_constraints = {
        **MLPGDClassifier._parameter_constraints,
        "client": ["no_validation"],
    }
    __init__ = _dask_init(MLPGDClassifier)
    fit = _mlp_fit
    partial_fit = _classifier_partial_fit


class DaskMLPGDRegressor(_DaskGD, MLPGDRegressor):
    _local_class = MLPGDRegressor
    _parameter_constraints = {
        **MLPGDRegressor._parameter_constraints,
        "client": ["no_validation"],
    }
    __init__ = _dask_init(MLPGDRegressor)
    fit = _mlp_fit
    partial_fit = _regressor_partial_fit


_CLASSIFICATION_DATA = (
    "from sklearn.datasets import make_classification\n"
    "    >>> X, y = make_classification(n_samples=400, random_state=0)"
)
_REGRESSION_DATA = (
    "from sklearn.datasets import make_regression\n"
    "    >>> X, y = make_regression(n_samples=400, n_features=5, noise=1,\n"
    "    ...                        random_state=0)"
)
_document(
    DaskGDClassifier,
    GDClassifier,
    _CLASSIFICATION_DATA,
    'batch_size="full", learning_rate_init=0.1, random_state=0',
    0.8,
)
_document(
    DaskGDRegressor,
    GDRegressor,
    _REGRESSION_DATA,
    'batch_size="full", learning_rate_init=0.1, random_state=0',
    0.95,
)
_document(
    DaskMLPGDClassifier,
    MLPGDClassifier,
    _CLASSIFICATION_DATA,
    "hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0",
    0.8,
)
_document(
    DaskMLPGDRegressor,
    MLPGDRegressor,
    _REGRESSION_DATA,
    "hidden_layer_sizes=(10,), batch_size=50, random_state=0",
    0.95,
)
