r"""
=========================================================
Descent and ascent on the "peaks" surface (2-D)
=========================================================

The lecture notes move gradient descent to two dimensions with MATLAB's
``peaks`` function (:func:`skgd.benchmark_functions.peaks`), a surface with
three minima and three maxima:

.. math::

    f(x, y) = 3(1-x)^2 e^{-x^2-(y+1)^2}
        - 10\left(\frac{x}{5} - x^3 - y^5\right) e^{-x^2-y^2}
        - \frac13 e^{-(x+1)^2-y^2}

They then ask for *gradient ascent*, with two solutions: flip the sign of the
gradient (step along :math:`+\nabla f`), or flip the function (descend on
:math:`-f`). :func:`skgd.optimize.minimize` does the first with ``maximize=True``; the
second is an ordinary minimization of :math:`-f`. Both give the same path.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skgd import minimize
from skgd.benchmark_functions import peaks
from skgd.plotting import OptimizerPathDisplay

# %%
# The same starts, downhill and uphill
# ------------------------------------
# Plain gradient descent (``optimizer="sgd"``) with a constant step of 0.02,
# at most 2000 iterations, stopping when the gradient norm is below
# :math:`10^{-5}`. ``peaks`` returns the value and the analytic gradient,
# hence ``jac=True``.
#
# Going down, the starts reach the three minima, which one depending on the
# start. The start at the top right lies on the almost flat plain far from
# the bumps: the gradient there is tiny (the notes' vanishing gradient), so
# the run drifts slowly away and uses up its budget without converging.
# Going up, the same starts climb to the three maxima.

START_POINTS = [
    (-2.5, -1.5),
    (-1.5, 1.0),
    (0.0, -0.5),
    (0.5, 0.8),
    (1.5, -1.5),
    (2.5, 1.0),
    (1.0, 2.5),
]
BOUNDS = ((-3.0, 4.0), (-3.0, 4.0))
SETTINGS = {"jac": True, "learning_rate_init": 0.02, "max_iter": 2000, "tol": 1e-5}

descents = [minimize(peaks, x0, **SETTINGS) for x0 in START_POINTS]
ascents = [minimize(peaks, x0, maximize=True, **SETTINGS) for x0 in START_POINTS]

for title, runs in (("descent", descents), ("ascent (maximize=True)", ascents)):
    print(f"Gradient {title}")
    print(f"  {'start':>13} {'end':>17} {'f(end)':>8} {'iter.':>6}  converged")
    for x0, res in zip(START_POINTS, runs, strict=True):
        end = f"({res.x[0]:6.3f}, {res.x[1]:6.3f})"
        start = f"({x0[0]:4.1f}, {x0[1]:4.1f})"
        print(f"  {start:>13} {end:>17} {res.fun:>8.3f} {res.nit:>6d}  {res.success}")

# %%
# Flipping the gradient or flipping the function
# ----------------------------------------------
# The notes' second solution: minimize :math:`-f`, whose gradient is
# :math:`-\nabla f`. The iterates are those of ``maximize=True`` exactly.


def negative_peaks(theta):
    value, grad = peaks(theta)
    return -value, -grad


flipped = [minimize(negative_peaks, x0, **SETTINGS) for x0 in START_POINTS]
gap = max(
    np.max(np.abs(up.path - down.path))
    for up, down in zip(ascents, flipped, strict=True)
)
print(f"\nlargest difference between the two ascent paths: {gap:.1e}")

# %%
# Paths over the contour lines
# ----------------------------
# :class:`~skgd.plotting.OptimizerPathDisplay` draws the contours on the first
# call; the next calls pass no function and overlay their path on the same
# axes. Squares mark the starts, stars the ends, with the value of
# :math:`f` written next to each end; each start keeps its colour in both
# panels.

fig, axes = plt.subplots(1, 2, figsize=(13, 6.6), sharey=True, layout="constrained")
colors = plt.colormaps["tab10"].colors
for ax, runs, title in (
    (axes[0], descents, "Gradient descent: to the minima"),
    (axes[1], ascents, "Gradient ascent (maximize=True): to the maxima"),
):
    for i, (x0, res) in enumerate(zip(START_POINTS, runs, strict=True)):
        display = OptimizerPathDisplay.from_result(
            res,
            peaks if i == 0 else None,
            ax=ax,
            bounds=BOUNDS,
            levels=np.linspace(-7, 8.5, 32),
            grid_resolution=150,
            label=f"start ({x0[0]:g}, {x0[1]:g})",
            path_kw={"color": colors[i], "markersize": 2, "linewidth": 1.5},
            contour_kw={"cmap": "coolwarm", "linewidths": 0.7},
        )
        if i == 0:
            surface = display.surface_
    # write f at each distinct end point (several runs share one)
    ends = {(round(r.x[0], 2), round(r.x[1], 2)): r for r in runs}
    for (x, y), res in ends.items():
        text = f"f = {res.fun:.2f}"
        offset, align = (6, -12), "left"
        if not res.success:
            text += "\n(not converged)"
            # near the right edge, below the star, to stay inside the axes
            offset, align = ((0, -34), "center") if x > 3 else ((8, -26), "left")
        ax.annotate(
            text,
            (x, y),
            xytext=offset,
            textcoords="offset points",
            horizontalalignment=align,
            fontsize="small",
            fontweight="bold",
        )
    ax.get_legend().remove()  # one legend for both panels, below
    ax.set(title=title, aspect="equal", xlim=BOUNDS[0], ylim=BOUNDS[1], xlabel="x")
axes[0].set_ylabel("y")
axes[1].set_ylabel("")
fig.colorbar(surface, ax=axes, label="f(x, y)", shrink=0.6)
fig.legend(
    *axes[0].get_legend_handles_labels(),
    loc="outside lower center",
    ncols=len(START_POINTS),
    fontsize="small",
)

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "seed_peaks.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
