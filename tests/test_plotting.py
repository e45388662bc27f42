"""Headless tests of skgd.plotting: the artists hold the data they should."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402

from skgd.benchmark_functions import peaks, polynomial, ravine  # noqa: E402
from skgd.linear_model import GDRegressor  # noqa: E402
from skgd.optimize import minimize  # noqa: E402
from skgd.plotting import LossCurveDisplay, OptimizerPathDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend(ax):
    """The labels of the one legend of ``ax``'s figure."""
    legends = [a.get_legend() for a in ax.figure.axes if a.get_legend() is not None]
    assert len(legends) == 1
    return [text.get_text() for text in legends[0].get_texts()]


def _fitted(early_stopping):
    X, y = make_regression(n_samples=120, n_features=3, noise=5, random_state=0)
    return GDRegressor(
        optimizer="sgd",
        learning_rate_init=0.3,
        batch_size=None,
        max_iter=200,
        early_stopping=early_stopping,
        random_state=0,
    ).fit(X, y)


def test_loss_curve_from_estimator_without_validation():
    reg = _fitted(early_stopping=False)
    display = LossCurveDisplay.from_estimator(reg)
    epochs = np.arange(1, len(reg.loss_curve_) + 1)
    np.testing.assert_array_equal(display.line_.get_xdata(), epochs)
    np.testing.assert_array_equal(display.line_.get_ydata(), reg.loss_curve_)
    assert display.validation_line_ is None and display.score_line_ is None
    assert display.score_ax_ is None
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.figure_ is display.ax_.figure
    assert _legend(display.ax_) == ["GDRegressor: training loss"]


def test_loss_curve_from_estimator_with_early_stopping():
    reg = _fitted(early_stopping=True)
    display = LossCurveDisplay.from_estimator(reg, name="GD", log_scale=True)
    np.testing.assert_array_equal(display.line_.get_ydata(), reg.loss_curve_)
    np.testing.assert_array_equal(
        display.validation_line_.get_ydata(), reg.validation_loss_curve_
    )
    np.testing.assert_array_equal(
        display.score_line_.get_ydata(), reg.validation_scores_
    )
    assert display.score_line_.axes is display.score_ax_ is not display.ax_
    assert display.validation_line_.axes is display.ax_
    assert display.ax_.get_yscale() == "log"
    assert _legend(display.ax_) == [
        "GD: training loss",
        "GD: validation loss",
        "GD: validation score",
    ]
    # one color per display, one line style per kind of curve
    lines = [display.line_, display.validation_line_, display.score_line_]
    assert len({line.get_color() for line in lines}) == 1
    assert len({line.get_linestyle() for line in lines}) == 3


def test_loss_curve_without_a_name_labels_the_kinds_only():
    display = LossCurveDisplay([3.0, 2.0], validation_loss_curve=[3.5, 2.5]).plot()
    assert _legend(display.ax_) == ["training loss", "validation loss"]


def test_loss_curve_plot_on_given_axes_with_styles():
    _, ax = plt.subplots()
    display = LossCurveDisplay([3.0, 2.0, 1.5], estimator_name="model")
    assert display.plot(ax=ax, loss_kw={"color": "red", "label": "train"}) is display
    assert display.ax_ is ax
    assert display.line_.get_color() == "red"
    assert display.line_.get_label() == "train"
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3])


def _fitted_with_optimizers(optimizers, early_stopping):
    X, y = make_regression(n_samples=120, n_features=3, noise=5, random_state=0)
    models = {}
    for optimizer in optimizers:
        models[optimizer] = GDRegressor(
            optimizer=optimizer,
            learning_rate_init=0.05,
            max_iter=40,
            early_stopping=early_stopping,
            random_state=0,
        ).fit(X, y)
    return models


def test_loss_curves_of_several_estimators_keep_a_legend_entry_each():
    models = _fitted_with_optimizers(["sgd", "momentum", "adam"], False)
    _, ax = plt.subplots()
    displays = [
        LossCurveDisplay.from_estimator(model, ax=ax, name=name)
        for name, model in models.items()
    ]
    assert _legend(ax) == [
        "sgd: training loss",
        "momentum: training loss",
        "adam: training loss",
    ]
    for display, model in zip(displays, models.values(), strict=True):
        assert display.ax_ is ax
        np.testing.assert_array_equal(display.line_.get_ydata(), model.loss_curve_)
    assert len({display.line_.get_color() for display in displays}) == 3


def test_loss_curves_of_several_estimators_share_the_score_axes():
    models = _fitted_with_optimizers(["sgd", "adam", "rmsprop"], True)
    display = LossCurveDisplay.from_estimator(models["sgd"], name="sgd")
    ax = display.ax_
    displays = [display] + [
        LossCurveDisplay.from_estimator(models[name], ax=ax, name=name)
        for name in ("adam", "rmsprop")
    ]
    score_ax = display.score_ax_
    assert all(d.score_ax_ is score_ax for d in displays)
    assert score_ax.get_legend() is not None  # above the score curves
    assert len(ax.figure.axes) == 2  # the losses and one twin for the scores
    assert len(score_ax.get_lines()) == 3
    names = ["sgd", "adam", "rmsprop"]
    assert _legend(ax) == (
        [
            f"{name}: {kind}"
            for name in names
            for kind in ("training loss", "validation loss")
        ]
        + [f"{name}: validation score" for name in names]
    )
    for d in displays:
        colors = {d.line_.get_color(), d.validation_line_.get_color()}
        assert colors == {d.score_line_.get_color()}
    assert len({d.line_.get_color() for d in displays}) == 3


def test_a_display_with_scores_after_one_without_keeps_one_legend():
    _, ax = plt.subplots()
    LossCurveDisplay([3.0, 2.0], estimator_name="plain").plot(ax=ax)
    display = LossCurveDisplay(
        [3.0, 1.0], validation_scores=[0.5, 0.7], estimator_name="stopped"
    ).plot(ax=ax)
    assert ax.get_legend() is None and display.score_ax_.get_legend() is not None
    assert _legend(ax) == [
        "plain: training loss",
        "stopped: training loss",
        "stopped: validation score",
    ]


def test_loss_curve_from_unfitted_estimator_raises():
    with pytest.raises(ValueError, match="fit it first"):
        LossCurveDisplay.from_estimator(GDRegressor())


def test_path_over_contours_of_a_2d_function():
    res = minimize(peaks, [0.3, -0.5], jac=True, max_iter=200)
    bounds = ((-3, 3), (-3, 3))
    display = OptimizerPathDisplay.from_result(
        res, peaks, bounds=bounds, levels=15, grid_resolution=40, label="GD"
    )
    np.testing.assert_array_equal(display.line_.get_xdata(), res.path[:, 0])
    np.testing.assert_array_equal(display.line_.get_ydata(), res.path[:, 1])
    np.testing.assert_array_equal(display.start_.get_xydata()[0], res.path[0])
    np.testing.assert_array_equal(display.end_.get_xydata()[0], res.path[-1])
    assert isinstance(display.surface_, ContourSet)
    assert len(display.surface_.levels) >= 10
    xx, yy, values = display.landscape
    assert xx.shape == (40, 40) and xx.min() == -3 and yy.max() == 3
    assert values[7, 11] == pytest.approx(peaks([xx[7, 11], yy[7, 11]])[0])
    assert display.ax_.get_xlim() == pytest.approx((-3, 3))
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["GD"]


def test_paths_of_several_optimizers_overlay_on_one_axes():
    x0, bounds = [1.5, -2.0], ((-2, 2), (-2.5, 2.5))
    runs = {
        "GD": minimize(ravine, x0, jac=True, learning_rate_init=0.09),
        "momentum": minimize(ravine, x0, jac=True, optimizer="momentum"),
        "RMSprop": minimize(ravine, x0, jac=True, optimizer="rmsprop", max_iter=50),
    }
    displays = []
    ax = None
    for i, (label, res) in enumerate(runs.items()):
        fun = ravine if i == 0 else None
        display = OptimizerPathDisplay.from_result(
            res, fun, ax=ax, bounds=bounds, grid_resolution=30, label=label
        )
        ax = display.ax_
        displays.append(display)
    assert all(d.ax_ is ax for d in displays)
    assert displays[0].surface_ is not None
    assert displays[1].surface_ is None and displays[2].surface_ is None
    for display, res in zip(displays, runs.values(), strict=True):
        np.testing.assert_array_equal(display.line_.get_xydata(), res.path)
    colors = {d.line_.get_color() for d in displays}
    assert len(colors) == 3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(runs)


def test_path_of_a_scalar_problem_over_its_curve():
    res = minimize(polynomial, 2.0, jac=True)
    display = OptimizerPathDisplay.from_result(res, polynomial, bounds=(-2.5, 2.5))
    np.testing.assert_array_equal(display.line_.get_xdata(), res.path)
    np.testing.assert_array_equal(display.line_.get_ydata(), res.path_fun)
    np.testing.assert_array_equal(display.end_.get_xydata()[0], [res.x, res.fun])
    curve_x, curve_y = display.surface_.get_xdata(), display.surface_.get_ydata()
    assert curve_x[0] == -2.5 and curve_x[-1] == 2.5
    np.testing.assert_allclose(curve_y, [polynomial(x)[0] for x in curve_x])
    assert display.ax_.get_xlabel() == "x"


def test_default_bounds_pad_the_path():
    res = minimize(polynomial, 0.0, jac=True)  # a path of one point
    display = OptimizerPathDisplay.from_result(res, polynomial, grid_resolution=11)
    xs, _ = display.landscape
    assert xs[0] < 0.0 < xs[-1]


def test_path_display_checks_dimensions():
    res = minimize(lambda x: float(x @ x), [1.0, 2.0, 3.0], max_iter=3)
    with pytest.raises(ValueError, match="1 or 2 parameters"):
        OptimizerPathDisplay.from_result(res)
    with pytest.raises(ValueError, match="path_fun"):
        OptimizerPathDisplay([0.0, 1.0]).plot()


def test_missing_matplotlib_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install skgd\[plot\]"):
        LossCurveDisplay([1.0, 0.5]).plot()
    res = minimize(ravine, [1.0, 1.0], jac=True, max_iter=2)
    with pytest.raises(ImportError, match=r"skgd\[plot\]"):
        OptimizerPathDisplay.from_result(res, ravine)
