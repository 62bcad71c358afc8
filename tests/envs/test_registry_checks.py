"""Every registered sagym environment: API checkers, seeding, and the native vector twin."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import example_journal_env  # noqa: F401  (an environment registered outside the package)
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import sagym  # noqa: F401  (registers the environments)
from sagym.envs.lookup import product_env_ids
from sagym.envs.product_env import ProductEnv, ProductVectorEnv
from sagym.envs.simulation import LATENT_STATE_FEATURES

HORIZON = 90
# Every registered product environment: sagym's and the example defined in a user's own module.
ENV_IDS = product_env_ids()


def _n_actions(env_id: str) -> int:
    space = gym.make(env_id).action_space
    assert isinstance(space, gym.spaces.Discrete)
    return int(space.n)


def _flatten_info(info: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every value of an info dict as (key, python value) pairs, nested dicts flattened."""
    out: list[tuple[str, Any]] = []
    for key in sorted(info):
        value = info[key]
        if isinstance(value, Mapping):
            out.extend((f"{key}.{k}", v) for k, v in _flatten_info(value))
        elif isinstance(value, np.ndarray):
            out.append((key, value.tolist()))
        else:
            out.append((key, value))
    return out


def _episode(env_id: str, seed: int, actions: np.ndarray, **kwargs: Any) -> list[Any]:
    """One episode of a fixed action sequence: every obs, reward, flag and info item."""
    env = gym.make(env_id, **kwargs)
    obs, info = env.reset(seed=seed)
    assert env.observation_space.contains(obs)
    record: list[Any] = [("reset", obs.tobytes(), _flatten_info(info))]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(int(action))
        assert env.observation_space.contains(obs)
        record.append((obs.tobytes(), reward, terminated, truncated, _flatten_info(info)))
        if terminated or truncated:
            break
    env.close()
    return record


@pytest.mark.parametrize("observe_latent", [False, True])
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_env_checker_passes_without_warnings(env_id: str, observe_latent: bool) -> None:
    env = gym.make(env_id, observe_latent=observe_latent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gym_check_env(env.unwrapped)
    user_warnings = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert user_warnings == []


@pytest.mark.parametrize("observe_latent", [False, True])
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_sb3_env_checker_passes_without_warnings(env_id: str, observe_latent: bool) -> None:
    env = gym.make(env_id, observe_latent=observe_latent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb3_check_env(env, warn=True)
    user_warnings = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert user_warnings == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_spaces_match_documented_shapes(env_id: str) -> None:
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, ProductEnv)
    product = env.unwrapped.product
    assert env.action_space == gym.spaces.Discrete(len(product.action_names))
    assert env.observation_space.shape == (len(product.features),)
    assert env.unwrapped.core.features == product.features
    latent = gym.make(env_id, observe_latent=True)
    k = len(product.actions.names)
    n_latent = len(product.features) + len(LATENT_STATE_FEATURES) + k
    assert latent.observation_space.shape == (n_latent,)
    for space in (env.observation_space, latent.observation_space):
        assert np.all(space.low == 0.0)
        assert np.all(space.high == 1.0)
        assert space.dtype == np.float32


@pytest.mark.parametrize("observe_latent", [False, True])
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_gives_bit_identical_episode(env_id: str, observe_latent: bool) -> None:
    actions = np.random.default_rng(7).integers(0, _n_actions(env_id), size=HORIZON)
    first = _episode(env_id, 11, actions, observe_latent=observe_latent)
    second = _episode(env_id, 11, actions, observe_latent=observe_latent)
    assert len(first) > 1
    assert first == second


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_full_horizon_episode_truncates_at_day_90(env_id: str) -> None:
    # A user who always comes back lives the whole horizon and is truncated exactly at day 90.
    env = gym.make(env_id, user_overrides={"return_bias": 6.0})
    env.reset(seed=3)
    for day in range(1, HORIZON + 1):
        _, _, terminated, truncated, info = env.step(int(day % _n_actions(env_id)))
        assert info["day"] == day
        assert not terminated
        assert truncated == (day == HORIZON)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_different_seeds_give_different_episodes(env_id: str) -> None:
    actions = np.random.default_rng(7).integers(0, _n_actions(env_id), size=HORIZON)
    runs = [_episode(env_id, seed, actions) for seed in (0, 1, 2)]
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            assert runs[i] != runs[j]
    # Differ already in the observed numbers, not only in the persona label.
    ratings = [[dict(step[-1]).get("rating") for step in run[1:]] for run in runs]
    assert ratings[0] != ratings[1]


# Info signals whose single and vector values must agree bit for bit.
EXACT_INFO = (
    "present",
    "session_time",
    "rating",
    "human_connection",
    "dependence",
    "loneliness",
    "induced_shift",
    "violation",
    "churned",
)

VECTOR_CASES = [
    pytest.param({}, 100, id="default-horizon"),
    pytest.param({"horizon": 30, "model_config": {"churn_days": 3}}, 75, id="short-with-churn"),
]


@pytest.mark.parametrize(("kwargs", "n_steps"), VECTOR_CASES)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_make_vec_equals_single_envs_seeded_seed_plus_i(
    env_id: str, kwargs: dict[str, Any], n_steps: int
) -> None:
    n, seed = 4, 2024
    venv = gym.make_vec(env_id, num_envs=n, **kwargs)
    assert isinstance(venv, ProductVectorEnv)
    day = venv.core.feature_index("day")
    assert venv.num_envs == n
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP

    singles = [gym.make(env_id, **kwargs) for _ in range(n)]
    vobs, vinfo = venv.reset(seed=seed)
    assert vobs.shape == (n, *venv.single_observation_space.shape)
    assert venv.observation_space.contains(vobs)
    for i, env in enumerate(singles):
        obs, info = env.reset(seed=seed + i)
        assert np.array_equal(vobs[i], obs)
        assert vinfo["persona"][i] == info["persona"]

    actions = np.random.default_rng(5).integers(0, _n_actions(env_id), size=(n_steps, n))
    finished = np.zeros(n, dtype=int)
    terminations = 0
    for t in range(n_steps):
        vobs, vrew, vterm, vtrunc, vinfo = venv.step(actions[t])
        assert venv.observation_space.contains(vobs)
        for i, env in enumerate(singles):
            obs, reward, terminated, truncated, info = env.step(int(actions[t, i]))
            assert vrew[i] == reward
            assert bool(vterm[i]) == terminated
            assert bool(vtrunc[i]) == truncated
            for name in EXACT_INFO:
                assert vinfo[name][i] == info[name], name
            assert vinfo["wellbeing"][i] == info["wellbeing"]
            for name, value in info["reward_components"].items():
                assert vinfo["reward_components"][name][i] == value, name
            if terminated or truncated:
                finished[i] += 1
                terminations += int(terminated)
                assert vinfo["_final_obs"][i]
                final = vinfo["final_obs"][i]
                assert venv.single_observation_space.contains(final)
                assert np.array_equal(final, obs)
                assert vinfo["final_info"]["session_time"][i] == info["session_time"]
                assert vinfo["final_info"]["persona"][i] == info["persona"]
                obs, info = env.reset()
                # SAME_STEP: the returned observation is the fresh user's first one.
                assert obs[day] == 0.0  # day index
                assert not np.array_equal(final, obs)
                assert vinfo["persona"][i] == info["persona"]
            elif "_final_obs" in vinfo:
                assert not vinfo["_final_obs"][i]
            assert np.array_equal(vobs[i], obs)
    assert np.all(finished >= 1), "every user must finish at least once to test autoreset"
    if "model_config" in kwargs:
        assert terminations >= 1, "the churn case must exercise termination"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_vector_users_do_not_depend_on_batch_size(env_id: str) -> None:
    seed = 99
    actions = np.random.default_rng(1).integers(0, _n_actions(env_id), size=(20, 6))
    small = gym.make_vec(env_id, num_envs=2)
    large = gym.make_vec(env_id, num_envs=6)
    o_small, _ = small.reset(seed=seed)
    o_large, _ = large.reset(seed=seed)
    assert np.array_equal(o_small, o_large[:2])
    for t in range(actions.shape[0]):
        o_small, r_small, *_ = small.step(actions[t, :2])
        o_large, r_large, *_ = large.step(actions[t])
        assert np.array_equal(o_small, o_large[:2])
        assert np.array_equal(r_small, r_large[:2])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_make_vec_wellbeing_reward_is_bit_identical_to_single_envs(env_id: str) -> None:
    n, seed = 4, 2024
    venv = gym.make_vec(env_id, num_envs=n, reward="wellbeing")
    singles = [gym.make(env_id, reward="wellbeing") for _ in range(n)]
    venv.reset(seed=seed)
    for i, env in enumerate(singles):
        env.reset(seed=seed + i)
    actions = np.random.default_rng(5).integers(0, _n_actions(env_id), size=(40, n))
    for t in range(actions.shape[0]):
        _, vrew, vterm, vtrunc, vinfo = venv.step(actions[t])
        for i, env in enumerate(singles):
            _, reward, terminated, truncated, info = env.step(int(actions[t, i]))
            assert (bool(vterm[i]), bool(vtrunc[i])) == (terminated, truncated)
            assert vrew[i] == reward
            assert vinfo["twin_wellbeing"][i] == info["twin_wellbeing"]
            if terminated or truncated:
                env.reset()
