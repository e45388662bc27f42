"""Compiled kernels: the optimizer rules and the linear models' epoch loops.

Everything here is a numba function typed by plain arrays, scalars and
tuples of floats; no Python object enters a compiled loop. This module is
imported lazily (on the first optimizer update or fast fit), so ``import
skgd`` neither imports numba nor compiles anything; each kernel is compiled
on its first call for the argument types it gets, and the machine code is
cached on disk (``cache=True``: next to this file, or in numba's per-user
cache directory when the install location is read-only).

One definition per rule
-----------------------
Each optimizer's update is written once, for one coordinate ``j`` of one
parameter array: ``_<name>_rule(j, g, p, s0, s1, s2, hyper, coef)`` moves
``p[j]`` and its state ``s0[j]``, ``s1[j]``, ``s2[j]`` given the gradient
``g`` of that coordinate. ``hyper`` is the optimizer's hyper-parameters as a
6-tuple of floats (:meth:`skgd.optimizers.Optimizer._hyper`) and ``coef``
the 4-tuple of per-step coefficients (bias corrections, decayed rates) that
:func:`coefficients` computes once per update. Unused state arrays are empty
and never read.

- The Python path (``Optimizer.update``) calls :func:`update_array` once per
  parameter array: a loop of ``rule`` over its coordinates.
- The compiled epoch loops call the same :func:`update_array` on dense
  parameters, and ``rule`` on the non-zero columns of a sparse batch.
"""

import numpy as np
from numba import njit

# The rules keep IEEE arithmetic, so that plain gradient descent is exactly
# x - lr * g; the loops around them may reassociate and contract (FMA), which
# lets LLVM vectorise dot products. Never "nnan"/"ninf": divergence is
# detected through NaN and inf.
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_FAST = {**_JIT, "fastmath": {"reassoc", "contract", "arcp", "nsz"}}

# Rule names (the ``_rule`` attribute of the built-in optimizers) -> the
# constant the kernels branch on.
RULES = {
    "sgd": 0,
    "adagrad": 1,
    "adadelta": 2,
    "rmsprop": 3,
    "adam": 4,
    "nadam": 5,
    "rprop": 6,
}
_SGD, _ADAGRAD, _ADADELTA, _RMSPROP, _ADAM, _NADAM, _RPROP = range(7)


# --- per-step coefficients ------------------------------------------------------


@njit(**_JIT)
def coefficients(kind, hyper, t, lr, scalars):
    """Per-update coefficients of rule ``kind`` at update ``t`` (1-based).

    ``scalars`` holds the rule's scalar state (NAdam's product of momentum
    factors) and is advanced in place.
    """
    tf = float(t)
    if kind == _SGD or kind == _RPROP:
        return (lr, 1.0 if t == 1 else 0.0, 0.0, 0.0)
    if kind == _ADAGRAD:
        return (lr / (1.0 + (tf - 1.0) * hyper[0]), 0.0, 0.0, 0.0)
    if kind == _ADAM:
        return (lr, lr / (1.0 - hyper[0] ** tf), np.sqrt(1.0 - hyper[1] ** tf), 0.0)
    if kind == _NADAM:
        beta1, decay = hyper[0], hyper[4]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (tf * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((tf + 1.0) * decay))
        prod = scalars[0] * mu
        scalars[0] = prod
        return (
            lr * (1.0 - mu) / (1.0 - prod),
            lr * mu_next / (1.0 - prod * mu_next),
            1.0 - hyper[1] ** tf,
            0.0,
        )
    return (lr, 0.0, 0.0, 0.0)  # adadelta, rmsprop


# --- the rules, one coordinate at a time ---------------------------------------------
#
# A rule maps (gradient, parameter, state s0, s1, s2) of one coordinate to the
# new (parameter, s0, s1, s2); a state it does not use passes through. Plain
# scalars in and out: the loops that call a rule read and write the arrays.


@njit(**_JIT)
def _sgd_rule(g, p, buf, s1, s2, hyper, coef):
    momentum, dampening, nesterov, wd = hyper[0], hyper[1], hyper[2], hyper[3]
    lr, first = coef[0], coef[1]
    d = g + wd * p if wd != 0.0 else g
    if momentum != 0.0:
        buf = d if first != 0.0 else buf * momentum + (1.0 - dampening) * d
        d = d + momentum * buf if nesterov != 0.0 else buf
    return p - lr * d, buf, s1, s2


@njit(**_JIT)
def _adagrad_rule(g, p, total, s1, s2, hyper, coef):
    wd, eps = hyper[1], hyper[2]
    d = g + wd * p if wd != 0.0 else g
    total = total + d * d
    return p - coef[0] * (d / (np.sqrt(total) + eps)), total, s1, s2


@njit(**_JIT)
def _adadelta_rule(g, p, square_avg, acc_delta, s2, hyper, coef):
    rho, eps, wd = hyper[0], hyper[1], hyper[2]
    d = g + wd * p if wd != 0.0 else g
    square_avg = square_avg * rho + (1.0 - rho) * (d * d)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * d
    acc_delta = acc_delta * rho + (1.0 - rho) * (delta * delta)
    return p - coef[0] * delta, square_avg, acc_delta, s2


@njit(**_JIT)
def _rmsprop_rule(g, p, square_avg, grad_avg, buf, hyper, coef):
    rho, eps, wd, momentum, centered = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    d = g + wd * p if wd != 0.0 else g
    square_avg = square_avg * rho + (1.0 - rho) * (d * d)
    if centered != 0.0:
        grad_avg = grad_avg * rho + (1.0 - rho) * d
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum != 0.0:
        buf = buf * momentum + d / avg
        return p - coef[0] * buf, square_avg, grad_avg, buf
    return p - coef[0] * (d / avg), square_avg, grad_avg, buf


@njit(**_JIT)
def _adam_rule(g, p, exp_avg, exp_avg_sq, max_sq, hyper, coef):
    beta1, beta2, eps, wd = hyper[0], hyper[1], hyper[2], hyper[3]
    decoupled, amsgrad = hyper[4], hyper[5]
    lr, step_lr, correction2 = coef[0], coef[1], coef[2]
    d = g
    if decoupled == 0.0:
        if wd != 0.0:
            d = g + wd * p
    elif wd != 0.0:
        p = p * (1.0 - lr * wd)
    exp_avg = exp_avg * beta1 + (1.0 - beta1) * d
    exp_avg_sq = exp_avg_sq * beta2 + (1.0 - beta2) * (d * d)
    v = exp_avg_sq
    if amsgrad != 0.0:
        max_sq = max(max_sq, exp_avg_sq)
        v = max_sq
    denom = np.sqrt(v) / correction2 + eps
    return p - step_lr * (exp_avg / denom), exp_avg, exp_avg_sq, max_sq


@njit(**_JIT)
def _nadam_rule(g, p, exp_avg, exp_avg_sq, s2, hyper, coef):
    beta1, beta2, eps, wd = hyper[0], hyper[1], hyper[2], hyper[3]
    d = g + wd * p if wd != 0.0 else g
    exp_avg = exp_avg * beta1 + (1.0 - beta1) * d
    exp_avg_sq = exp_avg_sq * beta2 + (1.0 - beta2) * (d * d)
    denom = np.sqrt(exp_avg_sq / coef[2]) + eps
    p = p - coef[0] * (d / denom) - coef[1] * (exp_avg / denom)
    return p, exp_avg, exp_avg_sq, s2


@njit(**_JIT)
def _rprop_rule(g, p, prev, step_size, s2, hyper, coef):
    eta_minus, eta_plus, smin, smax = hyper[0], hyper[1], hyper[2], hyper[3]
    step = coef[0] if coef[1] != 0.0 else step_size
    agreement = g * prev
    if agreement > 0.0:
        step = step * eta_plus
    elif agreement < 0.0:
        step = step * eta_minus
        g = 0.0  # after a sign flip the element rests and forgets its gradient
    step = min(max(step, smin), smax)
    return p - np.sign(g) * step, g, step, s2


@njit(**_JIT)
def rule(kind, g, p, s0, s1, s2, hyper, coef):
    """Rule ``kind`` on one coordinate: new (parameter, s0, s1, s2)."""
    if kind == _SGD:
        return _sgd_rule(g, p, s0, s1, s2, hyper, coef)
    if kind == _ADAGRAD:
        return _adagrad_rule(g, p, s0, s1, s2, hyper, coef)
    if kind == _ADADELTA:
        return _adadelta_rule(g, p, s0, s1, s2, hyper, coef)
    if kind == _RMSPROP:
        return _rmsprop_rule(g, p, s0, s1, s2, hyper, coef)
    if kind == _ADAM:
        return _adam_rule(g, p, s0, s1, s2, hyper, coef)
    if kind == _NADAM:
        return _nadam_rule(g, p, s0, s1, s2, hyper, coef)
    return _rprop_rule(g, p, s0, s1, s2, hyper, coef)


@njit(**_JIT)
def update_array(kind, p, grad, s0, s1, s2, hyper, coef):
    """Apply rule ``kind`` to every coordinate of the flat array ``p``.

    An empty state array is a slot the rule does not use: never read (a zero
    stands in) nor written.
    """
    has0, has1, has2 = s0.shape[0] > 0, s1.shape[0] > 0, s2.shape[0] > 0
    for j in range(p.shape[0]):
        a = s0[j] if has0 else 0.0
        b = s1[j] if has1 else 0.0
        c = s2[j] if has2 else 0.0
        p[j], a, b, c = rule(kind, grad[j], p[j], a, b, c, hyper, coef)
        if has0:
            s0[j] = a
        if has1:
            s1[j] = b
        if has2:
            s2[j] = c
