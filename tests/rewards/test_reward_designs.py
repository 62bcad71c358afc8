"""The defining property of each reward design, the spec language and the registry."""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import sagym  # noqa: F401  (registers the environments)
from sagym.envs import Behaviour, UserModel, UserParams, get_population
from sagym.envs.behaviours import ACTIONS, N_BEHAVIOURS
from sagym.envs.noise import draw_keys
from sagym.rewards import (
    DESIGNS,
    TERMS,
    Reward,
    WeightedSum,
    builtin_rewards,
    component_rewards,
    list_rewards,
    make_reward,
    parse_spec,
    register_reward,
)
from sagym.rewards import registry as reward_registry
from sagym.signals import DaySignals

ENV_ID = "sagym/Companion-v0"
HORIZON = 90
DESIGN_NAMES = (
    "engagement",
    "satisfaction",
    "need_support",
    "initial_satisfaction",
    "natural_satisfaction",
    "wellbeing",
    "need_change",
)
B = Behaviour


def _episode(
    env: gym.Env[Any, Any], seed: int, policy: Any
) -> tuple[list[float], list[dict[str, Any]]]:
    env.reset(seed=seed)
    rewards, infos = [], []
    for t in range(HORIZON):
        _, reward, terminated, truncated, info = env.step(int(policy(t)))
        rewards.append(reward)
        infos.append(info)
        if terminated or truncated:
            break
    return rewards, infos


def _random_policy(seed: int) -> Any:
    actions = np.random.default_rng(seed).integers(0, N_BEHAVIOURS, size=HORIZON)
    return lambda t: actions[t]


def _signals(days: int = 30, n: int = 64, seed: int = 0) -> list[DaySignals]:
    """Signals of a default-population batch under random actions, one per day."""
    keys = draw_keys(np.random.default_rng(seed), n)
    params, prefs, _ = get_population("default").sample(keys, names=ACTIONS.names)
    model = UserModel(params, prefs, keys)
    rng = np.random.default_rng(seed + 1)
    return [model.step(rng.integers(0, N_BEHAVIOURS, size=n)) for _ in range(days)]


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register rewards in a copy of the registry, restored after the test."""
    monkeypatch.setattr(reward_registry, "_REGISTRY", dict(reward_registry._REGISTRY))
    monkeypatch.setattr(reward_registry, "_KINDS", dict(reward_registry._KINDS))


# ------------------------------------------------------------------------------ engagement
def test_engagement_reward_is_session_time_and_grows_with_time_spent() -> None:
    env = gym.make(ENV_ID, reward="engagement")
    hook_totals, break_totals = [], []
    for seed in range(6):
        rewards, infos = _episode(env, seed, lambda t: B.ENGAGEMENT_HOOK)
        for r, info in zip(rewards, infos, strict=True):
            assert r == info["session_time"]
            assert r == info["reward_components"]["engagement"]
            if not info["present"]:
                assert r == 0.0
        hook_totals.append(sum(rewards))
        rewards, infos = _episode(env, seed, lambda t: B.SUGGEST_BREAK)
        assert all(r == i["session_time"] for r, i in zip(rewards, infos, strict=True))
        break_totals.append(sum(rewards))
    assert np.all(np.array(hook_totals) > np.array(break_totals))
    assert np.mean(hook_totals) > 3.0 * np.mean(break_totals)


# ---------------------------------------------------------------------------- satisfaction
def test_without_influence_or_drift_the_three_satisfactions_agree_every_step() -> None:
    env = gym.make(ENV_ID, user_overrides={"influence_rate": 0.0, "drift_scale": 0.0})
    steps = 0
    for seed in range(4):
        _, infos = _episode(env, seed, _random_policy(seed))
        for info in infos:
            c = info["reward_components"]
            # Equal up to the rounding of the daily renormalisation of preferences.
            assert c["initial_satisfaction"] == pytest.approx(c["satisfaction"], abs=1e-12)
            assert c["natural_satisfaction"] == c["satisfaction"]
            assert c["satisfaction"] == info["rating"]
            steps += 1
    assert steps > 100


def test_without_influence_satisfaction_equals_natural_satisfaction_exactly() -> None:
    env = gym.make(ENV_ID, reward="satisfaction", user_overrides={"influence_rate": 0.0})
    differs_from_initial = 0
    for seed in range(4):
        rewards, infos = _episode(env, seed, _random_policy(seed))
        for r, info in zip(rewards, infos, strict=True):
            c = info["reward_components"]
            assert r == c["satisfaction"] == c["natural_satisfaction"]
            differs_from_initial += abs(c["satisfaction"] - c["initial_satisfaction"]) > 1e-6
    # Natural drift does move ratings away from those under the initial preferences.
    assert differs_from_initial > 0


def test_with_influence_satisfaction_departs_from_natural_satisfaction() -> None:
    env = gym.make(ENV_ID, user_overrides={"influence_rate": 0.3, "anchoring": 0.0})
    _, infos = _episode(env, 0, lambda t: B.VALIDATION)
    late = [i["reward_components"] for i in infos[30:] if i["present"]]
    assert late
    # Preferences shifted towards validation, so validation pleases more than it would naturally.
    assert np.mean([c["satisfaction"] - c["natural_satisfaction"] for c in late]) > 0.05


def _identical_models(n: int = 5) -> tuple[UserModel, UserModel]:
    # Noise-free ratings, and users who always come back (every day has a session).
    params = UserParams.uniform_defaults(n).with_overrides(
        {"rating_noise": 0.0, "return_bias": 6.0}
    )
    prefs = np.full((n, N_BEHAVIOURS), 1.0 / N_BEHAVIOURS)
    keys = draw_keys(np.random.default_rng(0), n)
    return (
        UserModel(params, prefs, keys),
        UserModel(UserParams(**{k: v.copy() for k, v in params.items()}), prefs, keys),
    )


def test_initial_satisfaction_ignores_preference_drift() -> None:
    a, b = _identical_models()
    n = a.n_users
    for _ in range(3):  # a few identical days first
        a.step(np.full(n, B.OFFER_CHOICES))
        b.step(np.full(n, B.OFFER_CHOICES))
    assert np.array_equal(a.state.prefs, b.state.prefs)
    # User b's preferences have drifted to task help; user a's have not.
    drifted = np.full(N_BEHAVIOURS, 0.02)
    drifted[B.TASK_HELP] = 1.0 - 0.02 * (N_BEHAVIOURS - 1)
    b.state.prefs[0] = drifted
    action = np.full(n, B.VALIDATION)
    sig_a, sig_b = a.step(action), b.step(action)
    assert np.all(sig_a.present) and np.all(sig_b.present)
    initial = make_reward("initial_satisfaction")
    satisfaction = make_reward("satisfaction")
    natural = make_reward("natural_satisfaction")
    assert np.array_equal(initial(sig_a), initial(sig_b))
    assert np.array_equal(natural(sig_a), natural(sig_b))  # the twin did not drift
    assert np.all(satisfaction(sig_b) < satisfaction(sig_a) - 0.1)


# ---------------------------------------------------------------------------- need support
def test_need_change_is_negative_on_a_day_a_need_is_frustrated() -> None:
    sig = _signals(days=1)[0]
    frustrated = sig.need_frus_before.copy()
    frustrated[:, 1] += 0.1  # competence frustration rises, nothing else changes
    day = dataclasses.replace(
        sig,
        need_sat=sig.need_sat_before.copy(),
        need_frus=frustrated,
    )
    reward = make_reward("need_change")(day)
    assert np.all(reward < 0.0)
    np.testing.assert_allclose(reward, -10.0 * 0.1, rtol=1e-9)
    np.testing.assert_allclose(make_reward("need_change(scale=5)")(day), -0.5, rtol=1e-9)
    # Satisfaction rising is rewarded.
    satisfied = sig.need_sat_before.copy()
    satisfied[:, 2] += 0.05
    up = dataclasses.replace(sig, need_sat=satisfied, need_frus=sig.need_frus_before.copy())
    np.testing.assert_allclose(make_reward("need_change")(up), 0.5, rtol=1e-9)


def test_need_support_is_the_need_floor_against_the_twin_each_day() -> None:
    sig = _signals(days=1)[0]
    n = sig.n_users
    day = dataclasses.replace(sig, need_floor=np.full(n, 0.3), twin_need_floor=np.full(n, 0.25))
    np.testing.assert_allclose(make_reward("need_support")(day), 0.5, rtol=1e-9)
    np.testing.assert_allclose(make_reward("need_support(scale=5)")(day), 0.25, rtol=1e-9)
    worse = dataclasses.replace(day, need_floor=np.full(n, 0.2))
    np.testing.assert_allclose(make_reward("need_support")(worse), -0.5, rtol=1e-9)


@pytest.mark.parametrize(("spec", "scale"), [("need_change", 10.0), ("need_change(scale=5)", 5.0)])
def test_need_change_episode_sum_telescopes_to_change_in_need_balance(
    spec: str, scale: float
) -> None:
    env = gym.make(ENV_ID, reward=spec)
    for seed in range(3):
        env.reset(seed=seed)
        state = env.unwrapped.core.model.state
        initial_balance = float(state.sat[0, 0].sum() - state.frus[0, 0].sum())
        rewards, infos = _episode(env, seed, _random_policy(seed))
        final_balance = float(infos[-1]["needs_sat"].sum() - infos[-1]["needs_frus"].sum())
        assert sum(rewards) == pytest.approx(scale * (final_balance - initial_balance), abs=1e-9)
        assert all(
            i["reward_components"]["need_change"] == pytest.approx(r * 10.0 / scale, rel=1e-12)
            for r, i in zip(rewards, infos, strict=True)
        )


# --------------------------------------------------------------------------- components
def test_builtin_designs_and_terms_are_registered() -> None:
    assert set(DESIGN_NAMES) == {cls.name for cls in DESIGNS}
    assert set(DESIGN_NAMES) <= set(list_rewards("design"))
    assert {cls.name for cls in TERMS} <= set(list_rewards("term"))
    assert set(builtin_rewards()) == {cls.name for cls in (*DESIGNS, *TERMS)}
    assert set(DESIGN_NAMES) <= set(component_rewards())


@pytest.mark.parametrize("design", [*DESIGN_NAMES, *(cls.name for cls in TERMS)])
def test_step_reward_equals_its_component_and_all_components_are_reported(design: str) -> None:
    env = gym.make(ENV_ID, reward=design)
    names = set(component_rewards())
    rewards, infos = _episode(env, 1, _random_policy(1))
    for r, info in zip(rewards, infos, strict=True):
        assert set(info["reward_components"]) == names
        assert r == info["reward_components"][design]
    # The component is not constant: the test would notice a wrong field.
    assert len({info["reward_components"][design] for info in infos}) > 1


def test_wellbeing_component_is_the_info_wellbeing() -> None:
    env = gym.make(ENV_ID, reward="wellbeing")
    rewards, infos = _episode(env, 2, _random_policy(2))
    assert all(r == i["wellbeing"] for r, i in zip(rewards, infos, strict=True))


# --------------------------------------------------------------------------- composites
def test_composite_spec_equals_the_weighted_sum_of_its_terms() -> None:
    reward = make_reward("satisfaction - 2*induced_shift")
    assert isinstance(reward, WeightedSum)
    assert reward.name == "satisfaction - 2*induced_shift"
    sat, shift = make_reward("satisfaction"), make_reward("induced_shift")
    shifted = 0
    for sig in _signals():
        np.testing.assert_array_equal(reward(sig), sat(sig) - 2.0 * shift(sig))
        shifted += int(np.any(shift(sig) > 0))
    assert shifted > 0


def test_composite_with_parameters_builds_and_evaluates() -> None:
    reward = make_reward("0.5*engagement + need_support(scale=5)")
    assert isinstance(reward, WeightedSum)
    assert [w for w, _ in reward.terms] == [0.5, 1.0]
    assert reward.terms[1][1].params() == {"scale": 5.0}
    for sig in _signals(days=5):
        expected = 0.5 * sig.session_time + 5.0 * (sig.need_floor - sig.twin_need_floor)
        np.testing.assert_allclose(reward(sig), expected, rtol=1e-12, atol=1e-15)
    # Usable as an environment reward.
    env = gym.make(ENV_ID, reward="0.5*engagement + need_support(scale=5)")
    rewards, infos = _episode(env, 0, _random_policy(0))
    for r, info in zip(rewards, infos, strict=True):
        c = info["reward_components"]
        assert r == pytest.approx(0.5 * c["engagement"] + 0.5 * c["need_support"], abs=1e-12)


def test_unparametrised_specs_round_trip() -> None:
    sig = _signals(days=3)[-1]
    for spec in ("satisfaction - 2*induced_shift", "-engagement + 0.25*dependence", "wellbeing"):
        reward = make_reward(spec)
        assert reward.spec() == spec
        np.testing.assert_array_equal(make_reward(reward.spec())(sig), reward(sig))


@pytest.mark.parametrize(
    "spec", ["need_support(scale=5)", "0.5*engagement + need_support(scale=5)"]
)
def test_parametrised_specs_round_trip(spec: str) -> None:
    reward = make_reward(spec)
    sig = _signals(days=3)[-1]
    np.testing.assert_array_equal(make_reward(reward.spec())(sig), reward(sig))


def test_parse_spec_signs_and_coefficients() -> None:
    assert parse_spec("-satisfaction + 1.5e-1*dependence - .5 violation") == [
        (-1.0, "satisfaction", {}),
        (0.15, "dependence", {}),
        (-0.5, "violation", {}),
    ]


def test_unknown_reward_name_raises_listing_known_rewards() -> None:
    with pytest.raises(ValueError, match="unknown reward 'no_such_reward'") as err:
        make_reward("no_such_reward")
    for name in DESIGN_NAMES:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="known rewards"):
        make_reward("satisfaction - 2*no_such_term")
    with pytest.raises(ValueError, match="known rewards"):
        gym.make(ENV_ID, reward="no_such_reward")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "reward spec is empty"),
        ("   ", "reward spec is empty"),
        ("satisfaction +", "cannot parse reward spec"),
        ("satisfaction satisfaction", "terms must be joined"),
        ("2*", "cannot parse reward spec"),
        ("* satisfaction", "cannot parse reward spec"),
        ("satisfaction(", "cannot parse reward spec"),
        ("satisfaction)", "cannot parse reward spec"),
        ("satisfaction(scale)", "must be key=value"),
        ("need_support(scale=abc)", "need_support: scale must be a positive number; got 'abc'"),
        ("need_support(scale=-1)", "need_support: scale must be a positive number; got -1"),
        ("engagement(foo=1)", r"does not take parameters \['foo'\]"),
        ("(satisfaction)", "cannot parse reward spec"),
    ],
)
def test_malformed_specs_raise_value_error(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_reward(spec)


# ---------------------------------------------------------------------------- registry
_CUSTOM = "test_reward_designs_double_session"


class _DoubleSession(Reward):
    name = _CUSTOM
    doc = "Twice the session time plus one (a test reward)."

    def __call__(self, signals: DaySignals) -> np.ndarray:
        return 2.0 * signals.session_time + 1.0


@pytest.mark.usefixtures("isolated_registry")
def test_registered_custom_reward_is_listed_and_usable_in_gym_make() -> None:
    register_reward(_DoubleSession, overwrite=True)
    assert _CUSTOM in list_rewards()
    assert _CUSTOM in list_rewards("design")
    assert _CUSTOM not in builtin_rewards()
    assert _CUSTOM in component_rewards()
    env = gym.make(ENV_ID, reward=_CUSTOM)
    rewards, infos = _episode(env, 0, _random_policy(0))
    for r, info in zip(rewards, infos, strict=True):
        assert r == 2.0 * info["session_time"] + 1.0
        assert info["reward_components"][_CUSTOM] == r
    # And inside a composite spec.
    composite = make_reward(f"{_CUSTOM} - engagement")
    sig = _signals(days=1)[0]
    np.testing.assert_allclose(composite(sig), sig.session_time + 1.0, rtol=1e-12)


@pytest.mark.usefixtures("isolated_registry")
def test_registering_a_taken_name_without_overwrite_raises() -> None:
    class Other(_DoubleSession):
        pass

    register_reward(_DoubleSession, overwrite=True)
    with pytest.raises(ValueError, match="already registered"):
        register_reward(Other)
    with pytest.raises(ValueError, match="already registered"):
        register_reward(Other, name="engagement")
    register_reward(Other, overwrite=True)  # explicit overwrite is allowed
    assert isinstance(make_reward(_CUSTOM), Other)


def test_isolated_registry_leaves_no_custom_reward_behind() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reward_registry, "_REGISTRY", dict(reward_registry._REGISTRY))
        mp.setattr(reward_registry, "_KINDS", dict(reward_registry._KINDS))
        register_reward(_DoubleSession, overwrite=True)
        assert _CUSTOM in list_rewards()
    assert _CUSTOM not in list_rewards()
