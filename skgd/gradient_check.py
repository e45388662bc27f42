"""Gradient checking: analytic gradients against central finite differences.

The notes' advice -- derive the analytic gradient, then check it with the
numerical one -- for a user's own function (:func:`check_gradient`, with the
argument order of :func:`scipy.optimize.check_grad`) and for the training
objective of any skgd estimator (:func:`check_estimator_gradient`). Both
return a :class:`GradientCheckResult` whose ``passed`` says whether the
largest error is within ``atol + rtol`` times the gradient's scale.

Central differences :math:`(f(x + h e_i) - f(x - h e_i)) / 2h` have an error
of order :math:`h^2 f'''` plus the rounding error :math:`\\epsilon_{mach}
|f| / h`; with the default ``h = 1e-6`` in float64 that is about ``1e-10``
relative to the function's scale. They are only valid where the function is
differentiable within ``h`` of ``x``: at a kink (ReLU at 0, hinge at margin 1,
absolute error at 0, L1 penalty at 0) they return the mean of the one-sided
slopes. Random parameters are almost surely farther than ``h`` from a kink.
"""

import reprlib
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

__all__ = [
    "GradientCheckResult",
    "check_estimator_gradient",
    "check_gradient",
    "numerical_gradient",
]


def numerical_gradient(fun, x, eps=1e-6):
    """Gradient of a scalar function by central finite differences.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``. It receives a perturbed copy of ``x`` (the same
        array object for every call) and must not keep or modify it.
    x : array-like
        The point, of any shape.
    eps : float, default=1e-6
        The step :math:`h` of :math:`(f(x + h e_i) - f(x - h e_i)) / 2h`.

    Returns
    -------
    grad : ndarray of the shape of ``x``, float64

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.gradient_check import numerical_gradient
    >>> numerical_gradient(lambda x: 10 * x[0] ** 2 + 0.5 * x[1] ** 2,
    ...                    np.array([1.0, 2.0]))
    array([20., 2.])
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is untouched
    grad = np.empty_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        center = flat_x[i]
        flat_x[i] = center + eps
        f_plus = fun(x)
        flat_x[i] = center - eps
        f_minus = fun(x)
        flat_x[i] = center
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


# The documented pass test: the largest error within atol + rtol * scale. The
# default rtol is the error central differences leave, with a wide margin,
# for a smooth function in float64 (about 1e-10 relative at eps=1e-6); atol
# lets an all-zero gradient pass despite the rounding error of f / eps.
_RTOL = 1e-6
_ATOL = 1e-8


@dataclass(frozen=True, repr=False)
class GradientCheckResult:
    """Outcome of a gradient check.

    Its ``repr`` is one line: pass or fail, the largest errors, where the
    worst one is, and the tolerances (not the gradients themselves).

    Attributes
    ----------
    grad : ndarray
        The analytic gradient.
    numerical_grad : ndarray
        The central finite-difference gradient.
    max_abs_error : float
        :math:`\\max_i |g_i - n_i|`.
    max_rel_error : float
        The worst component's error relative to the gradient's scale,
        :math:`\\max_i |g_i - n_i| / \\max(\\|g\\|_\\infty, \\|n\\|_\\infty)`
        (0 when both gradients are 0). Scaling by the largest component rather
        than by each component keeps components that are zero up to rounding
        from reporting spurious errors.
    worst_index : tuple of int
        Index of the component with the largest error.
    passed : bool
        Whether the check passed: ``max_abs_error <= atol + rtol * scale``,
        where ``scale`` is the largest component of either gradient in
        absolute value (the denominator of ``max_rel_error``); that is,
        ``max_rel_error <= rtol`` up to the absolute slack ``atol``.
    rtol : float
        The relative tolerance the check used.
    atol : float
        The absolute tolerance the check used.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.gradient_check import check_gradient
    >>> result = check_gradient(lambda x: np.sin(x).sum(), np.cos, np.ones(3))
    >>> result.passed, result.max_rel_error < 1e-9, result.grad.shape
    (True, True, (3,))
    >>> check_gradient(lambda x: np.sin(x).sum(), np.sin, [0.2, 0.5, 1.0])
    GradientCheckResult(passed=False, max_rel_error=0.8, max_abs_error=0.78,
                        worst_index=(0,), rtol=1e-06, atol=1e-08)
    """

    grad: np.ndarray
    numerical_grad: np.ndarray
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    passed: bool
    rtol: float
    atol: float

    def __repr__(self):
        return (
            f"{type(self).__name__}(passed={self.passed}, "
            f"max_rel_error={self.max_rel_error:.2g}, "
            f"max_abs_error={self.max_abs_error:.2g}, "
            f"worst_index={self.worst_index}, rtol={self.rtol:g}, atol={self.atol:g})"
        )


def _compare(grad, numerical, rtol, atol):
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != numerical.shape:
        raise ValueError(
            f"The analytic gradient has shape {grad.shape}, but the point has "
            f"shape {numerical.shape}."
        )
    error = np.abs(grad - numerical)
    worst = np.unravel_index(np.argmax(error), error.shape) if error.size else ()
    max_abs = float(error.max(initial=0.0))
    scale = max(np.abs(grad).max(initial=0.0), np.abs(numerical).max(initial=0.0))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else np.inf)
    return GradientCheckResult(
        grad=grad,
        numerical_grad=numerical,
        max_abs_error=max_abs,
        max_rel_error=float(max_rel),
        worst_index=tuple(int(i) for i in worst),
        passed=bool(max_abs <= atol + rtol * scale),
        rtol=rtol,
        atol=atol,
    )


def _is_gradient(obj):
    """Whether ``obj`` is what ``grad`` takes: a callable, or True."""
    return obj is True or callable(obj)


_NOT_GIVEN = object()


def _scipy_order(grad, x0, jac):
    """``(grad, x0)`` of a call in scipy's order or in skgd 0.1's ``(fun, x0, jac)``.

    A point is never callable nor True, so the position of the gradient
    tells the two orders apart; the old one warns.
    """
    if jac is not _NOT_GIVEN and x0 is not _NOT_GIVEN:
        raise TypeError(
            "check_gradient(func, grad, x0) got jac= too: jac is the old name of "
            "grad. Pass the gradient once, as grad."
        )
    if x0 is not _NOT_GIVEN and _is_gradient(grad):
        return grad, x0
    # skgd 0.1: check_gradient(fun, x0), (fun, x0, jac) or (fun, x0, jac=jac)
    old_jac = x0 if x0 is not _NOT_GIVEN else (True if jac is _NOT_GIVEN else jac)
    if not _is_gradient(grad) and _is_gradient(old_jac):
        warnings.warn(
            "check_gradient(fun, x0, jac) is the argument order of skgd 0.1 and "
            "will stop working in skgd 0.3; pass the gradient before the point, "
            "in the order of scipy.optimize.check_grad: "
            "check_gradient(func, grad, x0).",
            FutureWarning,
            stacklevel=3,
        )
        return old_jac, grad
    if x0 is _NOT_GIVEN and jac is _NOT_GIVEN:
        raise TypeError("check_gradient(func, grad, x0) is missing the point x0.")
    got = f"grad={reprlib.repr(grad)}"
    if jac is not _NOT_GIVEN:
        got += f" and jac={reprlib.repr(jac)}"
    raise ValueError(
        "check_gradient(func, grad, x0) takes the gradient before the point, as "
        "scipy.optimize.check_grad does: grad must be a callable grad(x, *args), "
        f"or True when func returns (value, gradient); got {got}."
    )


def check_gradient(
    func,
    grad,
    x0=_NOT_GIVEN,
    *,
    args=(),
    eps=1e-6,
    rtol=_RTOL,
    atol=_ATOL,
    jac=_NOT_GIVEN,
):
    """Compare a function's analytic gradient with central finite differences.

    The arguments come in the order of :func:`scipy.optimize.check_grad`,
    ``(func, grad, x0)``: the gradient before the point.

    Parameters
    ----------
    func : callable
        ``func(x, *args)``: the scalar objective, or ``(value, gradient)``
        when ``grad`` is True (the convention of ``jac=True`` in
        :func:`scipy.optimize.minimize` and :func:`skgd.optimize.minimize`).
    grad : callable or True
        ``grad(x, *args) -> gradient`` (an array of the shape of ``x``), or
        True when ``func`` returns the gradient with the value.
    x0 : array-like
        The point to check at, of any shape (use a point where ``func`` is
        differentiable within ``eps``).
    args : tuple, default=()
        Extra arguments of ``func`` and ``grad`` (what
        :func:`scipy.optimize.check_grad` takes as ``*args``).
    eps : float, default=1e-6
        Finite-difference step.
    rtol : float, default=1e-6
        Relative tolerance of the pass test: the check passes when the
        largest error is at most ``atol + rtol * scale``, where ``scale`` is
        the largest component of either gradient in absolute value. An
        analytic gradient that is right agrees to about 1e-10 in float64;
        a wrong one is usually off by more than 1e-3.
    atol : float, default=1e-8
        Absolute tolerance of the pass test, the slack for gradients that
        are zero or almost: finite differences of a function of size
        :math:`|f|` carry a rounding error of about
        :math:`10^{-16} |f| / \\text{eps}`, so raise it at a stationary point
        of a large function.
    jac : callable or True, optional
        Deprecated: the gradient in the old call ``check_gradient(fun, x0,
        jac=...)``; pass it as ``grad``, before ``x0``.

    Returns
    -------
    result : GradientCheckResult
        ``result.passed`` is the verdict; ``max_rel_error`` and
        ``worst_index`` say by how much and where it fails.

    Raises
    ------
    ValueError
        If ``grad`` is neither a callable nor True, or returns an array of
        another shape than ``x0``.

    See Also
    --------
    numerical_gradient : The finite differences alone.
    scipy.optimize.check_grad : The same order of arguments; it returns the
        2-norm of the difference only.

    Notes
    -----
    skgd 0.1 took ``check_gradient(fun, x0, jac=True)``, the point before the
    gradient. Since a point is never callable nor True, such a call is still
    recognised -- ``x0`` in the second position and, in the third, a
    callable, True or nothing -- and runs as before with a
    ``FutureWarning``; the old order will stop working in skgd 0.3. Any
    other call that does not put the gradient second raises an error, so
    swapped arguments never pass silently.

    Examples
    --------
    The seeds' :math:`x^6 - 5x^4 + 4x^2`, with a right and a wrong derivative:

    >>> import numpy as np
    >>> from skgd.gradient_check import check_gradient
    >>> def f(x):
    ...     return float(np.sum(x**6 - 5 * x**4 + 4 * x**2))
    >>> x0 = np.array([0.3, -1.2, 1.7])
    >>> right = check_gradient(f, lambda x: 6 * x**5 - 20 * x**3 + 8 * x, x0)
    >>> wrong = check_gradient(f, lambda x: 6 * x**5 - 20 * x**3 + 4 * x, x0)
    >>> right.passed, wrong.passed
    (True, False)
    >>> wrong  # the error 4x is largest at x = 1.7
    GradientCheckResult(passed=False, max_rel_error=0.46, max_abs_error=6.8,
                        worst_index=(2,), rtol=1e-06, atol=1e-08)

    With ``grad=True``, ``func`` returns the value and the gradient:

    >>> def f_and_grad(x):
    ...     return f(x), 6 * x**5 - 20 * x**3 + 8 * x
    >>> check_gradient(f_and_grad, True, x0).passed
    True
    """
    grad, x0 = _scipy_order(grad, x0, jac)
    x0 = np.asarray(x0, dtype=np.float64)
    if grad is True:
        analytic = func(x0.copy(), *args)[1]

        def value(x):
            return func(x, *args)[0]

    else:
        analytic = grad(x0.copy(), *args)

        def value(x):
            return func(x, *args)

    return _compare(analytic, numerical_gradient(value, x0, eps), rtol, atol)


def _random_params(params, rng):
    """Parameters of the scale of a Glorot-type initialisation, biases included.

    Zero (or exactly repeated) parameters would put L1 penalties and ReLU units
    on their kinks; random ones are almost surely away from them.
    """
    out = []
    for p in params:
        scale = 1 / np.sqrt(p.shape[0]) if p.ndim == 2 else 0.1
        out.append(rng.normal(0.0, scale, size=p.shape))
    return out


def check_estimator_gradient(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    random_state=None,
    eps=1e-6,
    rtol=_RTOL,
    atol=_ATOL,
):
    """Check the gradient of an estimator's training objective at random weights.

    Builds the objective that ``estimator.fit(X, y, sample_weight)`` would
    minimise -- its network, loss (with the target encoding and class
    weights), penalty and sample weights -- in float64, draws random
    parameters, and compares the analytic gradient of the full-batch objective
    with central finite differences. The estimator itself is not modified.

    Parameters
    ----------
    estimator : GDRegressor, GDClassifier, MLPGD, MLPGDClassifier or MLPGDRegressor
        An skgd estimator; its hyper-parameters define the objective.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Keep it small: the check evaluates the objective twice per parameter.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), default=None
    random_state : int, RandomState instance or None, default=None
        Seeds the random parameters.
    eps : float, default=1e-6
        Finite-difference step.
    rtol, atol : float, default=1e-6, 1e-8
        Tolerances of ``result.passed``, as in :func:`check_gradient`.

    Returns
    -------
    result : GradientCheckResult
        ``passed`` is the verdict; ``max_rel_error`` is the worst relative
        error over all parameters, flattened in the order
        ``[W_0, b_0, W_1, b_1, ...]`` (``worst_index`` indexes that vector).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.gradient_check import check_estimator_gradient
    >>> from skgd.neural_network import MLPGDClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 4)), rng.randint(0, 3, size=20)
    >>> clf = MLPGDClassifier(hidden_layer_sizes=(5, 3), activation="tanh",
    ...                       penalty="elasticnet", alpha=0.1)
    >>> check_estimator_gradient(clf, X, y, random_state=0).passed
    True
    """
    est = clone(estimator)
    est._validate_hyperparameters()
    X, y, sample_weight = est._validate_X_y(
        X, y, sample_weight, reset=True, **est._target_kwargs()
    )
    X = X.astype(np.float64, copy=False)
    Y, info = est._prepare_targets(y, reset=True)
    Y = Y.astype(np.float64, copy=False)
    sample_weight = est._weight_samples(sample_weight, y, info).astype(np.float64)
    rng = check_random_state(random_state)
    network, params = est._build(X.shape[1], info, rng, np.float64)
    objective = est._objective(network, info)
    params = _random_params(params, rng)

    shapes = [p.shape for p in params]
    splits = np.cumsum([p.size for p in params])[:-1]

    def unflatten(theta):
        return [
            a.reshape(s) for a, s in zip(np.split(theta, splits), shapes, strict=True)
        ]

    def value(theta):
        return objective.value_and_grad(unflatten(theta), X, Y, sample_weight)[0]

    _, grads = objective.value_and_grad(params, X, Y, sample_weight)
    theta = np.concatenate([p.ravel() for p in params])
    flat_grad = np.concatenate([g.ravel() for g in grads])
    return _compare(flat_grad, numerical_gradient(value, theta, eps), rtol, atol)
