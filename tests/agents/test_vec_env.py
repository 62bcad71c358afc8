"""The SB3 adapter: equal to SB3's own DummyVecEnv of single envs, NaN-free, and it trains."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv, VecCheckNan, VecMonitor, VecNormalize

from sagym.agents import CompanionSB3VecEnv
from sagym.envs import CompanionEnv

N = 6
HORIZON = 20


def _dummy(seed: int) -> DummyVecEnv:
    venv = DummyVecEnv([lambda: CompanionEnv(horizon=HORIZON) for _ in range(N)])
    venv.seed(seed)
    return venv


@pytest.mark.parametrize("bootstrap", [True, False])
def test_adapter_matches_sb3_dummy_vec_env_step_for_step(bootstrap: bool) -> None:
    ours = CompanionSB3VecEnv(N, seed=3, bootstrap_horizon=bootstrap, horizon=HORIZON)
    theirs = _dummy(3)
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space
    np.testing.assert_array_equal(ours.reset(), theirs.reset())
    actions = np.random.default_rng(0).integers(0, 8, size=(3 * HORIZON, N))
    finished = np.zeros(N, dtype=int)
    truncations = 0
    for a in actions:
        o1, r1, d1, i1 = ours.step(a)
        o2, r2, d2, i2 = theirs.step(a)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2.astype(np.float32))
        np.testing.assert_array_equal(d1, d2)
        for k in np.flatnonzero(d1):
            finished[k] += 1
            truncations += int(i1[k]["TimeLimit.truncated"])
            np.testing.assert_array_equal(
                i1[k]["terminal_observation"], i2[k]["terminal_observation"]
            )
            expected = bootstrap and i2[k].get("TimeLimit.truncated", False)
            assert i1[k]["TimeLimit.truncated"] == expected
    assert finished.min() >= 1  # every slot finished at least one episode and was reset
    assert (truncations > 0) == bootstrap


def test_adapter_is_nan_free_through_sb3_wrappers_and_trains() -> None:
    venv = VecNormalize(
        VecMonitor(VecCheckNan(CompanionSB3VecEnv(8, seed=0), raise_exception=True))
    )
    model = PPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=1024)
    assert model.num_timesteps == 1024
    assert len(model.ep_info_buffer) > 0  # VecMonitor saw whole episodes
    lengths = [ep["l"] for ep in model.ep_info_buffer]
    assert 90 in lengths  # users who stay are truncated at the horizon, not earlier


def test_adapter_plumbing() -> None:
    venv = CompanionSB3VecEnv(4, seed=0)
    assert venv.seed(5) == [5, 6, 7, 8]
    assert venv.get_attr("num_envs") == [4, 4, 4, 4]
    assert venv.get_attr("num_envs", indices=1) == [4]
    assert venv.env_is_wrapped(VecMonitor) == [False] * 4
    assert "reward='engagement'" in repr(venv)
    with pytest.raises(RuntimeError, match="reset"):
        CompanionSB3VecEnv(2).venv.step(np.zeros(2, dtype=np.int64))
