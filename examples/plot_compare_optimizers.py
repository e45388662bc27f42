"""
====================
Comparing optimizers
====================

Every optimizer of :mod:`skgd.optimizers` trains the same small multi-layer
perceptron on scikit-learn's bundled hand-written digits, for the same number
of epochs with the same mini-batches. Each optimizer gets four learning
rates around its usual default (plain SGD needs much larger steps than Adam,
whose steps are normalised by the gradient's scale), and the one with the
lowest final training loss is kept.

The first figure shows the training loss per epoch at the kept learning rate
and the accuracy on held-out data; the second how sensitive each optimizer is
to its learning rate.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgd import DivergenceWarning
from skgd.neural_network import MLPGDClassifier
from skgd.optimizers import OPTIMIZER_NAMES

# %%
# Data and model
# --------------
# 1797 images of 8x8 pixels, ten classes; three quarters for training. One
# hidden layer of 32 ReLU units, mini-batches of 64 samples, 20 epochs, and
# ``tol=None`` so that every run makes the same number of epochs.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def make_model(optimizer, learning_rate_init):
    return MLPGDClassifier(
        hidden_layer_sizes=(32,),
        optimizer=optimizer,
        learning_rate_init=learning_rate_init,
        batch_size=64,
        max_iter=20,
        tol=None,
        random_state=0,
    )


# %%
# Four learning rates per optimizer
# ---------------------------------
# The second value is a common default for each rule: 0.1 for plain SGD,
# 0.01 with momentum (which multiplies the effective step by about
# :math:`1/(1-\mu) = 10`), 0.01 for Adagrad and Rprop (Rprop's is its
# initial step size), 1.0 for Adadelta (whose learning rate only scales its
# self-normalised step), 0.001 for RMSprop and the Adam family. The others
# are 10 times smaller, 10 and 100 times larger. A run whose loss becomes
# non-finite is stopped by the estimator, which warns and keeps the last
# finite weights (the warning is silenced here); such a run, or one that ends
# with a higher loss than its first epoch, is marked as failed.

base_rates = {
    "sgd": 0.1,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.01,
    "adadelta": 1.0,
    "rmsprop": 0.001,
    "adam": 0.001,
    "adamw": 0.001,
    "nadam": 0.001,
    "amsgrad": 0.001,
    "rprop": 0.01,
}
assert set(base_rates) == set(OPTIMIZER_NAMES)  # every optimizer is compared
multipliers = (0.1, 1.0, 10.0, 100.0)


def final_training_loss(model):
    """Training objective of the last epoch; NaN for a run that failed."""
    diverged = model.n_iter_ < model.max_iter  # with tol=None only divergence stops
    if diverged or model.loss_curve_[-1] > model.loss_curve_[0]:
        return np.nan
    return model.loss_curve_[-1]


runs = {}  # optimizer name -> list of (learning rate, model, final loss)
for name, base in base_rates.items():
    runs[name] = []
    for factor in multipliers:
        learning_rate_init = base * factor
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            model = make_model(name, learning_rate_init).fit(X_train, y_train)
        runs[name].append((learning_rate_init, model, final_training_loss(model)))

best = {
    name: min((fit for fit in fits if np.isfinite(fit[2])), key=lambda fit: fit[2])
    for name, fits in runs.items()
}

print(f"{'optimizer':<10} {'best lr':>8} {'train loss':>11} {'test acc':>9}  failed at")
for name, (learning_rate_init, model, loss) in best.items():
    failed = [f"{lr:g}" for lr, _, final in runs[name] if np.isnan(final)]
    print(
        f"{name:<10} {learning_rate_init:>8.4g} {loss:>11.4f} "
        f"{model.score(X_test, y_test):>9.3f}  {', '.join(failed) or '-'}"
    )

# %%
# Loss curves and held-out accuracy
# ---------------------------------
# The training loss is the objective the optimizer minimises: the mean
# cross-entropy plus the L2 penalty (``alpha=1e-4``), averaged over the
# mini-batches of each epoch. All runs share the initial weights and the order
# of the mini-batches (``random_state=0``), which is why their curves bump at
# the same epochs. Line styles group the families: plain and momentum SGD
# (solid), the accumulators Adagrad, Adadelta and RMSprop (dashed), the Adam
# family (dash-dot) and Rprop (dotted). Rprop uses only the sign of the gradient and
# is designed for full batches; on mini-batches the signs are noisy and it
# falls behind.

styles = {"sgd": "-", "momentum": "-", "nesterov": "-", "adagrad": "--"}
styles.update({"adadelta": "--", "rmsprop": "--", "rprop": ":"})
palette = plt.colormaps["tab20"].colors[::2] + ("black",)  # 11 distinct colours
colors = dict(zip(base_rates, palette, strict=True))

fig, (ax_loss, ax_acc) = plt.subplots(
    1, 2, figsize=(11, 4.5), width_ratios=(3, 2), layout="constrained"
)
for name, (learning_rate_init, model, _) in best.items():
    epochs = np.arange(1, model.n_iter_ + 1)
    ax_loss.plot(
        epochs,
        model.loss_curve_,
        linestyle=styles.get(name, "-."),
        color=colors[name],
        label=f"{name} (lr={learning_rate_init:.3g})",
    )
ax_loss.set(
    xlabel="Epoch",
    ylabel="Training loss (log scale)",
    yscale="log",
    title="Training loss at each optimizer's best learning rate",
)
ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
ax_loss.legend(fontsize="small", ncols=2)

names = list(best)
accuracies = [best[name][1].score(X_test, y_test) for name in names]
ax_acc.barh(names, accuracies, color=[colors[name] for name in names])
ax_acc.set(
    xlim=(min(accuracies) - 0.03, 1.0),
    xlabel="Test accuracy",
    title="Held-out accuracy after 20 epochs",
)
ax_acc.invert_yaxis()
for i, accuracy in enumerate(accuracies):
    ax_acc.text(accuracy, i, f" {accuracy:.3f}", va="center", fontsize="small")

# %%
# Sensitivity to the learning rate
# --------------------------------
# Final training loss for each of the four learning rates tried; a failed run
# leaves its point out. A flat
# line is an optimizer that forgives a badly chosen step size; within a budget
# of 20 epochs most rules prefer the largest step that does not blow up.

fig_lr, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
for name, fits in runs.items():
    rates = [learning_rate_init for learning_rate_init, _, _ in fits]
    losses = [loss for _, _, loss in fits]
    ax.plot(
        rates,
        losses,
        marker="o",
        linestyle=styles.get(name, "-."),
        color=colors[name],
        label=name,
    )
ax.set(
    xscale="log",
    yscale="log",
    xlabel="learning_rate_init",
    ylabel="Final training loss",
    title="Learning-rate sensitivity (4 rates per optimizer)",
)
ax.legend(fontsize="small", ncols=2)

# sphinx_gallery_start_ignore
# Save the figures where the smoke test (or a reader running the script)
# finds them; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "compare_optimizers.png", dpi=100)
fig_lr.savefig(output_dir / "compare_optimizers_learning_rate.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
