"""
=========================
Batch size vs convergence
=========================

The same softmax regression on scikit-learn's bundled hand-written digits,
trained by plain SGD with three batch sizes:

- ``batch_size=1``: per-sample (stochastic) gradient descent, one update per
  sample;
- ``batch_size=32``: mini-batch gradient descent;
- ``batch_size="full"``: batch gradient descent, one update per epoch.

The gradient of a larger batch is less noisy, so it tolerates a larger step:
each batch size gets a step size that suits it (roughly proportional to the
batch size, capped where full-batch descent stays stable).

Per epoch, the small batches win: they make many more updates for the same
pass over the data, while batch gradient descent makes one. Per second of
computation the picture changes: every update costs a fixed Python overhead
plus vectorised arithmetic, so a mini-batch of 32 costs little more than a
single sample and mini-batches make the most progress per second.

Each epoch is one :meth:`~skgd.linear_model.GDClassifier.partial_fit` call,
which keeps the optimizer state and the schedule's progress from the previous
call, so the loop below trains exactly like ``fit`` with the same
``random_state``, while letting us time the epochs and measure the loss on
the whole training set after each one.
"""

import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier

# %%
# Data
# ----
# 1347 training images of 8x8 pixels, ten classes.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
classes = np.unique(y)

# %%
# One epoch per ``partial_fit`` call
# ----------------------------------
# Only the ``partial_fit`` calls are timed; the loss on the whole training set
# (the cross-entropy, without the small L2 penalty) is measured between them.
# Timings depend on the machine, so the numbers printed below vary from run to
# run; the ranking does not.

n_epochs = 12
# batch_size -> learning_rate_init
settings = {1: 0.01, 32: 0.3, "full": 3.0}

curves = {}
for batch_size, learning_rate_init in settings.items():
    label = f"{batch_size}, lr={learning_rate_init}"
    clf = GDClassifier(
        optimizer="sgd",
        learning_rate_init=learning_rate_init,
        batch_size=batch_size,
        random_state=0,
    )
    # the weights start at zero: uniform probabilities, a loss of log(10)
    seconds, losses = [0.0], [np.log(len(classes))]
    for _ in range(n_epochs):
        start = time.perf_counter()
        clf.partial_fit(X_train, y_train, classes=classes)
        seconds.append(seconds[-1] + time.perf_counter() - start)
        losses.append(log_loss(y_train, clf.predict_proba(X_train), labels=classes))
    curves[label] = (np.array(seconds), np.array(losses), clf)

print(
    f"{'batch size, lr':<18} {'updates/epoch':>13} {'s/epoch':>8} "
    f"{'train loss':>11} {'test acc':>9}"
)
for label, (seconds, losses, clf) in curves.items():
    n_train = X_train.shape[0]
    updates = 1 if clf.batch_size == "full" else -(-n_train // clf.batch_size)
    print(
        f"{label:<18} {updates:>13d} {seconds[-1] / n_epochs:>8.4f} "
        f"{losses[-1]:>11.4f} {clf.score(X_test, y_test):>9.3f}"
    )

# %%
# Convergence per epoch and per second
# ------------------------------------
# Both panels show the same runs. Per-sample SGD and mini-batches of 32 make
# about the same progress per epoch, full-batch descent clearly less even
# with its ten-times-larger step. Per second, per-sample SGD pays the fixed
# cost of an update 1347 times per epoch and falls far behind.

fig, (ax_epoch, ax_time) = plt.subplots(
    1, 2, figsize=(11, 4.5), sharey=True, layout="constrained"
)
for label, (seconds, losses, _) in curves.items():
    ax_epoch.plot(np.arange(n_epochs + 1), losses, marker="o", ms=3, label=label)
    ax_time.plot(seconds, losses, marker="o", ms=3, label=label)
ax_epoch.set(
    xlabel="Epoch",
    ylabel="Training loss (log scale)",
    yscale="log",
    title="Per epoch",
)
ax_time.set(xlabel="Training time (s)", title="Per second of training")
ax_epoch.legend(title="batch_size, learning_rate_init")
fig.suptitle("Plain SGD on digits: three batch sizes, each with its own step size")

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "batch_size.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
