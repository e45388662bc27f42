"""scikit-learn callbacks (:mod:`sklearn.callback`) on the skgd estimators.

A ``fit`` call is the root task of an estimator, with one subtask per epoch
(``max_subtasks=max_iter``); a ``partial_fit`` call is a root task with its
one epoch as subtask. Inside a meta-estimator (``Pipeline``,
``GridSearchCV``) the root task is merged into the meta-estimator's task
tree: auto-propagated callbacks set on the meta-estimator (``ProgressBar``)
see the epochs too, and callbacks set on the skgd estimator itself (such as
``ScoringMonitor``) stay on its clones.

The training loop knows nothing of scikit-learn: it calls the
``on_epoch_begin``/``on_epoch_end`` hooks :meth:`FitTask.epoch_hooks` gives
it, and only when the estimator has callbacks, so that a fit without any
pays nothing per epoch. A ``fitted_estimator`` for the hooks (a copy of the
estimator that predicts with the weights of the moment) is built only when
a callback's hook asks for one.
"""

import copy
import functools


class FitTask:
    """The callback contexts of one ``fit`` or ``partial_fit`` call.

    Creating it sets up the estimator's callbacks and begins the root task;
    :meth:`end` ends it. The hooks receive ``X``, ``y`` and ``sample_weight``
    (as ``metadata``) as they were passed to the method.

    Parameters
    ----------
    estimator : skgd estimator
        Has :class:`sklearn.callback.CallbackSupportMixin`; its method is
        decorated with :func:`sklearn.callback.with_callbacks`, which tears
        the callbacks down.
    task_name : {"fit", "partial_fit"}
    max_epochs : int
        The most epochs the call can run (its subtasks).
    X, y, sample_weight : the method's arguments
    """

    def __init__(self, estimator, task_name, max_epochs, X, y, sample_weight):
        self.estimator = estimator
        self.context = None
        self._epoch = None  # the context of the epoch under way
        self._model = None
        observed = getattr(estimator, "_skl_callbacks", None) or hasattr(
            estimator, "_parent_callback_ctx"
        )
        if not observed:
            return  # no callback and no meta-estimator: nothing sees the tasks
        self.context = estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_epochs
        )
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self._data = {"X": X, "y": y, "metadata": metadata}
        # a partial_fit or warm-started fit begins from a fitted estimator
        fitted = {} if hasattr(estimator, "_state") else None
        self.context.call_on_fit_task_begin(
            estimator=estimator, reconstruction_attributes=fitted, **self._data
        )

    def epoch_hooks(self, network, *fit_objects):
        """The keyword arguments that pass the epoch hooks to ``train``.

        Empty when the estimator has no callbacks: no epoch is then a task,
        and the loop runs as if callbacks did not exist.

        Parameters
        ----------
        network, *fit_objects
            What ``BaseGD._commit`` takes besides the training state
            (network; optimizer, schedule, info, objective, config), to
            build ``fitted_estimator``.
        """
        if self.context is None or not getattr(self.estimator, "_skl_callbacks", None):
            return {}
        self._model = (network, fit_objects)
        return {"on_epoch_begin": self._begin_epoch, "on_epoch_end": self._end_epoch}

    def _fitted_attributes(self, state):
        """The attributes of a copy fitted at ``state``, built when first asked."""

        @functools.cache
        def build():
            network, fit_objects = self._model
            view = copy.copy(self.estimator)
            # the loop goes on updating the arrays of ``state`` in place
            view._commit(network, _independent_copy(state), *fit_objects)
            return vars(view)

        return build

    def _begin_epoch(self, state):
        self._epoch = self.context.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes(state),
            **self._data,
        )

    def _end_epoch(self, state):
        """End the epoch's task; the stop reason if a callback asks to stop."""
        context, self._epoch = self._epoch, None
        stoppers = _call_on_fit_task_end(
            context,
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes(state),
            **self._data,
        )
        if not stoppers:
            return None
        return (
            f"stopped by callback {', '.join(stoppers)} (on_fit_task_end returned "
            f"True) after epoch {state.n_iter}"
        )

    def end(self):
        """End the root task, after the fitted attributes are published.

        An epoch that diverged was left open by the loop: it ends here, with
        the weights the loop restored.
        """
        if self.context is None:
            return
        if self._epoch is not None:
            context, self._epoch = self._epoch, None
            context.call_on_fit_task_end(
                estimator=self.estimator, reconstruction_attributes={}, **self._data
            )
        self.context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes={}, **self._data
        )


def _independent_copy(state):
    """A copy of a training state that the loop's later updates leave alone.

    A deep copy, except that the loss curves are copied as whole lists
    (``copy.deepcopy`` would visit every value of curves that grow by one
    per epoch) and the random state is shared (copying a ``RandomState``
    costs more than a small epoch; the copy predicts, it does not shuffle).
    """
    curves = (state.loss_curve, state.validation_loss_curve, state.validation_scores)
    memo = {id(curve): list(curve) for curve in curves}
    memo[id(state.rng)] = state.rng
    return copy.deepcopy(state, memo)


def _call_on_fit_task_end(context, **kwargs):
    """Call the callbacks' ``on_fit_task_end``; the names of those asking to stop.

    ``CallbackContext.call_on_fit_task_end`` only tells whether any callback
    asked to stop; it is called once per callback, in order, to name them.
    Each hook still runs exactly once.
    """
    callbacks = getattr(context, "_callbacks", None)
    if callbacks is None:  # a scikit-learn without the attribute: no names
        return ["(unnamed)"] if context.call_on_fit_task_end(**kwargs) else []
    stoppers = []
    try:
        for callback in callbacks:
            context._callbacks = [callback]
            if context.call_on_fit_task_end(**kwargs):
                stoppers.append(type(callback).__name__)
    finally:
        context._callbacks = callbacks
    return stoppers
