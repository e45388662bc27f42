"""skgd.dask: data-parallel fits equal the local ones, streaming, prediction.

The cluster is a ``LocalCluster`` of two worker processes, shared by the
module. The data are split into more partitions than workers, so that every
fit combines gradients from both workers and from several partitions each.
"""

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import joblib  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skgd import GDClassifier, GDRegressor, MLPGDClassifier, MLPGDRegressor  # noqa: E402
from skgd.dask import (  # noqa: E402
    DaskGDClassifier,
    DaskGDRegressor,
    DaskMLPGDClassifier,
    DaskMLPGDRegressor,
)
from skgd.dask._cluster import _Shard  # noqa: E402

CHUNK = 90  # 400 rows -> 5 partitions on 2 workers


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _classification(n_classes=3, n_samples=400):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=0,
    )
    return X, y


def _regression(n_samples=400):
    X, y = make_regression(n_samples=n_samples, n_features=6, noise=5, random_state=0)
    return X, y


def _dask(*arrays):
    return [None if a is None else da.from_array(a, chunks=CHUNK) for a in arrays]


# class pairs, the data they learn, and settings that make a short fit
CASES = {
    "linear-classifier": (DaskGDClassifier, GDClassifier, _classification, {}),
    "linear-regressor": (DaskGDRegressor, GDRegressor, _regression, {}),
    "mlp-classifier": (
        DaskMLPGDClassifier,
        MLPGDClassifier,
        _classification,
        {"hidden_layer_sizes": (7,)},
    ),
    "mlp-regressor": (
        DaskMLPGDRegressor,
        MLPGDRegressor,
        _regression,
        {"hidden_layer_sizes": (7,)},
    ),
}


def _params_of(model):
    if hasattr(model, "coefs_"):
        return [*model.coefs_, *model.intercepts_]
    return [model.coef_, model.intercept_]


def assert_same_fit(dask_model, local_model, X, atol=1e-8):
    for a, b in zip(_params_of(dask_model), _params_of(local_model), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)
    np.testing.assert_allclose(
        dask_model.loss_curve_, local_model.loss_curve_, rtol=0, atol=atol
    )
    assert dask_model.n_iter_ == local_model.n_iter_
    assert dask_model.t_ == local_model.t_
    np.testing.assert_allclose(
        dask_model.predict(X), local_model.predict(X), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("case", CASES)
def test_full_batch_unshuffled_fit_equals_local_fit(client, case):
    dask_cls, local_cls, data, extra = CASES[case]
    X, y = data()
    params = dict(
        batch_size="full",
        shuffle=False,
        max_iter=15,
        alpha=1e-3,
        optimizer="momentum",
        learning_rate_init=0.05,
        random_state=0,
        **extra,
    )
    dask_model = dask_cls(**params).fit(*_dask(X, y))
    local_model = local_cls(**params).fit(X, y)
    assert_same_fit(dask_model, local_model, X)


@pytest.mark.parametrize("case", ["linear-classifier", "mlp-regressor"])
def test_shuffled_minibatches_are_the_local_ones(client, case):
    """Every epoch permutes all rows with the estimator's random state."""
    dask_cls, local_cls, data, extra = CASES[case]
    X, y = data()
    params = dict(batch_size=32, max_iter=4, random_state=1, **extra)
    dX, dy = _dask(X, y)
    dask_model = dask_cls(**params).fit(dX, dy)
    assert_same_fit(dask_model, local_cls(**params).fit(X, y), X)
    # reproducible from random_state, and another seed draws other batches
    # (up to rounding: the order in which the workers' gradients are added
    # depends on where the partitions landed)
    again = dask_cls(**params).fit(dX, dy)
    np.testing.assert_allclose(
        _params_of(again)[0], _params_of(dask_model)[0], rtol=0, atol=1e-12
    )
    other = dask_cls(**{**params, "random_state": 2}).fit(dX, dy)
    assert not np.allclose(_params_of(other)[0], _params_of(dask_model)[0])
    # and learns as well as the local fit does
    assert dask_model.score(dX, dy) == pytest.approx(
        local_cls(**params).fit(X, y).score(X, y), abs=1e-10
    )


def test_threaded_workers_draw_the_same_batches():
    """In-process workers share objects with the client: each must still draw
    the permutation from its own copy of the random state."""
    X, y = _classification()
    params = dict(batch_size=32, max_iter=3, random_state=0)
    with (
        # any free port for the HTTP server: 8787 is the module cluster's
        distributed.LocalCluster(
            n_workers=2, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as threaded,
    ):
        dX, dy = _dask(X, y)
        model = DaskGDClassifier(client=threaded, **params).fit(dX, dy)
        local = GDClassifier(**params).fit(X, y)
        assert_same_fit(model, local, X)
        # the other methods use the given client too, not a default one
        assert model.score(dX, dy) == pytest.approx(local.score(X, y))
        model.partial_fit(dX, dy)  # one epoch per block
        assert model.n_iter_ == 3 + len(dX.chunks[0])


def test_batch_plan_draws_each_batch_from_every_worker():
    """The workers' rows of batch k are exactly positions k*b..(k+1)*b of the
    permutation of all rows, so a worker gives rows in proportion to its share."""
    sizes = [30, 50, 20, 40]  # partitions; workers hold {0, 2} and {1, 3}
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n, batch_size = offsets[-1], 16
    shards = []
    for mine in ({0, 2}, {1, 3}):
        shard = _Shard.__new__(_Shard)
        shard.offsets = offsets
        shard.mine = np.array([p in mine for p in range(len(sizes))])
        local_starts = np.cumsum([0] + [sizes[p] for p in sorted(mine)])[:-1]
        shard.shift = np.zeros(len(sizes), dtype=np.int64)
        for start, p in zip(local_starts, sorted(mine), strict=True):
            shard.shift[p] = start - offsets[p]
        shard.n = sum(sizes[p] for p in mine)
        shard.weight = np.ones(shard.n)
        shard.global_rows = np.concatenate(
            [np.arange(offsets[p], offsets[p + 1]) for p in sorted(mine)]
        )
        shards.append(shard)
    states = []
    for shard in shards:
        _, state = shard.begin_epoch(
            n, batch_size, np.random.RandomState(0).get_state(), 1.0, True
        )
        states.append(state)
    order = np.random.RandomState(0).permutation(n)
    shares = []
    for k, start in enumerate(range(0, n, batch_size)):
        drawn, owners = [], 0
        for shard in shards:
            rows, bounds, firsts = shard.plan
            drawn.append(shard.global_rows[rows[bounds[k] : bounds[k + 1]]])
            owners += k in firsts
        np.testing.assert_array_equal(
            np.sort(np.concatenate(drawn)), np.sort(order[start : start + batch_size])
        )
        assert owners == 1  # exactly one worker adds the penalty to a batch
        shares.append(len(drawn[0]))
    # worker 0 holds 50 of 140 rows: its share of a batch is 16 * 50/140 on average
    assert np.mean(shares[:-1]) == pytest.approx(batch_size * 50 / 140, abs=1.0)
    # the workers' random states moved on as the local estimator's does
    reference = np.random.RandomState(0)
    reference.permutation(n)
    moved_on = np.random.RandomState()
    moved_on.set_state(states[0])
    assert moved_on.randint(10**9) == reference.randint(10**9)


def test_sample_weight_and_balanced_class_weight_equal_local(client):
    X, y = _classification(n_samples=400)
    keep = (y != 2) | (np.arange(len(y)) % 4 == 0)  # an imbalanced class 2
    X, y = X[keep], y[keep]
    weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    weight[:CHUNK] = 0  # a partition of zero weights is no error
    params = dict(
        batch_size="full",
        shuffle=False,
        max_iter=10,
        class_weight="balanced",
        learning_rate_init=0.1,
        random_state=0,
    )
    dX, dy, dw = _dask(X, y, weight)
    dask_model = DaskGDClassifier(**params).fit(dX, dy, sample_weight=dw)
    local_model = GDClassifier(**params).fit(X, y, sample_weight=weight)
    assert_same_fit(dask_model, local_model, X)
    assert dask_model.score(dX, dy, sample_weight=dw) == pytest.approx(
        local_model.score(X, y, sample_weight=weight), abs=1e-12
    )


def test_warm_start_continues_like_local(client):
    X, y = _regression()
    params = dict(batch_size="full", shuffle=False, optimizer="momentum", max_iter=4)
    dask_model = DaskGDRegressor(warm_start=True, **params)
    local_model = GDRegressor(warm_start=True, **params)
    for _ in range(2):
        dask_model.fit(*_dask(X, y))
        local_model.fit(X, y)
    assert_same_fit(dask_model, local_model, X)
    cold = GDRegressor(**params).fit(X, y)
    assert not np.allclose(dask_model.coef_, cold.coef_)


def test_early_stopping_on_validation_data_equals_local(client):
    X, y = _regression(n_samples=500)
    X_train, y_train, X_val, y_val = X[:400], y[:400], X[400:], y[400:]
    params = dict(
        batch_size=50,
        max_iter=30,
        learning_rate_init=0.03,
        tol=1e-3,
        n_iter_no_change=2,
        random_state=0,
    )
    w_val = np.random.RandomState(0).uniform(0, 3, size=len(y_val))
    dask_model = DaskMLPGDRegressor(hidden_layer_sizes=(5,), **params)
    dX_val, dy_val, dw_val = _dask(X_val, y_val, w_val)
    dask_model.fit(
        *_dask(X_train, y_train), X_val=dX_val, y_val=dy_val, sample_weight_val=dw_val
    )
    local_model = MLPGDRegressor(hidden_layer_sizes=(5,), **params)
    local_model.fit(X_train, y_train, X_val=X_val, y_val=y_val, sample_weight_val=w_val)
    assert_same_fit(dask_model, local_model, X)
    np.testing.assert_allclose(
        dask_model.validation_scores_, local_model.validation_scores_, atol=1e-10
    )
    np.testing.assert_allclose(
        dask_model.validation_loss_curve_,
        local_model.validation_loss_curve_,
        atol=1e-10,
    )
    assert dask_model.n_iter_ < 30  # it did stop early


def test_early_stopping_held_out_split_is_reproducible(client):
    X, y = _classification(n_samples=400)
    params = dict(
        early_stopping=True,
        validation_fraction=0.2,
        batch_size=40,
        max_iter=40,
        n_iter_no_change=3,
        random_state=0,
    )
    dX, dy = _dask(X, y)
    first = DaskGDClassifier(**params).fit(dX, dy)
    second = DaskGDClassifier(**params).fit(dX, dy)
    np.testing.assert_allclose(first.coef_, second.coef_, rtol=0, atol=1e-12)
    assert len(first.validation_scores_) == first.n_iter_
    # the weights of the best validation loss were restored
    best = int(np.argmin(first.validation_loss_curve_))
    assert first.best_validation_score_ == first.validation_scores_[best]
    assert first.best_validation_score_ > 0.7


@pytest.mark.parametrize("case", ["linear-classifier", "mlp-regressor"])
def test_partial_fit_streams_blocks_like_local_partial_fit(client, case):
    dask_cls, local_cls, data, extra = CASES[case]
    X, y = data()
    params = dict(batch_size=25, random_state=0, **extra)
    classes = {"classes": np.unique(y)} if "classifier" in case else {}
    dX, dy = _dask(X, y)
    dask_model = dask_cls(**params)
    local_model = local_cls(**params)
    for _ in range(2):  # the state carries over from call to call
        dask_model.partial_fit(dX, dy, **classes)
        for start in range(0, len(y), CHUNK):
            rows = slice(start, start + CHUNK)
            local_model.partial_fit(X[rows], y[rows], **classes)
    assert dask_model.n_iter_ == local_model.n_iter_ == 10
    assert_same_fit(dask_model, local_model, X, atol=1e-12)
    # to_local carries the training state on
    a, b = dask_model.to_local(), local_model
    a.partial_fit(X[:50], y[:50])
    b.partial_fit(X[:50], y[:50])
    assert_same_fit(a, b, X, atol=1e-12)


def test_predictions_are_dask_arrays_equal_to_the_local_model(client):
    X, y = _classification()
    dX, dy = _dask(X, y)
    model = DaskGDClassifier(max_iter=5, random_state=0).fit(dX, dy)
    local = model.to_local()
    assert type(local) is GDClassifier
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        result = getattr(model, method)(dX)
        assert isinstance(result, da.Array)
        assert result.chunks[0] == dX.chunks[0]  # computed block by block
        np.testing.assert_array_equal(result.compute(), getattr(local, method)(X))
        # non-dask input: the local estimator's result
        np.testing.assert_array_equal(
            getattr(model, method)(X), getattr(local, method)(X)
        )
    assert model.score(dX, dy) == pytest.approx(local.score(X, y), abs=1e-12)
    assert model.score(X, y) == local.score(X, y)


def test_probabilities_follow_the_loss(client):
    hinge = DaskGDClassifier(loss="hinge")
    assert not hasattr(hinge, "predict_proba")
    assert hasattr(DaskGDClassifier(), "predict_proba")
    assert not hasattr(DaskMLPGDRegressor(), "predict_proba")
    assert not hasattr(DaskMLPGDRegressor(), "decision_function")


def test_dataframe_input_with_feature_names(client):
    X, y = _regression()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    dframe = dd.from_pandas(frame, chunksize=CHUNK)
    dseries = dd.from_pandas(pd.Series(y), chunksize=CHUNK)
    params = dict(batch_size="full", shuffle=False, optimizer="momentum", max_iter=10)
    model = DaskGDRegressor(**params).fit(dframe, dseries)
    local = GDRegressor(**params).fit(frame, y)
    assert list(model.feature_names_in_) == list(frame.columns)
    assert_same_fit(model, local, frame)
    prediction = model.predict(dframe)
    assert isinstance(prediction, da.Array)
    np.testing.assert_allclose(prediction.compute(), local.predict(frame), atol=1e-8)
    assert model.score(dframe, dseries) == pytest.approx(local.score(frame, y))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(dframe.rename(columns={"f0": "other"})).compute()


def test_parameters_are_the_local_ones_plus_client(client):
    for dask_cls, local_cls, _, _ in CASES.values():
        names = set(dask_cls().get_params())
        assert names == set(local_cls().get_params()) | {"client"}
    model = DaskGDClassifier(alpha=0.1, client=client)
    twin = clone(model)
    assert twin.client is client and twin.alpha == 0.1
    restored = pickle.loads(pickle.dumps(model))
    assert restored.client is None and restored.alpha == 0.1
    assert model.client is client


def test_bad_input_gets_a_clear_error(client):
    X, y = _classification()
    dX, dy = _dask(X, y)
    X_nan = X.copy()
    X_nan[250, 1] = np.nan  # in a partition of the second worker
    with pytest.raises(ValueError, match="NaN"):
        DaskGDClassifier(max_iter=2).fit(_dask(X_nan)[0], dy)
    with pytest.raises(ValueError, match="partitions"):
        DaskGDClassifier().fit(dX, dd.from_pandas(pd.Series(y), npartitions=2))
    with pytest.raises(ValueError, match="without X_val"):
        DaskGDClassifier().fit(dX, dy, y_val=y)
    with pytest.raises(ValueError, match="non-zero|zero weight"):
        DaskGDClassifier().fit(dX, dy, sample_weight=da.zeros(len(y), chunks=CHUNK))
    with pytest.raises(ValueError, match="features"):
        DaskGDClassifier(max_iter=2).fit(dX, dy).predict(dX[:, :3]).compute()
    from sklearn.callback import ProgressBar

    observed = DaskGDClassifier().set_callbacks(ProgressBar())
    with pytest.raises(ValueError, match="callbacks"):
        observed.fit(dX, dy)
    with pytest.raises(ValueError, match="callbacks"):
        observed.partial_fit(dX, dy, classes=np.unique(y))


def test_grid_search_under_the_dask_joblib_backend_equals_local(client):
    X, y = _classification()
    grid = {"alpha": [1e-4, 1e-2], "optimizer__beta1": [0.8, 0.9]}
    from skgd.optimizers import Adam

    estimator = GDClassifier(optimizer=Adam(), max_iter=20, random_state=0)
    local = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        distributed_search = GridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(
            distributed_search.cv_results_[key], local.cv_results_[key]
        )
    for k in range(3):
        np.testing.assert_array_equal(
            distributed_search.cv_results_[f"split{k}_test_score"],
            local.cv_results_[f"split{k}_test_score"],
        )
    assert distributed_search.best_params_ == local.best_params_
