"""Gradient checking: analytic gradients against central finite differences.

The notes' advice -- derive the analytic gradient, then check it with the
numerical one -- for a user's own function (:func:`check_gradient`) and for
the training objective of any skgd estimator (:func:`check_estimator_gradient`).

Central differences :math:`(f(x + h e_i) - f(x - h e_i)) / 2h` have an error
of order :math:`h^2 f'''` plus the rounding error :math:`\\epsilon_{mach}
|f| / h`; with the default ``h = 1e-6`` in float64 that is about ``1e-10``
relative to the function's scale. They are only valid where the function is
differentiable within ``h`` of ``x``: at a kink (ReLU at 0, hinge at margin 1,
absolute error at 0, L1 penalty at 0) they return the mean of the one-sided
slopes. Random parameters are almost surely farther than ``h`` from a kink.
"""

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


@dataclass(frozen=True)
class GradientCheckResult:
    """Outcome of a gradient check.

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
        from reporting spurious errors. Below about 1e-6 in float64, the
        gradient is right.
    worst_index : tuple of int
        Index of the component with the largest error.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.gradient_check import check_gradient
    >>> result = check_gradient(lambda x: np.sin(x).sum(), np.ones(3), np.cos)
    >>> result.max_rel_error < 1e-9, result.grad.shape
    (True, (3,))
    """

    grad: np.ndarray
    numerical_grad: np.ndarray
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple


def _compare(grad, numerical):
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
    )


def check_gradient(fun, x0, jac=True, *, args=(), eps=1e-6):
    """Compare a function's analytic gradient with central finite differences.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args)``: the scalar objective, or ``(value, gradient)``
        when ``jac`` is True (the convention of :func:`scipy.optimize.minimize`).
    x0 : array-like
        The point to check at, of any shape (use a point where ``fun`` is
        differentiable within ``eps``).
    jac : callable or True, default=True
        ``jac(x, *args) -> gradient``, or True when ``fun`` returns the
        gradient with the value.
    args : tuple, default=()
        Extra arguments of ``fun`` and ``jac``.
    eps : float, default=1e-6
        Finite-difference step.

    Returns
    -------
    result : GradientCheckResult
        With ``max_rel_error``, the worst component's relative error.

    See Also
    --------
    numerical_gradient : The finite differences alone.
    scipy.optimize.check_grad : The 2-norm of the difference.

    Examples
    --------
    The seeds' :math:`x^6 - 5x^4 + 4x^2`, with a right and a wrong derivative:

    >>> import numpy as np
    >>> from skgd.gradient_check import check_gradient
    >>> def f(x):
    ...     return float(np.sum(x**6 - 5 * x**4 + 4 * x**2))
    >>> x0 = np.array([0.3, -1.2, 1.7])
    >>> right = check_gradient(f, x0, lambda x: 6 * x**5 - 20 * x**3 + 8 * x)
    >>> wrong = check_gradient(f, x0, lambda x: 6 * x**5 - 20 * x**3 + 4 * x)
    >>> right.max_rel_error < 1e-8, wrong.max_rel_error > 0.1
    (True, True)
    >>> wrong.worst_index  # the error 4x is largest at x = 1.7
    (2,)
    """
    x0 = np.asarray(x0, dtype=np.float64)
    if jac is True:
        grad = fun(x0.copy(), *args)[1]

        def value(x):
            return fun(x, *args)[0]

    elif callable(jac):
        grad = jac(x0.copy(), *args)

        def value(x):
            return fun(x, *args)

    else:
        raise ValueError(f"jac must be True or a callable, got {jac!r}.")
    return _compare(grad, numerical_gradient(value, x0, eps))


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
    estimator, X, y, sample_weight=None, *, random_state=None, eps=1e-6
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

    Returns
    -------
    result : GradientCheckResult
        ``max_rel_error`` is the worst relative error over all parameters,
        flattened in the order ``[W_0, b_0, W_1, b_1, ...]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.gradient_check import check_estimator_gradient
    >>> from skgd.neural_network import MLPGDClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 4)), rng.randint(0, 3, size=20)
    >>> clf = MLPGDClassifier(hidden_layer_sizes=(5, 3), activation="tanh",
    ...                       penalty="elasticnet", alpha=0.1)
    >>> check_estimator_gradient(clf, X, y, random_state=0).max_rel_error < 1e-6
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
    return _compare(flat_grad, numerical_gradient(value, theta, eps))
