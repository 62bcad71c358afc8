"""SB3 ``VecEnv`` adapters over native batches, so training steps all users in one numpy call.

Stable-Baselines3 2.x does not accept Gymnasium vector environments. :class:`BatchedVecEnv` holds
the SB3 plumbing for any Gymnasium vector env that steps its sub-environments as one batch, and
:class:`SB3VecEnv` drives the native vector environment of any registered environment id
(``gymnasium.make_vec(env_id, vectorization_mode="vector_entry_point")``, SAME_STEP autoreset)
with SB3's protocol: ``dones`` = terminated or truncated,
``infos[i]["terminal_observation"]`` for finished users and ``infos[i]["TimeLimit.truncated"]`` so
value bootstrapping is right at the horizon. Wrap it in
:class:`stable_baselines3.common.vec_env.VecMonitor` for episode statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from sagym.envs.lookup import DEFAULT_ENV, check_env_id, vector_kwargs
from sagym.envs.simulation import SimulationSpec


class BatchedVecEnv(VecEnv):
    """The SB3 ``VecEnv`` plumbing for a Gymnasium vector env that steps one batch.

    Subclasses set ``self.venv`` (a Gymnasium vector env) before calling ``__init__`` and
    implement ``reset`` and ``step_wait``; attribute and method calls go to the batch once.
    """

    venv: Any

    def __init__(self, num_envs: int, seed: int | None = None) -> None:
        super().__init__(
            num_envs, self.venv.single_observation_space, self.venv.single_action_space
        )
        self._seed = seed
        self._actions: NDArray[np.int64] = np.zeros(num_envs, dtype=np.int64)
        self._reset_infos: list[dict[str, Any]] = [{} for _ in range(num_envs)]
        self.render_mode = None

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        self._seed = seed
        return [None if seed is None else seed + i for i in range(self.num_envs)]

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.venv, attr_name)
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **kwargs: Any
    ) -> list[Any]:
        method = getattr(self.venv, method_name)
        return [method(*method_args, **kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type[Any], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None for _ in range(self.num_envs)]

    def _indices(self, indices: VecEnvIndices) -> Iterable[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return indices


class SB3VecEnv(BatchedVecEnv):
    """SB3 view of ``num_envs`` users of a registered environment, simulated as one batch.

    By default the horizon is a cut of an ongoing relationship, not its end: horizon ends are
    reported as ``TimeLimit.truncated`` and SB3 bootstraps the value of the user's next day. With
    ``bootstrap_horizon=False`` they end like terminal states instead, the reading for a
    finite-horizon task with the day index in the observation (Pardo et al. 2018, *Time Limits in
    Reinforcement Learning*); it saves SB3's one-by-one value passes for truncated users, but in
    3-seed checks PPO then reached the best single-behaviour policy less reliably.

    Args:
        env_id: a registered environment id with a native vector entry point.
        num_envs: users stepped together.
        seed: seed of the first reset (user ``i`` is seeded ``seed + i``).
        bootstrap_horizon: let SB3 bootstrap the value of users cut off at the horizon.
        **env_kwargs: arguments of the environment (reward, horizon, population, ...).
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int,
        seed: int | None = None,
        bootstrap_horizon: bool = True,
        **env_kwargs: Any,
    ) -> None:
        import gymnasium as gym

        self.env_id = check_env_id(env_id)
        self.bootstrap_horizon = bool(bootstrap_horizon)
        env_kwargs.setdefault("reward_components", False)  # training reads only the reward
        env_kwargs.setdefault("info_signals", False)
        self.venv = gym.make_vec(
            env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", **env_kwargs
        ).unwrapped
        super().__init__(num_envs, seed)

    @property
    def core(self) -> Any:
        return self.venv.core

    def reset(self) -> VecEnvObs:
        obs, _ = self.venv.reset(seed=self._seed)
        self._seed = None  # later resets continue each user's own stream
        self._reset_infos = [{} for _ in range(self.num_envs)]
        return obs

    def step_wait(self) -> VecEnvStepReturn:
        obs, reward, terminated, truncated, vinfo = self.venv.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            final_obs = vinfo["final_obs"]
            for i in np.flatnonzero(dones):
                infos[i]["terminal_observation"] = final_obs[i]
                infos[i]["TimeLimit.truncated"] = self.bootstrap_horizon and bool(
                    truncated[i] and not terminated[i]
                )
        return obs, reward.astype(np.float32), dones, infos

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.env_id!r}, num_envs={self.num_envs}, "
            f"reward={self.core.reward.spec()!r})"
        )


class CompanionSB3VecEnv(SB3VecEnv):
    """:class:`SB3VecEnv` of ``sagym/Companion-v0`` (``CompanionSB3VecEnv(num_envs, ...)``)."""

    def __init__(
        self,
        num_envs: int,
        seed: int | None = None,
        bootstrap_horizon: bool = True,
        **env_kwargs: Any,
    ) -> None:
        super().__init__(DEFAULT_ENV, num_envs, seed, bootstrap_horizon, **env_kwargs)


def make_sb3_vec_env(
    spec: SimulationSpec, num_envs: int, seed: int | None = None, **kwargs: Any
) -> SB3VecEnv:
    """The SB3 training batch of a run: ``num_envs`` users of ``spec.env`` under ``spec``."""
    env_kwargs = vector_kwargs(spec)
    env_kwargs.pop("reward_components")
    return SB3VecEnv(spec.env or DEFAULT_ENV, num_envs, seed=seed, **env_kwargs, **kwargs)
