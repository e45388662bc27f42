"""Time per epoch of data-parallel training on dask against the local fit.

For each number of rows, the same full-batch logistic regression is fitted by
``GDClassifier`` on one core and by ``DaskGDClassifier`` on a local cluster
of ``--workers`` single-threaded worker processes holding the data in memory
(persisted before the fit, as data loaded on a cluster would be). Time per
epoch is the difference between a fit of ``1 + epochs`` and a fit of 1 epoch,
divided by ``epochs``, so that the one-off costs (validation, the gathering
of the targets, starting the actors) are reported apart, as "setup".

It also measures the fixed cost of one distributed update, the round trip
from the client to the workers and back, with mini-batches of 10 rows.

Run ``python benchmarks/bench_dask.py [--workers 2] [--rows 10000 100000 ...]``.
BLAS is limited to one thread everywhere, so that a worker is one core.
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skgd import GDClassifier  # noqa: E402
from skgd.dask import DaskGDClassifier  # noqa: E402


def _data(n_rows, n_features, n_partitions, seed=0):
    """Data made on the workers and kept there, and a local copy of it."""
    rng = da.random.RandomState(seed)
    chunks = -(-n_rows // n_partitions)
    dX = rng.standard_normal((n_rows, n_features), chunks=(chunks, n_features))
    w = np.random.RandomState(seed).standard_normal(n_features)
    noise = rng.standard_normal(n_rows, chunks=chunks)
    dy = (dX @ w + noise > 0).astype(int)
    dX, dy = dX.persist(), dy.persist()
    wait([dX, dy])
    return dX, dy, dX.compute(), dy.compute()


def _fit_time(make, X, y, max_iter):
    model = make(max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
    return time.perf_counter() - start, model


def _per_epoch(make, X, y, epochs, repeats=3):
    """(time per epoch, time of the rest) from fits of 1 and 1 + epochs epochs.

    Each is the median of ``repeats`` fits.
    """
    short = np.median([_fit_time(make, X, y, 1)[0] for _ in range(repeats)])
    long = np.median([_fit_time(make, X, y, 1 + epochs)[0] for _ in range(repeats)])
    per_epoch = max(long - short, 0.0) / epochs
    return per_epoch, max(short - per_epoch, 0.0)


def _settings(**extra):
    return dict(optimizer="sgd", tol=None, shuffle=False, random_state=0, **extra)


def step_overhead(client, n_workers, n_rows=4000, batch=10, epochs=3):
    """Milliseconds per update of the distributed and of the local fit."""
    dX, dy, X, y = _data(n_rows, 5, 2 * n_workers)
    steps = n_rows // batch

    def make_dask(max_iter):
        return DaskGDClassifier(**_settings(batch_size=batch, max_iter=max_iter))

    def make_local(max_iter):
        return GDClassifier(**_settings(batch_size=batch, max_iter=max_iter))

    remote, _ = _per_epoch(make_dask, dX, dy, epochs)
    local, _ = _per_epoch(make_local, X, y, epochs)
    return 1e3 * remote / steps, 1e3 * local / steps


def epoch_times(client, n_workers, rows, n_features, epochs, batch_size):
    for n_rows in rows:
        dX, dy, X, y = _data(n_rows, n_features, 4 * n_workers)

        def make_dask(max_iter):
            return DaskGDClassifier(
                **_settings(batch_size=batch_size, max_iter=max_iter)
            )

        def make_local(max_iter):
            return GDClassifier(**_settings(batch_size=batch_size, max_iter=max_iter))

        local, _ = _per_epoch(make_local, X, y, epochs)
        remote, setup = _per_epoch(make_dask, dX, dy, epochs)
        yield n_rows, local, remote, setup
        del dX, dy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 3_000_000]
    )
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--batch-size", default="full", help='"full" or an int (mini-batches)'
    )
    args = parser.parse_args()
    batch_size = args.batch_size if args.batch_size == "full" else int(args.batch_size)
    threadpool_limits(1)
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        remote, local = step_overhead(client, args.workers)
        print(
            f"one update, 10-row batches: {remote:.2f} ms on {args.workers} workers, "
            f"{local:.3f} ms locally (the difference is the round trip)"
        )
        print(
            f"\nlogistic regression, {args.features} features, batch_size="
            f"{batch_size}, time per epoch; dask on {args.workers} workers"
        )
        header = f"{'rows':>10} {'local s':>9} {'dask s':>9} {'speed-up':>9}"
        print(header + f" {'dask setup s':>13}")
        for n_rows, t_local, t_dask, setup in epoch_times(
            client, args.workers, args.rows, args.features, args.epochs, batch_size
        ):
            print(
                f"{n_rows:>10} {t_local:>9.4f} {t_dask:>9.4f} "
                f"{t_local / max(t_dask, 1e-9):>9.2f} {setup:>13.2f}"
            )


if __name__ == "__main__":
    main()
