"""Loss functions: value, gradient with respect to the raw output, output link.

Every loss is a weighted *mean* over the samples of a batch (weights
normalised to sum to one), summed over output columns. With this convention
a full-batch fit with integer sample weights is arithmetically the same as a
fit on the correspondingly repeated samples.

Targets arrive encoded as a 2-D float array ``Y`` of shape
``(n_samples, n_outputs)``:

- regression: the targets;
- binary and multilabel classification: 0/1 per column, one raw score each;
- multiclass classification: one-hot rows, one raw score per class.
"""

import numpy as np
from scipy.special import expit, log_softmax, softmax

__all__ = [
    "Loss",
    "REGRESSION_LOSSES",
    "CLASSIFICATION_LOSSES",
    "get_loss",
]


class Loss:
    """A loss on raw outputs ``(n_samples, n_outputs)``.

    Subclasses implement :meth:`pointwise`, returning the per-sample loss
    (summed over outputs) and its derivative with respect to the raw output.
    """

    #: whether the loss models class probabilities (enables predict_proba)
    is_probabilistic = False
    #: the loss of ``s * raw`` against ``s * Y`` is ``s ** degree`` times the
    #: loss of ``raw`` against ``Y`` (regression losses, with their epsilon
    #: scaled too): how standardising the target rescales the objective
    degree = 2

    def pointwise(self, raw, Y):
        """Per-sample loss ``(n,)`` and its gradient ``(n, n_outputs)``."""
        raise NotImplementedError

    def loss_gradient(self, raw, Y, sample_weight=None, total_weight=None):
        """Weighted mean loss and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_outputs)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None
        total_weight : float or None
            The normaliser of the weighted sum, ``sample_weight.sum()`` when
            None. The training loop passes ``n_batch * mean(weights of the
            data)`` for mini-batches, which makes the batch loss an unbiased
            estimate of the full weighted mean (a batch of low-weight samples
            then takes a small step, as it should).

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_samples, n_outputs)
            Already divided by the total weight, so that the gradient of the
            mean loss with respect to a parameter is ``d(raw)/d(param).T @ grad``.
        """
        values, grad = self.pointwise(raw, Y)
        if sample_weight is None:
            n = raw.shape[0]
            return float(values.sum()) / n, grad / raw.dtype.type(n)
        if total_weight is None:
            total_weight = sample_weight.sum()
        scale = (sample_weight / total_weight).astype(raw.dtype, copy=False)
        return float(scale @ values), grad * scale[:, None]

    def loss(self, raw, Y, sample_weight=None):
        """Weighted mean loss (see :meth:`loss_gradient`)."""
        values, _ = self.pointwise(raw, Y)
        return float(np.average(values, weights=sample_weight))

    def monitored(self, raw, Y, sample_weight=None, total_weight=None):
        """The weighted mean that training monitors (by default the loss).

        Stopping rules, ``loss_curve_`` and the validation loss of early
        stopping use this value. ``total_weight`` normalises as in
        :meth:`loss_gradient`.
        """
        values, _ = self.pointwise(raw, Y)
        return _weighted_mean(values, sample_weight, total_weight)


def _weighted_mean(values, sample_weight, total_weight):
    if sample_weight is None:
        return float(values.mean())
    if total_weight is None:
        total_weight = float(sample_weight.sum())
    return float(sample_weight @ values) / total_weight


# --- regression -------------------------------------------------------------


class SquaredError(Loss):
    r""":math:`\tfrac12 (\hat y - y)^2`."""

    def pointwise(self, raw, Y):
        r = raw - Y
        return 0.5 * (r * r).sum(axis=1), r


class Huber(Loss):
    r""":math:`\tfrac12 r^2` for :math:`|r| \le \epsilon`, else
    :math:`\epsilon |r| - \tfrac12\epsilon^2`, with :math:`r = \hat y - y`."""

    def __init__(self, epsilon=0.1):
        self.epsilon = epsilon

    def pointwise(self, raw, Y):
        r = raw - Y
        a = np.abs(r)
        eps = self.epsilon
        values = np.where(a <= eps, 0.5 * r * r, eps * a - 0.5 * eps * eps)
        return values.sum(axis=1), np.clip(r, -eps, eps)


class EpsilonInsensitive(Loss):
    r""":math:`\max(0, |\hat y - y| - \epsilon)`."""

    degree = 1

    def __init__(self, epsilon=0.1):
        self.epsilon = epsilon

    def pointwise(self, raw, Y):
        r = raw - Y
        excess = np.abs(r) - self.epsilon
        return np.maximum(excess, 0).sum(axis=1), np.sign(r) * (excess > 0)


class SquaredEpsilonInsensitive(Loss):
    r""":math:`\max(0, |\hat y - y| - \epsilon)^2`."""

    def __init__(self, epsilon=0.1):
        self.epsilon = epsilon

    def pointwise(self, raw, Y):
        r = raw - Y
        excess = np.maximum(np.abs(r) - self.epsilon, 0)
        return (excess * excess).sum(axis=1), 2 * np.sign(r) * excess


class AbsoluteError(Loss):
    r""":math:`|\hat y - y|`."""

    degree = 1

    def pointwise(self, raw, Y):
        r = raw - Y
        return np.abs(r).sum(axis=1), np.sign(r)


# --- classification -----------------------------------------------------------
#
# Margin losses phi(z) of the margin z. Binary/multilabel: z = y_pm * raw with
# y_pm = 2Y - 1 per column. Multiclass: z_j = s_y - s_j for every j != y,
# loss = sum_j phi(z_j) -- for the hinge this is the Weston-Watkins loss
# sum_{j != y} max(0, s_j - s_y + 1).


def _hinge(z):
    return np.maximum(1 - z, 0), -(z <= 1).astype(z.dtype)


def _squared_hinge(z):
    m = np.maximum(1 - z, 0)
    return m * m, -2 * m


def _modified_huber(z):
    m = np.maximum(1 - z, 0)
    small = z >= -1
    return np.where(small, m * m, -4 * z), np.where(small, -2 * m, -4.0).astype(z.dtype)


def _perceptron(z):
    # z <= 0 (not < 0) so that all-zero initial weights receive a gradient.
    return np.maximum(-z, 0), -(z <= 0).astype(z.dtype)


class MarginLoss(Loss):
    r"""A margin loss, binary/multilabel per column or multiclass pairwise.

    The perceptron criterion is zero at zero weights and grows with their
    scale, so a lower value does not mean a better model: for it, training
    monitors the weighted fraction of samples with a margin violation
    (:math:`z \le 0`), the quantity the perceptron actually drives down.
    ``modified_huber`` gives probabilities as scikit-learn's SGD does:
    :math:`(\operatorname{clip}(s, -1, 1) + 1) / 2` per class, normalised
    over the classes (uniform where all are zero).
    """

    def __init__(self, phi, multiclass):
        self.phi = phi
        self.multiclass = multiclass
        self.is_probabilistic = phi is _modified_huber
        self.scale_free = phi is _perceptron

    def monitored(self, raw, Y, sample_weight=None, total_weight=None):
        if self.phi is not _perceptron:
            return super().monitored(raw, Y, sample_weight, total_weight)
        if self.multiclass:
            true_score = (raw * Y).sum(axis=1, keepdims=True)
            margins = np.where(Y > 0, np.inf, true_score - raw)
            violated = (margins <= 0).any(axis=1)
        else:
            violated = ((2 * Y - 1) * raw <= 0).sum(axis=1)
        return _weighted_mean(violated.astype(raw.dtype), sample_weight, total_weight)

    def probabilities(self, raw):
        """Class (multiclass) or positive-label (per column) probabilities."""
        proba = (np.clip(raw, -1, 1) + 1) / 2
        if not self.multiclass:
            return proba
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, proba / total, uniform)

    def pointwise(self, raw, Y):
        if not self.multiclass:
            sign = 2 * Y - 1
            values, dz = self.phi(sign * raw)
            return values.sum(axis=1), dz * sign
        true_score = (raw * Y).sum(axis=1, keepdims=True)
        values, dz = self.phi(true_score - raw)
        not_true = 1 - Y
        values = (values * not_true).sum(axis=1)
        dz = dz * not_true
        # d/ds_j = -phi'(z_j) for j != y; d/ds_y = sum_j phi'(z_j)
        return values, Y * dz.sum(axis=1, keepdims=True) - dz


class LogLoss(Loss):
    """Cross-entropy: sigmoid per column, or softmax when ``multiclass``."""

    is_probabilistic = True

    def __init__(self, multiclass):
        self.multiclass = multiclass

    def pointwise(self, raw, Y):
        if self.multiclass:
            log_p = log_softmax(raw, axis=1)
            return -(Y * log_p).sum(axis=1), np.exp(log_p) - Y
        # log(1 + exp(-z)) with z = (2y - 1) raw, written stably
        values = np.logaddexp(0, raw) - Y * raw
        return values.sum(axis=1), expit(raw) - Y

    def probabilities(self, raw):
        """Class (multiclass) or positive-label (per column) probabilities."""
        return softmax(raw, axis=1) if self.multiclass else expit(raw)


REGRESSION_LOSSES = {
    "squared_error": SquaredError,
    "huber": Huber,
    "epsilon_insensitive": EpsilonInsensitive,
    "squared_epsilon_insensitive": SquaredEpsilonInsensitive,
    "absolute_error": AbsoluteError,
}

_MARGINS = {
    "hinge": _hinge,
    "squared_hinge": _squared_hinge,
    "modified_huber": _modified_huber,
    "perceptron": _perceptron,
}

CLASSIFICATION_LOSSES = ("log_loss", *_MARGINS)


def get_loss(name, *, multiclass=False, epsilon=0.1):
    """Build the loss object for a loss name.

    Parameters
    ----------
    name : str
        A regression or classification loss name.
    multiclass : bool, default=False
        For classification losses: softmax / pairwise over classes (one-hot
        ``Y``) instead of independent columns.
    epsilon : float, default=0.1
        Threshold of the Huber and epsilon-insensitive losses.

    Returns
    -------
    Loss

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.losses import get_loss
    >>> loss, grad = get_loss("squared_error").loss_gradient(
    ...     np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]]))
    >>> loss, grad.ravel()
    (2.5, array([0.5, 1.5]))
    """
    if name in REGRESSION_LOSSES:
        cls = REGRESSION_LOSSES[name]
        return cls(epsilon) if cls not in (SquaredError, AbsoluteError) else cls()
    if name == "log_loss":
        return LogLoss(multiclass)
    if name in _MARGINS:
        return MarginLoss(_MARGINS[name], multiclass)
    raise ValueError(f"Unknown loss {name!r}.")
