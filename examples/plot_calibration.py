"""
=======================
Probability calibration
=======================

A classifier's predicted probabilities are *calibrated* when, among the
samples it gives a probability of about 0.8, about 80% are positive. This
example compares the probabilities of three linear classifiers trained by
gradient descent, with a reliability diagram drawn by scikit-learn's
:class:`~sklearn.calibration.CalibrationDisplay` and the Brier score:

- ``GDClassifier(loss="log_loss")``: logistic regression, whose loss is
  minimised by the true probabilities;
- ``GDClassifier(loss="modified_huber")``: a smooth hinge loss, whose
  ``predict_proba`` is, as in scikit-learn's
  :class:`~sklearn.linear_model.SGDClassifier`, the decision function
  clipped to [-1, 1] and mapped to [0, 1];
- ``GDClassifier(loss="hinge")``, a linear SVM that has no
  ``predict_proba``, wrapped in a
  :class:`~sklearn.calibration.CalibratedClassifierCV` that learns a map
  from its decision function to probabilities on held-out folds.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.datasets import make_classification
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier

# %%
# The data
# --------
# A binary problem with 20 features, of which only 2 are informative and 10
# are linear combinations of those; 2000 samples to train on and 18 000 to
# draw the reliability diagrams with.

X, y = make_classification(
    n_samples=20_000, n_features=20, n_informative=2, n_redundant=10, random_state=42
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=2_000, random_state=42
)

# %%
# Four classifiers
# ----------------
# ``CalibratedClassifierCV`` fits the hinge-loss classifier on four fifths
# of the training data and learns the map from its decision function to a
# probability on the remaining fifth, five times over, and averages the
# probabilities of the five calibrated classifiers. ``method="sigmoid"``
# fits a logistic curve (Platt scaling); ``method="isotonic"`` fits any
# increasing step function, which is more flexible and needs more data.


def linear(loss):
    return make_pipeline(StandardScaler(), GDClassifier(loss=loss, random_state=0))


classifiers = {
    "log_loss": linear("log_loss"),
    "modified_huber": linear("modified_huber"),
    "hinge + sigmoid": CalibratedClassifierCV(linear("hinge"), method="sigmoid"),
    "hinge + isotonic": CalibratedClassifierCV(linear("hinge"), method="isotonic"),
}
for classifier in classifiers.values():
    classifier.fit(X_train, y_train)

# %%
# Reliability diagram
# -------------------
# Each curve plots, for the test samples binned by their predicted
# probability, the fraction that are positive against the mean predicted
# probability; a calibrated classifier follows the diagonal. The histograms
# below show how the predicted probabilities are spread.

fig = plt.figure(figsize=(10, 9), layout="constrained")
grid = fig.add_gridspec(3, 2)
ax_curve = fig.add_subplot(grid[:2, :])
colors = plt.get_cmap("Dark2").colors
displays = {}
for (name, classifier), color in zip(classifiers.items(), colors, strict=False):
    displays[name] = CalibrationDisplay.from_estimator(
        classifier, X_test, y_test, n_bins=10, name=name, ax=ax_curve, color=color
    )
ax_curve.set_title("Calibration of linear classifiers trained by gradient descent")

ax_hists = [fig.add_subplot(grid[2, 0]), fig.add_subplot(grid[2, 1])]
for i, ((name, display), color) in enumerate(
    zip(displays.items(), colors, strict=False)
):
    ax_hists[i // 2].hist(
        display.y_prob,
        range=(0, 1),
        bins=20,
        histtype="step",
        linewidth=2,
        label=name,
        color=color,
    )
for ax in ax_hists:
    ax.set(xlabel="Predicted probability", ylabel="Count (log scale)", yscale="log")
    ax.legend(loc="upper center")

# %%
# Scores
# ------
# The Brier score is the mean squared difference between the predicted
# probability and the outcome (0 or 1), the log loss the mean negative
# log-likelihood; both are lower for better probabilities and reward
# calibration and sharpness together. The ROC AUC depends only on how the
# samples are ranked, and accuracy only on which side of 0.5 they fall, so
# calibration hardly changes either.
#
# The log loss is computed with the probabilities clipped to
# [1e-15, 1 - 1e-15]: it is infinite for a probability of exactly 0 given
# to a positive sample, which ``modified_huber`` and isotonic calibration
# both produce.

print(f"{'':<17} {'Brier':>7} {'log loss':>8} {'ROC AUC':>8} {'accuracy':>8}")
for name, classifier in classifiers.items():
    proba = classifier.predict_proba(X_test)[:, 1]
    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    print(
        f"{name:<17} {brier_score_loss(y_test, proba):>7.4f} "
        f"{log_loss(y_test, clipped):>8.4f} {roc_auc_score(y_test, proba):>8.4f} "
        f"{classifier.score(X_test, y_test):>8.4f}"
    )
    extreme = np.mean((proba == 0) | (proba == 1))
    if extreme:
        print(f"{'':<17} probability exactly 0 or 1 for {extreme:.0%} of the samples")

# %%
# What the diagram shows
# ----------------------
# The log loss is minimised by the true probabilities, but only if the model
# can express them: here each class is a mixture of two clusters, and a
# linear decision function passed through a sigmoid cannot follow that
# (scikit-learn's ``LogisticRegression`` draws the same curve). So even the
# ``log_loss`` probabilities are off, in an S shape: too moderate between
# 0.1 and 0.9, and too confident at the low end, where about 10% of the
# samples given the lowest probabilities are positive. Sigmoid
# calibration fits the same logistic shape to the hinge classifier's
# decision function and ends up where ``log_loss`` is.
#
# ``modified_huber`` has the same S shape and more: its probabilities are a
# linear ramp of the decision function, clipped, so a third of the samples
# get exactly 0 or 1, including some that are misclassified. They rank the
# samples as well as the others (same ROC AUC) but are not estimates of
# frequencies.
#
# Isotonic calibration can learn any increasing map from the decision
# function to a probability; with 400 samples per fold for a
# one-dimensional fit, it follows the diagonal most closely and has the
# lowest Brier score and log loss. Use ``log_loss`` when probabilities
# matter and the model fits the data, and wrap the classifier in
# ``CalibratedClassifierCV`` when it does not (or when its loss has no
# probabilities at all).

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "calibration.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
