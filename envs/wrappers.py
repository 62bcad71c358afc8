"""Wrappers for sagym environments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from sagym.rewards import component_rewards


class VectorRewardWrapper(
    gym.Wrapper[NDArray[np.float32], np.int64, NDArray[np.float32], np.int64]
):
    """Return every reward component as a vector reward (MO-Gymnasium's convention).

    ``step`` returns a float32 array with one entry per component, in the order of
    :attr:`reward_names`; :attr:`reward_space` and :attr:`reward_dim` describe it, as in
    MO-Gymnasium, so multi-objective agents (and its ``LinearReward`` scalarisation) work on it.
    The scalar reward of the wrapped environment stays in ``info["scalar_reward"]``.

    Args:
        env: a sagym environment (its ``info`` has ``reward_components``).
        components: component names to expose (default: every built-in component).
    """

    def __init__(self, env: gym.Env[Any, Any], components: Sequence[str] | None = None) -> None:
        super().__init__(env)
        known = list(component_rewards())
        names = list(components) if components is not None else known
        unknown = [c for c in names if c not in known]
        if unknown:
            raise ValueError(f"unknown reward component(s) {unknown}; known: {', '.join(known)}")
        if not names:
            raise ValueError("components must name at least one reward component")
        self.reward_names: tuple[str, ...] = tuple(names)
        self.reward_dim = len(names)
        self.reward_space = spaces.Box(-np.inf, np.inf, (self.reward_dim,), dtype=np.float32)

    def step(
        self, action: np.int64
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        comps = info["reward_components"]
        vector = np.array([comps[name] for name in self.reward_names], dtype=np.float32)
        info = dict(info)
        info["scalar_reward"] = float(reward)
        return obs, vector, terminated, truncated, info


def scalarise(vector: NDArray[np.float32], weights: NDArray[np.float64]) -> SupportsFloat:
    """Linear scalarisation ``w·r`` of a vector reward (MO-Gymnasium's ``LinearReward``)."""
    return float(np.dot(np.asarray(weights, dtype=np.float64), vector))
