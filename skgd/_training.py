"""The training loop: objective, mini-batches, epochs, stopping, divergence.

One implementation serves every estimator (linear models are networks with no
hidden layer) and every optimizer/schedule pair. All mutable training state is
in :class:`TrainingState`, which the estimator stores privately, so
``partial_fit`` continues exactly where the previous call stopped and a pickled
estimator resumes identically.

One update (:func:`apply_update`) is: clip the gradient, ask the schedule for
the rate, let the optimizer step on the smooth part of the objective (loss and
L2), apply the L1 part as a proximal step (soft-thresholding for full
batches, the cumulative-penalty truncation for stochastic mini-batches), then
update the averaged weights.
"""

import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._fast import epoch_runner


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the parameters became non-finite."""


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _internal(frame):
    # skgd's own frames, and scikit-learn's ``with_callbacks`` around its methods
    return frame.f_code.co_filename.startswith(_PACKAGE_DIR) or frame.f_globals.get(
        "__name__", ""
    ).startswith("sklearn.callback.")


def warn_user(message, category):
    """``warnings.warn`` pointing at the first frame outside skgd (the user's)."""
    # stacklevel 1 is this function, 2 its caller
    frame, level = sys._getframe(1), 2
    while frame is not None and _internal(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _weight_indices(network, params):
    """Indices of the weight matrices (the penalised arrays) in ``params``."""
    return range(0, len(params), network._stride)


class Objective:
    """Mean loss of a network's output plus the weight penalty, and its gradient.

    Parameters
    ----------
    network : skgd._network.Network
    loss : skgd.losses.Loss
    penalty : {"l2", "l1", "elasticnet"} or None
        Penalty on the weight matrices (never on the intercepts):
        ``alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|_2^2)``, where
        ``l1_ratio`` is 0 for "l2" and 1 for "l1".
    alpha, l1_ratio : float
    target_scale : float, default=1.0
        The scale ``s`` the regression target was divided by. A loss of
        degree ``d`` (see :attr:`skgd.losses.Loss.degree`) then shrinks by
        ``s**d`` while the penalty of the original-unit weights shrinks by
        ``s`` (L1) or ``s**2`` (L2), so the coefficients of each are rescaled
        to keep the minimiser, in original units, unchanged.
        ``value_scale = s**d`` converts objective values back.
    """

    def __init__(
        self, network, loss, penalty="l2", alpha=0.0, l1_ratio=0.15, target_scale=1.0
    ):
        self.network = network
        self.loss = loss
        alpha = 0.0 if penalty is None else alpha
        l1_ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, l1_ratio)
        degree = loss.degree
        self.l1 = alpha * l1_ratio * target_scale ** (1 - degree)
        self.l2 = alpha * (1 - l1_ratio) * target_scale ** (2 - degree)
        self.value_scale = float(target_scale**degree)

    def penalty_value(self, params):
        """Value of the penalty term at ``params``."""
        if not (self.l1 or self.l2):
            return 0.0
        from . import _kernels  # one pass, no temporaries

        return sum(
            _kernels.penalty_value(np.ravel(W), self.l1, self.l2)
            for W in self.network.weights(params)
        )

    def _loss_and_grads(self, params, X, Y, sample_weight, total_weight):
        outputs = self.network.forward(params, X)
        value, delta = self.loss.loss_gradient(
            outputs[-1], Y, sample_weight, total_weight
        )
        grads = self.network.backward(params, X, outputs, delta)
        if self.l2:
            for i in _weight_indices(self.network, params):
                grads[i] += self.l2 * params[i]
        return value, grads, outputs[-1]

    def value_and_grad(self, params, X, Y, sample_weight, total_weight=None):
        """Objective value and (sub)gradient, L1 included as ``l1 * sign(w)``.

        ``total_weight`` normalises the weighted loss sum (see
        :meth:`skgd.losses.Loss.loss_gradient`).
        """
        value, grads, _ = self._loss_and_grads(
            params, X, Y, sample_weight, total_weight
        )
        if self.l1:
            for i in _weight_indices(self.network, params):
                grads[i] += self.l1 * np.sign(params[i])
        return value + self.penalty_value(params), grads

    def smooth_value_and_grad(self, params, X, Y, sample_weight, total_weight=None):
        """The monitored value and the gradient of the smooth part (no L1).

        The L1 part is applied by the proximal step of :func:`apply_update`.
        The value is the objective, or for a scale-free loss (the
        perceptron) its monitored quantity (see
        :meth:`skgd.losses.Loss.monitored`).
        """
        value, grads, raw = self._loss_and_grads(
            params, X, Y, sample_weight, total_weight
        )
        if getattr(self.loss, "scale_free", False):
            return self.loss.monitored(raw, Y, sample_weight, total_weight), grads
        return value + self.penalty_value(params), grads

    def monitored_value(self, params, X, Y, sample_weight):
        """The value :meth:`smooth_value_and_grad` reports, without a gradient."""
        raw = self.network.raw_output(params, X)
        if getattr(self.loss, "scale_free", False):
            return self.loss.monitored(raw, Y, sample_weight)
        return self.loss.loss(raw, Y, sample_weight) + self.penalty_value(params)

    def monitored_loss(self, params, X, Y, sample_weight=None):
        """The monitored loss of ``params`` on data (no penalty), and the output."""
        raw = self.network.raw_output(params, X)
        if not np.isfinite(raw).all():
            return np.inf, raw
        return self.loss.monitored(raw, Y, sample_weight), raw


@dataclass
class TrainingConfig:
    """The loop's settings, taken from an estimator's hyper-parameters.

    ``average`` is the number of samples after which weight averaging starts
    (0: no averaging); ``cumulative_l1`` selects the cumulative-penalty L1
    truncation (mini-batches smaller than the data) instead of plain
    soft-thresholding.
    """

    learning_rate_init: float
    batch_size: object = "auto"
    max_iter: int = 200
    tol: float | None = 1e-4
    n_iter_no_change: int = 5
    shuffle: bool = True
    early_stopping: bool = False
    max_grad_norm: float | None = None
    verbose: int = 0
    average: int = 0
    cumulative_l1: bool = False


@dataclass
class TrainingState:
    """Everything that changes during training."""

    params: list
    optimizer_state: dict
    schedule_state: dict
    rng: np.random.RandomState
    n_iter: int = 0
    t: int = 0
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    best_validation_loss: float = np.inf
    best_validation_score: float = -np.inf
    no_improvement_count: int = 0
    best: tuple | None = None
    # running mean of the sample weights of everything trained on so far
    weight_mean: float = 0.0
    weight_count: int = 0
    # averaged SGD: the running mean of the iterates and how many it holds
    avg_params: list | None = None
    n_avg: int = 0
    # cumulative L1 penalty (Tsuruoka et al., 2009): per weight matrix, the
    # total penalty each coordinate could have received, and what it got
    l1_total: list | None = None
    l1_applied: list | None = None
    stop_reason: str = ""
    # the weights training started from: a stream judges each call against
    # them, since one call may hold a single batch
    initial_params: list | None = None

    def model_params(self):
        """The parameters that predict: the averaged ones once averaging began."""
        return self.params if self.avg_params is None else self.avg_params


def resolve_batch_size(batch_size, n_samples):
    """Number of samples per update for ``batch_size`` on ``n_samples`` rows."""
    if batch_size is None or batch_size == "full":
        return n_samples
    if batch_size == "auto":
        return min(200, n_samples)
    return min(int(batch_size), n_samples)


def clip_by_global_norm(grads, max_norm):
    """Scale ``grads`` in place so that their joint L2 norm is at most max_norm."""
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= scale


def _batches(n_samples, batch_size, rng, shuffle):
    if batch_size >= n_samples:
        # one full batch: order is irrelevant, and slicing avoids a copy
        yield slice(None)
        return
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


def _soft_threshold(W, threshold):
    """``sign(W) * max(|W| - threshold, 0)``, in place."""
    shrunk = np.abs(W)
    shrunk -= threshold
    np.maximum(shrunk, 0, out=shrunk)
    W[...] = np.copysign(shrunk, W)


def _cumulative_l1(state, index, W, threshold):
    """Tsuruoka et al.'s cumulative-penalty truncation of one weight matrix.

    A weight is pulled toward zero by the penalty accumulated since training
    began minus what it already received, and never across zero; unlike a
    per-step shrinkage, penalty missed while a weight was clipped at zero is
    not lost, which is what makes per-sample SGD produce exact zeros.
    """
    total, applied = state.l1_total[index], state.l1_applied[index]
    total += threshold
    before = W.copy()
    positive, negative = W > 0, W < 0
    W[positive] = np.maximum(0, W[positive] - (total[positive] + applied[positive]))
    W[negative] = np.minimum(0, W[negative] + (total[negative] - applied[negative]))
    applied += W - before


def cumulative_l1_state(state, network):
    """``(total, applied)`` of the cumulative L1 penalty, one array per
    weight matrix: created at zero on first use."""
    if state.l1_total is None:
        weights = network.weights(state.params)
        state.l1_total = [np.zeros_like(W) for W in weights]
        state.l1_applied = [np.zeros_like(W) for W in weights]
    return state.l1_total, state.l1_applied


def _l1_step(objective, optimizer, state, lr, config):
    """The L1 part of an update, after the optimizer's step on the rest."""
    params = state.params
    steps = optimizer.step_sizes(params, state.optimizer_state, lr)
    for k, i in enumerate(_weight_indices(objective.network, params)):
        threshold = objective.l1 * steps[i]
        if config.cumulative_l1:
            cumulative_l1_state(state, objective.network)
            _cumulative_l1(state, k, params[i], threshold)
        else:
            _soft_threshold(params[i], threshold)


def _update_average(state, config):
    if not config.average or state.t < config.average:
        return
    if state.avg_params is None:
        state.avg_params = _copy(state.params)
        state.n_avg = 1
        return
    state.n_avg += 1
    for avg, p in zip(state.avg_params, state.params, strict=True):
        avg += (p - avg) / state.n_avg


def _l1_pseudo_gradient(grad, sign, l1):
    """The steepest-descent direction of ``loss + l1 |w|`` (orthant-wise).

    Away from zero it is ``grad + l1 sign(w)``; at zero the L1 term cancels
    a gradient smaller than ``l1`` (the weight stays at zero) and shrinks a
    larger one.
    """
    at_zero = np.sign(grad) * np.maximum(np.abs(grad) - l1, 0)
    return np.where(sign == 0, at_zero, grad + l1 * sign).astype(grad.dtype)


def apply_update(objective, optimizer, schedule, state, grads, config, n_samples):
    """One update of ``state.params`` from the smooth gradient ``grads``.

    Clipping, the schedule's rate, the optimizer's step, the L1 step, the
    counters (``n_samples`` rows were used) and weight averaging.
    """
    if config.max_grad_norm is not None:
        clip_by_global_norm(grads, config.max_grad_norm)
    lr = schedule.rate(config.learning_rate_init, state.schedule_state)
    l1 = objective.l1
    if l1 and not optimizer.proximal:
        # sign-based rules see the L1 subgradient, and stop at zero
        signs = {}
        for i in _weight_indices(objective.network, state.params):
            signs[i] = np.sign(state.params[i])
            grads[i] = _l1_pseudo_gradient(grads[i], signs[i], l1)
    optimizer.update(state.params, grads, state.optimizer_state, lr)
    if l1:
        if optimizer.proximal:
            _l1_step(objective, optimizer, state, lr, config)
        else:
            for i, before in signs.items():
                state.params[i][before * state.params[i] < 0] = 0
    state.schedule_state["step"] += 1
    state.t += n_samples
    _update_average(state, config)


def fold_weight_mean(state, n_samples, mean_weight):
    """Fold a data set's mean weight into the stream's running mean weight."""
    state.weight_count += n_samples
    state.weight_mean += (mean_weight - state.weight_mean) * (
        n_samples / state.weight_count
    )


def _power_of_two(value):
    """The power of two nearest below ``value``: dividing by it is exact, so
    integer weights and repeated samples keep identical arithmetic."""
    return float(2.0 ** np.floor(np.log2(value))) if value > 0 else 0.0


def _mean_weight(sample_weight):
    """The mean of the weights, computed without overflowing their sum."""
    largest = float(sample_weight.max()) if sample_weight.size else 0.0
    return largest * float(np.mean(sample_weight / largest)) if largest else 0.0


# Divergence, judged against the monitored loss at the starting weights of a
# fit or partial_fit call (never when that loss is 0): a batch loss this many
# times above it, ...
_BATCH_GROWTH = 1e4
# ... an epoch loss this many times above it, ...
_GROWTH_FACTOR = 10.0
# ... or a final streak of rising epoch losses ending above it and this far
# above the best (heavy momentum oscillates for a few epochs; a divergence
# also climbs back above where training started)
_RISING_FACTOR = 1.5


def run_epoch(objective, optimizer, schedule, state, data, config, reference):
    """One pass over ``data = (X, Y, sample_weight)``.

    Returns ``(mean loss, reason)``: the weighted mean of the batch values,
    and why the pass diverged (``None`` when it did not). The epoch runs
    compiled (:mod:`skgd._fast`) whenever that computes the same thing.
    """
    X, Y, sample_weight = data
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(config.batch_size, n_samples)
    fold_weight_mean(state, n_samples, _mean_weight(sample_weight))
    full_batch = batch_size >= n_samples
    # weights divided by a typical weight: integer weights keep their
    # meaning, and 1e308 weights train like unit weights instead of
    # overflowing the normaliser
    divisor = _power_of_two(sample_weight.max()) if full_batch else state.weight_mean
    if not divisor > 0:
        return 0.0, None
    scaled_weight = sample_weight / sample_weight.dtype.type(divisor)
    compiled = epoch_runner(
        objective, optimizer, schedule, (X, Y, scaled_weight), state.params
    )
    if compiled is not None:
        result = compiled(state, (X, Y, scaled_weight), config, batch_size, reference)
        if result is not None:
            return result

    def batches():
        for rows in _batches(n_samples, batch_size, state.rng, config.shuffle):
            sw = scaled_weight[rows]
            # full batch: normalise by the exact weight sum (integer weights
            # equal repetitions); mini-batch: by its expected sum, so that
            # the batch loss is an unbiased estimate of the weighted mean
            normaliser = float(sw.sum()) if full_batch else float(sw.shape[0])

            def gradient(params, rows=rows, sw=sw, normaliser=normaliser):
                return objective.smooth_value_and_grad(
                    params, X[rows], Y[rows], sw, normaliser
                )

            yield sw.shape[0], normaliser, gradient

    return run_batches(
        objective, optimizer, schedule, state, config, reference, batches()
    )


def batch_limit(reference):
    """The batch value above which an epoch counts as diverged."""
    return _BATCH_GROWTH * reference if reference > 0 else np.inf


def batch_reason(value, reference):
    """Why a batch of monitored value ``value`` stopped its epoch."""
    if not np.isfinite(value):
        return "the loss became non-finite"
    return (
        f"a batch loss reached {value:.3g}, over {_BATCH_GROWTH:.0e} times "
        f"the loss at the starting weights ({reference:.3g})"
    )


def run_batches(objective, optimizer, schedule, state, config, reference, batches):
    """Update from each ``(n_rows, normaliser, gradient)`` of ``batches``.

    ``gradient(params) -> (value, smooth gradients)``; a batch whose
    normaliser is zero (only zero weights) is skipped. Returns ``(mean loss,
    reason)`` as :func:`run_epoch`.
    """
    limit = batch_limit(reference)
    total, count = 0.0, 0
    for n_rows, normaliser, gradient in batches:
        if not normaliser > 0:
            continue  # a batch of zero-weight samples carries no gradient
        value, grads = gradient(state.params)
        if not (np.isfinite(value) and value <= limit):
            return None, batch_reason(value, reference)
        apply_update(objective, optimizer, schedule, state, grads, config, n_rows)
        total += value * n_rows
        count += n_rows
    return epoch_outcome(state.params, total, count)


def epoch_outcome(params, total, count, reason=None):
    """``(mean loss, reason)`` of an epoch whose batch values summed to
    ``total`` over ``count`` rows: ``reason`` if it stopped early, or
    non-finite parameters (one compiled pass, no temporaries)."""
    from . import _kernels

    if reason is None and not all(_kernels.all_finite(np.ravel(p)) for p in params):
        reason = "the parameters became non-finite"
    if reason is not None:
        return None, reason
    return (total / count if count else 0.0), None


# rows on which the loss at the starting weights is measured (see ArrayData)
_REFERENCE_ROWS = 4096


class ArrayData:
    """Training data in this process, as the loop sees it.

    The loop touches data only through :meth:`reference` and
    :meth:`run_epoch`; ``skgd.dask`` gives it an object with the same two
    methods over data held by a cluster's workers.
    """

    def __init__(self, X, Y, sample_weight):
        self.arrays = (X, Y, sample_weight)

    def reference(self, objective, params):
        """The monitored value at ``params`` (0 without weight).

        On all rows, or for more than ``_REFERENCE_ROWS`` rows on evenly
        spaced rows numbering about that many: the value only sets the
        thresholds of the divergence guards (factors 10 and 1e4), and a
        forward pass over all of a large data set would cost a fifth of an
        epoch of a network.
        """
        X, Y, sample_weight = self.arrays
        n = X.shape[0]
        if n > _REFERENCE_ROWS:
            rows = slice(None, None, -(-n // _REFERENCE_ROWS))
            if sample_weight[rows].max() > 0:
                X, Y, sample_weight = X[rows], Y[rows], sample_weight[rows]
        largest = float(sample_weight.max()) if sample_weight.size else 0.0
        if not largest > 0:
            return 0.0
        return objective.monitored_value(params, X, Y, sample_weight / largest)

    def run_epoch(self, objective, optimizer, schedule, state, config, reference):
        """One pass (see :func:`run_epoch`)."""
        return run_epoch(
            objective, optimizer, schedule, state, self.arrays, config, reference
        )


def _copy(params):
    return [p.copy() for p in params]


def _copy_into(arrays, into):
    """Copies of ``arrays``, written into the arrays ``into`` when they fit."""
    if into is None or len(into) != len(arrays):
        return _copy(arrays)
    if any(
        a.shape != b.shape or a.dtype != b.dtype
        for a, b in zip(arrays, into, strict=True)
    ):
        return _copy(arrays)
    for a, b in zip(arrays, into, strict=True):
        np.copyto(b, a)
    return into


def _snapshot(state, into=None):
    """Copies of the parameters (and averaged ones), reusing the arrays of
    the discarded snapshot ``into`` if given: a stream of ``partial_fit``
    calls then allocates nothing for them."""
    params, avg = (None, None) if into is None else into[:2]
    if state.avg_params is not None:
        avg = _copy_into(state.avg_params, avg)
    else:
        avg = None
    return _copy_into(state.params, params), avg, state.n_avg


def _restore(state, snapshot):
    params, avg, n_avg = snapshot
    state.params = _copy(params)
    state.avg_params = None if avg is None else _copy(avg)
    state.n_avg = n_avg


def _restart_from_best(state, optimizer, decay_mask):
    _restore(state, state.best)
    # moment estimates built on exploding gradients would poison later updates
    state.optimizer_state = optimizer.init_state(state.params)
    if decay_mask is not None:
        state.optimizer_state["decay_mask"] = decay_mask


def _lower_rate_after_divergence(schedule, optimizer, state, config, decay_mask):
    """Restart from the best weights at a lower rate, if the schedule can.

    True when training goes on (reduce-on-plateau schedules).
    """
    if not schedule.on_divergence(config.learning_rate_init, state.schedule_state):
        return False
    _restart_from_best(state, optimizer, decay_mask)
    state.no_improvement_count = 0
    if config.verbose:
        rate = schedule.rate(config.learning_rate_init, state.schedule_state)
        print(
            f"Epoch {state.n_iter}: diverged; restarting from the best weights "
            f"at learning rate {rate:.3g}"
        )
    return True


def _recover_from_divergence(state, optimizer, epoch, reason, decay_mask):
    _restart_from_best(state, optimizer, decay_mask)
    state.stop_reason = f"diverged at epoch {epoch}: {reason}"
    warn_user(
        f"Training diverged at epoch {epoch}: {reason}. Training stopped and the "
        "parameters with the best monitored loss were restored. Lower "
        "learning_rate_init, set max_grad_norm, or scale the input features.",
        DivergenceWarning,
    )


def _overflowed_features(state):
    """Input features whose optimizer state overflowed, or None if all finite.

    Non-finite moment estimates with finite parameters mean that gradients
    squared overflowed: features of a huge scale.
    """
    bad = None
    for value in state.optimizer_state.values():
        if not isinstance(value, list):
            continue
        for i, array in enumerate(value):
            if isinstance(array, np.ndarray) and not np.isfinite(array).all():
                bad = set() if bad is None else bad
                if i == 0 and array.ndim == 2:
                    bad.update(np.flatnonzero(~np.isfinite(array).all(axis=1)))
    return None if bad is None else sorted(int(j) for j in bad)


def _growth(state, config, reference, n_epochs):
    """Why the loss curve shows divergence, or None."""
    if not reference > 0:
        return None  # a loss that starts at 0 cannot be judged by its growth
    curve = state.loss_curve
    loss = curve[-1]
    if loss > _GROWTH_FACTOR * reference:
        return (
            f"the training loss grew from {reference:.4g} at the starting weights "
            f"to {loss:.4g}"
        )
    if n_epochs == 1:
        return None
    streak = curve[-(config.n_iter_no_change + 1) :]
    rising = len(streak) > 2 and all(
        a < b for a, b in zip(streak, streak[1:], strict=False)
    )
    grown = loss > max(reference, _RISING_FACTOR * state.best_loss + (config.tol or 0))
    if rising and grown:
        return (
            f"the training loss rose for {len(streak) - 1} epochs in a row, to "
            f"{loss:.4g} from a best of {state.best_loss:.4g}"
        )
    return None


def _drift_from_start(objective, state, data, reference):
    """Why the weights at the start of a later call count as diverged, or None.

    The first call records its starting weights. A later call (a stream of
    ``partial_fit`` chunks, each perhaps a single batch whose loss is its own
    reference) compares its starting loss with that of the initial weights on
    the same data.
    """
    if state.initial_params is None:
        state.initial_params = _copy(state.params)
        return None
    if getattr(objective.loss, "scale_free", False):
        return None
    initial = data.reference(objective, state.initial_params)
    if initial > 0 and reference > _GROWTH_FACTOR * initial:
        return (
            f"the loss at the start of this call ({reference:.4g}) is over "
            f"{_GROWTH_FACTOR:g} times that of the initial weights ({initial:.4g})"
        )
    return None


def _track_progress(state, loss, validation, config, start):
    """Update best values and the no-improvement counter; True on a stall.

    The monitored quantity is the training loss, or with early stopping the
    validation loss: unlike accuracy on a small validation set, it keeps
    moving while the model improves, so training does not stop on a tie.
    The training loss of an epoch is measured along the way from the
    ``start`` snapshot (exactly at it for a full batch), so that snapshot is
    the one kept as best; the validation loss is measured after the epoch.
    """
    state.loss_curve.append(loss)
    monitored, best = loss, state.best_loss
    if config.early_stopping:
        val_loss, val_score = validation
        state.validation_loss_curve.append(val_loss)
        state.validation_scores.append(val_score)
        monitored, best = val_loss, state.best_validation_loss
    improved = monitored < best
    no_progress = monitored > best - (config.tol or 0.0)
    if improved:
        state.best = _snapshot(state) if config.early_stopping else start
        if config.early_stopping:
            state.best_validation_loss = val_loss
            state.best_validation_score = val_score
    state.best_loss = min(state.best_loss, loss)
    if config.tol is None:
        return False
    state.no_improvement_count = state.no_improvement_count + 1 if no_progress else 0
    return state.no_improvement_count >= config.n_iter_no_change


def _report(state, loss, validation, lr, scale):
    text = f"Epoch {state.n_iter}: loss {loss * scale:.6g}"
    if validation is not None:
        text += (
            f", validation loss {validation[0] * scale:.6g}, "
            f"validation score {validation[1]:.4g}"
        )
    print(f"{text}, learning rate {lr:.3g}")


def _stall_reason(config):
    what = "validation loss" if config.early_stopping else "training loss"
    return (
        f"the {what} did not improve by tol={config.tol:g} for "
        f"{config.n_iter_no_change} epochs"
    )


def train(
    objective,
    optimizer,
    schedule,
    state,
    data,
    config,
    n_epochs,
    score=None,
    on_epoch_begin=None,
    on_epoch_end=None,
):
    """Run up to ``n_epochs`` epochs with stopping rules.

    Parameters
    ----------
    data : tuple or ArrayData-like
        ``(X, Y, sample_weight)``, or an object with the methods of
        :class:`ArrayData` (``reference`` and ``run_epoch``).
    score : callable or None
        ``score(params) -> (validation loss, validation score)``, required
        when ``config.early_stopping``.
    on_epoch_begin : callable or None
        ``on_epoch_begin(state)``, called before each epoch.
    on_epoch_end : callable or None
        ``on_epoch_end(state) -> stop``, called after each epoch that did not
        diverge, once its loss is recorded. A true ``stop`` ends training as
        a stall does, with the same best-weights rule; a string ``stop`` is
        the stop reason.

    Returns
    -------
    converged : bool
        Whether a stopping rule (or divergence) ended training early;
        ``state.stop_reason`` says which.
    """
    # overflow and underflow are detected and reported as a DivergenceWarning;
    # numpy's own warnings (or errors under np.errstate(all="raise")) would
    # only obscure it
    if isinstance(data, tuple):
        data = ArrayData(*data)
    with np.errstate(all="ignore"):
        return _train(
            objective,
            optimizer,
            schedule,
            state,
            data,
            config,
            n_epochs,
            score,
            on_epoch_begin,
            on_epoch_end,
        )


def _train(
    objective,
    optimizer,
    schedule,
    state,
    data,
    config,
    n_epochs,
    score,
    on_epoch_begin,
    on_epoch_end,
):
    started = time.perf_counter()
    reference = data.reference(objective, state.params)
    decay_mask = state.optimizer_state.get("decay_mask")
    reason = _drift_from_start(objective, state, data, reference)
    if reason is not None:
        state.n_iter += 1
        _recover_from_divergence(state, optimizer, state.n_iter, reason, decay_mask)
        return True
    if state.best is None:
        state.best = _snapshot(state)
        if config.early_stopping:
            # the starting point competes too, should every epoch be worse
            val_loss, val_score = score(state.model_params())
            state.best_validation_loss = val_loss
            state.best_validation_score = val_score
    # set_params may have changed max_iter between partial_fit calls
    state.schedule_state["max_iter"] = config.max_iter
    state.stop_reason = (
        f"max_iter={config.max_iter} epochs reached"
        if n_epochs == config.max_iter
        else f"{n_epochs} epoch{'s' * (n_epochs != 1)} run"
    )
    converged = stall_stop = False
    for _ in range(n_epochs):
        if on_epoch_begin is not None:
            on_epoch_begin(state)
        start = None
        if not config.early_stopping:
            start = _snapshot(state, getattr(state, "spare_snapshot", None))
            state.spare_snapshot = None
        lr = schedule.rate(config.learning_rate_init, state.schedule_state)
        if not lr > 0:
            _warn_zero_rate(schedule, state)
        loss, reason = data.run_epoch(
            objective, optimizer, schedule, state, config, reference
        )
        state.n_iter += 1
        validation = None
        if reason is None and config.early_stopping:
            validation = score(state.model_params())
            if not np.isfinite(validation[0]):
                reason = "the validation loss became non-finite"
        if reason is None and (overflowed := _overflowed_features(state)) is not None:
            reason = "the optimizer's running moments overflowed" + (
                f" for input features {overflowed[:10]}: their values are too "
                "large; scale the features (e.g. with StandardScaler)"
                if overflowed
                else ""
            )
        if reason is not None:
            state.schedule_state["epoch"] += 1
            if _lower_rate_after_divergence(
                schedule, optimizer, state, config, decay_mask
            ):
                continue
            _recover_from_divergence(state, optimizer, state.n_iter, reason, decay_mask)
            converged = True
            break
        schedule.observe(state.schedule_state, loss)
        state.schedule_state["epoch"] += 1
        if config.verbose:
            _report(state, loss, validation, lr, objective.value_scale)
        previous_best = state.best
        stalled = _track_progress(state, loss, validation, config, start)
        # the snapshot no longer kept is reused by the next epoch (or call);
        # an attribute outside the dataclass fields, so never pickled
        state.spare_snapshot = previous_best if state.best is start else start
        reason = _growth(state, config, reference, n_epochs)
        if reason is not None:
            if _lower_rate_after_divergence(
                schedule, optimizer, state, config, decay_mask
            ):
                continue
            _recover_from_divergence(state, optimizer, state.n_iter, reason, decay_mask)
            converged = True
            break
        if on_epoch_end is not None and (stop := on_epoch_end(state)):
            state.stop_reason = stop if isinstance(stop, str) else "stopped by a hook"
            converged = stall_stop = True
            break
        if stalled:
            if schedule.on_stall(config.learning_rate_init, state.schedule_state):
                state.no_improvement_count = 0
                continue
            state.stop_reason = _stall_reason(config)
            converged = stall_stop = True
            break
    _finish(state, config, stall_stop)
    if config.verbose:
        elapsed = time.perf_counter() - started
        print(
            f"Stopped after epoch {state.n_iter}: {state.stop_reason} ({elapsed:.3g} s)"
        )
    return converged


def _warn_zero_rate(schedule, state):
    warn_user(
        f"The learning-rate schedule {schedule!r} gives a step size of 0 at epoch "
        f"{state.n_iter + 1}: the parameters no longer change. A horizon-based "
        "schedule (Cosine) ends after max_iter epochs; for a longer stream of "
        "partial_fit calls raise max_iter or set its t_max.",
        ConvergenceWarning,
    )


def _finish(state, config, stalled):
    if config.early_stopping:
        # early stopping ends with the weights of the best validation loss
        _restore(state, state.best)
    elif stalled and state.loss_curve:
        # a stall ends at the best weights, not at an overshoot after them;
        # a last loss within tol of the best is as good, and the later
        # weights (still moving along a flat loss) are kept
        if state.loss_curve[-1] > state.best_loss + (config.tol or 0.0):
            _restore(state, state.best)
