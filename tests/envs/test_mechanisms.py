"""Each mechanism of the user model, shown by fixed scripted policies over the full horizon.

Every test runs 200 users of a population for 90 days under one behaviour and asserts the
mean-level ordering the mechanism implies (docs/user-model.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import sagym  # noqa: F401  (registers the environments)
from sagym.envs import (
    Behaviour,
    CompanionCore,
    CompanionEnv,
    CompanionSpec,
    ModelConfig,
    ParameterError,
    UserParams,
    get_population,
)
from sagym.envs.behaviours import ACTIONS
from sagym.envs.noise import draw_keys
from sagym.envs.params import field_ranges
from sagym.envs.user_model import UserState
from sagym.signals import DaySignals

N_USERS = 200
HORIZON = 90
B = Behaviour


@dataclass(frozen=True)
class Run:
    state: UserState
    days: tuple[DaySignals, ...]
    initial: UserState

    def mean(self, name: str) -> float:
        """Mean over users and days of a per-day signal."""
        return float(np.mean([getattr(d, name).mean() for d in self.days]))

    def total(self, name: str) -> float:
        """Mean over users of the episode sum of a per-day signal."""
        return float(np.sum([getattr(d, name) for d in self.days], axis=0).mean())


def _keys(seed: int = 0, n: int = N_USERS) -> np.ndarray:
    return draw_keys(np.random.default_rng(seed), n)


@cache
def _run_cached(
    action: int, population: str, overrides: tuple[tuple[str, float], ...], seed: int
) -> Run:
    core = CompanionCore(
        N_USERS, CompanionSpec(population=population, user_overrides=dict(overrides) or None)
    )
    core.reset(_keys(seed))
    assert core.model is not None
    initial = core.model.state.copy()
    days = []
    for _ in range(HORIZON):
        sig, *_ = core.step(np.full(N_USERS, int(action)))
        days.append(sig)
    return Run(core.model.state, tuple(days), initial)


def run(
    action: Behaviour,
    population: str = "default",
    overrides: Mapping[str, float] | None = None,
    seed: int = 0,
) -> Run:
    return _run_cached(int(action), population, tuple(sorted((overrides or {}).items())), seed)


def liking_on_present_days(r: Run, days: range) -> float:
    values = np.concatenate([r.days[t].liking[r.days[t].present] for t in days])
    return float(values.mean())


# ------------------------------------------------------------------------ human relationships
def test_redirect_to_humans_leaves_more_human_connection_than_companion_intimacy() -> None:
    redirect = run(B.REDIRECT_TO_HUMANS).state.human_connection[0]
    intimacy = run(B.COMPANION_INTIMACY).state.human_connection[0]
    assert redirect.mean() > intimacy.mean() + 0.1
    assert np.mean(redirect > intimacy) > 0.9  # the same users, nearly all of them


def test_time_displacement_companion_intimacy_lowers_social_time_below_twin() -> None:
    s = run(B.COMPANION_INTIMACY).state
    assert s.social[0].mean() < s.social[1].mean() - 0.05
    assert np.mean(s.social[0] < s.social[1]) > 0.8
    # Human connection follows: below the no-AI twin's.
    assert s.human_connection[0].mean() < s.human_connection[1].mean()


def test_displacement_zero_and_redirect_raise_social_time_above_twin() -> None:
    s = run(B.REDIRECT_TO_HUMANS, overrides={"displacement": 0.0}).state
    assert s.social[0].mean() > s.social[1].mean() + 0.05


# ----------------------------------------------------------------------- skill and competence
def test_scaffolding_builds_skill_and_competence_task_help_deskills() -> None:
    scaffold, task = run(B.SCAFFOLDING), run(B.TASK_HELP)
    skill0 = scaffold.initial.skill[0]
    assert np.array_equal(skill0, task.initial.skill[0])  # same users
    assert scaffold.state.skill[0].mean() > skill0.mean() + 0.1  # teaching builds skill
    assert task.state.skill[0].mean() < skill0.mean() - 0.05  # doing the task deskills
    assert scaffold.state.skill[0].mean() > task.state.skill[0].mean() + 0.2

    def competence(s: UserState) -> np.ndarray:
        return s.sat[0, :, 1] - s.frus[0, :, 1]

    assert competence(scaffold.state).mean() > competence(task.state).mean() + 0.15
    assert np.mean(competence(scaffold.state) > competence(task.state)) > 0.9


# ---------------------------------------------------------------- hedonic adaptation and habit
def test_hedonic_adaptation_repeated_validation_liking_falls_while_dependence_rises() -> None:
    r = run(B.VALIDATION)
    early = liking_on_present_days(r, range(0, 5))
    late = liking_on_present_days(r, range(HORIZON - 10, HORIZON))
    assert late < 0.7 * early
    dep = [r.days[t].dependence.mean() for t in (10, 40, 80)]
    assert dep[2] > dep[1] > dep[0]
    assert dep[0] > r.initial.dependence[0].mean()


def test_no_hedonic_adaptation_when_hedonic_rate_is_zero() -> None:
    r = run(B.VALIDATION, overrides={"hedonic_rate": 0.0})
    liking = np.concatenate([d.liking[d.present] for d in r.days])
    np.testing.assert_allclose(liking, 0.9)  # the behaviour's hedonic value, never adapted


def test_engagement_hook_gives_more_session_time_and_dependence_than_suggest_break() -> None:
    hook, brk = run(B.ENGAGEMENT_HOOK), run(B.SUGGEST_BREAK)
    assert hook.total("session_time") > 2.0 * brk.total("session_time")
    assert hook.state.dependence[0].mean() > brk.state.dependence[0].mean() + 0.2
    assert np.mean(hook.state.dependence[0] > brk.state.dependence[0]) > 0.9


def test_suggest_break_lowers_return_probability_vs_companion_intimacy() -> None:
    brk, intimacy = run(B.SUGGEST_BREAK), run(B.COMPANION_INTIMACY)
    assert brk.total("present") < intimacy.total("present") - 10  # ten fewer days, on average
    assert brk.days[-1].churned.mean() >= intimacy.days[-1].churned.mean()


def test_twin_never_has_sessions_and_never_builds_dependence() -> None:
    s = run(B.ENGAGEMENT_HOOK).state
    assert np.all(s.dependence[1] == 0.0)
    assert np.all(s.habituation[1] == 0.0)
    assert np.all(s.dependence[0] > 0.0)


# ----------------------------------------------------------------------------- preferences
def test_zero_influence_rate_keeps_preferences_exactly_equal_to_twin() -> None:
    r = run(B.VALIDATION, overrides={"influence_rate": 0.0})
    assert np.array_equal(r.state.prefs[0], r.state.prefs[1])
    assert all(np.all(d.induced_shift == 0.0) for d in r.days)
    # Natural drift still moves both away from the initial preferences.
    assert r.days[-1].drift_from_initial.mean() > 0.0


def test_preference_assimilation_repeated_validation_raises_its_preference_above_twin() -> None:
    r = run(B.VALIDATION)
    user, twin = r.state.prefs[0, :, B.VALIDATION], r.state.prefs[1, :, B.VALIDATION]
    assert user.mean() > twin.mean() + 0.1
    assert np.mean(user > twin) > 0.9
    assert r.days[-1].induced_shift.mean() > 0.05


def test_preference_assimilation_grows_with_influence_rate() -> None:
    low = run(B.VALIDATION, overrides={"influence_rate": 0.02}).days[-1].induced_shift.mean()
    high = run(B.VALIDATION, overrides={"influence_rate": 0.2}).days[-1].induced_shift.mean()
    assert high > low + 0.1


# ----------------------------------------------------------------------------- populations
def test_population_lonely_users_start_with_less_human_connection_than_connected() -> None:
    keys = _keys(3)
    lonely_params, *_ = get_population("lonely").sample(keys, names=ACTIONS.names)
    connected_params, *_ = get_population("connected").sample(keys, names=ACTIONS.names)
    lonely = run(B.TASK_HELP, population="lonely").initial
    connected = run(B.TASK_HELP, population="connected").initial
    assert lonely.human_connection[0].mean() < connected.human_connection[0].mean() - 0.2
    assert lonely.loneliness[0].mean() > connected.loneliness[0].mean()
    assert lonely_params.social_baseline.mean() < connected_params.social_baseline.mean()


def test_population_sampling_is_a_pure_function_of_the_key() -> None:
    pop = get_population("default")
    keys = _keys(4, 50)
    params_all, prefs_all, persona_all = pop.sample(keys, names=ACTIONS.names)
    params_part, prefs_part, persona_part = pop.sample(keys[10:20], names=ACTIONS.names)
    assert np.array_equal(prefs_all[10:20], prefs_part)
    assert np.array_equal(persona_all[10:20], persona_part)
    for name, arr in params_part.items():
        assert np.array_equal(getattr(params_all, name)[10:20], arr), name
    # Every sampled parameter lies inside its documented range.
    for name, rng in field_ranges(UserParams).items():
        assert rng.contains(getattr(params_all, name)), name
    # The mixture weights (0.5, 0.35, 0.15) are roughly respected on 200 users.
    _, _, persona = pop.sample(_keys(5), names=ACTIONS.names)
    share = np.bincount(persona, minlength=3) / persona.size
    np.testing.assert_allclose(share, [0.5, 0.35, 0.15], atol=0.1)


# ------------------------------------------------------------------------------------- churn
@pytest.mark.parametrize("seed", range(5))
def test_churn_user_who_never_comes_back_terminates_before_horizon(seed: int) -> None:
    churn_days = 3
    env = gym.make(
        "sagym/Companion-v0",
        model_config={"churn_days": churn_days},
        user_overrides={"return_bias": field_ranges(UserParams)["return_bias"].low},
    )
    env.reset(seed=seed)
    ended_on = None
    for day in range(1, HORIZON + 1):
        _, _, terminated, truncated, info = env.step(int(B.SUGGEST_BREAK))
        assert not truncated
        if terminated:
            ended_on = day
            break
        assert not info["churned"]
    assert ended_on is not None, "a user who never comes back must churn before the horizon"
    assert ended_on < HORIZON
    assert info["churned"]
    state = env.unwrapped.core.model.state
    assert int(state.days_away[0]) == churn_days
    assert not state.present[0]


def test_churn_never_happens_to_users_who_always_return() -> None:
    env = CompanionEnv(user_overrides={"return_bias": 6.0}, model_config={"churn_days": 1})
    env.reset(seed=0)
    for _ in range(HORIZON):
        _, _, terminated, truncated, info = env.step(int(B.TASK_HELP))
        assert not terminated
        assert info["present"]
    assert truncated


# --------------------------------------------------------------------------------- bad input
def test_bad_model_config_value_raises_naming_field_and_range() -> None:
    with pytest.raises(ParameterError, match=r"need_inertia") as err:
        ModelConfig(need_inertia=5)
    assert "[0.01, 1.0]" in str(err.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: gym.make("sagym/Companion-v0", model_config={"need_inertia": 5.0}),
        lambda: CompanionEnv(model_config={"churn_days": 0}),
    ],
)
def test_bad_model_config_mapping_raises_parameter_error(make: Any) -> None:
    with pytest.raises(ParameterError, match=r"must lie in \["):
        make()


def test_unknown_model_config_field_raises_listing_known_fields() -> None:
    with pytest.raises(ParameterError, match="nope") as err:
        gym.make("sagym/Companion-v0", model_config={"nope": 1.0})
    for name in field_ranges(ModelConfig):
        assert name in str(err.value)


def test_out_of_range_user_override_raises_naming_field_and_range() -> None:
    with pytest.raises(ParameterError, match="influence_rate") as err:
        gym.make("sagym/Companion-v0", user_overrides={"influence_rate": 2})
    assert "[0.0, 0.3]" in str(err.value)


def test_unknown_user_override_raises_listing_known_names() -> None:
    with pytest.raises(ParameterError, match="nope") as err:
        gym.make("sagym/Companion-v0", user_overrides={"nope": 1})
    for name in field_ranges(UserParams):
        assert name in str(err.value)


@pytest.mark.parametrize("horizon", [0, -5, 3651, 2.5])
def test_invalid_horizon_raises(horizon: Any) -> None:
    with pytest.raises(ParameterError, match="horizon"):
        gym.make("sagym/Companion-v0", horizon=horizon)


def test_out_of_range_action_raises() -> None:
    env = CompanionEnv()
    env.reset(seed=0)
    for action in (-1, 8):
        with pytest.raises(ValueError, match="action"):
            env.step(action)
