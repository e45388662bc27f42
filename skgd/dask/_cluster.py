"""Data-parallel training on a dask cluster, streaming, and blockwise prediction.

How a fit runs:

1. Each partition of ``(X, y, sample_weight)`` is validated where it is
   computed, and stays there (persisted once).
2. One task gathers the targets and weights (never the features) on a worker
   and computes what the local estimator computes from all the data before
   training: the classes, class weights, target scaling and the initial model.
3. One actor per worker takes over that worker's partitions: it encodes them
   and concatenates them into one block of rows.
4. The client runs the training loop. For each mini-batch it sends the
   parameters to every actor; each computes the gradient of its share of the
   batch (normalised by the whole batch's weight), the client adds them up and
   applies one update of the optimizer and schedule. Actor calls go from the
   client to the workers directly, without the scheduler: a step costs one
   round trip.

The global row order is the partitions' order. Each epoch, every actor draws
the same permutation of all training rows from the estimator's random state
(shipped to it) and keeps the positions of its own rows; batch ``k`` takes
positions ``k * batch_size`` to ``(k + 1) * batch_size``. The batches are
therefore exactly those a local fit draws on the concatenated data, and a
worker contributes on average ``batch_size * n_worker_rows / n_rows`` rows.
"""

import copy
from operator import itemgetter

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import scipy.sparse as sp
from dask.dataframe.utils import meta_nonempty
from distributed import wait

from .._training import train
from ._adapter import run_epoch
from ._stats import ScoreStats

# --- collections and their row blocks -------------------------------------------


def is_dask_collection(obj):
    return obj is not None and dask.is_dask_collection(obj)


def _as_dask(X):
    if is_dask_collection(X):
        return X
    if hasattr(X, "iloc"):
        return dd.from_pandas(X, npartitions=1)
    return da.from_array(X if sp.issparse(X) else np.asarray(X))


def _row_blocks(obj):
    """Delayed row blocks of a dask collection, and their lengths (or None)."""
    if isinstance(obj, da.Array):
        if obj.ndim == 2:
            obj = obj.rechunk({1: -1})
        return list(obj.to_delayed().ravel()), obj.chunks[0]
    if isinstance(obj, dd.DataFrame | dd.Series):
        return list(obj.to_delayed()), None
    raise TypeError(f"Expected a dask array or DataFrame, got {type(obj).__name__}.")


def _aligned_blocks(obj, X, chunks, n_blocks, name):
    """Row blocks of ``obj`` matching those of ``X``."""
    if obj is None:
        return [None] * n_blocks
    if not is_dask_collection(obj):
        if chunks is None or any(np.isnan(chunks)):
            raise ValueError(
                f"{name} must be a dask collection partitioned like X when X's "
                "partition sizes are unknown."
            )
        obj = da.from_array(np.asarray(obj), chunks=(chunks,) + np.shape(obj)[1:])
    if isinstance(obj, da.Array) and chunks is not None:
        known = not any(np.isnan(obj.chunks[0])) and not any(np.isnan(chunks))
        if known and obj.chunks[0] != chunks:
            obj = obj.rechunk({0: chunks})
    blocks, _ = _row_blocks(obj)
    if len(blocks) != n_blocks:
        raise ValueError(
            f"{name} has {len(blocks)} partitions but X has {n_blocks}; partition "
            f"them alike (e.g. {name} = {name}.repartition(divisions=X.divisions))."
        )
    return blocks


def partitions(X, y=None, sample_weight=None):
    """Aligned delayed ``(X, y, sample_weight)`` row blocks, with their lengths."""
    X = _as_dask(X)
    blocks, chunks = _row_blocks(X)
    ys = _aligned_blocks(y, X, chunks, len(blocks), "y")
    weights = _aligned_blocks(sample_weight, X, chunks, len(blocks), "sample_weight")
    return list(zip(blocks, ys, weights, strict=True)), chunks


def first_row(X):
    """One row shaped and typed like ``X``, without computing ``X``."""
    X = _as_dask(X)
    if isinstance(X, dd.DataFrame):
        return meta_nonempty(X._meta).iloc[:1]
    return np.ones((1, X.shape[1]), dtype=X.dtype)


def _wait(client, futures):
    """Wait for ``futures`` of ``client`` (which need not be the default)."""
    with client.as_current():
        wait(futures)


def _client_of(client):
    from distributed import default_client

    return default_client() if client is None else client


# --- the workers' side ---------------------------------------------------------


class _Shard:
    """A worker's training (and validation) rows and the computations on them.

    Created as a dask actor on the worker that holds the partitions, so the
    rows never move; the client calls its methods directly.
    """

    def __init__(self, adapter, setup, objectives, parts, val_parts, layout):
        self.objective, self.unpenalised = objectives
        self.info = setup.info
        self.adapter = adapter
        offsets = layout["offsets"]
        self.offsets = offsets
        self.mine = np.zeros(len(offsets) - 1, dtype=bool)
        self.shift = np.zeros(len(offsets) - 1, dtype=np.int64)
        train, val, loc = [], [], 0
        for pid, (X, y, weight) in parts:
            X, Y, weight = adapter.encode(X, y, weight, setup)
            seed = None if layout["seeds"] is None else layout["seeds"][pid]
            if seed is not None and adapter.validation_size(len(y)):
                (X, Y, weight), held_out = adapter.split(X, Y, y, weight, seed)
                val.append(held_out)
            self.mine[pid] = True
            self.shift[pid] = loc - offsets[pid]
            loc += X.shape[0]
            train.append((X, Y, weight))
        for X, y, weight in val_parts:
            val.append(adapter.encode_validation(X, y, weight, setup.info))
        self.X, self.Y, self.weight = (
            _concat([t[i] for t in train]) if train else None for i in range(3)
        )
        self.n = loc
        self.val = (
            tuple(_concat([v[i] for v in val]) for i in range(4)) if val else None
        )
        self.plan = None

    def weight_stats(self):
        """(rows, largest weight, sum of weights / largest), overflow-safe."""
        if not self.n:
            return 0, 0.0, 0.0
        largest = float(self.weight.max())
        ratio = float((self.weight / largest).sum()) if largest > 0 else 0.0
        return self.n, largest, ratio

    def monitored(self, params, largest):
        """Monitored loss (weighted mean) on all rows and the weight it has."""
        if not self.n:
            return None
        weight = self.weight / largest
        total = float(weight.sum())
        if not total > 0:
            return None
        with np.errstate(all="ignore"):
            value = self.unpenalised.monitored_value(params, self.X, self.Y, weight)
        return value, total

    def begin_epoch(self, n_samples, batch_size, rng_state, divisor, return_rng):
        """Plan this worker's rows of every batch of the epoch.

        ``rng_state`` is the state of the estimator's random generator (None
        without shuffling): every worker draws the same permutation from it.
        """
        self.divisor = self.weight.dtype.type(divisor) if self.n else divisor
        if batch_size >= n_samples:
            self.plan = None
            self.owns_first = self.n > 0 and bool(
                self.mine[np.searchsorted(self.offsets, 0, side="right") - 1]
            )
            return (float((self.weight / self.divisor).sum()) if self.n else 0.0), None
        if rng_state is None:
            order = np.arange(n_samples)
        else:
            rng = np.random.RandomState()
            rng.set_state(rng_state)
            order = rng.permutation(n_samples)
        part = np.searchsorted(self.offsets, order, side="right") - 1
        positions = np.flatnonzero(self.mine[part])
        rows = order[positions] + self.shift[part[positions]]
        batch = positions // batch_size
        n_batches = -(-n_samples // batch_size)
        bounds = np.searchsorted(batch, np.arange(n_batches + 1))
        firsts = set(batch[positions % batch_size == 0].tolist())
        self.plan = (rows, bounds, firsts)
        return None, (rng.get_state() if return_rng and rng_state else None)

    def gradient(self, params, k, normaliser):
        """Value, gradients and weight of this worker's share of batch ``k``.

        The worker holding the batch's first row adds the penalty, so that
        the sum over workers counts it once.
        """
        if self.plan is None:
            rows, owns = slice(None), self.owns_first
            if not self.n:
                return None
        else:
            all_rows, bounds, firsts = self.plan
            rows = all_rows[bounds[k] : bounds[k + 1]]
            if not rows.size:
                return None
            owns = k in firsts
        weight = self.weight[rows] / self.divisor
        objective = self.objective if owns else self.unpenalised
        with np.errstate(all="ignore"):
            value, grads = objective.smooth_value_and_grad(
                params, self.X[rows], self.Y[rows], weight, normaliser
            )
        return value, grads, float(weight.sum())

    def validation(self, params, weighted):
        if self.val is None:
            return None
        with np.errstate(all="ignore"):
            return self.adapter.validation_stats(
                self.objective, params, self.val, self.info, weighted
            )


def _concat(arrays):
    if any(sp.issparse(a) for a in arrays):
        return sp.vstack(arrays, format="csr")
    return np.concatenate(arrays)


# --- the client's side ------------------------------------------------------------


class ClusterData:
    """The training rows held by the actors, seen from the training loop."""

    def __init__(self, adapter, actors, n_samples, info):
        self.adapter = adapter
        self.actors = actors
        self.n_samples = n_samples
        self.info = info
        self._full_batch = None  # the divisor of the last full-batch plan
        stats = self._call("weight_stats")
        self.weight_max = max(s[1] for s in stats)
        if self.weight_max > 0:
            ratio = sum(s[2] * (s[1] / self.weight_max) for s in stats)
            self.weight_mean = self.weight_max * (ratio / n_samples)
        else:
            self.weight_mean = 0.0

    def _call(self, method, *args):
        futures = [getattr(actor, method)(*args) for actor in self.actors]
        return [f.result() for f in futures]

    def run_epoch(self, objective, optimizer, schedule, state, config, reference):
        """One pass of ``skgd._training.train`` over the actors' rows."""
        return run_epoch(self, objective, optimizer, schedule, state, config, reference)

    def reference(self, objective, params):
        """The monitored value at ``params`` on all training rows."""
        if not self.weight_max > 0:
            return 0.0
        parts = [p for p in self._call("monitored", params, self.weight_max) if p]
        means, weights = zip(*parts, strict=True)
        return self.adapter.monitored_value(objective, params, means, weights)

    def begin_epoch(self, state, batch_size, shuffle, divisor):
        """Let the actors plan the epoch; the full batch's weight, if one batch."""
        full_batch = batch_size >= self.n_samples
        if full_batch and self._full_batch == divisor:
            return self._full_weight  # the actors' plan is the last epoch's
        rng_state = state.rng.get_state() if shuffle and not full_batch else None
        futures = [
            actor.begin_epoch(self.n_samples, batch_size, rng_state, divisor, i == 0)
            for i, actor in enumerate(self.actors)
        ]
        results = [f.result() for f in futures]
        if rng_state is not None:
            # the same draws as the actors made, so that later epochs continue
            # the local estimator's random stream
            state.rng.set_state(results[0][1])
        self._full_batch = divisor if full_batch else None
        if full_batch:
            self._full_weight = float(sum(r[0] for r in results))
            return self._full_weight
        return None

    def gradient(self, objective, params, k, normaliser):
        parts = [p for p in self._call("gradient", params, k, normaliser) if p]
        values, grads, weights = zip(*parts, strict=True)
        total = [g.copy() for g in grads[0]]
        for more in grads[1:]:
            for g, h in zip(total, more, strict=True):
                g += h
        return self.adapter.combine_values(objective, values, weights), total

    def validation(self, params):
        """(validation loss, validation score) of ``params``."""
        stats = [s for s in self._call("validation", params, True) if s]
        if not stats:
            # a random split can draw only zero weights: then unweighted
            stats = [s for s in self._call("validation", params, False) if s]
        return self.adapter.combine_validation(stats, self.info)


def _length(part):
    return part[0].shape[0]


def _placement(client, futures):
    """The address of a worker holding each future."""
    who_has = client.who_has(futures)
    return [sorted(who_has[f.key])[0] for f in futures]


def fit_on_cluster(adapter, client, data, val_data, init):
    """Train ``adapter.local`` data-parallel on ``data = (X, y, sample_weight)``."""
    local = adapter.local
    optimizer, schedule = adapter.resolve()
    blocks, _ = partitions(*data)
    dtype = adapter.record_features(first_row(data[0]))
    n_features = local.n_features_in_
    check = dask.delayed(adapter.check_partition, pure=True)
    checked = client.compute([check(*block) for block in blocks])
    held = list(checked)
    try:
        _wait(client, checked)
        sizes = np.array(client.gather(client.map(_length, checked)))
        setup = client.submit(
            adapter.setup,
            [client.submit(itemgetter(1), f) for f in checked],
            [client.submit(itemgetter(2), f) for f in checked],
            n_features,
            dtype,
            local.random_state,
            init,
        ).result()
        early_stopping = local.early_stopping or val_data[0] is not None
        layout = _layout(adapter, setup, sizes, early_stopping and val_data[0] is None)
        val_checked = []
        if val_data[0] is not None:
            val_blocks, _ = partitions(*val_data)
            val_checked = client.compute([check(*block) for block in val_blocks])
            held += val_checked
            _wait(client, val_checked)
        objective, unpenalised = adapter.objectives(setup.network, setup.info)
        actors = _start_actors(
            client,
            (adapter, setup, (objective, unpenalised)),
            checked,
            val_checked,
            layout,
        )
        held += actors
        for future in checked + val_checked:
            future.release()
        n_train = int(layout["offsets"][-1])
        data = ClusterData(adapter, [f.result() for f in actors], n_train, setup.info)
        state = adapter.new_state(setup, optimizer, schedule)
        config = adapter.config(early_stopping, optimizer, n_train)
        score = data.validation if early_stopping else None
        stopped = train(
            objective, optimizer, schedule, state, data, config, local.max_iter, score
        )
        adapter.commit(setup, state, optimizer, schedule, objective, config, stopped)
    finally:
        for future in held:
            future.release()
    return local


def _layout(adapter, setup, sizes, split):
    """Global offsets of each partition's training rows; the split's seeds."""
    seeds = None
    n_train = sizes
    if split:
        seeds = setup.rng.randint(np.iinfo(np.int32).max, size=len(sizes))
        n_val = np.array([adapter.validation_size(int(n)) for n in sizes])
        if not n_val.sum():
            raise ValueError(
                "early_stopping needs a validation split, but no partition has "
                f"enough rows for validation_fraction="
                f"{adapter.local.validation_fraction}. Pass X_val and y_val, or "
                "disable early_stopping."
            )
        n_train = sizes - n_val
    offsets = np.concatenate([[0], np.cumsum(n_train)]).astype(np.int64)
    return {"offsets": offsets, "seeds": seeds}


def _start_actors(client, shared, checked, val_checked, layout):
    """One actor per worker holding partitions, built from its partitions."""
    where = _placement(client, checked) if checked else []
    val_where = _placement(client, val_checked) if val_checked else []
    workers = sorted(set(where) | set(val_where))
    actors = []
    for worker in workers:
        parts = [(pid, f) for pid, f in enumerate(checked) if where[pid] == worker]
        val = [f for f, w in zip(val_checked, val_where, strict=True) if w == worker]
        actors.append(
            client.submit(
                _Shard,
                *shared,
                parts,
                val,
                layout,
                actor=True,
                workers=[worker],
                allow_other_workers=False,
            )
        )
    return actors


# --- streaming, prediction, scoring ---------------------------------------------


def _partial_fit_block(model, block, classes):
    model = copy.deepcopy(model)  # the previous block's model stays intact
    X, y, sample_weight = block
    kwargs = {"sample_weight": sample_weight}
    if classes is not None:
        kwargs["classes"] = classes
    return model.partial_fit(X, y, **kwargs)


def stream_partial_fit(client, model, data, classes):
    """``model.partial_fit`` on each block of ``data`` in order, out of core.

    The model moves to the worker holding each block; at most two blocks are
    in memory at a time (one trains while the next is computed).
    """
    blocks, _ = partitions(*data)
    block = dask.delayed(tuple, pure=True)
    model_future = client.scatter(model, hash=False)
    ahead = [client.compute(block(blocks[0]))] if blocks else []
    try:
        for i in range(len(blocks)):
            if i + 1 < len(blocks):
                ahead.append(client.compute(block(blocks[i + 1])))
            current = ahead.pop(0)
            model_future = client.submit(
                _partial_fit_block, model_future, current, classes, pure=False
            )
            _wait(client, model_future)
            current.release()
        return model_future.result()
    finally:
        for future in ahead:
            future.release()


def _apply(model, method, X):
    return getattr(model, method)(X)


def apply_by_block(model, method, X):
    """``model.method`` on each row block of ``X``: a lazy dask array."""
    X = _as_dask(X)
    blocks, chunks = _row_blocks(X)
    meta = _apply(model, method, first_row(X))
    model = dask.delayed(model, pure=True, traverse=False)
    apply = dask.delayed(_apply, pure=True)
    lengths = chunks if chunks is not None else [np.nan] * len(blocks)
    arrays = [
        da.from_delayed(
            apply(model, method, b), (n,) + meta.shape[1:], dtype=meta.dtype
        )
        for b, n in zip(blocks, lengths, strict=True)
    ]
    return da.concatenate(arrays)


def _score_block(model, X, y, sample_weight, classifier):
    y = np.asarray(y)
    sample_weight = None if sample_weight is None else np.asarray(sample_weight)
    return ScoreStats.of_predictions(y, model.predict(X), sample_weight, classifier)


def score_on_cluster(client, model, X, y, sample_weight, classifier):
    """Accuracy or R^2 from per-block statistics computed on the workers."""
    blocks, _ = partitions(X, y, sample_weight)
    model = dask.delayed(model, pure=True, traverse=False)
    score = dask.delayed(_score_block, pure=True)
    tasks = [score(model, *block, classifier) for block in blocks]
    stats = ScoreStats.combine(client.gather(client.compute(tasks)))
    return stats.accuracy_value() if classifier else stats.regression_value()
