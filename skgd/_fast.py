"""The compiled epochs of the linear models: when they apply, and the call.

:func:`epoch_runner` is asked by the training loop before every epoch; it
returns a runner when the compiled loop of :mod:`skgd._kernels` computes
exactly what the generic loop would (a linear model, a built-in loss,
optimizer and schedule, C-ordered float arrays of one dtype), and None
otherwise, so that user-defined optimizers, losses or schedules take the
generic path. Everything the generic loop keeps in Python (optimizer step
count, NAdam's momentum product, the schedule's progress) is updated here
the same way.
"""

import math

import numpy as np
import scipy.sparse as sp

from . import losses as _losses
from . import optimizers as _optimizers
from . import schedules as _schedules

_OPTIMIZERS = (
    _optimizers.SGD,
    _optimizers.Adagrad,
    _optimizers.Adadelta,
    _optimizers.RMSprop,
    _optimizers.Adam,
    _optimizers.AdamW,
    _optimizers.NAdam,
    _optimizers.Rprop,
)
_REGRESSION = {cls: name for name, cls in _losses.REGRESSION_LOSSES.items()}
_MARGINS = {phi: name for name, phi in _losses._MARGINS.items()}


def _loss_name(loss):
    if type(loss) in _REGRESSION:
        return _REGRESSION[type(loss)]
    if type(loss) is _losses.LogLoss:
        return "log_loss"
    if type(loss) is _losses.MarginLoss:
        return _MARGINS.get(loss.phi)
    return None


def _vectorised_schedule(schedule):
    """Whether ``schedule.rate`` accepts an array of steps (built-ins only)."""
    if type(schedule).__module__ != _schedules.__name__:
        return False
    after = getattr(schedule, "after", None)
    return after is None or _vectorised_schedule(after)


def _learning_rates(schedule, lr0, schedule_state, n_steps):
    """The rates of the next ``n_steps`` updates, as the generic loop asks them."""
    if schedule.unit == "epoch":
        return np.full(n_steps, float(schedule.rate(lr0, schedule_state)))
    steps = schedule_state["step"] + np.arange(n_steps)
    rates = schedule.rate(lr0, {**schedule_state, "step": steps})
    return np.ascontiguousarray(np.broadcast_to(rates, (n_steps,)), dtype=np.float64)


def _dense_ready(*arrays):
    """Whether the arrays are C-ordered numpy arrays of the last one's dtype."""
    dtype = arrays[-1].dtype
    return all(
        isinstance(a, np.ndarray) and a.dtype == dtype and a.flags.c_contiguous
        for a in arrays
    )


def _csr_ready(X, Y, sample_weight, params):
    return (
        X.format == "csr"
        and X.dtype == params[0].dtype
        and X.has_canonical_format
        and _dense_ready(Y, sample_weight, *params)
    )


def epoch_runner(objective, optimizer, schedule, data, params):
    """A function running one compiled epoch, or None when none applies.

    ``data = (X, Y, sample_weight)``, the weights already divided by the
    typical weight (see :func:`skgd._training.run_epoch`).
    """
    X, Y, sample_weight = data
    loss = _loss_name(objective.loss)
    network = objective.network
    ok = (
        type(optimizer) in _OPTIMIZERS
        and (schedule.unit == "epoch" or _vectorised_schedule(schedule))
        and loss is not None
        and params[0].dtype in (np.float32, np.float64)
        and params[0].ndim == 2
    )
    if not ok:
        return None
    if network.n_layers > 1:
        ready = network.activation in _MLP_ACTIVATIONS and _dense_ready(
            X, Y, sample_weight, *params
        )
        return _MLPEpoch(objective, optimizer, schedule, loss) if ready else None
    if sp.issparse(X):
        ready = _csr_ready(X, Y, sample_weight, params)
    else:
        ready = _dense_ready(X, Y, sample_weight, *params)
    return _Epoch(objective, optimizer, schedule, loss) if ready else None


_MLP_ACTIVATIONS = ("identity", "relu", "leaky_relu", "tanh", "logistic")


def sparse_mode(optimizer, l1, l2, average):
    """How a CSR step updates the weights (see :mod:`skgd._kernels`).

    The weight-scale and lazy updates touch only the batch's features; an
    L1 penalty or weight averaging moves every coordinate at every step, and
    so does an L2 penalty (or weight decay) for any rule but plain SGD.
    """
    from . import _kernels

    if l1 or average:
        return _kernels.DENSE_UPDATE
    if type(optimizer) is _optimizers.SGD and not optimizer.momentum:
        return _kernels.SCALED
    if l2 or getattr(optimizer, "weight_decay", 0.0):
        return _kernels.DENSE_UPDATE
    return _kernels.LAZY


def _l1_mode(objective, optimizer, config):
    from . import _kernels

    if not objective.l1:
        return _kernels.L1_NONE
    if not optimizer.proximal:
        return _kernels.L1_ORTHANT
    return _kernels.L1_CUMULATIVE if config.cumulative_l1 else _kernels.L1_PROX


def _l1_state(state, network, mode, dtype):
    """Per weight matrix, the cumulative L1 ``(total, applied)`` (created at
    zero), or empty arrays when the mode has none."""
    from . import _kernels, _training

    if mode != _kernels.L1_CUMULATIVE:
        empty = np.empty(0, dtype=dtype)
        return [(empty, empty)] * network.n_layers
    return list(zip(*_training.cumulative_l1_state(state, network), strict=True))


def _loss_spec(objective):
    """``(loss, multiclass, epsilon, errors)`` of the kernels."""
    from . import _kernels

    loss = objective.loss
    return (
        _kernels.LOSSES[_loss_name(loss)],
        bool(getattr(loss, "multiclass", False)),
        float(getattr(loss, "epsilon", 0.0)),
        bool(getattr(loss, "scale_free", False)),
    )


def _rule_and_masks(optimizer, params, opt_state, weight_index, bias_index):
    """The packed rules of the weights and of the intercepts, and the state
    slots of every array; None when the weights (or the intercepts) do not
    share one rule (a decay mask that is not by kind)."""
    hypers, slots = _optimizers.compiled_rule(optimizer, params, opt_state)
    hyper_w = {hypers[i] for i in weight_index}
    hyper_b = {hypers[i] for i in bias_index} or set(hyper_w)
    if len(hyper_w) != 1 or len(hyper_b) != 1:
        return None
    return hyper_w.pop(), hyper_b.pop(), slots


def _finish(state, opt_state, result, scalars, reference):
    """Write back the counters of a compiled epoch; ``(mean loss, reason)``."""
    from . import _training

    status, total, seen, value, steps, t = result
    opt_state["step"] = int(t)
    if "mu_product" in opt_state:
        opt_state["mu_product"] = float(scalars[0])
    state.schedule_state["step"] += int(steps)
    reason = _training.batch_reason(value, reference) if status else None
    return _training.epoch_outcome(state.params, total, seen, reason)


def _averaging(state, config, shapes, dtype):
    """``(average buffers, counters)`` for the kernels: the running average
    of each parameter (uninitialised before averaging starts) and
    ``[samples seen, samples before averaging starts, n_avg]``."""
    if state.avg_params is not None:
        buffers = state.avg_params
    else:
        buffers = [np.empty(shape, dtype=dtype) for shape in shapes]
    counters = np.array([state.t, config.average, state.n_avg], dtype=np.int64)
    return buffers, counters


def _finish_averaging(state, buffers, counters):
    state.t = int(counters[0])
    state.n_avg = int(counters[2])
    if state.n_avg and state.avg_params is None:
        state.avg_params = buffers


class _Epoch:
    """A linear model's epoch, dense or CSR, in one compiled call."""

    def __init__(self, objective, optimizer, schedule, loss):
        self.objective = objective
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss

    def __call__(self, state, data, config, batch_size, reference):
        """Run the epoch; ``(mean loss, reason)`` as ``run_batches``, or None
        (nothing run) when the optimizer's decay mask is not by kind."""
        from . import _kernels, _training

        X, Y, sample_weight = data
        n = X.shape[0]
        objective, optimizer = self.objective, self.optimizer
        params = state.params
        W = params[0]
        dtype = W.dtype
        fit_intercept = len(params) > 1
        b = params[1] if fit_intercept else np.empty(0, dtype=dtype)
        opt_state = state.optimizer_state
        rules = _rule_and_masks(
            optimizer, params, opt_state, [0], [1] if fit_intercept else []
        )
        if rules is None:
            return None
        hyper_w, hyper_b, slots = rules
        state_b = slots[1] if fit_intercept else (b, b, b)  # b empty: no state
        full = batch_size >= n
        order = np.arange(n) if full or not config.shuffle else state.rng.permutation(n)
        n_batches = math.ceil(n / batch_size)
        lrs = _learning_rates(
            self.schedule, config.learning_rate_init, state.schedule_state, n_batches
        )
        scalars = np.array([opt_state.get("mu_product", 1.0)])
        l1_mode = _l1_mode(objective, optimizer, config)
        l1_states = _l1_state(state, objective.network, l1_mode, dtype)
        l1state = tuple(a.reshape(-1) for a in l1_states[0])
        limit = _training.batch_limit(reference)
        pen = (
            float(objective.l1),
            l1_mode,
            float(objective.l2),
            float(config.max_grad_norm or 0.0),
            limit,
        )
        buffers, counters = _averaging(state, config, [W.shape, b.shape], dtype)
        averaging = (buffers[0], buffers[1], counters)
        common = (
            Y, sample_weight, order, batch_size, full,
            W, b, hyper_w, hyper_b, slots[0], state_b,
            opt_state["step"], scalars, lrs,
            _loss_spec(objective), pen, l1state, averaging,
        )  # fmt: skip
        raw = np.empty((min(batch_size, n), W.shape[1]), dtype=dtype)
        gb = np.empty(b.shape[0], dtype=dtype)
        if sp.issparse(X):
            mode = sparse_mode(optimizer, objective.l1, objective.l2, config.average)
            scratch = _csr_scratch(X, W, hyper_w, batch_size, n_batches, mode)
            result = _kernels.linear_epoch_csr(
                X.data, X.indices, X.indptr, *common, raw, gb, *scratch
            )
        else:
            G = np.empty_like(W)
            result = _kernels.linear_epoch_dense(X, *common, raw, G, gb)
        _finish_averaging(state, buffers, counters)
        return _finish(state, opt_state, result, scalars, reference)


def _csr_scratch(X, W, hyper, batch_size, n_batches, mode):
    """The work arrays of :func:`skgd._kernels.linear_epoch_csr`, in order."""
    from . import _kernels

    D, K = W.shape
    row_nnz = np.diff(X.indptr)
    most = min(D, int(row_nnz.max(initial=0)) * min(batch_size, X.shape[0])) or 1
    ratios, decay = _kernels.idle_ratios(hyper)
    if mode != _kernels.LAZY:
        ratios = ratios[:0]
    window = _idle_window(len(ratios), decay, n_batches)
    with np.errstate(over="ignore"):
        # a ratio above 1 (beta2 < beta1^2) only serves short gaps: the
        # kernel replays the idle steps of longer ones
        powers = np.minimum(ratios[:, None] ** np.arange(window + 1), 1e300)
    index = X.indices.dtype
    G = lazy = None
    if mode == _kernels.DENSE_UPDATE:
        G = np.zeros((D, K), dtype=W.dtype)
    elif mode == _kernels.LAZY:
        n = n_batches + 1
        lazy = (
            np.zeros(D, dtype=np.int64),  # last
            np.zeros((len(ratios), n)),  # acc
            powers,
            np.zeros(n),  # c1
            np.ones(n),  # c2
            np.empty(n),  # da
            np.empty(n),  # db
        )
    return (
        np.empty((most, K), dtype=W.dtype),  # Gc
        np.zeros(D, dtype=np.int64),  # tag
        np.empty(most, dtype=index),  # touched
        G,
        lazy,
    )


def _idle_window(n_sums, decay, n_steps):
    """Idle steps after which a coordinate's movement is below 1e-32 of the first."""
    if n_sums == 0:
        return 0
    if decay <= 0.0:
        return 1
    return int(min(n_steps, math.ceil(math.log(1e-32) / math.log(decay))))


class _MLPEpoch(_Epoch):
    """A multi-layer perceptron's epoch: BLAS products, compiled everything else.

    The same steps as the generic loop (forward, loss, backward, penalty,
    clipping, update, averaging) on preallocated buffers: nothing is
    allocated per batch. For the epoch the parameters, their gradients, the
    optimizer's state, the cumulative L1 totals and the averaged parameters
    live in flat buffers (weights first, then intercepts), so that one call
    updates them all; they are copied back at the end.
    """

    def __call__(self, state, data, config, batch_size, reference):
        from . import _kernels, _training

        X, Y, sample_weight = data
        n = X.shape[0]
        objective, optimizer = self.objective, self.optimizer
        network = objective.network
        params = state.params
        dtype = params[0].dtype
        opt_state = state.optimizer_state
        n_layers = network.n_layers
        weight_index = list(range(0, len(params), network._stride))
        bias_index = [i for i in range(len(params)) if i not in weight_index]
        rules = _rule_and_masks(optimizer, params, opt_state, weight_index, bias_index)
        if rules is None:
            return None
        hyper_w, hyper_b, slots = rules
        layout = weight_index + bias_index
        n_weights = sum(params[i].size for i in weight_index)
        theta, views = _flatten([params[i] for i in layout], dtype)
        grad, grad_views = _flatten([params[i] for i in layout], dtype, copy=False)
        flat_state = [
            _flatten([slots[i][k] for i in layout], dtype)[0] for k in range(3)
        ]
        unflat = dict(zip(layout, views, strict=True))
        unflat_grad = dict(zip(layout, grad_views, strict=True))
        weights = [unflat[i] for i in weight_index]
        wgrads = [unflat_grad[i] for i in weight_index]
        if bias_index:
            biases = [unflat[i] for i in bias_index]
            bgrads = [unflat_grad[i] for i in bias_index]
        else:
            biases = bgrads = [theta[:0]] * n_layers
        l1_mode = _l1_mode(objective, optimizer, config)
        l1_states = _l1_state(state, network, l1_mode, dtype)
        l1state = tuple(
            _flatten([pair[k] for pair in l1_states], dtype)[0] for k in range(2)
        )
        shapes = [params[i].shape for i in range(len(params))]
        avg_buffers, counters = _averaging(state, config, shapes, dtype)
        avg_flat, _ = _flatten([avg_buffers[i] for i in layout], dtype)
        full = batch_size >= n
        order = np.arange(n) if full or not config.shuffle else state.rng.permutation(n)
        n_batches = math.ceil(n / batch_size)
        lrs = _learning_rates(
            self.schedule, config.learning_rate_init, state.schedule_state, n_batches
        )
        scalars = np.array([opt_state.get("mu_product", 1.0)])
        l1, l2 = float(objective.l1), float(objective.l2)
        max_norm = float(config.max_grad_norm or 0.0)
        limit = _training.batch_limit(reference)
        pen = (l1, l1_mode, l2, max_norm, limit)
        act = _kernels.ACTIVATIONS[network.activation]
        lossspec = _loss_spec(objective)
        errors = lossspec[3]
        m_max = min(batch_size, n)
        xbuf = X if full else np.empty((m_max, X.shape[1]), dtype=dtype)
        Z = [np.empty((m_max, W.shape[1]), dtype=dtype) for W in weights]
        Dbuf = [np.empty((m_max, W.shape[1]), dtype=dtype) for W in weights[:-1]]
        t = opt_state["step"]
        steps, total, seen, value = 0, 0.0, 0, 0.0
        status = _kernels.DONE
        penalty = _kernels.penalty_value(theta[:n_weights], l1, l2)
        last = n_layers - 1
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            m = stop - start
            norm = float(sample_weight.sum()) if full else float(m)
            if not norm > 0:
                continue
            if not full:
                np.take(X, order[start:stop], axis=0, out=xbuf[:m], mode="clip")
            a = xbuf
            for i, W in enumerate(weights):
                np.matmul(a[:m], W, out=Z[i][:m])
                if i < last:
                    _kernels.bias_activation(Z[i], m, biases[i], act)
                    a = Z[i]
            value = _kernels.output_delta(
                Z[last], m, biases[last], Y, sample_weight, order, start, norm, lossspec
            )
            if not errors:
                value += penalty
            if not np.isfinite(value):
                status = _kernels.NON_FINITE
                break
            if value > limit:
                status = _kernels.OVER_LIMIT
                break
            delta = Z[last][:m]
            for i in range(last, -1, -1):
                a_prev = xbuf[:m] if i == 0 else Z[i - 1][:m]
                np.matmul(a_prev.T, delta, out=wgrads[i])
                if bgrads[i].shape[0]:
                    _kernels.column_sums(delta, m, bgrads[i])
                if i > 0:
                    np.matmul(delta, weights[i].T, out=Dbuf[i - 1][:m])
                    _kernels.activation_backward(Dbuf[i - 1], Z[i - 1], m, act)
                    delta = Dbuf[i - 1][:m]
            t += 1
            penalty = _kernels.update_flat(
                theta, grad, *flat_state, n_weights, hyper_w, hyper_b,
                t, lrs[steps], scalars, pen, l1state,
            )  # fmt: skip
            steps += 1
            total += value * m
            seen += m
            counters[0] += m
            if config.average and counters[0] >= config.average:
                counters[2] += 1
                _kernels.average_flat(theta, avg_flat, counters[2])
        _unflatten(theta, [params[i] for i in layout])
        for k in range(3):
            _unflatten(flat_state[k], [slots[i][k] for i in layout])
        if l1_mode == _kernels.L1_CUMULATIVE:
            for k in range(2):
                _unflatten(l1state[k], [pair[k] for pair in l1_states])
        if counters[2]:
            _unflatten(avg_flat, [avg_buffers[i] for i in layout])
        _finish_averaging(state, avg_buffers, counters)
        result = (status, total, seen, value, steps, t)
        return _finish(state, opt_state, result, scalars, reference)


def _flatten(arrays, dtype, copy=True):
    """One flat buffer holding ``arrays`` (copied in, or left uninitialised)
    and views of it shaped like them."""
    flat = np.empty(sum(a.size for a in arrays), dtype=dtype)
    views, offset = [], 0
    for a in arrays:
        view = flat[offset : offset + a.size].reshape(a.shape)
        if copy:
            view[...] = a
        views.append(view)
        offset += a.size
    return flat, views


def _unflatten(flat, arrays):
    """Copy consecutive pieces of ``flat`` back into ``arrays`` (the inverse
    of :func:`_flatten`; an empty array takes an empty piece)."""
    offset = 0
    for a in arrays:
        np.copyto(a, flat[offset : offset + a.size].reshape(a.shape))
        offset += a.size
