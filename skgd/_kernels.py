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
Each optimizer's update is written once, for one coordinate, as a function
of plain floats: ``_<name>_rule(g, p, s0, s1, s2, hyper, coef)`` returns the
new parameter and state values ``(p, s0, s1, s2)`` given the gradient ``g``
of that coordinate. ``hyper`` holds the optimizer's hyper-parameters and
``coef`` the 4-tuple of per-update coefficients (bias corrections, decayed
rates) that :func:`coefficients` computes once per update.

- The Python path (``Optimizer.update``) calls :func:`update_array` once per
  parameter array: the rule applied to each coordinate.
- The compiled epoch loops apply the same rule, through the same loop
  (:func:`_sweep`, inlined) on dense parameters and through :func:`rule` on
  the non-zero columns of a sparse batch.

``hyper`` also says which rule applies, by its length: it is the
hyper-parameters padded with zeros to ``_BASE + kind`` floats
(:func:`pack_hyper`). numba compiles a function once per argument *type*,
and a tuple's length is part of its type, so every rule gets its own
machine code, in which the tests on the rule (``kind == _ADAM``) are
constants that LLVM folds away: no dispatch inside the loops, and no
per-call cost when Python calls a kernel.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

# The rules keep IEEE arithmetic, so that plain gradient descent is exactly
# x - lr * g; the loops around them may reassociate and contract (FMA), which
# lets LLVM vectorise dot products. Never "nnan"/"ninf": divergence is
# detected through NaN and inf.
# (A callee compiled for a caller inherits the caller's unset options, and
# the first compilation is then reused by every caller: fastmath is set
# explicitly everywhere, so that a rule is IEEE whoever compiles it first.)
_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}
_FAST = {**_JIT, "fastmath": {"reassoc", "contract", "arcp", "nsz"}}
# The loops allocate nothing, so they need no reference counting: without
# it (numba's ``_nrt`` option, inherited by what they call) every array
# passed to a helper inside a loop costs nothing, where counting it costs two
# atomic operations -- half the time of a per-sample epoch.
_LOOP = {**_FAST, "_nrt": False}

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
_BASE = 8  # more than the most hyper-parameters a rule has (6)


def pack_hyper(rule_name, values):
    """The ``hyper`` tuple of rule ``rule_name`` with these hyper-parameters."""
    values = tuple(float(v) for v in values)
    return values + (0.0,) * (_BASE + RULES[rule_name] - len(values))


# --- per-step coefficients ------------------------------------------------------


@njit(inline="always", **_JIT)
def _kind(hyper):
    return len(hyper) - _BASE


@njit(**_JIT)
def coefficients(hyper, t, lr, scalars):
    """Per-update coefficients of the rule of ``hyper`` at update ``t`` (1-based).

    ``scalars`` holds the rule's scalar state (NAdam's product of momentum
    factors) and is advanced in place.
    """
    kind = _kind(hyper)
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


_RULES_BY_KIND = (
    _sgd_rule,
    _adagrad_rule,
    _adadelta_rule,
    _rmsprop_rule,
    _adam_rule,
    _nadam_rule,
    _rprop_rule,
)


def rule(g, p, s0, s1, s2, hyper, coef):
    """The rule of ``hyper`` on one coordinate: new (parameter, s0, s1, s2).

    In compiled code the rule is chosen while typing (by the length of
    ``hyper``), so a kernel compiles only its own rule's code.
    """
    return _RULES_BY_KIND[len(hyper) - _BASE](g, p, s0, s1, s2, hyper, coef)


@overload(rule, inline="always", jit_options=_JIT)
def _rule_of_type(g, p, s0, s1, s2, hyper, coef):
    chosen = _RULES_BY_KIND[len(hyper) - _BASE]

    def apply(g, p, s0, s1, s2, hyper, coef):
        return chosen(g, p, s0, s1, s2, hyper, coef)

    return apply


# L1 modes of a weight update (see skgd._training.apply_update): none, the
# proximal soft-thresholding of full batches, Tsuruoka's cumulative penalty
# of mini-batches, and the orthant-wise pseudo-gradient of sign-based rules.
L1_NONE, L1_PROX, L1_CUMULATIVE, L1_ORTHANT = 0, 1, 2, 3


@njit(**_JIT)
def step_coefficients(hyper, t, lr):
    """What the step sizes of update ``t`` share (see :func:`_step`)."""
    kind = _kind(hyper)
    tf = float(t)
    if kind == _ADAGRAD:
        return (lr / (1.0 + (tf - 1.0) * hyper[0]), 0.0)
    if kind == _ADAM or kind == _NADAM:
        return (lr, np.sqrt(1.0 - hyper[1] ** tf))
    return (lr, 0.0)


@njit(**_JIT)
def _plain_step(s0, s1, s2, hyper, sc):
    return sc[0]


@njit(**_JIT)
def _adagrad_step(s0, s1, s2, hyper, sc):
    return sc[0] / (np.sqrt(s0) + hyper[2])


@njit(**_JIT)
def _adadelta_step(s0, s1, s2, hyper, sc):
    return sc[0] * np.sqrt(s1 + hyper[1]) / np.sqrt(s0 + hyper[1])


@njit(**_JIT)
def _rmsprop_step(s0, s1, s2, hyper, sc):
    scale = s0 if hyper[4] == 0.0 else max(s0 - s1 * s1, 0.0)
    return sc[0] / (np.sqrt(scale) + hyper[1])


@njit(**_JIT)
def _adam_step(s0, s1, s2, hyper, sc):
    if hyper[5] != 0.0:  # AMSGrad: the running maximum
        return sc[0] / (np.sqrt(s2) / sc[1] + hyper[2])
    return sc[0] / (np.sqrt(s1) / sc[1] + hyper[2])


@njit(**_JIT)
def _nadam_step(s0, s1, s2, hyper, sc):
    return sc[0] / (np.sqrt(s1) / sc[1] + hyper[2])


_STEPS_BY_KIND = (
    _plain_step,
    _adagrad_step,
    _adadelta_step,
    _rmsprop_step,
    _adam_step,
    _nadam_step,
    _plain_step,
)


def _step(s0, s1, s2, hyper, sc):
    """The step size of a coordinate after an update (its state ``s0..s2``).

    The learning rate divided by the rule's running gradient scale: the
    factor by which the proximal L1 step scales its threshold.
    ``sc = step_coefficients(hyper, t, lr)``.
    """
    return _STEPS_BY_KIND[len(hyper) - _BASE](s0, s1, s2, hyper, sc)


@overload(_step, inline="always", jit_options=_JIT)
def _step_of_type(s0, s1, s2, hyper, sc):
    chosen = _STEPS_BY_KIND[len(hyper) - _BASE]

    def apply(s0, s1, s2, hyper, sc):
        return chosen(s0, s1, s2, hyper, sc)

    return apply


@njit(**{**_JIT, "_nrt": False})
def step_sizes_array(out, s0, s1, s2, hyper, sc):
    """``out[q]``: the step size of coordinate ``q`` (:func:`_step`)."""
    for q in range(out.shape[0]):
        out[q] = _step_at(q, s0, s1, s2, hyper, sc)


@njit(inline="always", **_JIT)
def _step_at(q, s0, s1, s2, hyper, sc):
    """:func:`_step` of coordinate ``q``, from its state (empty: unused)."""
    a = s0[q] if s0.shape[0] else 0.0
    b = s1[q] if s1.shape[0] else 0.0
    c = s2[q] if s2.shape[0] else 0.0
    return _step(a, b, c, hyper, sc)


@njit(inline="always", **_JIT)
def _sweep(p, grad, s0, s1, s2, hyper, coef, l2g, l2v):
    """The rule on every coordinate of ``p``; returns ``l2v / 2 |p|^2`` after.

    ``l2g * p`` is added to the gradient ``grad`` first (the L2 penalty's
    gradient, 0 when the caller already added it). There is one loop per
    set of state arrays in use (an empty array is an unused slot):
    unconditional loads and stores let LLVM vectorise it.
    """
    n = p.shape[0]
    value = 0.0
    if s2.shape[0] and s1.shape[0]:
        for j in range(n):
            g = grad[j] + l2g * p[j]
            p[j], s0[j], s1[j], s2[j] = rule(g, p[j], s0[j], s1[j], s2[j], hyper, coef)
            value += p[j] * p[j]
    elif s2.shape[0]:
        for j in range(n):
            g = grad[j] + l2g * p[j]
            p[j], s0[j], _, s2[j] = rule(g, p[j], s0[j], 0.0, s2[j], hyper, coef)
            value += p[j] * p[j]
    elif s1.shape[0]:
        for j in range(n):
            g = grad[j] + l2g * p[j]
            p[j], s0[j], s1[j], _ = rule(g, p[j], s0[j], s1[j], 0.0, hyper, coef)
            value += p[j] * p[j]
    elif s0.shape[0]:
        for j in range(n):
            g = grad[j] + l2g * p[j]
            p[j], s0[j], _, _ = rule(g, p[j], s0[j], 0.0, 0.0, hyper, coef)
            value += p[j] * p[j]
    else:
        for j in range(n):
            g = grad[j] + l2g * p[j]
            p[j], _, _, _ = rule(g, p[j], 0.0, 0.0, 0.0, hyper, coef)
            value += p[j] * p[j]
    return 0.5 * l2v * value


@njit(inline="always", **_JIT)
def _l1_update(q, g, w, s0, s1, s2, hyper, coef, sc, l2g, l2v, l1, mode, tot, app):
    """The rule on weight ``q`` with an L1 penalty; the penalty's value after.

    ``mode`` is :data:`L1_PROX` (soft-thresholding by ``l1`` times the
    coordinate's step size), :data:`L1_CUMULATIVE` (the cumulative penalty:
    ``tot`` what each weight could have received, ``app`` what it got) or
    :data:`L1_ORTHANT` (the orthant-wise pseudo-gradient; a weight that
    crosses zero stops there).
    """
    p = w[q]
    d = g + l2g * p
    sign = 0.0
    if mode == L1_ORTHANT:
        sign = np.sign(p)
        if sign == 0.0:
            d = np.sign(d) * max(abs(d) - l1, 0.0)
        else:
            d = d + l1 * sign
    _rule_at(q, d, w, s0, s1, s2, hyper, coef)
    new = w[q]
    if mode == L1_PROX:
        threshold = l1 * _step_at(q, s0, s1, s2, hyper, sc)
        new = np.copysign(max(abs(new) - threshold, 0.0), new)
    elif mode == L1_CUMULATIVE:
        tot[q] += l1 * _step_at(q, s0, s1, s2, hyper, sc)
        before = new
        if new > 0.0:
            new = max(0.0, new - (tot[q] + app[q]))
        elif new < 0.0:
            new = min(0.0, new + (tot[q] - app[q]))
        app[q] += new - before
    elif sign * new < 0.0:
        new = 0.0
    w[q] = new
    return l1 * abs(new) + 0.5 * l2v * new * new


@njit(inline="always", **_JIT)
def _weight_sweep(w, g, s0, s1, s2, hyper, coef, sc, l2g, l2v, l1, mode, tot, app):
    """The update of the penalised weights ``w``; the penalty's value after."""
    if mode == L1_NONE:
        return _sweep(w, g, s0, s1, s2, hyper, coef, l2g, l2v)
    value = 0.0
    for q in range(w.shape[0]):
        value += _l1_update(
            q, g[q], w, s0, s1, s2, hyper, coef, sc, l2g, l2v, l1, mode, tot, app
        )
    return value


@njit(inline="always", **_JIT)
def _penalty(w, l1, l2):
    """``l1 |w|_1 + l2 / 2 |w|^2``."""
    value = 0.0
    for q in range(w.shape[0]):
        value += l1 * abs(w[q]) + 0.5 * l2 * w[q] * w[q]
    return value


@njit(inline="always", **_FAST)
def _average(p, avg, n_avg):
    """Fold ``p`` into the running mean ``avg`` of ``n_avg`` iterates."""
    if n_avg == 1:
        for q in range(p.shape[0]):
            avg[q] = p[q]
    else:
        for q in range(p.shape[0]):
            avg[q] += (p[q] - avg[q]) / n_avg


@njit(inline="always", **_JIT)
def _rule_at(q, g, w, s0, s1, s2, hyper, coef):
    """The rule on coordinate ``q`` of ``w``, with its state (empty: unused)."""
    a = s0[q] if s0.shape[0] else 0.0
    b = s1[q] if s1.shape[0] else 0.0
    c = s2[q] if s2.shape[0] else 0.0
    w[q], a, b, c = rule(g, w[q], a, b, c, hyper, coef)
    if s0.shape[0]:
        s0[q] = a
    if s1.shape[0]:
        s1[q] = b
    if s2.shape[0]:
        s2[q] = c


@njit(inline="always", **_JIT)
def _sweep_small(p, grad, s0, s1, s2, hyper, coef):
    """The rule on every coordinate of a small array (intercepts): no vector loop."""
    for q in range(p.shape[0]):
        _rule_at(q, grad[q], p, s0, s1, s2, hyper, coef)


@njit(**{**_JIT, "_nrt": False})
def update_array(p, grad, s0, s1, s2, hyper, coef):
    """Apply the rule of ``hyper`` to every coordinate of the flat array ``p``.

    ``s0``, ``s1``, ``s2`` are the rule's flat state arrays; an empty one is
    a slot the rule does not use.
    """
    _sweep(p, grad, s0, s1, s2, hyper, coef, 0.0, 0.0)


# --- losses, one sample at a time -----------------------------------------------------
#
# The same losses as skgd.losses (its numpy code is the reference the parity
# tests compare with): given the raw outputs ``raw[r]`` of one sample and its
# encoded target row ``Y[i]``, return the sample's loss and overwrite
# ``raw[r]`` with the loss's gradient with respect to the raw outputs. (Rows
# are indexed, never sliced: a slice is a new array, reference-counted.)

LOSSES = {
    "squared_error": 0,
    "huber": 1,
    "epsilon_insensitive": 2,
    "squared_epsilon_insensitive": 3,
    "absolute_error": 4,
    "log_loss": 5,
    "hinge": 6,
    "squared_hinge": 7,
    "modified_huber": 8,
    "perceptron": 9,
}
_LOG_LOSS = 5


@njit(**_JIT)
def _regression_term(kind, r, eps):
    """(loss, d loss / d raw) of residual ``r = raw - y``."""
    if kind == 0:
        return 0.5 * r * r, r
    a = abs(r)
    if kind == 1:
        if a <= eps:
            return 0.5 * r * r, r
        return eps * a - 0.5 * eps * eps, min(max(r, -eps), eps)
    if kind == 2:
        excess = a - eps
        return max(excess, 0.0), np.sign(r) if excess > 0.0 else 0.0
    if kind == 3:
        excess = max(a - eps, 0.0)
        return excess * excess, 2.0 * np.sign(r) * excess
    return a, np.sign(r)


@njit(**_JIT)
def _margin_term(kind, z):
    """(phi(z), phi'(z)) of the margin losses."""
    if kind == 6:  # hinge
        return max(1.0 - z, 0.0), -1.0 if z <= 1.0 else 0.0
    if kind == 7:  # squared hinge
        m = max(1.0 - z, 0.0)
        return m * m, -2.0 * m
    if kind == 8:  # modified huber
        if z >= -1.0:
            m = max(1.0 - z, 0.0)
            return m * m, -2.0 * m
        return -4.0 * z, -4.0
    # perceptron: z <= 0 (not < 0) so that zero weights get a gradient
    return max(-z, 0.0), -1.0 if z <= 0.0 else 0.0


@njit(**_JIT)
def _log1pexp(x):
    """log(1 + exp(x)) without overflow."""
    return max(x, 0.0) + np.log1p(np.exp(-abs(x)))


@njit(**_JIT)
def _expit(x):
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@njit(**_JIT)
def loss_row(kind, multiclass, eps, raw, r, Y, i):
    """Loss of one sample; ``raw[r]`` (its raw outputs) becomes the gradient."""
    K = raw.shape[1]
    value = 0.0
    if kind < _LOG_LOSS:
        for k in range(K):
            v, raw[r, k] = _regression_term(kind, raw[r, k] - Y[i, k], eps)
            value += v
    elif kind == _LOG_LOSS and multiclass:
        # softmax cross-entropy: -sum_k y_k (z_k - logsumexp(z))
        top = raw[r, 0]
        for k in range(1, K):
            top = max(top, raw[r, k])
        total = 0.0
        y_dot_z = 0.0
        y_sum = 0.0
        for k in range(K):
            y_dot_z += Y[i, k] * raw[r, k]
            y_sum += Y[i, k]
            e = np.exp(raw[r, k] - top)
            raw[r, k] = e
            total += e
        value = y_sum * (top + np.log(total)) - y_dot_z
        for k in range(K):
            raw[r, k] = raw[r, k] / total - Y[i, k]
    elif kind == _LOG_LOSS:
        for k in range(K):
            value += _log1pexp(raw[r, k]) - Y[i, k] * raw[r, k]
            raw[r, k] = _expit(raw[r, k]) - Y[i, k]
    elif multiclass:  # Weston-Watkins: sum over j != y of phi(s_y - s_j)
        true_score = 0.0
        for k in range(K):
            true_score += raw[r, k] * Y[i, k]
        dz_sum = 0.0
        for k in range(K):
            v, dz = _margin_term(kind, true_score - raw[r, k])
            value += v * (1.0 - Y[i, k])
            raw[r, k] = dz * (1.0 - Y[i, k])
            dz_sum += raw[r, k]
        for k in range(K):
            raw[r, k] = Y[i, k] * dz_sum - raw[r, k]
    else:
        for k in range(K):
            sign = 2.0 * Y[i, k] - 1.0
            v, dz = _margin_term(kind, sign * raw[r, k])
            value += v
            raw[r, k] = dz * sign
    return value


# --- linear models: the pieces of a step -------------------------------------------
#
# The loops index arrays and never slice them inside a loop: every slice or
# tuple element taken is a new reference, counted with atomic operations.


@intrinsic
def _prefetch(typingctx, array, index):
    """Hint the CPU to load ``array.flat[index]``'s cache line (2-D C arrays)."""
    if not isinstance(array, types.Array) or array.layout != "C":
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        byte = ir.IntType(8).as_pointer()
        base = builder.bitcast(ary.data, byte)
        offset = builder.mul(
            args[1], context.get_constant(types.intp, aryty.dtype.bitwidth // 8)
        )
        ptr = builder.gep(base, [offset])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read, high locality, data cache
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, types.intp), codegen


# Rows are visited in a random order that the hardware cannot predict: the
# row needed this many samples later is requested ahead.
_PREFETCH_AHEAD = 4


@njit(inline="always", **_FAST)
def _prefetch_row(X, order, r):
    """Prefetch row ``order[r]`` of the C-ordered 2-D ``X`` (if r is in range)."""
    if r < order.shape[0]:
        D = X.shape[1]
        line = 64 * 8 // (X.itemsize * 8)  # elements per 64-byte cache line
        base = order[r] * D
        for j in range(0, D, line):
            _prefetch(X, base + j)


@njit(inline="always", **_FAST)
def _batch_weight(sw, order, start, stop):
    total = 0.0
    for r in range(start, stop):
        total += sw[order[r]]
    return total


@njit(inline="always", **_FAST)
def _violations(multiclass, raw, r, Y, i):
    """The perceptron's monitored errors of one sample (before ``loss_row``).

    Multiclass: 1 when some other class scores at least the true one;
    otherwise the number of outputs on the wrong side of (or at) zero.
    """
    K = raw.shape[1]
    if multiclass:
        true_score = 0.0
        for k in range(K):
            true_score += raw[r, k] * Y[i, k]
        for k in range(K):
            if not Y[i, k] > 0.0 and true_score - raw[r, k] <= 0.0:
                return 1.0
        return 0.0
    count = 0.0
    for k in range(K):
        if (2.0 * Y[i, k] - 1.0) * raw[r, k] <= 0.0:
            count += 1.0
    return count


@njit(inline="always", **_FAST)
def _finish_row(loss, multiclass, eps, raw, r, Y, i, weight, norm, errors):
    """Monitored value of one sample times its ``weight`` (its loss, or with
    ``errors`` its perceptron errors); ``raw[r]`` becomes its gradient times
    ``weight / norm``. (The caller divides the sum of values by ``norm``.)"""
    count = _violations(multiclass, raw, r, Y, i) if errors else 0.0
    value = loss_row(loss, multiclass, eps, raw, r, Y, i)
    scale = weight / norm
    for k in range(raw.shape[1]):
        raw[r, k] *= scale
    return weight * (count if errors else value)


@njit(inline="always", **_FAST)
def _dense_forward(
    X, Y, sw, order, start, stop, norm, W, b, loss, multiclass, eps, errors, raw
):
    """Weighted loss of rows ``order[start:stop]``; ``raw`` gets their deltas."""
    D, K = W.shape
    value = 0.0
    for r in range(stop - start):
        i = order[start + r]
        _prefetch_row(X, order, start + r + _PREFETCH_AHEAD)
        for k in range(K):
            # a local accumulator: the reduction vectorises
            acc = b[k] if b.shape[0] else 0.0
            for j in range(D):
                acc += X[i, j] * W[j, k]
            raw[r, k] = acc
        value += _finish_row(loss, multiclass, eps, raw, r, Y, i, sw[i], norm, errors)
    return value / norm


@njit(inline="always", **_FAST)
def _zero(a, n):
    for q in range(n):
        a[q] = 0.0


@njit(inline="always", **_FAST)
def _dense_gradient(X, order, start, stop, raw, g, gb):
    """Flat ``g = (X[rows].T @ raw).ravel()``, ``gb = raw.sum(0)`` (gb empty: none)."""
    K = raw.shape[1]
    D = X.shape[1]
    _zero(g, g.shape[0])
    _zero(gb, gb.shape[0])
    for r in range(stop - start):
        i = order[start + r]
        if K == 1:  # contiguous: vectorised
            delta = raw[r, 0]
            for j in range(D):
                g[j] += X[i, j] * delta
        else:
            for j in range(D):
                x = X[i, j]
                for k in range(K):
                    g[j * K + k] += x * raw[r, k]
        for k in range(gb.shape[0]):
            gb[k] += raw[r, k]


@njit(inline="always", **_FAST)
def _add_l2(w, g, l2):
    """Add the L2 penalty's gradient ``l2 * w`` to ``g``."""
    if l2 != 0.0:
        for q in range(w.shape[0]):
            g[q] += l2 * w[q]


@njit(inline="always", **_FAST)
def _squared_norm(g, n):
    total = 0.0
    for q in range(n):
        total += g[q] * g[q]
    return total


@njit(inline="always", **_FAST)
def _scale(g, n, factor):
    for q in range(n):
        g[q] *= factor


@njit(inline="always", **_FAST)
def _clip(g, n, gb, max_norm):
    """Scale ``g[:n]`` and ``gb`` to a joint L2 norm of at most ``max_norm``."""
    norm = np.sqrt(_squared_norm(g, n) + _squared_norm(gb, gb.shape[0]))
    if norm > max_norm:
        factor = max_norm / norm
        _scale(g, n, factor)
        _scale(gb, gb.shape[0], factor)


# --- linear models: dense epochs --------------------------------------------------


@njit(inline="always", **_FAST)
def _linear_step(
    w, g, b, gb, hyper_w, hyper_b, state_w, state_b, t, lr, scalars, pen, l1state
):  # fmt: skip
    """Update ``t + 1`` of weights ``w`` and intercepts ``b`` from the loss
    gradients ``g`` and ``gb``, as :func:`skgd._training.apply_update`:
    the L2 gradient added, the result clipped, the rule, the L1 step.
    Returns the penalty's value at the new weights."""
    l1, mode, l2, max_norm, _ = pen
    tot, app = l1state
    ws0, ws1, ws2 = state_w
    bs0, bs1, bs2 = state_b
    l2g = l2
    if max_norm > 0.0:
        # the clipped gradient is the smooth one: the L2 part added first
        _add_l2(w, g, l2)
        _clip(g, g.shape[0], gb, max_norm)
        l2g = 0.0
    coef = coefficients(hyper_w, t + 1, lr, scalars)
    sc = step_coefficients(hyper_w, t + 1, lr)
    value = _weight_sweep(
        w, g, ws0, ws1, ws2, hyper_w, coef, sc, l2g, l2, l1, mode, tot, app
    )
    _sweep_small(b, gb, bs0, bs1, bs2, hyper_b, coef)
    return value


@njit(inline="always", **_FAST)
def _advance_average(counters, m, w, avg_w, b, avg_b):
    """Count ``m`` more samples; fold the weights into their average once
    ``counters = [samples, start, n_avg]`` says averaging has begun."""
    counters[0] += m
    if counters[1] > 0 and counters[0] >= counters[1]:
        counters[2] += 1
        _average(w, avg_w, counters[2])
        _average(b, avg_b, counters[2])


# Status of an epoch: finished, stopped at a non-finite batch value, or
# stopped at a batch value above ``limit`` (see skgd._training.run_batches).
DONE, NON_FINITE, OVER_LIMIT = 0, 1, 2


@njit(**_LOOP)
def linear_epoch_dense(
    X, Y, sw, order, batch_size, full,
    W, b, hyper_w, hyper_b, state_w, state_b, t, scalars, lrs,
    lossspec, pen, l1state, averaging, raw, G, gb,
):  # fmt: skip
    """One epoch of mini-batch updates of a linear model on dense ``X``.

    Mirrors :func:`skgd._training.run_epoch`: rows ``order`` in batches of
    ``batch_size`` (a ``full`` batch is normalised by its weight sum, a
    mini-batch by its length: ``sw`` are the weights already divided by
    the typical weight); each batch's value (loss plus penalty, or the
    perceptron's errors) checked, then the optimizer's update ``t + 1`` at
    the learning rate ``lrs[step]`` (see :func:`_linear_step`), then the
    sample counter and the averaged weights.

    ``lossspec = (loss, multiclass, epsilon, errors)``; ``pen = (l1,
    l1 mode, l2, max_norm (0: none), limit)``; ``l1state = (tot, app)`` for
    the cumulative L1 (empty otherwise); ``averaging = (avg_W, avg_b,
    counters)`` (see :func:`_advance_average`). ``state_w``/``state_b``: the
    rule's three flat state arrays of the weights and of the intercepts.

    Returns ``(status, loss sum, samples, last value, steps, t)``; ``status``
    is :data:`DONE`, or :data:`NON_FINITE`/:data:`OVER_LIMIT` for the batch
    whose value stopped the epoch (it was not applied).
    """
    n = order.shape[0]
    w = W.reshape(-1)
    g = G.reshape(-1)
    loss, multiclass, eps, errors = lossspec
    l1, _, l2, _, limit = pen
    avg_w, avg_b, counters = averaging
    avg_w = avg_w.reshape(-1)
    penalty = _penalty(w, l1, l2)
    steps = 0
    total = 0.0
    seen = 0
    value = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        m = stop - start
        norm = _batch_weight(sw, order, start, stop) if full else float(m)
        if not norm > 0.0:
            continue
        value = _dense_forward(
            X, Y, sw, order, start, stop, norm, W, b, loss, multiclass, eps,
            errors, raw,
        )  # fmt: skip
        if not errors:
            value += penalty
        if not np.isfinite(value):
            return NON_FINITE, total, seen, value, steps, t
        if value > limit:
            return OVER_LIMIT, total, seen, value, steps, t
        _dense_gradient(X, order, start, stop, raw, g, gb)
        penalty = _linear_step(
            w, g, b, gb, hyper_w, hyper_b, state_w, state_b, t, lrs[steps],
            scalars, pen, l1state,
        )  # fmt: skip
        t += 1
        steps += 1
        total += value * m
        seen += m
        _advance_average(counters, m, w, avg_w, b, avg_b)
    return DONE, total, seen, value, steps, t


# --- linear models: CSR epochs -----------------------------------------------------
#
# A step on a sparse batch computes the gradient of the features the batch
# touches only (a compact (n_touched, K) array), and then, by mode:
#
# - DENSE_UPDATE: scatters it into a dense gradient and updates every
#   coordinate, exactly as the generic loop (any optimizer, any penalty).
# - SCALED (plain SGD, L2, no L1): W = scale * V. The L2 shrinkage and the
#   optimizer's weight decay of every coordinate are one multiplication of
#   ``scale``; only the touched rows of V change. ``sqv = |V|^2`` is kept up to
#   date for the penalty's value and the clipping norm.
# - LAZY (no penalty, no weight decay): an absent feature's gradient is zero,
#   and every built-in rule then moves a coordinate by a closed form of its
#   state and the steps' coefficients (momentum: a geometric sum; Adam and
#   NAdam: a series in eps, or the idle steps replayed when the series would
#   converge slowly). Each feature records the last step it was brought up
#   to date (``last``); it is caught up before a step touches it, and every
#   feature at the end of the call, so the parameters and the optimizer state
#   returned are those of dense updates.

DENSE_UPDATE, SCALED, LAZY = "dense_update", "scaled", "lazy"
IDLE_ORDERS = 4  # terms of the eps series of Adam's idle steps
IDLE_EPS_MAX = 1e-3  # largest eps / sqrt(v) ratio summed by the series


_SLOT_BITS = 32
_SLOT_MASK = (1 << _SLOT_BITS) - 1


@njit(inline="always", **_FAST)
def _collect(indices, indptr, order, start, stop, stamp, tag, touched):
    """List the features of rows ``order[start:stop]``; their number.

    ``tag[j]`` becomes ``stamp << 32 | slot`` for a listed feature ``j``
    (``touched[slot] == j``). One row (a CSR row has no repeated column)
    needs no tags: its slots are its non-zeros' positions.
    """
    if stop - start == 1:
        i = order[start]
        lo = indptr[i]
        for p in range(lo, indptr[i + 1]):
            touched[p - lo] = indices[p]
        return indptr[i + 1] - lo
    n_touched = 0
    for r in range(start, stop):
        i = order[r]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if (tag[j] >> _SLOT_BITS) != stamp:
                tag[j] = (stamp << _SLOT_BITS) | n_touched
                touched[n_touched] = j
                n_touched += 1
    return n_touched


@njit(inline="always", **_FAST)
def _csr_forward(
    data, indices, indptr, Y, sw, order, start, stop, norm, W, scale, b,
    loss, multiclass, eps, errors, raw,
):  # fmt: skip
    K = W.shape[1]
    value = 0.0
    for r in range(stop - start):
        i = order[start + r]
        for k in range(K):
            raw[r, k] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            x = data[p]
            j = indices[p]
            for k in range(K):
                raw[r, k] += x * W[j, k]
        for k in range(K):
            raw[r, k] = raw[r, k] * scale + (b[k] if b.shape[0] else 0.0)
        value += _finish_row(loss, multiclass, eps, raw, r, Y, i, sw[i], norm, errors)
    return value / norm


@njit(inline="always", **_FAST)
def _csr_gradient(data, indices, indptr, order, start, stop, raw, tag, gc, n, gb):
    """Compact flat gradient: ``gc[slot * K + k]`` of each touched feature."""
    K = raw.shape[1]
    _zero(gc, n * K)
    _zero(gb, gb.shape[0])
    single = stop - start == 1
    for r in range(stop - start):
        i = order[start + r]
        lo = indptr[i]
        for p in range(lo, indptr[i + 1]):
            slot = p - lo if single else tag[indices[p]] & _SLOT_MASK
            x = data[p]
            for k in range(K):
                gc[slot * K + k] += x * raw[r, k]
        for k in range(gb.shape[0]):
            gb[k] += raw[r, k]


@njit(**_JIT)
def idle_ratios(hyper):
    """How idle coordinates move (LAZY mode): ``(ratios, decay)``.

    ``ratios`` are those of the geometric sums that carry the movement:
    momentum (SGD, RMSprop) one sum of ``lr_s * mu^(s-t)``; Adam and NAdam
    ``IDLE_ORDERS`` sums, term ``o`` in ``beta1 * beta2^(-(o+1)/2)`` (in
    ``beta1`` with AMSGrad, whose denominator stays put); other rules leave
    an idle coordinate where it is (no sum). ``decay`` is the factor by which
    the movement of one idle step shrinks at the next (mu or beta1).
    """
    kind = _kind(hyper)
    if kind == _SGD and hyper[0] != 0.0:
        return np.full(1, hyper[0]), hyper[0]
    if kind == _RMSPROP and hyper[3] != 0.0:
        return np.full(1, hyper[3]), hyper[3]
    if kind == _ADAM or kind == _NADAM:
        out = np.empty(IDLE_ORDERS)
        for o in range(IDLE_ORDERS):
            if kind == _ADAM and hyper[5] != 0.0:
                out[o] = hyper[0]
            else:
                out[o] = hyper[0] * hyper[1] ** (-(o + 1) / 2.0)
        return out, hyper[0]
    return np.empty(0), 0.0


@njit(inline="always", **_FAST)
def _record_idle_terms(hyper, step, coef, lr, acc, powers, c1, c2):
    """Add update ``step``'s idle movement to the windowed sums ``acc``."""
    kind = _kind(hyper)
    n_orders = acc.shape[0]
    if n_orders == 0:
        return
    if kind == _ADAM:
        c1[step] = coef[1]
        c2[step] = coef[2]
    elif kind == _NADAM:
        c1[step] = coef[1]
        c2[step] = np.sqrt(coef[2])
    window = powers.shape[1] - 1
    first = max(0, step - window)
    term = lr
    for o in range(n_orders):
        if kind == _ADAM or kind == _NADAM:
            term = c1[step] * c2[step] ** (o + 1)
        for s in range(first, step):
            acc[o, s] += term * powers[o, step - s]


@njit(inline="always", **_FAST)
def _adam_idle(w, q, m, v, vmax, amsgrad, t_from, t_to, hyper, acc, window, c1, c2, db):
    """Move coordinate ``q`` of Adam or NAdam through its idle steps."""
    beta1, beta2, eps = hyper[0], hyper[1], hyper[2]
    k = min(t_to - t_from, window)
    root = np.sqrt(vmax if amsgrad else v)
    # the largest eps / sqrt(v_s) of the idle steps: v_s shrinks as beta2^k
    shrink = 1.0 if amsgrad else np.sqrt(db[k])
    if root > 0.0 and eps < IDLE_EPS_MAX * root * shrink:
        # sum over idle steps s of c1_s m_s / (sqrt(v_s) / c2_s + eps), as a
        # series in eps / sqrt(v_s) (the accumulated sums hold the rest)
        inverse = 1.0 / root
        ratio = -eps * inverse
        total = 0.0
        factor = 1.0
        for o in range(acc.shape[0]):
            total += factor * acc[o, t_from]
            factor *= ratio
        w[q] -= m * inverse * total
    else:  # replay the idle steps
        mm = m
        vv = v
        wq = w[q]
        # a step moves w by less than c1 |m_s| / eps, and m_s shrinks by
        # beta1 a step: stop once what is left is below 1e-18 of |w|
        bound = 1e-18 * (1.0 - beta1) * eps
        for s in range(t_from + 1, t_from + k + 1):
            mm *= beta1
            vv *= beta2
            denom = np.sqrt(vmax if amsgrad else vv) / c2[s] + eps
            wq -= c1[s] * (mm / denom)
            if abs(c1[s] * mm) < bound * abs(wq):
                break
        w[q] = wq


@njit(inline="always", **_FAST)
def _fill_decays(hyper, da, db):
    """``da[k]``, ``db[k]``: powers of the factors an idle step decays state by."""
    kind = _kind(hyper)
    a = b = 0.0
    if kind == _SGD:
        a = hyper[0]
    elif kind == _ADADELTA:
        a = b = hyper[0]
    elif kind == _RMSPROP:
        a, b = hyper[0], hyper[3]
    elif kind == _ADAM or kind == _NADAM:
        a, b = hyper[0], hyper[1]
    if da.shape[0]:
        da[0] = db[0] = 1.0
    for k in range(1, da.shape[0]):
        da[k] = da[k - 1] * a
        db[k] = db[k - 1] * b


@njit(inline="always", **_FAST)
def _all_zero(a, lo, hi):
    for q in range(lo, hi):
        if a[q] != 0.0:
            return False
    return True


@njit(inline="always", **_FAST)
def _idle_still(j, K, s0, s1, s2, hyper):
    """Whether idle steps leave feature ``j`` as it is (a zero state: never seen).

    Rprop's step sizes and AMSGrad's maxima do not change while idle.
    """
    kind = _kind(hyper)
    lo, hi = j * K, j * K + K
    return kind == _ADAGRAD or (
        (not s0.shape[0] or _all_zero(s0, lo, hi))
        and (not s1.shape[0] or kind == _RPROP or _all_zero(s1, lo, hi))
        and (not s2.shape[0] or kind == _ADAM or _all_zero(s2, lo, hi))
    )


@njit(**_FAST)
def _catch_up(j, K, t_from, t_to, w, s0, s1, s2, hyper, acc, window, c1, c2, da, db):
    """Bring feature ``j``'s coordinates from update ``t_from`` to ``t_to``.

    ``da[k]``, ``db[k]``: the rule's two decay factors to the power ``k``
    (:func:`_fill_decays`).
    """
    k = t_to - t_from
    if k <= 0:
        return
    kind = _kind(hyper)
    lo, hi = j * K, j * K + K
    if kind == _SGD:
        momentum = hyper[0]
        if momentum != 0.0:
            lead = momentum if hyper[2] != 0.0 else 1.0  # nesterov
            decay = da[k]
            for q in range(lo, hi):
                w[q] -= s0[q] * lead * acc[0, t_from]
                s0[q] *= decay
    elif kind == _ADADELTA:
        decay = da[k]
        for q in range(lo, hi):
            s0[q] *= decay
            s1[q] *= decay
    elif kind == _RMSPROP:
        decay = da[k]
        momentum = hyper[3]
        for q in range(lo, hi):
            s0[q] *= decay
            if hyper[4] != 0.0:
                s1[q] *= decay
            if momentum != 0.0:
                w[q] -= s2[q] * acc[0, t_from]
                s2[q] *= db[k]
    elif kind == _ADAM or kind == _NADAM:
        amsgrad = kind == _ADAM and hyper[5] != 0.0
        decay1 = da[k]
        decay2 = db[k]
        for q in range(lo, hi):
            m = s0[q]
            v = s1[q]
            if m != 0.0:
                vmax = s2[q] if amsgrad else v
                _adam_idle(
                    w, q, m, v, vmax, amsgrad, t_from, t_to,
                    hyper, acc, window, c1, c2, db,
                )  # fmt: skip
            s0[q] = m * decay1
            s1[q] = v * decay2
    elif kind == _RPROP:
        for q in range(lo, hi):
            s0[q] = 0.0  # an idle step stores a zero gradient
    # adagrad: an idle coordinate keeps its value and its sum


@njit(**_LOOP)
def linear_epoch_csr(
    data, indices, indptr, Y, sw, order, batch_size, full,
    W, b, hyper_w, hyper_b, state_w, state_b, t, scalars, lrs,
    lossspec, pen, l1state, averaging,
    raw, gb, Gc, tag, touched, G, lazy,
):  # fmt: skip
    """One epoch of a linear model on CSR ``X`` (see :func:`linear_epoch_dense`).

    The mode (see above) is given by which of ``G`` and ``lazy`` is not None
    (numba compiles the function once per mode, without the others' code):
    ``G`` (D, K) zeros for DENSE_UPDATE; ``lazy`` for LAZY, the tuple
    ``(last, acc, powers, c1, c2, da, db)``: ``last`` (D,) int64 zeros,
    ``acc`` (orders, steps + 1) zeros, ``powers`` (orders, window + 1) the
    powers of :func:`idle_ratios`, and ``c1``, ``c2``, ``da``, ``db``
    (steps + 1,); neither for SCALED. L1 penalties and averaging need
    DENSE_UPDATE. Other scratch arrays: ``raw`` (batch, K); ``gb`` (K,);
    ``Gc`` (max touched, K); ``tag`` (D,) int64 zeros; ``touched`` (max
    touched,).
    """
    n = order.shape[0]
    D, K = W.shape
    w = W.reshape(-1)
    gc = Gc.reshape(-1)
    loss, multiclass, eps, errors = lossspec
    l1, _, l2, max_norm, limit = pen
    avg_w, avg_b, counters = averaging
    avg_w = avg_w.reshape(-1)
    bs0, bs1, bs2 = state_b
    ws0, ws1, ws2 = state_w
    steps = 0
    total = 0.0
    seen = 0
    value = 0.0
    scale = 1.0
    sqv = 0.0
    penalty = 0.0
    status = DONE
    if G is not None:
        g = G.reshape(-1)
        penalty = _penalty(w, l1, l2)
    elif lazy is not None:
        last, acc, powers, c1, c2, da, db = lazy
        window = powers.shape[1] - 1
        _fill_decays(hyper_w, da, db)
    else:
        sqv = _squared_norm(w, w.shape[0])
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        m = stop - start
        norm = _batch_weight(sw, order, start, stop) if full else float(m)
        if not norm > 0.0:
            continue
        nt = _collect(indices, indptr, order, start, stop, steps + 1, tag, touched)
        if lazy is not None:
            for q in range(nt):
                j = touched[q]
                if last[j] < steps:
                    _catch_up(
                        j, K, last[j], steps, w, ws0, ws1, ws2,
                        hyper_w, acc, window, c1, c2, da, db,
                    )  # fmt: skip
                    last[j] = steps
        value = _csr_forward(
            data, indices, indptr, Y, sw, order, start, stop, norm, W, scale, b,
            loss, multiclass, eps, errors, raw,
        )  # fmt: skip
        if G is None and lazy is None:
            penalty = 0.5 * l2 * scale * scale * sqv
        if not errors:
            value += penalty
        if not np.isfinite(value):
            status = NON_FINITE
            break
        if value > limit:
            status = OVER_LIMIT
            break
        _csr_gradient(data, indices, indptr, order, start, stop, raw, tag, gc, nt, gb)
        lr = lrs[steps]
        if G is not None:
            for q in range(nt):
                for k in range(K):
                    g[touched[q] * K + k] = gc[q * K + k]
            penalty = _linear_step(
                w, g, b, gb, hyper_w, hyper_b, state_w, state_b, t, lr,
                scalars, pen, l1state,
            )  # fmt: skip
            _zero(g, g.shape[0])
        elif lazy is not None:
            if max_norm > 0.0:
                _clip(gc, nt * K, gb, max_norm)
            coef = coefficients(hyper_w, t + 1, lr, scalars)
            if _kind(hyper_w) == _RPROP and t == 0:
                # every coordinate's first step size, the touched ones' too
                step0 = min(max(lr, hyper_w[2]), hyper_w[3])
                for q in range(ws1.shape[0]):
                    ws1[q] = step0
            for q in range(nt):
                j = touched[q]
                for k in range(K):
                    _rule_at(j * K + k, gc[q * K + k], w, ws0, ws1, ws2, hyper_w, coef)
                last[j] = steps + 1
            _record_idle_terms(hyper_w, steps + 1, coef, lr, acc, powers, c1, c2)
            _sweep_small(b, gb, bs0, bs1, bs2, hyper_b, coef)
        else:
            clip = _scaled_clip(w, K, scale, sqv, gc, nt, touched, l2, max_norm, gb)
            scale, sqv = _scaled_step(
                hyper_w[3], lr, w, K, scale, sqv, gc, nt, touched, l2, clip
            )
            _scale(gb, gb.shape[0], clip)
            coef = coefficients(hyper_w, t + 1, lr, scalars)
            _sweep_small(b, gb, bs0, bs1, bs2, hyper_b, coef)
        t += 1
        steps += 1
        total += value * m
        seen += m
        if G is not None:
            _advance_average(counters, m, w, avg_w, b, avg_b)
        else:
            counters[0] += m
    if lazy is not None:
        for j in range(D):
            if last[j] < steps and not _idle_still(j, K, ws0, ws1, ws2, hyper_w):
                _catch_up(
                    j, K, last[j], steps, w, ws0, ws1, ws2,
                    hyper_w, acc, window, c1, c2, da, db,
                )  # fmt: skip
    elif G is None:
        _scale(w, w.shape[0], scale)
    return status, total, seen, value, steps, t


@njit(inline="always", **_FAST)
def _scaled_clip(v, K, scale, sqv, gc, nt, touched, l2, max_norm, gb):
    """The clipping factor of the penalised gradient at W = scale * V."""
    if not max_norm > 0.0:
        return 1.0
    # |grad|^2 = l2^2 |W|^2 + sum over touched of (G + l2 w)^2 - (l2 w)^2
    sq = l2 * l2 * scale * scale * sqv + _squared_norm(gb, gb.shape[0])
    for q in range(nt):
        j = touched[q]
        for k in range(K):
            wq = l2 * scale * v[j * K + k]
            gq = gc[q * K + k] + wq
            sq += gq * gq - wq * wq
    norm = np.sqrt(max(sq, 0.0))
    return max_norm / norm if norm > max_norm else 1.0


@njit(inline="always", **_FAST)
def _scaled_step(wd, lr, v, K, scale, sqv, gc, nt, touched, l2, clip):
    """Plain SGD on W = scale * V: returns the new (scale, |V|^2).

    w <- w - lr (clip (g + l2 w) + wd w) is, for every coordinate, a
    multiplication of ``scale``, and for the touched ones a change of V.
    """
    factor = 1.0 - lr * (clip * l2 + wd)
    if abs(factor * scale) < 1e-9:
        # fold the scale in before it underflows (or hits zero)
        _scale(v, v.shape[0], scale * factor)
        scale = 1.0
        factor = 1.0
        sqv = _squared_norm(v, v.shape[0])
    scale *= factor
    step = lr * clip / scale
    for q in range(nt):
        j = touched[q]
        for k in range(K):
            i = j * K + k
            old = v[i]
            new = old - step * gc[q * K + k]
            v[i] = new
            sqv += new * new - old * old
    return scale, sqv


# --- multi-layer perceptrons: the elementwise parts of a step ------------------------
#
# The matrix products stay with BLAS (numpy's ``matmul`` into preallocated
# buffers); these kernels fuse what lies between them, in place, so that a
# step allocates nothing and reads each activation buffer once.

ACTIVATIONS = {"identity": 0, "relu": 1, "leaky_relu": 2, "tanh": 3, "logistic": 4}
_LEAKY_SLOPE = 0.01  # as skgd._network


@njit(inline="always", **_FAST)
def _activate(kind, z):
    if kind == 1:
        return max(z, 0.0)
    if kind == 2:
        return z if z > 0.0 else _LEAKY_SLOPE * z
    if kind == 3:
        return np.tanh(z)
    if kind == 4:
        return _expit(z)
    return z


@njit(inline="always", **_FAST)
def _activation_slope(kind, a):
    """The activation's derivative, from its output ``a``."""
    if kind == 1:
        return 1.0 if a > 0.0 else 0.0
    if kind == 2:
        return 1.0 if a > 0.0 else _LEAKY_SLOPE
    if kind == 3:
        return 1.0 - a * a
    if kind == 4:
        return a * (1.0 - a)
    return 1.0


@njit(**_LOOP)
def bias_activation(Z, m, b, kind):
    """``Z[:m] = activation(Z[:m] + b)`` in place (``b`` empty: no bias)."""
    H = Z.shape[1]
    for r in range(m):
        for j in range(H):
            z = Z[r, j] + (b[j] if b.shape[0] else 0.0)
            Z[r, j] = _activate(kind, z)


@njit(**_LOOP)
def activation_backward(D, A, m, kind):
    """``D[:m] *= activation'`` at the outputs ``A[:m]``, in place."""
    H = D.shape[1]
    for r in range(m):
        for j in range(H):
            D[r, j] *= _activation_slope(kind, A[r, j])


@njit(**_LOOP)
def output_delta(raw, m, b, Y, sw, order, start, norm, lossspec):
    """Add the output bias, then the batch's weighted monitored value (see
    :func:`_finish_row`); ``raw[:m]`` -> deltas."""
    loss, multiclass, eps, errors = lossspec
    K = raw.shape[1]
    value = 0.0
    for r in range(m):
        i = order[start + r]
        for k in range(K):
            raw[r, k] += b[k] if b.shape[0] else 0.0
        value += _finish_row(loss, multiclass, eps, raw, r, Y, i, sw[i], norm, errors)
    return value / norm


@njit(**_LOOP)
def column_sums(D, m, out):
    """``out = D[:m].sum(0)``."""
    _zero(out, out.shape[0])
    for r in range(m):
        for j in range(D.shape[1]):
            out[j] += D[r, j]


@njit(**_LOOP)
def update_flat(
    theta, grad, s0, s1, s2, n_weights, hyper_w, hyper_b, t, lr, scalars, pen, l1state
):  # fmt: skip
    """Update ``t`` of all the parameters of a network, laid out flat.

    ``theta[:n_weights]`` are the weight matrices (penalised), the rest the
    intercepts; ``s0``, ``s1``, ``s2`` the rule's state laid out alike, and
    ``l1state`` the cumulative L1 totals of the weights. The step is
    :func:`_linear_step`'s. Returns the penalty's value after the update.
    """
    w, b = theta[:n_weights], theta[n_weights:]
    gw, gb = grad[:n_weights], grad[n_weights:]
    # (slicing an unused, empty state array leaves it empty)
    state_w = (s0[:n_weights], s1[:n_weights], s2[:n_weights])
    state_b = (s0[n_weights:], s1[n_weights:], s2[n_weights:])
    return _linear_step(
        w, gw, b, gb, hyper_w, hyper_b, state_w, state_b, t - 1, lr,
        scalars, pen, l1state,
    )  # fmt: skip


@njit(**_LOOP)
def average_flat(theta, avg, n_avg):
    """Fold ``theta`` into the running mean ``avg`` of ``n_avg`` iterates."""
    _average(theta, avg, n_avg)


@njit(**_LOOP)
def penalty_value(w, l1, l2):
    """``l1 |w|_1 + l2 / 2 |w|^2`` of the flat weights ``w``."""
    return _penalty(w, l1, l2)


@njit(**_LOOP)
def all_finite(a):
    """Whether every value of the flat array ``a`` is finite."""
    for q in range(a.shape[0]):
        if not np.isfinite(a[q]):
            return False
    return True
