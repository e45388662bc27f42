"""MLPGD, MLPGDClassifier, MLPGDRegressor: API, task switching, parity, accuracy.

scikit-learn's estimator checks for the MLPs run with the linear models' in
tests/test_estimator_checks.py.
"""

import inspect
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.model_selection import StratifiedKFold, check_cv, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skgd.linear_model import GDClassifier, GDRegressor
from skgd.neural_network import MLPGD, MLPGDClassifier, MLPGDRegressor

# --- data ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(
        n_samples=120, n_features=5, n_targets=2, noise=1.0, random_state=0
    )
    return X, y / y.std(axis=0)


# --- the task follows the loss --------------------------------------------------


@pytest.mark.parametrize("loss", ["log_loss", "hinge"])
def test_classification_loss_makes_a_classifier(iris, loss):
    X, y = iris
    est = MLPGD(loss, hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0)
    assert is_classifier(est) and not is_regressor(est)
    assert isinstance(check_cv(3, y, classifier=is_classifier(est)), StratifiedKFold)
    est.fit(X, y)
    assert_array_equal(est.classes_, [0, 1, 2])
    assert est.score(X, y) == np.mean(est.predict(X) == y)
    assert est.decision_function(X).shape == (150, 3)
    assert hasattr(est, "predict_proba") == (loss == "log_loss")
    assert est.out_activation_ == ("softmax" if loss == "log_loss" else "identity")


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber"])
def test_regression_loss_makes_a_regressor(regression, loss):
    X, y = regression
    est = MLPGD(loss, hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0)
    assert is_regressor(est) and not is_classifier(est)
    est.fit(X, y[:, 0])
    assert not hasattr(est, "classes_")
    assert not hasattr(est, "decision_function")
    assert not hasattr(est, "predict_proba")
    assert est.out_activation_ == "identity"
    assert est.predict(X).shape == (120,)
    assert est.score(X, y[:, 0]) > 0.9


def test_switching_the_task_refits_cleanly(iris):
    X, y = iris
    est = MLPGD("log_loss", hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    est.fit(X, y)
    est.set_params(loss="squared_error").fit(X, y.astype(float))
    assert not hasattr(est, "classes_")
    assert est.predict(X).dtype == np.float64


def test_subclasses_fix_the_task():
    assert is_classifier(MLPGDClassifier()) and is_regressor(MLPGDRegressor())
    assert "epsilon" not in MLPGDClassifier().get_params()
    assert "class_weight" not in MLPGDRegressor().get_params()
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="loss"):
        MLPGDClassifier(loss="squared_error").fit(X, y)
    with pytest.raises(ValueError, match="loss"):
        MLPGDRegressor(loss="log_loss").fit(X, y)


def test_layer_attributes(iris):
    X, y = iris
    est = MLPGDClassifier(hidden_layer_sizes=(7, 4), max_iter=3, random_state=0)
    est.fit(X, y)
    assert [W.shape for W in est.coefs_] == [(4, 7), (7, 4), (4, 3)]
    assert [b.shape for b in est.intercepts_] == [(7,), (4,), (3,)]
    assert (est.n_layers_, est.n_outputs_) == (4, 3)
    assert len(est.loss_curve_) == est.n_iter_ == 3
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert est.t_ == 3 * 150
    binary = MLPGDClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(X, y > 0)
    assert (binary.n_outputs_, binary.out_activation_) == (1, "logistic")
    assert binary.predict_proba(X).shape == (150, 2)


@pytest.mark.parametrize(
    "activation, init",
    [("relu", "he_normal"), ("leaky_relu", "he_normal"), ("tanh", "glorot_uniform")],
)
def test_default_init_suits_the_activation(iris, activation, init):
    X, y = iris
    params = {"hidden_layer_sizes": (5,), "max_iter": 1, "random_state": 0}
    default = MLPGDClassifier(activation=activation, **params).fit(X, y)
    explicit = MLPGDClassifier(activation=activation, init=init, **params).fit(X, y)
    for a, b in zip(default.coefs_, explicit.coefs_, strict=True):
        assert_array_equal(a, b)


# --- multilabel and multi-output --------------------------------------------------


@pytest.mark.parametrize("loss", ["log_loss", "hinge"])
def test_multilabel(loss):
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = MLPGDClassifier(
        (20,), loss=loss, learning_rate_init=0.01, random_state=0
    ).fit(X, Y)
    assert_array_equal(est.classes_, np.arange(4))
    pred = est.predict(X)
    assert pred.shape == Y.shape and pred.dtype == Y.dtype
    assert set(np.unique(pred)) <= {0, 1}
    assert est.score(X, Y) > 0.5  # subset accuracy
    assert est.decision_function(X).shape == (200, 4)
    if loss == "log_loss":
        assert est.out_activation_ == "logistic"
        proba = est.predict_proba(X)
        assert proba.shape == (200, 4)
        assert_array_equal(pred, (proba > 0.5).astype(Y.dtype))


def test_multilabel_errors():
    X, Y = make_multilabel_classification(n_samples=50, n_classes=3, random_state=0)
    est = MLPGDClassifier(hidden_layer_sizes=(3,), max_iter=2)
    with pytest.raises(ValueError, match="multilabel"):
        est.fit(X, Y + Y[:, ::-1])  # multiclass-multioutput
    with pytest.raises(ValueError, match="multilabel"):
        est.fit(X, Y * 3 - 1)  # two values, but not 0/1
    with pytest.raises(ValueError, match="multilabel"):
        clone(est).set_params(class_weight={0: 2.0}).fit(X, Y)
    est.partial_fit(X, Y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="multilabel"):
        est.partial_fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="labels"):
        est.partial_fit(X, Y[:, :2])


def test_column_vector_y_is_one_dimensional_for_classifiers(iris):
    X, y = iris
    est = MLPGDClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with pytest.warns(Warning, match="column-vector"):
        est.fit(X, y[:, None])
    assert est.predict(X).shape == (150,)


def test_multi_output_regression(regression):
    X, y = regression
    est = MLPGDRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01)
    est.set_params(random_state=0, max_iter=300).fit(X, y)
    assert est.predict(X).shape == (120, 2) and est.n_outputs_ == 2
    assert est.score(X, y) > 0.95


# --- a linear model is the zero-hidden-layer network ----------------------------


def _zero_hidden_cases():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y_reg = X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.normal(size=60)
    y_two = np.c_[y_reg, -y_reg]
    y_bin = (y_reg > 0).astype(int)
    y_multi = np.digitize(y_reg, [-1, 1])
    return [
        (GDRegressor, "squared_error", X, y_reg, "sgd", "l2"),
        (GDRegressor, "huber", X, y_reg, "adam", "l1"),
        (GDRegressor, "absolute_error", X, y_reg, "rmsprop", "elasticnet"),
        (GDRegressor, "squared_error", X, y_two, "nesterov", None),
        (GDClassifier, "log_loss", X, y_bin, "adam", "l2"),
        (GDClassifier, "log_loss", X, y_multi, "momentum", "elasticnet"),
        (GDClassifier, "hinge", X, y_multi, "adagrad", "l1"),
    ]


@pytest.mark.parametrize(
    "linear_cls, loss, X, y, optimizer, penalty", _zero_hidden_cases()
)
@pytest.mark.parametrize("batch_size", [7, "full"])
def test_zero_hidden_layers_is_the_linear_model(
    linear_cls, loss, X, y, optimizer, penalty, batch_size
):
    shared = {
        "optimizer": optimizer,
        "penalty": penalty,
        "alpha": 0.01,
        "learning_rate_init": 0.05,
        "batch_size": batch_size,
        "max_iter": 5,
        "tol": None,
        "random_state": 0,
    }
    linear = linear_cls(loss, **shared).fit(X, y)
    mlp = MLPGD(loss, hidden_layer_sizes=(), init="zeros", **shared).fit(X, y)
    coef = linear.coef_.reshape(-1, X.shape[1])
    assert_allclose(mlp.coefs_[0], coef.T, rtol=0, atol=1e-12)
    assert_allclose(mlp.intercepts_[0], linear.intercept_, rtol=0, atol=1e-12)
    assert_allclose(mlp.loss_curve_, linear.loss_curve_, rtol=1e-12)
    assert_array_equal(mlp.predict(X), linear.predict(X))


# --- float32, partial_fit, pickling, cloning ------------------------------------


def _float_leaves(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _float_leaves(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _float_leaves(value)


@pytest.mark.parametrize("est", [MLPGDClassifier(), MLPGDRegressor()])
def test_float32_trains_in_float32(iris, est):
    X, y = iris
    X32 = X.astype(np.float32)
    est = clone(est).set_params(hidden_layer_sizes=(8, 4), max_iter=5, random_state=0)
    est.fit(X32, y)
    assert all(W.dtype == np.float32 for W in est.coefs_ + est.intercepts_)
    states = list(_float_leaves(est._state.optimizer_state))
    assert states and all(s.dtype == np.float32 for s in states if s.dtype.kind == "f")
    out = est.predict_proba(X32) if is_classifier(est) else est.predict(X32)
    assert out.dtype == np.float32
    est.partial_fit(X32, y)  # stays float32
    assert all(W.dtype == np.float32 for W in est.coefs_)


def test_partial_fit_chunks_equal_unshuffled_fit(regression):
    X, y = regression
    params = {
        "hidden_layer_sizes": (6,),
        "batch_size": 20,
        "shuffle": False,
        "random_state": 0,
        "learning_rate_init": 0.01,
        # a stream standardises its target with its first chunk's statistics
        "scale_target": False,
    }
    fitted = MLPGDRegressor(**params, max_iter=3, tol=None).fit(X, y)
    streamed = MLPGDRegressor(**params)
    for _ in range(3):
        for start in range(0, 120, 20):
            streamed.partial_fit(X[start : start + 20], y[start : start + 20])
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_,
        streamed.coefs_ + streamed.intercepts_,
        strict=True,
    ):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert streamed.t_ == fitted.t_


def test_partial_fit_approximates_fit(iris):
    X, y = iris
    params = {
        "hidden_layer_sizes": (10,),
        "learning_rate_init": 0.01,
        "random_state": 0,
    }
    fitted = MLPGDClassifier(**params, batch_size=30, max_iter=60, tol=None).fit(X, y)
    streamed = MLPGDClassifier(**params, batch_size=30)
    rng = np.random.RandomState(0)
    for _ in range(60):
        order = rng.permutation(150)
        for chunk in np.array_split(order, 5):
            streamed.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    assert abs(fitted.score(X, y) - streamed.score(X, y)) <= 0.03
    assert_allclose(
        fitted.predict_proba(X), streamed.predict_proba(X), atol=0.15, rtol=0
    )


def test_partial_fit_requires_classes_for_classifiers(iris):
    X, y = iris
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPGDClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="classification losses only"):
        MLPGD().partial_fit(X, y.astype(float), classes=[0, 1, 2])
    est = MLPGDClassifier(hidden_layer_sizes=(3,)).partial_fit(
        X[:50], y[:50], [0, 1, 2]
    )
    assert_array_equal(est.classes_, [0, 1, 2])  # classes absent from the chunk
    with pytest.raises(ValueError, match="not in classes_"):
        est.partial_fit(X[:2], [0, 5])
    MLPGDRegressor(hidden_layer_sizes=(3,)).partial_fit(X, y.astype(float))


def test_pickle_mid_stream_resumes_identically(iris):
    X, y = iris
    est = MLPGDClassifier(hidden_layer_sizes=(5,), batch_size=16, random_state=0)
    est.partial_fit(X[:75], y[:75], classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(est))
    for model in (est, restored):
        model.partial_fit(X[75:], y[75:])
        model.partial_fit(X, y)
    for a, b in zip(
        est.coefs_ + est.intercepts_,
        restored.coefs_ + restored.intercepts_,
        strict=True,
    ):
        assert_array_equal(a, b)


@pytest.mark.parametrize(
    "est",
    [
        MLPGD("hinge", hidden_layer_sizes=[3, 2], activation="tanh"),
        MLPGDClassifier(class_weight={0: 2.0}, optimizer="rprop"),
        MLPGDRegressor(loss="huber", epsilon=0.5, init="he_uniform"),
    ],
)
def test_clone_round_trip(iris, est):
    cloned = clone(est)
    assert type(cloned) is type(est)
    assert cloned.get_params() == est.get_params()
    X, y = iris
    est.set_params(max_iter=2).fit(X, y)
    assert not hasattr(clone(est), "coefs_")
    assert clone(est).get_params() == est.get_params()


def test_warm_start_continues_and_checks_the_network(iris):
    X, y = iris
    params = {"hidden_layer_sizes": (5,), "max_iter": 3, "tol": None, "random_state": 0}
    est = MLPGDClassifier(**params, warm_start=True).fit(X, y)
    first = [W.copy() for W in est.coefs_]
    est.fit(X, y)
    assert not np.allclose(first[0], est.coefs_[0])
    assert est.n_iter_ == 3  # a new fit, started from the previous weights
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.set_params(hidden_layer_sizes=(6,)).fit(X, y)
    with pytest.raises(ValueError, match="activation"):
        est.set_params(hidden_layer_sizes=(5,), activation="tanh").fit(X, y)


def test_early_stopping_with_validation_data(iris):
    X, y = iris
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    est = MLPGDClassifier(hidden_layer_sizes=(10,), learning_rate_init=0.01)
    est.set_params(random_state=0).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert est.best_loss_ is None
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ in est.validation_scores_
    assert est.best_validation_score_ > 0.8


def test_sparse_input_equals_dense(iris):
    import scipy.sparse as sp

    X, y = iris
    params = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}
    dense = MLPGDClassifier(**params).fit(X, y)
    sparse = MLPGDClassifier(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(dense.coefs_[0], sparse.coefs_[0], rtol=1e-10)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (10, -1)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (2.5,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "10"}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
        ({"activation": "softplus"}, "activation"),
        ({"init": "uniform"}, "init"),
        ({"loss": "poisson"}, "loss"),
        ({"alpha": -1.0}, "alpha"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"epsilon": -0.1}, "epsilon"),
        ({"class_weight": {0: 1.0}}, "class_weight"),  # with a regression loss
    ],
)
def test_invalid_hyperparameters_raise(params, match):
    X, y = np.ones((6, 2)), np.arange(6.0)
    with pytest.raises(ValueError, match=match):
        MLPGD(**params).fit(X, y)


def test_the_estimator_does_not_modify_its_parameters(iris):
    X, y = iris
    sizes = [5, 3]
    est = MLPGDClassifier(hidden_layer_sizes=sizes, max_iter=2).fit(X, y)
    assert est.hidden_layer_sizes is sizes and sizes == [5, 3]
    assert est.init is None and est.optimizer == "adam"


# --- against scikit-learn's MLP ----------------------------------------------------


def test_digits_accuracy_at_least_sklearn():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, stratify=y, random_state=0
    )
    same = {"hidden_layer_sizes": (100,), "batch_size": 200, "max_iter": 50}
    reference = MLPClassifier(**same, random_state=0).fit(X_train, y_train)
    ours = MLPGDClassifier(**same, optimizer="adam", random_state=0)
    ours.fit(X_train, y_train)
    assert ours.score(X_test, y_test) >= reference.score(X_test, y_test) > 0.9


def test_diabetes_r2_at_least_sklearn():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    x_scaler = StandardScaler().fit(X_train)
    y_scaler = StandardScaler().fit(y_train[:, None])
    X_train, X_test = x_scaler.transform(X_train), x_scaler.transform(X_test)
    y_train = y_scaler.transform(y_train[:, None]).ravel()
    y_test = y_scaler.transform(y_test[:, None]).ravel()
    same = {"hidden_layer_sizes": (100,), "batch_size": 200, "max_iter": 200}
    reference = MLPRegressor(**same, random_state=0).fit(X_train, y_train)
    ours = MLPGDRegressor(**same, random_state=0).fit(X_train, y_train)
    assert ours.score(X_test, y_test) >= reference.score(X_test, y_test) > 0.1


def test_positional_parameters_follow_scikit_learn():
    # drop-in: the same leading positional parameters as MLPClassifier/Regressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    for ours, theirs in [
        (MLPGDClassifier, MLPClassifier),
        (MLPGDRegressor, MLPRegressor),
    ]:
        positional = [
            name
            for name, p in inspect.signature(theirs).parameters.items()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        ours_positional = [
            name
            for name, p in inspect.signature(ours).parameters.items()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        assert ours_positional == positional
