r"""
=====================================================
Batch, stochastic and mini-batch gradient descent
=====================================================

The lecture notes contrast three ways of computing the gradient for one
update:

- **batch gradient descent** (GD): the mean gradient over all :math:`n`
  training samples, one update per epoch;
- **stochastic gradient descent** (SGD): the gradient of one random sample,
  :math:`n` updates per epoch, an unbiased but noisy estimate;
- **mini-batch gradient descent**: the mean over a small random batch, in
  between.

They show the noisy SGD path next to the smooth GD path (with the running
average of the SGD iterates, which is much less noisy), and note that an
epoch of SGD makes :math:`n/m` updates for batches of :math:`m` samples.

Here the three train the same :class:`~skgd.linear_model.GDRegressor`, with
the same plain update rule and the same step size, on two features of
scikit-learn's bundled diabetes data, so that the two weights can be
followed on the contour lines of the training loss.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.plotting import OptimizerPathDisplay

# %%
# Data: two correlated features
# -----------------------------
# Body-mass index and the ``s5`` serum measurement, standardized (their
# correlation, 0.45, tilts and stretches the contour lines); the target is
# standardized too, and there is no intercept, so the model has exactly two
# weights. The loss is half the mean squared error.

data = load_diabetes()
features = [data.feature_names.index(name) for name in ("bmi", "s5")]
X = StandardScaler().fit_transform(data.data[:, features])
y = (data.target - data.target.mean()) / data.target.std()
n_samples = len(X)


def training_loss(w):
    return 0.5 * np.mean((X @ w - y) ** 2)


w_best = np.linalg.lstsq(X, y, rcond=None)[0]
print(f"least-squares weights ({w_best[0]:.3f}, {w_best[1]:.3f}), ", end="")
print(f"minimum loss {training_loss(w_best):.4f}")

# %%
# One update at a time
# --------------------
# To see every update, the loop below draws the mini-batches itself (a new
# random order each epoch, as ``shuffle=True`` does) and hands each batch to
# the estimator: ``fit`` with ``max_iter=1`` makes the first update from the
# chosen starting weights ``coef_init``, and each ``partial_fit`` call on
# the next batch makes one more (a batch of ``batch_size`` samples is one
# update). The estimator's own ``fit`` runs the same loop internally but
# records the loss only once per epoch.
#
# All three runs use plain SGD updates with ``learning_rate_init=0.02`` and
# make 600 updates: 600 epochs of GD, 22 epochs of mini-batches of 16 and
# 1.4 epochs of single-sample SGD.

LEARNING_RATE = 0.02
N_UPDATES = 600
W_START = np.array([-1.0, 1.5])


def train_update_by_update(batch_size, seed=0):
    """Weights after each of N_UPDATES updates, from W_START."""
    rng = np.random.RandomState(seed)
    model = GDRegressor(
        optimizer="sgd",
        penalty=None,
        fit_intercept=False,
        learning_rate_init=LEARNING_RATE,
        batch_size=batch_size,
        max_iter=1,
        tol=None,
    )
    batches = []
    while len(batches) < N_UPDATES:
        order = rng.permutation(n_samples)
        batches += [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]
    path = [W_START]
    for k, rows in enumerate(batches[:N_UPDATES]):
        if k == 0:
            with warnings.catch_warnings():  # one epoch of fit is not convergence
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X[rows], y[rows], coef_init=W_START)
        else:
            model.partial_fit(X[rows], y[rows])
        path.append(model.coef_.ravel().copy())
    return np.array(path)


settings = {
    f"GD (batch of {n_samples})": n_samples,
    "mini-batch of 16": 16,
    "SGD (1 sample)": 1,
}
paths = {name: train_update_by_update(size) for name, size in settings.items()}
losses = {name: np.array([training_loss(w) for w in p]) for name, p in paths.items()}
sgd_path = paths["SGD (1 sample)"]
# moving average of the SGD iterates, over about the last 50 updates
sgd_average = [sgd_path[0]]
for w in sgd_path[1:]:
    sgd_average.append(0.98 * sgd_average[-1] + 0.02 * w)
sgd_average = np.array(sgd_average)

print(f"\n{'':<18} {'epochs':>7} {'final':>9}   over the last 100 updates:")
print(f"{'':<18} {'':>7} {'loss':>9} {'loss std':>9} {'mean distance to optimum':>25}")
for name, size in settings.items():
    epochs = N_UPDATES * size / n_samples
    distance = np.linalg.norm(paths[name][-100:] - w_best, axis=1).mean()
    noise = losses[name][-100:].std()
    print(
        f"{name:<18} {epochs:>7.1f} {losses[name][-1]:>9.5f} {noise:>9.1e} "
        f"{distance:>25.4f}"
    )
distance = np.linalg.norm(sgd_average[-1] - w_best)
print(f"SGD moving average: final distance to optimum {distance:.4f}")

# %%
# The paths of the weights
# ------------------------
# GD follows the steepest-descent curve across the contour lines. SGD
# follows it on average, but each step follows the gradient of a single
# sample's loss, so the path is jagged and keeps jittering around the
# minimum instead of settling; mini-batches of 16 average the pull of 16
# samples and jitter much less. The moving average of the SGD iterates
# (black, over about the last 50 updates) is smooth: it lags behind the
# early progress, and ends closer to the minimum than a typical late SGD
# iterate (see the distances printed above).
# :class:`~skgd.plotting.OptimizerPathDisplay` draws the contours; it takes
# any path, not only a :func:`~skgd.optimize.minimize` result.

xx, yy = np.meshgrid(np.linspace(-1.3, 1.0, 120), np.linspace(-0.2, 1.8, 120))
grid = np.column_stack([xx.ravel(), yy.ravel()])
zz = 0.5 * np.mean((grid @ X.T - y) ** 2, axis=1).reshape(xx.shape)
landscape = (xx, yy, zz)
levels = training_loss(w_best) + np.geomspace(0.002, 1.5, 12)

colors = dict(zip(settings, ("tab:blue", "tab:green", "tab:red"), strict=True))
fig_paths, axes = plt.subplots(
    1, 3, figsize=(14, 4.8), sharex=True, sharey=True, layout="constrained"
)
for ax, name in zip(axes, settings, strict=True):
    OptimizerPathDisplay(paths[name], landscape=landscape, label=name).plot(
        ax=ax,
        levels=levels,
        path_kw={"color": colors[name], "markersize": 1.5, "linewidth": 0.8},
        contour_kw={"cmap": "Greys_r", "linewidths": 0.6},
    )
OptimizerPathDisplay(sgd_average, label="SGD, moving average").plot(
    ax=axes[2], path_kw={"color": "black", "marker": "none", "linewidth": 1.5}
)
for ax, name in zip(axes, settings, strict=True):
    ax.plot(*w_best, "+", color="black", markersize=12, markeredgewidth=2)
    ax.set(title=f"{name}: {N_UPDATES} updates", xlabel="weight of bmi", ylabel="")
    ax.set_aspect("equal")
axes[0].set_ylabel("weight of s5")
for ax in axes[:2]:
    ax.get_legend().remove()  # the titles say it
axes[2].legend(loc="upper right", fontsize="small")
fig_paths.suptitle("Weights after each update (+ marks the least-squares solution)")

# %%
# The loss per update and per epoch
# ---------------------------------
# The training loss on all samples after every update. Per update (left) the
# three make the same progress on average, since each batch's gradient is an
# unbiased estimate of the full one: GD's curve is smooth, the mini-batches'
# follows it with small wiggles, SGD's is noisy, and both stochastic runs
# stall on a noise floor above the minimum, while GD keeps going down. Per
# epoch (right, the same runs with the horizontal axis rescaled by
# :math:`m/n`) the picture turns round: SGD
# makes 442 updates per epoch and reaches its noise floor within the first
# epoch, mini-batches within about 15, while GD needs hundreds of epochs to get
# as low. A decreasing learning rate (see
# :mod:`skgd.schedules`) would lower the floor of the stochastic runs.

fig_loss, (ax_update, ax_epoch) = plt.subplots(
    1, 2, figsize=(12, 4.6), sharey=True, layout="constrained"
)
updates = np.arange(N_UPDATES + 1)
for name, size in settings.items():
    excess = losses[name] - training_loss(w_best)
    # GD drawn last and wider: per update, mini-batches follow it closely
    style = {"color": colors[name], "linewidth": 1, "label": name}
    if size == n_samples:
        style.update(linewidth=2.5, alpha=0.8, zorder=3)
    ax_update.plot(updates, excess, **style)
    ax_epoch.plot(updates * size / n_samples, excess, **style)
ax_update.set(
    yscale="log",
    xlabel="update",
    ylabel="training loss - minimum",
    title="Per update",
)
ax_epoch.set(
    xscale="log",
    yscale="log",
    xlabel="epoch (passes over the 442 samples)",
    title="Per epoch",
)
ax_update.legend(fontsize="small")
fig_loss.suptitle(f"Same step size {LEARNING_RATE} for all three")

# sphinx_gallery_start_ignore
# Save the figures where the smoke test (or a reader running the script)
# finds them; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig_paths.savefig(output_dir / "seed_gd_sgd_minibatch_paths.png", dpi=100)
fig_loss.savefig(output_dir / "seed_gd_sgd_minibatch_loss.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
