"""Saving and loading estimators: pickle, and skops.io trusting public classes.

The private training state (``TrainingState``) and network are stored as
plain dicts of arrays and numbers, so that ``skops.io.load`` needs to trust
only skgd's public classes (estimators, optimizers, schedules); a stream
resumed from a loaded estimator continues exactly as the original would.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.datasets import make_classification, make_regression

import skgd
from skgd import optimizers, schedules
from skgd._training import TrainingState
from skgd.optimizers import OPTIMIZER_NAMES
from skgd.schedules import SCHEDULE_NAMES

sio = pytest.importorskip("skops.io")

X_CLF, Y_CLF = make_classification(n_samples=90, n_features=5, random_state=0)
X_REG, Y_REG = make_regression(n_samples=90, n_features=5, noise=1, random_state=0)
CHUNKS = np.array_split(np.arange(90), 3)

ESTIMATORS = {
    "GDClassifier": (lambda **kw: skgd.GDClassifier(**kw), X_CLF, Y_CLF),
    "GDRegressor": (lambda **kw: skgd.GDRegressor(**kw), X_REG, Y_REG),
    "MLPGD": (lambda **kw: skgd.MLPGD(hidden_layer_sizes=(6,), **kw), X_REG, Y_REG),
    "MLPGDClassifier": (
        lambda **kw: skgd.MLPGDClassifier(hidden_layer_sizes=(6,), **kw),
        X_CLF,
        Y_CLF,
    ),
    "MLPGDRegressor": (
        lambda **kw: skgd.MLPGDRegressor(hidden_layer_sizes=(6,), **kw),
        X_REG,
        Y_REG,
    ),
}


def _public_classes():
    """``module.name`` of every public class of skgd and its public modules."""
    names = set()
    for module in (skgd, optimizers, schedules):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type):
                names.add(f"{obj.__module__}.{obj.__qualname__}")
    return names


PUBLIC = _public_classes()


def _trusted_types(data):
    """The types skops asks to trust, checked to be public skgd classes.

    The numpy and scikit-learn types of the state (arrays, random states)
    are among those skops trusts by default; any other type it reports
    (``numpy.dtype``, a private skgd class) would be one more that users
    must trust.
    """
    untrusted = sio.get_untrusted_types(data=data)
    others = [t for t in untrusted if t not in PUBLIC]
    assert not others, f"types besides skgd's public classes: {others}"
    return untrusted


def _partial_fit(estimator, X, y, rows, first=False):
    kwargs = {}
    if first and is_classifier(estimator):
        kwargs["classes"] = np.unique(y)
    return estimator.partial_fit(X[rows], y[rows], **kwargs)


def _outputs(estimator, X):
    """Everything the estimator predicts, and its training counters."""
    out = {"predict": estimator.predict(X), "n_iter_": estimator.n_iter_}
    out["t_"] = estimator.t_
    for method in ("decision_function", "predict_proba"):
        if hasattr(estimator, method):
            out[method] = getattr(estimator, method)(X)
    params = estimator._state.params + (estimator._state.avg_params or [])
    out["params"] = np.concatenate([p.ravel() for p in params])
    return out


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_skops_round_trip_mid_stream_continues_like_pickle(name):
    make, X, y = ESTIMATORS[name]
    est = make(random_state=0, batch_size=10)
    _partial_fit(est, X, y, CHUNKS[0], first=True)
    _partial_fit(est, X, y, CHUNKS[1])

    data = sio.dumps(est)
    loaded = sio.loads(data, trusted=_trusted_types(data))
    unpickled = pickle.loads(pickle.dumps(est))
    assert type(loaded) is type(est)
    assert isinstance(loaded._state, TrainingState)
    _assert_same(_outputs(loaded, X), _outputs(unpickled, X))

    for copy in (loaded, unpickled, est):
        _partial_fit(copy, X, y, CHUNKS[2])
    _assert_same(_outputs(loaded, X), _outputs(unpickled, X))
    _assert_same(_outputs(loaded, X), _outputs(est, X))
    assert loaded.n_iter_ == 3


def _round_trip_continues(est, X, y):
    _partial_fit(est, X, y, CHUNKS[0], first=True)
    data = sio.dumps(est)
    loaded = sio.loads(data, trusted=_trusted_types(data))
    for copy in (loaded, est):
        _partial_fit(copy, X, y, CHUNKS[1])
    _assert_same(_outputs(loaded, X), _outputs(est, X))


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_skops_round_trip_keeps_every_optimizers_state(optimizer):
    est = skgd.GDRegressor(optimizer=optimizer, batch_size=10, random_state=0)
    _round_trip_continues(est, X_REG, Y_REG)


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
def test_skops_round_trip_keeps_every_schedules_state(schedule):
    est = skgd.GDClassifier(learning_rate=schedule, batch_size=10, random_state=0)
    _round_trip_continues(est, X_CLF, Y_CLF)


def test_skops_round_trip_of_averaging_l1_and_class_weights():
    est = skgd.GDClassifier(
        penalty="elasticnet",
        batch_size=1,  # the cumulative L1 penalty's state
        average=True,
        class_weight="balanced",
        random_state=0,
    )
    _round_trip_continues(est, X_CLF, Y_CLF)


def test_skops_round_trip_of_a_fit_with_early_stopping_and_multilabel_targets():
    Y = np.c_[Y_CLF, 1 - Y_CLF, Y_CLF]
    est = skgd.MLPGDClassifier(
        hidden_layer_sizes=(6,), early_stopping=True, max_iter=5, random_state=0
    ).fit(X_CLF, Y)
    data = sio.dumps(est)
    loaded = sio.loads(data, trusted=_trusted_types(data))
    np.testing.assert_array_equal(loaded.predict_proba(X_CLF), est.predict_proba(X_CLF))
    np.testing.assert_array_equal(loaded.predict(X_CLF), est.predict(X_CLF))
    assert loaded.predict(X_CLF).dtype == est.predict(X_CLF).dtype
    assert loaded.validation_scores_ == est.validation_scores_


def test_skops_refuses_to_load_without_trusting_the_estimator():
    est = skgd.GDRegressor(max_iter=3, tol=None).fit(X_REG, Y_REG)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(sio.dumps(est))


def test_the_saved_state_is_plain_and_the_estimator_unchanged():
    est = skgd.MLPGDRegressor(hidden_layer_sizes=(4,), max_iter=3, tol=None)
    est.fit(X_REG, Y_REG)
    state = est.__getstate__()
    assert isinstance(state["_state"], dict) and isinstance(state["_network"], dict)
    assert state["_network"] == {
        "n_layers": 2,
        "activation": "relu",
        "fit_intercept": True,
    }
    # saving must not turn the live estimator's state into dicts
    assert isinstance(est._state, TrainingState)
    assert type(est._network).__name__ == "Network"
    est.partial_fit(X_REG, Y_REG)  # still trains
    assert est.n_iter_ == 4


def test_pickles_of_the_former_layout_still_load():
    # before the plain layout, the state held the objects themselves
    est = skgd.GDClassifier(max_iter=3, tol=None, random_state=0).fit(X_CLF, Y_CLF)
    old_layout = dict(vars(est))
    restored = skgd.GDClassifier.__new__(skgd.GDClassifier)
    restored.__setstate__(old_layout)
    assert restored._state is est._state
    np.testing.assert_array_equal(restored.predict(X_CLF), est.predict(X_CLF))
