"""Tests of the optimizers: update rules, convergence, state and validation.

Every ``Optimizer`` subclass is discovered automatically; a class missing
from the tables below makes ``test_every_optimizer_is_in_every_table`` fail,
so a new optimizer cannot be added untested.

Torch is optional here, on purpose. The check that runs everywhere, CI
included, is ``test_matches_reference_implementation``: every configuration
in ``CONFIG_PARAMS`` is compared, to 1e-12, with an independent scalar
reference written from the ``torch.optim`` pseudo-code (the ``ref_*``
functions below). ``test_matches_torch`` replays the same configurations
against ``torch.optim`` itself and is skipped when torch is not installed;
torch is in no extra of ``pyproject.toml`` (a CPU wheel alone is about 200 MB,
close to 1 GB installed). To run it, install torch and run
``pytest tests/test_optimizers.py -k torch``; do so when a reference function
or an update rule changes.
"""

import math
import pickle
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import Interval

import skgd.optimizers as optimizers_module
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


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


# Only the library's classes: a test module may define its own subclasses.
OPTIMIZER_CLASSES = sorted(
    {c for c in _all_subclasses(Optimizer) if c.__module__.startswith("skgd.")},
    key=lambda c: c.__name__,
)


# --- independent scalar reference implementations ---------------------------
# Written from the textbook / torch.optim pseudo-code, one element at a time
# with Python floats, deliberately unlike the library's vectorised rules.
# Each returns the iterates theta_1..theta_T of one scalar parameter.


def ref_sgd(theta, grads, lrs, *, momentum, dampening, nesterov, weight_decay):
    path, buf = [], None
    for g, lr in zip(grads, lrs, strict=True):
        d = g + weight_decay * theta
        if momentum:
            buf = d if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        theta = theta - lr * d
        path.append(theta)
    return path


def ref_adagrad(
    theta, grads, lrs, *, lr_decay, weight_decay, initial_accumulator_value, eps
):
    path, total = [], initial_accumulator_value
    for t, (g, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        d = g + weight_decay * theta
        total = total + d * d
        theta = theta - lr / (1 + (t - 1) * lr_decay) * d / (math.sqrt(total) + eps)
        path.append(theta)
    return path


def ref_adadelta(theta, grads, lrs, *, rho, eps, weight_decay):
    path, v, u = [], 0.0, 0.0
    for g, lr in zip(grads, lrs, strict=True):
        d = g + weight_decay * theta
        v = rho * v + (1 - rho) * d**2
        delta = math.sqrt(u + eps) / math.sqrt(v + eps) * d
        u = rho * u + (1 - rho) * delta**2
        theta = theta - lr * delta
        path.append(theta)
    return path


def ref_rmsprop(theta, grads, lrs, *, rho, eps, weight_decay, momentum, centered):
    path, v, mean, buf = [], 0.0, 0.0, 0.0
    for g, lr in zip(grads, lrs, strict=True):
        d = g + weight_decay * theta
        v = rho * v + (1 - rho) * d**2
        mean = rho * mean + (1 - rho) * d
        denom = math.sqrt(v - mean**2 if centered else v) + eps
        if momentum > 0:
            buf = momentum * buf + d / denom
            theta = theta - lr * buf
        else:
            theta = theta - lr * d / denom
        path.append(theta)
    return path


def ref_adam(
    theta, grads, lrs, *, beta1, beta2, eps, weight_decay, amsgrad, decoupled=False
):
    path, m, v, v_max = [], 0.0, 0.0, 0.0
    for t, (g, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        if decoupled:
            theta = theta * (1 - lr * weight_decay)
            d = g
        else:
            d = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * d
        v = beta2 * v + (1 - beta2) * d**2
        v_max = max(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(theta)
    return path


def ref_nadam(theta, grads, lrs, *, beta1, beta2, eps, weight_decay, momentum_decay):
    def mu(t):
        return beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))

    path, m, v, mu_prod = [], 0.0, 0.0, 1.0
    for t, (g, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        d = g + weight_decay * theta
        mu_prod = mu_prod * mu(t)
        m = beta1 * m + (1 - beta1) * d
        v = beta2 * v + (1 - beta2) * d**2
        denom = math.sqrt(v / (1 - beta2**t)) + eps
        theta = (
            theta
            - lr * (1 - mu(t)) / (1 - mu_prod) * d / denom
            - lr * mu(t + 1) / (1 - mu_prod * mu(t + 1)) * m / denom
        )
        path.append(theta)
    return path


def ref_rprop(theta, grads, lrs, *, eta_minus, eta_plus, step_size_min, step_size_max):
    path, prev, step = [], 0.0, lrs[0]
    for g in grads:
        if g * prev > 0:
            factor = eta_plus
        elif g * prev < 0:
            factor, g = eta_minus, 0.0
        else:
            factor = 1.0
        step = min(max(step * factor, step_size_min), step_size_max)
        sign = (g > 0) - (g < 0)
        theta = theta - sign * step
        prev = g
        path.append(theta)
    return path


REFERENCES = {
    SGD: ref_sgd,
    Adagrad: ref_adagrad,
    Adadelta: ref_adadelta,
    RMSprop: ref_rmsprop,
    Adam: ref_adam,
    AdamW: partial(ref_adam, decoupled=True),
    NAdam: ref_nadam,
    Rprop: ref_rprop,
}

# Configurations every test is parametrized over.
CONFIGS = [
    SGD(),
    SGD(momentum=0.9),
    SGD(momentum=0.9, nesterov=True, weight_decay=0.1),
    SGD(momentum=0.5, dampening=0.3, weight_decay=0.1),
    SGD(momentum=0.8, dampening=0.8),
    Adagrad(),
    Adagrad(lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.2),
    Adadelta(),
    Adadelta(rho=0.8, eps=1e-4, weight_decay=0.1),
    RMSprop(),
    RMSprop(momentum=0.9, centered=True),
    RMSprop(rho=0.9, weight_decay=0.1, centered=True),
    RMSprop(momentum=0.5, weight_decay=0.1),
    Adam(),
    Adam(amsgrad=True, beta2=0.5),
    Adam(beta1=0.8, beta2=0.9, weight_decay=0.1),
    AdamW(),
    AdamW(weight_decay=0.1, amsgrad=True, beta2=0.5),
    NAdam(),
    NAdam(weight_decay=0.1, momentum_decay=0.1),
    Rprop(),
    Rprop(eta_minus=0.3, eta_plus=1.5, step_size_min=0.01, step_size_max=0.15),
]
CONFIG_PARAMS = [pytest.param(opt, id=repr(opt)) for opt in CONFIGS]

# Learning rate and number of steps per class for the convex quadratic.
QUADRATIC = {
    SGD: (0.05, 300),
    Adagrad: (0.5, 300),
    Adadelta: (1.0, 1000),  # its first steps are of size sqrt(eps)
    RMSprop: (0.01, 300),
    Adam: (0.05, 300),
    AdamW: (0.05, 300),
    NAdam: (0.05, 300),
    Rprop: (0.1, 300),
}

# Rosenbrock from (-1.2, 1): optimizer, lr_0, inverse-time decay horizon T
# (lr_t = lr_0 / (1 + t / T); None for a constant rate), number of steps.
ROSENBROCK = [
    (SGD(), 2e-3, None, 12_000),
    (SGD(momentum=0.9, nesterov=True), 3e-4, None, 8_000),
    (Adagrad(), 0.5, None, 12_000),
    # Adadelta keeps oscillating across the valley at any constant rate.
    (Adadelta(rho=0.95), 1.0, 100, 14_000),
    (RMSprop(), 0.01, 300, 10_000),
    (Adam(), 0.03, None, 3_000),
    (Adam(amsgrad=True), 0.1, None, 2_500),
    # Decoupled decay moves the fixed point towards 0 (by 0.05 at the default).
    (AdamW(weight_decay=1e-5), 0.03, None, 3_000),
    (NAdam(), 0.03, 1000, 5_000),
    # torch's Rprop variant cycles at the minimum step size near the
    # minimum; a smaller bound lets it get closer.
    (Rprop(step_size_min=1e-8), 0.01, None, 5_000),
]
ROSENBROCK_TOL = 1e-3

N_STEPS = 6
LRS = [0.1, 0.05, 0.08, 0.02, 0.1, 0.03]


def _shapes():
    return [(3,), (2, 2)]


def _initial_params():
    rng = np.random.default_rng(0)
    return [rng.normal(size=s) for s in _shapes()]


def _gradient_sequence():
    """Fixed gradients with varying scale, sign flips and exact zeros."""
    rng = np.random.default_rng(1)
    scales = [3.0, 0.1, 1.0, 0.05, 2.0, 0.5]
    seq = [[s * rng.normal(size=shape) for shape in _shapes()] for s in scales]
    seq[2][0][1] = 0.0
    seq[3][1][0, 0] = 0.0
    return seq


def _run(opt, params, grad_fn, lrs):
    """Apply ``len(lrs)`` updates; return the state and copies of the iterates."""
    state = opt.init_state(params)
    path = []
    for t, lr in enumerate(lrs):
        opt.update(params, grad_fn(t, params), state, lr)
        path.append([p.copy() for p in params])
    return state, path


def _reference_path(opt, theta0, grads, lrs):
    ref = REFERENCES[type(opt)]
    hp = opt.get_params()
    expected = [[np.empty_like(p) for p in theta0] for _ in lrs]
    for k, p0 in enumerate(theta0):
        for j in range(p0.size):
            elem_grads = [float(step[k].flat[j]) for step in grads]
            scalar_path = ref(float(p0.flat[j]), elem_grads, lrs, **hp)
            for t, value in enumerate(scalar_path):
                expected[t][k].flat[j] = value
    return expected


# Separable convex quadratic f = 1/2 sum a (theta - c)^2 over two arrays.
QUAD_A = [np.array([1.0, 3.0, 10.0]), np.array([[0.5, 2.0], [4.0, 1.0]])]
QUAD_C = [np.array([1.0, -2.0, 0.5]), np.array([[0.0, 1.0], [-1.0, 2.0]])]


def quad_value(params):
    return sum(
        0.5 * np.sum(a * (p - c) ** 2)
        for p, a, c in zip(params, QUAD_A, QUAD_C, strict=True)
    )


def quad_grad(t, params):
    return [a * (p - c) for p, a, c in zip(params, QUAD_A, QUAD_C, strict=True)]


def rosenbrock_grad(x):
    dx = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2)
    return np.array([dx, 200 * (x[1] - x[0] ** 2)])


# --- coverage -----------------------------------------------------------------


def test_discovery_finds_the_known_optimizers():
    assert {SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, NAdam, Rprop} <= set(
        OPTIMIZER_CLASSES
    )
    for cls in OPTIMIZER_CLASSES:
        assert cls.__name__ in optimizers_module.__all__
        assert getattr(optimizers_module, cls.__name__) is cls


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_every_optimizer_is_in_every_table(cls):
    assert cls in REFERENCES, f"add a reference implementation of {cls.__name__}"
    assert cls in QUADRATIC, f"add {cls.__name__} to QUADRATIC"
    for table in (CONFIGS, [row[0] for row in ROSENBROCK]):
        assert any(type(opt) is cls for opt in table), f"{cls.__name__} untested"


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_every_optimizer_is_reachable_by_name(cls):
    assert any(c is cls for c, _ in OPTIMIZER_NAMES.values())


# --- update rules -------------------------------------------------------------


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_matches_reference_implementation(opt):
    theta0 = _initial_params()
    grads = _gradient_sequence()
    _, path = _run(opt, [p.copy() for p in theta0], lambda t, _: grads[t], LRS)
    expected = _reference_path(opt, theta0, grads, LRS)
    for got_step, want_step in zip(path, expected, strict=True):
        for got, want in zip(got_step, want_step, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_matches_torch(opt):
    torch = pytest.importorskip("torch")
    # torch keeps scalar state (NAdam's mu product) in the default dtype.
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _compare_with_torch(torch, opt)
    finally:
        torch.set_default_dtype(default_dtype)


def _compare_with_torch(torch, opt):
    params = _initial_params()
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    torch_opt = _torch_optimizer(torch, opt, tensors, LRS[0])
    state = opt.init_state(params)
    for lr in LRS * 3:
        opt.update(params, quad_grad(0, params), state, lr)
        for group in torch_opt.param_groups:
            group["lr"] = lr
        torch_params = [t.detach().numpy() for t in tensors]
        for t, g in zip(tensors, quad_grad(0, torch_params), strict=True):
            t.grad = torch.from_numpy(g)
        torch_opt.step()
        for p, t in zip(params, tensors, strict=True):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-12)


def _torch_optimizer(torch, opt, tensors, lr):
    hp = opt.get_params()
    name = type(opt).__name__
    if "beta1" in hp:
        hp["betas"] = (hp.pop("beta1"), hp.pop("beta2"))
    if isinstance(opt, RMSprop):
        hp["alpha"] = hp.pop("rho")
    if isinstance(opt, Rprop):
        hp = {
            "etas": (hp["eta_minus"], hp["eta_plus"]),
            "step_sizes": (hp["step_size_min"], hp["step_size_max"]),
        }
    return getattr(torch.optim, name)(tensors, lr=lr, **hp)


def test_sgd_ema_momentum_of_the_lecture_notes():
    beta, lr = 0.8, 0.1
    opt = SGD(momentum=beta, dampening=beta)
    grads = [g[0] for g in _gradient_sequence()]
    params = [np.zeros(3)]
    state = opt.init_state(params)
    velocity = grads[0]  # torch starts the buffer at the first gradient
    for t, g in enumerate(grads):
        if t > 0:
            velocity = beta * velocity + (1 - beta) * g
        before = params[0].copy()
        opt.update(params, [g], state, lr)
        np.testing.assert_allclose(state["momentum_buffer"][0], velocity, rtol=1e-14)
        np.testing.assert_allclose(params[0], before - lr * velocity, rtol=1e-14)


def test_amsgrad_uses_the_running_maximum():
    grads = _gradient_sequence()
    paths = []
    for amsgrad in (False, True):
        opt = Adam(beta2=0.5, amsgrad=amsgrad)
        paths.append(_run(opt, _initial_params(), lambda t, _: grads[t], LRS)[1])
    assert not np.allclose(paths[0][-1][0], paths[1][-1][0])


def test_rprop_sign_flip_freezes_the_element_and_forgets_its_gradient():
    opt = Rprop(eta_minus=0.5, eta_plus=2.0)
    params = [np.array([0.0, 0.0])]
    state = opt.init_state(params)
    opt.update(params, [np.array([1.0, 1.0])], state, lr=0.1)
    opt.update(params, [np.array([1.0, -1.0])], state, lr=99.0)  # lr ignored
    np.testing.assert_allclose(params[0], [-0.3, -0.1])
    np.testing.assert_allclose(state["step_size"][0], [0.2, 0.05])
    np.testing.assert_array_equal(state["prev"][0], [1.0, 0.0])
    opt.update(params, [np.array([1.0, -1.0])], state, lr=99.0)
    np.testing.assert_allclose(params[0], [-0.7, -0.05])


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_step_counts_updates(opt):
    state, _ = _run(opt, _initial_params(), quad_grad, LRS)
    assert state["step"] == len(LRS)


# --- convergence --------------------------------------------------------------


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_decreases_a_convex_quadratic(opt):
    params = _initial_params()
    start = quad_value(params)
    lr, n_steps = QUADRATIC[type(opt)]
    _run(opt, params, quad_grad, [lr] * n_steps)
    assert quad_value(params) < 0.05 * start


@pytest.mark.parametrize(
    "opt, lr0, horizon, n_steps", ROSENBROCK, ids=[repr(row[0]) for row in ROSENBROCK]
)
def test_reaches_the_rosenbrock_minimum(opt, lr0, horizon, n_steps):
    params = [np.array([-1.2, 1.0])]
    state = opt.init_state(params)
    for t in range(n_steps):
        lr = lr0 if horizon is None else lr0 / (1 + t / horizon)
        opt.update(params, [rosenbrock_grad(params[0])], state, lr)
    np.testing.assert_allclose(params[0], [1.0, 1.0], rtol=0, atol=ROSENBROCK_TOL)


# --- state, dtypes, pickling --------------------------------------------------


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_pickled_state_continues_in_lockstep(opt):
    params = _initial_params()
    state, _ = _run(opt, params, quad_grad, LRS[:3])
    copy_opt, copy_params, copy_state = pickle.loads(pickle.dumps((opt, params, state)))
    for lr in LRS:
        opt.update(params, quad_grad(0, params), state, lr)
        copy_opt.update(copy_params, quad_grad(0, copy_params), copy_state, lr)
        for p, q in zip(params, copy_params, strict=True):
            np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_does_not_keep_references_to_gradients(opt):
    _, fresh = _run(opt, _initial_params(), quad_grad, LRS)

    buffers = [np.empty(s) for s in _shapes()]

    def reused_grad(t, params):
        for buf, g in zip(buffers, quad_grad(t, params), strict=True):
            buf[...] = g
        return buffers

    params = _initial_params()
    state = opt.init_state(params)
    for lr in LRS:
        opt.update(params, reused_grad(0, params), state, lr)
        for buf in buffers:
            buf.fill(np.nan)  # a kept reference would poison the next step
    for p, q in zip(params, fresh[-1], strict=True):
        np.testing.assert_array_equal(p, q)


def _state_arrays(state):
    for value in state.values():
        if isinstance(value, list):
            yield from value


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_float32_params_stay_float32_and_are_updated_in_place(opt, grad_dtype):
    params = [p.astype(np.float32) for p in _initial_params()]
    originals = list(params)
    state, _ = _run(
        opt, params, lambda t, ps: [g.astype(grad_dtype) for g in quad_grad(t, ps)], LRS
    )
    _, path64 = _run(opt, _initial_params(), quad_grad, LRS)
    for p, original, p64 in zip(params, originals, path64[-1], strict=True):
        assert p is original
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, p64, rtol=1e-4, atol=1e-5)
    assert all(a.dtype == np.float32 for a in _state_arrays(state))


# --- hyper-parameters -----------------------------------------------------------


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_clone_and_params_round_trip(opt):
    cloned = clone(opt)
    assert cloned is not opt
    assert cloned.get_params() == opt.get_params()
    rebuilt = type(opt)().set_params(**opt.get_params())
    assert rebuilt.get_params() == opt.get_params()
    assert repr(rebuilt) == repr(opt)


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_every_hyper_parameter_is_constrained(cls):
    assert set(cls._parameter_constraints) == set(cls().get_params())
    cls().validate()


def _invalid_values():
    """Out-of-range values derived from each class's constraints."""
    for cls in OPTIMIZER_CLASSES:
        for name, constraints in cls._parameter_constraints.items():
            yield pytest.param(cls, name, "invalid", id=f"{cls.__name__}-{name}-str")
            for c in constraints:
                if isinstance(c, Interval):
                    bad = c.left - 1 if c.left is not None else c.right + 1
                    yield pytest.param(cls, name, bad, id=f"{cls.__name__}-{name}")
                    if c.closed in ("right", "neither") and c.left is not None:
                        yield pytest.param(
                            cls, name, c.left, id=f"{cls.__name__}-{name}-left"
                        )


@pytest.mark.parametrize("cls, name, value", list(_invalid_values()))
def test_invalid_hyper_parameter_is_rejected(cls, name, value):
    with pytest.raises(ValueError, match=name):
        cls(**{name: value}).validate()


@pytest.mark.parametrize(
    "opt, name",
    [
        (SGD(nesterov=True), "(?i)nesterov"),
        (SGD(momentum=0.9, dampening=0.1, nesterov=True), "dampening"),
        (Rprop(step_size_min=1.0, step_size_max=0.5), "step_size_min"),
    ],
)
def test_inconsistent_hyper_parameters_are_rejected(opt, name):
    with pytest.raises(ValueError, match=name):
        opt.validate()


# --- resolve_optimizer ----------------------------------------------------------

SPEC_NAMES = [
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "adadelta",
    "rmsprop",
    "adam",
    "adamw",
    "nadam",
    "amsgrad",
    "rprop",
]


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_resolve_every_spec_name(name):
    cls, kwargs = OPTIMIZER_NAMES[name]
    opt = resolve_optimizer(name)
    assert type(opt) is cls
    assert opt.get_params() == {**cls().get_params(), **kwargs}


def test_amsgrad_name_is_adam_with_amsgrad():
    assert repr(resolve_optimizer("amsgrad")) == repr(Adam(amsgrad=True))


@pytest.mark.parametrize("opt", CONFIG_PARAMS)
def test_resolve_an_instance_returns_an_equal_copy(opt):
    before = opt.get_params()
    resolved = resolve_optimizer(opt)
    assert resolved is not opt
    assert type(resolved) is type(opt)
    assert resolved.get_params() == before
    assert opt.get_params() == before


def test_resolve_never_mutates_an_invalid_instance():
    opt = Adam(beta1=2.0)
    with pytest.raises(ValueError, match="beta1"):
        resolve_optimizer(opt)
    assert opt.beta1 == 2.0


def test_resolve_rejects_unknown_names_and_types():
    with pytest.raises(ValueError, match="adamax"):
        resolve_optimizer("adamax")
    with pytest.raises(TypeError, match="optimizer"):
        resolve_optimizer(3)
