"""Behaviour and numbers of GDRegressor and GDClassifier."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_regression,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier, GDRegressor
from skgd._training import DivergenceWarning
from skgd.optimizers import SGD, Adam
from skgd.schedules import Exponential, Plateau


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --- convex problems reach the known optimum ----------------------------------


def test_full_batch_regression_matches_least_squares(diabetes):
    X, y = diabetes
    # the largest Hessian eigenvalue of the mean squared error here is 4.02, so
    # plain GD is stable for learning rates below 2 / 4.02
    reg = GDRegressor(
        penalty=None,
        optimizer="sgd",
        learning_rate_init=0.4,
        batch_size="full",
        max_iter=10000,
        tol=None,
    ).fit(X, y)
    A = np.hstack([X, np.ones((len(X), 1))])
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, solution[:-1], atol=1e-5)
    np.testing.assert_allclose(reg.intercept_, solution[-1:], atol=1e-8)


def test_log_loss_l2_matches_logistic_regression(cancer):
    X, y = cancer
    C = 1.0
    # LogisticRegression minimises C * sum(loss) + |w|^2 / 2, i.e. mean loss
    # + |w|^2 / (2 C n): alpha = 1 / (C n)
    clf = GDClassifier(
        alpha=1.0 / (C * len(y)),
        optimizer="sgd",
        learning_rate_init=1.0,
        batch_size="full",
        max_iter=30000,
        tol=1e-13,
        n_iter_no_change=20,
    ).fit(X, y)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-5)


def test_multinomial_log_loss_matches_logistic_regression(iris):
    X, y = iris
    C = 10.0
    clf = GDClassifier(
        alpha=1.0 / (C * len(y)),
        optimizer="sgd",
        learning_rate_init=1.0,
        batch_size="full",
        max_iter=30000,
        tol=1e-13,
        n_iter_no_change=20,
    ).fit(X, y)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    # softmax parameters are identified up to a shift shared by all classes
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-4)


def test_multi_output_equals_independent_fits(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2 * y + 1])
    params = dict(
        optimizer="adam", batch_size="full", max_iter=50, tol=None, scale_target=False
    )
    multi = GDRegressor(**params).fit(X, Y)
    for k in range(2):
        single = GDRegressor(**params).fit(X, Y[:, k])
        np.testing.assert_allclose(multi.coef_[k], single.coef_, rtol=1e-10)
    assert multi.predict(X).shape == (len(X), 2)


def test_hinge_is_weston_watkins():
    from skgd.losses import get_loss

    raw = np.array([[1.0, 2.0, 0.5]])
    Y = np.array([[1.0, 0.0, 0.0]])
    value, grad = get_loss("hinge", multiclass=True).loss_gradient(raw, Y)
    # sum_{j != y} max(0, s_j - s_y + 1) = max(0, 2) + max(0, 0.5)
    assert value == pytest.approx(2.5)
    np.testing.assert_allclose(grad, [[-2.0, 1.0, 1.0]])


# --- streaming, search, persistence --------------------------------------------


def test_partial_fit_stream_reaches_fit_score(cancer):
    X, y = cancer
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    fitted = GDClassifier(batch_size=16, max_iter=10, tol=None, random_state=0)
    fitted.fit(X_train, y_train)
    streamed = GDClassifier(batch_size=16, random_state=0)
    for _ in range(10):
        for chunk in np.array_split(np.arange(len(y_train)), 7):
            streamed.partial_fit(X_train[chunk], y_train[chunk], classes=[0, 1])
    assert streamed.score(X_test, y_test) >= fitted.score(X_test, y_test) - 0.03
    assert streamed.t_ == 10 * len(y_train)


def test_partial_fit_one_call_equals_one_epoch_of_fit(cancer):
    X, y = cancer
    params = dict(batch_size=32, random_state=0, tol=None, shuffle=True)
    a = GDClassifier(max_iter=1, **params).fit(X, y)
    b = GDClassifier(**params).partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_pickle_mid_stream_continues_identically(iris):
    X, y = iris
    chunks = np.array_split(np.arange(len(y)), 6)
    a = GDClassifier(optimizer="adam", batch_size=8, random_state=0)
    for chunk in chunks[:3]:
        a.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    b = pickle.loads(pickle.dumps(a))
    for chunk in chunks[3:]:
        a.partial_fit(X[chunk], y[chunk])
        b.partial_fit(X[chunk], y[chunk])
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)


def test_grid_search_tunes_optimizer_and_schedule_parameters(iris):
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(),
        GDClassifier(
            optimizer=Adam(),
            learning_rate=Exponential(),
            learning_rate_init=0.01,
            max_iter=50,
        ),
    )
    grid = {
        "gdclassifier__optimizer__beta1": [0.5, 0.9],
        "gdclassifier__learning_rate__gamma": [0.9, 0.99],
    }
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.best_score_ > 0.8
    best = search.best_estimator_[-1]
    assert (
        best.optimizer_.beta1 == search.best_params_["gdclassifier__optimizer__beta1"]
    )
    # the searched object is never modified in place
    assert pipe[-1].optimizer.beta1 == 0.9


def test_clone_and_constructor_parameters_untouched(iris):
    X, y = iris
    opt = SGD(momentum=0.9)
    clf = GDClassifier(optimizer=opt, max_iter=5)
    clf.fit(X, y)
    assert clf.optimizer is opt and opt.get_params()["momentum"] == 0.9
    assert clf.optimizer_ is not opt
    cloned = clone(clf)
    assert cloned.optimizer is not opt
    assert cloned.optimizer.get_params() == opt.get_params()


def test_warm_start_continues_from_previous_solution(diabetes):
    X, y = diabetes
    reg = GDRegressor(max_iter=5, tol=None, warm_start=True, random_state=0)
    first = reg.fit(X, y).coef_.copy()
    reg.fit(X, y)
    cold = GDRegressor(max_iter=5, tol=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(cold.coef_, first)
    assert not np.allclose(reg.coef_, first)


def test_coef_init_is_used(diabetes):
    X, y = diabetes
    coef = np.linspace(-1, 1, X.shape[1])
    reg = GDRegressor(max_iter=1, learning_rate_init=1e-12, batch_size="full")
    reg.fit(X, y, coef_init=coef, intercept_init=0.5)
    np.testing.assert_allclose(reg.coef_, coef, atol=1e-9)
    np.testing.assert_allclose(reg.intercept_, [0.5], atol=1e-9)


# --- input kinds ------------------------------------------------------------------


def test_sparse_input_equals_dense(iris):
    X, y = iris
    params = dict(batch_size=10, random_state=0, max_iter=5, tol=None)
    dense = GDClassifier(**params).fit(X, y)
    sparse = GDClassifier(**params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, rtol=1e-12)


def test_float32_is_kept(iris):
    X, y = iris
    clf = GDClassifier(max_iter=5).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    assert clf.decision_function(X.astype(np.float32)).dtype == np.float32


def test_early_stopping_restores_best_weights_and_uses_given_validation(iris):
    X, y = iris
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    clf = GDClassifier(
        learning_rate_init=0.5,
        optimizer="sgd",
        batch_size=1,
        max_iter=100,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    best = int(np.argmin(clf.validation_loss_curve_))
    assert clf.n_iter_ == best + 1 + 3
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    assert clf.score(X_val, y_val) == pytest.approx(clf.validation_scores_[best])


def test_class_weight_balanced_shifts_decisions():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (180, 2)), rng.normal(1, 1, (20, 2))])
    y = np.array([0] * 180 + [1] * 20)
    plain = GDClassifier(random_state=0).fit(X, y)
    balanced = GDClassifier(class_weight="balanced", random_state=0).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(iris, bad):
    X, y = iris
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        GDClassifier().fit(X_bad, y)
    y_bad = np.linspace(0, 1, len(y))
    y_bad[0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        GDRegressor().fit(X, y_bad)


def test_wrong_feature_count_is_rejected(iris):
    X, y = iris
    clf = GDClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :2], y)


def test_partial_fit_unseen_class_leaves_model_unchanged(iris):
    X, y = iris
    clf = GDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    coef = clf.coef_.copy()
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:5], np.array([0, 1, 2, 3, 0]))
    np.testing.assert_array_equal(clf.coef_, coef)
    with pytest.raises(ValueError, match="classes must be passed"):
        GDClassifier().partial_fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "adamax"}, "optimizer"),
        ({"learning_rate": "linear"}, "learning_rate"),
        ({"optimizer": Adam(beta1=1.5)}, "beta1"),
        ({"penalty": "l3"}, "penalty"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
    ],
)
def test_invalid_hyper_parameters(iris, params, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        GDClassifier(**params).fit(X, y)


def test_divergence_stops_with_message_and_finite_model(diabetes):
    X, y = diabetes
    reg = GDRegressor(optimizer="sgd", learning_rate_init=1e3, batch_size=1)
    with pytest.warns(DivergenceWarning, match="diverged"):
        reg.fit(X, y)
    assert np.isfinite(reg.coef_).all()
    assert np.isfinite(reg.predict(X)).all()
    # still usable: it can continue training with a sane step size
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        reg.set_params(learning_rate_init=1e-3).partial_fit(X, y)
    assert np.isfinite(reg.coef_).all()


def test_regression_loss_values_and_gradients():
    from skgd.losses import get_loss

    raw = np.array([[0.0], [0.05], [1.0], [-2.0]])
    Y = np.zeros_like(raw)
    cases = {
        "huber": ([0.0, 0.00125, 0.095, 0.195], [0.0, 0.05, 0.1, -0.1]),
        "epsilon_insensitive": ([0.0, 0.0, 0.9, 1.9], [0.0, 0.0, 1.0, -1.0]),
        "squared_epsilon_insensitive": ([0, 0, 0.81, 3.61], [0, 0, 1.8, -3.8]),
        "absolute_error": ([0.0, 0.05, 1.0, 2.0], [0.0, 1.0, 1.0, -1.0]),
    }
    for name, (values, grads) in cases.items():
        v, g = get_loss(name, epsilon=0.1).pointwise(raw, Y)
        np.testing.assert_allclose(v, values, err_msg=name)
        np.testing.assert_allclose(g[:, 0], grads, err_msg=name)


def test_make_regression_default_reaches_good_fit():
    X, y = make_regression(n_samples=300, n_features=8, noise=5, random_state=0)
    reg = make_pipeline(StandardScaler(), GDRegressor(learning_rate_init=0.5))
    assert reg.fit(X, y).score(X, y) > 0.98


# --- engine details seen through the estimators ---------------------------------


def test_gradient_clipping_bounds_the_first_step(diabetes):
    X, y = diabetes
    coef_init = np.full(X.shape[1], 5.0)
    reg = GDRegressor(
        optimizer="sgd",
        learning_rate_init=0.1,
        batch_size="full",
        max_iter=1,
        max_grad_norm=0.5,
        penalty=None,
        tol=None,
    ).fit(X, y, coef_init=coef_init)
    step = np.r_[reg.coef_ - coef_init, reg.intercept_]
    # plain SGD moves by lr * clipped gradient, whose norm is max_grad_norm
    assert np.linalg.norm(step) == pytest.approx(0.1 * 0.5)


def test_plateau_schedule_lowers_the_rate_inside_the_estimator(iris):
    X, y = iris
    plateau = Plateau(threshold=1e-2, patience=1)
    clf = GDClassifier(
        optimizer="sgd",
        learning_rate=plateau,
        learning_rate_init=5.0,
        max_iter=60,
        tol=None,
        random_state=0,
    ).fit(X, y)
    state = clf._state.schedule_state
    assert clf.schedule_.rate(5.0, state) < 5.0
    # the state lives on the estimator; the constructor's object is untouched
    assert plateau.get_params() == Plateau(threshold=1e-2, patience=1).get_params()
    assert not any(key.startswith("plateau") for key in vars(plateau))


def test_verbose_prints_each_epoch_and_the_stop_reason(iris, capsys):
    X, y = iris
    clf = GDClassifier(max_iter=3, tol=None, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == [
        "Epoch 1",
        "Epoch 2",
        "Epoch 3",
    ]
    printed = [float(line.split("loss ")[1].split(",")[0]) for line in lines[:3]]
    np.testing.assert_allclose(printed, clf.loss_curve_, rtol=1e-5)
    assert lines[3].startswith("Stopped after epoch 3: max_iter=3 epochs reached (")


def test_verbose_says_why_training_stopped(iris, capsys):
    X, y = iris
    GDClassifier(tol=0.5, n_iter_no_change=2, verbose=1).fit(X, y)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "the training loss did not improve by tol=0.5 for 2 epochs" in last


def test_no_intercept_classifier_learns_separable_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = (X @ [1.0, -2.0, 0.5] > 0).astype(int)
    clf = GDClassifier(fit_intercept=False, learning_rate_init=0.1).fit(X, y)
    assert clf.score(X, y) > 0.97
    np.testing.assert_array_equal(clf.intercept_, [0.0])


def test_all_zero_sample_weight_is_rejected(iris):
    X, y = iris
    with pytest.raises(ValueError, match="zero"):
        GDClassifier().fit(X, y, sample_weight=np.zeros(len(y)))


@settings(max_examples=15, deadline=None)
@given(
    scale=st.floats(0.01, 100.0),
    weights=st.lists(st.integers(0, 4), min_size=20, max_size=20).filter(
        lambda w: sum(w) > 0
    ),
)
def test_full_batch_fit_is_invariant_to_the_scale_of_sample_weights(scale, weights):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 3))
    y = X @ [1.0, 2.0, -1.0] + rng.normal(scale=0.1, size=20)
    sw = np.asarray(weights, dtype=float)
    params = dict(batch_size="full", max_iter=20, tol=None, optimizer="sgd")
    a = GDRegressor(**params).fit(X, y, sample_weight=sw)
    b = GDRegressor(**params).fit(X, y, sample_weight=scale * sw)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(repeats=st.lists(st.integers(1, 3), min_size=12, max_size=12))
def test_full_batch_integer_weights_equal_repetitions(repeats):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(12, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(batch_size="full", max_iter=30, tol=None)
    weighted = GDClassifier(**params).fit(X, y, sample_weight=repeats)
    repeated = GDClassifier(**params).fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-12)


# --- divergence that stays finite, weights in streams, set_params, warm start ---


def _divergence_messages(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, DivergenceWarning)]


def test_slow_finite_divergence_is_reported_and_best_weights_restored(diabetes):
    X, y = diabetes
    # above the stability limit 2 / 4.02 the loss grows slowly, staying finite
    reg = GDRegressor(
        optimizer="sgd", learning_rate_init=0.58, batch_size="full", penalty=None
    )
    messages = _divergence_messages(lambda: reg.fit(X, y))
    assert messages and "rose" in messages[0]
    # the restored weights are the best ones (here the zero start, R^2 = 0),
    # not the grown ones (R^2 about -9)
    assert reg.score(X, y) >= 0.0
    stable = GDRegressor(
        optimizer="sgd", learning_rate_init=0.4, batch_size="full", penalty=None
    )
    assert not _divergence_messages(lambda: stable.fit(X, y))


def test_divergence_is_reported_with_early_stopping():
    X, y = make_regression(300, 5, noise=5, random_state=0)
    reg = GDRegressor(
        optimizer="sgd", learning_rate_init=1e3, early_stopping=True, random_state=0
    )
    assert _divergence_messages(lambda: reg.fit(X, y))
    # the starting point (zero weights) beats every diverged epoch
    assert reg.score(X, y) == pytest.approx(0.0, abs=1e-3)


def test_exploding_partial_fit_chunk_is_reported_and_undone():
    X, y = make_regression(2000, 5, noise=1, random_state=0)
    reg = GDRegressor(optimizer="sgd", learning_rate_init=0.01, batch_size=10)
    for start in range(0, 2000, 100):
        reg.partial_fit(X[start : start + 100], y[start : start + 100])
    before = reg.score(X, y)
    reg.set_params(learning_rate_init=1e4)
    assert _divergence_messages(lambda: reg.partial_fit(X[:100], y[:100]))
    assert reg.score(X, y) > before - 0.05


def test_partial_fit_weights_keep_their_meaning_across_chunks():
    X, y = make_regression(400, 5, noise=10, random_state=0)
    chunks = np.array_split(np.arange(400), 4)
    light = GDRegressor(optimizer="sgd", batch_size=10, random_state=0)
    heavy = GDRegressor(optimizer="sgd", batch_size=10, random_state=0)
    for k, rows in enumerate(chunks):
        light.partial_fit(X[rows], y[rows])
        # the last chunk weighs 50 times the others in the heavy stream
        sw = np.full(len(rows), 50.0 if k == 3 else 1.0)
        heavy.partial_fit(X[rows], y[rows], sample_weight=sw)
    assert not np.allclose(light.coef_, heavy.coef_)


def test_partial_fit_validates_parameters_on_every_call(iris):
    X, y = iris
    clf = GDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="alpha"):
        clf.set_params(alpha=-1.0).partial_fit(X, y)
    clf.set_params(alpha=1e-4, optimizer=Adam(beta1=0.5)).partial_fit(X, y)
    assert clf.optimizer_.beta1 == 0.5


def test_warm_start_rejects_incompatible_refits_and_keeps_the_model(diabetes):
    X, y = diabetes
    reg = GDRegressor(warm_start=True, max_iter=2).fit(X, y)
    coef = reg.coef_.copy()
    with pytest.raises(ValueError, match="features"):
        reg.fit(X[:, :3], y)
    assert reg.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(reg.predict(X), X @ coef + reg.intercept_)
    with pytest.raises(ValueError, match="fit_intercept"):
        reg.set_params(fit_intercept=False).fit(X, y)


def test_explicit_coef_init_wins_over_warm_start(diabetes):
    X, y = diabetes
    reg = GDRegressor(warm_start=True, max_iter=1, learning_rate_init=1e-9).fit(X, y)
    reg.fit(X, y, coef_init=np.full(X.shape[1], 3.0))
    np.testing.assert_allclose(reg.coef_, 3.0, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_val": np.zeros(5)}, "without X_val"),
        ({"X_val": np.zeros((5, 4))}, "together"),
    ],
)
def test_validation_inputs_must_come_together(iris, kwargs, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        GDClassifier().fit(X, y, **kwargs)


def test_negative_epsilon_is_rejected(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="epsilon"):
        GDRegressor(loss="huber", epsilon=-1.0).fit(X, y)
