"""scikit-learn callbacks (``sklearn.callback``) on every skgd estimator.

``fit`` is the root task and each epoch a subtask; a ``partial_fit`` call is
a task with its one epoch as subtask. A callback stops training by returning
True from ``on_fit_task_end``, with the stopping rules' best-weights rule.
Tested with scikit-learn's own ``ProgressBar`` and ``ScoringMonitor``, on
bare estimators and propagated from ``Pipeline`` and ``GridSearchCV``.
"""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.callback import _progressbar as progressbar_module
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skgd._base
from skgd import (
    MLPGD,
    DivergenceWarning,
    GDClassifier,
    GDRegressor,
    MLPGDClassifier,
    MLPGDRegressor,
)

X_CLF, Y_CLF = make_classification(n_samples=120, n_features=6, random_state=0)
X_REG, Y_REG = make_regression(n_samples=120, n_features=6, noise=1, random_state=0)

# every estimator class, as a factory and its data
ESTIMATORS = {
    "GDClassifier": (lambda **kw: GDClassifier(**kw), X_CLF, Y_CLF),
    "GDRegressor": (lambda **kw: GDRegressor(**kw), X_REG, Y_REG),
    "MLPGD": (lambda **kw: MLPGD(hidden_layer_sizes=(8,), **kw), X_REG, Y_REG),
    "MLPGDClassifier": (lambda **kw: MLPGDClassifier((8,), **kw), X_CLF, Y_CLF),
    "MLPGDRegressor": (
        lambda **kw: MLPGDRegressor(hidden_layer_sizes=(8,), **kw),
        X_REG,
        Y_REG,
    ),
}


class Recorder:
    """Records the hooks it sees: (hook, task name, task id, max_subtasks)."""

    def __init__(self):
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name, context.task_id, None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name, context.task_id, None))

    def on_fit_task_begin(self, estimator, context):
        self.calls.append(
            ("begin", context.task_name, context.task_id, context.max_subtasks)
        )

    def on_fit_task_end(self, estimator, context):
        self.calls.append(
            ("end", context.task_name, context.task_id, context.max_subtasks)
        )

    def epochs(self, hook):
        return [c[2] for c in self.calls if c[0] == hook and c[1] == "epoch"]


class StopAfterEpochs(Recorder):
    """Asks to stop at the end of epoch ``n`` (of each fit or partial_fit)."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def on_fit_task_end(self, estimator, context):
        super().on_fit_task_end(estimator, context)
        return context.task_name == "epoch" and context.task_id + 1 >= self.n


class OtherStopper(StopAfterEpochs):
    pass


class KeepFitted(Recorder):
    """Keeps the ``fitted_estimator`` of the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.fitted = []

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context)
        if context.task_name == "epoch":
            self.fitted.append(fitted_estimator)


# --- stopping ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_callback_stops_every_estimator_after_three_epochs(name):
    make, X, y = ESTIMATORS[name]
    stopper = StopAfterEpochs(3)
    est = make(max_iter=50, tol=None, random_state=0).set_callbacks(stopper)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop, not max_iter
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert len(est.loss_curve_) == 3
    assert est.t_ == 3 * len(y)
    assert est.stop_reason_ == (
        "stopped by callback StopAfterEpochs (on_fit_task_end returned True) "
        "after epoch 3"
    )
    assert stopper.epochs("begin") == stopper.epochs("end") == [0, 1, 2]


def test_stop_reason_names_every_callback_that_asked_and_each_hook_runs_once():
    first, second, passive = StopAfterEpochs(2), OtherStopper(2), Recorder()
    est = GDClassifier(max_iter=20, tol=None, random_state=0)
    est.set_callbacks(first, passive, second).fit(X_CLF, Y_CLF)
    assert est.n_iter_ == 2
    assert est.stop_reason_ == (
        "stopped by callback StopAfterEpochs, OtherStopper (on_fit_task_end "
        "returned True) after epoch 2"
    )
    for callback in (first, second, passive):
        assert callback.epochs("end") == [0, 1]


def test_callback_stop_restores_the_best_weights_like_a_stall():
    # the training loss at epoch 8 is the lowest of the first 10 epochs; a
    # stop after epoch 10 keeps the weights it was measured from (the start
    # of epoch 8, i.e. the end of epoch 7), as the stall rule does
    X, y = make_regression(n_samples=60, n_features=5, noise=10, random_state=0)
    params = dict(
        optimizer="sgd",
        learning_rate_init=0.05,
        batch_size=4,
        tol=None,
        random_state=0,
    )
    est = GDRegressor(max_iter=50, **params).set_callbacks(StopAfterEpochs(10))
    est.fit(X, y)
    assert est.n_iter_ == 10
    best_epoch = int(np.argmin(est.loss_curve_)) + 1
    assert best_epoch == 8 and est.loss_curve_[-1] > est.best_loss_
    last = GDRegressor(max_iter=10, **params).fit(X, y)
    best_start = GDRegressor(max_iter=best_epoch - 1, **params).fit(X, y)
    np.testing.assert_array_equal(est.coef_, best_start.coef_)
    assert not np.array_equal(est.coef_, last.coef_)


def test_callback_stop_with_early_stopping_restores_the_best_validation_weights():
    X, y = make_classification(
        n_samples=120, n_features=20, n_informative=3, flip_y=0.3, random_state=0
    )
    X_train, y_train, X_val, y_val = X[:80], y[:80], X[80:], y[80:]
    params = dict(alpha=0.0, learning_rate_init=0.1, tol=None, random_state=0)
    est = GDClassifier(max_iter=50, **params).set_callbacks(StopAfterEpochs(5))
    est.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert est.n_iter_ == 5 and est.stop_reason_.startswith("stopped by callback")
    best_epoch = int(np.argmin(est.validation_loss_curve_)) + 1
    assert best_epoch == 1  # the validation loss rises afterwards
    first_epoch = GDClassifier(max_iter=1, **params).fit(X_train, y_train)
    np.testing.assert_array_equal(est.coef_, first_epoch.coef_)
    assert est.score(X_val, y_val) == est.best_validation_score_


def test_stop_reason_of_the_other_endings():
    est = GDClassifier(max_iter=4, tol=None, random_state=0).fit(X_CLF, Y_CLF)
    assert est.stop_reason_ == "max_iter=4 epochs reached"
    est = GDClassifier(tol=10.0, n_iter_no_change=2, random_state=0)
    assert est.fit(X_CLF, Y_CLF).stop_reason_ == (
        "the training loss did not improve by tol=10 for 2 epochs"
    )
    est = GDClassifier(random_state=0).partial_fit(X_CLF, Y_CLF, classes=[0, 1])
    assert est.stop_reason_ == "1 epoch run"


# --- tasks ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_is_the_root_task_and_each_epoch_a_subtask(name):
    make, X, y = ESTIMATORS[name]
    recorder = Recorder()
    est = make(max_iter=4, tol=None, random_state=0).set_callbacks(recorder)
    est.fit(X, y)
    assert recorder.calls == [
        ("setup", "fit", 0, None),
        ("begin", "fit", 0, 4),
        *[
            call
            for k in range(4)
            for call in (("begin", "epoch", k, 0), ("end", "epoch", k, 0))
        ],
        ("end", "fit", 0, 4),
        ("teardown", "fit", 0, None),
    ]
    assert not hasattr(est, "_callback_fit_ctx")  # torn down


@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_is_a_task_with_its_epoch(name):
    make, X, y = ESTIMATORS[name]
    recorder = Recorder()
    est = make(random_state=0).set_callbacks(recorder)
    kwargs = {"classes": np.unique(y)} if name.endswith("Classifier") else {}
    est.partial_fit(X, y, **kwargs)
    est.partial_fit(X, y)
    one_call = [
        ("setup", "partial_fit", 0, None),
        ("begin", "partial_fit", 0, 1),
        ("begin", "epoch", 0, 0),
        ("end", "epoch", 0, 0),
        ("end", "partial_fit", 0, 1),
        ("teardown", "partial_fit", 0, None),
    ]
    assert recorder.calls == one_call * 2
    assert est.n_iter_ == 2


def test_a_stop_in_partial_fit_ends_that_call_only():
    est = GDClassifier(random_state=0).set_callbacks(StopAfterEpochs(1))
    est.partial_fit(X_CLF, Y_CLF, classes=[0, 1])
    assert est.stop_reason_.startswith("stopped by callback StopAfterEpochs")
    est.partial_fit(X_CLF, Y_CLF)
    assert est.n_iter_ == 2


def test_partial_fit_stays_hidden_with_early_stopping_and_callbacks():
    est = GDClassifier(early_stopping=True).set_callbacks(Recorder())
    assert not hasattr(est, "partial_fit")
    est.set_params(early_stopping=False)
    assert est.partial_fit.__name__ == "partial_fit"
    assert "One epoch over" in est.partial_fit.__doc__


def test_a_diverged_epoch_still_ends_its_task():
    recorder = Recorder()
    est = GDRegressor(
        optimizer="sgd", learning_rate_init=1.0, max_iter=100, tol=None, random_state=0
    ).set_callbacks(recorder)
    with pytest.warns(DivergenceWarning):
        est.fit(X_REG * 100, Y_REG)
    assert est.stop_reason_.startswith("diverged at epoch")
    assert recorder.epochs("begin") == recorder.epochs("end")
    assert len(recorder.epochs("end")) == est.n_iter_ < 100
    assert recorder.calls[-2] == ("end", "fit", 0, 100)


def test_no_callback_no_hooks_in_the_loop(monkeypatch):
    seen, contexts = [], []
    train = skgd._base.train
    init_context = skgd._base.BaseGD._init_callback_context

    def spy_train(*args, **kwargs):
        seen.append(sorted(kwargs))
        return train(*args, **kwargs)

    def spy_context(self, **kwargs):
        contexts.append(type(self).__name__)
        return init_context(self, **kwargs)

    monkeypatch.setattr(skgd._base, "train", spy_train)
    monkeypatch.setattr(skgd._base.BaseGD, "_init_callback_context", spy_context)
    GDClassifier(max_iter=3, tol=None).fit(X_CLF, Y_CLF)
    assert (seen, contexts) == ([[]], [])  # nothing observes: no context at all
    # in a Pipeline the fit is a task of the pipeline's tree, without epochs
    make_pipeline(StandardScaler(), GDClassifier(max_iter=3, tol=None)).fit(
        X_CLF, Y_CLF
    )
    assert (seen[1], contexts) == ([], ["GDClassifier"])
    GDClassifier(max_iter=3, tol=None).set_callbacks(Recorder()).fit(X_CLF, Y_CLF)
    assert seen[2] == ["on_epoch_begin", "on_epoch_end"]


# --- fitted_estimator ---------------------------------------------------------------


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fitted_estimator_predicts_with_the_weights_of_its_epoch(name):
    make, X, y = ESTIMATORS[name]
    keep = KeepFitted()
    est = make(max_iter=3, tol=None, random_state=0).set_callbacks(keep)
    est.fit(X, y)
    assert len(keep.fitted) == 3
    for k, fitted in enumerate(keep.fitted):
        reference = make(max_iter=k + 1, tol=None, random_state=0).fit(X, y)
        np.testing.assert_array_equal(fitted.predict(X), reference.predict(X))
        assert fitted.n_iter_ == k + 1
        assert fitted is not est
    np.testing.assert_array_equal(keep.fitted[-1].predict(X), est.predict(X))


def test_the_fitted_copy_is_built_only_when_a_callback_asks(monkeypatch):
    commits = []
    commit = skgd._base.BaseGD._commit

    def spy(self, *args):
        commits.append(self)
        return commit(self, *args)

    monkeypatch.setattr(skgd._base.BaseGD, "_commit", spy)
    est = GDClassifier(max_iter=4, tol=None).set_callbacks(Recorder())
    est.fit(X_CLF, Y_CLF)
    assert commits == [est]  # only the final one
    commits.clear()
    est.set_callbacks(KeepFitted(), KeepFitted()).fit(X_CLF, Y_CLF)
    # one copy per epoch end, shared by both callbacks, and the final commit
    assert len(commits) == 5 and commits[-1] is est


# --- scikit-learn's ProgressBar -------------------------------------------------


@pytest.fixture
def progress_events(monkeypatch):
    """The messages the real ProgressBar sends to its display thread."""
    pytest.importorskip("rich")
    events = []
    send = progressbar_module.send

    def spy(handle, message):
        events.append(dict(message))
        return send(handle, message)

    monkeypatch.setattr(progressbar_module, "send", spy)
    yield events
    # a ProgressBar that was not torn down keeps its display thread alive,
    # which would hang the test session: stop it, and fail
    leftover = list(progressbar_module._run_queues)
    for run in leftover:
        progressbar_module._run_queues.pop(run).put(None)
        progressbar_module._run_monitors.pop(run).join()
    assert not leftover, "a ProgressBar was not torn down after fit"


def _epoch_ends(events, root_path):
    """Task ids of the ended subtasks of the task at ``root_path``."""
    n = len(root_path)
    return [
        e["path"][n]
        for e in events
        if e["event"] == "end"
        and len(e["path"]) == n + 1
        and e["path"][:n] == root_path
    ]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_progress_bar_on_a_bare_estimator(name, progress_events, capsys):
    make, X, y = ESTIMATORS[name]
    est = make(max_iter=5, tol=None, random_state=0).set_callbacks(ProgressBar())
    est.fit(X, y)
    root = progress_events[0]
    assert root["event"] == "begin" and root["path"] == [0]
    assert (root["estimator_name"], root["task_name"]) == (name, "fit")
    assert root["max_subtasks"] == 5
    assert _epoch_ends(progress_events, [0]) == [0, 1, 2, 3, 4]
    assert progress_events[-1] == {"event": "end", "path": [0]}
    out = capsys.readouterr().out
    assert re.search(rf"{name} - fit .*100%", out)


def test_progress_bar_on_partial_fit(progress_events, capsys):
    est = GDRegressor(random_state=0).set_callbacks(ProgressBar())
    est.partial_fit(X_REG, Y_REG)
    assert progress_events[0]["task_name"] == "partial_fit"
    assert progress_events[0]["max_subtasks"] == 1
    assert _epoch_ends(progress_events, [0]) == [0]
    assert "GDRegressor - partial_fit" in capsys.readouterr().out


def test_progress_bar_propagated_from_grid_search_over_a_pipeline(
    progress_events, capsys
):
    pipe = make_pipeline(StandardScaler(), GDClassifier(max_iter=4, tol=None))
    search = GridSearchCV(pipe, {"gdclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    search.fit(X_CLF, Y_CLF)
    roots = [
        e["path"]
        for e in progress_events
        if e["event"] == "begin" and e["estimator_name"] == "GDClassifier"
    ]
    assert len(roots) == 2 * 2 + 1  # candidates x splits, and the refit
    for path in roots:
        assert _epoch_ends(progress_events, path) == [0, 1, 2, 3]
    out = capsys.readouterr().out
    lines = re.findall(r"Pipeline - fit-final-estimator \| GDClassifier - fit.*", out)
    assert len(lines) == 5 and all("100%" in line for line in lines)


# --- scikit-learn's ScoringMonitor ----------------------------------------------------


def test_scoring_monitor_records_the_score_of_every_epoch():
    monitor = ScoringMonitor(scoring="accuracy")
    est = GDClassifier(max_iter=4, tol=None, random_state=0).set_callbacks(monitor)
    est.fit(X_CLF, Y_CLF)
    rows = monitor.get_logs().data
    assert [(r["task_name"], r["task_id_path"]) for r in rows] == [
        ("fit", (0,)),
        ("epoch", (0, 0)),
        ("epoch", (0, 1)),
        ("epoch", (0, 2)),
        ("epoch", (0, 3)),
    ]
    for k, row in enumerate(rows[1:]):
        reference = GDClassifier(max_iter=k + 1, tol=None, random_state=0)
        assert row["accuracy"] == reference.fit(X_CLF, Y_CLF).score(X_CLF, Y_CLF)
    assert rows[0]["accuracy"] == est.score(X_CLF, Y_CLF)


def test_scoring_monitor_with_sample_weight_and_several_scores():
    monitor = ScoringMonitor(scoring=["r2", "neg_mean_squared_error"])
    weights = np.linspace(0.5, 2, len(Y_REG))
    est = MLPGDRegressor(hidden_layer_sizes=(8,), max_iter=3, tol=None, random_state=0)
    est.set_callbacks(monitor).fit(X_REG, Y_REG, sample_weight=weights)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == 3
    reference = MLPGDRegressor(
        hidden_layer_sizes=(8,), max_iter=3, tol=None, random_state=0
    )
    reference.fit(X_REG, Y_REG, sample_weight=weights)
    assert rows[-1]["r2"] == reference.score(X_REG, Y_REG, sample_weight=weights)
    assert all(r["neg_mean_squared_error"] < 0 for r in rows)


def test_scoring_monitor_on_the_estimator_inside_grid_search_and_pipeline():
    monitor = ScoringMonitor(scoring="accuracy")
    clf = GDClassifier(max_iter=3, tol=None, random_state=0).set_callbacks(monitor)
    pipe = make_pipeline(StandardScaler(), clf)
    search = GridSearchCV(pipe, {"gdclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    search.fit(X_CLF, Y_CLF)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == (2 * 2 + 1) * 3
    assert all(0.5 <= r["accuracy"] <= 1 for r in rows)
    # the epochs hang under the search's task tree
    assert all(len(r["task_id_path"]) > 2 for r in rows)


# --- meta-estimators and persistence ------------------------------------------------


def test_clones_share_the_callbacks_and_pickle_keeps_them():
    stopper = StopAfterEpochs(2)
    est = GDClassifier(max_iter=10, tol=None).set_callbacks(stopper)
    assert clone(est).fit(X_CLF, Y_CLF).n_iter_ == 2
    restored = pickle.loads(pickle.dumps(est.fit(X_CLF, Y_CLF)))
    assert restored.fit(X_CLF, Y_CLF).n_iter_ == 2
    np.testing.assert_array_equal(restored.predict(X_CLF), est.predict(X_CLF))


def test_warnings_point_at_the_callers_line_through_the_callback_wrapper():
    est = GDClassifier(max_iter=2).set_callbacks(Recorder())
    with pytest.warns(ConvergenceWarning) as caught:
        est.fit(X_CLF, Y_CLF)
    assert [w.filename for w in caught] == [__file__]
