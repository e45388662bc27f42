"""Gradient descent on any differentiable function: :func:`minimize`.

The optimizers and learning-rate schedules are the very objects the estimators
train with (:mod:`skgd.optimizers`, :mod:`skgd.schedules`): each iteration of
:func:`minimize` is one epoch made of one update, so a schedule that decays
per epoch or per update decays per iteration here.
"""

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.utils._param_validation import Interval, validate_params

from ._training import clip_by_global_norm
from .gradient_check import numerical_gradient
from .optimizers import Optimizer, resolve_optimizer
from .schedules import Schedule, resolve_schedule

__all__ = ["minimize"]

# ``status`` codes of the result, as scipy's minimizers report them.
_CONVERGED, _MAX_ITER, _NON_FINITE, _CALLBACK = 0, 1, 2, 99
_NON_FINITE_X0 = 3  # reported as _NON_FINITE, with its own message


def _scalar(value):
    value = np.asarray(value, dtype=float)
    if value.size != 1:
        raise ValueError(f"fun must return a scalar; got an array of {value.shape}.")
    return float(value.reshape(()))


class _Problem:
    """``fun``/``jac`` as one call on flat float arrays, counting evaluations."""

    def __init__(self, fun, jac, args, shape, eps):
        self.fun, self.jac, self.args = fun, jac, args
        self.shape, self.eps = shape, eps
        self.nfev = self.njev = 0

    def _point(self, x):
        # a copy, so a function that modifies its argument cannot move the iterate
        return x.reshape(self.shape).copy()

    def value(self, x):
        self.nfev += 1
        out = self.fun(self._point(x), *self.args)
        return _scalar(out[0] if self.jac is True else out)

    def value_and_grad(self, x):
        if self.jac is True:
            self.nfev += 1
            self.njev += 1
            value, grad = self.fun(self._point(x), *self.args)
            return _scalar(value), self._flat_grad(grad, x)
        value = self.value(x)
        if self.jac is None:
            # scaled so that x + h differs from x even where |x| is large
            step = self.eps * max(1.0, float(np.max(np.abs(x), initial=0.0)))
            return value, numerical_gradient(self.value, x, step)
        self.njev += 1
        return value, self._flat_grad(self.jac(self._point(x), *self.args), x)

    def _flat_grad(self, grad, x):
        grad = np.asarray(grad, dtype=float)
        if grad.size != x.size:
            raise ValueError(
                f"The gradient has {grad.size} elements but x has {x.size}; "
                "jac must return an array of the shape of x."
            )
        return grad.reshape(-1).copy()


def _resolve_jac(jac):
    if jac is None or jac is False:
        return None
    if jac is True or callable(jac):
        return jac
    raise ValueError(
        "jac must be None (finite differences), True (fun returns (value, grad)) "
        f"or a callable; got {jac!r}."
    )


def _stop_requested(callback, x, value, grad, nit, shape):
    """Call ``callback`` as scipy does; True when it asks to stop."""
    if callback is None:
        return False
    intermediate = OptimizeResult(
        x=x.reshape(shape).copy(), fun=value, jac=grad.reshape(shape).copy(), nit=nit
    )
    try:
        return callback(intermediate) is True
    except StopIteration:
        return True


def _all_finite(value, x, grad):
    return math.isfinite(value) and np.isfinite(x).all() and np.isfinite(grad).all()


@validate_params(
    {
        "fun": [callable],
        "x0": ["array-like", Real],
        "jac": [None, "boolean", callable],
        "args": [tuple],
        "optimizer": [str, Optimizer],
        "learning_rate": [str, Schedule],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callback": [None, callable],
        "maximize": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def minimize(
    fun,
    x0,
    *,
    jac=None,
    args=(),
    optimizer="sgd",
    learning_rate="constant",
    learning_rate_init=0.01,
    max_iter=1000,
    tol=1e-6,
    callback=None,
    maximize=False,
    eps=1e-7,
    max_grad_norm=None,
):
    r"""Minimize (or maximize) a function by gradient descent.

    Runs the update rule of ``optimizer`` with the step size given by the
    ``learning_rate`` schedule, the same objects and the same code the
    estimators train with. Iteration :math:`k` computes the gradient
    :math:`g_k = \nabla f(x_k)`, asks the schedule for the step size
    :math:`\alpha_k` and lets the optimizer update :math:`x_k` (plain
    gradient descent: :math:`x_{k+1} = x_k - \alpha_k g_k`). Each iteration
    counts as one epoch and one update for the schedule, which also observes
    the function value after every iteration (so ``"adaptive"`` reduces the
    step when the value stops decreasing).

    Parameters
    ----------
    fun : callable
        The objective ``fun(x, *args) -> float``, or with ``jac=True``
        ``fun(x, *args) -> (float, ndarray)``. It receives an array of the
        shape of ``x0`` (a 0-d array for a scalar ``x0``).
    x0 : float or array-like
        Starting point. A scalar gives a scalar problem; an array keeps its
        shape in ``x``, ``jac`` and ``path``. It is not modified.
    jac : callable, bool or None, default=None
        The gradient: a callable ``jac(x, *args)`` returning an array of the
        shape of ``x``; ``True`` if ``fun`` returns ``(value, gradient)``; or
        ``None`` (or ``False``) for central finite differences
        (:func:`skgd.gradient_check.numerical_gradient`):
        :math:`g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)` with
        :math:`h = \text{eps} \cdot \max(1, \max_i |x_i|)`, which costs
        :math:`2n` extra evaluations of ``fun`` per iteration for :math:`n`
        parameters. Its error is about :math:`h^2` times the third
        derivative plus the rounding error of ``fun`` divided by :math:`h`:
        pass an analytic gradient when one is known.
    args : tuple, default=()
        Extra arguments passed to ``fun`` and ``jac``.
    optimizer : str or Optimizer, default="sgd"
        A name from :data:`skgd.optimizers.OPTIMIZER_NAMES` or an
        :class:`~skgd.optimizers.Optimizer` object (which is not modified).
    learning_rate : str or Schedule, default="constant"
        A name from :data:`skgd.schedules.SCHEDULE_NAMES` or a
        :class:`~skgd.schedules.Schedule` object (which is not modified).
    learning_rate_init : float, default=0.01
        The base step size :math:`\alpha_0` the schedule starts from.
    max_iter : int, default=1000
        Maximum number of iterations (updates).
    tol : float, default=1e-6
        Convergence tolerance: the run succeeds as soon as the Euclidean norm
        of the gradient is at most ``tol``, i.e. at an (approximately)
        stationary point. This also holds at the start, so from a stationary
        ``x0`` no update is made (``nit=0``), which is what plain gradient
        descent does there anyway. A stationary point need not be a minimum.
    callback : callable, default=None
        Called after every iteration as ``callback(intermediate_result)``
        with an :class:`~scipy.optimize.OptimizeResult` holding ``x``,
        ``fun``, ``jac`` and ``nit``. Returning ``True`` or raising
        ``StopIteration`` stops the run (``success=False``, ``status=99``).
    maximize : bool, default=False
        Gradient ascent: step along :math:`+\nabla f` instead of
        :math:`-\nabla f` (the optimizer minimizes :math:`-f`). ``fun``,
        ``jac`` and ``path_fun`` in the result are those of :math:`f` itself.
    eps : float, default=1e-7
        Relative step of the finite differences (used only when ``jac`` is
        None), scaled by the largest :math:`|x_i|` when that exceeds 1.
    max_grad_norm : float, default=None
        If set, the gradient passed to the optimizer is rescaled so that its
        norm is at most this value (gradient clipping). The convergence test
        uses the unclipped gradient.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        With the fields

        - ``x``: the last iterate (the shape of ``x0``);
        - ``fun``, ``jac``: value and gradient of ``fun`` at ``x``;
        - ``nit``: number of iterations (updates) made;
        - ``nfev``, ``njev``: evaluations of ``fun`` and of ``jac`` (with
          ``jac=True``, each call of ``fun`` counts as both);
        - ``success``, ``status``, ``message``: ``True`` and 0 when the
          gradient norm reached ``tol``; otherwise ``False`` and 1 when
          ``max_iter`` was reached, 2 when the value, the gradient or the
          iterate became non-finite (the run diverged: ``x`` is then the
          last finite iterate), 99 when the callback stopped the run;
        - ``path``: ndarray of shape ``(nit + 1, *x0.shape)``, the iterates
          from ``x0`` to ``x``;
        - ``path_fun``: ndarray of shape ``(nit + 1,)``, ``fun`` along ``path``.

    See Also
    --------
    skgd.benchmark_functions : test problems with analytic gradients.
    scipy.optimize.minimize : second-order and line-search methods.

    Examples
    --------
    Gradient descent on :math:`x^6 - 5x^4 + 4x^2` from :math:`x_0 = 2`
    ends in the global minimum near 1.694:

    >>> from skgd.optimize import minimize
    >>> res = minimize(lambda x: x**6 - 5 * x**4 + 4 * x**2, 2.0)
    >>> res.success, round(float(res.x), 3), res.path.shape == (res.nit + 1,)
    (True, 1.694, True)

    Momentum on the ravine :math:`10\theta_1^2 + 0.5\theta_2^2`, with the
    analytic gradient returned by the function:

    >>> from skgd.benchmark_functions import ravine
    >>> res = minimize(ravine, [1.0, 1.0], jac=True, optimizer="momentum")
    >>> res.success, res.path.shape == (res.nit + 1, 2)
    (True, True)
    """
    x0 = np.asarray(x0, dtype=float)
    problem = _Problem(fun, _resolve_jac(jac), args, x0.shape, eps)
    run = _Run(
        optimizer=resolve_optimizer(optimizer),
        schedule=resolve_schedule(learning_rate),
        learning_rate_init=learning_rate_init,
        max_iter=max_iter,
        tol=tol,
        sign=-1.0 if maximize else 1.0,
        max_grad_norm=max_grad_norm,
        callback=callback,
    )
    x = x0.reshape(-1).copy()
    # overflow is detected and reported below, so numpy's warnings would be noise
    with np.errstate(over="ignore", invalid="ignore"):
        value, grad = problem.value_and_grad(x)
        trace = _Trace([x.copy()], [value])
        if _all_finite(value, x, grad):
            x, value, grad, status = _descend(problem, run, trace, x, value, grad)
        else:
            status = _NON_FINITE_X0
    nit = len(trace.path) - 1
    return OptimizeResult(
        x=x.reshape(x0.shape),
        fun=value,
        jac=grad.reshape(x0.shape),
        nit=nit,
        nfev=problem.nfev,
        njev=problem.njev,
        status=_NON_FINITE if status == _NON_FINITE_X0 else status,
        success=status == _CONVERGED,
        message=_message(status, nit, tol, maximize),
        path=np.array(trace.path).reshape(nit + 1, *x0.shape),
        path_fun=np.array(trace.path_fun),
    )


@dataclass
class _Run:
    """The settings of one :func:`minimize` call, resolved."""

    optimizer: Optimizer
    schedule: Schedule
    learning_rate_init: float
    max_iter: int
    tol: float
    sign: float  # -1.0 for gradient ascent
    max_grad_norm: float | None
    callback: object


@dataclass
class _Trace:
    """The iterates (flat arrays) and their function values."""

    path: list
    path_fun: list

    def append(self, x, value):
        self.path.append(x.copy())
        self.path_fun.append(value)


def _descend(problem, run, trace, x, value, grad):
    """The iterations of :func:`minimize`; returns ``(x, value, grad, status)``.

    ``x`` is updated in place by the optimizer; on a non-finite step the last
    finite iterate, with its value and gradient, is returned instead.
    """
    params = [x]
    opt_state = run.optimizer.init_state(params)
    state = {"epoch": 0, "step": 0, "max_iter": run.max_iter}
    state.update(run.schedule.init_state())
    while np.linalg.norm(grad) > run.tol:
        if state["step"] >= run.max_iter:
            return x, value, grad, _MAX_ITER
        step = run.sign * grad
        if run.max_grad_norm is not None:
            clip_by_global_norm([step], run.max_grad_norm)
        previous = x.copy()
        lr = run.schedule.rate(run.learning_rate_init, state)
        run.optimizer.update(params, [step], opt_state, lr)
        # a non-finite iterate is not passed to the user's function
        finite_x = np.isfinite(x).all()
        new_value, new_grad = problem.value_and_grad(x) if finite_x else (0, grad)
        if not (finite_x and _all_finite(new_value, x, new_grad)):
            return previous, value, grad, _NON_FINITE
        value, grad = new_value, new_grad
        state["step"] += 1
        state["epoch"] += 1
        trace.append(x, value)
        # the schedule monitors a loss to decrease, hence the sign for ascent
        run.schedule.observe(state, run.sign * value)
        if _stop_requested(run.callback, x, value, grad, state["step"], problem.shape):
            return x, value, grad, _CALLBACK
    return x, value, grad, _CONVERGED


def _message(status, nit, tol, maximize):
    if status == _CONVERGED:
        return f"Converged: the gradient norm is at most tol={tol:g}."
    if status == _MAX_ITER:
        return (
            f"Maximum number of iterations reached ({nit}) before the gradient "
            f"norm fell to tol={tol:g}."
        )
    if status == _CALLBACK:
        return "Stopped by the callback."
    if status == _NON_FINITE_X0:
        return "The function value or its gradient at x0 is not finite."
    direction = "ascent" if maximize else "descent"
    return (
        f"Gradient {direction} diverged: the iterate, the function value or its "
        f"gradient became non-finite at iteration {nit + 1}; the last finite "
        "iterate is returned. Lower learning_rate_init or set max_grad_norm."
    )
