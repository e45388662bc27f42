"""Import time and first-fit latency, each in a fresh Python process.

- import: wall time of ``import skgd`` alone and on top of numpy, scipy and
  scikit-learn's linear_model/neural_network (what a scikit-learn user has
  already imported), median of several fresh processes; and whether the
  import loaded numba.
- first fit: in a fresh process, the first ``fit`` of each configuration
  minus a second, identical ``fit`` in the same process: the one-off cost of
  compiling (cold cache) or loading (warm cache) the compiled kernels. The
  cache directory is a fresh temporary ``NUMBA_CACHE_DIR``: the cold run
  starts with it empty, the warm runs reuse it.

Run ``python benchmarks/bench_latency.py``.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import REPO, banner

_IMPORT = """
import sys, time
if sys.argv[1] == "1":
    import numpy, scipy.sparse, sklearn.linear_model, sklearn.neural_network
t = time.perf_counter()
import skgd
print(time.perf_counter() - t, int("numba" in sys.modules))
"""


def _first_fit_configs():
    import scipy.sparse as sp

    from skgd import GDClassifier, GDRegressor, MLPGDClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 20))
    X32 = X.astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    y4 = (X[:, :2] > 0) @ [1, 2]
    Xs = sp.random(400, 2**18, density=1e-4, format="csr", random_state=0)
    Xs = (Xs + sp.eye(400, 2**18, format="csr")).tocsr()
    return {
        "GDClassifier sgd batch 32 f64": (
            GDClassifier(optimizer="sgd", batch_size=32),
            X,
            y,
        ),
        "GDClassifier adam batch 1 f64": (GDClassifier(batch_size=1), X, y),
        "GDClassifier adam 4 classes f32": (GDClassifier(), X32, y4),
        "GDRegressor huber adagrad f64": (
            GDRegressor(loss="huber", optimizer="adagrad"),
            X,
            X[:, 0],
        ),
        "GDClassifier sgd batch 1 CSR": (
            GDClassifier(optimizer="sgd", batch_size=1),
            Xs,
            y4,
        ),
        "GDClassifier adam batch 32 CSR": (GDClassifier(batch_size=32), Xs, y4),
        "MLPGDClassifier f64": (MLPGDClassifier((16,)), X, y4),
        "MLPGDClassifier f32": (MLPGDClassifier((16,)), X32, y4),
    }


def _child_first_fit():
    """In the fresh process: first fit minus second fit of each configuration."""
    import warnings

    from sklearn.base import clone

    warnings.simplefilter("ignore")
    out = {}
    for name, (estimator, X, y) in _first_fit_configs().items():
        times = []
        for _ in range(2):
            est = clone(estimator).set_params(max_iter=2, tol=None, random_state=0)
            t = time.perf_counter()
            est.fit(X, y)
            times.append(time.perf_counter() - t)
        out[name] = times[0] - times[1]
    print(json.dumps(out))


def _env(cache_dir):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env["NUMBA_CACHE_DIR"] = cache_dir
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    return env


def _python(args, env):
    out = subprocess.run(
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def import_times(repeats=7):
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        for pre in ("0", "1"):
            runs = [_python(["-c", _IMPORT, pre], env).split() for _ in range(repeats)]
            t = np.median([float(r[0]) for r in runs])
            numba = any(r[1] == "1" for r in runs)
            what = "after numpy/scipy/sklearn" if pre == "1" else "alone"
            print(
                f"   import skgd {what:28s} {t * 1e3:7.0f} ms"
                f"   (numba imported: {'yes' if numba else 'no'})"
            )


def first_fit(repeats=2):
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        child = [__file__, "--child"]
        runs = [("cold", json.loads(_python(child, env)))]
        runs += [("warm", json.loads(_python(child, env))) for _ in range(repeats)]
    names = list(runs[0][1])
    header = "".join(f"{label:>9s}" for label, _ in runs)
    print(f"\n   first fit minus second fit (s), fresh process{'':8s}{header}")
    for name in names:
        values = "".join(f"{r[name]:9.3f}" for _, r in runs)
        print(f"   {name:52s}{values}")
    totals = "".join(f"{sum(r.values()):9.3f}" for _, r in runs)
    print(f"   {'total over the configurations':52s}{totals}")


def main():
    print(banner(1))
    print("== import time (median of fresh processes)")
    import_times()
    first_fit()


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child_first_fit()
    else:
        main()
