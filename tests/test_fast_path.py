"""The compiled epochs (skgd._fast, skgd._kernels) against the generic loop.

Every test fits twice, once with the compiled epoch and once with it switched
off, and asserts the same iterates (to rounding): the generic loop is the
reference. Lazy sparse updates are checked against dense updates of the same
kernel over a stream of chunks.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import skgd._fast as fast
import skgd._training as training
from skgd import (
    GDClassifier,
    GDRegressor,
    MLPGDClassifier,
    MLPGDRegressor,
    losses,
    optimizers,
)
from skgd.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    NAdam,
    Optimizer,
    RMSprop,
    Rprop,
)
from skgd.schedules import Constant

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

OPTIMIZERS = [
    SGD(),
    SGD(momentum=0.9, nesterov=True, weight_decay=0.01),
    SGD(momentum=0.5, dampening=0.3),
    Adagrad(lr_decay=0.01),
    Adadelta(),
    RMSprop(momentum=0.5, centered=True),
    Adam(amsgrad=True),
    AdamW(),
    NAdam(),
    Rprop(),
]
OPTIMIZER_IDS = [repr(o) for o in OPTIMIZERS]


def _generic(monkeypatch):
    monkeypatch.setattr(training, "epoch_runner", lambda *args: None)


def _fit_both(monkeypatch, make, X, y, **fit_params):
    compiled = make().fit(X, y, **fit_params)
    with monkeypatch.context() as m:
        _generic(m)
        generic = make().fit(X, y, **fit_params)
    return compiled, generic


def _assert_same(a, b, rtol=1e-9):
    left = [a.coef_, a.intercept_] if hasattr(a, "coef_") else a.coefs_ + a.intercepts_
    right = [b.coef_, b.intercept_] if hasattr(b, "coef_") else b.coefs_ + b.intercepts_
    for p, q in zip(left, right, strict=True):
        scale = max(np.abs(q).max(), 1e-12)
        assert np.abs(p - q).max() <= rtol * scale
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol)
    assert a.n_iter_ == b.n_iter_ and a.t_ == b.t_


@pytest.fixture(scope="module")
def classification():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 6))
    y = np.argmax(X[:, :3] + 0.5 * rng.standard_normal((240, 3)), axis=1)
    return X, y


@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.default_rng(1)
    n, d = 200, 500
    X = sp.random(n, d, density=0.01, format="csr", random_state=2)
    X = X + sp.csr_matrix((np.ones(n), (np.arange(n), rng.integers(0, 20, n))), (n, d))
    X = X.tocsr()
    X.sum_duplicates()
    y = np.asarray(X @ rng.standard_normal((d, 3))).argmax(axis=1)
    return X, y


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_dense_linear_matches_generic(monkeypatch, classification, optimizer):
    X, y = classification

    def make():
        return GDClassifier(
            optimizer=optimizer,
            penalty="elasticnet",
            alpha=1e-3,
            batch_size=16,
            max_iter=4,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, y))


@pytest.mark.parametrize(
    "loss",
    [
        "squared_error",
        "huber",
        "epsilon_insensitive",
        "squared_epsilon_insensitive",
        "absolute_error",
    ],
)
def test_regression_losses_match_generic(monkeypatch, classification, loss):
    X, _ = classification
    Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2]])

    def make():
        return GDRegressor(
            loss=loss,
            optimizer="sgd",
            batch_size=8,
            max_iter=3,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, Y))


@pytest.mark.parametrize(
    "loss", ["log_loss", "hinge", "squared_hinge", "modified_huber", "perceptron"]
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_losses_match_generic(
    monkeypatch, classification, loss, n_classes
):
    X, y = classification
    y = y if n_classes == 3 else (y > 0).astype(int)

    def make():
        return GDClassifier(
            loss=loss,
            optimizer="adam",
            batch_size=8,
            max_iter=3,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_schedules_clipping_match_generic(monkeypatch, classification, dtype):
    X, y = classification
    sample_weight = np.random.default_rng(3).uniform(0, 2, len(y))
    sample_weight[:10] = 0

    def make():
        return GDClassifier(
            optimizer="nadam",
            learning_rate="warmup",
            class_weight="balanced",
            max_grad_norm=0.5,
            batch_size=7,
            max_iter=3,
            tol=None,
            random_state=0,
        )

    compiled, generic = _fit_both(
        monkeypatch, make, X.astype(dtype), y, sample_weight=sample_weight
    )
    _assert_same(compiled, generic, rtol=1e-9 if dtype == np.float64 else 1e-4)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=OPTIMIZER_IDS)
@pytest.mark.parametrize("penalty", [None, "l2", "l1"])
def test_sparse_linear_matches_generic(monkeypatch, sparse_data, optimizer, penalty):
    # penalty=None: lazy updates; "l2": the weight scale (plain SGD) or dense
    # updates; "l1": dense updates
    X, y = sparse_data

    def make():
        return GDClassifier(
            optimizer=optimizer,
            penalty=penalty,
            alpha=1e-3,
            learning_rate_init=0.05,
            batch_size=4,
            max_iter=2,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, y))


@pytest.mark.parametrize(
    "optimizer",
    [SGD(momentum=0.9), Adagrad(), RMSprop(momentum=0.5), Adam(), NAdam(), Rprop()],
    ids=repr,
)
def test_lazy_stream_equals_dense_updates(monkeypatch, sparse_data, optimizer):
    X, y = sparse_data
    chunks = [(X[i : i + 50], y[i : i + 50]) for i in range(0, X.shape[0], 50)]

    def stream():
        clf = GDClassifier(
            optimizer=optimizer,
            penalty=None,
            learning_rate_init=0.05,
            batch_size=3,
            random_state=0,
        )
        for Xc, yc in chunks * 3:
            clf.partial_fit(Xc, yc, classes=[0, 1, 2])
        return clf

    lazy = stream()
    with monkeypatch.context() as m:
        m.setattr(fast, "sparse_mode", lambda *args: "dense_update")
        dense = stream()
    _assert_same(lazy, dense)
    for key, value in lazy._state.optimizer_state.items():
        if isinstance(value, list):
            for a, b in zip(value, dense._state.optimizer_state[key], strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_mlp_matches_generic(monkeypatch, classification, activation):
    X, y = classification

    def make():
        return MLPGDClassifier(
            (7, 5),
            activation=activation,
            penalty="elasticnet",
            alpha=1e-3,
            max_grad_norm=1.0,
            batch_size=16,
            max_iter=3,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, y))


def test_mlp_regressor_full_batch_matches_generic(monkeypatch, classification):
    X, _ = classification

    def make():
        return MLPGDRegressor(
            hidden_layer_sizes=(5,),
            loss="huber",
            batch_size="full",
            learning_rate="invscaling",
            max_iter=5,
            tol=None,
            random_state=0,
        )

    _assert_same(*_fit_both(monkeypatch, make, X, X[:, 0] * X[:, 1]))


class _Halved(SGD):
    """A user-defined optimizer: the generic loop must run it."""

    def update(self, params, grads, state, lr):
        super().update(params, grads, state, lr / 2)


class _UserSchedule(Constant):
    unit = "step"


def test_user_defined_parts_take_the_generic_path(monkeypatch, classification):
    X, y = classification
    used = []
    real = fast.epoch_runner
    monkeypatch.setattr(
        training,
        "epoch_runner",
        lambda *args: used.append(real(*args)) or used[-1],
    )
    GDClassifier(optimizer=_Halved(), max_iter=1, tol=None).fit(X, y)
    GDClassifier(learning_rate=_UserSchedule(), max_iter=1, tol=None).fit(X, y)
    assert used == [None, None]
    GDClassifier(max_iter=1, tol=None).fit(X, y)
    assert used[-1] is not None
    assert isinstance(_Halved(), Optimizer)


def test_importing_skgd_does_not_import_numba():
    code = "import sys, skgd; print('numba' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --- the whole matrix: optimizer x loss x penalty x {dense, CSR} x batch ------

OPTIMIZER_NAMES = list(optimizers.OPTIMIZER_NAMES)
PENALTIES = [None, "l2", "l1", "elasticnet"]
CLASSIFICATION = list(losses.CLASSIFICATION_LOSSES)
REGRESSION = list(losses.REGRESSION_LOSSES)
LOSSES = CLASSIFICATION + REGRESSION
BATCHES = [1, 7, "full"]


@pytest.fixture(scope="module")
def small():
    """60 rows, 12 features, about half of them zero (dense and CSR)."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 12)) * (rng.random((60, 12)) < 0.5)
    y = np.argmax(X[:, :3] + 0.3 * rng.standard_normal((60, 3)), axis=1)
    target = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(60) + 3.0
    return X, y, target


def _estimator(loss, **params):
    cls = GDRegressor if loss in REGRESSION else GDClassifier
    return cls(loss=loss, tol=None, random_state=0, **params)


def _assert_same_state(a, b, rtol=1e-9):
    """The same parameters, loss curve, counters and optimizer state."""
    _assert_same(a, b, rtol=rtol)
    for key, value in a._state.optimizer_state.items():
        other = b._state.optimizer_state[key]
        if isinstance(value, list) and isinstance(value[0], np.ndarray):
            for p, q in zip(value, other, strict=True):
                np.testing.assert_allclose(p, q, rtol=rtol, atol=1e-12)
        else:
            assert value == pytest.approx(other, rel=rtol)


@pytest.mark.parametrize("storage", ["dense", "csr"])
@pytest.mark.parametrize("batch_size", BATCHES)
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_every_combination_matches_generic(
    monkeypatch, small, optimizer, penalty, batch_size, storage
):
    """Each optimizer x penalty x batch size x storage, with the losses and
    averaging taken in turn (every loss meets every optimizer, penalty and
    batch size across the matrix)."""
    X, y, target = small
    i = OPTIMIZER_NAMES.index(optimizer)
    j = PENALTIES.index(penalty)
    k = BATCHES.index(batch_size)
    loss = LOSSES[(i + 3 * j + 7 * k + (storage == "csr")) % len(LOSSES)]
    average = [False, 20, True][(i + j + k) % 3]
    X = sp.csr_matrix(X) if storage == "csr" else X

    def make():
        return _estimator(
            loss,
            optimizer=optimizer,
            penalty=penalty,
            alpha=3e-3,
            l1_ratio=0.5,
            batch_size=batch_size,
            average=average,
            max_iter=3,
        )

    target_y = target if loss in REGRESSION else y
    compiled, generic = _fit_both(monkeypatch, make, X, target_y)
    _assert_same_state(compiled, generic)
    if average:
        np.testing.assert_allclose(compiled.predict(X), generic.predict(X), rtol=1e-9)


@pytest.mark.parametrize("storage", ["dense", "csr"])
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_partial_fit_streams_and_pickles_resume_on_either_path(
    monkeypatch, small, optimizer, storage
):
    """A stream of chunks gives the same model on both paths, and a model
    pickled half-way resumes identically whichever path continues it."""
    import pickle

    X, y, _ = small
    X = sp.csr_matrix(X) if storage == "csr" else X
    chunks = [(X[s : s + 20], y[s : s + 20]) for s in range(0, 60, 20)]

    def start():
        clf = GDClassifier(
            optimizer=optimizer,
            penalty="elasticnet",
            alpha=1e-3,
            batch_size=7,
            average=15,
            random_state=0,
        )
        for Xc, yc in chunks[:2]:
            clf.partial_fit(Xc, yc, classes=[0, 1, 2])
        return clf

    def resume(clf):
        for Xc, yc in chunks[2:] + chunks:
            clf.partial_fit(Xc, yc)
        return clf

    blob = pickle.dumps(start())
    compiled = resume(pickle.loads(blob))
    with monkeypatch.context() as m:
        _generic(m)
        generic = resume(pickle.loads(blob))
        reference = resume(start())
    _assert_same_state(compiled, generic)
    _assert_same_state(compiled, reference)


# --- streams: nothing copied, hyper-parameters still checked ------------------


def test_partial_fit_trains_the_fitted_arrays_in_place(small):
    X, y, _ = small
    clf = GDClassifier(optimizer="adam", batch_size=7, random_state=0)
    clf.partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    coef, weights = clf.coef_, clf._state.params[0]
    moments = clf._state.optimizer_state["exp_avg"][0]
    before = coef.copy()
    clf.partial_fit(X[30:], y[30:])
    # the same arrays, updated: no per-call copy of weights or moments
    assert clf._state.params[0] is weights
    assert clf._state.optimizer_state["exp_avg"][0] is moments
    assert np.shares_memory(clf.coef_, weights) and clf.coef_ is not before
    assert not np.array_equal(coef, before)  # coef_ follows, as in SGDClassifier


def test_set_params_between_partial_fit_calls_is_validated_and_applied(small):
    X, y, _ = small
    clf = GDClassifier(optimizer=Adam(), batch_size=7, random_state=0)
    clf.partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    clf.set_params(optimizer__beta1=1.5)
    with pytest.raises(ValueError, match="beta1"):
        clf.partial_fit(X[30:], y[30:])
    clf.set_params(optimizer__beta1=0.5, learning_rate_init=0.123)
    clf.partial_fit(X[30:], y[30:])
    assert clf.optimizer_.beta1 == 0.5 and clf.learning_rate_init_ == 0.123
    clf.set_params(alpha=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        clf.partial_fit(X[30:], y[30:])


def test_later_chunks_with_unknown_or_non_label_values_are_rejected(small):
    X, y, _ = small
    clf = GDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], np.array([0, 1, 0.5, 1, 0]))
    with pytest.raises(ValueError):
        clf.partial_fit(X[:5], np.array([0, 1, np.nan, 1, 0]))


def test_compiled_kernels_load_from_a_read_only_install(tmp_path):
    """The package directory read-only: numba caches per user instead."""
    import os
    import shutil
    import stat

    import skgd

    package = tmp_path / "site" / "skgd"
    shutil.copytree(
        os.path.dirname(skgd.__file__),
        package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for root, dirs, files in os.walk(tmp_path / "site"):
        for name in dirs + files:
            path = os.path.join(root, name)
            os.chmod(path, os.stat(path).st_mode & ~stat.S_IWUSR & ~stat.S_IWGRP)
    os.chmod(package, 0o555)
    # root writes through file modes: there, numba's in-tree locator is told
    # that the directory is not writable, which is what it finds otherwise
    simulate = (
        "import numba.core.caching as c;"
        "c.InTreeCacheLocator.from_function = classmethod(lambda *a: None);"
        if os.geteuid() == 0
        else ""
    )
    code = simulate + (
        "import numpy as np, skgd; from skgd.optimizers import SGD;"
        "w = [np.zeros(3)]; s = SGD().init_state(w);"
        "SGD().update(w, [np.ones(3)], s, 0.5); print(skgd.__file__, w[0][0])"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HOME": str(tmp_path),
    }
    env.pop("NUMBA_CACHE_DIR", None)
    try:
        for _ in range(2):  # compile and cache, then load from the cache
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=tmp_path,
            )
            assert out.stdout.split() == [str(package / "__init__.py"), "-0.5"]
        cached = list((tmp_path / "cache").rglob("*.nbi"))
        assert cached, "numba wrote no cache index in the user cache directory"
        assert not (package / "__pycache__").exists()
    finally:
        for root, dirs, _ in os.walk(tmp_path / "site"):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(package, 0o755)
