"""The training engine's semantics, pinned before the engine is rewritten for speed.

Each test states a documented behaviour of the estimators and checks it with
numbers that come from outside the training loop: a reference estimator of
scikit-learn, a formula written out here, a second fit that must agree, or a
spy optimizer that records the step sizes the loop feeds it. Planted bugs in a
copy of the engine (issue 7, item 8) showed that each of these behaviours was
unguarded before:

- sample-weight scale leaking into mini-batch steps;
- the elastic-net mixing of the penalty (value and gradient);
- class weights: dict direction, "balanced" with sample weights;
- the schedule's progress: per-update counter, horizon, state kept across
  ``partial_fit`` calls;
- verbose output, early stopping's restored weights and validation weights,
  warm starts, sparse and float32 input, the stratified validation split,
  and the optimizer and schedule names.

Comparisons are between two fits with the same settings, or against a
reference the engine does not compute, so that a faster engine doing the same
arithmetic in another order still passes.
"""

import math
import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import ElasticNet, LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier, GDRegressor
from skgd.neural_network import MLPGDClassifier, MLPGDRegressor
from skgd.optimizers import (
    OPTIMIZER_NAMES,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    NAdam,
    Optimizer,
    RMSprop,
    Rprop,
    resolve_optimizer,
)
from skgd.schedules import (
    SCHEDULE_NAMES,
    Constant,
    Cosine,
    Exponential,
    InverseTime,
    InvScaling,
    InvSqrt,
    Plateau,
    Step,
    Warmup,
    resolve_schedule,
)

# --- helpers ------------------------------------------------------------------


def _unscaled(est):
    """``est`` fitting the targets as given.

    Regressors may standardise the targets internally (``scale_target``);
    the references below are written for the objective on the raw targets.
    """
    if "scale_target" in est.get_params():
        est.set_params(scale_target=False)
    return est


def _params(est):
    """The fitted parameters of a linear model or an MLP, as a flat list."""
    if hasattr(est, "coefs_"):
        return [*est.coefs_, *est.intercepts_]
    return [np.atleast_1d(est.coef_), np.atleast_1d(est.intercept_)]


def _assert_same_params(a, b, rtol, atol=0.0):
    for p, q in zip(_params(a), _params(b), strict=True):
        assert_allclose(p, q, rtol=rtol, atol=atol)


def _recording_sgd():
    """A fresh user-defined optimizer class: plain SGD that records its rates.

    Written against the public :class:`skgd.optimizers.Optimizer` interface
    (not a subclass of the library's SGD), so the loop can only reach it
    through ``update``. The log is a class attribute, shared by the copies
    the estimator makes of the instance.
    """

    class RecordingSGD(Optimizer):
        _parameter_constraints = {}
        rates = []

        def init_state(self, params):
            return {"step": 0}

        def update(self, params, grads, state, lr):
            type(self).rates.append(lr)
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
            state["step"] += 1

    return RecordingSGD


def _plateau_scales(losses, factor, patience, threshold):
    """Scale of lr0 in effect during each epoch, by Plateau's documented rule.

    ``scales[e]`` is the scale used by epoch ``e``, after observing the
    losses of epochs ``0 .. e-1``.
    """
    best, bad, scale = math.inf, 0, 1.0
    scales = [scale]
    for loss in losses:
        bad = 0 if loss < best - threshold else bad + 1
        best = min(best, loss)
        if bad > patience:
            scale *= factor
            bad = 0
        scales.append(scale)
    return scales


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(
        n_samples=60, n_features=4, noise=5.0, random_state=0, coef=False
    )
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def noisy_binary():
    X, y = make_classification(
        n_samples=240,
        n_features=8,
        n_informative=4,
        flip_y=0.15,
        class_sep=0.8,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


# --- names resolve to the objects the documentation lists ---------------------

# Written out by hand, every hyper-parameter spelled: a changed default or a
# wrong table entry shows here, not only in the library's own table.
EXPECTED_OPTIMIZERS = {
    "sgd": (
        SGD,
        {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    ),
    "momentum": (
        SGD,
        {"momentum": 0.9, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    ),
    "nesterov": (
        SGD,
        {"momentum": 0.9, "dampening": 0.0, "nesterov": True, "weight_decay": 0.0},
    ),
    "adagrad": (
        Adagrad,
        {
            "lr_decay": 0.0,
            "weight_decay": 0.0,
            "initial_accumulator_value": 0.0,
            "eps": 1e-10,
        },
    ),
    "adadelta": (Adadelta, {"rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}),
    "rmsprop": (
        RMSprop,
        {
            "rho": 0.99,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "momentum": 0.0,
            "centered": False,
        },
    ),
    "adam": (
        Adam,
        {
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "amsgrad": False,
        },
    ),
    "adamw": (
        AdamW,
        {
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 1e-2,
            "amsgrad": False,
        },
    ),
    "nadam": (
        NAdam,
        {
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "momentum_decay": 4e-3,
        },
    ),
    "amsgrad": (
        Adam,
        {
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "amsgrad": True,
        },
    ),
    "rprop": (
        Rprop,
        {
            "eta_minus": 0.5,
            "eta_plus": 1.2,
            "step_size_min": 1e-6,
            "step_size_max": 50.0,
        },
    ),
}

_PLATEAU_DEFAULTS = {"factor": 0.2, "patience": 2, "threshold": 1e-4, "min_lr": 0.0}
EXPECTED_SCHEDULES = {
    "constant": (Constant, {}),
    "inverse_time": (InverseTime, {"decay": 1.0}),
    "exponential": (Exponential, {"gamma": 0.9}),
    "step": (Step, {"step_size": 10, "gamma": 0.1}),
    "inv_sqrt": (InvSqrt, {}),
    "invscaling": (InvScaling, {"power_t": 0.25}),
    "cosine": (Cosine, {"t_max": None, "eta_min": 0.0}),
    "warmup": (Warmup, {"warmup_steps": 100, "start_factor": 0.1, "after": None}),
    "adaptive": (Plateau, _PLATEAU_DEFAULTS),
    "plateau": (Plateau, _PLATEAU_DEFAULTS),
}


def test_name_tables_are_covered():
    # a new name must get a hand-written expectation here
    assert set(OPTIMIZER_NAMES) == set(EXPECTED_OPTIMIZERS)
    assert set(SCHEDULE_NAMES) == set(EXPECTED_SCHEDULES)


@pytest.mark.parametrize("name", sorted(EXPECTED_OPTIMIZERS))
def test_optimizer_name_resolves_to_the_documented_object(name):
    cls, params = EXPECTED_OPTIMIZERS[name]
    resolved = resolve_optimizer(name)
    assert type(resolved) is cls
    assert resolved.get_params(deep=False) == params
    # and the estimator trains with exactly that object
    X = np.arange(8.0).reshape(4, 2)
    est = GDRegressor(optimizer=name, max_iter=1, tol=None).fit(X, [0, 1, 0, 1])
    assert type(est.optimizer_) is cls
    assert est.optimizer_.get_params(deep=False) == params


@pytest.mark.parametrize("name", sorted(EXPECTED_SCHEDULES))
def test_schedule_name_resolves_to_the_documented_object(name):
    cls, params = EXPECTED_SCHEDULES[name]
    resolved = resolve_schedule(name)
    assert type(resolved) is cls
    assert resolved.get_params(deep=False) == params
    X = np.arange(8.0).reshape(4, 2)
    est = GDRegressor(learning_rate=name, max_iter=1, tol=None).fit(X, [0, 1, 0, 1])
    assert type(est.schedule_) is cls
    assert est.schedule_.get_params(deep=False) == params


# --- the step sizes a schedule feeds the optimizer ----------------------------

LR0 = 0.05
N_ROWS, BATCH, EPOCHS = 50, 10, 6
STEPS_PER_EPOCH = N_ROWS // BATCH


def _cosine(e, horizon, eta_min=0.0):
    return (
        eta_min
        + (LR0 - eta_min) * (1 + math.cos(math.pi * min(e, horizon) / horizon)) / 2
    )


# schedule, and the rate of update t (0-based, over the whole run) in epoch e
# written from each schedule's documented formula
SCHEDULE_FORMULAS = {
    "constant": (Constant(), lambda t, e: LR0),
    "inverse_time": (InverseTime(decay=0.5), lambda t, e: LR0 / (1 + 0.5 * e)),
    "exponential": (Exponential(gamma=0.7), lambda t, e: LR0 * 0.7**e),
    "step": (Step(step_size=2, gamma=0.5), lambda t, e: LR0 * 0.5 ** (e // 2)),
    "inv_sqrt": (InvSqrt(), lambda t, e: LR0 / math.sqrt(e + 1)),
    "invscaling": (InvScaling(power_t=0.5), lambda t, e: LR0 / math.sqrt(t + 1)),
    "warmup": (
        Warmup(warmup_steps=7, start_factor=0.2, after=Exponential(gamma=0.5)),
        lambda t, e: (0.2 + 0.8 * min(t, 7) / 7) * LR0 * 0.5**e,
    ),
    "cosine_t_max": (
        Cosine(t_max=3, eta_min=0.01),
        lambda t, e: _cosine(e, 3, eta_min=0.01),
    ),
}


@pytest.fixture(scope="module")
def stream():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N_ROWS, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.5, size=N_ROWS)
    return X, y


def _spy_regressor(schedule, max_iter=EPOCHS):
    # unscaled targets: Plateau then observes exactly the losses of loss_curve_
    spy = _recording_sgd()
    est = GDRegressor(
        optimizer=spy(),
        learning_rate=schedule,
        learning_rate_init=LR0,
        batch_size=BATCH,
        max_iter=max_iter,
        tol=None,
        penalty=None,
        shuffle=False,
        random_state=0,
    )
    return _unscaled(est), spy.rates


def _expected_rates(formula, n_epochs):
    return [formula(t, t // STEPS_PER_EPOCH) for t in range(n_epochs * STEPS_PER_EPOCH)]


@pytest.mark.parametrize("name", sorted(SCHEDULE_FORMULAS))
def test_fit_feeds_the_schedules_rates_to_the_optimizer(stream, name):
    schedule, formula = SCHEDULE_FORMULAS[name]
    est, rates = _spy_regressor(schedule)
    est.fit(*stream)
    assert est.n_iter_ == EPOCHS
    assert_allclose(rates, _expected_rates(formula, EPOCHS), rtol=1e-13)


@pytest.mark.parametrize("name", sorted(SCHEDULE_FORMULAS))
def test_partial_fit_continues_the_schedule_across_calls(stream, name):
    # one call is one epoch; the update counter runs on across calls
    schedule, formula = SCHEDULE_FORMULAS[name]
    est, rates = _spy_regressor(schedule)
    for _ in range(EPOCHS):
        est.partial_fit(*stream)
    assert_allclose(rates, _expected_rates(formula, EPOCHS), rtol=1e-13)


@pytest.mark.parametrize("max_iter", [4, 9])
def test_cosine_anneals_over_max_iter_in_fit(stream, max_iter):
    # the default horizon is the estimator's max_iter: the rate of epoch e is
    # (1 + cos(pi e / max_iter)) / 2 * lr0, still positive in the last epoch
    est, rates = _spy_regressor(Cosine(), max_iter=max_iter)
    est.fit(*stream)
    expected = [
        _cosine(t // STEPS_PER_EPOCH, max_iter)
        for t in range(max_iter * STEPS_PER_EPOCH)
    ]
    assert_allclose(rates, expected, rtol=1e-13)
    assert rates[-1] > 0


def test_plateau_rates_follow_the_epoch_losses_in_fit(stream):
    plateau = Plateau(factor=0.5, patience=1, threshold=0.02)
    est, rates = _spy_regressor(plateau, max_iter=12)
    est.fit(*stream)
    scales = _plateau_scales(est.loss_curve_, 0.5, 1, 0.02)
    expected = [LR0 * scales[t // STEPS_PER_EPOCH] for t in range(12 * STEPS_PER_EPOCH)]
    assert_allclose(rates, expected, rtol=1e-13)
    assert len(set(scales[:12])) >= 2  # the run did reduce the rate


def test_plateau_state_persists_across_partial_fit_calls(stream):
    plateau = Plateau(factor=0.5, patience=1, threshold=0.02)
    est, rates = _spy_regressor(plateau)
    n_calls = 12
    for _ in range(n_calls):
        est.partial_fit(*stream)
    assert len(est.loss_curve_) == n_calls
    scales = _plateau_scales(est.loss_curve_, 0.5, 1, 0.02)
    expected = [
        LR0 * scales[t // STEPS_PER_EPOCH] for t in range(n_calls * STEPS_PER_EPOCH)
    ]
    assert_allclose(rates, expected, rtol=1e-13)
    # a reduction needs patience + 1 = 2 bad calls in a row: only a state
    # kept from call to call can see them
    assert min(rates) < LR0


def test_plateau_with_a_huge_threshold_reduces_every_other_call(stream):
    # every call after the first is bad: the 3rd, 5th, ... calls halve the scale
    est, rates = _spy_regressor(Plateau(factor=0.5, patience=1, threshold=1e9))
    for _ in range(7):
        est.partial_fit(*stream)
    per_call = np.asarray(rates).reshape(7, STEPS_PER_EPOCH)
    assert_allclose(per_call[:, 0], LR0 * np.array([1, 1, 1, 0.5, 0.5, 0.25, 0.25]))
    assert (per_call == per_call[:, :1]).all()


# --- sample weights: their scale never reaches the step size ------------------

WEIGHT_SCALES = [1e-3, 7.0, 1e6]


def _weights(n, seed=0):
    rng = np.random.RandomState(seed)
    sw = rng.uniform(0.2, 3.0, size=n)
    sw[::11] = 0.0  # zero weights are allowed
    return sw


@pytest.mark.parametrize("scale", WEIGHT_SCALES)
@pytest.mark.parametrize(
    "make",
    [
        lambda: _unscaled(GDRegressor(optimizer="sgd", learning_rate_init=0.05)),
        lambda: GDRegressor(optimizer="momentum", learning_rate_init=0.02),
        lambda: _unscaled(
            MLPGDRegressor(
                hidden_layer_sizes=(5,), optimizer="sgd", learning_rate_init=0.05
            )
        ),
    ],
    ids=["linear-sgd", "linear-momentum", "mlp-sgd"],
)
def test_mini_batch_fit_is_invariant_to_the_scale_of_sample_weights(
    regression, make, scale
):
    X, y = regression
    sw = _weights(len(y))
    params = dict(batch_size=7, max_iter=8, tol=None, shuffle=True, random_state=0)
    a = make().set_params(**params).fit(X, y, sample_weight=sw)
    b = make().set_params(**params).fit(X, y, sample_weight=scale * sw)
    _assert_same_params(a, b, rtol=1e-10, atol=1e-13)
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("scale", WEIGHT_SCALES)
def test_mini_batch_classifier_is_invariant_to_the_scale_of_sample_weights(iris, scale):
    X, y = iris
    sw = _weights(len(y), seed=1)
    params = dict(
        optimizer="sgd",
        learning_rate_init=0.1,
        batch_size=16,
        max_iter=6,
        tol=None,
        random_state=0,
    )
    a = GDClassifier(**params).fit(X, y, sample_weight=sw)
    b = GDClassifier(**params).fit(X, y, sample_weight=scale * sw)
    _assert_same_params(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("scale", WEIGHT_SCALES)
def test_partial_fit_stream_is_invariant_to_the_scale_of_sample_weights(
    regression, scale
):
    X, y = regression
    sw = _weights(len(y), seed=2)
    chunks = np.array_split(np.arange(len(y)), 4)
    params = dict(optimizer="sgd", learning_rate_init=0.05, batch_size=5)
    a = _unscaled(GDRegressor(**params, random_state=0))
    b = _unscaled(GDRegressor(**params, random_state=0))
    for _ in range(2):
        for rows in chunks:
            a.partial_fit(X[rows], y[rows], sample_weight=sw[rows])
            b.partial_fit(X[rows], y[rows], sample_weight=scale * sw[rows])
    _assert_same_params(a, b, rtol=1e-10, atol=1e-13)


# --- penalties: against scikit-learn and the documented formula ---------------


def _standardised_regression(n_features, n_informative, seed):
    X, y = make_regression(
        n_samples=100,
        n_features=n_features,
        n_informative=n_informative,
        noise=5.0,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _full_batch_sgd_regressor(**params):
    params = {
        "optimizer": "sgd",
        "batch_size": "full",
        "learning_rate_init": 0.5,
        "max_iter": 3000,
        "tol": None,
        **params,
    }
    return _unscaled(GDRegressor(**params))


@pytest.mark.parametrize("alpha, l1_ratio", [(0.1, 0.3), (0.05, 0.8), (0.2, 0.0)])
def test_elasticnet_matches_sklearn_elastic_net(alpha, l1_ratio):
    # skgd's objective mean(1/2 (y - Xw - b)^2) + alpha (rho |w|_1 +
    # (1 - rho)/2 |w|^2) is ElasticNet's with the same alpha and l1_ratio.
    # The solution here has no zero coefficient, so plain full-batch gradient
    # descent converges to it exactly.
    X, y = _standardised_regression(5, 5, seed=0)
    ref = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-15, max_iter=100_000)
    ref.fit(X, y)
    assert np.all(np.abs(ref.coef_) > 1e-3)
    est = _full_batch_sgd_regressor(
        penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio
    ).fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(est.intercept_, [ref.intercept_], atol=1e-12)


def test_elasticnet_with_zero_coefficients_matches_sklearn_elastic_net():
    # A sparse solution: the L1 part must hold the irrelevant coefficients at
    # zero (a proximal step does; a subgradient step oscillates around zero).
    X, y = _standardised_regression(8, 3, seed=1)
    ref = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-15, max_iter=100_000).fit(X, y)
    assert np.sum(ref.coef_ == 0) >= 3
    est = _full_batch_sgd_regressor(penalty="elasticnet", alpha=0.1, l1_ratio=0.5)
    est.fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_l1_matches_sklearn_lasso():
    X, y = _standardised_regression(5, 5, seed=0)
    ref = ElasticNet(alpha=0.05, l1_ratio=1.0, tol=1e-15, max_iter=100_000)
    ref.fit(X, y)
    assert np.all(np.abs(ref.coef_) > 1e-3)
    est = _full_batch_sgd_regressor(penalty="l1", alpha=0.05, l1_ratio=0.3).fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12)


def test_elasticnet_log_loss_matches_sklearn_logistic_regression():
    # LogisticRegression minimises C sum(log loss) + (1-rho)/2 |w|^2 + rho |w|_1,
    # which divided by C n is skgd's objective with alpha = 1 / (C n)
    X, y = make_classification(
        n_samples=200,
        n_features=5,
        n_informative=5,
        n_redundant=0,
        flip_y=0.1,
        class_sep=0.8,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    alpha, l1_ratio = 0.02, 0.4
    ref = LogisticRegression(
        C=1 / (alpha * len(y)), l1_ratio=l1_ratio, solver="saga", tol=1e-13
    )
    ref.set_params(max_iter=100_000).fit(X, y)
    assert np.all(np.abs(ref.coef_) > 1e-2)
    est = GDClassifier(
        penalty="elasticnet",
        alpha=alpha,
        l1_ratio=l1_ratio,
        optimizer="sgd",
        batch_size="full",
        learning_rate_init=2.0,
        max_iter=1000,
        tol=None,
    ).fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-11)
    assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9, atol=1e-11)


def _penalty(W, penalty, alpha, l1_ratio):
    """alpha * R(W), R as scikit-learn's SGD estimators define it.

    L2: 1/2 sum w^2; L1: sum |w|; elasticnet: (1 - l1_ratio) * L2 +
    l1_ratio * L1 (scikit-learn's SGDClassifier documentation).
    """
    l2 = 0.5 * float(np.sum(W * W))
    l1 = float(np.sum(np.abs(W)))
    rho = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    return alpha * ((1 - rho) * l2 + rho * l1)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_regressor_objective_value_is_loss_plus_documented_penalty(penalty):
    X, y = _standardised_regression(5, 5, seed=3)
    alpha, l1_ratio = 0.3, 0.2
    params = dict(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio)
    fitted = _full_batch_sgd_regressor(**params, max_iter=20).fit(X, y)
    w, b = fitted.coef_.copy(), fitted.intercept_.copy()
    w[0] = -abs(w[0]) - 0.5  # a negative coefficient, for |w|
    # one full-batch epoch from (w, b): its loss is the objective at (w, b)
    probe = _full_batch_sgd_regressor(**params, max_iter=1)
    probe.fit(X, y, coef_init=w, intercept_init=b)
    data_term = np.mean(0.5 * (y - X @ w - b) ** 2)
    expected = data_term + _penalty(w, penalty, alpha, l1_ratio)
    assert probe.loss_curve_[0] == pytest.approx(expected, rel=1e-12)


def test_classifier_objective_value_is_loss_plus_documented_penalty(iris):
    X, y = iris
    alpha, l1_ratio = 0.2, 0.35
    rng = np.random.RandomState(0)
    W = rng.normal(size=(3, 4))
    b = rng.normal(size=3)
    probe = GDClassifier(
        penalty="elasticnet",
        alpha=alpha,
        l1_ratio=l1_ratio,
        optimizer="sgd",
        batch_size="full",
        max_iter=1,
        tol=None,
    ).fit(X, y, coef_init=W, intercept_init=b)
    log_p = log_softmax(X @ W.T + b, axis=1)
    data_term = -np.mean(log_p[np.arange(len(y)), y])
    expected = data_term + _penalty(W, "elasticnet", alpha, l1_ratio)
    assert probe.loss_curve_[0] == pytest.approx(expected, rel=1e-12)


# --- class weights ------------------------------------------------------------


def _full_batch_classifier(cls, **params):
    params = {
        "optimizer": "sgd",
        "batch_size": "full",
        "learning_rate_init": 0.2,
        "max_iter": 30,
        "tol": None,
        "random_state": 0,
        **params,
    }
    if cls is MLPGDClassifier:
        params["hidden_layer_sizes"] = (4,)
    return cls(**params)


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
@pytest.mark.parametrize(
    "class_weight", [{0: 1.0, 1: 5.0, 2: 0.5}, {2: 3.0}, {0: 0.25, 1: 2.0}]
)
def test_dict_class_weight_equals_per_sample_weights(iris, cls, class_weight):
    # a class missing from the dict has weight 1
    X, y = iris
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    per_sample = np.array([class_weight.get(label, 1.0) for label in y])
    a = _full_batch_classifier(cls, class_weight=class_weight).fit(
        X, y, sample_weight=sw
    )
    b = _full_batch_classifier(cls).fit(X, y, sample_weight=sw * per_sample)
    _assert_same_params(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_dict_class_weight_moves_the_boundary_away_from_the_weighted_class(cls):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (150, 2)), rng.normal(1.2, 1, (150, 2))])
    y = np.repeat([0, 1], 150)
    fraction = {}
    for name, class_weight in [("none", None), ("up1", {1: 6.0}), ("up0", {0: 6.0})]:
        est = _full_batch_classifier(cls, class_weight=class_weight, max_iter=200)
        fraction[name] = np.mean(est.fit(X, y).predict(X) == 1)
    assert fraction["up0"] + 0.1 < fraction["none"] < fraction["up1"] - 0.1


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_balanced_class_weight_counts_weighted_samples(cls):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = np.repeat([0, 1, 2], [50, 30, 10])
    X[:, 0] += y
    # weights that differ by class, so weighted and plain counts disagree
    sw = rng.uniform(0.5, 1.5, size=90) * np.choose(y, [0.2, 1.0, 4.0])
    n_classes = 3
    weighted_count = np.bincount(y, weights=sw)
    explicit = sw * sw.sum() / (n_classes * weighted_count[y])
    a = _full_batch_classifier(cls, class_weight="balanced").fit(X, y, sample_weight=sw)
    b = _full_batch_classifier(cls).fit(X, y, sample_weight=explicit)
    _assert_same_params(a, b, rtol=1e-12, atol=1e-14)
    # the full-batch loss normalises by the weight sum: using n_samples instead
    # of the weight sum in the class weights is the same fit
    c = _full_batch_classifier(cls).fit(
        X, y, sample_weight=sw * len(y) / (n_classes * weighted_count[y])
    )
    _assert_same_params(a, c, rtol=1e-12, atol=1e-14)


def test_dict_class_weight_applies_in_partial_fit(iris):
    X, y = iris
    class_weight = {0: 3.0, 2: 0.5}
    per_sample = np.array([class_weight.get(label, 1.0) for label in y])
    params = dict(optimizer="sgd", batch_size=10, random_state=0)
    a = GDClassifier(class_weight=class_weight, **params)
    b = GDClassifier(**params)
    for _ in range(2):
        a.partial_fit(X, y, classes=[0, 1, 2])
        b.partial_fit(X, y, classes=[0, 1, 2], sample_weight=per_sample)
    _assert_same_params(a, b, rtol=1e-12, atol=1e-14)


# --- partial_fit and float32 with every optimizer -----------------------------


@pytest.mark.parametrize("name", sorted(OPTIMIZER_NAMES))
@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_partial_fit_in_float32_equals_one_epoch_of_fit(iris, cls, name):
    X, y = iris
    X32 = X.astype(np.float32)
    params = dict(optimizer=name, batch_size=16, random_state=0)
    if cls is MLPGDClassifier:
        params["hidden_layer_sizes"] = (6,)
    fitted = cls(**params, max_iter=1, tol=None).fit(X32, y)
    streamed = cls(**params).partial_fit(X32, y, classes=[0, 1, 2])
    for p in _params(streamed):
        assert p.dtype == np.float32
        assert np.isfinite(p).all()
    _assert_same_params(fitted, streamed, rtol=1e-5, atol=1e-6)
    assert streamed.t_ == fitted.t_ == len(y)
    before = [p.copy() for p in _params(streamed)]
    streamed.partial_fit(X32, y)
    after = _params(streamed)
    assert all(p.dtype == np.float32 and np.isfinite(p).all() for p in after)
    assert any(not np.array_equal(p, q) for p, q in zip(before, after, strict=True))


# --- verbose ------------------------------------------------------------------

_NUMBER = r"([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan))"


def _verbose_lines(out):
    """(epoch, loss, validation loss, validation score) of each epoch line.

    Tolerant of the wording (``loss = x`` or ``loss x``) and of extra fields;
    a field that is not printed is None.
    """
    rows = []
    for line in out.splitlines():
        epoch = re.search(r"Epoch (\d+)", line)
        if epoch is None:
            continue
        fields = [int(epoch.group(1))]
        for name in (r"(?<!validation )loss", "validation loss", "validation score"):
            match = re.search(name + r"\s*[=:]?\s*" + _NUMBER, line)
            fields.append(None if match is None else float(match.group(1)))
        rows.append(tuple(fields))
    return rows


def test_verbose_reports_each_epoch_loss(regression, capsys):
    X, y = regression
    est = GDRegressor(
        optimizer="sgd",
        learning_rate_init=0.3,
        batch_size=4,
        max_iter=12,
        tol=None,
        random_state=0,
        verbose=1,
    ).fit(X, y)
    rows = _verbose_lines(capsys.readouterr().out)
    assert [row[0] for row in rows] == list(range(1, 13))
    curve = np.asarray(est.loss_curve_)
    # a noisy curve: the best loss so far is not the epoch's loss
    assert np.any(np.diff(curve) > 1e-3 * curve[1:])
    # printed to 6 significant digits or more
    assert_allclose([row[1] for row in rows], curve, rtol=1e-5, atol=1e-8)


def test_verbose_reports_the_validation_loss_and_score(noisy_binary, capsys):
    X, y = noisy_binary
    est = GDClassifier(
        optimizer="sgd",
        learning_rate_init=0.5,
        batch_size=8,
        max_iter=6,
        tol=None,
        early_stopping=True,
        random_state=0,
        verbose=1,
    ).fit(X, y)
    rows = _verbose_lines(capsys.readouterr().out)
    assert [row[0] for row in rows] == list(range(1, 7))
    values = np.array([row[1:] for row in rows], dtype=float)
    assert_allclose(values[:, 0], est.loss_curve_, rtol=1e-5, atol=1e-8)
    assert_allclose(values[:, 1], est.validation_loss_curve_, rtol=1e-5, atol=1e-8)
    assert_allclose(values[:, 2], est.validation_scores_, rtol=1e-3, atol=1e-6)


def test_verbose_partial_fit_counts_epochs_over_the_stream(regression, capsys):
    X, y = regression
    est = GDRegressor(optimizer="sgd", batch_size=10, random_state=0, verbose=1)
    for rows in np.array_split(np.arange(len(y)), 3):
        est.partial_fit(X[rows], y[rows])
    rows = _verbose_lines(capsys.readouterr().out)
    assert [row[0] for row in rows] == [1, 2, 3]
    assert_allclose([row[1] for row in rows], est.loss_curve_, rtol=1e-5, atol=1e-8)


# --- MLP: sparse input --------------------------------------------------------


@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 6)) * (rng.uniform(size=(80, 6)) < 0.4)
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] > 0).astype(int)
    return X, sp.csr_matrix(X), y


@pytest.mark.parametrize("cls", [MLPGDClassifier, MLPGDRegressor])
def test_mlp_sparse_input_equals_dense(sparse_data, cls):
    X, X_csr, y = sparse_data
    target = y if cls is MLPGDClassifier else y + X[:, 3]
    params = dict(hidden_layer_sizes=(5,), batch_size=16, max_iter=4, random_state=0)
    dense = cls(**params).fit(X, target)
    sparse = cls(**params).fit(X_csr, target)
    _assert_same_params(dense, sparse, rtol=1e-10, atol=1e-14)
    # the dense model predicts a CSR matrix as its dense copy
    output = dense.predict_proba if cls is MLPGDClassifier else dense.predict
    assert_allclose(output(X_csr), output(X), rtol=1e-12, atol=1e-14)
    if cls is MLPGDClassifier:
        assert_array_equal(dense.predict(X_csr), dense.predict(X))

    stream_params = dict(hidden_layer_sizes=(5,), batch_size=16, random_state=0)
    a, b = cls(**stream_params), cls(**stream_params)
    kwargs = {"classes": [0, 1]} if cls is MLPGDClassifier else {}
    for rows in np.array_split(np.arange(80), 3):
        a.partial_fit(X[rows], target[rows], **kwargs)
        b.partial_fit(X_csr[rows], target[rows], **kwargs)
    _assert_same_params(a, b, rtol=1e-10, atol=1e-14)


# --- MLP: early stopping, validation weights, warm start ----------------------


def _binary_log_loss(est, X, y, sample_weight):
    """Weighted mean cross-entropy of a binary classifier, computed here."""
    raw = est.decision_function(X)
    per_sample = np.logaddexp(0, raw) - (y == est.classes_[1]) * raw
    return float(np.sum(sample_weight * per_sample) / np.sum(sample_weight))


@pytest.fixture(scope="module")
def overfitting():
    X, y = make_classification(
        n_samples=200,
        n_features=10,
        n_informative=3,
        flip_y=0.25,
        random_state=1,
    )
    X = StandardScaler().fit_transform(X)
    sw_val = np.random.RandomState(0).uniform(0.2, 2.0, size=100)
    return X[:100], y[:100], X[100:], y[100:], sw_val


def test_mlp_early_stopping_restores_the_lowest_validation_loss(overfitting):
    X, y, X_val, y_val, sw_val = overfitting
    est = MLPGDClassifier(
        hidden_layer_sizes=(40,),
        learning_rate_init=0.02,
        batch_size=10,
        max_iter=80,
        n_iter_no_change=4,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    curve = est.validation_loss_curve_
    best = int(np.argmin(curve))
    # the scenario: the validation loss rose after its minimum, so the last
    # epoch's weights are not the ones to keep
    assert best < len(curve) - 1
    assert len(curve) == len(est.validation_scores_) == est.n_iter_
    # the restored weights are those of the lowest validation loss ...
    restored_loss = _binary_log_loss(est, X_val, y_val, sw_val)
    assert restored_loss == pytest.approx(curve[best], rel=1e-9)
    assert restored_loss < curve[-1]
    # ... and best_validation_score_ is their weighted accuracy on X_val
    score = est.score(X_val, y_val, sample_weight=sw_val)
    assert est.best_validation_score_ == pytest.approx(score, rel=1e-12)
    assert est.best_validation_score_ == est.validation_scores_[best]


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_sample_weight_val_weights_the_validation_loss_and_score(overfitting, cls):
    X, y, X_val, y_val, _ = overfitting
    params = dict(batch_size=10, max_iter=1, tol=None, random_state=0)
    if cls is MLPGDClassifier:
        params["hidden_layer_sizes"] = (8,)
    # given X_val, training uses all of X: without validation data the same
    # epoch gives the same weights, on which the validation numbers are taken
    trained = cls(**params).fit(X, y)
    wrong = trained.predict(X_val) != y_val
    assert 0 < wrong.sum() < len(y_val)
    weightings = {
        "uniform": np.ones(len(y_val)),
        "on_errors": np.where(wrong, 5.0, 0.5),
        "on_hits": np.where(wrong, 0.5, 5.0),
    }
    scores = {}
    for name, sw_val in weightings.items():
        est = cls(**params).fit(
            X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val
        )
        expected_score = accuracy_score(
            y_val, trained.predict(X_val), sample_weight=sw_val
        )
        expected_loss = _binary_log_loss(trained, X_val, y_val, sw_val)
        assert est.validation_scores_[0] == pytest.approx(expected_score, rel=1e-12)
        assert est.validation_loss_curve_[0] == pytest.approx(expected_loss, rel=1e-9)
        scores[name] = est.validation_scores_[0]
    assert scores["on_errors"] < scores["uniform"] < scores["on_hits"]


def _mlp_objective(est, X, y, alpha):
    """Mean softmax cross-entropy plus alpha/2 times every squared weight."""
    log_p = est.predict_log_proba(X)
    data_term = -np.mean(log_p[np.arange(len(y)), np.searchsorted(est.classes_, y)])
    return data_term + 0.5 * alpha * sum(float(np.sum(W * W)) for W in est.coefs_)


def test_mlp_warm_start_continues_from_the_previous_weights(iris):
    X, y = iris
    params = dict(
        hidden_layer_sizes=(6, 5),
        activation="tanh",
        optimizer="sgd",
        batch_size="full",
        learning_rate_init=0.1,
        alpha=0.01,
        tol=None,
        random_state=0,
    )
    straight = MLPGDClassifier(**params, max_iter=6).fit(X, y)
    est = MLPGDClassifier(**params, max_iter=5).fit(X, y)
    level = _mlp_objective(est, X, y, alpha=0.01)
    est.set_params(warm_start=True, max_iter=1).fit(X, y)
    # the full-batch loss of the new fit's first epoch is the objective at
    # the previous fit's weights: the penalty covers every weight matrix
    assert est.loss_curve_ == pytest.approx([level], rel=1e-10)
    assert est.n_iter_ == 1
    # plain SGD keeps no state: five epochs and one more are six epochs
    _assert_same_params(est, straight, rtol=1e-12, atol=1e-14)
    cold = MLPGDClassifier(**params, max_iter=1).fit(X, y)
    assert not np.allclose(cold.coefs_[0], est.coefs_[0])


# --- the stratified validation split of classifiers ---------------------------


@pytest.mark.parametrize("cls", [GDClassifier, MLPGDClassifier])
def test_classifier_validation_split_is_stratified(cls):
    # X carries no information, so the model predicts the majority class and
    # its validation accuracy is the share of that class in the held-out
    # split. With 10 rare samples in 200 and 20 held out, a stratified split
    # holds out exactly one rare sample (accuracy 19/20) whatever the seed; a
    # plain random split holds out none or two or more for most seeds.
    X = np.zeros((200, 3))
    y = np.r_[np.zeros(190, dtype=int), np.ones(10, dtype=int)]
    params = dict(
        optimizer="sgd",
        learning_rate_init=0.5,
        batch_size=50,
        max_iter=3,
        tol=None,
        early_stopping=True,
        validation_fraction=0.1,
    )
    if cls is MLPGDClassifier:
        params["hidden_layer_sizes"] = (3,)
    for seed in range(12):
        est = cls(**params, random_state=seed).fit(X, y)
        assert est.t_ == 3 * 180
        assert est.validation_scores_ == pytest.approx([19 / 20] * 3, abs=1e-12)
