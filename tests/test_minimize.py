"""Tests of skgd.optimize.minimize: the lecture notes' observations, reproduced.

Each test states its numbers: starting points, step sizes, budgets and
tolerances are chosen so the claims hold with a wide margin.
"""

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from skgd.benchmark_functions import peaks, polynomial, ravine, rosenbrock
from skgd.optimize import minimize
from skgd.optimizers import OPTIMIZER_NAMES, SGD, Adam
from skgd.schedules import Cosine, Exponential, Plateau, Step

# Critical points of x^6 - 5x^4 + 4x^2: roots of 6x^5 - 20x^3 + 8x.
POLY_CRITICAL = np.sort(np.roots([6, 0, -20, 0, 8, 0]).real)
POLY_GLOBAL_MIN = np.sqrt((5 + np.sqrt(13)) / 3)  # ~1.694, also -1.694
PEAKS_MAX_X = np.array([-0.00931759, 1.581368])  # scipy BFGS on -peaks
PEAKS_MAX = 8.106213


def test_polynomial_critical_points_match_the_closed_form():
    expected = [-POLY_GLOBAL_MIN, -0.6818, 0.0, 0.6818, POLY_GLOBAL_MIN]
    np.testing.assert_allclose(POLY_CRITICAL, expected, atol=1e-4)


def test_gd_stays_at_the_stationary_point_x0_zero():
    res = minimize(polynomial, 0.0, jac=True, learning_rate_init=0.01)
    assert res.success and res.status == 0
    assert res.nit == 0
    assert res.x == 0.0 and res.jac == 0.0
    assert res.path.shape == (1,)


def test_gd_stays_at_zero_even_with_a_zero_tolerance():
    # the gradient is exactly 0, so every update leaves x where it is
    res = minimize(polynomial, 0.0, jac=True, tol=0.0, max_iter=50)
    assert res.success
    np.testing.assert_array_equal(res.path, 0.0)


@pytest.mark.parametrize(
    "x0, minimum",
    [
        (0.3, 0.0),  # inside the local maxima at +-0.682: the local minimum 0
        (-0.6, 0.0),
        (0.7, POLY_GLOBAL_MIN),  # just past a local maximum: the global minimum
        (2.0, POLY_GLOBAL_MIN),
        (-1.0, -POLY_GLOBAL_MIN),
        (-2.0, -POLY_GLOBAL_MIN),
    ],
)
def test_gd_reaches_the_minimum_of_its_basin(x0, minimum):
    # lr = 0.01 is stable: f'' at the global minima is about 82.7 < 2 / 0.01
    res = minimize(polynomial, x0, jac=True, learning_rate_init=0.01, tol=1e-6)
    assert res.success
    assert abs(res.x - minimum) < 1e-6
    nearest = POLY_CRITICAL[np.argmin(np.abs(POLY_CRITICAL - res.x))]
    assert nearest == pytest.approx(minimum, abs=1e-9)


def test_scalar_problem_without_gradient():
    res = minimize(lambda x: x**6 - 5 * x**4 + 4 * x**2, 2.0)
    assert res.success
    assert res.x.shape == () and res.path.shape == (res.nit + 1,)
    assert float(res.x) == pytest.approx(POLY_GLOBAL_MIN, abs=1e-6)


RAVINE_X0 = [1.5, -2.0]
# Constant rates below the stability limit 2 / 20 of the curvature-20 direction.
STABLE_RATES = [*np.linspace(0.01, 0.099, 19), 2 / 21]


def _iterations_to_tol(**kwargs):
    kwargs = {"jac": True, "max_iter": 10_000, "tol": 1e-6, **kwargs}
    res = minimize(ravine, RAVINE_X0, **kwargs)
    assert res.success, res.message
    return res.nit


@pytest.mark.parametrize("optimizer, lr", [("rmsprop", 0.1), ("adagrad", 1.0)])
def test_adaptive_method_beats_the_best_fixed_rate_on_the_ravine(optimizer, lr):
    # GD with the best of 20 stable constant rates needs ~150 iterations to
    # reach |grad| <= 1e-6; per-coordinate scaling ignores the conditioning.
    best_gd = min(_iterations_to_tol(learning_rate_init=r) for r in STABLE_RATES)
    adaptive = _iterations_to_tol(optimizer=optimizer, learning_rate_init=lr)
    assert 3 * adaptive <= best_gd, (adaptive, best_gd)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
@pytest.mark.parametrize("lr", [0.01, 0.02])
def test_momentum_beats_plain_gd_on_the_ravine(optimizer, lr):
    plain = _iterations_to_tol(learning_rate_init=lr)
    accelerated = _iterations_to_tol(optimizer=optimizer, learning_rate_init=lr)
    assert 2 * accelerated <= plain, (accelerated, plain)


def test_the_seeds_momentum_is_sgd_with_dampening():
    # V <- beta V + (1 - beta) g with the buffer started at the first gradient
    # (damped: the step is lr * V, not lr * V / (1 - beta), hence the larger lr)
    res = minimize(
        ravine, RAVINE_X0, jac=True, optimizer=SGD(0.9, 0.9), learning_rate_init=0.05
    )
    assert res.success and res.nit < 1000


# Rosenbrock from (-1.2, 1): per optimizer name, (schedule, lr, max_iter).
# Every run must end within ROSEN_TOL of (1, 1), stopping early once the
# gradient norm is at most 1e-3 (which is within ~2.5e-3 of the minimum).
ROSEN_TOL = 1e-2
ROSENBROCK_TABLE = {
    "sgd": ("constant", 1.5e-3, 12_000),
    "momentum": ("constant", 1e-3, 2_000),
    "nesterov": ("constant", 1e-3, 2_000),
    "adagrad": ("constant", 0.5, 10_000),
    "adadelta": (Plateau(factor=0.5, patience=10, threshold=0), 20.0, 10_000),
    "rmsprop": (Step(step_size=1_000, gamma=0.5), 1e-2, 8_000),
    "adam": ("constant", 2e-2, 4_000),
    # decoupled weight decay (1e-2) moves the fixed point: no gradient-norm
    # convergence, but the iterates stay within ROSEN_TOL of (1, 1)
    "adamw": (Cosine(), 5e-2, 10_000),
    "nadam": (Cosine(), 2e-2, 6_000),  # cosine horizon = the budget
    "amsgrad": ("constant", 5e-2, 3_000),
    "rprop": ("constant", 1e-3, 5_000),
}


def test_rosenbrock_table_covers_every_optimizer():
    assert sorted(ROSENBROCK_TABLE) == sorted(OPTIMIZER_NAMES)


@pytest.mark.parametrize("name", sorted(OPTIMIZER_NAMES))
def test_every_optimizer_reaches_the_rosenbrock_minimum(name):
    if name not in ROSENBROCK_TABLE:
        pytest.fail(f"add {name!r} to ROSENBROCK_TABLE")
    schedule, lr, budget = ROSENBROCK_TABLE[name]
    res = minimize(
        rosenbrock,
        [-1.2, 1.0],
        jac=True,
        optimizer=name,
        learning_rate=schedule,
        learning_rate_init=lr,
        max_iter=budget,
        tol=1e-3,
    )
    assert res.status in (0, 1), res.message  # converged or budget used up
    assert np.linalg.norm(res.x - 1.0) <= ROSEN_TOL
    assert res.fun <= 1e-4


def test_maximize_finds_the_highest_peak():
    res = minimize(peaks, [0.0, 1.0], jac=True, maximize=True, learning_rate_init=0.01)
    assert res.success
    np.testing.assert_allclose(res.x, PEAKS_MAX_X, atol=1e-5)
    assert res.fun == pytest.approx(PEAKS_MAX, abs=1e-5)  # f itself, not -f
    np.testing.assert_allclose(res.path_fun, [peaks(p)[0] for p in res.path])
    assert np.all(np.diff(res.path_fun) > 0)  # ascent: the value only rises


def test_maximize_equals_minimizing_the_flipped_function():
    # the seeds' two solutions: flip the gradient, or flip the function
    def negated(theta):
        value, grad = peaks(theta)
        return -value, -grad

    up = minimize(peaks, [0.5, -0.5], jac=True, maximize=True, max_iter=300)
    down = minimize(negated, [0.5, -0.5], jac=True, max_iter=300)
    np.testing.assert_allclose(up.path, down.path, rtol=0, atol=1e-15)
    np.testing.assert_allclose(up.path_fun, -down.path_fun)


def test_maximize_negative_ravine_reaches_the_origin():
    def neg_ravine(theta):
        value, grad = ravine(theta)
        return -value, -grad

    res = minimize(neg_ravine, RAVINE_X0, jac=True, maximize=True, optimizer="adam")
    assert res.success
    np.testing.assert_allclose(res.x, 0.0, atol=1e-6)


@pytest.mark.parametrize(
    "fun, x0", [(ravine, [1.5, -2.0]), (peaks, [0.3, -1.0]), (rosenbrock, [0.0, 0.5])]
)
def test_finite_differences_agree_with_the_analytic_gradient(fun, x0):
    kwargs = {"learning_rate_init": 1e-3, "max_iter": 50, "tol": 0.0}
    analytic = minimize(fun, x0, jac=True, **kwargs)
    numeric = minimize(lambda x: fun(x)[0], x0, **kwargs)
    np.testing.assert_allclose(numeric.jac, analytic.jac, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(numeric.path, analytic.path, rtol=1e-7, atol=1e-9)
    # central differences: 1 value + 2 per coordinate at each of the 51 points
    assert numeric.nfev == 51 * (1 + 2 * 2) and numeric.njev == 0
    assert analytic.nfev == analytic.njev == 51


def test_finite_differences_see_the_slope_far_from_the_origin():
    # an absolute step of 1e-7 vanishes next to 1e9 (spacing ~1.2e-7) and would
    # report a zero gradient; the step scales with max |x_i|
    res = minimize(lambda x: 0.5 * (x - 1e9) ** 2, 1e9 + 5.0, learning_rate_init=0.5)
    assert res.success and res.nit > 1
    assert abs(res.x - 1e9) < 1e-3


def test_jac_callable_and_jac_true_give_the_same_run():
    kwargs = {"max_iter": 100, "tol": 0.0}
    with_true = minimize(peaks, [0.3, -1.0], jac=True, **kwargs)
    with_callable = minimize(
        lambda x: peaks(x)[0], [0.3, -1.0], jac=lambda x: peaks(x)[1], **kwargs
    )
    np.testing.assert_array_equal(with_true.path, with_callable.path)
    assert with_callable.nfev == with_callable.njev == 101


def test_args_are_passed_to_fun_and_jac():
    def fun(x, a):
        return float(np.sum((x - a) ** 2))

    def jac(x, a):
        return 2 * (x - a)

    res = minimize(fun, [0.0, 0.0], jac=jac, args=(np.array([1.0, 2.0]),), tol=1e-8)
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-8)


def test_plain_gd_is_x_minus_lr_times_grad():
    x, lr, expected = np.array([1.5, -2.0]), 0.05, []
    for _ in range(5):
        expected.append(x.copy())
        x = x - lr * ravine(x)[1]
    expected.append(x)
    res = minimize(ravine, [1.5, -2.0], jac=True, learning_rate_init=lr, max_iter=5)
    np.testing.assert_allclose(res.path, expected, rtol=1e-15)
    assert res.status == 1 and not res.success
    assert "Maximum number of iterations" in res.message


def test_each_iteration_is_one_epoch_of_the_schedule():
    # f = x^2 / 2 so that x_{k+1} = (1 - lr0 * gamma^k) x_k exactly
    res = minimize(
        lambda x: (0.5 * x**2, x),
        1.0,
        jac=True,
        learning_rate=Exponential(gamma=0.5),
        learning_rate_init=0.5,
        max_iter=4,
    )
    factors = 1 - 0.5 * 0.5 ** np.arange(4)
    np.testing.assert_allclose(res.path, np.cumprod([1.0, *factors]))


def test_plateau_schedule_sees_the_function_value():
    # lr = 0.15 > 2/20 makes constant GD diverge on the ravine; Plateau, which
    # observes the value after every iteration, halves the rate each time the
    # value rises, until GD is stable and converges
    fixed = minimize(ravine, RAVINE_X0, jac=True, learning_rate_init=0.15)
    assert fixed.status == 2
    plateau = Plateau(factor=0.5, patience=0, threshold=0.0)
    assert _iterations_to_tol(learning_rate=plateau, learning_rate_init=0.15) < 1000


def test_callback_receives_intermediate_results_and_can_stop():
    seen = []

    def callback(intermediate_result):
        assert isinstance(intermediate_result, OptimizeResult)
        seen.append(intermediate_result)
        return intermediate_result.nit == 5

    res = minimize(ravine, RAVINE_X0, jac=True, callback=callback)
    assert res.nit == 5 and len(seen) == 5
    assert not res.success and res.status == 99 and "callback" in res.message
    np.testing.assert_array_equal(res.path[1:], [r.x for r in seen])
    np.testing.assert_array_equal(res.path_fun[1:], [r.fun for r in seen])
    assert res.path.shape == (6, 2)


def test_callback_raising_stop_iteration_stops():
    def callback(intermediate_result):
        if intermediate_result.fun < 1.0:
            raise StopIteration

    res = minimize(ravine, RAVINE_X0, jac=True, callback=callback)
    assert res.status == 99
    assert res.fun < 1.0 <= res.path_fun[-2]


def test_divergence_stops_with_a_message_and_a_finite_iterate():
    # lr = 0.5 > 2/20: the theta_1 error is multiplied by -9 every step
    res = minimize(ravine, RAVINE_X0, jac=True, learning_rate_init=0.5)
    assert not res.success and res.status == 2
    assert "diverged" in res.message and "learning_rate_init" in res.message
    assert np.isfinite(res.x).all() and np.isfinite(res.fun)
    assert np.isfinite(res.path).all() and np.isfinite(res.path_fun).all()
    np.testing.assert_array_equal(res.x, res.path[-1])
    assert res.path.shape == (res.nit + 1, 2)
    assert 100 < res.nit < 1000


def test_divergence_of_a_scalar_problem_without_gradient():
    res = minimize(lambda x: x**6 - 5 * x**4 + 4 * x**2, 2.0, learning_rate_init=1.0)
    assert res.status == 2 and np.isfinite(res.x)


def test_max_grad_norm_prevents_the_divergence():
    # clipped steps are at most lr * 1 long, so lr = 0.5 no longer explodes
    res = minimize(
        ravine, RAVINE_X0, jac=True, learning_rate_init=0.5, max_grad_norm=1.0
    )
    assert res.status != 2
    assert np.all(np.linalg.norm(np.diff(res.path, axis=0), axis=1) <= 0.5 + 1e-12)


def test_non_finite_start():
    res = minimize(lambda x: np.log(x), -1.0)
    assert res.status == 2 and res.nit == 0 and "x0" in res.message


def test_result_fields_and_shapes():
    x0 = np.array([[1.5], [-2.0]])
    res = minimize(lambda x: ravine(x.ravel()), x0, jac=True, max_iter=20)
    assert res.x.shape == res.jac.shape == (2, 1)
    assert res.path.shape == (21, 2, 1) and res.path_fun.shape == (21,)
    np.testing.assert_array_equal(res.path[0], x0)
    np.testing.assert_array_equal(res.path[-1], res.x)
    assert res.path_fun[-1] == res.fun
    for key in ("nit", "nfev", "njev", "success", "status", "message"):
        assert key in res


def test_inputs_are_not_modified():
    x0 = np.array([1.5, -2.0])
    optimizer = Adam(beta1=0.8)
    schedule = Plateau()
    minimize(ravine, x0, jac=True, optimizer=optimizer, learning_rate=schedule)
    np.testing.assert_array_equal(x0, [1.5, -2.0])
    assert optimizer.get_params() == Adam(beta1=0.8).get_params()
    assert schedule.get_params() == Plateau().get_params()


def test_fun_cannot_move_the_iterate_by_modifying_its_argument():
    def fun(x):
        value, grad = ravine(x)
        x[:] = 100.0
        return value, grad

    expected = minimize(ravine, RAVINE_X0, jac=True, max_iter=10)
    res = minimize(fun, RAVINE_X0, jac=True, max_iter=10)
    np.testing.assert_array_equal(res.path, expected.path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"optimizer": "newton"}, "Unknown optimizer"),
        ({"learning_rate": "sometimes"}, "Unknown learning_rate"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"max_iter": -1}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"eps": 0.0}, "eps"),
        ({"max_grad_norm": 0.0}, "max_grad_norm"),
        ({"jac": "2-point"}, "jac"),
        ({"optimizer": SGD(momentum=2.0)}, "momentum"),
    ],
)
def test_invalid_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        minimize(lambda x: float(np.sum(x**2)), [1.0], **kwargs)


def test_wrong_gradient_shape_raises():
    with pytest.raises(ValueError, match="shape of x"):
        minimize(lambda x: (float(x @ x), np.zeros(3)), [1.0, 2.0], jac=True)


def test_non_scalar_value_raises():
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda x: x**2, [1.0, 2.0])
