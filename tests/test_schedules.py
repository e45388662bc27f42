"""Tests of the learning-rate schedules.

Every Schedule subclass in the package must have an entry in ``CASES``: the
table drives the formula, unit, clone and pickle tests, and a test fails when a
schedule is missing from it, so a new schedule cannot be added untested.
"""

import itertools
import math
import pickle
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

import skgd  # noqa: F401  (loads every schedule the package defines)
from skgd import schedules
from skgd.schedules import (
    SCHEDULE_NAMES,
    Constant,
    Cosine,
    Exponential,
    InverseTime,
    InvScaling,
    InvSqrt,
    Plateau,
    Schedule,
    Step,
    Warmup,
    resolve_schedule,
)


@dataclass
class Case:
    """How to test one schedule class.

    ``examples`` pairs instances with a reference ``f(lr0, epoch, step,
    max_iter)`` written independently of the implementation (on a fresh state
    for schedules that observe the loss). ``decaying`` is a Hypothesis strategy
    of instances that must give non-increasing positive rates, or None.
    """

    unit: str
    examples: list
    decaying: object = None
    invalid: list = field(default_factory=list)


def _step_count(epoch, step_size):
    # counts the decays one by one instead of using floor division
    return sum(1 for k in range(1, epoch + 1) if k % step_size == 0)


def _warmup_factor(step, warmup_steps, start_factor):
    return float(np.interp(step, [0, warmup_steps], [start_factor, 1.0]))


def _cosine_ref(lr0, epoch, horizon, eta_min):
    # (1 + cos x) / 2 == cos(x / 2) ** 2
    return (
        eta_min
        + (lr0 - eta_min) * math.cos(math.pi * min(epoch, horizon) / 2 / horizon) ** 2
    )


_gamma = st.floats(0.05, 1.0)

CASES = {
    Constant: Case(
        unit="epoch",
        examples=[(Constant(), lambda lr0, e, t, m: lr0)],
        decaying=st.just(Constant()),
    ),
    InverseTime: Case(
        unit="epoch",
        examples=[
            (InverseTime(), lambda lr0, e, t, m: lr0 / (1 + e)),
            (InverseTime(decay=0.25), lambda lr0, e, t, m: lr0 / (1 + e / 4)),
            (InverseTime(decay=0.0), lambda lr0, e, t, m: lr0),
        ],
        decaying=st.builds(InverseTime, decay=st.floats(0.0, 100.0)),
        invalid=[("decay", -0.1), ("decay", "fast")],
    ),
    Exponential: Case(
        unit="epoch",
        examples=[
            (Exponential(), lambda lr0, e, t, m: lr0 * math.exp(e * math.log(0.9))),
            (Exponential(gamma=0.5), lambda lr0, e, t, m: lr0 / 2**e),
        ],
        decaying=st.builds(Exponential, gamma=_gamma),
        invalid=[("gamma", 0.0), ("gamma", 1.5)],
    ),
    Step: Case(
        unit="epoch",
        examples=[
            (Step(), lambda lr0, e, t, m: lr0 * 0.1 ** _step_count(e, 10)),
            (Step(3, 0.5), lambda lr0, e, t, m: lr0 * 0.5 ** _step_count(e, 3)),
        ],
        decaying=st.builds(Step, step_size=st.integers(1, 20), gamma=_gamma),
        invalid=[("step_size", 0), ("step_size", 2.5), ("gamma", 0.0)],
    ),
    InvSqrt: Case(
        unit="epoch",
        examples=[(InvSqrt(), lambda lr0, e, t, m: lr0 * (e + 1) ** -0.5)],
        decaying=st.just(InvSqrt()),
    ),
    InvScaling: Case(
        unit="step",
        examples=[
            (InvScaling(), lambda lr0, e, t, m: lr0 * math.exp(-0.25 * math.log1p(t))),
            (InvScaling(power_t=1.0), lambda lr0, e, t, m: lr0 / (t + 1)),
        ],
        decaying=st.builds(InvScaling, power_t=st.floats(0.0, 5.0)),
        invalid=[("power_t", -0.5)],
    ),
    Cosine: Case(
        unit="epoch",
        examples=[
            (Cosine(), lambda lr0, e, t, m: _cosine_ref(lr0, e, m, 0.0)),
            (
                Cosine(t_max=5, eta_min=0.01),
                lambda lr0, e, t, m: _cosine_ref(lr0, e, 5, 0.01),
            ),
        ],
        # eta_min stays below the smallest lr0 drawn, and t_max beyond the last
        # epoch drawn, where eta_min=0 would make the rate 0
        decaying=st.builds(
            Cosine,
            t_max=st.none() | st.integers(200, 1000),
            eta_min=st.floats(0.0, 1e-3),
        ),
        invalid=[("t_max", 0), ("t_max", 2.5), ("eta_min", -1.0)],
    ),
    Warmup: Case(
        unit="step",
        examples=[
            (Warmup(), lambda lr0, e, t, m: lr0 * _warmup_factor(t, 100, 0.1)),
            (
                Warmup(5, 0.5, after=Exponential(0.5)),
                lambda lr0, e, t, m: lr0 * _warmup_factor(t, 5, 0.5) / 2**e,
            ),
            (Warmup(0, after=InvSqrt()), lambda lr0, e, t, m: lr0 / math.sqrt(e + 1)),
        ],
        invalid=[
            ("warmup_steps", -1),
            ("start_factor", 0.0),
            ("start_factor", 1.5),
            ("after", "exponential"),
        ],
    ),
    Plateau: Case(
        unit="epoch",
        examples=[(Plateau(), lambda lr0, e, t, m: lr0)],
        decaying=st.builds(
            Plateau,
            factor=st.floats(0.05, 0.95),
            patience=st.integers(0, 4),
            threshold=st.floats(0.0, 0.1),
            min_lr=st.floats(0.0, 1e-2),
        ),
        invalid=[
            ("factor", 0.0),
            ("factor", 1.0),
            ("patience", -1),
            ("patience", 1.5),
            ("threshold", -1e-3),
            ("min_lr", -1.0),
        ],
    ),
}

EXAMPLES = [
    pytest.param(schedule, ref, id=f"{cls.__name__}-{i}")
    for cls, case in CASES.items()
    for i, (schedule, ref) in enumerate(case.examples)
]
INVALID = [
    pytest.param(cls, name, value, id=f"{cls.__name__}-{name}={value!r}")
    for cls, case in CASES.items()
    for name, value in case.invalid
]
DECAYING = [cls for cls, case in CASES.items() if case.decaying is not None]


def _state(schedule, epoch=0, step=0, max_iter=10):
    """The dict the training loop keeps: progress merged with the own state."""
    return {"epoch": epoch, "step": step, "max_iter": max_iter, **schedule.init_state()}


def _run_epoch(schedule, state, epoch, loss, lr0=0.1, updates=3):
    """Play one epoch as the training loop does; return the rates used."""
    state["epoch"] = epoch
    rates = []
    for _ in range(updates):
        rates.append(schedule.rate(lr0, state))
        state["step"] += 1
    schedule.observe(state, loss)
    return rates


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _package_schedules():
    # `import skgd` above loaded every public module, so schedules defined
    # outside schedules.py count too; subclasses made by tests do not
    return {c for c in _all_subclasses(Schedule) if c.__module__.startswith("skgd.")}


# ---------------------------------------------------------------- the table


def test_every_schedule_has_a_test_case():
    missing = _package_schedules() - set(CASES)
    assert not missing, f"add {sorted(c.__name__ for c in missing)} to CASES"
    assert set(CASES) == _package_schedules()


@pytest.mark.parametrize("cls", list(CASES))
def test_every_schedule_is_public_and_named(cls):
    assert cls.__name__ in schedules.__all__
    assert cls in {named for named, _ in SCHEDULE_NAMES.values()}


@pytest.mark.parametrize("cls", list(CASES))
def test_every_parameter_is_constrained_and_tested(cls):
    params = set(cls().get_params(deep=False))
    assert set(cls._parameter_constraints) == params
    assert {name for name, _ in CASES[cls].invalid} == params


@pytest.mark.parametrize("cls", list(CASES))
def test_unit(cls):
    assert cls.unit == CASES[cls].unit
    assert cls().unit in ("epoch", "step")


@pytest.mark.parametrize("cls", list(CASES))
def test_docstring_states_formula_unit_and_example(cls):
    doc = cls.__doc__
    assert "math:" in doc and "Examples" in doc
    assert ("per update" if cls.unit == "step" else "per epoch") in doc


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize(("schedule", "ref"), EXAMPLES)
def test_rate_matches_reference(schedule, ref):
    schedule.validate()
    epochs = (0, 1, 2, 3, 4, 5, 7, 10, 25)
    steps = (0, 1, 4, 5, 6, 99, 100, 101, 1000)
    for lr0, epoch, step, max_iter in itertools.product(
        (0.1, 3.0), epochs, steps, (1, 7, 30)
    ):
        state = _state(schedule, epoch, step, max_iter)
        expected = ref(lr0, epoch, step, max_iter)
        assert schedule.rate(lr0, state) == pytest.approx(
            expected, rel=1e-12, abs=1e-15
        )


@pytest.mark.parametrize(("schedule", "ref"), EXAMPLES)
def test_rate_is_pure(schedule, ref):
    state = _state(schedule, epoch=3, step=30)
    before = dict(state)
    first = schedule.rate(0.1, state)
    assert schedule.rate(0.1, state) == first
    assert state == before


@pytest.mark.parametrize("cls", [cls for cls, c in CASES.items() if c.unit == "epoch"])
def test_epoch_schedules_ignore_the_update_count(cls):
    schedule = cls()
    rates = {schedule.rate(0.1, _state(schedule, epoch=4, step=t)) for t in (0, 1, 50)}
    assert len(rates) == 1


def test_cosine_stays_at_eta_min_after_horizon():
    schedule = Cosine(t_max=4, eta_min=0.01)
    for epoch in (4, 5, 100):
        assert schedule.rate(1.0, _state(schedule, epoch)) == pytest.approx(0.01)


def test_cosine_needs_a_horizon():
    schedule = Cosine()
    with pytest.raises(ValueError, match="t_max"):
        schedule.rate(1.0, _state(schedule, max_iter=None))


def test_invscaling_matches_sklearn_sgd_counter():
    # sklearn's plain SGD uses eta0 / t ** power_t with t = 1 at the first sample
    schedule = InvScaling(power_t=0.5)
    for t in range(1, 6):
        expected = 0.1 / t**0.5
        assert schedule.rate(0.1, _state(schedule, step=t - 1)) == pytest.approx(
            expected
        )


# ---------------------------------------------------------------- plateau


def _observe_all(schedule, state, losses, lr0=1.0):
    """Observe each loss in turn; return the rate after each one."""
    rates = []
    for loss in losses:
        schedule.observe(state, loss)
        rates.append(schedule.rate(lr0, state))
    return rates


@pytest.mark.parametrize("patience", [0, 1, 2, 5])
def test_plateau_reduces_after_patience_plus_one_bad_epochs(patience):
    schedule = Plateau(factor=0.5, patience=patience, threshold=0.0)
    state = _state(schedule)
    # the first loss improves on +inf; then patience + 1 bad epochs reduce once
    rates = _observe_all(schedule, state, [1.0] * (patience + 2))
    assert rates[:-1] == [1.0] * (patience + 1)
    assert rates[-1] == 0.5
    # the counter was reset: the next reduction needs patience + 1 bad epochs again
    rates = _observe_all(schedule, state, [1.0] * (patience + 1))
    assert rates == [0.5] * patience + [0.25]


def test_plateau_default_divides_by_five_after_three_bad_epochs():
    schedule = resolve_schedule("adaptive")
    state = _state(schedule)
    rates = _observe_all(schedule, state, [1.0, 1.0, 1.0, 1.0], lr0=0.5)
    assert rates == pytest.approx([0.5, 0.5, 0.5, 0.1])


def test_plateau_threshold_improvement_must_exceed_it():
    schedule = Plateau(factor=0.5, patience=0, threshold=0.25)
    state = _state(schedule)
    schedule.observe(state, 1.0)
    assert _observe_all(schedule, state, [0.5]) == [1.0]  # improved by 0.5
    assert _observe_all(schedule, state, [0.25]) == [0.5]  # by exactly 0.25: bad


def test_plateau_good_epoch_resets_the_count():
    schedule = Plateau(factor=0.5, patience=1, threshold=0.0)
    state = _state(schedule)
    rates = _observe_all(schedule, state, [1.0, 1.0, 0.5, 0.5, 0.1, 0.1, 0.1])
    assert rates == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]


def test_plateau_small_gains_move_the_best_loss():
    # as sklearn: 0.9, 0.8, 0.7 each beat the best by less than the threshold
    schedule = Plateau(factor=0.5, patience=2, threshold=0.25)
    state = _state(schedule)
    rates = _observe_all(schedule, state, [1.0, 0.9, 0.8, 0.7])
    assert rates == [1.0, 1.0, 1.0, 0.5]
    assert state["plateau_best_loss"] == 0.7


def test_plateau_nan_loss_is_bad():
    schedule = Plateau(factor=0.5, patience=0)
    state = _state(schedule)
    assert _observe_all(schedule, state, [1.0, math.nan]) == [1.0, 0.5]
    assert state["plateau_best_loss"] == 1.0


def test_plateau_respects_min_lr():
    schedule = Plateau(factor=0.5, patience=0, min_lr=0.3)
    state = _state(schedule)
    assert _observe_all(schedule, state, [1.0] * 5) == [1.0, 0.5, 0.3, 0.3, 0.3]


def test_plateau_min_lr_never_raises_a_small_lr0():
    schedule = Plateau(factor=0.5, patience=0, min_lr=0.3)
    state = _state(schedule)
    assert _observe_all(schedule, state, [1.0] * 4, lr0=0.1) == [0.1] * 4


@settings(deadline=None)
@given(
    losses=st.lists(st.floats(0.0, 10.0) | st.just(1.0), max_size=40),
    patience=st.integers(0, 3),
    threshold=st.sampled_from([0.0, 1e-4, 0.5]),
)
def test_plateau_matches_a_direct_simulation(losses, patience, threshold):
    # the same rule written as sklearn writes it, with the rate kept directly
    schedule = Plateau(factor=0.2, patience=patience, threshold=threshold)
    state = _state(schedule)
    lr, best, bad = 1.0, math.inf, 0
    for loss in losses:
        bad = bad + 1 if loss >= best - threshold else 0
        best = min(best, loss)
        if bad > patience:
            lr, bad = lr / 5, 0
        schedule.observe(state, loss)
        assert schedule.rate(1.0, state) == pytest.approx(lr, rel=1e-9)


# ---------------------------------------------------------------- warm-up


def test_warmup_reaches_lr0_at_warmup_steps():
    schedule = Warmup(warmup_steps=10, start_factor=0.1)
    rates = [schedule.rate(2.0, _state(schedule, step=t)) for t in range(12)]
    assert rates[0] == pytest.approx(0.2)
    assert rates[5] == pytest.approx(1.1)
    assert rates[10:] == [2.0, 2.0]
    assert np.all(np.diff(rates) >= 0)


def test_warmup_then_follows_after():
    after = Exponential(gamma=0.5)
    schedule = Warmup(warmup_steps=10, start_factor=0.1, after=after)
    assert schedule.rate(1.0, _state(schedule, epoch=0, step=10)) == 1.0
    for epoch, step in [(1, 20), (3, 40), (7, 1000)]:
        state = _state(schedule, epoch, step)
        assert schedule.rate(1.0, state) == after.rate(1.0, state)


def test_warmup_forwards_state_and_observe_to_after():
    inner = Plateau(factor=0.5, patience=0)
    schedule = Warmup(warmup_steps=2, after=Warmup(warmup_steps=3, after=inner))
    assert schedule.init_state() == inner.init_state()
    state = _state(schedule, step=100)
    assert _observe_all(schedule, state, [1.0, 1.0, 1.0]) == [1.0, 0.5, 0.25]
    assert state["plateau_scale"] == 0.25


def test_warmup_validates_after():
    with pytest.raises(ValueError, match="gamma"):
        Warmup(after=Exponential(gamma=2.0)).validate()


# ---------------------------------------------------------------- params


def test_nested_params_are_exposed_and_settable():
    schedule = Warmup(after=Exponential(gamma=0.5))
    params = schedule.get_params(deep=True)
    assert params["after__gamma"] == 0.5
    schedule.set_params(after__gamma=0.25, warmup_steps=3)
    assert schedule.after.gamma == 0.25
    assert schedule.warmup_steps == 3


def test_clone_copies_nested_schedule():
    schedule = Warmup(after=Exponential(gamma=0.5))
    copy = clone(schedule)
    assert copy.after is not schedule.after
    assert copy.get_params(deep=True).keys() == schedule.get_params(deep=True).keys()
    assert copy.after.gamma == 0.5


@pytest.mark.parametrize(("schedule", "ref"), EXAMPLES)
def test_clone_and_set_params_round_trip(schedule, ref):
    copy = clone(schedule)
    assert copy is not schedule
    assert repr(copy) == repr(schedule)
    params = schedule.get_params(deep=False)
    assert repr(type(schedule)().set_params(**params)) == repr(schedule)


@pytest.mark.parametrize(("schedule", "ref"), EXAMPLES)
def test_pickle_mid_run_continues_in_lockstep(schedule, ref):
    schedule = clone(schedule)
    attributes = dict(vars(schedule))
    state = _state(schedule, max_iter=8)
    losses = [1.0, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.5]
    for epoch in range(4):
        _run_epoch(schedule, state, epoch, losses[epoch])
    restored, restored_state = pickle.loads(pickle.dumps((schedule, state)))
    assert restored_state == state
    for epoch in range(4, 8):
        expected = _run_epoch(schedule, state, epoch, losses[epoch])
        assert _run_epoch(restored, restored_state, epoch, losses[epoch]) == expected
    assert restored_state == state
    # training left no trace on the configuration object
    assert vars(schedule) == attributes


# ---------------------------------------------------------------- resolve


@pytest.mark.parametrize("name", sorted(SCHEDULE_NAMES))
def test_resolve_by_name(name):
    cls, kwargs = SCHEDULE_NAMES[name]
    schedule = resolve_schedule(name)
    assert type(schedule) is cls
    assert schedule.get_params(deep=False) == {**cls().get_params(deep=False), **kwargs}


def test_resolve_clones_and_does_not_mutate():
    after = Exponential(gamma=0.5)
    original = Warmup(warmup_steps=7, after=after)
    before = repr(original)
    resolved = resolve_schedule(original)
    assert resolved is not original
    assert resolved.after is not after
    assert repr(resolved) == repr(original) == before
    assert original.after is after


def test_resolve_rejects_unknown_name_and_type():
    with pytest.raises(ValueError, match="Unknown learning_rate"):
        resolve_schedule("linear")
    with pytest.raises(TypeError, match="learning_rate"):
        resolve_schedule(0.1)


@pytest.mark.parametrize(("cls", "name", "value"), INVALID)
def test_invalid_parameter_raises_naming_it(cls, name, value):
    schedule = cls(**{name: value})
    with pytest.raises(ValueError, match=f"'{name}'"):
        schedule.validate()
    with pytest.raises(ValueError, match=f"'{name}'"):
        resolve_schedule(schedule)


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize("cls", DECAYING)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_decaying_schedule_is_non_increasing_and_positive(cls, data):
    schedule = data.draw(CASES[cls].decaying, label="schedule")
    schedule.validate()
    lr0 = data.draw(st.floats(1e-3, 10.0), label="lr0")
    max_iter = data.draw(st.integers(1, 150), label="max_iter")
    per_epoch = data.draw(st.integers(1, 5), label="updates per epoch")
    losses = data.draw(
        st.lists(st.floats(0.0, 10.0), min_size=max_iter, max_size=max_iter)
    )
    state = _state(schedule, max_iter=max_iter)
    rates = []
    for epoch in range(max_iter):
        rates += _run_epoch(schedule, state, epoch, losses[epoch], lr0, per_epoch)
    assert all(later <= earlier for earlier, later in itertools.pairwise(rates))
    assert all(rate > 0 for rate in rates)
    assert rates[0] == pytest.approx(lr0)
