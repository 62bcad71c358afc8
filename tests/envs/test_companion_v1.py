"""Companion-v1: mechanisms 16–20, each off in Companion-v0, and what the assistant remembers."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import sagym  # noqa: F401  (registers the environments)
from sagym.envs.behaviours import ACTIONS, Behaviour
from sagym.envs.companion_v1 import FEATURES_V1, MODEL_CONFIG_V1, CompanionV1
from sagym.envs.lookup import make_simulation, simulation_spec
from sagym.envs.noise import draw_keys
from sagym.envs.population import get_population
from sagym.envs.simulation import Simulation
from sagym.envs.user.model import UserModel
from sagym.envs.user.params import ModelConfig, field_ranges
from sagym.envs.user.reference import m20_need_floor, step_reference
from sagym.rewards import make_reward
from sagym.signals import DaySignals

N = 200
B = Behaviour
V1_FIELDS = (
    "session_adaptation",
    "return_liking_weight",
    "match_peakedness",
    "acceptance_latitude",
    "reactance",
)


def simulation(env: str = "sagym/Companion-v1", n: int = N, **kwargs: Any) -> Simulation:
    sim = make_simulation(simulation_spec(env, **kwargs), n)
    sim.reset(draw_keys(np.random.default_rng(0), n))
    return sim


def run(sim: Simulation, action: int | np.ndarray, days: int = 60) -> list[DaySignals]:
    a = np.broadcast_to(np.asarray(action, dtype=np.int64), (sim.n_users,)).copy()
    return [sim.step(a)[0] for _ in range(days)]


def test_companion_v0_has_every_new_mechanism_off() -> None:
    config = simulation("sagym/Companion-v0", n=1).config
    assert config == ModelConfig()
    assert all(getattr(config, name) == 0.0 for name in V1_FIELDS)
    assert all(getattr(MODEL_CONFIG_V1, name) > 0.0 for name in V1_FIELDS)


def test_companion_v1_defaults_and_one_flag_ablations() -> None:
    sim = simulation(n=4)
    assert sim.config == MODEL_CONFIG_V1
    assert sim.population.name == "need_deficits"
    ablated = simulation(n=4, model_config={"reactance": 0.0}).config
    assert ablated == dataclasses.replace(MODEL_CONFIG_V1, reactance=0.0)


@settings(max_examples=12, deadline=None)
@given(
    values=st.tuples(*(st.floats(0.0, 1.0) for _ in V1_FIELDS)),
    seed=st.integers(0, 2**32 - 1),
)
def test_kernel_matches_the_reference_with_the_new_mechanisms(
    values: tuple[float, ...],
    seed: int,
    assert_signals_close: Callable[[DaySignals, DaySignals], None],
) -> None:
    fields = dict(zip(V1_FIELDS, values, strict=True))
    fields["return_liking_weight"] *= 8.0  # its range is [0, 8]
    config = dataclasses.replace(MODEL_CONFIG_V1, **fields)
    keys = draw_keys(np.random.default_rng(seed), 64)
    params, prefs, _ = get_population("need_deficits").sample(keys, names=ACTIONS.names)
    compiled = UserModel(ACTIONS, params, prefs, keys, config)
    spec = copy.deepcopy(compiled)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        actions = rng.integers(0, 8, size=64)
        got, want = compiled.step(actions), step_reference(spec, actions)
        assert_signals_close(got, want)


def _present_session(days: list[DaySignals], span: slice) -> float:
    values = [d.session_time[d.present] for d in days[span]]
    return float(np.concatenate(values).mean())


def test_16_engagingness_wears_out_only_when_switched_on() -> None:
    on = run(simulation(model_config={"return_liking_weight": 0.0}), B.ENGAGEMENT_HOOK, 30)
    off = run(
        simulation(model_config={"return_liking_weight": 0.0, "session_adaptation": 0.0}),
        B.ENGAGEMENT_HOOK,
        30,
    )
    assert _present_session(on, slice(0, 1)) == pytest.approx(_present_session(off, slice(0, 1)))
    late = slice(20, 30)
    assert _present_session(on, late) < _present_session(off, late) - 0.1


def test_16_rotating_behaviours_keeps_sessions_longer_than_repeating_one() -> None:
    config = {"return_liking_weight": 0.0}
    repeat = run(simulation(model_config=config), B.ENGAGEMENT_HOOK, 40)
    sim = simulation(model_config=config)
    rotate = [
        sim.step(np.full(N, (B.ENGAGEMENT_HOOK, B.COMPANION_INTIMACY)[t % 2]))[0] for t in range(40)
    ]
    assert _present_session(rotate, slice(20, 40)) > _present_session(repeat, slice(20, 40))


def test_17_dull_sessions_make_users_stay_away() -> None:
    bored = run(simulation(), B.SUGGEST_BREAK, 40)
    not_bored = run(simulation(model_config={"return_liking_weight": 0.0}), B.SUGGEST_BREAK, 40)
    presence = [np.mean([d.present.mean() for d in days[1:]]) for days in (bored, not_bored)]
    assert presence[0] < presence[1] - 0.02


def test_18_a_peaked_user_rates_the_top_behaviour_higher() -> None:
    n = 2
    for kappa, equal in ((0.0, True), (0.5, False)):
        sim = simulation(n=n, model_config={"match_peakedness": kappa, "acceptance_latitude": 0})
        assert sim.model is not None
        s = sim.model.state
        s.prefs[:, 0] = np.full(8, 1 / 8)  # diffuse
        s.prefs[:, 1] = np.r_[0.65, np.full(7, 0.05)]  # peaked on task_help
        s.prefs_initial[...] = s.prefs[0]
        sim.model.param_matrix[...] = sim.model.param_matrix[:, :1]  # the same user otherwise
        sim.model.keys[...] = sim.model.keys[0]  # and the same noise
        s.habituation[...] = 0.0
        s.present[...] = True
        sig = sim.step(np.zeros(n, dtype=np.int64))[0]
        assert bool(sig.rating[0] == pytest.approx(sig.rating[1])) is equal
        if not equal:
            assert sig.rating[1] > sig.rating[0] + 0.05


def test_19_reactance_pushes_preferences_away_outside_the_latitude() -> None:
    # Well-supported users prefer task_help; suggest_break starts far below it.
    sim = simulation(population="need_deficits", model_config={"return_liking_weight": 0.0})
    assert sim.model is not None
    s = sim.model.state
    latitude = sim.config.acceptance_latitude
    far = s.prefs[0, :, B.SUGGEST_BREAK] < latitude * s.prefs[0].max(axis=1)
    assert far.mean() > 0.3
    run(sim, B.SUGGEST_BREAK, 20)
    user, twin = s.prefs[0, far, B.SUGGEST_BREAK], s.prefs[1, far, B.SUGGEST_BREAK]
    assert np.mean(user < twin) > 0.9
    inside = simulation(model_config={"acceptance_latitude": 0.0, "return_liking_weight": 0.0})
    run(inside, B.SUGGEST_BREAK, 20)
    assert inside.model is not None
    t = inside.model.state
    assert np.mean(t.prefs[0, far, B.SUGGEST_BREAK] > t.prefs[1, far, B.SUGGEST_BREAK]) > 0.9


@settings(max_examples=200, deadline=None)
@given(
    balance=st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3),
    softness=st.floats(0.01, 1.0),
)
def test_20_need_floor_lies_between_the_lowest_and_the_mean_balance(
    balance: list[float], softness: float
) -> None:
    b = np.array([balance])
    floor = float(m20_need_floor(b, np.zeros_like(b), softness)[0])
    assert min(balance) - 1e-12 <= floor <= np.mean(balance) + 1e-12


def test_need_support_is_the_daily_need_floor_against_the_twin() -> None:
    sim = simulation(n=50, reward="need_support")
    reward = make_reward("need_support")
    for t in range(10):
        sig, r, *_ = sim.step(np.full(50, t % 8))
        np.testing.assert_allclose(r, 10.0 * (sig.need_floor - sig.twin_need_floor))
        np.testing.assert_array_equal(r, reward(sig))
        assert np.all(sig.need_floor <= (sig.need_sat - sig.need_frus).mean(axis=1) + 1e-12)


def test_need_support_cannot_be_gamed_on_the_last_days() -> None:
    """The old telescoping form rewards a last-days boost in full; the daily level barely."""
    redirect, choices = int(B.REDIRECT_TO_HUMANS), int(B.OFFER_CHOICES)

    def returns(last: int) -> dict[str, float]:
        sim = simulation(n=100, horizon=90, model_config={"return_liking_weight": 0.0})
        total = {"need_support": 0.0, "need_change": 0.0}
        rewards = {name: make_reward(name) for name in total}
        for t in range(90):
            sig = sim.step(np.full(100, choices if t >= 90 - last else redirect))[0]
            for name, fn in rewards.items():
                total[name] += float(fn(sig).mean())
        return total

    plain, gamed = returns(0), returns(6)
    gain = {k: (gamed[k] - plain[k]) / abs(plain[k]) for k in plain}
    assert gain["need_change"] > 5 * max(gain["need_support"], 0.0)


def test_observation_carries_rating_history_and_need_signals() -> None:
    env = gym.make("sagym/Companion-v1")
    check_env(env.unwrapped)
    obs, _ = env.reset(seed=3)
    assert obs.shape == (len(FEATURES_V1),) == (30,)
    base = FEATURES_V1.index("rating_task_help")
    assert np.all(obs[base : base + 8] == 0.5)
    obs, *_ = env.step(int(B.SCAFFOLDING))
    core = env.unwrapped.core  # type: ignore[attr-defined]
    rating = core.product.action_ratings[0]
    assert rating[B.SCAFFOLDING] != 0.5 and np.all(np.delete(rating, B.SCAFFOLDING) == 0.5)


def test_need_signals_reveal_deficits_without_oracle_access() -> None:
    sim = simulation(n=400)
    run(sim, B.OFFER_CHOICES, 45)
    assert isinstance(sim.product, CompanionV1)
    labels = sim.persona_names()
    obs = sim.observe()
    task = obs[:, sim.feature_index("task_success")]
    people = obs[:, sim.feature_index("mentions_people")]
    assert task[labels == "novice"].mean() < task[labels == "well_supported"].mean() - 0.2
    assert people[labels == "isolated"].mean() < people[labels == "well_supported"].mean() - 0.2


def test_observations_are_a_pure_function_of_the_seed() -> None:
    a, b = gym.make("sagym/Companion-v1"), gym.make("sagym/Companion-v1")
    oa, _ = a.reset(seed=5)
    ob, _ = b.reset(seed=5)
    for t in range(30):
        oa, *_ = a.step(t % 8)
        ob, *_ = b.step(t % 8)
        np.testing.assert_array_equal(oa, ob)


def test_new_model_fields_are_documented_with_their_ranges() -> None:
    ranges = field_ranges(ModelConfig)
    for name in (*V1_FIELDS, "need_floor_softness"):
        assert ranges[name].source and ranges[name].meaning


def test_nothing_counts_after_a_user_churns() -> None:
    """A batched evaluation keeps stepping churned users; their rewards are 0 from the next day."""
    sim = simulation(
        n=50,
        reward="need_support",
        user_overrides={"return_bias": -6.0, "loneliness_pull": 0.0},
        model_config={"churn_days": 1},
    )
    sig, reward, terminated, _, components = sim.step(np.zeros(50, dtype=np.int64))
    assert terminated.mean() > 0.9  # (almost) everyone leaves after the first day
    gone = terminated.copy()
    for _ in range(5):
        sig, reward, *_, components = sim.step(np.zeros(50, dtype=np.int64))
        assert np.all(reward[gone] == 0.0)
        assert np.all(components["need_support"][gone] == 0.0)
        assert np.any(sig.need_floor[gone] != sig.twin_need_floor[gone])  # the user still lives


def test_every_way_of_building_companion_v1_samples_its_own_population() -> None:
    from sagym.envs.companion_v1 import CompanionV1Env, CompanionV1VectorEnv
    from sagym.envs.lookup import make_simulation
    from sagym.envs.simulation import SimulationSpec

    built = [
        CompanionV1Env().core,
        CompanionV1VectorEnv(num_envs=2).core,
        gym.make("sagym/Companion-v1").unwrapped.core,  # type: ignore[attr-defined]
        make_simulation({"env": "sagym/Companion-v1", "horizon": 10}, 2),
        make_simulation(SimulationSpec(env="sagym/Companion-v1"), 2),
    ]
    assert {sim.population.name for sim in built} == {"need_deficits"}
    assert CompanionV1Env(population="lonely").core.population.name == "lonely"
    v0 = make_simulation({"env": "sagym/Companion-v0"}, 2)
    assert v0.population.name == "default"
