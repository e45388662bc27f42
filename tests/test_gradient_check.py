"""Gradient checks: the finite-difference helpers, and every estimator objective.

Every loss x activation x depth (0, 1, 2 hidden layers) is checked with each
penalty and with sample weights, at random parameters (away from the kinks of
ReLU, hinge, absolute error and L1, almost surely farther than the step).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skgd import _network
from skgd.gradient_check import (
    GradientCheckResult,
    check_estimator_gradient,
    check_gradient,
    numerical_gradient,
)
from skgd.linear_model import GDClassifier, GDRegressor
from skgd.neural_network import (
    MLP_CLASSIFICATION_LOSSES,
    MLP_REGRESSION_LOSSES,
    MLPGD,
    MLPGDClassifier,
)

RTOL = 1e-6
PENALTIES = ("l2", "l1", "elasticnet", None)
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "logistic", "identity")


def _data(seed=0, n_samples=20, n_features=4):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    sample_weight = rng.uniform(0.2, 3.0, size=n_samples)
    targets = {
        "1-D": rng.normal(size=n_samples),
        "multi-output": rng.normal(size=(n_samples, 2)),
        "binary": rng.randint(0, 2, size=n_samples),
        "multiclass": rng.choice(["a", "b", "c"], size=n_samples),
        "multilabel": rng.randint(0, 2, size=(n_samples, 3)),
    }
    return X, sample_weight, targets


def _targets_for(loss):
    if loss in MLP_REGRESSION_LOSSES:
        return ("1-D", "multi-output")
    return ("binary", "multiclass", "multilabel")


def _losses(cls):
    return sorted(cls._parameter_constraints["loss"][0].options)


# --- the finite-difference helpers ----------------------------------------------


def test_numerical_gradient_of_a_quadratic_keeps_the_shape():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    grad = numerical_gradient(lambda M: float(np.sum(A @ M * M)), x)
    assert grad.shape == x.shape
    assert_allclose(grad, A @ x + A.T @ x, rtol=1e-8)
    assert_allclose(x, [[0.5, -1.0], [2.0, 0.25]])  # the input is untouched


@pytest.mark.parametrize(
    "fun, grad, x0",
    [
        # the seeds' functions: x^6 - 5x^4 + 4x^2, the elongated bowl, "peaks"
        (
            lambda x: float(np.sum(x**6 - 5 * x**4 + 4 * x**2)),
            lambda x: 6 * x**5 - 20 * x**3 + 8 * x,
            np.array([-1.7, 0.3, 1.1]),
        ),
        (
            lambda t: 10 * t[0] ** 2 + 0.5 * t[1] ** 2,
            lambda t: np.array([20 * t[0], t[1]]),
            np.array([1.0, -3.0]),
        ),
        (
            lambda p: float(np.exp(-(p[0] ** 2) - p[1] ** 2) * np.sin(3 * p[0])),
            lambda p: (
                np.exp(-(p[0] ** 2) - p[1] ** 2)
                * np.array(
                    [
                        3 * np.cos(3 * p[0]) - 2 * p[0] * np.sin(3 * p[0]),
                        -2 * p[1] * np.sin(3 * p[0]),
                    ]
                )
            ),
            np.array([0.4, -0.7]),
        ),
    ],
)
def test_check_gradient_accepts_right_gradients(fun, grad, x0):
    result = check_gradient(fun, x0, grad)
    assert isinstance(result, GradientCheckResult)
    assert result.max_rel_error < 1e-8
    # the scipy.optimize convention: fun returns (value, gradient)
    both = check_gradient(lambda x: (fun(x), grad(x)), x0, jac=True)
    assert both.max_rel_error == result.max_rel_error


def test_check_gradient_reports_the_worst_component():
    def fun(x):
        return float(np.sum(x**2))

    def wrong(x):
        g = 2 * x
        g[1] *= 1.5
        return g

    result = check_gradient(fun, np.array([1.0, 2.0, 0.5]), wrong)
    assert result.worst_index == (1,)
    assert_allclose(result.max_abs_error, 2.0, rtol=1e-6)
    assert_allclose(result.max_rel_error, 2.0 / 6.0, rtol=1e-6)


def test_check_gradient_errors():
    with pytest.raises(ValueError, match="jac"):
        check_gradient(np.sum, np.ones(2), jac=None)
    with pytest.raises(ValueError, match="shape"):
        check_gradient(np.sum, np.ones(2), lambda x: np.ones(3))


def test_zero_gradient_has_zero_error():
    result = check_gradient(lambda x: 1.0, np.ones(3), lambda x: np.zeros(3))
    assert result.max_rel_error == 0.0


# --- estimator objectives ---------------------------------------------------------


@pytest.mark.parametrize("hidden_layer_sizes", [(), (5,), (4, 3)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", MLP_REGRESSION_LOSSES + MLP_CLASSIFICATION_LOSSES)
def test_mlp_gradient(loss, activation, hidden_layer_sizes):
    X, sample_weight, targets = _data()
    for target in _targets_for(loss):
        for penalty in PENALTIES:
            est = MLPGD(
                loss,
                hidden_layer_sizes=hidden_layer_sizes,
                activation=activation,
                penalty=penalty,
                alpha=0.05,
                l1_ratio=0.4,
                epsilon=0.5,
            )
            result = check_estimator_gradient(
                est, X, targets[target], sample_weight, random_state=1
            )
            assert result.max_rel_error < RTOL, (target, penalty, result)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "est",
    [GDRegressor(loss=loss) for loss in _losses(GDRegressor)]
    + [GDClassifier(loss=loss) for loss in _losses(GDClassifier)],
    ids=repr,
)
def test_linear_gradient(est, fit_intercept):
    X, sample_weight, targets = _data(seed=3)
    regression = isinstance(est, GDRegressor)
    kinds = ("1-D", "multi-output") if regression else ("binary", "multiclass")
    for target in kinds:
        for penalty in PENALTIES:
            est.set_params(penalty=penalty, alpha=0.05, fit_intercept=fit_intercept)
            result = check_estimator_gradient(
                est, X, targets[target], sample_weight, random_state=0
            )
            assert result.max_rel_error < RTOL, (target, penalty, result)


def test_class_weight_enters_the_objective():
    X, _, targets = _data(seed=1)
    est = MLPGDClassifier(hidden_layer_sizes=(3,), class_weight={"a": 5.0, "b": 0.5})
    result = check_estimator_gradient(est, X, targets["multiclass"], random_state=0)
    assert result.max_rel_error < RTOL


def test_a_wrong_derivative_is_detected(monkeypatch):
    X, sample_weight, targets = _data()
    est = MLPGD(hidden_layer_sizes=(5,), activation="tanh")
    monkeypatch.setitem(_network.ACTIVATIONS, "tanh", (_network._tanh, lambda a: 1 - a))
    result = check_estimator_gradient(est, X, targets["1-D"], random_state=0)
    assert result.max_rel_error > 1e-2


def test_checks_in_float64_and_leaves_the_estimator_unfitted():
    X, sample_weight, targets = _data()
    est = MLPGDClassifier(hidden_layer_sizes=(3,), activation="logistic")
    result = check_estimator_gradient(
        est, X.astype(np.float32), targets["binary"], random_state=0
    )
    assert result.grad.dtype == np.float64 and result.max_rel_error < RTOL
    assert not hasattr(est, "n_features_in_")
    n_params = 4 * 3 + 3 + 3 * 1 + 1
    assert result.grad.shape == result.numerical_grad.shape == (n_params,)


def test_random_state_sets_the_point():
    X, _, targets = _data()
    est = MLPGD(hidden_layer_sizes=(3,))
    a = check_estimator_gradient(est, X, targets["1-D"], random_state=0)
    b = check_estimator_gradient(est, X, targets["1-D"], random_state=0)
    c = check_estimator_gradient(est, X, targets["1-D"], random_state=1)
    assert_allclose(a.grad, b.grad, rtol=0)
    assert not np.allclose(a.grad, c.grad)
