"""
==============
Early stopping
==============

A wide multi-layer perceptron trained on a few hundred hand-written digits
(scikit-learn's bundled ``load_digits``), a fifth of them with a wrong label,
fits its training set almost perfectly: the training loss keeps falling,
while the loss on held-out data reaches a minimum and climbs back up as the
network memorises the wrong labels.

With early stopping the estimator evaluates the validation loss after every
epoch, stops once it has not improved by ``tol`` for ``n_iter_no_change``
epochs, and **restores the weights of the epoch with the lowest validation
loss**. The validation data is either a random ``validation_fraction`` of the
training set (``early_stopping=True``) or given explicitly to ``fit`` as
``X_val``/``y_val``, the convention of scikit-learn's
``HistGradientBoostingClassifier``; this example does the latter, so that we
can check the restored model on the very same data.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skgd.neural_network import MLPGDClassifier
from skgd.plotting import LossCurveDisplay

# %%
# A small, noisy training set and a large network
# -----------------------------------------------
# 300 training images, 150 validation images, the remaining 1347 for the
# final test. A random 20% of the training labels are replaced by random
# digits, as labelling errors would; the validation and test labels are
# left clean. 256 hidden units and no penalty (``alpha=0``) make overfitting
# easy.

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel intensities in [0, 1]
X_rest, X_test, y_rest, y_test = train_test_split(
    X, y, train_size=450, stratify=y, random_state=0
)
X_train, X_val, y_train, y_val = train_test_split(
    X_rest, y_rest, test_size=150, stratify=y_rest, random_state=0
)
rng = np.random.RandomState(0)
noisy = rng.rand(len(y_train)) < 0.2
y_train = np.where(noisy, rng.randint(0, 10, len(y_train)), y_train)
print(f"training labels redrawn at random: {np.mean(noisy):.0%}")

params = dict(
    hidden_layer_sizes=(256,),
    alpha=0.0,
    learning_rate_init=0.01,
    batch_size=32,
    random_state=0,
)
clf = MLPGDClassifier(max_iter=200, tol=0.0, n_iter_no_change=20, **params)
clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)

# %%
# Where it stopped, and what it kept
# ----------------------------------
# ``validation_loss_curve_`` holds the monitored quantity per epoch and
# ``validation_scores_`` the accuracy. Training ran ``n_iter_`` epochs, the
# last ``n_iter_no_change`` of them without improvement; the fitted weights
# are those of the best epoch, so the model's validation accuracy is
# ``best_validation_score_``.

best_epoch = int(np.argmin(clf.validation_loss_curve_)) + 1
print(f"epochs run: {clf.n_iter_}, best epoch: {best_epoch}")
print(f"lowest validation loss: {min(clf.validation_loss_curve_):.4f}")
print(f"training loss at the best epoch: {clf.loss_curve_[best_epoch - 1]:.4f}")
print(f"training loss at the last epoch: {clf.loss_curve_[-1]:.4f}")
print(f"best_validation_score_: {clf.best_validation_score_:.4f}")
print(f"validation accuracy of the fitted model: {clf.score(X_val, y_val):.4f}")
assert clf.score(X_val, y_val) == clf.best_validation_score_  # restored

# %%
# The same network trained to the last epoch, for comparison: identical
# settings and random state, without early stopping, for ``n_iter_`` epochs.
# Without validation data it makes exactly the same updates, so it holds the
# weights that early stopping discarded.

last = MLPGDClassifier(max_iter=clf.n_iter_, tol=None, **params)
last.fit(X_train, y_train)
assert np.allclose(last.loss_curve_, clf.loss_curve_)  # the same run
print(f"test accuracy, restored best epoch:  {clf.score(X_test, y_test):.4f}")
print(f"test accuracy, weights of the last epoch: {last.score(X_test, y_test):.4f}")

# %%
# Training vs validation loss
# ---------------------------
# :class:`~skgd.plotting.LossCurveDisplay` draws the training and validation
# losses on a logarithmic axis and the validation accuracy on a second axis
# at the right. The dotted line marks the restored epoch; the shaded epochs
# after it are the ``n_iter_no_change`` epochs without improvement. The
# accuracy on 150 validation images moves in steps of 0.67% and is much
# noisier than the loss, which is why skgd monitors the validation loss.

display = LossCurveDisplay.from_estimator(
    clf, name="MLP", log_scale=True, score_kw={"color": "tab:green"}
)
ax = display.ax_
ax.set_title("MLPGDClassifier(hidden_layer_sizes=(256,))")
ax.axvline(best_epoch, color="black", linestyle=":")
ax.axvspan(best_epoch, clf.n_iter_, color="0.9", zorder=0)
ax.annotate(
    f"best epoch {best_epoch}\nvalidation loss {min(clf.validation_loss_curve_):.3f}",
    xy=(best_epoch, min(clf.validation_loss_curve_)),
    xytext=(best_epoch + 2, 1.0),
    arrowprops={"arrowstyle": "->"},
)
display.figure_.set_size_inches(8, 4.5)
display.figure_.set_layout_engine("constrained")
fig = display.figure_

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "early_stopping.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
