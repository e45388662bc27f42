r"""Test problems for :func:`skgd.optimize.minimize`: each returns ``(value, grad)``.

The functions are the landscapes of the lecture notes' experiments plus the
classic Rosenbrock valley. Each takes a parameter array and returns the
function value (a float) and its analytic gradient (an array of the
parameter's shape), so it is passed to :func:`~skgd.optimize.minimize` with
``jac=True``:

- :func:`polynomial`: :math:`x^6 - 5x^4 + 4x^2`, several local minima;
- :func:`peaks`: MATLAB's ``peaks`` surface, maxima and minima in 2-D;
- :func:`ravine`: :math:`10\theta_1^2 + 0.5\theta_2^2`, an ill-conditioned bowl;
- :func:`rosenbrock`: a curved, narrow valley with its minimum at all ones.
"""

import numpy as np

__all__ = ["polynomial", "peaks", "ravine", "rosenbrock"]


def _as_float_array(x):
    return np.asarray(x, dtype=float)


def _two_coordinates(theta, name):
    theta = _as_float_array(theta)
    if theta.shape != (2,):
        raise ValueError(f"{name} takes 2 parameters; got shape {theta.shape}.")
    return theta


def polynomial(x):
    r"""The lecture notes' polynomial :math:`f(x) = x^6 - 5x^4 + 4x^2`.

    .. math::

        f(x) = x^2 (x^2 - 1)(x^2 - 4), \qquad
        f'(x) = 6x^5 - 20x^3 + 8x = 2x (3x^4 - 10x^2 + 4)

    Its critical points are :math:`0` (a local minimum, :math:`f = 0`),
    :math:`\pm\sqrt{(5 - \sqrt{13})/3} \approx \pm 0.682` (local maxima) and
    :math:`\pm\sqrt{(5 + \sqrt{13})/3} \approx \pm 1.694` (the global minima,
    :math:`f \approx -6.065`), so gradient descent ends in a different minimum
    depending on where it starts. An array argument is treated as independent
    coordinates: the value is the sum over its elements.

    Parameters
    ----------
    x : float or array-like
        The point.

    Returns
    -------
    value : float
        :math:`\sum_i f(x_i)`.
    grad : ndarray of the shape of ``x``
        :math:`f'(x_i)` per element.

    Examples
    --------
    >>> from skgd.benchmark_functions import polynomial
    >>> polynomial(2.0)
    (0.0, array(48.))
    """
    x = _as_float_array(x)
    x2 = x * x
    value = x2 * (x2 - 1.0) * (x2 - 4.0)
    grad = np.asarray(2.0 * x * (3.0 * x2 * x2 - 10.0 * x2 + 4.0))
    return float(value.sum()), grad


def peaks(theta):
    r"""MATLAB's ``peaks`` surface: three maxima and three minima in 2-D.

    With :math:`\theta = (x, y)`:

    .. math::

        f(x, y) = 3(1-x)^2 e^{-x^2-(y+1)^2}
            - 10\left(\frac{x}{5} - x^3 - y^5\right) e^{-x^2-y^2}
            - \frac13 e^{-(x+1)^2-y^2}

    The global maximum is :math:`f \approx 8.106` near :math:`(-0.009, 1.581)`
    and the global minimum :math:`f \approx -6.551` near :math:`(0.228,
    -1.626)`; where gradient descent (or ascent, with ``maximize=True``) ends
    depends on the starting point.

    Parameters
    ----------
    theta : array-like of shape (2,)
        The point :math:`(x, y)`.

    Returns
    -------
    value : float
    grad : ndarray of shape (2,)

    Examples
    --------
    >>> from skgd.benchmark_functions import peaks
    >>> value, grad = peaks([0.0, 0.0])
    >>> round(value, 4)
    0.981
    """
    x, y = _two_coordinates(theta, "peaks")
    e1 = np.exp(-(x**2) - (y + 1.0) ** 2)
    e2 = np.exp(-(x**2) - y**2)
    e3 = np.exp(-((x + 1.0) ** 2) - y**2)
    a = 3.0 * (1.0 - x) ** 2 * e1
    u = x / 5.0 - x**3 - y**5
    b = -10.0 * u * e2
    c = -e3 / 3.0
    value = a + b + c
    da = (-6.0 * (1.0 - x) * e1 - 2.0 * x * a, -2.0 * (y + 1.0) * a)
    db = (
        -10.0 * (0.2 - 3.0 * x**2) * e2 - 2.0 * x * b,
        50.0 * y**4 * e2 - 2.0 * y * b,
    )
    dc = (-2.0 * (x + 1.0) * c, -2.0 * y * c)
    grad = np.array([da[0] + db[0] + dc[0], da[1] + db[1] + dc[1]])
    return float(value), grad


def ravine(theta):
    r"""The lecture notes' ravine :math:`f(\theta) = 10\theta_1^2 + 0.5\theta_2^2`.

    .. math::

        \nabla f(\theta) = (20\theta_1, \theta_2)

    The curvatures are 20 and 1 (condition number 20): gradient descent with
    a constant step :math:`\alpha` is stable only for :math:`\alpha < 2/20`,
    so it zig-zags across the steep :math:`\theta_1` direction while it crawls
    along :math:`\theta_2`. The minimum is 0 at the origin.

    Parameters
    ----------
    theta : array-like of shape (2,)
        The point :math:`(\theta_1, \theta_2)`.

    Returns
    -------
    value : float
    grad : ndarray of shape (2,)

    Examples
    --------
    >>> from skgd.benchmark_functions import ravine
    >>> ravine([1.0, 2.0])
    (12.0, array([20.,  2.]))
    """
    t1, t2 = _two_coordinates(theta, "ravine")
    return float(10.0 * t1**2 + 0.5 * t2**2), np.array([20.0 * t1, t2])


def rosenbrock(theta, a=1.0, b=100.0):
    r"""The Rosenbrock function in :math:`n \ge 2` dimensions.

    .. math::

        f(\theta) = \sum_{i=1}^{n-1}
            b\,(\theta_{i+1} - \theta_i^2)^2 + (a - \theta_i)^2

    (``scipy.optimize.rosen`` for the defaults). With ``a = 1`` (or in two
    dimensions) its minimum is 0 at :math:`\theta = (a, a^2)` -- all ones for
    the defaults -- at the end of a long, curved, flat-bottomed valley.

    Parameters
    ----------
    theta : array-like of shape (n,)
        The point, ``n >= 2``.
    a, b : float, default=1.0, 100.0
        Position of the minimum and steepness of the valley's walls.

    Returns
    -------
    value : float
    grad : ndarray of shape (n,)

    Examples
    --------
    >>> from skgd.benchmark_functions import rosenbrock
    >>> rosenbrock([1.0, 1.0])
    (0.0, array([0., 0.]))
    >>> rosenbrock([0.0, 0.0])
    (1.0, array([-2.,  0.]))
    """
    theta = _as_float_array(theta)
    if theta.ndim != 1 or theta.size < 2:
        raise ValueError(f"rosenbrock takes n >= 2 parameters; got {theta.shape}.")
    head, tail = theta[:-1], theta[1:]
    valley = tail - head**2
    value = float(np.sum(b * valley**2 + (a - head) ** 2))
    grad = np.zeros_like(theta)
    grad[:-1] = -4.0 * b * head * valley - 2.0 * (a - head)
    grad[1:] += 2.0 * b * valley
    return value, grad
