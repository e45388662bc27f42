"""Shared estimator base: parameters, validation, the fit/partial_fit template."""

import dataclasses
import textwrap
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.callback import CallbackSupportMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._callbacks import FitTask
from ._network import Network
from ._training import (
    Objective,
    TrainingConfig,
    TrainingState,
    resolve_batch_size,
    train,
    warn_user,
)
from .losses import get_loss
from .optimizers import OPTIMIZER_NAMES, resolve_optimizer
from .schedules import SCHEDULE_NAMES, resolve_schedule

_SHARED_DOC = """\
    optimizer : str or Optimizer, default={optimizer!r}
        The update rule: one of "sgd", "momentum", "nesterov", "adagrad",
        "adadelta", "rmsprop", "adam", "adamw", "nadam", "amsgrad", "rprop",
        or an :mod:`skgd.optimizers` object such as ``Adam(beta1=0.8)``, whose
        hyper-parameters can be tuned as ``optimizer__beta1``. The object is
        never modified; the resolved copy is ``optimizer_``.

    learning_rate : str or Schedule, default="constant"
        The step-size schedule: one of "constant", "inverse_time",
        "exponential", "step", "inv_sqrt", "invscaling", "cosine", "warmup",
        "adaptive" (reduce on plateau of the training loss), or an
        :mod:`skgd.schedules` object (tunable as ``learning_rate__<name>``).
        With "adaptive" the rate is divided by 5 when the loss stalls or an
        epoch diverges (training then restarts from the best weights), and
        training stops once the rate reaches 1e-6: the robust choice for
        non-smooth losses (hinge, perceptron) and unscaled data.

    learning_rate_init : float or "auto", default="auto"
        The base step size the schedule starts from. "auto" takes the
        optimizer's own step size ({auto_rates}); an explicit value always
        wins. The resolved value is ``learning_rate_init_``.

    batch_size : int, "auto", "full" or None, default="auto"
        Samples per update: 1 is per-sample SGD, "auto" is
        ``min(200, n_samples)``, "full"/None is batch gradient descent.

    max_iter : int, default={max_iter}
        Maximum number of epochs (passes over the training data).

    tol : float or None, default=1e-4
        Training stops when the monitored quantity (the training loss, or
        the validation loss with ``early_stopping``) has not improved by at
        least ``tol`` for ``n_iter_no_change`` consecutive epochs. None
        disables this rule.

    n_iter_no_change : int, default={n_iter_no_change}
        Number of epochs without improvement before stopping.

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch (mini-batches only).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling, the validation split{extra_random}.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), or use ``X_val``/``y_val`` passed to ``fit``, stop when
        the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights with the lowest
        validation loss. The loss is monitored rather than the accuracy,
        which ties on small validation sets and stops training too early.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.

    max_grad_norm : float or None, default=None
        If set, gradients are rescaled so that their global L2 norm is at
        most this value (gradient clipping), guarding against exploding
        gradients.

    average : bool or int, default=False
        Averaged SGD: predict with the running mean of the weights after
        each update instead of the last weights. True averages from the
        first update; an int ``n`` starts once ``n`` samples have been seen
        (as scikit-learn's SGD estimators). Works with every optimizer, in
        ``fit`` and ``partial_fit``; the training continues from the
        unaveraged weights.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of a fresh one.
        The model's structure (loss, intercept, hidden layers, activation,
        features and classes) must be unchanged.

    verbose : int, default=0
        Print the loss (and validation score) after every epoch."""


_AUTO_RATES = {
    "network": "0.01 for SGD (with or without momentum), Adagrad and Rprop, "
    "1.0 for Adadelta, 0.001 for RMSprop, Adam, AdamW and "
    "AMSGrad, 0.002 for NAdam: the optimizer's ``default_learning_rate``",
    "linear": "0.1 for plain SGD and Adagrad, 0.01 with momentum or Nesterov "
    "and for RMSprop, the Adam family and Rprop, 1.0 for Adadelta: the "
    "optimizer's ``default_learning_rate_linear``",
}


def shared_doc(**defaults):
    """The docstring section of the shared training parameters."""
    defaults["auto_rates"] = _AUTO_RATES[defaults.pop("model", "network")]
    defaults.setdefault("extra_random", "")
    defaults.setdefault("n_iter_no_change", 5)
    return _SHARED_DOC.format(**defaults)


def fill_doc(obj, **parts):
    """Replace each line ``{name}`` of ``obj.__doc__`` with ``parts[name]``.

    The part is re-indented to the placeholder's indentation, so the result
    is right whether or not the interpreter (or a formatter) dedented the
    docstring.
    """
    lines = []
    for line in obj.__doc__.splitlines():
        name = line.strip()[1:-1]
        if line.strip() == "{" + name + "}" and name in parts:
            indent = line[: len(line) - len(line.lstrip())]
            text = textwrap.dedent(parts[name]).strip("\n")
            lines.append(textwrap.indent(text, indent))
        else:
            lines.append(line)
    obj.__doc__ = "\n".join(lines)


class BaseGD(CallbackSupportMixin, BaseEstimator):
    """Template for estimators trained by the skgd training loop.

    Subclasses provide the model (network, initial parameters), the loss and
    target encoding, the validation score, and the fitted attributes.
    """

    _parameter_constraints = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "optimizer": [StrOptions(set(OPTIMIZER_NAMES)), HasMethods(["update"])],
        "learning_rate": [StrOptions(set(SCHEDULE_NAMES)), HasMethods(["rate"])],
        "learning_rate_init": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto", "full"}),
            None,
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "average": [Interval(Integral, 0, None, closed="left"), "boolean"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    # --- hooks ------------------------------------------------------------

    def _prepare_targets(self, y, *, reset, classes=None, info=None):
        """Validated ``y`` -> (encoded 2-D Y, target info dict)."""
        raise NotImplementedError

    def _build(self, n_features, info, rng, dtype):
        """(network, initial params) for a fresh fit."""
        raise NotImplementedError

    def _structure(self):
        """The hyper-parameters that fix the model's shape and meaning.

        A warm start or a later ``partial_fit`` call must see the same values.
        """
        return {"loss": self.loss}

    def _make_loss(self, info):
        # epsilon is a parameter of the regressors only (huber and friends);
        # it is in the target's units, so it shrinks with a scaled target
        epsilon = getattr(self, "epsilon", 0.1) / info.get("y_scale", 1.0)
        return get_loss(
            self.loss, multiclass=info.get("multiclass", False), epsilon=epsilon
        )

    def _score_raw(self, raw, y, sample_weight, info):
        """Score (accuracy, R^2) of raw outputs against original targets."""
        raise NotImplementedError

    def _validate_params_on(self, objective, params, val, info):
        """(validation loss, validation score) of ``params``."""
        X_val, Y_val, y_val, sample_weight_val = val
        if not sample_weight_val.sum() > 0:
            sample_weight_val = None  # a random split can draw only zero weights
        loss, raw = objective.monitored_loss(params, X_val, Y_val, sample_weight_val)
        if not np.isfinite(loss):
            return np.inf, np.nan  # an overflowing model is not scored
        raw = _unscale_output(raw, info)
        return loss, self._score_raw(raw, y_val, sample_weight_val, info)

    def _export(self, network, params, info):
        """Set the public fitted attributes from the parameters."""
        raise NotImplementedError

    # --- template -----------------------------------------------------------

    def _validate_hyperparameters(self):
        self._validate_params()
        return resolve_optimizer(self.optimizer), resolve_schedule(self.learning_rate)

    def _validate_X_y(self, X, y, sample_weight, reset, **kwargs):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            # C order and canonical CSR are what the compiled epochs read; an
            # input in another layout is copied once here
            order="C",
            **kwargs,
        )
        if sp.issparse(X) and not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        return X, y, sample_weight

    #: which of the optimizer's default step sizes "auto" takes
    _auto_learning_rate = "default_learning_rate"

    def _learning_rate_init(self, optimizer):
        if self.learning_rate_init == "auto":
            return float(getattr(optimizer, self._auto_learning_rate))
        return float(self.learning_rate_init)

    def _config(self, early_stopping, optimizer, n_samples):
        batch = resolve_batch_size(self.batch_size, n_samples)
        return TrainingConfig(
            learning_rate_init=self._learning_rate_init(optimizer),
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            shuffle=self.shuffle,
            early_stopping=early_stopping,
            max_grad_norm=self.max_grad_norm,
            verbose=self.verbose,
            average=int(self.average),
            cumulative_l1=batch < n_samples,
        )

    def _objective(self, network, info):
        return Objective(
            network,
            self._make_loss(info),
            self.penalty,
            self.alpha,
            self.l1_ratio,
            target_scale=info.get("y_scale", 1.0),
        )

    def _new_state(self, params, optimizer, schedule, rng, network):
        schedule_state = {"epoch": 0, "step": 0, "max_iter": self.max_iter}
        schedule_state.update(schedule.init_state())
        return TrainingState(
            params=params,
            optimizer_state=_init_optimizer_state(optimizer, params, network),
            schedule_state=schedule_state,
            rng=rng,
        )

    def _split_validation(self, X, Y, y, sample_weight, rng, stratify):
        n_samples = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if n_samples < 2 or n_val >= n_samples:
            raise ValueError(
                f"early_stopping needs a validation split, but n_samples={n_samples}"
                f" with validation_fraction={self.validation_fraction} leaves no "
                "training data. Pass X_val and y_val, or disable early_stopping."
            )
        indices = np.arange(n_samples)
        try:
            train_idx, val_idx = train_test_split(
                indices, test_size=n_val, random_state=rng, stratify=stratify
            )
        except ValueError:
            # too few members of a class to stratify: fall back to a random split
            train_idx, val_idx = train_test_split(
                indices, test_size=n_val, random_state=rng
            )
        train_data = (X[train_idx], Y[train_idx], sample_weight[train_idx])
        val_data = (X[val_idx], Y[val_idx], y[val_idx], sample_weight[val_idx])
        return train_data, val_data

    def _validation_data(self, X, Y, y, sample_weight, rng, val_inputs, info):
        X_val, y_val, sample_weight_val = val_inputs
        if X_val is None and y_val is None:
            stratify = y if getattr(self, "_stratify_split", False) else None
            return self._split_validation(X, Y, y, sample_weight, rng, stratify)
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        X_val, y_val, sample_weight_val = self._validate_X_y(
            X_val, y_val, sample_weight_val, reset=False, **self._target_kwargs()
        )
        Y_val, _ = self._prepare_targets(y_val, reset=False, info=info)
        Y_val = _scale_targets(Y_val.astype(X_val.dtype, copy=False), info)
        return (X, Y, sample_weight), (X_val, Y_val, y_val, sample_weight_val)

    def _target_kwargs(self):
        return {}

    def _fit(self, X, y, sample_weight, val_inputs, init):
        # validate_data records n_features_in_ and feature_names_in_ on self
        # first; a fit that fails afterwards puts the previous ones back
        saved = {
            name: vars(self)[name]
            for name in ("n_features_in_", "feature_names_in_")
            if name in vars(self)
        }
        try:
            return self._fit_checked(X, y, sample_weight, val_inputs, init)
        except Exception:
            for name in ("n_features_in_", "feature_names_in_"):
                vars(self).pop(name, None)
            vars(self).update(saved)
            raise

    def _prepare_data(self, X, y, sample_weight, *, reset, partial, classes=None):
        """Validated ``(X, Y, y, sample_weight, info)``; nothing on self changes
        except what ``validate_data`` records (``n_features_in_``)."""
        X, y, sample_weight = self._validate_X_y(
            X, y, sample_weight, reset=reset, **self._target_kwargs()
        )
        if reset:
            Y, info = self._prepare_targets(y, reset=True, classes=classes)
        else:
            info = dict(self._info)
            Y, _ = self._prepare_targets(y, reset=False, classes=classes, info=info)
        sample_weight = self._weight_samples(sample_weight, y, info, partial=partial)
        if not (sample_weight > 0).any():
            raise ValueError(
                "All samples have zero weight (after applying sample_weight and "
                "class_weight): there is nothing to train on."
            )
        Y = Y.astype(X.dtype, copy=False)
        if reset:
            info = self._fit_target_scaling(Y, sample_weight, info)
            info["structure"] = self._structure()
        Y = _scale_targets(Y, info)
        return X, Y, y, sample_weight, info

    def _fit_target_scaling(self, Y, sample_weight, info):
        """Record the target's centre and scale in ``info`` (regressors)."""
        if "classes" in info or not getattr(self, "scale_target", False):
            return info
        center = np.zeros(Y.shape[1])
        if self._has_output_intercept():
            # rounded to float32: weights and repeated samples, whose sums
            # differ in the last bits, get the same centre
            center = _safe_average(Y, sample_weight).astype(np.float32)
        spread = np.sqrt(_safe_average((Y - center) ** 2, sample_weight).mean())
        scale = 1.0
        if np.isfinite(spread) and spread > 0:
            # a power of two: dividing by it is exact, and any scale near
            # the spread conditions the problem as well
            scale = float(2.0 ** np.round(np.log2(spread)))
        return {**info, "y_center": center.astype(np.float64), "y_scale": scale}

    def _has_output_intercept(self):
        return getattr(self, "fit_intercept", True)

    def _check_compatible(self, info, n_features, context):
        """Raise if the previous parameters cannot serve the current settings.

        One check for a warm start and for each later ``partial_fit`` call.
        """
        old = self._info
        problems = [
            f"{name} changed from {old['structure'][name]!r} to {value!r}"
            for name, value in self._structure().items()
            if old["structure"].get(name) != value
        ]
        if n_features != self._state.params[0].shape[0]:
            problems.append(
                f"X has {n_features} features, the fitted model "
                f"{self._state.params[0].shape[0]}"
            )
        same_targets = (
            info["n_outputs"] == old["n_outputs"]
            and ("classes" in info) == ("classes" in old)
            and info.get("multilabel") == old.get("multilabel")
            and np.array_equal(info.get("classes", []), old.get("classes", []))
        )
        if not same_targets:
            problems.append("the targets (task, classes or outputs) changed")
        if problems:
            remedy = (
                "Set warm_start=False to start afresh."
                if context == "warm_start"
                else "Call fit to start afresh."
            )
            raise ValueError(
                f"{context} cannot reuse the previous parameters: "
                + "; ".join(problems)
                + f". {remedy}"
            )

    def _fit_checked(self, X, y, sample_weight, val_inputs, init):
        optimizer, schedule = self._validate_hyperparameters()
        task = FitTask(self, "fit", self.max_iter, X, y, sample_weight)
        X_val, y_val, sample_weight_val = val_inputs
        if X_val is None and (y_val is not None or sample_weight_val is not None):
            raise ValueError("y_val and sample_weight_val are given without X_val.")
        X, Y, y, sample_weight, info = self._prepare_data(
            X, y, sample_weight, reset=True, partial=False
        )
        rng = check_random_state(self.random_state)
        explicit_init = any(v is not None for v in init.values())
        if self.warm_start and hasattr(self, "_state") and not explicit_init:
            self._check_compatible(info, X.shape[1], "warm_start")
            # the previous fit's target scaling, so that its weights keep
            # their meaning
            new_info, info = info, {**info, **_scaling_of(self._info)}
            Y = _scale_targets(_unscale_targets(Y, new_info), info)
            network = self._network
            params = [p.astype(X.dtype, copy=True) for p in self._state.params]
        else:
            network, params = self._build(X.shape[1], info, rng, X.dtype, **init)

        early_stopping = self.early_stopping or val_inputs[0] is not None
        data = (X, Y, sample_weight)
        objective = self._objective(network, info)
        score = None
        if early_stopping:
            data, val = self._validation_data(
                X, Y, y, sample_weight, rng, val_inputs, info
            )

            def score(p):
                return self._validate_params_on(objective, p, val, info)

        state = self._new_state(params, optimizer, schedule, rng, network)
        config = self._config(early_stopping, optimizer, data[0].shape[0])
        hooks = task.epoch_hooks(network, optimizer, schedule, info, objective, config)
        stopped = train(
            objective,
            optimizer,
            schedule,
            state,
            data,
            config,
            self.max_iter,
            score,
            **hooks,
        )
        if not stopped and self.tol is not None:
            warn_user(
                f"Maximum number of epochs ({self.max_iter}) reached before "
                "convergence. Consider increasing max_iter or learning_rate_init.",
                ConvergenceWarning,
            )
        self._commit(network, state, optimizer, schedule, info, objective, config)
        task.end()
        return self

    def _check_partial_fit(self):
        """Raise if ``partial_fit`` cannot honour the settings."""
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: a stream has no "
                "held-out data to monitor. Set early_stopping=False, or use fit."
            )
        return True

    def _partial_fit(self, X, y, sample_weight, classes=None):
        self._check_partial_fit()
        first = not hasattr(self, "_state")
        # validated whenever they changed since the last call, so that
        # set_params between calls is checked and takes effect like the
        # other hyper-parameters (a stream of unchanged calls skips it)
        snapshot = _param_snapshot(self)
        if not first and _same_snapshot(snapshot, vars(self).get("_validated_params")):
            optimizer, schedule = self.optimizer_, self.schedule_
        else:
            optimizer, schedule = self._validate_hyperparameters()
        if not first and self._structure() != self._info["structure"]:
            # before the targets are read with settings they no longer fit
            n_features = self._state.params[0].shape[0]
            self._check_compatible(self._info, n_features, "partial_fit")
        task = FitTask(self, "partial_fit", 1, X, y, sample_weight)
        X, Y, y, sample_weight, info = self._prepare_data(
            X, y, sample_weight, reset=first, partial=True, classes=classes
        )
        if first:
            rng = check_random_state(self.random_state)
            network, params = self._build(X.shape[1], info, rng, X.dtype)
            state = self._new_state(params, optimizer, schedule, rng, network)
        else:
            self._check_compatible(info, X.shape[1], "partial_fit")
            network = self._network
            # everything that can fail was validated above: the call trains
            # the fitted state in place (no copy of the weights, the
            # optimizer's moments or the averaged weights)
            state = self._state
            _carry_over(
                state, self.optimizer_, optimizer, self.schedule_, schedule, network
            )
        config = self._config(False, optimizer, X.shape[0])
        config.tol = None
        objective = self._objective(network, info)
        hooks = task.epoch_hooks(network, optimizer, schedule, info, objective, config)
        data = (X, Y, sample_weight)
        train(objective, optimizer, schedule, state, data, config, 1, **hooks)
        self._commit(network, state, optimizer, schedule, info, objective, config)
        self._validated_params = snapshot
        task.end()
        return self

    def _weight_samples(self, sample_weight, y, info, partial=False):
        return sample_weight

    def _commit(self, network, state, optimizer, schedule, info, objective, config):
        """Publish the trained state; nothing on ``self`` changes before this."""
        self._validated_params = None
        self._network = network
        self._state = state
        self._info = info
        self._model_params = _unscaled_params(state.model_params(), info)
        self.optimizer_ = optimizer
        self.schedule_ = schedule
        self.learning_rate_init_ = config.learning_rate_init
        self.n_iter_ = state.n_iter
        self.t_ = state.t
        self.stop_reason_ = state.stop_reason
        scale = objective.value_scale
        self.loss_curve_ = [loss * scale for loss in state.loss_curve]
        early_stopping = config.early_stopping
        self.best_loss_ = None if early_stopping else float(state.best_loss) * scale
        if early_stopping:
            self.validation_scores_ = list(state.validation_scores)
            self.validation_loss_curve_ = [
                loss * scale for loss in state.validation_loss_curve
            ]
            self.best_validation_score_ = float(state.best_validation_score)
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        self._export(network, self._model_params, info)

    # --- persistence ----------------------------------------------------------

    def __getstate__(self):
        # the private training state and network are stored as plain dicts
        # (arrays, numbers, lists), so that skops.io can load an estimator
        # trusting only skgd's public classes
        state = dict(super().__getstate__())  # a copy: it may be self.__dict__
        state.pop("_validated_params", None)  # a cache of this process
        if isinstance(state.get("_state"), TrainingState):
            training = state["_state"]
            state["_state"] = {
                f.name: getattr(training, f.name) for f in dataclasses.fields(training)
            }
        if isinstance(state.get("_network"), Network):
            state["_network"] = dict(vars(state["_network"]))
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("_state"), dict):
            state["_state"] = TrainingState(**state["_state"])
        if isinstance(state.get("_network"), dict):
            state["_network"] = Network(**state["_network"])
        super().__setstate__(state)

    def _raw_output(self, X):
        check_is_fitted(self, "_state")
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        params = self._model_params
        if X.dtype != params[0].dtype:
            X = X.astype(params[0].dtype)
        with np.errstate(all="ignore"):
            return self._network.raw_output(params, X)

    # bodies of the classifiers' decision_function / predict_proba, shared by
    # GDClassifier and the classifying MLPs

    def _decision_scores(self, X):
        raw = self._raw_output(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def _probabilities(self, X):
        raw = self._raw_output(X)
        with np.errstate(all="ignore"):
            proba = self._make_loss(self._info).probabilities(raw)
        if raw.shape[1] == 1 and not self._info.get("multilabel"):
            return np.hstack([1 - proba, proba])
        return proba

    def _log_probabilities(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self._probabilities(X))


def _frozen(value):
    """A comparable copy of a hyper-parameter's value (for
    :func:`_param_snapshot`)."""
    if isinstance(value, BaseEstimator):
        return (type(value), _param_snapshot(value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(_frozen(v) for v in value))
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    return value


def _param_snapshot(estimator):
    """The public, non-fitted attributes of ``estimator`` (its
    hyper-parameters), nested estimators (optimizers, schedules) included:
    cheaper than ``get_params``, and enough to tell that nothing changed."""
    return tuple(
        (name, _frozen(value))
        for name, value in vars(estimator).items()
        if not name.startswith("_") and not name.endswith("_")
    )


def _same_snapshot(a, b):
    if b is None:
        return False
    try:
        return bool(a == b)
    except Exception:  # a value whose comparison is not a plain bool
        return False


def _safe_average(values, sample_weight):
    """Weighted column means, with weights rescaled so their sum is finite."""
    return np.average(values, axis=0, weights=sample_weight / sample_weight.max())


def _scaling_of(info):
    return {k: info[k] for k in ("y_center", "y_scale") if k in info}


def _scale_targets(Y, info):
    """Regression targets in the standardised units training works in."""
    if "y_scale" not in info:
        return Y
    return ((Y - info["y_center"]) / info["y_scale"]).astype(Y.dtype, copy=False)


def _unscale_targets(Y, info):
    if "y_scale" not in info:
        return Y
    return (Y * info["y_scale"] + info["y_center"]).astype(Y.dtype, copy=False)


def _unscale_output(raw, info):
    return _unscale_targets(raw, info)


def _unscaled_params(params, info):
    """Parameters that predict in the target's original units.

    The output layer's weights are multiplied by the target scale and its
    intercept mapped like a target; the other layers are unchanged.
    """
    if "y_scale" not in info:
        return params
    params = list(params)
    scale, center = info["y_scale"], info["y_center"]
    if len(params) >= 2 and params[-1].ndim == 1:
        params[-2] = params[-2] * params[-2].dtype.type(scale)
        params[-1] = (params[-1] * scale + center).astype(params[-1].dtype)
    else:  # a linear model without intercept (and so without centring)
        params[-1] = params[-1] * params[-1].dtype.type(scale)
    return params


def _init_optimizer_state(optimizer, params, network):
    state = optimizer.init_state(params)
    # weight decay, like alpha, leaves the intercepts alone
    weights = set(range(0, len(params), network._stride))
    state["decay_mask"] = [i in weights for i in range(len(params))]
    return state


def _carry_over(state, old_optimizer, optimizer, old_schedule, schedule, network):
    """Keep the optimizer's and schedule's state unless their kind changed.

    The kind is the class and the state it keeps: "sgd" to "momentum", or
    Adam to AMSGrad, starts a fresh state.
    """
    try:  # the keys of a fresh state, without allocating its arrays
        fresh_keys = set(optimizer.init_state([]))
    except Exception:  # a user-defined optimizer that needs the parameters
        fresh_keys = set(optimizer.init_state(state.params))
    if type(optimizer) is not type(old_optimizer) or not fresh_keys <= set(
        state.optimizer_state
    ):
        state.optimizer_state = _init_optimizer_state(optimizer, state.params, network)
    if type(schedule) is not type(old_schedule):
        progress = {k: state.schedule_state[k] for k in ("epoch", "step", "max_iter")}
        state.schedule_state = {**progress, **schedule.init_state()}


def classification_score(y_true, y_pred, sample_weight):
    return accuracy_score(y_true, y_pred, sample_weight=sample_weight)


def regression_score(y_true, y_pred, sample_weight):
    """R^2 where it is defined; minus the weighted MSE otherwise."""
    if len(y_true) >= 2 and np.ptp(y_true, axis=0).max() > 0:
        return r2_score(y_true, y_pred, sample_weight=sample_weight)
    err = (np.asarray(y_true) - y_pred) ** 2
    return -float(
        np.average(err.reshape(len(err), -1).sum(axis=1), weights=sample_weight)
    )
