"""Acceptance tests of issue 7, part 1: defaults that train, L1 that selects
features, averaged SGD.

The streams, stopping/divergence and bad-input behaviours of the same issue
are in ``test_defaults_and_guards_streams.py``.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    SGDClassifier,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import MLPGD, GDClassifier, GDRegressor, MLPGDClassifier, MLPGDRegressor
from skgd.optimizers import (
    OPTIMIZER_NAMES,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    NAdam,
    RMSprop,
)

NAMES = sorted(OPTIMIZER_NAMES)

# The documented step sizes of learning_rate_init="auto", as literal numbers.
LINEAR_AUTO = {
    "sgd": 0.1,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.1,
    "adadelta": 1.0,
    "rmsprop": 0.01,
    "adam": 0.01,
    "adamw": 0.01,
    "nadam": 0.01,
    "amsgrad": 0.01,
    "rprop": 0.01,
}
MLP_AUTO = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.01,
    "adadelta": 1.0,
    "rmsprop": 0.001,
    "adam": 0.001,
    "adamw": 0.001,
    "nadam": 0.002,
    "amsgrad": 0.001,
    "rprop": 0.01,
}


@pytest.fixture(scope="module")
def diabetes_split():
    """load_diabetes with the RAW target, split with random_state=0."""
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, random_state=0)


@pytest.fixture(scope="module")
def diabetes_scaled():
    """Standardised features, raw target (mean 152, std 77)."""
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y_reg = X @ [1.0, -2.0, 0.5] + 3.0 + 0.1 * rng.randn(40)
    y_clf = (X[:, 0] - X[:, 1] > 0).astype(int)
    return X, y_reg, y_clf


def _tiny_target(est, tiny):
    X, y_reg, y_clf = tiny
    is_clf = isinstance(est, (GDClassifier, MLPGDClassifier)) or (
        isinstance(est, MLPGD) and est.loss in ("log_loss", "hinge")
    )
    return X, (y_clf if is_clf else y_reg)


def _weights(est):
    if hasattr(est, "coefs_"):
        return np.concatenate([W.ravel() for W in est.coefs_ + est.intercepts_])
    return np.concatenate([np.ravel(est.coef_), np.ravel(est.intercept_)])


# --- 1. defaults that train ---------------------------------------------------


def test_auto_rate_tables_cover_every_optimizer_name():
    assert set(LINEAR_AUTO) == set(OPTIMIZER_NAMES) == set(MLP_AUTO)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier])
def test_auto_learning_rate_of_linear_models(tiny, cls, name):
    est = cls(optimizer=name, max_iter=3, tol=None, random_state=0)
    X, y = _tiny_target(est, tiny)
    est.fit(X, y)
    assert est.learning_rate_init_ == LINEAR_AUTO[name]
    assert est.learning_rate_init_ == est.optimizer_.default_learning_rate_linear
    # "auto" is resolved on the fitted estimator only
    assert est.get_params()["learning_rate_init"] == "auto"
    assert clone(est).get_params()["learning_rate_init"] == "auto"
    # and the resolved value is the one training used
    explicit = clone(est).set_params(learning_rate_init=LINEAR_AUTO[name]).fit(X, y)
    assert_array_equal(_weights(explicit), _weights(est))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: MLPGD(hidden_layer_sizes=(3,), **kw),
        lambda **kw: MLPGD("log_loss", hidden_layer_sizes=(3,), **kw),
        lambda **kw: MLPGDClassifier(hidden_layer_sizes=(3,), **kw),
        lambda **kw: MLPGDRegressor(hidden_layer_sizes=(3,), **kw),
    ],
    ids=[
        "MLPGD-regression",
        "MLPGD-classification",
        "MLPGDClassifier",
        "MLPGDRegressor",
    ],
)
def test_auto_learning_rate_of_networks(tiny, make, name):
    est = make(optimizer=name, max_iter=2, tol=None, random_state=0)
    X, y = _tiny_target(est, tiny)
    est.fit(X, y)
    assert est.learning_rate_init_ == MLP_AUTO[name]
    assert est.learning_rate_init_ == est.optimizer_.default_learning_rate
    assert est.get_params()["learning_rate_init"] == "auto"
    assert clone(est).get_params()["learning_rate_init"] == "auto"
    explicit = clone(est).set_params(learning_rate_init=MLP_AUTO[name]).fit(X, y)
    assert_array_equal(_weights(explicit), _weights(est))


@pytest.mark.parametrize(
    "cls", [GDRegressor, GDClassifier, MLPGDRegressor, MLPGDClassifier]
)
@pytest.mark.parametrize("optimizer", ["adam", "rprop", Adam(beta1=0.8)])
def test_explicit_learning_rate_init_wins(tiny, cls, optimizer):
    est = cls(optimizer=optimizer, learning_rate_init=0.0123, max_iter=2, tol=None)
    X, y = _tiny_target(est, tiny)
    est.fit(X, y)
    assert est.learning_rate_init_ == 0.0123
    assert est.get_params()["learning_rate_init"] == 0.0123


@pytest.mark.parametrize("name", NAMES)
def test_defaults_fit_the_raw_diabetes_target(diabetes_split, name):
    # The brief asked for R^2 >= 0.45, but on this split (random_state=0)
    # ordinary least squares itself only reaches 0.359: the bar is the
    # least-squares score, minus a small allowance for stopping at tol.
    X_train, X_test, y_train, y_test = diabetes_split
    ols = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    ols_r2 = ols.score(X_test, y_test)
    assert ols_r2 > 0.35
    model = make_pipeline(StandardScaler(), GDRegressor(optimizer=name, random_state=0))
    with warnings.catch_warnings():
        # no divergence, and convergence (by tol) well within max_iter
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= ols_r2 - 0.03


@pytest.mark.parametrize("scale_target", [True, False])
def test_full_batch_sgd_reaches_least_squares_in_original_units(
    diabetes_scaled, scale_target
):
    X, y = diabetes_scaled
    ols = LinearRegression().fit(X, y)
    # largest Hessian eigenvalue 4.02, smallest 0.0086: 0.45 is stable, and
    # 8000 epochs shrink the slowest error component by exp(-31)
    reg = GDRegressor(
        penalty=None,
        optimizer="sgd",
        learning_rate_init=0.45,
        batch_size="full",
        max_iter=8000,
        tol=None,
        scale_target=scale_target,
    ).fit(X, y)
    assert_allclose(reg.coef_, ols.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(reg.intercept_, [ols.intercept_], rtol=1e-9)
    assert reg.coef_.shape == (10,) and reg.intercept_.shape == (1,)
    assert_allclose(reg.predict(X), X @ reg.coef_ + reg.intercept_, rtol=1e-12)


@pytest.mark.parametrize("scale_target", [True, False])
def test_loss_curve_is_in_original_units(diabetes_scaled, scale_target):
    X, y = diabetes_scaled
    alpha = 1.0
    reg = GDRegressor(
        alpha=alpha,
        optimizer="sgd",
        learning_rate_init=0.3,  # Hessian eigenvalues in [1.0086, 5.02]
        batch_size="full",
        max_iter=300,
        tol=None,
        scale_target=scale_target,
    ).fit(X, y)
    # a full-batch epoch's loss is measured at its starting weights: the
    # first one at zero coefficients, with the intercept at 0 (unscaled) or
    # at the target mean (scaled target: the intercept starts at its centre)
    start = y.mean() if scale_target else 0.0
    assert_allclose(reg.loss_curve_[0], 0.5 * np.mean((y - start) ** 2), rtol=1e-10)
    # converged: the last one is the objective at the fitted coefficients
    mse = np.mean((y - reg.predict(X)) ** 2)
    objective = 0.5 * mse + 0.5 * alpha * reg.coef_ @ reg.coef_
    assert_allclose(reg.loss_curve_[-1], objective, rtol=1e-9)
    assert_allclose(reg.best_loss_, objective, rtol=1e-9)


# --- 2. L1 that selects features ----------------------------------------------


def test_full_batch_l1_matches_lasso_with_the_same_support(diabetes_scaled):
    X, y = diabetes_scaled
    reg = GDRegressor(
        penalty="l1",
        alpha=1.0,
        optimizer="sgd",
        batch_size="full",
        max_iter=5000,
        tol=None,
    ).fit(X, y)
    lasso = Lasso(alpha=1.0).fit(X, y)
    assert (lasso.coef_ == 0).sum() >= 2
    assert_array_equal(reg.coef_ == 0, lasso.coef_ == 0)
    assert_allclose(reg.coef_, lasso.coef_, atol=1e-3)
    assert_allclose(reg.intercept_, [lasso.intercept_], atol=1e-3)


def test_full_batch_l1_log_loss_matches_logistic_regression():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    C = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga's own ConvergenceWarning
        ref = LogisticRegression(
            l1_ratio=1.0, solver="saga", C=C, tol=1e-10, max_iter=20000
        ).fit(X, y)
    clf = GDClassifier(
        penalty="l1",
        alpha=1 / (C * len(y)),
        optimizer="sgd",
        learning_rate_init=0.5,
        batch_size="full",
        max_iter=20000,
        tol=None,
    ).fit(X, y)
    assert (ref.coef_ == 0).sum() >= 10
    assert_array_equal(clf.coef_ == 0, ref.coef_ == 0)
    # measured 3e-8 after 20000 epochs
    assert_allclose(clf.coef_, ref.coef_, atol=1e-6)
    assert_allclose(clf.intercept_, ref.intercept_, atol=1e-6)


@pytest.fixture(scope="module")
def wide_problem():
    X, y = make_classification(2000, 200, n_informative=10, random_state=0)
    return train_test_split(X, y, train_size=1500, random_state=0)


def test_per_sample_l1_is_as_sparse_as_sgdclassifier(wide_problem):
    X_train, X_test, y_train, y_test = wide_problem
    sgd = SGDClassifier(penalty="l1", alpha=1e-3, random_state=0).fit(X_train, y_train)
    clf = GDClassifier(
        penalty="l1", alpha=1e-3, optimizer="adam", batch_size=1, random_state=0
    ).fit(X_train, y_train)
    n_zero, sgd_zero = int((clf.coef_ == 0).sum()), int((sgd.coef_ == 0).sum())
    acc, sgd_acc = clf.score(X_test, y_test), sgd.score(X_test, y_test)
    # measured: 97 zeros / 0.720 against SGDClassifier's 70 / 0.712
    assert n_zero >= sgd_zero, (n_zero, sgd_zero)
    assert acc >= sgd_acc - 0.01, (acc, sgd_acc)


def test_default_mini_batches_give_exact_zeros(wide_problem):
    X_train, _, y_train, _ = wide_problem
    clf = GDClassifier(penalty="l1", alpha=1e-3, random_state=0).fit(X_train, y_train)
    assert (clf.coef_ == 0).sum() > 0


@pytest.mark.parametrize("max_iter", [300, 301, 302])
def test_rprop_l1_gives_the_lasso_zeros(diabetes_scaled, max_iter):
    # Rprop is not proximal: the L1 subgradient enters its gradient and a
    # weight crossing zero is clipped to zero. The zeros must be those of the
    # L1 optimum whatever the epoch training stops at (consecutive counts).
    X, y = diabetes_scaled
    reg = GDRegressor(
        penalty="l1",
        alpha=1.0,
        optimizer="rprop",
        batch_size="full",
        max_iter=max_iter,
        tol=None,
    ).fit(X, y)
    assert not reg.optimizer_.proximal
    lasso = Lasso(alpha=1.0).fit(X, y)
    assert_array_equal(np.flatnonzero(reg.coef_ == 0), np.flatnonzero(lasso.coef_ == 0))
    assert_allclose(reg.coef_, lasso.coef_, atol=1e-3)


@pytest.mark.parametrize("max_iter", [200, 201, 202])
def test_rprop_l1_classifier_gives_exact_zeros(max_iter):
    X, y = make_classification(300, 30, n_informative=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    kw = dict(penalty="l1", alpha=0.05, batch_size="full", max_iter=max_iter)
    proximal = GDClassifier(optimizer="sgd", tol=None, **kw).fit(X, y)
    rprop = GDClassifier(optimizer="rprop", tol=None, **kw).fit(X, y)
    n_zero = (proximal.coef_ == 0).sum()
    assert n_zero >= 20  # 25 of the 30 features are noise
    # at least most of those: the rule must not leave them dithering at +-step
    assert (rprop.coef_ == 0).sum() >= 0.8 * n_zero


@pytest.mark.parametrize(
    "make_data",
    [
        lambda: load_iris(return_X_y=True),
        lambda: make_classification(200, 8, random_state=0),
        lambda: make_regression(200, 8, n_informative=3, random_state=0),
        lambda: make_regression(200, 8, n_targets=2, n_informative=3, random_state=0),
    ],
    ids=["multiclass", "binary", "regression", "multi-output"],
)
def test_sparsify_keeps_predictions_and_densify_restores(make_data):
    X, y = make_data()
    X = StandardScaler().fit_transform(X)
    cls = GDRegressor if y.dtype.kind == "f" else GDClassifier
    est = cls(penalty="l1", alpha=0.1, random_state=0).fit(X, y)
    coef = est.coef_.copy()
    dense = est.predict(X)
    scores = est.decision_function(X) if cls is GDClassifier else dense
    assert est.sparsify() is est
    assert sp.issparse(est.coef_) and est.coef_.format == "csr"
    assert est.coef_.nnz == np.count_nonzero(coef) < coef.size
    # the sparse product may round differently in the last bit
    assert_allclose(est.predict(X), dense, rtol=1e-12, atol=1e-12)
    if cls is GDClassifier:
        assert_allclose(est.decision_function(X), scores, rtol=1e-12, atol=1e-12)
    assert est.densify() is est
    assert isinstance(est.coef_, np.ndarray)
    assert est.coef_.shape == coef.shape
    assert_array_equal(est.coef_, coef)
    assert_array_equal(est.predict(X), dense)


WEIGHT_DECAY_OPTIMIZERS = [
    lambda wd: SGD(weight_decay=wd),
    lambda wd: SGD(momentum=0.9, weight_decay=wd),
    lambda wd: Adagrad(weight_decay=wd),
    lambda wd: Adadelta(weight_decay=wd),
    lambda wd: RMSprop(weight_decay=wd),
    lambda wd: Adam(weight_decay=wd),
    lambda wd: AdamW(weight_decay=wd),
    lambda wd: NAdam(weight_decay=wd),
]
WD_IDS = ["sgd", "momentum", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam"]


@pytest.mark.parametrize("make", WEIGHT_DECAY_OPTIMIZERS, ids=WD_IDS)
def test_weight_decay_skips_the_arrays_masked_out(make):
    optimizer = make(0.5)
    params = [np.array([[1.0, -2.0]]), np.array([3.0, -4.0])]
    state = optimizer.init_state(params)
    state["decay_mask"] = [True, False]
    for _ in range(3):
        zero = [np.zeros_like(p) for p in params]
        optimizer.update(params, zero, state, 0.1)
    assert_array_equal(params[1], [3.0, -4.0])  # no gradient, no decay
    assert np.all(np.abs(params[0]) < [[1.0, 2.0]])  # decayed


@pytest.mark.parametrize("make", WEIGHT_DECAY_OPTIMIZERS, ids=WD_IDS)
def test_optimizer_weight_decay_never_shrinks_intercepts(diabetes_scaled, make):
    # With centred features, the squared-error gradient of the intercept is
    # b - mean(y) whatever the coefficients are, and every rule here is
    # per-coordinate: the intercept follows the same path with or without
    # weight decay, unless the decay reaches it.
    X, y = diabetes_scaled
    kw = dict(penalty=None, batch_size="full", max_iter=15, tol=None)
    kw["scale_target"] = False
    plain = GDRegressor(optimizer=make(0.0), **kw).fit(X, y)
    decayed = GDRegressor(optimizer=make(0.5), **kw).fit(X, y)
    assert np.abs(plain.intercept_).max() > 1e-3  # it moved
    assert not np.allclose(decayed.coef_, plain.coef_)  # the decay acts
    assert_allclose(decayed.intercept_, plain.intercept_, rtol=1e-12)
    # the same when the optimizer is swapped in between partial_fit calls
    # (its state is then created afresh, and must get the mask again)
    stream = GDRegressor(optimizer="rprop", **kw).partial_fit(X, y)
    other = clone(stream).partial_fit(X, y)
    for _ in range(3):
        stream.set_params(optimizer=make(0.5)).partial_fit(X, y)
        other.set_params(optimizer=make(0.0)).partial_fit(X, y)
    assert not np.allclose(stream.coef_, other.coef_)
    assert_allclose(stream.intercept_, other.intercept_, rtol=1e-12)


# --- 3. averaged SGD ----------------------------------------------------------


@pytest.fixture(scope="module")
def small_binary():
    return make_classification(12, 3, n_informative=2, n_redundant=0, random_state=0)


def _iterates(small_binary, name, n_epochs=2):
    """(coef, intercept) after every per-sample update, in order."""
    X, y = small_binary
    est = GDClassifier(optimizer=name, batch_size=1, shuffle=False, tol=None)
    iterates = []
    for _ in range(n_epochs):
        for i in range(len(y)):
            est.partial_fit(X[i : i + 1], y[i : i + 1], classes=[0, 1])
            iterates.append(np.r_[est.coef_.ravel(), est.intercept_])
    return np.array(iterates)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("average", [True, 1, 10])
def test_average_is_the_running_mean_of_the_iterates(small_binary, name, average):
    X, y = small_binary
    iterates = _iterates(small_binary, name)
    # averaging starts with the update that brings the sample count to
    # `average` (scikit-learn's convention); True means from the first
    first = 0 if average is True else int(average) - 1
    expected = iterates[first:].mean(axis=0)
    assert not np.allclose(expected, iterates[-1])
    kw = dict(optimizer=name, batch_size=1, shuffle=False, tol=None)
    fitted = GDClassifier(average=average, max_iter=2, **kw).fit(X, y)
    assert_allclose(
        np.r_[fitted.coef_.ravel(), fitted.intercept_], expected, atol=1e-12
    )
    streamed = GDClassifier(average=average, **kw)
    for _ in range(2):
        for i in range(len(y)):
            streamed.partial_fit(X[i : i + 1], y[i : i + 1], classes=[0, 1])
    assert_allclose(
        np.r_[streamed.coef_.ravel(), streamed.intercept_], expected, atol=1e-12
    )


def test_average_counts_samples_across_mini_batches_and_chunks(small_binary):
    X, y = small_binary
    kw = dict(optimizer="sgd", batch_size=4, shuffle=False, tol=None)
    ref = GDClassifier(**kw)
    iterates = []
    for start in range(0, 12, 4):
        ref.partial_fit(X[start : start + 4], y[start : start + 4], classes=[0, 1])
        iterates.append(np.r_[ref.coef_.ravel(), ref.intercept_])
    # average=5: the update that brings the count to 8 samples is the first
    est = GDClassifier(average=5, max_iter=1, **kw).fit(X, y)
    expected = np.mean(iterates[1:], axis=0)
    assert_allclose(np.r_[est.coef_.ravel(), est.intercept_], expected, atol=1e-12)


@pytest.mark.parametrize("cls", [GDRegressor, GDClassifier, MLPGDClassifier])
def test_pickling_mid_stream_resumes_averaging_identically(cls):
    X, y = make_classification(120, 4, random_state=0)
    chunks = np.array_split(np.arange(120), 4)
    kw = {"hidden_layer_sizes": (4,)} if cls is MLPGDClassifier else {}
    est = cls(average=15, batch_size=8, random_state=0, **kw)
    extra = {} if cls is GDRegressor else {"classes": [0, 1]}
    for idx in chunks[:2]:
        est.partial_fit(X[idx], y[idx], **extra)
    copy = pickle.loads(pickle.dumps(est))
    for idx in chunks[2:]:
        est.partial_fit(X[idx], y[idx])
        copy.partial_fit(X[idx], y[idx])
    assert_array_equal(_weights(copy), _weights(est))
    assert_array_equal(copy.predict(X), est.predict(X))


def test_averaging_gets_closer_to_least_squares_on_noisy_data():
    X, y = make_regression(500, 5, noise=30, random_state=0)
    ols = LinearRegression().fit(X, y)
    kw = dict(
        optimizer="sgd",
        batch_size=1,
        learning_rate="constant",
        learning_rate_init=0.01,
        max_iter=20,
        tol=None,
        penalty=None,
        scale_target=False,
        random_state=0,
    )
    last = GDRegressor(**kw).fit(X, y)
    averaged = GDRegressor(average=True, **kw).fit(X, y)
    dist_last = np.linalg.norm(last.coef_ - ols.coef_)
    dist_avg = np.linalg.norm(averaged.coef_ - ols.coef_)
    # measured: 1.12 against 4.28
    assert dist_avg < 0.5 * dist_last, (dist_avg, dist_last)
