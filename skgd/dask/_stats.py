"""Accuracy and R^2 from additive statistics, combined across workers."""

import numpy as np


class ScoreStats:
    """Additive statistics of accuracy or R^2, combined across workers.

    Regression keeps per output the weight, weighted mean and centred sum of
    squares of the targets (Chan's parallel update keeps them stable) and the
    residual sum of squares.
    """

    def __init__(self, kind, values):
        self.kind = kind
        self.values = values

    @classmethod
    def of_predictions(cls, y, y_pred, weight, classifier):
        """Statistics of ``score``: accuracy (classifiers) or R^2."""
        if not classifier:
            return cls.regression(y, y_pred, weight)
        y, y_pred = np.asarray(y), np.asarray(y_pred)
        correct = (y == y_pred).reshape(len(y), -1).all(axis=1)
        w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
        return cls("accuracy", (float(w @ correct), float(w.sum())))

    @classmethod
    def accuracy(cls, fraction, total):
        """Statistics of a (weighted) accuracy ``fraction`` over weight ``total``."""
        return cls("accuracy", (float(fraction) * total, float(total)))

    @classmethod
    def regression(cls, y, y_pred, weight):
        y = np.asarray(y, dtype=float).reshape(len(y), -1)
        y_pred = np.asarray(y_pred, dtype=float).reshape(len(y), -1)
        w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
        total = float(w.sum())
        mean = w @ y / total if total > 0 else np.zeros(y.shape[1])
        m2 = w @ (y - mean) ** 2
        residual = w @ (y - y_pred) ** 2
        return cls("regression", (total, mean, m2, residual, len(y)))

    @classmethod
    def combine(cls, parts):
        parts = [p for p in parts if p is not None]
        if parts[0].kind == "accuracy":
            correct = sum(p.values[0] for p in parts)
            return cls("accuracy", (correct, sum(p.values[1] for p in parts)))
        total, mean, m2, residual, n = parts[0].values
        for part in parts[1:]:
            t_b, mean_b, m2_b, res_b, n_b = part.values
            if t_b == 0:
                residual, n = residual + res_b, n + n_b
                continue
            delta = mean_b - mean
            grand = total + t_b
            mean = mean + delta * (t_b / grand)
            m2 = m2 + m2_b + delta**2 * (total * t_b / grand)
            total, residual, n = grand, residual + res_b, n + n_b
        return cls("regression", (total, mean, m2, residual, n))

    def accuracy_value(self):
        correct, total = self.values
        return correct / total

    def regression_value(self, validation=False):
        """R^2 averaged over outputs (scikit-learn's ``r2_score``).

        With ``validation``, as skgd's validation score: minus the weighted
        mean squared error where R^2 is undefined (constant targets).
        """
        total, _, m2, residual, n = self.values
        if validation and not (n >= 2 and m2.max() > 0):
            return -float(residual.sum() / total)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(m2 > 0, 1 - residual / m2, np.where(residual == 0, 1.0, 0.0))
        return float(r2.mean())
