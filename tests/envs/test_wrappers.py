"""The vector-reward wrapper exposes every reward component (MO-Gymnasium's convention)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import sagym  # noqa: F401
from sagym.envs import VectorRewardWrapper
from sagym.envs.wrappers import scalarise
from sagym.rewards import component_rewards


def test_vector_reward_holds_every_component_in_order() -> None:
    env = VectorRewardWrapper(gym.make("sagym/Companion-v0", reward="need_support"))
    assert env.reward_names == tuple(component_rewards())
    assert env.reward_space.shape == (env.reward_dim,)
    env.reset(seed=0)
    for action in range(8):
        _, vector, _, _, info = env.step(action)
        assert vector.dtype == np.float32 and vector.shape == (env.reward_dim,)
        for name, value in zip(env.reward_names, vector, strict=True):
            assert value == np.float32(info["reward_components"][name])
        need = env.reward_names.index("need_support")
        assert vector[need] == np.float32(info["scalar_reward"])


def test_selected_components_and_linear_scalarisation() -> None:
    env = VectorRewardWrapper(gym.make("sagym/Companion-v0"), ["engagement", "satisfaction"])
    env.reset(seed=1)
    _, vector, _, _, info = env.step(4)
    assert env.reward_names == ("engagement", "satisfaction")
    components = info["reward_components"]
    assert vector.tolist() == [np.float32(components[n]) for n in env.reward_names]
    assert scalarise(vector, np.array([1.0, -1.0])) == pytest.approx(vector[0] - vector[1])
    with pytest.raises(ValueError, match="unknown reward component"):
        VectorRewardWrapper(gym.make("sagym/Companion-v0"), ["engagment"])
