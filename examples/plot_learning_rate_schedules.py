"""
=======================
Learning-rate schedules
=======================

Plain mini-batch SGD with a constant step size does not settle at the
minimum: every step follows the gradient of a few samples, so near the optimum
the iterates keep jittering at a distance that grows with the step size. A
schedule that shrinks the step over time removes that noise floor.

Every schedule of :mod:`skgd.schedules` trains the same linear regression on
scikit-learn's bundled diabetes data, with mini-batches of 4 samples and the
same base step size :math:`\\alpha_0`. The left panel shows the step size each
schedule gives, computed by the schedule objects themselves; the right panel
the resulting training loss, next to the exact least-squares optimum.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.schedules import (
    Constant,
    Cosine,
    Exponential,
    InverseTime,
    InvScaling,
    InvSqrt,
    Plateau,
    Step,
    Warmup,
)

# %%
# Data and the best possible fit
# ------------------------------
# Standardised features and target. Without a penalty (``alpha=0``) the
# training objective is :math:`\frac{1}{2n}\sum_i (y_i - \hat y_i)^2`, whose
# minimum the closed-form least-squares fit gives exactly.

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
optimum = 0.5 * mean_squared_error(y, LinearRegression().fit(X, y).predict(X))
print(f"least-squares optimum of the training loss: {optimum:.5f}")

# %%
# The schedules
# -------------
# Most schedules change the step size once per epoch (``unit = "epoch"``);
# :class:`~skgd.schedules.InvScaling` and :class:`~skgd.schedules.Warmup`
# change it at every update (``unit = "step"``). :class:`~skgd.schedules.Plateau`
# divides it whenever the training loss stops improving, so its steps depend
# on the run. ``Warmup`` ramps up over its first 300 updates (a little under
# three epochs here) and then follows a cosine.

schedules = {
    "constant": Constant(),
    "inverse_time": InverseTime(decay=0.3),
    "exponential": Exponential(gamma=0.85),
    "step": Step(step_size=8, gamma=0.3),
    "inv_sqrt": InvSqrt(),
    "invscaling": InvScaling(power_t=0.5),
    "cosine": Cosine(),
    "warmup": Warmup(warmup_steps=300, after=Cosine()),
    "plateau": Plateau(factor=0.5, patience=1, threshold=1e-3),
}
learning_rate_init, batch_size, n_epochs = 0.1, 4, 30

models = {
    name: GDRegressor(
        optimizer="sgd",
        learning_rate=schedule,
        learning_rate_init=learning_rate_init,
        batch_size=batch_size,
        alpha=0.0,
        max_iter=n_epochs,
        tol=None,
        random_state=0,
    ).fit(X, y)
    for name, schedule in schedules.items()
}

# %%
# The step sizes, from the schedule objects
# -----------------------------------------
# A schedule is a plain configuration object: ``rate(lr0, state)`` gives the
# step size for the training progress in ``state`` (epochs and updates
# completed), and ``observe(state, loss)`` records the loss at the end of
# each epoch (only ``Plateau`` reacts to it). Replaying a fitted model's
# ``schedule_`` with its ``loss_curve_`` gives exactly the step sizes that
# training used.


def step_sizes(model, n_samples):
    """Step size of every update of a fitted model, replaying its schedule."""
    schedule = model.schedule_
    updates_per_epoch = -(-n_samples // batch_size)  # ceil
    state = {"epoch": 0, "step": 0, "max_iter": model.max_iter}
    state.update(schedule.init_state())
    rates = []
    for loss in model.loss_curve_:
        for _ in range(updates_per_epoch):
            rates.append(schedule.rate(model.learning_rate_init, state))
            state["step"] += 1
        schedule.observe(state, loss)
        state["epoch"] += 1
    return np.array(rates), updates_per_epoch


print(
    f"{'schedule':<13} {'unit':<6} {'last step':>10} {'final loss':>11} "
    f"{'above optimum':>14} {'R^2':>6}"
)
for name, model in models.items():
    rates, _ = step_sizes(model, X.shape[0])
    final = 0.5 * mean_squared_error(y, model.predict(X))
    print(
        f"{name:<13} {model.schedule_.unit:<6} {rates[-1]:>10.2e} "
        f"{final:>11.5f} {final - optimum:>14.2e} {model.score(X, y):>6.3f}"
    )

# %%
# Step sizes and loss curves side by side
# ---------------------------------------
# The constant step size stalls well above the optimum, its loss jumping from
# epoch to epoch; every decaying schedule gets within a few thousandths of it.
# ``invscaling`` decays per update from the very first one, so it is the
# quickest to settle, and the slowest to move once settled. ``warmup``
# (dashed) follows ``cosine`` once its ramp is over.
# ``loss_curve_`` averages the mini-batch losses seen during each epoch, so
# it carries the same noise as the steps.

fig, (ax_rate, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
colors = dict(zip(schedules, plt.colormaps["tab10"].colors, strict=False))
for name, model in models.items():
    rates, per_epoch = step_sizes(model, X.shape[0])
    epochs = np.arange(len(rates)) / per_epoch  # fractional epochs, from 0
    style = {"color": colors[name], "label": name}
    style["linestyle"] = "--" if name == "warmup" else "-"
    ax_rate.plot(epochs, rates, **style)
    ax_loss.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_, **style)
ax_rate.set(
    xlabel="Epoch",
    ylabel="Step size (log scale)",
    yscale="log",
    title=rf"Step size per update ($\alpha_0$ = {learning_rate_init})",
)
ax_rate.legend(fontsize="small", ncols=2)
ax_loss.axhline(optimum, color="black", linestyle="--", label="least-squares optimum")
ax_loss.set(
    xlabel="Epoch",
    ylabel="Training loss (mean over the epoch)",
    ylim=(optimum * 0.98, optimum * 1.35),
    title="Training loss per epoch, batch_size=4",
)
ax_loss.legend(fontsize="small", ncols=2)

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "learning_rate_schedules.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
