"""Gradient checks: the finite-difference helpers, and every estimator objective.

Every loss x activation x depth (0, 1, 2 hidden layers) is checked with each
penalty and with sample weights, at random parameters (away from the kinks of
ReLU, hinge, absolute error and L1, almost surely farther than the step).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import check_grad

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
    result = check_gradient(fun, grad, x0)
    assert isinstance(result, GradientCheckResult)
    assert result.passed
    assert result.max_rel_error < 1e-8
    # the scipy.optimize convention: fun returns (value, gradient)
    both = check_gradient(lambda x: (fun(x), grad(x)), True, x0)
    assert both.passed
    assert both.max_rel_error == result.max_rel_error


def _square(x, shift):
    return float(np.sum((x - shift) ** 2))


def _square_grad(x, shift):
    return 2 * (x - shift)


def test_check_gradient_takes_scipys_argument_order():
    x0, shift = np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -1.0])
    result = check_gradient(_square, _square_grad, x0, args=(shift,))
    scipy_error = check_grad(_square, _square_grad, x0, shift, epsilon=1e-6)
    assert result.passed and scipy_error < 1e-4  # forward differences
    assert_allclose(result.grad, _square_grad(x0, shift))
    assert_allclose(result.numerical_grad, _square_grad(x0, shift), rtol=1e-8)
    # keyword names are scipy's too
    by_name = check_gradient(func=_square, grad=_square_grad, x0=x0, args=(shift,))
    assert_allclose(by_name.grad, result.grad)


def test_check_gradient_old_order_still_works_with_a_warning():
    x0 = np.array([1.0, 2.0, 0.5])

    def value_and_grad(x):
        return _square(x, 0.0), _square_grad(x, 0.0)

    expected = check_gradient(value_and_grad, True, x0)
    calls = [
        lambda: check_gradient(value_and_grad, x0),  # the old default jac=True
        lambda: check_gradient(value_and_grad, x0, True),
        lambda: check_gradient(value_and_grad, x0, jac=True),
        lambda: check_gradient(np.sum, x0, np.ones_like),
        lambda: check_gradient(np.sum, x0, jac=np.ones_like),
    ]
    for call in calls:
        with pytest.warns(
            FutureWarning, match=r"check_gradient\(func, grad, x0\)"
        ) as record:
            result = call()
        assert record[0].filename == __file__  # points at the caller
        assert result.passed
        assert result.grad.shape == x0.shape
    with pytest.warns(FutureWarning):
        assert_allclose(check_gradient(value_and_grad, x0).grad, expected.grad)


def test_check_gradient_refuses_calls_that_fit_no_order():
    x0 = np.ones(2)
    with pytest.raises(ValueError, match="gradient before the point"):
        check_gradient(np.sum, x0, x0)  # no gradient anywhere
    with pytest.raises(ValueError, match="gradient before the point"):
        check_gradient(np.sum, None, x0)
    with pytest.raises(ValueError, match="jac=None"):
        check_gradient(np.sum, x0, jac=None)
    with pytest.raises(TypeError, match="jac is the old name of grad"):
        check_gradient(np.sum, np.ones_like, x0, jac=np.ones_like)  # two gradients
    with pytest.raises(TypeError, match="missing the point x0"):
        check_gradient(np.sum, np.ones_like)
    with pytest.raises(ValueError, match="shape"):
        check_gradient(np.sum, lambda x: np.ones(3), x0)


def test_check_gradient_reports_the_worst_component():
    def fun(x):
        return float(np.sum(x**2))

    def wrong(x):
        g = 2 * x
        g[1] *= 1.5
        return g

    result = check_gradient(fun, wrong, np.array([1.0, 2.0, 0.5]))
    assert result.worst_index == (1,)
    assert_allclose(result.max_abs_error, 2.0, rtol=1e-6)
    assert_allclose(result.max_rel_error, 2.0 / 6.0, rtol=1e-6)
    assert not result.passed
    # the verdict follows the tolerances: the error is 2 on a scale of 6
    x0 = np.array([1.0, 2.0, 0.5])
    assert check_gradient(fun, wrong, x0, rtol=0.34).passed
    assert not check_gradient(fun, wrong, x0, rtol=0.33).passed
    assert check_gradient(fun, wrong, x0, rtol=0.0, atol=2.01).passed
    assert not check_gradient(fun, wrong, x0, rtol=0.0, atol=1.99).passed


@pytest.mark.parametrize("relative_error, passed", [(1e-8, True), (1e-4, False)])
def test_check_gradient_passes_on_the_relative_error(relative_error, passed):
    x0 = np.array([3.0, -1.0, 2.0])

    def grad(x):
        g = 2 * x
        g[2] += relative_error * np.abs(g).max()
        return g

    result = check_gradient(lambda x: float(np.sum(x**2)), grad, x0)
    assert_allclose(result.max_rel_error, relative_error, rtol=0.05)
    assert result.passed is passed
    assert (result.rtol, result.atol) == (1e-6, 1e-8)


def test_atol_is_the_slack_of_a_zero_gradient():
    def fun(x):
        return float(np.sum(x**2))

    x0 = np.zeros(3)  # the minimum: the finite differences are exactly 0
    off = check_gradient(fun, lambda x: np.full(3, 1e-9), x0)
    assert off.max_rel_error == 1.0 and off.passed
    assert not check_gradient(fun, lambda x: np.full(3, 1e-9), x0, atol=0).passed
    assert not check_gradient(fun, lambda x: np.full(3, 1e-7), x0).passed


def test_zero_gradient_has_zero_error():
    result = check_gradient(lambda x: 1.0, lambda x: np.zeros(3), np.ones(3))
    assert result.max_rel_error == 0.0
    assert result.passed


def test_result_repr_is_one_short_line():
    x0 = np.linspace(0.1, 1.0, 500)
    result = check_gradient(lambda x: float(np.sum(np.sin(x))), np.sin, x0)
    text = repr(result)
    assert text.startswith("GradientCheckResult(passed=False, max_rel_error=")
    assert "worst_index=(0,)" in text and "rtol=1e-06, atol=1e-08" in text
    assert "\n" not in text and len(text) < 150
    assert "passed=True" in repr(check_gradient(np.sum, np.ones_like, x0))


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
            assert result.passed and result.max_rel_error < RTOL, (
                target,
                penalty,
                result,
            )


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
            assert result.passed and result.max_rel_error < RTOL, (
                target,
                penalty,
                result,
            )


def test_class_weight_enters_the_objective():
    X, _, targets = _data(seed=1)
    est = MLPGDClassifier(hidden_layer_sizes=(3,), class_weight={"a": 5.0, "b": 0.5})
    result = check_estimator_gradient(est, X, targets["multiclass"], random_state=0)
    assert result.passed and result.max_rel_error < RTOL


def test_a_wrong_derivative_is_detected(monkeypatch):
    X, sample_weight, targets = _data()
    est = MLPGD(hidden_layer_sizes=(5,), activation="tanh")
    monkeypatch.setitem(_network.ACTIVATIONS, "tanh", (_network._tanh, lambda a: 1 - a))
    result = check_estimator_gradient(est, X, targets["1-D"], random_state=0)
    assert result.max_rel_error > 1e-2
    assert not result.passed
    # the tolerances reach the verdict
    loose = check_estimator_gradient(est, X, targets["1-D"], random_state=0, rtol=1)
    assert loose.passed and loose.rtol == 1


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
