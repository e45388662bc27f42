"""Peak memory of a fit, relative to the size of X.

Two measurements per fit, both of the memory a fit needs *beyond* what
existed before it (X, y, the imported modules):

- ``tracemalloc``: the peak of memory allocated through Python's allocators
  (numpy arrays included) during the fit;
- ``rss``: the rise of the process's resident-set high-water mark (Linux
  only; ``/proc/self/clear_refs`` resets it before each fit). It also sees
  memory that tracemalloc cannot (compiled code's own allocations), but is
  coarser (pages, allocator caching).

A ratio of 1.0 means the fit needed as much extra memory as one copy of X.
Every estimator is fitted once on a small slice first, so that lazily
imported modules and compiled kernels are not counted.

Run ``python benchmarks/bench_memory.py``.
"""

import gc
import sys
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from common import banner, pinned_threads
from data import dense_classification, text_stream
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from skgd import GDClassifier, MLPGDClassifier


def _nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def _rss_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_rss_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(fit):
    """Bytes that ``fit()`` needs: (tracemalloc peak, tracemalloc retained,
    rss high-water rise or None).

    "Retained" is what is still allocated when ``fit`` returns (the model, its
    optimizer state): the fitted estimator is kept alive until then.
    """
    gc.collect()
    rss_ok = _reset_rss_peak()
    rss_before = _rss_kb("VmRSS")
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = fit()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del fitted
    rss = None
    if rss_ok and rss_before is not None:
        rss = (_rss_kb("VmHWM") - rss_before) * 1024
    return peak - base, current - base, rss


def _cases():
    X, y = dense_classification(50_000, 100)
    X32 = X.astype(np.float32)
    chunks = text_stream(n_chunks=20)
    Xs = sp.vstack([c[0] for c in chunks]).tocsr()
    ys = np.concatenate([c[1] for c in chunks])
    Xm, ym = dense_classification(20_000, 100, n_classes=10)

    def gd(**kw):
        return lambda: GDClassifier(max_iter=1, tol=None, random_state=0, **kw)

    sgd32 = gd(optimizer="sgd", batch_size=32)
    yield "GDClassifier sgd batch 32, dense f64", sgd32, X, y
    yield "GDClassifier adam batch 200, dense f32", gd(batch_size=200), X32, y
    full = gd(optimizer="sgd", batch_size="full")
    yield "GDClassifier sgd full batch, dense f64", full, X, y
    yield "GDClassifier early_stopping, dense f64", gd(early_stopping=True), X, y
    yield "GDClassifier sgd batch 32, CSR 20000x2^18", sgd32, Xs, ys
    yield "GDClassifier adam batch 32, CSR 20000x2^18", gd(batch_size=32), Xs, ys
    yield (
        "MLPGDClassifier (100,) batch 200, 20000x100 f64",
        lambda: MLPGDClassifier(max_iter=1, tol=None, random_state=0),
        Xm,
        ym,
    )
    yield (
        "[sklearn] SGDClassifier, dense f64",
        lambda: SGDClassifier(max_iter=1, tol=None, random_state=0),
        X,
        y,
    )
    yield (
        "[sklearn] SGDClassifier, CSR 20000x2^18",
        lambda: SGDClassifier(max_iter=1, tol=None, random_state=0),
        Xs,
        ys,
    )
    yield (
        "[sklearn] MLPClassifier (100,), 20000x100 f64",
        lambda: MLPClassifier(max_iter=1, random_state=0),
        Xm,
        ym,
    )


def _partial_fit_case():
    X, y = dense_classification(50_000, 100)
    chunk = (X[:1_000], y[:1_000])
    clf = GDClassifier(optimizer="sgd", batch_size=32, random_state=0)
    clf.partial_fit(*chunk, classes=[0, 1])
    name = "GDClassifier.partial_fit, 1000x100 chunk"
    return name, lambda: clf.partial_fit(*chunk), chunk[0]


def main():
    print(banner(1))
    print(
        "# memory a fit needs beyond X itself: 'model MB' is still allocated "
        "after the fit (coefficients, optimizer state); 'transient' is the "
        "peak above that, and 'peak'/'rss' the whole rise, in copies of X"
    )
    print(
        f"   {'fit':52s} {'X MB':>7s} {'model MB':>8s} {'transient':>9s} "
        f"{'peak':>6s} {'rss':>6s}"
    )
    with pinned_threads(1):
        for name, make, X, y in _cases():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make().fit(X[:200], y[:200])  # imports, compilation
            _print(name, X, *measure(lambda m=make, X=X, y=y: m().fit(X, y)))
        name, fit, X = _partial_fit_case()
        fit()
        _print(name, X, *measure(fit))


def _print(name, X, peak, retained, rss):
    size = _nbytes(X)
    rss_text = "-" if rss is None else f"{rss / size:6.2f}"
    print(
        f"   {name:52s} {size / 2**20:7.1f} {retained / 2**20:8.1f} "
        f"{(peak - retained) / size:9.2f} {peak / size:6.2f} {rss_text:>6s}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
