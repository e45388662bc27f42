"""Optimizers: configuration objects and the update rules they apply.

An optimizer holds hyper-parameters only. Training state (moment estimates,
step counters, ...) is created by :meth:`Optimizer.init_state` and lives on the
fitted estimator (or in :func:`skgd.minimize`), so one optimizer object can be
cloned, pickled, grid-searched and shared without leaking state.

Each built-in rule is written once, in :mod:`skgd._kernels`, as a compiled
function of one coordinate; :meth:`Optimizer.update` applies it to every
coordinate of each parameter array, and the compiled training loops
(:mod:`skgd._fast`) apply the same function inside their loops. The update
rules follow the algorithms documented by ``torch.optim`` so that the same
gradients give the same iterates. A user-defined :class:`Optimizer` subclass
(its own :meth:`~Optimizer.update` in numpy) trains through the generic loop.

State arrays have the dtype of their parameter (float32 parameters stay
float32), and no rule keeps a reference to a gradient array between calls.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "NAdam",
    "Rprop",
    "resolve_optimizer",
    "OPTIMIZER_NAMES",
]

# Shared constraints; eps must be positive because every rule that uses it
# divides by a quantity that is exactly zero where a gradient is zero.
_UNIT_OPEN = Interval(Real, 0, 1, closed="left")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
_POSITIVE = Interval(Real, 0, None, closed="neither")


class Optimizer(BaseEstimator):
    """Base class of optimizers.

    Subclasses implement :meth:`init_state` and :meth:`update`. They store
    only their constructor arguments, so ``get_params``/``set_params`` and
    :func:`sklearn.base.clone` work, and ``GridSearchCV`` can tune
    ``optimizer__<name>`` on an estimator.

    Attributes
    ----------
    default_learning_rate : float
        The step size a neural network (``MLPGD*``) uses with
        ``learning_rate_init="auto"``: the common default of this rule
        (torch's or Keras's), which suits standardised inputs.
    default_learning_rate_linear : float
        The same for the linear models, whose convex, well-conditioned
        problems (on standardised data) take larger steps: ten times the
        network step for the adaptive rules whose step does not depend on
        the gradient's scale.
    proximal : bool
        Whether an L1 penalty is applied as a proximal (soft-thresholding)
        step after each update, scaled per coordinate by :meth:`step_sizes`.
        Sign-based rules (Rprop) set it to False: the L1 subgradient then
        enters their gradient, and a weight that crosses zero is set to zero.

    Weight decay, where a rule has it, applies to the arrays flagged in
    ``state["decay_mask"]`` (a list of bools set by the estimators so that
    intercepts are not decayed, as ``alpha`` never penalises them); without
    that key every array decays.
    """

    default_learning_rate = 0.01
    default_learning_rate_linear = 0.01
    proximal = True

    def init_state(self, params):
        """Return a fresh training state for a list of parameter arrays.

        Parameters
        ----------
        params : list of ndarray
            The parameters that :meth:`update` will modify in place.

        Returns
        -------
        state : dict
            Plain arrays and numbers only (picklable). ``state["step"]`` counts
            the updates applied so far.
        """
        return {"step": 0}

    def update(self, params, grads, state, lr):
        """Apply one update in place.

        Parameters
        ----------
        params : list of ndarray
            Parameters, modified in place.
        grads : list of ndarray
            Gradients of the objective with respect to ``params`` (the arrays
            may be overwritten).
        state : dict
            The state returned by :meth:`init_state`, modified in place.
        lr : float
            The learning rate for this step (from the schedule).
        """
        raise NotImplementedError

    def validate(self):
        """Check the hyper-parameters; raise ``ValueError`` when invalid."""
        self._validate_params()

    def step_sizes(self, params, state, lr):
        """Per-coordinate step sizes of the update just applied.

        The proximal L1 step soft-thresholds each coordinate by
        ``l1 * step``: an adaptive rule divides the learning rate by its
        running gradient scale, so its threshold is divided likewise.

        Parameters
        ----------
        params : list of ndarray
        state : dict
            The state after the update.
        lr : float
            The learning rate given to that update.

        Returns
        -------
        steps : list of float or ndarray
            One entry per parameter array (a scalar or an array of its shape).
        """
        return [lr] * len(params)

    def _weight_decays(self, state, n_arrays):
        """The weight decay of each array (zero where the mask says no)."""
        mask = state.get("decay_mask")
        wd = getattr(self, "weight_decay", 0.0)
        if mask is None:
            return [wd] * n_arrays
        return [wd if decays else 0.0 for decays in mask]


def _zeros(params):
    return [np.zeros_like(p) for p in params]


_EMPTY = {}


def _empty(dtype):
    """The placeholder of an unused state slot (never read by the rules)."""
    dtype = np.dtype(dtype)
    if dtype not in _EMPTY:
        _EMPTY[dtype] = np.empty(0, dtype=dtype)
    return _EMPTY[dtype]


def compiled_rule(optimizer, params, state):
    """The compiled form of a built-in optimizer's update of ``params``.

    Returns ``(hypers, slots)``: for each parameter array, the rule's
    hyper-parameters packed for the kernels (:func:`skgd._kernels.pack_hyper`,
    which also names the rule; the weight decay is zero for an array that
    ``state["decay_mask"]`` exempts), and its three flat state arrays (an
    empty array for a slot the rule does not use). State arrays missing from
    ``state`` because the hyper-parameters changed since it was made
    (momentum switched on between ``partial_fit`` calls) are created, at zero.
    """
    from . import _kernels  # imports numba: only once training starts

    needed = optimizer.init_state([])
    for key in optimizer._slots:
        if key in needed and key not in state:
            state[key] = _zeros(params)
    keys = [key if key in state else None for key in optimizer._slots]
    keys += [None] * (3 - len(keys))
    decays = optimizer._weight_decays(state, len(params))
    hypers = [
        _kernels.pack_hyper(optimizer._rule, optimizer._hyper(wd)) for wd in decays
    ]
    slots = [
        tuple(
            _empty(p.dtype) if key is None else state[key][i].reshape(-1)
            for key in keys
        )
        for i, p in enumerate(params)
    ]
    return hypers, slots


def _apply_rule(optimizer, params, grads, state, lr):
    """One update by a built-in optimizer: its compiled rule on every array."""
    from . import _kernels

    hypers, slots = compiled_rule(optimizer, params, state)
    t = state["step"] + 1
    scalars = np.array([state.get("mu_product", 1.0)])
    coef = _kernels.coefficients(hypers[0], t, float(lr), scalars)
    if "mu_product" in state:
        state["mu_product"] = float(scalars[0])
    for p, g, hyper, arrays in zip(params, grads, hypers, slots, strict=True):
        # a non-contiguous parameter is updated through a contiguous copy
        flat = p.reshape(-1) if p.flags.c_contiguous else np.ravel(p)
        grad = np.ascontiguousarray(g, dtype=p.dtype).reshape(-1)
        _kernels.update_array(flat, grad, *arrays, hyper, coef)
        if not p.flags.c_contiguous:
            p[...] = flat.reshape(p.shape)
    state["step"] = t


def _rule_step_sizes(optimizer, params, state, lr):
    """:meth:`Optimizer.step_sizes` of a built-in rule, from its kernel."""
    from . import _kernels

    hypers, slots = compiled_rule(optimizer, params, state)
    steps = []
    for p, hyper, arrays in zip(params, hypers, slots, strict=True):
        sc = _kernels.step_coefficients(hyper, state["step"], float(lr))
        out = np.empty(p.size, dtype=np.float64)
        _kernels.step_sizes_array(out, *arrays, hyper, sc)
        steps.append(out.reshape(p.shape))
    return steps


class _BuiltinRule:
    """Mixin of the built-in optimizers: the update and step sizes of their
    compiled rule (``_rule``, its state ``_slots`` and ``_hyper(wd)``)."""

    def update(self, params, grads, state, lr):
        _apply_rule(self, params, grads, state, lr)

    def step_sizes(self, params, state, lr):
        return _rule_step_sizes(self, params, state, lr)


class SGD(_BuiltinRule, Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    With gradient :math:`g_t`, weight decay :math:`\lambda`, momentum
    :math:`\mu` and dampening :math:`\tau` (as in ``torch.optim.SGD``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        b_t &= g_t \text{ if } t = 1 \text{ else } \mu b_{t-1} + (1-\tau) g_t \\
        g_t &\leftarrow g_t + \mu b_t \text{ (Nesterov) or } b_t \\
        \theta_t &= \theta_{t-1} - \alpha_t g_t

    ``momentum=0`` is plain (stochastic) gradient descent. The lecture notes'
    exponentially weighted momentum :math:`V \leftarrow \beta V + (1-\beta) g`
    is ``SGD(momentum=beta, dampening=beta)`` (torch starts the buffer at the
    first gradient instead of at :math:`(1-\beta) g_1`).

    Parameters
    ----------
    momentum : float, default=0.0
        Momentum factor :math:`\mu`.
    dampening : float, default=0.0
        Dampening :math:`\tau` of the gradient added to the momentum buffer.
    nesterov : bool, default=False
        Use Nesterov momentum (requires ``momentum > 0`` and ``dampening=0``).
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import SGD
    >>> opt = SGD(momentum=0.9)
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.95])
    """

    _parameter_constraints = {
        "momentum": [_UNIT_OPEN],
        "dampening": [Interval(Real, 0, 1, closed="both")],
        "nesterov": ["boolean"],
        "weight_decay": [_NON_NEGATIVE],
    }

    def __init__(self, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weight_decay = weight_decay

    # networks: 0.01 whatever the momentum (plain SGD at 0.1 diverges on
    # small tabular regressions; momentum 0.9 makes the effective step 0.1)
    default_learning_rate = 0.01

    @property
    def default_learning_rate_linear(self):
        # 0.1 for plain SGD; momentum multiplies the effective step by
        # 1 / (1 - momentum), so the base step shrinks accordingly
        return round(0.1 * (1.0 - self.momentum), 12)

    def validate(self):
        super().validate()
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "Nesterov momentum requires momentum > 0 and dampening = 0; got "
                f"momentum={self.momentum}, dampening={self.dampening}."
            )

    def init_state(self, params):
        state = {"step": 0}
        if self.momentum:
            state["momentum_buffer"] = _zeros(params)
        return state

    _rule = "sgd"
    _slots = ("momentum_buffer",)

    def _hyper(self, wd):
        return (self.momentum, self.dampening, self.nesterov, wd)


class Adagrad(_BuiltinRule, Optimizer):
    r"""Adagrad: per-coordinate steps scaled by the accumulated squared gradients.

    With lr decay :math:`\eta`, weight decay :math:`\lambda` and initial
    accumulator value :math:`s_0` (as in ``torch.optim.Adagrad``):

    .. math::

        \tilde\alpha_t &= \alpha_t / (1 + (t-1)\eta) \\
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        s_t &= s_{t-1} + g_t^2 \\
        \theta_t &= \theta_{t-1} - \tilde\alpha_t \, g_t / (\sqrt{s_t} + \epsilon)

    Parameters
    ----------
    lr_decay : float, default=0.0
        Decay :math:`\eta` of the step size with the update count :math:`t`
        (applied on top of the learning-rate schedule).
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.
    initial_accumulator_value : float, default=0.0
        Starting value :math:`s_0` of the sum of squared gradients.
    eps : float, default=1e-10
        Term added to the denominator for numerical stability.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import Adagrad
    >>> opt = Adagrad()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.9])
    """

    _parameter_constraints = {
        "lr_decay": [_NON_NEGATIVE],
        "weight_decay": [_NON_NEGATIVE],
        "initial_accumulator_value": [_NON_NEGATIVE],
        "eps": [_POSITIVE],
    }

    default_learning_rate = 0.01
    default_learning_rate_linear = 0.1

    def __init__(
        self, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
    ):
        self.lr_decay = lr_decay
        self.weight_decay = weight_decay
        self.initial_accumulator_value = initial_accumulator_value
        self.eps = eps

    def init_state(self, params):
        value = self.initial_accumulator_value
        return {"step": 0, "sum": [np.full_like(p, value) for p in params]}

    _rule = "adagrad"
    _slots = ("sum",)

    def _hyper(self, wd):
        return (self.lr_decay, wd, self.eps)


class Adadelta(_BuiltinRule, Optimizer):
    r"""Adadelta: steps scaled by the ratio of past update and gradient RMS.

    With decay :math:`\rho` and weight decay :math:`\lambda` (as in
    ``torch.optim.Adadelta``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t \\
        u_t &= \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \alpha_t \Delta_t

    Zeiler's original method has no learning rate: use a constant learning
    rate of 1.0 (torch's default) to get it.

    Parameters
    ----------
    rho : float, default=0.9
        Decay :math:`\rho` of both running averages.
    eps : float, default=1e-6
        Term added inside both square roots for numerical stability.
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import Adadelta
    >>> opt = Adadelta()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=1.0)
    >>> w[0]
    array([0.99683779])
    """

    _parameter_constraints = {
        "rho": [Interval(Real, 0, 1, closed="both")],
        "eps": [_POSITIVE],
        "weight_decay": [_NON_NEGATIVE],
    }

    default_learning_rate = 1.0
    default_learning_rate_linear = 1.0

    def __init__(self, rho=0.9, eps=1e-6, weight_decay=0.0):
        self.rho = rho
        self.eps = eps
        self.weight_decay = weight_decay

    def init_state(self, params):
        return {"step": 0, "square_avg": _zeros(params), "acc_delta": _zeros(params)}

    _rule = "adadelta"
    _slots = ("square_avg", "acc_delta")

    def _hyper(self, wd):
        return (self.rho, self.eps, wd)


class RMSprop(_BuiltinRule, Optimizer):
    r"""RMSprop: steps scaled by a running RMS of the gradients.

    With decay :math:`\rho`, weight decay :math:`\lambda` and momentum
    :math:`\mu` (as in ``torch.optim.RMSprop``, which calls :math:`\rho`
    ``alpha``; skgd says ``rho`` because the estimators' ``alpha`` is the
    penalty strength):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \bar g_t &= \rho \bar g_{t-1} + (1-\rho) g_t \text{ (centered only)} \\
        d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \text{ (centered) or }
            \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / d_t, \quad b_0 = 0 \\
        \theta_t &= \theta_{t-1} - \alpha_t b_t \text{ if } \mu > 0
            \text{ else } \theta_{t-1} - \alpha_t g_t / d_t

    Parameters
    ----------
    rho : float, default=0.99
        Decay :math:`\rho` of the running averages (torch's ``alpha``).
    eps : float, default=1e-8
        Term added to the denominator for numerical stability.
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.
    momentum : float, default=0.0
        Momentum factor :math:`\mu`.
    centered : bool, default=False
        Normalise by an estimate of the gradient's variance instead of its
        second moment.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import RMSprop
    >>> opt = RMSprop()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.01)
    >>> w[0]
    array([0.9])
    """

    _parameter_constraints = {
        "rho": [_UNIT_OPEN],
        "eps": [_POSITIVE],
        "weight_decay": [_NON_NEGATIVE],
        "momentum": [_UNIT_OPEN],
        "centered": ["boolean"],
    }

    default_learning_rate = 0.001
    default_learning_rate_linear = 0.01

    def __init__(
        self, rho=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
    ):
        self.rho = rho
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered

    def init_state(self, params):
        state = {"step": 0, "square_avg": _zeros(params)}
        if self.centered:
            state["grad_avg"] = _zeros(params)
        if self.momentum:
            state["momentum_buffer"] = _zeros(params)
        return state

    _rule = "rmsprop"
    _slots = ("square_avg", "grad_avg", "momentum_buffer")

    def _hyper(self, wd):
        return (self.rho, self.eps, wd, self.momentum, self.centered)


class Adam(_BuiltinRule, Optimizer):
    r"""Adam: bias-corrected running moments of the gradient (optionally AMSGrad).

    With weight decay :math:`\lambda` (coupled: added to the gradient, as in
    ``torch.optim.Adam``; see :class:`AdamW` for the decoupled form):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ (AMSGrad) or } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\alpha_t}{1-\beta_1^t}
            \frac{m_t}{\sqrt{\hat v_t / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    beta1 : float, default=0.9
        Decay :math:`\beta_1` of the first-moment estimate.
    beta2 : float, default=0.999
        Decay :math:`\beta_2` of the second-moment estimate.
    eps : float, default=1e-8
        Term added to the denominator for numerical stability.
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.
    amsgrad : bool, default=False
        Use the running maximum of the second-moment estimate (AMSGrad).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import Adam
    >>> opt = Adam()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.9])
    """

    _parameter_constraints = {
        "beta1": [_UNIT_OPEN],
        "beta2": [_UNIT_OPEN],
        "eps": [_POSITIVE],
        "weight_decay": [_NON_NEGATIVE],
        "amsgrad": ["boolean"],
    }
    _decoupled_weight_decay = False
    default_learning_rate = 0.001
    default_learning_rate_linear = 0.01

    def __init__(
        self, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False
    ):
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.amsgrad = amsgrad

    def init_state(self, params):
        state = {"step": 0, "exp_avg": _zeros(params), "exp_avg_sq": _zeros(params)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = _zeros(params)
        return state

    _rule = "adam"
    _slots = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _hyper(self, wd):
        return (
            self.beta1,
            self.beta2,
            self.eps,
            wd,
            self._decoupled_weight_decay,
            self.amsgrad,
        )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (optionally AMSGrad).

    As :class:`Adam`, except that the weight decay shrinks the parameters
    directly instead of entering the gradient (as in ``torch.optim.AdamW``):

    .. math::

        \theta_{t-1} &\leftarrow (1 - \alpha_t\lambda)\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ (AMSGrad) or } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\alpha_t}{1-\beta_1^t}
            \frac{m_t}{\sqrt{\hat v_t / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    beta1 : float, default=0.9
        Decay :math:`\beta_1` of the first-moment estimate.
    beta2 : float, default=0.999
        Decay :math:`\beta_2` of the second-moment estimate.
    eps : float, default=1e-8
        Term added to the denominator for numerical stability.
    weight_decay : float, default=1e-2
        Decoupled decay :math:`\lambda`, scaled by the learning rate. In
        the estimators it skips the intercepts, as ``alpha`` does.
    amsgrad : bool, default=False
        Use the running maximum of the second-moment estimate (AMSGrad).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import AdamW
    >>> opt = AdamW(weight_decay=0.5)
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.85])
    """

    _decoupled_weight_decay = True

    def __init__(
        self, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, amsgrad=False
    ):
        super().__init__(
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
        )


class NAdam(_BuiltinRule, Optimizer):
    r"""NAdam: Adam with Nesterov momentum and a momentum schedule.

    With momentum decay :math:`\psi` and weight decay :math:`\lambda` (as in
    ``torch.optim.NAdam``):

    .. math::

        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        \mu_t &= \beta_1 \left(1 - \tfrac12 \, 0.96^{t\psi}\right), \quad
            \Pi_t = \prod_{i=1}^{t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        d_t &= \sqrt{v_t / (1-\beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1}
            - \alpha_t \frac{1-\mu_t}{1-\Pi_t} \frac{g_t}{d_t}
            - \alpha_t \frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}} \frac{m_t}{d_t}

    Parameters
    ----------
    beta1 : float, default=0.9
        Decay :math:`\beta_1` of the first-moment estimate.
    beta2 : float, default=0.999
        Decay :math:`\beta_2` of the second-moment estimate.
    eps : float, default=1e-8
        Term added to the denominator for numerical stability.
    weight_decay : float, default=0.0
        L2 coefficient added to the gradient of every parameter.
    momentum_decay : float, default=4e-3
        Momentum decay :math:`\psi` of the schedule of :math:`\mu_t`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import NAdam
    >>> opt = NAdam()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.9])
    """

    _parameter_constraints = {
        "beta1": [_UNIT_OPEN],
        "beta2": [_UNIT_OPEN],
        "eps": [_POSITIVE],
        "weight_decay": [_NON_NEGATIVE],
        "momentum_decay": [_NON_NEGATIVE],
    }

    default_learning_rate = 0.002
    default_learning_rate_linear = 0.01

    def __init__(
        self, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3
    ):
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum_decay = momentum_decay

    def init_state(self, params):
        return {
            "step": 0,
            "mu_product": 1.0,
            "exp_avg": _zeros(params),
            "exp_avg_sq": _zeros(params),
        }

    _rule = "nadam"
    _slots = ("exp_avg", "exp_avg_sq")

    def _hyper(self, wd):
        return (self.beta1, self.beta2, self.eps, wd, self.momentum_decay)


class Rprop(_BuiltinRule, Optimizer):
    r"""Rprop: per-coordinate step sizes adapted from gradient signs only.

    With factors :math:`0 < \eta^- < 1 < \eta^+` and step-size bounds
    :math:`[\Gamma_{min}, \Gamma_{max}]` (as in ``torch.optim.Rprop``), per
    element:

    .. math::

        \eta_t &= \eta^+ \text{ if } g_t g_{t-1} > 0, \;
            \eta^- \text{ if } g_t g_{t-1} < 0, \; 1 \text{ otherwise} \\
        s_t &= \operatorname{clip}(\eta_t s_{t-1}, \Gamma_{min}, \Gamma_{max}),
            \quad s_0 = \alpha_1 \\
        g_t &\leftarrow 0 \text{ if } g_t g_{t-1} < 0 \\
        \theta_t &= \theta_{t-1} - \operatorname{sign}(g_t) \, s_t

    where :math:`g_{t-1}` is the gradient stored by the previous step (zero
    before the first). The learning rate is used only as the initial step
    size :math:`s_0`: the learning rate of the first update. Later rates
    from a schedule have no effect. Rprop is meant for full-batch training.

    Parameters
    ----------
    eta_minus : float, default=0.5
        Factor :math:`\eta^-` applied to a step size after a sign flip.
    eta_plus : float, default=1.2
        Factor :math:`\eta^+` applied to a step size when signs agree.
    step_size_min : float, default=1e-6
        Lower bound :math:`\Gamma_{min}` of the step sizes.
    step_size_max : float, default=50.0
        Upper bound :math:`\Gamma_{max}` of the step sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.optimizers import Rprop
    >>> opt = Rprop()
    >>> w = [np.array([1.0])]
    >>> state = opt.init_state(w)
    >>> for _ in range(2):
    ...     opt.update(w, [np.array([0.5])], state, lr=0.1)
    >>> w[0]
    array([0.78])
    """

    _parameter_constraints = {
        "eta_minus": [Interval(Real, 0, 1, closed="neither")],
        "eta_plus": [Interval(Real, 1, None, closed="neither")],
        "step_size_min": [_NON_NEGATIVE],
        "step_size_max": [_POSITIVE],
    }

    proximal = False

    def __init__(
        self, eta_minus=0.5, eta_plus=1.2, step_size_min=1e-6, step_size_max=50.0
    ):
        self.eta_minus = eta_minus
        self.eta_plus = eta_plus
        self.step_size_min = step_size_min
        self.step_size_max = step_size_max

    def validate(self):
        super().validate()
        if self.step_size_min > self.step_size_max:
            raise ValueError(
                "step_size_min must not exceed step_size_max; got "
                f"step_size_min={self.step_size_min}, "
                f"step_size_max={self.step_size_max}."
            )

    def init_state(self, params):
        return {"step": 0, "prev": _zeros(params), "step_size": _zeros(params)}

    _rule = "rprop"
    _slots = ("prev", "step_size")

    def _hyper(self, _wd):
        return (self.eta_minus, self.eta_plus, self.step_size_min, self.step_size_max)


# name -> (class, keyword arguments); every name in the SPEC resolves here.
OPTIMIZER_NAMES = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (Adagrad, {}),
    "adadelta": (Adadelta, {}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
    "nadam": (NAdam, {}),
    "amsgrad": (Adam, {"amsgrad": True}),
    "rprop": (Rprop, {}),
}


def resolve_optimizer(optimizer):
    """Return a validated, independent optimizer object.

    Parameters
    ----------
    optimizer : str or Optimizer
        A name from ``OPTIMIZER_NAMES`` or an :class:`Optimizer` instance
        (which is cloned, never modified).

    Returns
    -------
    Optimizer

    Examples
    --------
    >>> from skgd.optimizers import resolve_optimizer
    >>> resolve_optimizer("nesterov")
    SGD(momentum=0.9, nesterov=True)
    """
    if isinstance(optimizer, str):
        try:
            cls, kwargs = OPTIMIZER_NAMES[optimizer]
        except KeyError:
            raise ValueError(
                f"Unknown optimizer {optimizer!r}; expected one of "
                f"{sorted(OPTIMIZER_NAMES)} or an Optimizer instance."
            ) from None
        opt = cls(**kwargs)
    elif isinstance(optimizer, Optimizer):
        opt = optimizer.__class__(**optimizer.get_params(deep=False))
    else:
        raise TypeError(
            f"optimizer must be a string or an Optimizer instance, got "
            f"{type(optimizer).__name__}."
        )
    opt.validate()
    return opt
