"""The one place where skgd.dask touches skgd's private training internals.

A dask estimator trains the same model as its local class: the adapter wraps
a local estimator with the same parameters and calls its hooks (target
encoding, sample weighting, model building, the objective, the commit of the
fitted state) and the training engine's update step. When those internals
change, this module is the one to update; the tests comparing the dask fits
with the local ones tell when.
"""

import copy

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight

from .. import _base
from .._training import (
    fold_weight_mean,
    resolve_batch_size,
    run_batches,
    warn_user,
)
from ._stats import ScoreStats

__all__ = ["LocalAdapter", "Setup", "run_epoch"]


class Setup:
    """What a fit starts from: target info, class weights, model, rng."""

    def __init__(self, info, class_weight, network, params, rng):
        self.info = info
        self.class_weight = class_weight
        self.network = network
        self.params = params
        self.rng = rng


class LocalAdapter:
    """A local estimator and the private hooks the dask training uses.

    Parameters
    ----------
    local : skgd estimator
        An estimator of the local class with the dask estimator's parameters,
        fitted or not. It travels to the workers (it holds no data).
    """

    def __init__(self, local):
        self.local = local

    # --- client side --------------------------------------------------------

    def resolve(self):
        """Validated (optimizer, schedule) objects."""
        return self.local._validate_hyperparameters()

    def record_features(self, X_row):
        """Record ``n_features_in_`` (and names) from one row; its dtype."""
        X_row, _, _ = self.local._validate_X_y(
            X_row, np.zeros(1), None, reset=True, **self.local._target_kwargs()
        )
        return X_row.dtype

    def validation_size(self, n_samples):
        """Rows a held-out split takes from ``n_samples`` (0 if it cannot)."""
        n_val = int(np.ceil(self.local.validation_fraction * n_samples))
        return 0 if n_samples < 2 or n_val >= n_samples else n_val

    def objectives(self, network, info):
        """The objective, and the same without penalty (for all workers but one)."""
        objective = self.local._objective(network, info)
        unpenalised = copy.copy(self.local).set_params(alpha=0.0)
        return objective, unpenalised._objective(network, info)

    def new_state(self, setup, optimizer, schedule):
        return self.local._new_state(
            setup.params, optimizer, schedule, setup.rng, setup.network
        )

    def config(self, early_stopping, optimizer, n_samples):
        return self.local._config(early_stopping, optimizer, n_samples)

    def combine_values(self, objective, values, weights):
        """One value from the workers' batch values.

        The loss values are sums normalised by the whole batch's normaliser,
        so they add up; a scale-free loss (the perceptron) reports a weighted
        mean per worker instead.
        """
        if getattr(objective.loss, "scale_free", False):
            return _weighted_mean(values, weights)
        return float(sum(values))

    def monitored_value(self, objective, params, means, weights):
        """``Objective.monitored_value`` on the whole data, from per-worker means."""
        value = _weighted_mean(means, weights)
        if not getattr(objective.loss, "scale_free", False):
            value += objective.penalty_value(params)
        return value

    def commit(self, setup, state, optimizer, schedule, objective, config, stopped):
        """Warn as a local fit does, and publish the fitted state on ``local``."""
        if not stopped and self.local.tol is not None:
            warn_user(
                f"Maximum number of epochs ({self.local.max_iter}) reached before "
                "convergence. Consider increasing max_iter or learning_rate_init.",
                ConvergenceWarning,
            )
        self.local._commit(
            setup.network, state, optimizer, schedule, setup.info, objective, config
        )

    # --- worker side --------------------------------------------------------

    def check_partition(self, X, y, sample_weight):
        """Validated ``(X, y, sample_weight)`` of one partition."""
        X, y, _ = self.local._validate_X_y(
            X, y, None, reset=False, **self.local._target_kwargs()
        )
        # a partition may hold only zero weights; all of them may not, which
        # the preparation of the targets checks
        sample_weight = _check_sample_weight(
            sample_weight,
            X,
            dtype=X.dtype,
            ensure_non_negative=True,
            allow_all_zero_weights=True,
        )
        return X, y, sample_weight

    def setup(self, ys, weights, n_features, dtype, random_state, init):
        """Target info, class weights and the initial model, from all targets.

        Runs on one worker, with every partition's targets and weights (not
        the features): the local estimator's own preparation then computes
        the classes, class weights, target scaling and initial weights
        exactly as a local fit on the whole data does.
        """
        local = copy.deepcopy(self.local)
        y = _concat(ys)
        raw_weight = _concat(weights)
        stand_in = sp.csr_matrix((len(y), n_features), dtype=dtype)
        _, _, y, weight, info = local._prepare_data(
            stand_in, y, raw_weight, reset=True, partial=False
        )
        rng = check_random_state(random_state)
        if (
            self.local.warm_start
            and hasattr(self.local, "_state")
            and not any(v is not None for v in init.values())
        ):
            local._check_compatible(info, n_features, "warm_start")
            info = {**info, **_base._scaling_of(self.local._info)}
            network = self.local._network
            params = [p.astype(dtype, copy=True) for p in self.local._state.params]
        else:
            network, params = local._build(n_features, info, rng, dtype, **init)
        class_weight = _observed_class_weight(
            getattr(self.local, "class_weight", None), y, raw_weight, weight, info
        )
        return Setup(info, class_weight, network, params, rng)

    def encode(self, X, y, sample_weight, setup):
        """Training arrays ``(X, Y, weight)`` of a validated partition."""
        local = self.local
        if setup.class_weight is not None:
            local = copy.copy(local).set_params(class_weight=setup.class_weight)
        Y, _ = local._prepare_targets(y, reset=False, info=setup.info)
        weight = local._weight_samples(sample_weight, y, setup.info, partial=False)
        Y = _base._scale_targets(Y.astype(X.dtype, copy=False), setup.info)
        return X, Y, weight

    def encode_validation(self, X, y, sample_weight, info):
        """Validation arrays ``(X, Y, y, weight)`` of a validated partition."""
        Y, _ = self.local._prepare_targets(y, reset=False, info=info)
        Y = _base._scale_targets(Y.astype(X.dtype, copy=False), info)
        return X, Y, y, sample_weight

    def split(self, X, Y, y, weight, seed):
        """A partition's training and validation rows, as the local split."""
        stratify = y if getattr(self.local, "_stratify_split", False) else None
        return self.local._split_validation(
            X, Y, y, weight, np.random.RandomState(seed), stratify
        )

    def validation_stats(self, objective, params, val, info, weighted):
        """Additive statistics of the validation loss and score on some rows.

        None where the rows' weights sum to zero.
        """
        X, Y, y, weight = val
        weight = weight if weighted else None
        total = float(weight.sum()) if weighted else float(len(y))
        if not total > 0:
            return None
        loss, raw = objective.monitored_loss(params, X, Y, weight)
        raw = _base._unscale_output(raw, info)
        if "classes" in info:
            score = ScoreStats.accuracy(
                self.local._score_raw(raw, y, weight, info), total
            )
        else:
            score = ScoreStats.regression(y, raw.reshape(y.shape), weight)
        return loss, total, score

    @staticmethod
    def combine_validation(stats, info):
        """(validation loss, validation score) from all workers' statistics."""
        losses, totals, scores = zip(*stats, strict=True)
        if not all(np.isfinite(losses)):
            return np.inf, np.nan  # an overflowing model is not scored
        score = ScoreStats.combine(scores)
        if "classes" in info:
            return _weighted_mean(losses, totals), score.accuracy_value()
        return _weighted_mean(losses, totals), score.regression_value(validation=True)


def _weighted_mean(values, weights):
    total = float(sum(weights))
    return float(sum(v * w for v, w in zip(values, weights, strict=True))) / total


def _concat(arrays):
    arrays = [a for a in arrays if a is not None]
    if any(sp.issparse(a) for a in arrays):
        return sp.vstack(arrays, format="csr")
    return np.concatenate(arrays)


def _observed_class_weight(class_weight, y, raw_weight, weight, info):
    """The per-class multipliers the local weighting applied, as a dict.

    "balanced" depends on the class counts of all the data; as a dict the
    workers apply the same multipliers to their partitions.
    """
    if class_weight is None or "classes" not in info or y.ndim != 1:
        return class_weight
    classes = info["classes"]
    idx = np.searchsorted(classes, y)
    result = {}
    for k, label in enumerate(classes):
        rows = np.flatnonzero((idx == k) & (raw_weight > 0))
        ratio = weight[rows[0]] / raw_weight[rows[0]] if rows.size else 0.0
        result[label.item() if hasattr(label, "item") else label] = float(ratio)
    return result


# --- the training loop over a cluster --------------------------------------------


def run_epoch(data, objective, optimizer, schedule, state, config, reference):
    """One epoch of :func:`skgd._training.run_epoch` over a cluster's rows.

    The weights are normalised as the local loop does them; each batch's
    gradient is the sum of the workers' shares, and the updates go through
    the local :func:`skgd._training.run_batches`.
    """
    n_samples = data.n_samples
    batch_size = resolve_batch_size(config.batch_size, n_samples)
    fold_weight_mean(state, n_samples, data.weight_mean)
    full_batch = batch_size >= n_samples
    divisor = data.weight_max if full_batch else state.weight_mean
    if not divisor > 0:
        return 0.0, None
    full_weight = data.begin_epoch(state, batch_size, config.shuffle, divisor)

    def batches():
        for k, start in enumerate(range(0, n_samples, batch_size)):
            n_rows = min(batch_size, n_samples - start)
            normaliser = full_weight if full_batch else float(n_rows)

            def gradient(params, k=k, normaliser=normaliser):
                return data.gradient(objective, params, k, normaliser)

            yield n_rows, normaliser, gradient

    return run_batches(
        objective, optimizer, schedule, state, config, reference, batches()
    )
