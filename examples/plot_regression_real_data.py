"""
====================================================
Regression on real data: scaling features and target
====================================================

Gradient descent is sensitive to the scale of the data: the features set
the curvature of the loss, and for regression the target sets the size of
the gradients (see :ref:`scaling-features` and :ref:`scaling-target`). This
example trains :class:`~skgd.linear_model.GDRegressor` on scikit-learn's
diabetes data in its original units (ages in years, blood pressure in mm
Hg, the target a disease-progression score around 150) and shows what
each kind of scaling does:

- the features standardised by a
  :class:`~sklearn.preprocessing.StandardScaler` in a
  :class:`~sklearn.pipeline.Pipeline`;
- the target standardised inside the regressor (``scale_target=True``, the
  default), which is the same fit as a
  :class:`~sklearn.compose.TransformedTargetRegressor` with a
  ``StandardScaler``;
- for a skewed target, the logarithm through ``TransformedTargetRegressor``.

The results are compared with scikit-learn's
:class:`~sklearn.linear_model.SGDRegressor` and the exact least-squares
solution of :class:`~sklearn.linear_model.LinearRegression`.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import DivergenceWarning, GDRegressor
from skgd.plotting import LossCurveDisplay

# %%
# The data in its own units
# -------------------------
# ``scaled=False`` keeps the ten features as measured: their standard
# deviations range from 0.5 (sex, coded 1 and 2) to 35 (a blood serum
# measurement), and the target has a mean of 152.

X, y = load_diabetes(return_X_y=True, scaled=False)
spread = X.std(axis=0)
print(f"{X.shape[0]} patients, {X.shape[1]} features")
print(f"feature standard deviations from {spread.min():.2f} to {spread.max():.1f}")
print(f"target: mean {y.mean():.1f}, standard deviation {y.std():.1f}")

# %%
# Unscaled features make the first steps diverge
# ----------------------------------------------
# With features in the tens and hundreds, one step of Adam (at its default
# ``learning_rate_init`` of 0.01 for linear models) changes the predictions
# by many standard deviations of the target, and the loss grows instead of
# falling. The regressor notices within the first epoch, restores the best
# weights it has seen (here the starting ones, which predict the mean) and
# says why in a :class:`~skgd.DivergenceWarning`, so its R² is about 0.

X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DivergenceWarning)
    raw = GDRegressor(random_state=0).fit(X_train, y_train)
for warning in caught:
    print(f"{type(warning.message).__name__}: {warning.message}")
print(f"epochs run: {raw.n_iter_}, test R²: {raw.score(X_test, y_test):.3f}")

# %%
# Five models, cross-validated
# ----------------------------
# Each model is scored by its R² on five held-out folds; the scaler is part
# of each pipeline, so it is fitted on the training folds only.
#
# - ``GDRegressor, no scaling``: the diverging fit above.
# - ``GDRegressor``: standardised features, standardised target (default).
# - ``scale_target=False``: standardised features, raw target. Adam's steps
#   have a size of about ``learning_rate_init`` whatever the gradient, so
#   the intercept creeps towards 152 by about 0.01 per update: after the
#   1000 epochs of ``max_iter`` (2 updates each) it has not got there.
# - scikit-learn's ``SGDRegressor`` (per-sample SGD, standardised features)
#   and ``LinearRegression`` (the exact least-squares fit).

models = {
    "GDRegressor, no scaling": GDRegressor(random_state=0),
    "GDRegressor": make_pipeline(StandardScaler(), GDRegressor(random_state=0)),
    "GDRegressor(scale_target=False)": make_pipeline(
        StandardScaler(), GDRegressor(scale_target=False, random_state=0)
    ),
    "SGDRegressor": make_pipeline(StandardScaler(), SGDRegressor(random_state=0)),
    "LinearRegression": make_pipeline(StandardScaler(), LinearRegression()),
}
cv = KFold(n_splits=5, shuffle=True, random_state=0)
scores = {}
with warnings.catch_warnings():
    # the diverging and the unfinished fits warn on every fold
    warnings.simplefilter("ignore")
    for name, model in models.items():
        scores[name] = cross_val_score(model, X, y, cv=cv)

print(f"{'model':<32} {'R² (mean ± std over 5 folds)':>29}")
for name, fold_scores in scores.items():
    print(f"{name:<32} {fold_scores.mean():>20.3f} ± {fold_scores.std():.3f}")

# %%
# With both kinds of scaling, the gradient-descent fit is as good as the
# exact least-squares solution; without either, it is no model at all.
#
# The training losses of the two scaled pipelines, fitted on one training
# split, show the difference: ``loss_curve_`` is reported in the target's
# units (half the mean squared error) in both cases, so the curves can be
# compared directly. The default stops after a few dozen epochs, once the
# loss stops improving by ``tol``; the other is still far from the optimum
# after 1000.

scaled_target = models["GDRegressor"].fit(X_train, y_train)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # max_iter reached
    raw_target = models["GDRegressor(scale_target=False)"].fit(X_train, y_train)
for name, pipe in [("scale_target=True", scaled_target), ("False", raw_target)]:
    reg = pipe[-1]
    print(
        f"{name:>17}: {reg.n_iter_:4d} epochs, intercept_ {reg.intercept_[0]:6.1f}, "
        f"final training loss {reg.loss_curve_[-1]:7.1f}"
    )

fig, (ax_r2, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
names = list(scores)
means = np.array([scores[name].mean() for name in names])
stds = np.array([scores[name].std() for name in names])
shown = means > 0  # a negative R² (worse than predicting the mean) is off the scale
ax_r2.barh(names, np.where(shown, means, 0), xerr=np.where(shown, stds, 0))
for i, (mean, std) in enumerate(zip(means, stds, strict=True)):
    ax_r2.text(max(mean + std, 0) + 0.01, i, f"{mean:.2f}", va="center")
ax_r2.invert_yaxis()
ax_r2.set(xlim=(0, 0.75), xlabel="R² (mean and std over 5 folds; below 0 not drawn)")
ax_r2.set_title("Diabetes progression, original units")

for name, pipe in [("scale_target=True", scaled_target), ("False", raw_target)]:
    LossCurveDisplay.from_estimator(pipe[-1], ax=ax_loss, name=name, log_scale=True)
ax_loss.set(xscale="log", xlabel="Epoch (log scale)")
ax_loss.set_title("Training loss, standardised features")

# %%
# ``scale_target`` is a built-in ``TransformedTargetRegressor``
# -------------------------------------------------------------
# Standardising the target inside the regressor is the same fit as
# standardising it outside with scikit-learn's
# :class:`~sklearn.compose.TransformedTargetRegressor` and training on the
# result with ``scale_target=False``: the predictions agree to rounding.
# The built-in option saves the wrapper and reports ``coef_`` and
# ``intercept_`` in the target's units.

wrapped = make_pipeline(
    StandardScaler(),
    TransformedTargetRegressor(
        regressor=GDRegressor(scale_target=False, random_state=0),
        transformer=StandardScaler(),
    ),
).fit(X_train, y_train)
difference = np.abs(wrapped.predict(X_test) - scaled_target.predict(X_test)).max()
print(f"largest difference between the predictions: {difference:.1e}")

# %%
# A skewed target: fit its logarithm
# ----------------------------------
# Standardising shifts and rescales the target but does not change its
# shape. A positive target whose logarithm is linear in the features (a
# cost, a duration, a count of events) is right-skewed: a few large values
# dominate the squared error of a linear model. There is no such target in
# the bundled data, so we draw one on the same features: its logarithm is
# linear in four of them, plus noise.
#
# ``TransformedTargetRegressor`` with ``func=np.log`` fits the linear model
# to the logarithm and returns ``np.exp`` of its predictions.

rng = np.random.RandomState(0)
weights = np.array([0, 0, 0.5, 0.3, -0.2, 0, 0, 0, 0.4, 0])
log_target = 3 + StandardScaler().fit_transform(X) @ weights
skewed = np.exp(log_target + 0.25 * rng.normal(size=len(X)))
print(f"skewed target: median {np.median(skewed):.0f}, max {skewed.max():.0f}")

linear = make_pipeline(StandardScaler(), GDRegressor(random_state=0))
log_linear = TransformedTargetRegressor(
    regressor=make_pipeline(StandardScaler(), GDRegressor(random_state=0)),
    func=np.log,
    inverse_func=np.exp,
)
S_train, S_test, s_train, s_test = train_test_split(X, skewed, random_state=0)
for name, model in [("linear", linear), ("log-linear", log_linear)]:
    model.fit(S_train, s_train)
    print(f"{name:>10}: R² on the test split {model.score(S_test, s_test):.3f}")

# %%
# The linear fit cannot follow the curvature: it predicts negative values
# for the smallest targets, too much in the middle of the range and too
# little for the largest. The log-linear fit stays around the diagonal, with
# errors that grow with the target, as multiplicative noise makes them.

fig_skew, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
for name, model, marker in [("linear", linear, "o"), ("log-linear", log_linear, "s")]:
    ax.scatter(
        s_test, model.predict(S_test), s=14, marker=marker, alpha=0.7, label=name
    )
ax.axline((0, 0), slope=1, color="0.4", linestyle="--", label="perfect prediction")
ax.set(xlabel="True target", ylabel="Predicted target")
ax.set_title("A log-normal target: linear and log-linear GDRegressor")
ax.legend()

# sphinx_gallery_start_ignore
# Save the figures where the smoke test (or a reader running the script)
# finds them; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "regression_real_data.png", dpi=100)
fig_skew.savefig(output_dir / "regression_real_data_skewed.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
