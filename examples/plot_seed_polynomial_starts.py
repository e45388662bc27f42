r"""
===================================================
Gradient descent from many starting points (1-D)
===================================================

The lecture notes run gradient descent on

.. math::

    f(x) = x^6 - 5x^4 + 4x^2 = x^2 (x^2 - 1)(x^2 - 4)

from many starting points and observe that where it ends depends on where it
starts. :func:`skgd.optimize.minimize` reproduces the experiment with the same plain
gradient-descent rule the estimators use (``optimizer="sgd"``, a constant
step): :math:`x_{k+1} = x_k - \alpha f'(x_k)`.

:math:`f` has five critical points: the global minima
:math:`\pm\sqrt{(5 + \sqrt{13})/3} \approx \pm 1.694`
(:math:`f \approx -6.065`), the local maxima
:math:`\pm\sqrt{(5 - \sqrt{13})/3} \approx \pm 0.682`
(:math:`f \approx 0.879`), and the local minimum :math:`0` (:math:`f = 0`).
The local maxima split the line into three basins of attraction.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skgd import minimize
from skgd.benchmark_functions import polynomial
from skgd.plotting import OptimizerPathDisplay

# %%
# A handful of starting points
# ----------------------------
# ``polynomial`` returns the value and its analytic derivative, hence
# ``jac=True``. The step :math:`\alpha = 0.01` is stable everywhere in
# :math:`[-2, 2]`: the curvature at the global minima is about 82.7, below
# :math:`2/\alpha = 200`. A run stops when :math:`|f'(x)| \le 10^{-6}`.
#
# Two starts are special. At :math:`x_0 = 0` the derivative is exactly zero,
# so gradient descent makes no move at all (``nit=0``): it "stays at the
# stationary point", as the notes observe. Started exactly on the local
# maximum at 0.682 (to double precision) it does not move either, although
# that point is the worst place to stop: a stationary point need not be a
# minimum.

LEARNING_RATE = 0.01
GLOBAL_MIN = np.sqrt((5 + np.sqrt(13)) / 3)
LOCAL_MAX = np.sqrt((5 - np.sqrt(13)) / 3)

starts = [-2.0, -1.2, -0.69, -0.4, 0.0, 0.3, LOCAL_MAX, 0.7, 1.2, 2.0]
results = {
    x0: minimize(polynomial, x0, jac=True, learning_rate_init=LEARNING_RATE, tol=1e-6)
    for x0 in starts
}


def kind_of_end(x):
    """Name the critical point ``x`` is closest to."""
    critical = {
        -GLOBAL_MIN: "global min",
        -LOCAL_MAX: "local max",
        0.0: "local min",
        LOCAL_MAX: "local max",
        GLOBAL_MIN: "global min",
    }
    nearest = min(critical, key=lambda c: abs(c - x))
    return critical[nearest]


print(f"{'x0':>8} {'end x':>10} {'f(end)':>9} {'iterations':>10}  reached")
for x0, res in results.items():
    end = round(float(res.x), 6) + 0.0  # + 0.0 prints -0.0 as 0.0
    value = round(res.fun, 4) + 0.0
    print(f"{x0:>8.4f} {end:>10.6f} {value:>9.4f} {res.nit:>10d}  {kind_of_end(end)}")

# %%
# Paths on the curve, and the end point of every start
# ----------------------------------------------------
# Left: each path drawn over :math:`f` with
# :class:`~skgd.plotting.OptimizerPathDisplay` (a square marks the start, a
# star the end; the first call draws the curve, the others pass no function
# and only add their path). Starts just outside :math:`\pm 0.682` slide into
# the global minima; starts inside end in the local minimum at 0.
#
# Right: the same experiment as a parametric sweep over 401 starting points
# in :math:`[-2.2, 2.2]`. The end point is a step function of the start, with
# its jumps at the local maxima (dotted lines); the two points drawn in red
# are the runs that never moved, from the stationary points 0 and 0.682.

fig, (ax_path, ax_map) = plt.subplots(
    1, 2, figsize=(12, 4.8), width_ratios=(3, 2), layout="constrained"
)
shown = [-2.0, -0.69, -0.4, 0.0, 0.3, LOCAL_MAX, 0.7, 2.0]
colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
colors += ["tab:purple", "tab:brown", "tab:pink", "tab:cyan"]
for i, (x0, color) in enumerate(zip(shown, colors, strict=True)):
    OptimizerPathDisplay.from_result(
        results[x0],
        polynomial if i == 0 else None,
        ax=ax_path,
        bounds=(-2.2, 2.2),
        grid_resolution=400,
        label=f"$x_0$ = {x0:.3g} ({results[x0].nit} it.)",
        path_kw={"markersize": 4, "linewidth": 1, "color": color},
        contour_kw={"color": "0.7", "linewidth": 3},
    )
for x0, text, offset in [(0.0, "$x_0$ = 0: no move", (-1.0, 3.0))]:
    ax_path.annotate(text, (x0, 0.0), xytext=offset, arrowprops={"arrowstyle": "->"})
ax_path.annotate(
    "$x_0$ = 0.682 (local max): no move",
    (LOCAL_MAX, polynomial(LOCAL_MAX)[0]),
    xytext=(0.3, 4.0),
    arrowprops={"arrowstyle": "->"},
)
ax_path.set(ylim=(-7.5, 12), title=r"GD on $x^6 - 5x^4 + 4x^2$, $\alpha$ = 0.01")
ax_path.legend(fontsize="small", ncols=2, loc="upper center")

grid = np.linspace(-2.2, 2.2, 401)
ends = np.array(
    [
        float(minimize(polynomial, x0, jac=True, learning_rate_init=LEARNING_RATE).x)
        for x0 in grid
    ]
)
ax_map.plot(grid, ends, ".", markersize=3, color="tab:blue", label="end point")
ax_map.plot(
    [0.0, LOCAL_MAX],
    [float(results[0.0].x), float(results[LOCAL_MAX].x)],
    "o",
    color="tab:red",
    markersize=6,
    label="started on a stationary point",
)
for x in (-LOCAL_MAX, LOCAL_MAX):
    ax_map.axvline(x, color="0.4", linestyle=":", linewidth=1)
ax_map.set(
    xlabel="starting point $x_0$",
    ylabel="end point of gradient descent",
    yticks=[-GLOBAL_MIN, 0.0, LOCAL_MAX, GLOBAL_MIN],
    yticklabels=["-1.694", "0", "0.682", "1.694"],
    title="Where 401 starting points end",
)
ax_map.grid(axis="y", alpha=0.3)
ax_map.legend(loc="upper left", fontsize="small")

basins = {name: 0 for name in ("-1.694", "0", "+1.694")}
for end in ends:
    key = "0" if abs(end) < 0.5 else ("+1.694" if end > 0 else "-1.694")
    basins[key] += 1
print("\nends of the 401 starts in [-2.2, 2.2]:", basins)

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "seed_polynomial_starts.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
