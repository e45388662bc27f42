"""Plots of training curves and optimizer paths, as scikit-learn ``Display`` objects.

A display stores the data to plot; :meth:`plot` draws it on a matplotlib
``Axes`` (a new figure when ``ax`` is None) and keeps the artists it created
as attributes ending in an underscore (``ax_``, ``figure_``, ``line_``, ...).
The ``from_*`` class methods build the display from a fitted estimator or a
:func:`skgd.optimize.minimize` result and plot it at once.

matplotlib is an optional dependency (``pip install skgd[plot]``); it is
imported only when something is drawn.
"""

import numpy as np

__all__ = ["LossCurveDisplay", "OptimizerPathDisplay"]


def _pyplot(caller):
    """Import ``matplotlib.pyplot``, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib. Install it with `pip install skgd[plot]` "
            "(or `pip install matplotlib`)."
        ) from exc
    return plt


def _new_axes(ax, caller):
    plt = _pyplot(caller)
    if ax is None:
        _, ax = plt.subplots()
    return ax


class LossCurveDisplay:
    """Training loss per epoch, with the validation loss and score if available.

    The training loss (and the validation loss, when early stopping kept
    one) share the left axis; the validation score goes on a twin axis at
    the right, since it is on another scale (R² or accuracy). Create it with
    :meth:`from_estimator`, or from the curves themselves followed by
    :meth:`plot`.

    Plotting several displays on the same ``ax`` compares them, as with
    scikit-learn's ``RocCurveDisplay``: every curve's legend label starts
    with the display's name (``"Adam: training loss"``), each display takes
    the next color of the axes' cycle for all of its curves (solid training
    loss, dashed validation loss, dash-dotted validation score), the
    validation scores share one twin axis, and one legend lists the curves
    of every display drawn so far (on ``score_ax_`` when there is one, since
    the twin axes is drawn above ``ax_``).

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Mean training loss per epoch (an estimator's ``loss_curve_``).
    validation_scores : array-like of shape (n_epochs,), default=None
        Validation score per epoch (``validation_scores_``).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Validation loss per epoch (``validation_loss_curve_``).
    estimator_name : str, default=None
        Name that starts the legend labels; None labels the curves by kind
        only.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss curve.
    validation_line_ : matplotlib Line2D or None
        The validation loss curve.
    score_line_ : matplotlib Line2D or None
        The validation score curve, on ``score_ax_``.
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The twin axes of the validation score.
    figure_ : matplotlib Figure
        The figure holding the axes.

    See Also
    --------
    OptimizerPathDisplay : path of :func:`skgd.optimize.minimize` over a function.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_regression
    >>> from skgd import GDRegressor
    >>> from skgd.plotting import LossCurveDisplay
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=10, random_state=0)
    >>> reg = GDRegressor(optimizer="sgd", learning_rate_init=0.5, batch_size=None,
    ...                   early_stopping=True, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(reg, log_scale=True)
    >>> len(display.line_.get_ydata()) == reg.n_iter_
    True
    >>> display.score_ax_.get_ylabel()
    'Validation score'

    Several optimizers on one axes, one legend entry each:

    >>> ax = plt.figure().add_subplot()
    >>> for optimizer in ["sgd", "momentum", "adam"]:
    ...     model = GDRegressor(optimizer=optimizer, learning_rate_init=0.1,
    ...                         max_iter=30, tol=None, random_state=0).fit(X, y)
    ...     _ = LossCurveDisplay.from_estimator(model, ax=ax, name=optimizer)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['sgd: training loss', 'momentum: training loss', 'adam: training loss']
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(
        self,
        loss_curve,
        *,
        validation_scores=None,
        validation_loss_curve=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        log_scale=False,
        loss_kw=None,
        validation_kw=None,
        score_kw=None,
    ):
        """Draw the curves.

        Drawing on an ``ax`` that already holds other loss curves adds these
        next to them: the curves take the next color of the axes' cycle, the
        validation score goes on the twin axis made by the first display,
        and the legend is rebuilt with every labelled curve of both axes
        (on the twin axes, when there is one).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw the losses on; a new figure when None.
        name : str, default=None
            Name that starts the legend labels (``"{name}: training loss"``);
            overrides ``estimator_name``. When both are None the labels are
            ``"training loss"``, ``"validation loss"`` and
            ``"validation score"``.
        log_scale : bool, default=False
            Use a logarithmic loss axis (the loss must then be positive).
        loss_kw, validation_kw, score_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for the training loss,
            the validation loss and the validation score curves; they
            override the defaults above, ``label`` included.

        Returns
        -------
        display : LossCurveDisplay
            ``self``, with the artists stored as attributes.
        """
        ax = _new_axes(ax, "LossCurveDisplay.plot")
        name = self.estimator_name if name is None else name
        prefix = "" if name is None else f"{name}: "
        self.line_ = _curve(
            ax, self.loss_curve, {"label": f"{prefix}training loss", **(loss_kw or {})}
        )
        # the other curves of this display share its color, so that each
        # display (estimator) is one color and each kind of curve one style
        same_color = {"color": self.line_.get_color()}
        self.validation_line_ = None
        if self.validation_loss_curve is not None:
            kw = {"linestyle": "--", "label": f"{prefix}validation loss", **same_color}
            self.validation_line_ = _curve(
                ax, self.validation_loss_curve, {**kw, **(validation_kw or {})}
            )
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss")
        if log_scale:
            ax.set_yscale("log")
        self.score_ax_ = self.score_line_ = None
        if self.validation_scores is not None:
            self.score_ax_ = _score_axes(ax)
            kw = {"linestyle": "-.", "label": f"{prefix}validation score", **same_color}
            self.score_line_ = _curve(
                self.score_ax_, self.validation_scores, {**kw, **(score_kw or {})}
            )
            self.score_ax_.set_ylabel("Validation score")
        _legend(ax)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the loss curves of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            Any estimator with a ``loss_curve_`` attribute (every skgd
            estimator, and scikit-learn's ``MLPClassifier``/``MLPRegressor``);
            ``validation_loss_curve_`` and ``validation_scores_`` are used
            when present and not None (with early stopping).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Name that starts the legend labels; the estimator's class name
            when None. Give each estimator its own name to compare several
            on one ``ax``.
        **kwargs : dict
            Passed to :meth:`plot` (``log_scale``, ``loss_kw``, ...).

        Returns
        -------
        display : LossCurveDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        if not hasattr(estimator, "loss_curve_"):
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: fit it first "
                "(or use an estimator trained by gradient descent)."
            )
        display = cls(
            estimator.loss_curve_,
            validation_scores=getattr(estimator, "validation_scores_", None),
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)


def _curve(ax, values, kwargs):
    """Plot ``values`` against the epochs 1, 2, ... and return the line."""
    values = np.asarray(values, dtype=float)
    epochs = np.arange(1, len(values) + 1)
    (line,) = ax.plot(epochs, values, **kwargs)
    return line


# The twin axes of the validation scores is found again by this label, so
# that displays drawn on the same axes put their scores on one right axis.
_SCORE_AXES_LABEL = "skgd validation score"


def _existing_score_axes(ax):
    """The twin axes of validation scores drawn on ``ax`` earlier, or None."""
    for other in ax.figure.axes:
        if (
            other is not ax
            and other.get_label() == _SCORE_AXES_LABEL
            and ax.get_shared_x_axes().joined(ax, other)
        ):
            return other
    return None


def _score_axes(ax):
    """The twin axes for validation scores of ``ax``: the existing one, or new."""
    score_ax = _existing_score_axes(ax)
    if score_ax is None:
        score_ax = ax.twinx()
        score_ax.set_label(_SCORE_AXES_LABEL)
    return score_ax


def _legend(ax):
    """One legend for the labelled curves of ``ax`` and of its score axes.

    With a score axes, the legend goes on it: a twin is drawn above ``ax``,
    so the score curves would cross a legend drawn on ``ax``.
    """
    handles, labels = ax.get_legend_handles_labels()
    score_ax = _existing_score_axes(ax)
    if score_ax is not None:
        more_handles, more_labels = score_ax.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
        if ax.get_legend() is not None:  # drawn before the score axes existed
            ax.get_legend().remove()
    if handles:
        (ax if score_ax is None else score_ax).legend(handles, labels)


def _evaluate(fun, points, point_shape):
    """``fun`` at each row of ``points``; a ``(value, grad)`` result gives value."""
    values = np.empty(len(points))
    for i, point in enumerate(points):
        out = fun(np.reshape(point, point_shape))
        values[i] = np.asarray(out[0] if isinstance(out, tuple) else out).item()
    return values


def _default_bounds(coords, margin=0.25):
    """``(low, high)`` around the coordinates, padded; 1 wide at least."""
    low, high = float(np.min(coords)), float(np.max(coords))
    pad = max(margin * (high - low), 0.5)
    return low - pad, high + pad


class OptimizerPathDisplay:
    """Iterates of :func:`skgd.optimize.minimize` over the function's landscape.

    For two parameters the path is drawn over the contour lines of the
    function; for one parameter, over the curve :math:`f(x)`, with each
    iterate at its height. Start and end are marked. Calling
    :meth:`from_result` or :meth:`plot` again on the same ``ax`` with
    ``fun=None`` (no landscape) overlays more paths, e.g. one per optimizer;
    each path's ``label`` goes to the legend.

    Parameters
    ----------
    path : array-like of shape (n_iterates,) or (n_iterates, n_params)
        The iterates, first to last (a result's ``path``); ``n_params`` is 1
        or 2.
    path_fun : array-like of shape (n_iterates,), default=None
        The function values along the path; required for one parameter.
    landscape : tuple of ndarray, default=None
        The function on a grid: ``(xs, values)`` for one parameter, or
        ``(xx, yy, values)`` (``meshgrid`` arrays) for two. None draws the
        path only.
    label : str, default=None
        Legend label of the path.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The path.
    start_, end_ : matplotlib Line2D
        The markers of the first and the last iterate.
    surface_ : matplotlib ContourSet or Line2D or None
        The contour lines (two parameters) or the curve (one parameter).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    skgd.optimize.minimize : produces the path.
    LossCurveDisplay : training curves of a fitted estimator.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skgd.benchmark_functions import ravine
    >>> from skgd.optimize import minimize
    >>> from skgd.plotting import OptimizerPathDisplay
    >>> bounds = ((-2, 2), (-2.5, 2.5))
    >>> gd = minimize(ravine, [1.5, -2.0], jac=True, learning_rate_init=0.09)
    >>> display = OptimizerPathDisplay.from_result(
    ...     gd, ravine, bounds=bounds, label="GD")
    >>> adam = minimize(ravine, [1.5, -2.0], jac=True, optimizer="adam",
    ...                 learning_rate_init=0.1)
    >>> _ = OptimizerPathDisplay.from_result(adam, ax=display.ax_, label="Adam")
    >>> [text.get_text() for text in display.ax_.get_legend().get_texts()]
    ['GD', 'Adam']
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, path, *, path_fun=None, landscape=None, label=None):
        self.path = path
        self.path_fun = path_fun
        self.landscape = landscape
        self.label = label

    @classmethod
    def from_result(
        cls,
        result,
        fun=None,
        *,
        ax=None,
        bounds=None,
        levels=30,
        grid_resolution=100,
        label=None,
        **kwargs,
    ):
        """Plot the path of a :func:`~skgd.optimize.minimize` result.

        Parameters
        ----------
        result : scipy.optimize.OptimizeResult
            A result with ``path`` and ``path_fun``.
        fun : callable, default=None
            The minimized function, evaluated on a grid to draw its contours
            (or its curve, for one parameter); it may return ``(value,
            grad)``. None draws the path only (to overlay another path).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        bounds : tuple, default=None
            The plotted region: ``(low, high)`` for one parameter,
            ``((x_low, x_high), (y_low, y_high))`` for two. None pads the
            range of the path.
        levels : int or array-like, default=30
            Contour levels (two parameters), as for ``Axes.contour``.
        grid_resolution : int, default=100
            Grid points per axis at which ``fun`` is evaluated.
        label : str, default=None
            Legend label of the path.
        **kwargs : dict
            Passed to :meth:`plot` (``path_kw``, ``contour_kw``).

        Returns
        -------
        display : OptimizerPathDisplay
        """
        _pyplot(f"{cls.__name__}.from_result")
        path = np.asarray(result.path, dtype=float)
        coords = _flat_path(path)
        landscape = None
        if fun is not None:
            point_shape = path.shape[1:]
            landscape = _landscape(fun, coords, point_shape, bounds, grid_resolution)
        display = cls(path, path_fun=result.path_fun, landscape=landscape, label=label)
        return display.plot(ax=ax, levels=levels, **kwargs)

    def plot(self, ax=None, *, levels=30, path_kw=None, contour_kw=None):
        """Draw the landscape (if any) and the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        levels : int or array-like, default=30
            Contour levels (two parameters).
        path_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the path line.
        contour_kw : dict, default=None
            Keyword arguments of ``Axes.contour`` (two parameters) or of
            ``Axes.plot`` for the curve (one parameter).

        Returns
        -------
        display : OptimizerPathDisplay
            ``self``, with the artists stored as attributes.
        """
        ax = _new_axes(ax, f"{type(self).__name__}.plot")
        coords = _flat_path(np.asarray(self.path, dtype=float))
        if coords.shape[1] == 1:
            if self.path_fun is None:
                raise ValueError("A path of one parameter needs path_fun to plot.")
            xy = np.column_stack([coords[:, 0], np.asarray(self.path_fun)])
        else:
            xy = coords
        self.surface_ = self._plot_landscape(ax, levels, contour_kw)
        path_kw = {
            "marker": "o",
            "markersize": 3,
            "label": self.label,
            **(path_kw or {}),
        }
        (self.line_,) = ax.plot(xy[:, 0], xy[:, 1], **path_kw)
        color = self.line_.get_color()
        (self.start_,) = ax.plot(*xy[0], marker="s", color=color, linestyle="none")
        (self.end_,) = ax.plot(*xy[-1], marker="*", markersize=12, color=color)
        # label the axes with the landscape only, so that overlays (fun=None)
        # keep labels the user set, and add a legend entry only for a label
        if self.landscape is not None:
            if coords.shape[1] == 1:
                ax.set(xlabel="x", ylabel="f(x)")
            else:
                ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
        if self.label:
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _plot_landscape(self, ax, levels, contour_kw):
        if self.landscape is None:
            return None
        if len(self.landscape) == 2:
            xs, values = self.landscape
            kw = {"color": "0.5", **(contour_kw or {})}
            (curve,) = ax.plot(xs, values, **kw)
            return curve
        xx, yy, values = self.landscape
        kw = {"cmap": "viridis", "linewidths": 0.8, **(contour_kw or {})}
        return ax.contour(xx, yy, values, levels=levels, **kw)


def _flat_path(path):
    """Path as ``(n_iterates, n_params)``, checking that there are 1 or 2."""
    coords = path.reshape(len(path), -1)
    if coords.shape[1] not in (1, 2):
        raise ValueError(
            "OptimizerPathDisplay plots problems of 1 or 2 parameters; this path "
            f"has {coords.shape[1]}."
        )
    return coords


def _landscape(fun, coords, point_shape, bounds, resolution):
    """``fun`` on a grid covering ``bounds`` (or the path, padded)."""
    if coords.shape[1] == 1:
        low, high = _default_bounds(coords) if bounds is None else bounds
        xs = np.linspace(low, high, resolution)
        return xs, _evaluate(fun, xs[:, None], point_shape)
    if bounds is None:
        bounds = (_default_bounds(coords[:, 0]), _default_bounds(coords[:, 1]))
    (x_low, x_high), (y_low, y_high) = bounds
    xx, yy = np.meshgrid(
        np.linspace(x_low, x_high, resolution), np.linspace(y_low, y_high, resolution)
    )
    points = np.column_stack([xx.ravel(), yy.ravel()])
    return xx, yy, _evaluate(fun, points, point_shape).reshape(xx.shape)
