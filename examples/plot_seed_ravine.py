r"""
=====================================================
A ravine: fixed step, adaptive steps and momentum
=====================================================

The lecture notes show gradient descent on the ravine

.. math::

    f(\theta) = 10\theta_1^2 + 0.5\theta_2^2, \qquad
    \nabla f(\theta) = (20\theta_1, \theta_2)

(:func:`skgd.benchmark_functions.ravine`): 100 steps with a fixed learning
rate zig-zag across the steep :math:`\theta_1` direction while crawling along
the flat :math:`\theta_2` direction, where 40 steps with an adaptive learning
rate go straight to the minimum; and plain gradient descent (black) against
momentum (red) in such a ravine.

:func:`skgd.optimize.minimize` reproduces both with the optimizer objects the
estimators use. All runs start at :math:`\theta_0 = (1.5, -2)` and stop when
the gradient norm is at most :math:`10^{-6}` (``tol``), so the number of
iterations ``nit`` measures the speed of each method.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skgd import minimize
from skgd.benchmark_functions import ravine
from skgd.optimizers import SGD
from skgd.plotting import OptimizerPathDisplay

X0 = [1.5, -2.0]
TOL = 1e-6


def run(optimizer="sgd", learning_rate_init=0.01, max_iter=10_000):
    return minimize(
        ravine,
        X0,
        jac=True,
        optimizer=optimizer,
        learning_rate_init=learning_rate_init,
        max_iter=max_iter,
        tol=TOL,
    )


# %%
# How many iterations each method needs
# -------------------------------------
# With a constant step :math:`\alpha`, gradient descent multiplies
# :math:`\theta_1` by :math:`1 - 20\alpha` and :math:`\theta_2` by
# :math:`1 - \alpha` at every step. It is stable only for
# :math:`\alpha < 2/20 = 0.1`, and then crawls along :math:`\theta_2`: the best
# of 20 stable constant steps still needs about 150 iterations.
#
# The adaptive methods divide each coordinate's step by a running size of its
# own gradient, so both directions move at the same pace whatever their
# curvature: RMSprop and Adagrad need about 25 iterations. Adam is adaptive
# too, but its first-moment average (:math:`\beta_1 = 0.9`) is a heavy
# momentum that overshoots and circles the minimum, so it is no faster here.
#
# Momentum (``"momentum"``: :math:`\mu = 0.9`, and ``"nesterov"``) is five to
# seven times faster than plain descent *with the same step*. With
# :math:`\mu = 0.9` it oscillates too long to beat the best constant step on
# this mildly conditioned problem; the heavy-ball momentum tuned to the
# curvatures, :math:`\mu = ((\sqrt{20} - 1)/(\sqrt{20} + 1))^2 \approx 0.4`
# with :math:`\alpha = 0.13`, is more than three times faster than the best
# constant step.

stable_rates = [*np.linspace(0.01, 0.099, 19), 2 / 21]
fixed = {rate: run(learning_rate_init=rate) for rate in stable_rates}
best_rate = min(fixed, key=lambda rate: fixed[rate].nit)

runs = {
    f"GD, best fixed step ({best_rate:.3g})": fixed[best_rate],
    "GD, fixed step 0.01": fixed[0.01],
    "RMSprop (lr=0.1)": run("rmsprop", 0.1),
    "Adagrad (lr=1.0)": run("adagrad", 1.0),
    "Adam (lr=0.1)": run("adam", 0.1),
    "momentum 0.9 (lr=0.01)": run("momentum", 0.01),
    "Nesterov 0.9 (lr=0.01)": run("nesterov", 0.01),
    "momentum 0.4 (lr=0.13)": run(SGD(momentum=0.4), 0.13),
}
print(f"{'method':<28} {'iterations to |grad| <= 1e-6':>29}  converged")
for name, res in runs.items():
    print(f"{name:<28} {res.nit:>29d}  {res.success}")

# %%
# Paths over the contour lines
# ----------------------------
# Left, the notes' first figure: the best fixed step zig-zags across the
# ravine; RMSprop and Adagrad head for the minimum along the diagonal, since
# their first steps have the same length in both coordinates. Right, the
# notes' second figure: with the same small step, plain gradient descent
# creeps down the :math:`\theta_2` axis (1444 iterations) while momentum and
# Nesterov momentum build up speed along it, swinging across the ravine
# (Nesterov's look-ahead damps the swings) before they settle.
# :class:`~skgd.plotting.OptimizerPathDisplay` draws the contours on its first
# call and overlays the other paths.

BOUNDS = ((-1.8, 1.8), (-2.3, 0.8))
LEVELS = np.geomspace(0.01, 40, 14)
panels = {
    "Fixed vs adaptive step": [
        (f"GD, best fixed step ({best_rate:.3g})", "black", {}),
        # drawn wide and pale: Adagrad's path runs on top of it
        ("RMSprop (lr=0.1)", "tab:blue", {"linewidth": 5, "alpha": 0.4}),
        ("Adagrad (lr=1.0)", "tab:green", {}),
    ],
    "Plain GD vs momentum, same step 0.01": [
        ("GD, fixed step 0.01", "black", {}),
        ("momentum 0.9 (lr=0.01)", "tab:red", {}),
        ("Nesterov 0.9 (lr=0.01)", "tab:orange", {}),
    ],
}
fig_paths, axes = plt.subplots(1, 2, figsize=(12, 5.2), layout="constrained")
for ax, (title, entries), where in zip(
    axes, panels.items(), ("upper left", "upper right"), strict=True
):
    for i, (name, color, style) in enumerate(entries):
        res = runs[name]
        OptimizerPathDisplay.from_result(
            res,
            ravine if i == 0 else None,
            ax=ax,
            bounds=BOUNDS,
            levels=LEVELS,
            label=f"{name}: {res.nit} it.",
            path_kw={"color": color, "markersize": 2.5, "linewidth": 1, **style},
            contour_kw={"cmap": "Greys_r", "linewidths": 0.6, "alpha": 0.7},
        )
    ax.set(title=title, xlim=BOUNDS[0], ylim=BOUNDS[1], aspect="equal")
    ax.legend(loc=where, fontsize="small", framealpha=0.95)
fig_paths.suptitle(r"$f(\theta) = 10\theta_1^2 + 0.5\theta_2^2$ from $(1.5, -2)$")

# %%
# Convergence, and the stability limit of a fixed step
# ----------------------------------------------------
# Left: the gradient norm along each run (log scale); a run ends where its
# curve crosses the tolerance. The adaptive methods drop fastest; the two
# runs with momentum 0.9 descend in waves.
#
# Right: the fixed step just below and just above :math:`2/20`. With
# :math:`\alpha = 0.095` the steep coordinate :math:`\theta_1` flips sign
# and shrinks by :math:`|1 - 20\alpha| = 0.9` per step; with
# :math:`\alpha = 0.1` it flips without shrinking; with :math:`\alpha = 0.105`
# it grows by 1.1 per step and the run diverges, however gently
# :math:`\theta_2` converges meanwhile.

fig_conv, (ax_grad, ax_limit) = plt.subplots(
    1, 2, figsize=(12, 4.6), layout="constrained"
)
styles = {
    f"GD, best fixed step ({best_rate:.3g})": ("black", "-"),
    "GD, fixed step 0.01": ("0.5", "-"),
    "RMSprop (lr=0.1)": ("tab:blue", "-"),
    "Adagrad (lr=1.0)": ("tab:green", "-"),
    "Adam (lr=0.1)": ("tab:purple", "--"),
    "momentum 0.9 (lr=0.01)": ("tab:red", "-"),
    "Nesterov 0.9 (lr=0.01)": ("tab:orange", "-"),
    "momentum 0.4 (lr=0.13)": ("tab:brown", "--"),
}
for name, res in runs.items():
    grad_norm = np.linalg.norm([ravine(theta)[1] for theta in res.path], axis=1)
    color, linestyle = styles[name]
    ax_grad.plot(grad_norm, color=color, linestyle=linestyle, label=name)
ax_grad.axhline(TOL, color="0.3", linestyle=":", linewidth=1)
ax_grad.text(420, 2 * TOL, "tol", color="0.3")
ax_grad.set(
    xlim=(0, 450),
    yscale="log",
    xlabel="iteration",
    ylabel=r"$\|\nabla f(\theta)\|$",
    title="Gradient norm until it reaches tol (GD at 0.01 goes on to 1444)",
)
ax_grad.legend(fontsize="small", ncols=2, loc="upper right")

n_steps = 60
for rate, color in ((0.095, "tab:green"), (0.1, "tab:orange"), (0.105, "tab:red")):
    res = run(learning_rate_init=rate, max_iter=n_steps)
    ax_limit.plot(
        np.abs(res.path[:, 0]),
        color=color,
        marker="o",
        markersize=2.5,
        label=rf"$\alpha$ = {rate:g} ($|1 - 20\alpha|$ = {abs(1 - 20 * rate):.2g})",
    )
ax_limit.set(
    yscale="log",
    xlabel="iteration",
    ylabel=r"$|\theta_1|$",
    title=r"Fixed step around the stability limit $\alpha = 2/20$",
)
ax_limit.legend(fontsize="small", loc="lower left")

below = run(learning_rate_init=0.095)
above = run(learning_rate_init=0.105)
print(f"\nfixed step 0.095: {below.nit} iterations, success={below.success}")
print(f"fixed step 0.105: success={above.success}, status={above.status}")
print(f"  {above.message}")
print(f"  last finite iterate: ({above.x[0]:.3g}, {above.x[1]:.3g})")

# sphinx_gallery_start_ignore
# Save the figures where the smoke test (or a reader running the script)
# finds them; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig_paths.savefig(output_dir / "seed_ravine_paths.png", dpi=100)
fig_conv.savefig(output_dir / "seed_ravine_convergence.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
