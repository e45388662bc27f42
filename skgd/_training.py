"""The training loop: objective, mini-batches, epochs, stopping, divergence.

One implementation serves every estimator (linear models are networks with no
hidden layer) and every optimizer/schedule pair. All mutable training state is
in :class:`TrainingState`, which the estimator stores privately, so
``partial_fit`` continues exactly where the previous call stopped and a pickled
estimator resumes identically.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._fast import epoch_runner


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the parameters became non-finite."""


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
    """

    def __init__(self, network, loss, penalty="l2", alpha=0.0, l1_ratio=0.15):
        self.network = network
        self.loss = loss
        self.alpha = 0.0 if penalty is None else alpha
        self.l1_ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, l1_ratio)

    def penalty_value(self, params):
        """Value of the penalty term at ``params``."""
        l1, l2 = self._coefficients()
        value = 0.0
        for W in self.network.weights(params):
            if l1:
                value += l1 * float(np.abs(W).sum())
            if l2:
                value += 0.5 * l2 * float(np.vdot(W, W))
        return value

    def _coefficients(self):
        """(L1, L2) coefficients of the penalty."""
        return self.alpha * self.l1_ratio, self.alpha * (1 - self.l1_ratio)

    def value_and_grad(self, params, X, Y, sample_weight, total_weight=None):
        """Objective value and gradients (a new list, one array per parameter).

        ``total_weight`` normalises the weighted loss sum (see
        :meth:`skgd.losses.Loss.loss_gradient`).
        """
        outputs = self.network.forward(params, X)
        value, delta = self.loss.loss_gradient(
            outputs[-1], Y, sample_weight, total_weight
        )
        grads = self.network.backward(params, X, outputs, delta)
        if self.alpha:
            value += self.penalty_value(params)
            l1, l2 = self._coefficients()
            for i in range(0, len(params), self.network._stride):
                W = params[i]
                if l2:
                    grads[i] += l2 * W
                if l1:
                    grads[i] += l1 * np.sign(W)
        return value, grads


@dataclass
class TrainingConfig:
    """The loop's settings, taken from an estimator's hyper-parameters."""

    learning_rate_init: float
    batch_size: object = "auto"
    max_iter: int = 200
    tol: float | None = 1e-4
    n_iter_no_change: int = 5
    shuffle: bool = True
    early_stopping: bool = False
    max_grad_norm: float | None = None
    verbose: int = 0


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
    best_params: list | None = None
    weight_sum: float = 0.0
    weight_count: int = 0


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


def run_epoch(objective, optimizer, schedule, state, data, config):
    """One pass over ``data = (X, Y, sample_weight)``.

    Returns ``(mean loss, first batch's loss)``, the mean being the weighted
    mean of the batch objectives, or ``None`` when the objective became
    non-finite (the caller restores finite parameters). The epoch runs
    compiled (:mod:`skgd._fast`) whenever that computes the same thing.
    """
    X, Y, sample_weight = data
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(config.batch_size, n_samples)
    # the mean weight of everything trained on so far (one data set for fit,
    # the whole stream for partial_fit), so that weights keep their meaning
    # from one chunk to the next
    state.weight_sum += float(sample_weight.sum())
    state.weight_count += n_samples
    mean_weight = state.weight_sum / state.weight_count
    compiled = epoch_runner(objective, optimizer, schedule, data, state.params)
    if compiled is not None:
        result = compiled(state, data, config, batch_size, mean_weight)
    else:
        result = _python_epoch(
            objective, optimizer, schedule, state, data, config, batch_size, mean_weight
        )
    if result is None:
        return None
    state.t += n_samples
    if not all(np.isfinite(p).all() for p in state.params):
        return None
    return result


def _python_epoch(
    objective, optimizer, schedule, state, data, config, batch_size, mean_weight
):
    X, Y, sample_weight = data
    n_samples = X.shape[0]
    first_batch_loss = None
    total, total_weight = 0.0, 0.0
    for rows in _batches(n_samples, batch_size, state.rng, config.shuffle):
        sw = sample_weight[rows]
        weight = float(sw.sum())
        if weight <= 0:
            continue  # a batch of zero-weight samples carries no gradient
        # full batch: normalise by the exact weight sum (exact equivalence of
        # integer weights and repetitions); mini-batch: by its expected sum
        normaliser = weight if batch_size >= n_samples else len(sw) * mean_weight
        value, grads = objective.value_and_grad(
            state.params, X[rows], Y[rows], sw, normaliser
        )
        if not np.isfinite(value):
            return None
        if config.max_grad_norm is not None:
            clip_by_global_norm(grads, config.max_grad_norm)
        lr = schedule.rate(config.learning_rate_init, state.schedule_state)
        optimizer.update(state.params, grads, state.optimizer_state, lr)
        state.schedule_state["step"] += 1
        if first_batch_loss is None:
            first_batch_loss = value
        total += value * len(sw)
        total_weight += len(sw)
    return (total / total_weight if total_weight else 0.0), first_batch_loss


def _copy(params):
    return [p.copy() for p in params]


def _recover_from_divergence(state, optimizer, epoch, reason):
    state.params = _copy(state.best_params)
    # moment estimates built on exploding gradients would poison later updates
    state.optimizer_state = optimizer.init_state(state.params)
    _warn_divergence(epoch, reason)


def _warn_divergence(epoch, reason):
    warnings.warn(
        f"Training diverged at epoch {epoch}: {reason}. Training stopped and the "
        "parameters with the best monitored loss were restored. Lower "
        "learning_rate_init, set max_grad_norm, or scale the input features.",
        DivergenceWarning,
    )


# Loss growth that means divergence although every number stayed finite:
# an epoch loss this many times above the first epoch's, ...
_GROWTH_FACTOR = 10.0
# ... or a final streak of rising epoch losses ending above the first epoch's
# loss and this far above the best
_RISING_FACTOR = 1.5
# partial_fit: a chunk's mean loss this many times above both its first
# batch's loss and the best chunk loss of the stream
_CHUNK_GROWTH_FACTOR = 1e3


def _growth(state, config, first_loss, first_batch_loss, n_epochs):
    """Why the loss curve shows divergence, or None."""
    curve = state.loss_curve
    loss = curve[-1]
    if n_epochs == 1:  # partial_fit: one epoch per call
        if first_batch_loss is None or len(curve) < 2:
            return None
        reference = max(first_batch_loss, state.best_loss)
        if loss > _CHUNK_GROWTH_FACTOR * reference:
            return f"the loss of this chunk grew to {loss:.4g}"
        return None
    if loss > _GROWTH_FACTOR * first_loss:
        return f"the training loss grew from {first_loss:.4g} to {loss:.4g}"
    streak = curve[-(config.n_iter_no_change + 1) :]
    rising = len(streak) > 2 and all(
        a < b for a, b in zip(streak, streak[1:], strict=False)
    )
    # heavy momentum oscillates for a few epochs; a divergence also climbs
    # back above where training started
    grown = loss > max(first_loss, _RISING_FACTOR * state.best_loss + (config.tol or 0))
    if rising and grown:
        return (
            f"the training loss rose for {len(streak) - 1} epochs in a row, to "
            f"{loss:.4g} from a best of {state.best_loss:.4g}"
        )
    return None


def _track_progress(state, loss, validation, config, start_params):
    """Update best values and the no-improvement counter; True to stop.

    The monitored quantity is the training loss, or with early stopping the
    validation loss: unlike accuracy on a small validation set, it keeps
    moving while the model improves, so training does not stop on a tie.
    The training loss of an epoch is measured along the way from
    ``start_params`` (exactly at them for a full batch), so those are the
    parameters kept as best; the validation loss is measured after the epoch.
    """
    state.loss_curve.append(loss)
    monitored, best, candidate = loss, state.best_loss, start_params
    if config.early_stopping:
        val_loss, val_score = validation
        state.validation_loss_curve.append(val_loss)
        state.validation_scores.append(val_score)
        monitored, best = val_loss, state.best_validation_loss
        candidate = state.params
    improved = monitored < best
    no_progress = monitored > best - (config.tol or 0.0)
    if improved:
        state.best_params = _copy(candidate)
        if config.early_stopping:
            state.best_validation_loss = val_loss
            state.best_validation_score = val_score
    state.best_loss = min(state.best_loss, loss)
    if config.tol is None:
        return False
    state.no_improvement_count = state.no_improvement_count + 1 if no_progress else 0
    return state.no_improvement_count >= config.n_iter_no_change


def _report(state, loss, validation):
    extra = ""
    if validation is not None:
        extra = (
            f", validation loss = {validation[0]:.8f}, "
            f"validation score = {validation[1]:.6f}"
        )
    print(f"Epoch {state.n_iter}, loss = {loss:.8f}{extra}")


def train(objective, optimizer, schedule, state, data, config, n_epochs, score=None):
    """Run up to ``n_epochs`` epochs with stopping rules.

    Parameters
    ----------
    score : callable or None
        ``score(params) -> (validation loss, validation score)``, required
        when ``config.early_stopping``.

    Returns
    -------
    converged : bool
        Whether a stopping rule (or divergence) ended training early.
    """
    if state.best_params is None:
        state.best_params = _copy(state.params)
        if config.early_stopping:
            # the starting point competes too, should every epoch be worse
            val_loss, val_score = score(state.params)
            state.best_validation_loss = val_loss
            state.best_validation_score = val_score
    first_loss = None
    stopped = False
    # set_params may have changed max_iter between partial_fit calls
    state.schedule_state["max_iter"] = config.max_iter
    for _ in range(n_epochs):
        start_params = None if config.early_stopping else _copy(state.params)
        # overflow is detected below and reported as one DivergenceWarning
        with np.errstate(over="ignore", invalid="ignore"):
            result = run_epoch(objective, optimizer, schedule, state, data, config)
        state.n_iter += 1
        if result is None:
            state.schedule_state["epoch"] += 1
            _recover_from_divergence(
                state,
                optimizer,
                state.n_iter,
                "the loss or the parameters became non-finite",
            )
            return True
        loss, first_batch_loss = result
        first_loss = loss if first_loss is None else first_loss
        validation = score(state.params) if config.early_stopping else None
        schedule.observe(state.schedule_state, loss)
        state.schedule_state["epoch"] += 1
        if config.verbose:
            _report(state, loss, validation)
        if _track_progress(state, loss, validation, config, start_params):
            stopped = True
            break
    reason = _growth(state, config, first_loss, first_batch_loss, n_epochs)
    if reason is not None:
        if not config.early_stopping:
            # the parameters of the best training loss, measured at the start
            # of their epoch, replace the grown ones
            _recover_from_divergence(state, optimizer, state.n_iter, reason)
            return True
        _warn_divergence(state.n_iter, reason)
    if config.early_stopping:
        # early stopping ends with the weights of the best validation loss
        state.params = _copy(state.best_params)
    return stopped
