"""
================================
Nonlinear regression with an MLP
================================

:class:`~skgd.neural_network.MLPGDRegressor` is a multi-layer perceptron
for regression, trained by the same optimizers, schedules and stopping
rules as the linear models. This example fits it to Friedman's benchmark
function #1, whose target mixes a product inside a sine, a square and
linear terms:

.. math::

    y = 10 \\sin(\\pi x_1 x_2) + 20 (x_3 - 0.5)^2 + 10 x_4 + 5 x_5
        + \\varepsilon,

with five more features that the target does not depend on. It compares
four update rules through their loss curves, drawn on one axes with
:class:`~skgd.plotting.LossCurveDisplay`, and the fits with scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` and a linear model.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd.neural_network import MLPGDRegressor
from skgd.plotting import LossCurveDisplay

# %%
# The data
# --------
# 1500 samples with uniform features in [0, 1] and Gaussian noise of
# standard deviation 1 (so the best possible test R² is about 0.96). A
# quarter is held out for testing.

X, y = make_friedman1(n_samples=1500, n_features=10, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(f"target: mean {y.mean():.1f}, standard deviation {y.std():.1f}")

linear = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
print(f"linear model, test R²: {linear.score(X_test, y_test):.3f}")

# %%
# Four optimizers, one network
# ----------------------------
# Two hidden layers of 64 and 32 ReLU units, mini-batches of 32 samples,
# the features standardised. Each optimizer runs with its own default step
# size (``learning_rate_init="auto"``; the value used is in
# ``learning_rate_init_``), and training stops once the training loss has
# not improved by ``tol`` for ``n_iter_no_change=10`` epochs. The target
# needs no scaling by hand: the regressor standardises it internally and
# reports ``loss_curve_`` (half the mean squared error) in its units.

network = dict(hidden_layer_sizes=(64, 32), batch_size=32, max_iter=300)
models = {}
for optimizer in ["sgd", "momentum", "rmsprop", "adam"]:
    models[optimizer] = make_pipeline(
        StandardScaler(),
        MLPGDRegressor(optimizer=optimizer, random_state=0, **network),
    ).fit(X_train, y_train)

header = ("optimizer", "step size", "epochs", "train loss", "test R²")
print("{:<10} {:>9} {:>6} {:>10} {:>7}".format(*header))
for name, pipe in models.items():
    reg = pipe[-1]
    print(
        f"{name:<10} {reg.learning_rate_init_:>9g} {reg.n_iter_:>6d} "
        f"{reg.loss_curve_[-1]:>10.3f} {pipe.score(X_test, y_test):>7.3f}"
    )

# %%
# scikit-learn's MLPRegressor
# ---------------------------
# The same network, batch size and stopping rule, trained with its default
# Adam at a step size of 0.001. Its ``alpha`` is divided by the number of
# samples, so at the same value it regularises less than skgd's; with the
# default ``alpha=1e-4`` both penalties are negligible here. It uses all of
# its 300 epochs (and warns that it has not converged).

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    sklearn_mlp = make_pipeline(
        StandardScaler(), MLPRegressor(random_state=0, **network)
    ).fit(X_train, y_train)
print(
    f"MLPRegressor: {sklearn_mlp[-1].n_iter_} epochs, "
    f"train loss {sklearn_mlp[-1].loss_curve_[-1]:.3f}, "
    f"test R² {sklearn_mlp.score(X_test, y_test):.3f}"
)

# %%
# The loss curves on one axes
# ---------------------------
# ``LossCurveDisplay.from_estimator`` draws on the axes it is given, each
# display in the next color, with one legend for all; it also takes
# scikit-learn's MLP estimators, whose ``loss_curve_`` is the same half
# mean squared error (plus the penalty).
#
# At their default step sizes the four update rules follow similar paths;
# RMSprop falls fastest at first and stops first, Adam ends lowest.
# ``MLPRegressor`` trains on the raw target, whose mean of 14 its output
# layer has to learn first: it starts from a loss about ten times higher
# (that of predicting 0) and needs some 80 epochs to catch up, which is
# what the target standardisation of skgd's regressors saves. Training
# losses below the grey line (half the noise variance) are the networks
# beginning to fit the noise. All the networks reach a test R² around 0.9,
# far above the linear model's.

fig, (ax_loss, ax_r2) = plt.subplots(
    1, 2, figsize=(11, 4.5), layout="constrained", width_ratios=[3, 2]
)
for name, pipe in models.items():
    LossCurveDisplay.from_estimator(pipe[-1], ax=ax_loss, name=name, log_scale=True)
LossCurveDisplay.from_estimator(
    sklearn_mlp[-1],
    ax=ax_loss,
    name="MLPRegressor",
    loss_kw=dict(color="black", linestyle=":"),
)
ax_loss.axhline(0.5, color="0.6", linewidth=1)  # half the noise variance
ax_loss.set_title("MLPs on Friedman #1: training loss")

fits = {**models, "MLPRegressor": sklearn_mlp, "linear": linear}
r2 = {name: pipe.score(X_test, y_test) for name, pipe in fits.items()}
ax_r2.barh(list(r2), list(r2.values()), color="tab:gray")
for i, value in enumerate(r2.values()):
    ax_r2.text(value + 0.005, i, f"{value:.3f}", va="center")
ax_r2.invert_yaxis()
ax_r2.set(xlim=(0.6, 1.0), xlabel="Test R²")
ax_r2.set_title("Held-out fit")

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "mlp_regressor.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
