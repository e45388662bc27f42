"""
====================================
Progress bars and stopping callbacks
====================================

Every skgd estimator takes scikit-learn's callbacks
(:mod:`sklearn.callback`, set with ``set_callbacks``): a ``fit`` call is a
task and each epoch one of its subtasks, so a callback is told when every
epoch begins and ends, and can stop training by returning True at the end
of one. This example uses scikit-learn's ``ProgressBar`` (it needs the
``rich`` package) and ``ScoringMonitor``, and a callback of our own that
stops once the accuracy on held-out data reaches a target.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skgd.neural_network import MLPGDClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, test_size=0.3, stratify=y, random_state=0
)
params = dict(hidden_layer_sizes=(32,), batch_size=64, random_state=0)

# %%
# A progress bar
# --------------
# ``ProgressBar`` draws one bar per task that has subtasks: here the fit,
# which advances by one step per epoch out of at most ``max_iter`` (with
# ``tol=None``, all of them run). It also
# follows the estimator inside a ``Pipeline`` or ``GridSearchCV`` when it is
# set on the meta-estimator (with ``max_propagation_depth=None`` to reach an
# estimator two levels down).

clf = MLPGDClassifier(max_iter=40, tol=None, **params).set_callbacks(ProgressBar())
clf.fit(X_train, y_train)
print(f"epochs: {clf.n_iter_}, test accuracy: {clf.score(X_test, y_test):.3f}")
print(f"stopped because: {clf.stop_reason_}")

# %%
# A callback that stops training
# ------------------------------
# A callback is any object with the methods ``setup``, ``teardown``,
# ``on_fit_task_begin`` and ``on_fit_task_end``. A hook that declares the
# keyword argument ``fitted_estimator`` receives a copy of the estimator
# that predicts with the weights of that moment; skgd builds the copy only
# for hooks that ask for it, so other callbacks cost nothing extra. This
# one scores that copy on held-out data after every epoch and asks to stop
# once the accuracy reaches ``target``.


class StopAtAccuracy:
    """Stop training once the accuracy on ``(X, y)`` reaches ``target``."""

    def __init__(self, X, y, target):
        self.X, self.y, self.target = X, y, target
        self.scores = []

    def setup(self, estimator, context):
        self.scores = []

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch":
            return False  # the end of the whole fit
        self.scores.append(fitted_estimator.score(self.X, self.y))
        return self.scores[-1] >= self.target


# %%
# ``ScoringMonitor`` records the training accuracy of every epoch alongside.
# When the callback stops training, the fit ends as the stopping rules end
# it (with ``early_stopping``, the weights of the best validation loss are
# restored) and ``stop_reason_`` names the callback.

stopper = StopAtAccuracy(X_test, y_test, target=0.95)
monitor = ScoringMonitor(scoring="accuracy")
clf = MLPGDClassifier(max_iter=200, **params).set_callbacks(stopper, monitor)
clf.fit(X_train, y_train)
print(f"stopped because: {clf.stop_reason_}")
print(f"epochs: {clf.n_iter_}, held-out accuracy: {stopper.scores[-1]:.3f}")

train_scores = [
    row["accuracy"] for row in monitor.get_logs().data if row["task_name"] == "epoch"
]
for epoch in (1, clf.n_iter_ // 2, clf.n_iter_):
    print(
        f"epoch {epoch:3d}: training accuracy {train_scores[epoch - 1]:.3f}, "
        f"held-out accuracy {stopper.scores[epoch - 1]:.3f}"
    )

# %%
# The accuracies per epoch
# ------------------------

epochs = np.arange(1, clf.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(epochs, train_scores, label="training (ScoringMonitor)")
ax.plot(epochs, stopper.scores, label="held-out (StopAtAccuracy)")
ax.axhline(stopper.target, color="0.6", linestyle=":", label="target")
ax.axvline(clf.n_iter_, color="black", linestyle="--", label="stopped")
ax.set_xlabel("epoch")
ax.set_ylabel("accuracy")
ax.set_title("MLPGDClassifier on digits, stopped by a callback")
ax.legend(loc="lower right")

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "callbacks.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
