"""Fit-time ratios of skgd against scikit-learn, measured side by side.

Each pair runs the same number of epochs over the same data with the same
batch size (``tol=None`` so neither stops early); the printed ratio is
skgd's median time over scikit-learn's. Run ``python benchmarks/bench_fit.py``.
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier, MLPGDClassifier


def _median_time(make, X, y, repeats=3):
    times = []
    for _ in range(repeats):
        model = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _pairs():
    X, y = make_classification(n_samples=20000, n_features=50, random_state=0)
    X = StandardScaler().fit_transform(X)
    epochs = 5
    for batch in (1, 32, 256):
        # scikit-learn's SGD has no mini-batches: it is per-sample only
        sk = (
            (
                lambda: SGDClassifier(
                    loss="log_loss",
                    max_iter=epochs,
                    tol=None,
                    learning_rate="constant",
                    eta0=0.01,
                    random_state=0,
                )
            )
            if batch == 1
            else None
        )
        yield (
            f"linear log_loss, {len(y)}x{X.shape[1]}, batch={batch}, {epochs} epochs",
            lambda b=batch: GDClassifier(
                optimizer="sgd", batch_size=b, max_iter=epochs, tol=None, random_state=0
            ),
            sk,
            X,
            y,
        )
    Xd, yd = load_digits(return_X_y=True)
    Xd = StandardScaler().fit_transform(Xd)
    for batch in (32, 200):
        yield (
            f"MLP (100,) adam, digits, batch={batch}, 30 epochs",
            lambda b=batch: MLPGDClassifier(
                (100,), batch_size=b, max_iter=30, tol=None, random_state=0
            ),
            lambda b=batch: MLPClassifier(
                (100,),
                batch_size=b,
                max_iter=30,
                tol=0,
                n_iter_no_change=10**9,
                random_state=0,
            ),
            Xd,
            yd,
        )


def main():
    print(f"{'case':58s} {'skgd_s':>8s} {'sklearn_s':>9s} {'ratio':>6s}")
    for name, ours, theirs, X, y in _pairs():
        t_ours, _ = _median_time(ours, X, y)
        if theirs is None:
            print(f"{name:58s} {t_ours:8.3f} {'-':>9s} {'-':>6s}")
            continue
        t_theirs, _ = _median_time(theirs, X, y)
        print(f"{name:58s} {t_ours:8.3f} {t_theirs:9.3f} {t_ours / t_theirs:6.2f}")


if __name__ == "__main__":
    main()
