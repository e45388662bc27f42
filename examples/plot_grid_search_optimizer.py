"""
=========================================
Tuning the optimizer with a grid search
=========================================

Optimizers and learning-rate schedules are configuration objects with
``get_params``/``set_params``, like scikit-learn estimators. Passed as an
estimator's ``optimizer`` and ``learning_rate``, their hyper-parameters
become nested parameters of the estimator, and of any ``Pipeline`` around
it, so :class:`~sklearn.model_selection.GridSearchCV` tunes them like any
other: here Adam's first-moment decay ``beta1`` and the decay factor
``gamma`` of an exponential schedule, :math:`\\alpha_e = \\alpha_0
\\gamma^e`, for a small multi-layer perceptron on the bundled digits.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd.neural_network import MLPGDClassifier
from skgd.optimizers import Adam
from skgd.schedules import Exponential

# %%
# The pipeline and its nested parameters
# --------------------------------------
# ``make_pipeline`` names the step after the class, so Adam's ``beta1`` is
# ``mlpgdclassifier__optimizer__beta1``. The search clones the pipeline for
# every candidate and fold: the ``Adam`` and ``Exponential`` objects given
# here are never modified, and no optimizer state leaks between fits.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
pipe = make_pipeline(
    StandardScaler(),
    MLPGDClassifier(
        hidden_layer_sizes=(32,),
        optimizer=Adam(),
        learning_rate=Exponential(),
        learning_rate_init=0.01,
        batch_size=64,
        max_iter=10,
        tol=None,
        random_state=0,
    ),
)
tunable = [name for name in pipe.get_params() if "__optimizer__" in name]
tunable += [name for name in pipe.get_params() if "__learning_rate__" in name]
print("tunable optimizer and schedule parameters:", *tunable, sep="\n  ")

# %%
# The search
# ----------
# 5 x 5 candidates, 3-fold cross-validation on the training set, 10 epochs
# per fit.

beta1_values = [0.0, 0.5, 0.8, 0.9, 0.99]
gamma_values = [0.3, 0.5, 0.7, 0.9, 1.0]
search = GridSearchCV(
    pipe,
    {
        "mlpgdclassifier__optimizer__beta1": beta1_values,
        "mlpgdclassifier__learning_rate__gamma": gamma_values,
    },
    cv=3,
)
search.fit(X_train, y_train)

best = search.best_params_
print(
    f"best: beta1={best['mlpgdclassifier__optimizer__beta1']}, "
    f"gamma={best['mlpgdclassifier__learning_rate__gamma']}, "
    f"CV accuracy {search.best_score_:.3f}"
)
print(
    f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}"
)
print("fitted optimizer of the best pipeline:", search.best_estimator_[-1].optimizer_)

# %%
# The scores as a heatmap
# -----------------------
# Rows are ``gamma``, columns ``beta1``. A small ``gamma`` shrinks the step
# size so fast that ten epochs are not enough (with ``gamma=0.3`` the tenth
# epoch uses :math:`0.3^9 \approx 2 \cdot 10^{-5}` of the initial step),
# and within this short budget no decay at all (``gamma=1``) does best.
# ``beta1``, Adam's momentum, matters much less on this problem; only the
# long memory of ``beta1=0.99`` costs a little accuracy in every row.

results = search.cv_results_
scores = np.empty((len(gamma_values), len(beta1_values)))
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    i = gamma_values.index(params["mlpgdclassifier__learning_rate__gamma"])
    j = beta1_values.index(params["mlpgdclassifier__optimizer__beta1"])
    scores[i, j] = score

fig, ax = plt.subplots(figsize=(6.5, 5), layout="constrained")
image = ax.imshow(scores, cmap="viridis", origin="lower")
ax.set(
    xticks=range(len(beta1_values)),
    xticklabels=beta1_values,
    yticks=range(len(gamma_values)),
    yticklabels=gamma_values,
    xlabel="optimizer__beta1 (Adam)",
    ylabel="learning_rate__gamma (Exponential)",
    title="Mean 3-fold CV accuracy",
)
threshold = scores.min() + 0.5 * np.ptp(scores)
for (i, j), score in np.ndenumerate(scores):
    color = "black" if score > threshold else "white"
    ax.text(j, i, f"{score:.3f}", ha="center", va="center", color=color)
fig.colorbar(image, ax=ax, label="accuracy")

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "grid_search_optimizer.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
