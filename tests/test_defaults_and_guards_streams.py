"""Acceptance tests of issue 7, part 2: streams, stopping and divergence, bad
input, and warnings that point at the user's call.

Defaults, L1 and averaged SGD are in ``test_defaults_and_guards.py``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import (
    load_diabetes,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import (
    MLPGD,
    DivergenceWarning,
    GDClassifier,
    GDRegressor,
    MLPGDClassifier,
    MLPGDRegressor,
)
from skgd.optimizers import OPTIMIZER_NAMES

NAMES = sorted(OPTIMIZER_NAMES)


def _weights(est):
    if hasattr(est, "coefs_"):
        return np.concatenate([W.ravel() for W in est.coefs_ + est.intercepts_])
    return np.concatenate([np.ravel(est.coef_), np.ravel(est.intercept_)])


def _snapshot(est):
    """Copies of the fitted attributes that a failing call must not touch."""
    names = ["coef_", "intercept_", "coefs_", "intercepts_", "n_iter_", "t_"]
    names += ["classes_", "n_features_in_", "loss_curve_"]
    snap = {}
    for name in names:
        if hasattr(est, name):
            value = getattr(est, name)
            snap[name] = (
                [np.copy(v) for v in value]
                if isinstance(value, list)
                else np.copy(value)
            )
    return snap


def _assert_unchanged(est, snap, X):
    for name, value in snap.items():
        now = getattr(est, name)
        if isinstance(value, list):
            assert len(now) == len(value), name
            for a, b in zip(now, value, strict=True):
                assert_array_equal(a, b, err_msg=name)
        else:
            assert_array_equal(now, value, err_msg=name)
    est.predict(X)  # still usable


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 5, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(200, 5, noise=10, random_state=0)
    return StandardScaler().fit_transform(X), y


# --- 4. streams -----------------------------------------------------------------


@pytest.fixture(scope="module")
def skewed_chunks():
    """Two chunks of a 3-class stream with different class proportions."""
    X, y = make_classification(
        300,
        4,
        n_classes=3,
        n_informative=3,
        n_redundant=0,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )
    first = np.r_[
        np.flatnonzero(y == 0)[:80],
        np.flatnonzero(y == 1)[:20],
        np.flatnonzero(y == 2)[:5],
    ]
    second = np.setdiff1d(np.arange(len(y)), first)
    return X, y, first, second


def _balanced(y, counts):
    return (counts.sum() / (counts.size * counts))[y]


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: GDClassifier(random_state=0, **kw),
        lambda **kw: MLPGDClassifier((4,), random_state=0, **kw),
        lambda **kw: MLPGD("log_loss", hidden_layer_sizes=(4,), random_state=0, **kw),
    ],
    ids=["GDClassifier", "MLPGDClassifier", "MLPGD"],
)
def test_partial_fit_balanced_uses_the_class_counts_of_the_stream(skewed_chunks, make):
    X, y, first, second = skewed_chunks
    classes = np.array([0, 1, 2])
    counts1 = np.bincount(y[first], minlength=3).astype(float)
    counts2 = counts1 + np.bincount(y[second], minlength=3)
    balanced = make(class_weight="balanced")
    balanced.partial_fit(X[first], y[first], classes=classes)
    balanced.partial_fit(X[second], y[second])
    explicit = make()
    explicit.partial_fit(
        X[first], y[first], classes=classes, sample_weight=_balanced(y[first], counts1)
    )
    explicit.partial_fit(
        X[second], y[second], sample_weight=_balanced(y[second], counts2)
    )
    # equal up to the rounding of the weights, which the estimator computes
    # in its own (overflow-safe) way
    assert_allclose(_weights(balanced), _weights(explicit), rtol=1e-12, atol=1e-14)
    # and not what the second chunk's own counts would give
    per_chunk = make()
    per_chunk.partial_fit(
        X[first], y[first], classes=classes, sample_weight=_balanced(y[first], counts1)
    )
    chunk_counts = np.bincount(y[second], minlength=3).astype(float)
    per_chunk.partial_fit(
        X[second], y[second], sample_weight=_balanced(y[second], chunk_counts)
    )
    assert not np.allclose(_weights(balanced), _weights(per_chunk), rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        GDRegressor,
        GDClassifier,
        MLPGDClassifier,
        MLPGDRegressor,
        lambda **kw: MLPGD("log_loss", **kw),
    ],
)
def test_partial_fit_is_unavailable_with_early_stopping(binary, make):
    est = make(early_stopping=True)
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError) as info:
        est.partial_fit(*binary, classes=[0, 1])
    cause = info.value.__cause__
    assert isinstance(cause, ValueError)
    assert "early_stopping" in str(cause)
    # a fitted estimator is left alone too
    est.set_params(early_stopping=False, max_iter=3).fit(*binary)
    snap = _snapshot(est)
    est.set_params(early_stopping=True)
    assert not hasattr(est, "partial_fit")
    _assert_unchanged(est, snap, binary[0])


STRUCTURE_CHANGES = [
    (GDClassifier, {}, "loss", "hinge"),
    (GDClassifier, {}, "fit_intercept", False),
    (GDRegressor, {}, "loss", "huber"),
    (GDRegressor, {}, "fit_intercept", False),
    (GDRegressor, {}, "scale_target", False),
    (MLPGDClassifier, {"hidden_layer_sizes": (3,)}, "hidden_layer_sizes", (4,)),
    (MLPGDClassifier, {"hidden_layer_sizes": (3,)}, "hidden_layer_sizes", (3, 3)),
    (MLPGDClassifier, {"hidden_layer_sizes": (3,)}, "activation", "tanh"),
    (MLPGDClassifier, {"hidden_layer_sizes": (3,)}, "loss", "hinge"),
    (MLPGDRegressor, {"hidden_layer_sizes": (3,)}, "hidden_layer_sizes", (4,)),
    (MLPGDRegressor, {"hidden_layer_sizes": (3,)}, "activation", "tanh"),
    (MLPGDRegressor, {"hidden_layer_sizes": (3,)}, "loss", "huber"),
    (MLPGDRegressor, {"hidden_layer_sizes": (3,)}, "scale_target", False),
    # the task of MLPGD follows its loss, in both directions
    (MLPGD, {"hidden_layer_sizes": (3,)}, "loss", "log_loss"),
    (MLPGD, {"hidden_layer_sizes": (3,), "loss": "log_loss"}, "loss", "squared_error"),
]
STRUCTURE_IDS = [
    f"{cls.__name__}-{name}={value!r}" for cls, _, name, value in STRUCTURE_CHANGES
]


def _structure_case(cls, kwargs, binary):
    X, y = binary  # 0/1 labels: valid targets for every task
    is_clf = cls in (GDClassifier, MLPGDClassifier) or kwargs.get("loss") in (
        "log_loss",
        "hinge",
    )
    extra = {"classes": [0, 1]} if is_clf else {}
    return X, y, extra


@pytest.mark.parametrize(
    "cls, kwargs, name, value", STRUCTURE_CHANGES, ids=STRUCTURE_IDS
)
def test_partial_fit_refuses_a_changed_structure(binary, cls, kwargs, name, value):
    X, y, extra = _structure_case(cls, kwargs, binary)
    est = cls(random_state=0, **kwargs).partial_fit(X, y, **extra)
    snap = _snapshot(est)
    est.set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        est.partial_fit(X, y, **({"classes": [0, 1]} if value in ("log_loss",) else {}))
    _assert_unchanged(est, snap, X)


@pytest.mark.parametrize(
    "cls, kwargs, name, value", STRUCTURE_CHANGES, ids=STRUCTURE_IDS
)
def test_warm_start_refuses_a_changed_structure(binary, cls, kwargs, name, value):
    X, y, _ = _structure_case(cls, kwargs, binary)
    est = cls(warm_start=True, max_iter=3, random_state=0, **kwargs).fit(X, y)
    snap = _snapshot(est)
    est.set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)
    _assert_unchanged(est, snap, X)


@pytest.mark.parametrize("cls", [GDClassifier, GDRegressor, MLPGDClassifier])
def test_warm_start_with_another_feature_count_is_a_clear_error(binary, cls):
    X, y = binary
    est = cls(warm_start=True, max_iter=3, random_state=0).fit(X, y)
    snap = _snapshot(est)
    with pytest.raises(ValueError, match="features"):
        est.fit(X[:, :3], y)
    _assert_unchanged(est, snap, X)
    assert est.n_features_in_ == 5


@pytest.mark.parametrize(
    "first, second",
    [
        ("sgd", "momentum"),
        ("sgd", "nesterov"),
        ("adam", "amsgrad"),
        ("momentum", "sgd"),
    ],
)
def test_partial_fit_accepts_another_rule_of_the_same_class(regression, first, second):
    # "momentum" is SGD(momentum=0.9) and "amsgrad" Adam(amsgrad=True): the
    # same class as "sgd"/"adam", with state that they do not have
    X, y = regression
    est = GDRegressor(optimizer=first, random_state=0).partial_fit(X, y)
    est.set_params(optimizer=second).partial_fit(X, y)
    assert np.isfinite(est.coef_).all()
    # the state is the one the new rule works with
    fresh = est.optimizer_.init_state([np.zeros(1)])
    assert set(fresh) <= set(est._state.optimizer_state)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_modified_huber_probabilities_follow_sgdclassifier(n_classes):
    X, y = make_classification(
        200, 4, n_classes=n_classes, n_informative=3, n_redundant=0, random_state=0
    )
    clf = GDClassifier(loss="modified_huber", random_state=0).fit(X, y)
    scores = clf.decision_function(X)
    X_test = np.vstack([X, 5 * X])
    if n_classes == 3:
        # a point where every class score is below -1: all clipped to zero
        v = np.linalg.lstsq(clf.coef_, -np.ones(3), rcond=None)[0]
        X_test = np.vstack([X_test, 100 * v])
    proba = clf.predict_proba(X_test)
    scores = clf.decision_function(X_test)
    clipped = (np.clip(scores, -1, 1) + 1) / 2
    if n_classes == 2:
        assert_allclose(proba[:, 1], clipped, rtol=1e-12)
        assert_allclose(proba[:, 0], 1 - clipped, rtol=1e-12)
    else:
        assert (clipped[-1] == 0).all()
        assert_allclose(proba[-1], [1 / 3] * 3)
        total = clipped.sum(axis=1, keepdims=True)
        nonzero = total[:, 0] > 0
        normalised = clipped[nonzero] / total[nonzero]
        assert_allclose(proba[nonzero], normalised, rtol=1e-12)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    # scikit-learn's formula, given the same coefficients
    sgd = SGDClassifier(loss="modified_huber", max_iter=5, tol=None).fit(X, y)
    sgd.coef_, sgd.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
    assert_allclose(proba, sgd.predict_proba(X_test), rtol=1e-12, atol=1e-15)
    with np.errstate(divide="ignore"):  # log(0) = -inf where clipped
        log_proba = np.log(proba)
    assert_allclose(clf.predict_log_proba(X_test), log_proba, rtol=1e-12)


# --- 5. stopping and divergence ---------------------------------------------------


@pytest.fixture(scope="module")
def diabetes_split():
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, random_state=0)


def test_momentum_defaults_fit_the_raw_diabetes_target(diabetes_split):
    # R^2 >= 0.45 is out of reach on this split (least squares: 0.359)
    X_train, X_test, y_train, y_test = diabetes_split
    ols = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    model = make_pipeline(
        StandardScaler(), GDRegressor(optimizer="momentum", random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= ols.score(X_test, y_test) - 0.03


@pytest.mark.parametrize("optimizer", ["momentum", "sgd", "adam"])
def test_adaptive_schedule_lowers_the_rate_before_stopping(diabetes_split, optimizer):
    X_train, _, y_train, _ = diabetes_split
    X_train = StandardScaler().fit_transform(X_train)
    kw = dict(optimizer=optimizer, random_state=0)
    constant = GDRegressor(**kw).fit(X_train, y_train)
    adaptive = GDRegressor(learning_rate="adaptive", **kw).fit(X_train, y_train)
    assert constant.n_iter_ < constant.max_iter  # stopped on a stall
    assert adaptive.n_iter_ < adaptive.max_iter
    assert adaptive.n_iter_ >= constant.n_iter_
    state = adaptive._state.schedule_state
    final_rate = adaptive.schedule_.rate(adaptive.learning_rate_init_, state)
    assert final_rate < adaptive.learning_rate_init_
    assert final_rate <= 1e-6  # it gave up only at scikit-learn's floor


def test_perceptron_defaults_train_and_report_the_training_error(binary):
    X, y = binary
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = GDClassifier(loss="perceptron", random_state=0).fit(X, y)
    assert not [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert clf.score(X, y) > 0.8
    curve = np.asarray(clf.loss_curve_)
    assert ((curve >= 0) & (curve <= 1)).all()
    # the first epoch starts at zero weights: every margin is violated
    assert curve[0] > 0.3
    assert curve[-1] < 0.2
    assert clf.best_loss_ <= 1 - clf.score(X, y) + 0.05


def test_a_loss_that_starts_at_zero_never_diverges():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    y = X @ [1.0, -2.0, 0.5] + rng.randn(100)
    reg = GDRegressor(
        loss="epsilon_insensitive",
        epsilon=0.5,
        optimizer="momentum",
        learning_rate_init=0.1,
        penalty=None,
        scale_target=False,
        batch_size=10,
        shuffle=False,
    ).partial_fit(X, y)
    # a chunk the current model fits exactly: its loss is 0 at the start of
    # the call, and the momentum carried over moves the weights anyway
    X_next = rng.randn(50, 3)
    y_next = reg.predict(X_next)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.partial_fit(X_next, y_next)
    assert reg.loss_curve_[-1] > 0  # it did rise from zero
    assert not [w for w in caught if issubclass(w.category, DivergenceWarning)]


@pytest.fixture(scope="module")
def sweep_data():
    Xr, yr = make_regression(200, 5, noise=10, random_state=0)
    Xc, yc = make_classification(200, 5, random_state=0)
    scaler = StandardScaler()
    return {
        GDRegressor: (scaler.fit_transform(Xr), yr, 0.3),
        GDClassifier: (scaler.fit_transform(Xc), yc, 0.7),
    }


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("batch_size", [1, 32, "full"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_huge_learning_rate_gives_a_good_model_or_a_warning(
    sweep_data, cls, name, batch_size, early_stopping
):
    X, y, good = sweep_data[cls]
    est = cls(
        optimizer=name,
        batch_size=batch_size,
        learning_rate_init=1e6,
        max_iter=20,
        early_stopping=early_stopping,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)  # never "Input contains NaN" from a validation score
    diverged = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert np.isfinite(est.coef_).all() and np.isfinite(est.intercept_).all()
    scores = est.decision_function(X) if cls is GDClassifier else est.predict(X)
    assert np.isfinite(scores).all()
    score = est.score(X, y)
    assert diverged or score > good, f"no warning, but score {score:.3f}"


@pytest.mark.parametrize("cls", [GDRegressor, MLPGDRegressor])
def test_overflowing_validation_data_is_a_warning_not_a_scorer_error(regression, cls):
    # the model is fine on the training data, but its validation outputs
    # overflow: early stopping must report it, not crash in r2_score
    X, y = regression
    X_val = 1e308 * np.clip(X[:20], -1.5, 1.5)
    est = cls(max_iter=5, random_state=0)
    # (scikit-learn's finiteness check of X_val overflows its own sum)
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.warns(DivergenceWarning, match="validation"):
            est.fit(X, y, X_val=X_val, y_val=y[:20])
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("batch_size", [32, "auto"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_huge_learning_rate_in_a_stream_gives_a_good_model_or_a_warning(
    sweep_data, cls, name, batch_size
):
    # the same rule for partial_fit: with batch_size="auto" each chunk of 50
    # is one batch, so the loss can only be seen to grow from call to call
    X, y, good = sweep_data[cls]
    est = cls(optimizer=name, batch_size=batch_size, learning_rate_init=1e6)
    extra = {"classes": [0, 1]} if cls is GDClassifier else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            for chunk in np.array_split(np.arange(len(y)), 4):
                est.partial_fit(X[chunk], y[chunk], **extra)
    diverged = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert np.isfinite(est.coef_).all() and np.isfinite(est.intercept_).all()
    score = est.score(X, y)
    assert diverged or score > good, f"no warning, but score {score:.3g}"


# --- 6. bad input: a clear error, the fitted estimator unchanged ---------------------


def _fitted_iris(iris):
    return GDClassifier(max_iter=5, tol=None, random_state=0).fit(*iris)


@pytest.mark.parametrize(
    "coef_init",
    [
        np.full((3, 4), np.nan),
        np.full((3, 4), np.inf),
        np.zeros((4, 3)),
        np.zeros(4),
        np.zeros((3, 5)),
        np.zeros((2, 4)),
    ],
    ids=["nan", "inf", "transposed", "1-d", "features", "classes"],
)
def test_bad_coef_init_is_a_clear_error(iris, coef_init):
    clf = _fitted_iris(iris)
    snap = _snapshot(clf)
    with pytest.raises(ValueError, match="coef_init"):
        clf.fit(*iris, coef_init=coef_init)
    _assert_unchanged(clf, snap, iris[0])


@pytest.mark.parametrize(
    "intercept_init",
    [np.zeros(1), np.array([np.nan, 0, 0]), np.array([0, np.inf, 0]), np.zeros(4)],
    ids=["shape-1-for-3-classes", "nan", "inf", "shape-4"],
)
def test_bad_intercept_init_is_a_clear_error(iris, intercept_init):
    clf = _fitted_iris(iris)
    snap = _snapshot(clf)
    with pytest.raises(ValueError, match="intercept_init"):
        clf.fit(*iris, intercept_init=intercept_init)
    _assert_unchanged(clf, snap, iris[0])


def test_bad_inits_of_the_regressor_are_clear_errors(regression):
    X, y = regression
    reg = GDRegressor(max_iter=5, random_state=0).fit(X, y)
    snap = _snapshot(reg)
    for bad in (np.full(5, np.nan), np.zeros(4), np.zeros((2, 5))):
        with pytest.raises(ValueError, match="coef_init"):
            reg.fit(X, y, coef_init=bad)
    for bad in (np.array([np.inf]), np.zeros(2)):
        with pytest.raises(ValueError, match="intercept_init"):
            reg.fit(X, y, intercept_init=bad)
    _assert_unchanged(reg, snap, X)


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
@pytest.mark.parametrize(
    "class_weight",
    [{0: -1.0}, {0: np.nan}, {0: np.inf}, {1: -0.5, 2: 1.0}],
    ids=["negative", "nan", "inf", "one-negative"],
)
def test_invalid_class_weight_is_a_clear_error(iris, cls, class_weight):
    est = cls(max_iter=3, random_state=0).fit(*iris)
    snap = _snapshot(est)
    est.set_params(class_weight=class_weight)
    with pytest.raises(ValueError, match="class_weight"):
        est.fit(*iris)
    _assert_unchanged(est, snap, iris[0])


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_all_zero_class_weights_are_a_clear_error(binary, cls):
    X, y = binary
    est = cls(max_iter=3, random_state=0).fit(X, y)
    snap = _snapshot(est)
    est.set_params(class_weight={0: 0.0, 1: 0.0})
    with pytest.raises(ValueError, match="zero weight"):
        est.fit(X, y)
    _assert_unchanged(est, snap, X)
    fresh = cls(class_weight={0: 0, 1: 0})
    with pytest.raises(ValueError, match="zero weight"):
        fresh.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(fresh, "coef_") and not hasattr(fresh, "coefs_")


@pytest.mark.parametrize("batch_size", ["full", 32, 1])
@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_huge_sample_weights_train_like_unit_weights(
    regression, binary, cls, batch_size
):
    X, y = regression if cls is GDRegressor else binary
    kw = dict(batch_size=batch_size, max_iter=10, tol=None, random_state=0)
    unit = cls(**kw).fit(X, y)
    huge = cls(**kw).fit(X, y, sample_weight=np.full(len(y), 1e308))
    assert_allclose(_weights(huge), _weights(unit), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_huge_sample_weights_raise_no_floating_point_error(regression, binary, cls):
    X, y = regression if cls is GDRegressor else binary
    with np.errstate(all="raise"):
        cls(max_iter=3, random_state=0).fit(X, y, sample_weight=np.full(len(y), 1e308))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cls(max_iter=3, random_state=0).fit(X, y, sample_weight=np.full(len(y), 1e308))


@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_huge_features_are_named_in_the_divergence_warning(regression, cls):
    X, y = regression
    y = y if cls is GDRegressor else (y > 0).astype(int)
    X = X.copy()
    X[:, [1, 3]] *= 1e300
    with pytest.warns(DivergenceWarning) as record:
        est = cls(optimizer="adam", random_state=0).fit(X, y)
    message = " ".join(str(w.message) for w in record)
    assert "[1, 3]" in message
    assert "feature" in message
    assert np.isfinite(est.coef_).all()


@pytest.fixture(scope="module")
def far_apart():
    """Separable classes far apart: exp() of the margins underflows."""
    rng = np.random.RandomState(0)
    centres = np.array([[1e3, 0.0], [-1e3, 0.0], [0.0, 1e3]])
    y = np.repeat([0, 1, 2], 34)[:100]
    X = centres[y] + rng.randn(100, 2)
    return X, y


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: GDClassifier(random_state=0, **kw),
        lambda **kw: GDClassifier(loss="modified_huber", random_state=0, **kw),
        lambda **kw: MLPGDClassifier((10,), random_state=0, **kw),
        lambda **kw: MLPGDClassifier(
            (10,), activation="logistic", random_state=0, **kw
        ),
    ],
    ids=["log_loss", "modified_huber", "mlp-relu", "mlp-logistic"],
)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_no_floating_point_error_under_errstate_raise(
    far_apart, make, n_classes, early_stopping
):
    X, y = far_apart
    mask = y < n_classes
    X, y = X[mask], y[mask]
    est = make(max_iter=50, early_stopping=early_stopping)
    far = 1000 * X  # scores in the thousands: exp() underflows, expit saturates
    with np.errstate(all="raise"):
        est.fit(X, y)
        proba = est.predict_proba(far)
        est.predict_log_proba(far)
        est.decision_function(far)
        est.score(X, y)
        if not early_stopping:
            est.partial_fit(X, y)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0)
    if isinstance(est, GDClassifier):
        assert est.score(X, y) == 1.0
    if isinstance(est, GDClassifier) and est.loss == "log_loss":
        assert (proba.max(axis=1) == 1.0).all()  # saturated


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_nan_input_is_refused_and_the_model_kept(iris, cls):
    est = cls(max_iter=3, random_state=0).fit(*iris)
    snap = _snapshot(est)
    X_bad = iris[0].copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X_bad, iris[1])
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(X_bad, iris[1])
    _assert_unchanged(est, snap, iris[0])


# --- 7. warnings point at the user's call --------------------------------------------


def _caught(category, fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [w for w in caught if issubclass(w.category, category)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: GDClassifier(max_iter=1),
        lambda: GDRegressor(max_iter=1),
        lambda: MLPGDClassifier((3,), max_iter=1),
        lambda: MLPGD("log_loss", hidden_layer_sizes=(3,), max_iter=1),
    ],
    ids=["GDClassifier", "GDRegressor", "MLPGDClassifier", "MLPGD"],
)
def test_convergence_warning_points_at_the_callers_line(binary, make):
    X, y = binary
    est = make()
    caught = _caught(ConvergenceWarning, lambda: est.fit(X, y))
    assert len(caught) == 1
    assert caught[0].filename == __file__


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("cls", [GDRegressor, MLPGDRegressor])
def test_divergence_warning_points_at_the_callers_line(regression, cls, method):
    X, y = regression
    est = cls(optimizer="sgd", learning_rate_init=1e6, max_iter=5, batch_size=32)
    caught = _caught(DivergenceWarning, lambda: getattr(est, method)(X, y))
    assert caught
    assert all(w.filename == __file__ for w in caught)
