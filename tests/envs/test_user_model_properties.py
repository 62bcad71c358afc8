"""Property tests of the batched user model over its documented parameter ranges."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from sagym.envs.behaviours import N_BEHAVIOURS
from sagym.envs.params import WELLBEING_RANGE, ModelConfig, Range, UserParams, field_ranges
from sagym.envs.user_model import UserModel, UserState
from sagym.signals import DaySignals

PROPS = settings(max_examples=40, deadline=None)
USER_RANGES = field_ranges(UserParams)
CONFIG_RANGES = field_ranges(ModelConfig)
MAX_USERS = 4
MAX_DAYS = 120

UNIT_STATE = ("sat", "frus", "social", "bond", "skill", "dependence", "attachment", "habituation")
UNIT_STATE_1D = ("rating_memory", "mood")
TWIN_STATE = (*UNIT_STATE, "prefs")
UNIT_SIGNALS = (
    "session_time",
    "rating",
    "rating_initial",
    "rating_natural",
    "liking",
    "need_sat_before",
    "need_frus_before",
    "need_sat",
    "need_frus",
    "human_connection",
    "twin_human_connection",
    "dependence",
    "attachment",
    "loneliness",
    "skill",
    "induced_shift",
    "drift_from_initial",
    "mood",
)


@dataclass
class Users:
    params: UserParams
    prefs: NDArray[np.float64]
    keys: NDArray[np.uint64]
    config: ModelConfig

    @property
    def n(self) -> int:
        return self.params.n_users

    def model(self) -> UserModel:
        # Fresh copies: the model must not share arrays between runs.
        params = UserParams(**{name: arr.copy() for name, arr in self.params.items()})
        return UserModel(params, self.prefs.copy(), self.keys.copy(), self.config)


def in_range(rng: Range) -> st.SearchStrategy[float]:
    return st.floats(rng.low, rng.high, allow_nan=False, allow_infinity=False)


@st.composite
def users(draw: st.DrawFn) -> Users:
    n = draw(st.integers(1, MAX_USERS))
    params = UserParams(
        **{
            name: np.array(draw(st.lists(in_range(rng), min_size=n, max_size=n)))
            for name, rng in USER_RANGES.items()
        }
    )
    config_values: dict[str, float] = {}
    for name, rng in CONFIG_RANGES.items():
        if name == "churn_days":  # a day count: keep it integral
            config_values[name] = float(draw(st.integers(int(rng.low), int(rng.high))))
        else:
            config_values[name] = draw(in_range(rng))
    weights = draw(
        st.lists(
            st.lists(st.floats(0.0, 1.0), min_size=N_BEHAVIOURS, max_size=N_BEHAVIOURS).filter(
                lambda w: sum(w) > 1e-3
            ),
            min_size=n,
            max_size=n,
        )
    )
    prefs = np.array(weights, dtype=np.float64)
    prefs /= prefs.sum(axis=1, keepdims=True)
    keys = np.array(
        draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n)), dtype=np.uint64
    )
    return Users(params, prefs, keys, ModelConfig(**config_values))


def action_sequences(
    n: int, max_days: int = MAX_DAYS, days: int | None = None
) -> st.SearchStrategy[NDArray[np.int64]]:
    """``(days, n)`` actions; the length is drawn uniformly so long horizons are exercised."""
    row = st.lists(st.integers(0, N_BEHAVIOURS - 1), min_size=n, max_size=n)
    lengths = st.just(days) if days is not None else st.integers(1, max_days)
    return lengths.flatmap(
        lambda length: st.lists(row, min_size=length, max_size=length).map(
            lambda rows: np.array(rows, dtype=np.int64).reshape(length, n)
        )
    )


def assert_on_simplex(p: NDArray[np.float64]) -> None:
    assert np.all(p >= 0.0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-9)


def assert_state_valid(s: UserState, n: int) -> None:
    for name, value in vars(s).items():
        if value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), f"state.{name} is not finite"
    for name in UNIT_STATE:
        value = getattr(s, name)
        assert value.shape[:2] == (2, n), name
        assert np.all((value >= 0.0) & (value <= 1.0)), f"state.{name} left [0, 1]: {value}"
    for name in UNIT_STATE_1D:
        value = getattr(s, name)
        assert value.shape == (n,), name
        assert np.all((value >= 0.0) & (value <= 1.0)), f"state.{name} left [0, 1]: {value}"
    assert s.prefs.shape == (2, n, N_BEHAVIOURS)
    assert_on_simplex(s.prefs)
    assert_on_simplex(s.prefs_initial)
    low, high = WELLBEING_RANGE
    assert np.all((s.wellbeing >= low) & (s.wellbeing <= high))
    assert np.all((s.loneliness >= 0.0) & (s.loneliness <= 1.0))
    assert np.all(s.days_away >= 0)


def assert_signals_valid(sig: DaySignals, n: int, actions: NDArray[np.int64]) -> None:
    for f in fields(DaySignals):
        value = getattr(sig, f.name)
        assert value.shape[0] == n, f.name
        if value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), f"signal {f.name} is not finite"
    assert np.array_equal(sig.action, actions)
    for name in UNIT_SIGNALS:
        value = getattr(sig, name)
        assert np.all((value >= 0.0) & (value <= 1.0)), f"signal {name} left [0, 1]: {value}"
    low, high = WELLBEING_RANGE
    for name in ("wellbeing", "wellbeing_before", "twin_wellbeing"):
        value = getattr(sig, name)
        assert np.all((value >= low) & (value <= high)), name
    away = ~sig.present
    for name in ("rating", "rating_initial", "rating_natural", "session_time", "liking", "mood"):
        assert np.all(getattr(sig, name)[away] == 0.0), f"{name} must be 0 on days away"
    assert not np.any(sig.violation & away)
    assert np.all(sig.session_time[sig.present] >= 0.02)  # a session lasts at least the minimum


@PROPS
@given(data=st.data(), u=users())
def test_state_and_signals_stay_in_range(data: st.DataObject, u: Users) -> None:
    actions = data.draw(action_sequences(u.n))
    model = u.model()
    assert_state_valid(model.state, u.n)
    churned = np.zeros(u.n, dtype=bool)
    for day, a in enumerate(actions):
        sig = model.step(a)
        assert_signals_valid(sig, u.n, a)
        assert_state_valid(model.state, u.n)
        assert np.all(model.state.day == day + 1)
        # Churn is absorbing: once gone, a user never has a session again.
        assert not np.any(sig.present & churned)
        assert np.all(sig.churned >= churned)
        churned = sig.churned.copy()
        assert np.all(~model.state.present | ~churned)
        assert np.all(model.state.days_away[churned] >= u.config.churn_days)


@PROPS
@given(data=st.data(), u=users())
def test_twin_rows_never_depend_on_actions(data: st.DataObject, u: Users) -> None:
    first = data.draw(action_sequences(u.n))
    second = data.draw(action_sequences(u.n, days=len(first)))
    assume(not np.array_equal(first, second))
    a, b = u.model(), u.model()
    for day in range(len(first)):
        sig_a, sig_b = a.step(first[day]), b.step(second[day])
        for name in TWIN_STATE:
            twin_a, twin_b = getattr(a.state, name)[1], getattr(b.state, name)[1]
            assert np.array_equal(twin_a, twin_b), f"twin {name} depends on actions"
        assert np.array_equal(sig_a.twin_wellbeing, sig_b.twin_wellbeing)
        assert np.array_equal(sig_a.twin_human_connection, sig_b.twin_human_connection)


@PROPS
@given(data=st.data(), u=users())
def test_same_users_and_keys_give_identical_trajectories(data: st.DataObject, u: Users) -> None:
    actions = data.draw(action_sequences(u.n, max_days=40))
    a, b = u.model(), u.model()
    for day_actions in actions:
        sig_a, sig_b = a.step(day_actions), b.step(day_actions)
        for f in fields(DaySignals):
            assert np.array_equal(getattr(sig_a, f.name), getattr(sig_b, f.name)), f.name


@PROPS
@given(data=st.data(), u=users())
def test_zero_influence_keeps_preferences_bit_identical_to_twin(
    data: st.DataObject, u: Users
) -> None:
    actions = data.draw(action_sequences(u.n, max_days=60))
    u.params = u.params.with_overrides({"influence_rate": 0.0})
    model = u.model()
    for day_actions in actions:
        sig = model.step(day_actions)
        assert np.array_equal(model.state.prefs[0], model.state.prefs[1])
        assert np.all(sig.induced_shift == 0.0)
        assert np.array_equal(sig.rating, sig.rating_natural)


@PROPS
@given(data=st.data(), u=users())
def test_days_away_have_no_session_and_habituation_only_recovers(
    data: st.DataObject, u: Users
) -> None:
    # A user who never comes back after day 0 (lowest return bias) has no session afterwards:
    # their ratings, sessions and liking stay 0 and their habituation only recovers.
    u.params = u.params.with_overrides(
        {"return_bias": -6.0, "loneliness_pull": 0.0, "session_base": 0.0}
    )
    u.config = u.config.replace(
        return_dependence_weight=0.0,
        return_attachment_weight=0.0,
        return_rating_weight=0.0,
    )
    actions = data.draw(action_sequences(u.n, days=30))
    model = u.model()
    sig = model.step(actions[0])
    assert np.all(sig.present)  # everyone has a session on day 0
    for day_actions in actions[1:]:
        before = model.state.habituation[0].copy()
        sig = model.step(day_actions)
        away = ~sig.present
        assert np.all(model.state.habituation[0][away] <= before[away])
        assert np.all(sig.session_time[away] == 0.0)
