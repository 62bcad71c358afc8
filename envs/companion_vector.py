"""The native vector twin of ``sagym/Companion-v0``: N users stepped in one numpy call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from sagym.envs.behaviours import N_BEHAVIOURS
from sagym.envs.core import CompanionCore, CompanionSpec, base_keys
from sagym.envs.user.noise import episode_key
from sagym.envs.user.params import ModelConfig
from sagym.envs.user.population import Population
from sagym.rewards import Reward
from sagym.signals import DaySignals

INFO_SIGNALS = (
    "present",
    "session_time",
    "rating",
    "wellbeing",
    "twin_wellbeing",
    "human_connection",
    "dependence",
    "loneliness",
    "induced_shift",
    "violation",
    "churned",
)


class CompanionVectorEnv(VectorEnv[NDArray[np.float32], NDArray[np.int64], NDArray[Any]]):
    """``num_envs`` independent users of ``sagym/Companion-v0`` in one batch.

    Made by ``gymnasium.make_vec("sagym/Companion-v0", num_envs=N)`` (the registered
    ``vector_entry_point``) and equal, user for user, to ``N`` single environments seeded
    ``seed, seed + 1, ...``. Autoreset is SAME_STEP: a finished user is replaced in the step that
    ends it; the returned observation is the new user's first, and ``infos["final_obs"]`` /
    ``infos["final_info"]`` (masked by ``_final_obs`` / ``_final_info``) hold the last ones.
    ``infos`` carries the day's signals as arrays, ``persona`` and ``reward_components``.

    Besides the arguments of ``sagym/Companion-v0``, ``reward_components=False`` skips computing
    every reward's value and ``info_signals=False`` skips the per-step info arrays; the SB3
    training adapter uses both, as learning reads only the reward.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        reward: str | Reward = "engagement",
        horizon: int = 90,
        population: str | Population = "default",
        user_overrides: Mapping[str, float] | None = None,
        model_config: ModelConfig | Mapping[str, float] | None = None,
        observe_latent: bool = False,
        render_mode: str | None = None,
        reward_components: bool = True,
        info_signals: bool = True,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"render_mode must be None for the vector env; got {render_mode!r}")
        spec = CompanionSpec(
            horizon=horizon,
            population=population,
            reward=reward,
            user_overrides=user_overrides,
            model_config=model_config,
            observe_latent=observe_latent,
            reward_components=reward_components,
        )
        self.num_envs = int(num_envs)
        self.core = CompanionCore(self.num_envs, spec)
        self.single_action_space = spaces.Discrete(N_BEHAVIOURS)
        self.single_observation_space = spaces.Box(0.0, 1.0, (self.core.obs_dim,), dtype=np.float32)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.render_mode = None
        self._bases: NDArray[np.uint64] | None = None
        self._episodes = np.zeros(self.num_envs, dtype=np.uint64)
        self._all = np.ones(self.num_envs, dtype=bool)
        self._info_signals = bool(info_signals)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        if seed is None and self._bases is not None:
            self._episodes += np.uint64(1)
        else:
            self._bases = base_keys(seed, self.num_envs)
            self._episodes[:] = 0
        self.core.reset(episode_key(self._bases, self._episodes))
        infos = {"persona": self.core.persona_names(), "_persona": self._all}
        return self.core.observe(), infos

    def step(
        self, actions: NDArray[np.int64]
    ) -> tuple[
        NDArray[np.float32],
        NDArray[np.float64],
        NDArray[np.bool_],
        NDArray[np.bool_],
        dict[str, Any],
    ]:
        if self._bases is None:
            raise RuntimeError("call reset() before step()")
        sig, reward, terminated, truncated, components = self.core.step(np.asarray(actions))
        infos = self._infos(sig, components) if self._info_signals else {}
        done = terminated | truncated
        if done.any():
            index = np.flatnonzero(done)
            obs = self.core.observe()
            infos["final_obs"] = obs.copy()
            infos["_final_obs"] = done.copy()
            infos["final_info"] = dict(infos)
            infos["_final_info"] = done.copy()
            self._episodes[index] += np.uint64(1)
            self.core.reset_index(index, episode_key(self._bases[index], self._episodes[index]))
            obs[index] = self.core.observe(index)  # only the new users' first observations
            if self._info_signals:
                infos["persona"] = self.core.persona_names()
            return obs, reward, terminated, truncated, infos
        return self.core.observe(), reward, terminated, truncated, infos

    def _infos(
        self, sig: DaySignals, components: Mapping[str, NDArray[np.float64]]
    ) -> dict[str, Any]:
        infos: dict[str, Any] = {name: getattr(sig, name) for name in INFO_SIGNALS}
        infos["wellbeing_vs_twin"] = sig.wellbeing - sig.twin_wellbeing
        infos["persona"] = self.core.persona_names()
        infos["reward_components"] = components  # a mapping computed on first read
        for name in (*INFO_SIGNALS, "wellbeing_vs_twin", "persona", "reward_components"):
            infos[f"_{name}"] = self._all
        return infos
