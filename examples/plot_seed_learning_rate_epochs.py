r"""
===================================================
Parametric experiment: learning rate x epochs
===================================================

The lecture notes' third experiment varies two meta-parameters at once, the
learning rate and the number of training epochs, and finds that they act
together: a small step needs many epochs, a large one converges in a few or
not at all, and the pair decides whether gradient descent ends in the right
minimum.

Two versions of the sweep:

- on the notes' function :math:`f(x) = x^6 - 5x^4 + 4x^2` with
  :func:`skgd.optimize.minimize`, recording where :math:`x` ends;
- on a real model: a linear regression on scikit-learn's bundled diabetes
  data, fitted by full-batch gradient descent with
  :class:`~skgd.linear_model.GDRegressor`, recording the final training loss.

Every cell of both grids is a separate run with ``max_iter`` set to its
number of epochs and no early stop (``tol=0`` for :func:`~skgd.optimize.minimize`,
``tol=None`` for the estimator).
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from skgd import DivergenceWarning, GDRegressor, minimize
from skgd.benchmark_functions import polynomial

EPOCHS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def draw_grid(ax, values, rates, *, cmap, norm, failed, limit):
    """Heatmap of ``values`` (rates x epochs): ``failed`` cells grey with a cross.

    A dashed line marks the learning rate ``limit`` (placed between rows on
    a log scale).
    """
    cmap = (plt.colormaps[cmap] if isinstance(cmap, str) else cmap).copy()
    cmap.set_bad("0.8")
    image = ax.imshow(values, cmap=cmap, norm=norm, aspect="auto", origin="lower")
    rows, cols = np.nonzero(failed)
    ax.scatter(cols, rows, marker="x", color="black", s=30)
    row = np.interp(np.log(limit), np.log(rates), np.arange(len(rates)))
    ax.axhline(row, color="black", linestyle="--", linewidth=1.5)
    ax.set_xticks(range(len(EPOCHS)), [str(e) for e in EPOCHS])
    ax.set_yticks(range(len(rates)), [f"{rate:.3g}" for rate in rates])
    ax.set(xlabel="epochs (max_iter)", ylabel="learning_rate_init")
    return image


# %%
# The polynomial, from :math:`x_0 = 1`
# ------------------------------------
# The nearest minimum to :math:`x_0 = 1` is the global minimum at 1.694.
# The curvature there is about 82.7, so a constant step is stable only below
# :math:`2/82.7 \approx 0.024`. With smaller steps the run reaches 1.694
# (within 0.001: red cells) once it has enough epochs; just above the limit
# it keeps bouncing around the minimum; larger steps throw it over the local
# maximum at 0.682 into the *other* basin, the local minimum at 0 (blue), or
# out of the picture entirely (grey crosses: the iterate is beyond
# :math:`|x| = 3` and growing, or already overflowed, which
# :func:`~skgd.optimize.minimize` reports with ``status=2``). Each cell shows the
# final :math:`x`.

poly_rates = [0.001, 0.002, 0.004, 0.007, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06]
poly_rates += [0.1, 0.2]
poly_end = np.full((len(poly_rates), len(EPOCHS)), np.nan)
poly_diverged = np.zeros(poly_end.shape, dtype=bool)
for i, rate in enumerate(poly_rates):
    for j, epochs in enumerate(EPOCHS):
        res = minimize(
            polynomial, 1.0, jac=True, learning_rate_init=rate, max_iter=epochs, tol=0
        )
        # an overflow (status 2), or on its way to one
        poly_diverged[i, j] = res.status == 2 or abs(float(res.x)) > 3
        if not poly_diverged[i, j]:
            poly_end[i, j] = float(res.x)

print("polynomial from x0 = 1: final x after 1000 epochs")
for rate, end, diverged in zip(
    poly_rates, poly_end[:, -1], poly_diverged[:, -1], strict=True
):
    print(f"  lr = {rate:7.4f}: " + ("diverged" if diverged else f"x = {end:8.4f}"))

# %%
# Linear regression on the diabetes data
# --------------------------------------
# 442 patients, 10 standardized features, the target standardized too. The
# model minimizes half the mean squared error; its minimum, 0.2411, comes
# from the closed-form least-squares fit. Full-batch gradient descent is
# stable for steps below :math:`2/\lambda_{max}` where :math:`\lambda_{max}`
# is the largest eigenvalue of :math:`X^\top X / n`; the smallest eigenvalue
# sets how slowly the last bit of the loss goes. The heatmap shows the gap
# to the minimum (log scale); crosses mark runs that ended with a loss above
# the initial one (diverged: the estimator stops a run whose loss overflows,
# with a :class:`~skgd.DivergenceWarning`, silenced here).

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
optimum = 0.5 * np.mean((LinearRegression().fit(X, y).predict(X) - y) ** 2)
initial = 0.5 * np.mean(y**2)  # the weights start at zero
eigenvalues = np.linalg.eigvalsh(X.T @ X / len(X))
print(
    f"\ndiabetes: loss at the start {initial:.4f}, at the minimum {optimum:.4f}; "
    f"stable steps below 2 / {eigenvalues[-1]:.3f} = {2 / eigenvalues[-1]:.3f} "
    f"(smallest eigenvalue {eigenvalues[0]:.4f})"
)

reg_rates = np.geomspace(0.001, 1.0, 13)
reg_gap = np.full((len(reg_rates), len(EPOCHS)), np.nan)
reg_diverged = np.zeros(reg_gap.shape, dtype=bool)
for i, rate in enumerate(reg_rates):
    for j, epochs in enumerate(EPOCHS):
        model = GDRegressor(
            optimizer="sgd",
            penalty=None,
            learning_rate_init=rate,
            batch_size="full",
            max_iter=epochs,
            tol=None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            model.fit(X, y)
        with np.errstate(over="ignore", invalid="ignore"):
            loss = 0.5 * np.mean((model.predict(X) - y) ** 2)
        reg_diverged[i, j] = not loss <= initial
        if not reg_diverged[i, j]:
            reg_gap[i, j] = loss - optimum

print("final training loss - minimum")
print(f"  {'lr':>7} " + " ".join(f"{e:>8d}" for e in EPOCHS))
for rate, gaps, diverged in zip(reg_rates, reg_gap, reg_diverged, strict=True):
    cells = [
        "diverged" if d else f"{g:8.1e}" for g, d in zip(gaps, diverged, strict=True)
    ]
    print(f"  {rate:7.4f} " + " ".join(cells))

# %%
# The two grids
# -------------
# Read each grid along a row (more epochs at a fixed step) or along a column
# (a larger step for a fixed budget): the best learning rate depends on the
# budget, and above the stability limit (dashed line, :math:`2/f''` at the
# minimum for the polynomial, :math:`2/\lambda_{max}` for the regression)
# more epochs do not help.

fig, (ax_poly, ax_reg) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
# where each run ended: 0 global minimum, 1 local minimum 0, 2 elsewhere
GLOBAL_MIN = np.sqrt((5 + np.sqrt(13)) / 3)
ending = np.where(np.abs(poly_end - GLOBAL_MIN) < 1e-3, 0.0, 2.0)
ending[np.abs(poly_end) < 1e-3] = 1.0
ending[poly_diverged] = np.nan
colors = ["tab:red", "tab:blue", "lightyellow"]
image = draw_grid(
    ax_poly,
    ending,
    poly_rates,
    cmap=plt.matplotlib.colors.ListedColormap(colors),
    norm=plt.matplotlib.colors.BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
    failed=poly_diverged,
    limit=2 / 82.7,
)
for (i, j), end in np.ndenumerate(poly_end):
    if not poly_diverged[i, j]:
        color = "black" if ending[i, j] == 2 else "white"
        ax_poly.text(
            j,
            i,
            f"{round(end, 2) + 0.0:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            c=color,
        )
colorbar = fig.colorbar(image, ax=ax_poly, ticks=[0, 1, 2])
colorbar.ax.set_yticklabels(
    ["global min\n1.694", "local min\n0", "elsewhere\n(moving or\nbouncing)"]
)
ax_poly.set_title(r"$x^6 - 5x^4 + 4x^2$ from $x_0 = 1$: final $x$")

image = draw_grid(
    ax_reg,
    reg_gap,
    reg_rates,
    cmap="viridis",
    norm=plt.matplotlib.colors.LogNorm(1e-6, 0.3),
    failed=reg_diverged,
    limit=2 / eigenvalues[-1],
)
fig.colorbar(image, ax=ax_reg, label="final training loss - minimum")
ax_reg.set_title("GDRegressor (full batch) on diabetes: training loss")
fig.suptitle(
    "Learning rate x epochs. Grey with a cross: diverged; "
    "dashed line: stability limit 2 / curvature"
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
fig.savefig(output_dir / "seed_learning_rate_epochs.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
