"""Learning-rate schedules.

A schedule is a configuration object: :meth:`Schedule.rate` maps the base step
size and the training progress to the step size of the next update, and
:meth:`Schedule.observe` lets schedules that react to the monitored loss
(reduce-on-plateau) record it in their *state*, which lives on the fitted
estimator, never on the schedule.

Progress is a dict ``state`` kept by the training loop with

- ``state["epoch"]``: epochs completed so far (0 during the first epoch);
- ``state["step"]``: updates completed so far (0 before the first update);
- ``state["max_iter"]``: the planned number of epochs (for horizon-based
  schedules such as cosine).

The loop creates it once as ``{"epoch": 0, "step": 0, "max_iter": ...,
**schedule.init_state()}``, keeps it across ``partial_fit`` calls, advances the
progress keys, and passes that same dict to :meth:`Schedule.rate` and, at the end
of every epoch, to :meth:`Schedule.observe`. A schedule's own keys carry its
name as a prefix so that they cannot collide with the loop's keys, and
:meth:`Schedule.observe` reads and writes only those keys.

Each schedule says whether it moves per epoch or per update (its ``unit``): an
``"epoch"`` schedule gives the same rate for every update of an epoch, so the
loop may compute it once per epoch; a ``"step"`` schedule must be asked before
every update.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval

__all__ = [
    "Schedule",
    "Constant",
    "InverseTime",
    "Exponential",
    "Step",
    "InvSqrt",
    "InvScaling",
    "Cosine",
    "Warmup",
    "Plateau",
    "resolve_schedule",
    "SCHEDULE_NAMES",
]


class Schedule(BaseEstimator):
    """Base class of learning-rate schedules.

    Subclasses implement :meth:`rate`; those that react to the monitored loss
    also implement :meth:`init_state` and :meth:`observe`.
    """

    #: "epoch" when the rate changes between epochs, "step" when per update.
    unit = "epoch"

    def init_state(self):
        """Return the schedule's own training state (a dict of numbers)."""
        return {}

    def rate(self, lr0, state):
        """Step size for the next update.

        Parameters
        ----------
        lr0 : float
            The base step size (the estimator's ``learning_rate_init``).
        state : dict
            Training progress (``epoch``, ``step``, ``max_iter``) merged with
            this schedule's own state.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def observe(self, state, loss):
        """Record the loss monitored at the end of an epoch (default: ignore)."""

    def on_stall(self, lr0, state):
        """React to a stall of the monitored loss; True if training goes on.

        The training loop calls this when the monitored loss has not improved
        by ``tol`` for ``n_iter_no_change`` epochs, before it stops. A schedule
        that can still lower its rate (reduce-on-plateau) does so and returns
        True; the default returns False, so training stops.

        Parameters
        ----------
        lr0 : float
            The base step size.
        state : dict
            Training progress merged with this schedule's state.

        Returns
        -------
        bool
        """
        return False

    def on_divergence(self, lr0, state):
        """React to a diverged epoch; True if training goes on.

        The loop calls this when an epoch diverged (non-finite or exploding
        loss); if a schedule lowers its rate and returns True, training
        restarts from the best weights so far with a fresh optimizer state.
        The default returns False: training stops with a
        :class:`~skgd.DivergenceWarning`.

        Parameters
        ----------
        lr0 : float
            The base step size.
        state : dict
            Training progress merged with this schedule's state.

        Returns
        -------
        bool
        """
        return False

    def validate(self):
        """Check the hyper-parameters; raise ``ValueError`` when invalid."""
        self._validate_params()


class Constant(Schedule):
    r"""Constant step size :math:`\alpha_t = \alpha_0`, per epoch (it never moves).

    Examples
    --------
    >>> from skgd.schedules import Constant
    >>> Constant().rate(0.1, {"epoch": 7, "step": 70, "max_iter": 10})
    0.1
    """

    _parameter_constraints = {}

    def rate(self, lr0, state):
        return lr0


class InverseTime(Schedule):
    r"""Inverse-time decay, per epoch.

    .. math::

        \alpha_e = \frac{\alpha_0}{1 + d \, e}

    where :math:`e` is the number of epochs completed and :math:`d` the decay
    rate (the lecture notes' :math:`\alpha_0 / (1 + \text{decay} \cdot
    \text{epoch})`).

    Parameters
    ----------
    decay : float, default=1.0
        Decay rate :math:`d \ge 0`; ``0`` gives a constant step size.

    Examples
    --------
    >>> from skgd.schedules import InverseTime
    >>> InverseTime(decay=0.5).rate(0.1, {"epoch": 2, "step": 20, "max_iter": 10})
    0.05
    """

    _parameter_constraints = {"decay": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, decay=1.0):
        self.decay = decay

    def rate(self, lr0, state):
        return lr0 / (1.0 + self.decay * state["epoch"])


class Exponential(Schedule):
    r"""Exponential decay, per epoch.

    .. math::

        \alpha_e = \alpha_0 \, \gamma^{e}

    where :math:`e` is the number of epochs completed.

    Parameters
    ----------
    gamma : float, default=0.9
        Multiplicative factor per epoch, in :math:`(0, 1]`.

    Examples
    --------
    >>> from skgd.schedules import Exponential
    >>> Exponential(gamma=0.5).rate(0.1, {"epoch": 3, "step": 30, "max_iter": 10})
    0.0125
    """

    _parameter_constraints = {"gamma": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, gamma=0.9):
        self.gamma = gamma

    def rate(self, lr0, state):
        return lr0 * self.gamma ** state["epoch"]


class Step(Schedule):
    r"""Step decay, per epoch: multiply by ``gamma`` every ``step_size`` epochs.

    .. math::

        \alpha_e = \alpha_0 \, \gamma^{\lfloor e / s \rfloor}

    where :math:`e` is the number of epochs completed and :math:`s` the step
    size (as ``torch.optim.lr_scheduler.StepLR``).

    Parameters
    ----------
    step_size : int, default=10
        Number of epochs :math:`s \ge 1` between two decays.
    gamma : float, default=0.1
        Multiplicative factor of each decay, in :math:`(0, 1]`.

    Examples
    --------
    >>> from skgd.schedules import Step
    >>> sched = Step(step_size=2, gamma=0.5)
    >>> [sched.rate(1.0, {"epoch": e, "step": 0, "max_iter": 6}) for e in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    _parameter_constraints = {
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, step_size=10, gamma=0.1):
        self.step_size = step_size
        self.gamma = gamma

    def rate(self, lr0, state):
        return lr0 * self.gamma ** (state["epoch"] // self.step_size)


class InvSqrt(Schedule):
    r"""Inverse square-root decay, per epoch.

    .. math::

        \alpha_e = \frac{\alpha_0}{\sqrt{e + 1}}

    where :math:`e` is the number of epochs completed: the lecture notes'
    :math:`\alpha_0 / \sqrt{\text{epoch}}` with epochs counted from 1.

    Examples
    --------
    >>> from skgd.schedules import InvSqrt
    >>> InvSqrt().rate(0.1, {"epoch": 3, "step": 30, "max_iter": 10})
    0.05
    """

    _parameter_constraints = {}

    def rate(self, lr0, state):
        return lr0 / math.sqrt(state["epoch"] + 1)


class InvScaling(Schedule):
    r"""Inverse scaling, per update: scikit-learn's SGD ``"invscaling"``.

    .. math::

        \alpha_t = \frac{\alpha_0}{(t + 1)^{p}}

    where :math:`t` is the number of updates completed and :math:`p` the power.
    With ``batch_size=1`` this is ``SGDRegressor(learning_rate="invscaling")``,
    whose counter starts at 1 and advances once per sample. (scikit-learn's
    ``MLPRegressor`` instead updates it once per epoch from the samples seen.)

    Parameters
    ----------
    power_t : float, default=0.25
        Exponent :math:`p \ge 0`.

    Examples
    --------
    >>> from skgd.schedules import InvScaling
    >>> InvScaling(power_t=0.5).rate(0.1, {"epoch": 0, "step": 3, "max_iter": 10})
    0.05
    """

    unit = "step"
    _parameter_constraints = {"power_t": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, power_t=0.25):
        self.power_t = power_t

    def rate(self, lr0, state):
        return lr0 / (state["step"] + 1) ** self.power_t


class Cosine(Schedule):
    r"""Cosine annealing, per epoch (as ``torch.optim.lr_scheduler.CosineAnnealingLR``).

    .. math::

        \alpha_e = \alpha_{\min} + \frac{\alpha_0 - \alpha_{\min}}{2}
        \left(1 + \cos\frac{\pi \min(e, T)}{T}\right)

    where :math:`e` is the number of epochs completed and :math:`T` the horizon;
    after :math:`T` epochs the rate stays at :math:`\alpha_{\min}`. With the
    default horizon (``max_iter``) the last planned epoch still has a positive
    rate.

    Parameters
    ----------
    t_max : int, default=None
        Horizon :math:`T` in epochs; ``None`` uses the estimator's ``max_iter``.
    eta_min : float, default=0.0
        Final step size :math:`\alpha_{\min} \ge 0` (an absolute rate, not a
        fraction of :math:`\alpha_0`).

    Examples
    --------
    >>> from skgd.schedules import Cosine
    >>> sched = Cosine()
    >>> [sched.rate(1.0, {"epoch": e, "step": 0, "max_iter": 4}) for e in range(5)]
    [1.0, 0.853..., 0.5, 0.146..., 0.0]
    """

    _parameter_constraints = {
        "t_max": [None, Interval(Integral, 1, None, closed="left")],
        "eta_min": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, t_max=None, eta_min=0.0):
        self.t_max = t_max
        self.eta_min = eta_min

    def rate(self, lr0, state):
        horizon = self.t_max if self.t_max is not None else state.get("max_iter")
        if horizon is None:
            # partial_fit has no planned number of epochs to anneal over
            raise ValueError("Cosine needs t_max when max_iter is not known.")
        progress = min(state["epoch"], horizon) / horizon
        weight = (1 + math.cos(math.pi * progress)) / 2
        return self.eta_min + (lr0 - self.eta_min) * weight


class Warmup(Schedule):
    r"""Linear warm-up per update, then the ``after`` schedule.

    With :math:`t` the number of updates completed, :math:`W` the warm-up
    length, :math:`f_0` the start factor and :math:`\beta_t` the rate of the
    ``after`` schedule (:math:`\alpha_0` when it is ``None``):

    .. math::

        \alpha_t = \left(f_0 + (1 - f_0) \frac{\min(t, W)}{W}\right) \beta_t

    so the first update uses :math:`f_0 \beta_0`, update :math:`W` onwards
    uses exactly :math:`\beta_t`, and with a constant ``after`` the rate climbs
    linearly from :math:`f_0 \alpha_0` to :math:`\alpha_0`. The factor scales
    ``after`` instead of switching to it, so the rate stays continuous when the
    warm-up spans epochs in which ``after`` has already decayed. ``after``
    sees the same progress (it is not restarted when the warm-up ends), its
    state is this schedule's state, and :meth:`observe` is forwarded to it.

    ``after`` is a nested parameter: ``get_params(deep=True)`` lists
    ``after__<name>``, so ``GridSearchCV`` can tune
    ``learning_rate__after__gamma``.

    Parameters
    ----------
    warmup_steps : int, default=100
        Number of updates :math:`W \ge 0` over which the rate climbs; ``0``
        disables the warm-up.
    start_factor : float, default=0.1
        Fraction :math:`f_0 \in (0, 1]` of the rate used by the first update.
    after : Schedule, default=None
        Schedule followed during and after the warm-up; ``None`` is
        :class:`Constant`.

    Examples
    --------
    >>> from skgd.schedules import Exponential, Warmup
    >>> sched = Warmup(warmup_steps=4, start_factor=0.2, after=Exponential(0.5))
    >>> state = {"epoch": 0, "step": 0, "max_iter": 10, **sched.init_state()}
    >>> [sched.rate(1.0, {**state, "step": t}) for t in range(6)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    >>> sched.rate(1.0, {**state, "epoch": 2, "step": 50})
    0.25
    """

    unit = "step"
    _parameter_constraints = {
        "warmup_steps": [Interval(Integral, 0, None, closed="left")],
        "start_factor": [Interval(Real, 0, 1, closed="right")],
        "after": [None, Schedule],
    }

    def __init__(self, warmup_steps=100, start_factor=0.1, after=None):
        self.warmup_steps = warmup_steps
        self.start_factor = start_factor
        self.after = after

    def validate(self):
        super().validate()
        if self.after is not None:
            self.after.validate()

    def init_state(self):
        # Warmup itself keeps nothing, so the nested state shares the dict
        # without any chance of a key collision.
        return {} if self.after is None else self.after.init_state()

    def rate(self, lr0, state):
        base = lr0 if self.after is None else self.after.rate(lr0, state)
        return self._factor(state["step"]) * base

    def observe(self, state, loss):
        if self.after is not None:
            self.after.observe(state, loss)

    def on_stall(self, lr0, state):
        return self.after is not None and self.after.on_stall(lr0, state)

    def on_divergence(self, lr0, state):
        return self.after is not None and self.after.on_divergence(lr0, state)

    def _factor(self, step):
        # ``step`` may be an array of steps (the compiled loops ask for an
        # epoch's rates at once); a number gives a number
        if self.warmup_steps == 0 or (np.ndim(step) == 0 and step >= self.warmup_steps):
            return 1.0
        rise = (1.0 - self.start_factor) * np.minimum(step, self.warmup_steps)
        factor = self.start_factor + rise / self.warmup_steps
        return float(factor) if np.ndim(factor) == 0 else factor


# the rate below which a stall of the loss ends training (scikit-learn's)
_STALL_FLOOR = 1e-6


class Plateau(Schedule):
    r"""Reduce the step size when the monitored loss stops improving, per epoch.

    scikit-learn's ``learning_rate="adaptive"`` made explicit, with
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``'s parameter names. With
    :math:`L_k` the loss observed at the end of epoch :math:`k`, :math:`B` the
    best loss seen before it, threshold :math:`\tau` and patience :math:`P`:

    - epoch :math:`k` is *bad* when :math:`L_k \ge B - \tau` (it did not
      improve by more than :math:`\tau`); a good epoch resets the count of
      consecutive bad epochs :math:`c` to 0, a bad one adds 1;
    - :math:`B \leftarrow \min(B, L_k)` either way (as scikit-learn: a small
      gain that does not count still moves the reference);
    - when :math:`c > P`, i.e. at the end of the :math:`(P + 1)`-th bad epoch
      in a row, the scale :math:`s` (initially 1) is multiplied by the factor
      :math:`\rho` and :math:`c` is reset to 0.

    The rate is then

    .. math::

        \alpha = \max\left(\alpha_0 s, \min(\alpha_{\min}, \alpha_0)\right)

    so reductions stop at ``min_lr`` and never raise a rate that started below
    it. The rule of scikit-learn's ``"adaptive"`` learning rate (divide by 5
    once the loss has failed to improve by ``tol`` for more than
    ``n_iter_no_change`` epochs in ``MLPClassifier``) is
    ``Plateau(factor=0.2, patience=n_iter_no_change, threshold=tol)``, except
    that a loss exactly :math:`\tau` below the best counts as bad here. The
    default ``patience=2`` reacts sooner, so that the rate is lowered before
    the estimators' ``n_iter_no_change`` rule (5 or 10 epochs) ends training.
    A NaN loss counts as bad.

    In an estimator, the stopping rule (``tol``, ``n_iter_no_change``) does
    not end training while this schedule can still lower the rate: on each
    stall the rate is multiplied by :math:`\rho` again, and training stops
    only when a stall finds the rate at :math:`\max(\alpha_{\min}, 10^{-6})`
    or below (scikit-learn's "adaptive" rule). A diverged epoch likewise
    lowers the rate and restarts from the best weights so far, until the
    floor is reached.

    Parameters
    ----------
    factor : float, default=0.2
        Multiplicative factor :math:`\rho \in (0, 1)` of each reduction.
    patience : int, default=2
        Number of consecutive bad epochs :math:`P \ge 0` tolerated; the next
        one reduces the rate.
    threshold : float, default=1e-4
        Absolute improvement :math:`\tau \ge 0` an epoch must exceed to count.
    min_lr : float, default=0.0
        Smallest step size :math:`\alpha_{\min} \ge 0` a reduction can reach.

    Examples
    --------
    >>> from skgd.schedules import Plateau
    >>> sched = Plateau(factor=0.5, patience=1)
    >>> state = {"epoch": 0, "step": 0, "max_iter": 10, **sched.init_state()}
    >>> for loss in [1.0, 0.5, 0.5, 0.5]:
    ...     sched.observe(state, loss)
    ...     print(sched.rate(0.1, state))
    0.1
    0.1
    0.1
    0.05
    """

    _parameter_constraints = {
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "min_lr": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, factor=0.2, patience=2, threshold=1e-4, min_lr=0.0):
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.min_lr = min_lr

    def init_state(self):
        return {
            "plateau_best_loss": math.inf,
            "plateau_bad_epochs": 0,
            "plateau_scale": 1.0,
        }

    def rate(self, lr0, state):
        return max(lr0 * state["plateau_scale"], min(self.min_lr, lr0))

    def observe(self, state, loss):
        best = state["plateau_best_loss"]
        # `not <` so that a NaN loss counts as bad
        if not loss < best - self.threshold:
            state["plateau_bad_epochs"] += 1
        else:
            state["plateau_bad_epochs"] = 0
        if loss < best:
            state["plateau_best_loss"] = loss
        if state["plateau_bad_epochs"] > self.patience:
            state["plateau_scale"] *= self.factor
            state["plateau_bad_epochs"] = 0

    def on_stall(self, lr0, state):
        # as scikit-learn's "adaptive": lower the rate while it is above the
        # floor, stop once it has reached it
        if self.rate(lr0, state) <= max(self.min_lr, _STALL_FLOOR):
            return False
        state["plateau_scale"] *= self.factor
        state["plateau_bad_epochs"] = 0
        return True

    def on_divergence(self, lr0, state):
        # a diverged epoch is the clearest sign that the rate is too high
        return self.on_stall(lr0, state)


# name -> (class, keyword arguments); every name in the SPEC resolves here.
SCHEDULE_NAMES = {
    "constant": (Constant, {}),
    "inverse_time": (InverseTime, {}),
    "exponential": (Exponential, {}),
    "step": (Step, {}),
    "inv_sqrt": (InvSqrt, {}),
    "invscaling": (InvScaling, {}),
    "cosine": (Cosine, {}),
    "warmup": (Warmup, {}),
    "adaptive": (Plateau, {}),
    "plateau": (Plateau, {}),
}


def resolve_schedule(learning_rate):
    """Return a validated, independent schedule object.

    Parameters
    ----------
    learning_rate : str or Schedule
        A name from ``SCHEDULE_NAMES`` or a :class:`Schedule` instance (which
        is cloned, nested schedules included, never modified).

    Returns
    -------
    Schedule

    Examples
    --------
    >>> from skgd.schedules import resolve_schedule
    >>> resolve_schedule("constant")
    Constant()
    """
    if isinstance(learning_rate, str):
        try:
            cls, kwargs = SCHEDULE_NAMES[learning_rate]
        except KeyError:
            raise ValueError(
                f"Unknown learning_rate schedule {learning_rate!r}; expected one of "
                f"{sorted(SCHEDULE_NAMES)} or a Schedule instance."
            ) from None
        schedule = cls(**kwargs)
    elif isinstance(learning_rate, Schedule):
        # a deep clone, so a nested ``Warmup.after`` is not shared either
        schedule = clone(learning_rate)
    else:
        raise TypeError(
            "learning_rate must be a string or a Schedule instance, got "
            f"{type(learning_rate).__name__}."
        )
    schedule.validate()
    return schedule
