"""Single and vector Gymnasium environments for any :class:`~sagym.envs.simulation.Product`.

A product's environment is a subclass that names its product (and carries its manual)::

    class CompanionEnv(ProductEnv):
        product = Companion

The vector twin steps ``num_envs`` users in one batch with SAME_STEP autoreset, user for user
equal to ``num_envs`` single environments seeded ``seed, seed + 1, ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from sagym.envs.simulation import Product, Simulation, SimulationSpec, base_keys, info_for_user
from sagym.envs.user.model import kernel
from sagym.envs.user.noise import draw_keys, episode_key
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


# Python's and numpy's integer types (``Discrete.sample()`` gives np.int64); bool is excluded.
_PLAIN_INTS = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32,
                         np.uint16, np.uint8})  # fmt: skip


def check_action(action: Any, n_actions: int) -> int:
    """One action as an int, or a ValueError naming it and the allowed range.

    Python and numpy integers and 0-d integer arrays are accepted; floats, booleans, negative or
    out-of-range values are not.
    """
    if type(action) in _PLAIN_INTS and 0 <= action < n_actions:  # the usual case, cheaply
        return int(action)
    arr = np.asarray(action)
    if arr.ndim != 0 or arr.dtype.kind not in "iu" or not 0 <= int(arr) < n_actions:
        raise ValueError(f"action must be an integer in [0, {n_actions - 1}]; got {action!r}")
    return int(arr)


class ProductEnv(gym.Env[NDArray[np.float32], np.int64]):
    """One simulated user of a product, one day per step (subclasses set ``product``)."""

    product: ClassVar[type[Product]]
    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        reward: str | Reward = "engagement",
        horizon: int = 90,
        population: str | Population | None = None,
        user_overrides: Mapping[str, float] | None = None,
        model_config: ModelConfig | Mapping[str, float] | None = None,
        observe_latent: bool = False,
        render_mode: str | None = None,
    ) -> None:
        spec = SimulationSpec(
            horizon=horizon,
            population=population,
            reward=reward,
            user_overrides=user_overrides,
            model_config=model_config,
            observe_latent=observe_latent,
        )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None; "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.core = Simulation(1, spec, self.product)
        self.action_space = spaces.Discrete(self.core.n_actions)
        self.observation_space = spaces.Box(0.0, 1.0, (self.core.obs_dim,), dtype=np.float32)
        self._last_info: dict[str, Any] = {}
        # One read-only (1,) array per action, passed to the simulation without allocating.
        self._actions = [np.full(1, a, dtype=np.int64) for a in range(self.core.n_actions)]
        for arr in self._actions:
            arr.setflags(write=False)
        self._base_key: NDArray[np.uint64] | None = None
        self._episode = 0

    @property
    def reward_fn(self) -> Reward:
        return self.core.reward

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None or self._base_key is None:
            self._base_key = draw_keys(self.np_random, 1)
            self._episode = 0
        else:
            self._episode += 1
        self.core.reset(episode_key(self._base_key, self._episode))
        self._last_info = {"day": 0, "persona": self.core.persona_names()[0]}
        return self.core.observe()[0], dict(self._last_info)

    def step(
        self, action: np.int64 | int
    ) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        a = check_action(action, self.core.n_actions)
        if self.core.model is None:
            raise RuntimeError("call reset() before step()")
        sig, reward, terminated, truncated, components = self.core.advance(
            self._actions[a], checked=True
        )
        info = info_for_user(self.core, sig, components, 0)
        self._last_info = info
        return (
            self.core.observe()[0],
            reward.item(0),
            terminated.item(0),
            truncated.item(0),
            info,
        )

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        i = self._last_info
        if "wellbeing" not in i:
            return f"day 0 · persona {i.get('persona', '?')}"
        return (
            f"day {i['day']:3d} · {i['persona']:<11} · {i['action_name']:<18} "
            f"present={int(i['present'])} rating={i['rating']:.2f} wellbeing={i['wellbeing']:+.2f} "
            f"(twin {i['twin_wellbeing']:+.2f}) human={i['human_connection']:.2f} "
            f"dependence={i['dependence']:.2f} shift={i['induced_shift']:.2f}"
        )


class ProductVectorEnv(VectorEnv[NDArray[np.float32], NDArray[np.int64], NDArray[Any]]):
    """``num_envs`` independent users of a product in one batch (subclasses set ``product``).

    Autoreset is SAME_STEP: a finished user is replaced in the step that ends it; the returned
    observation is the new user's first, and ``infos["final_obs"]`` / ``infos["final_info"]``
    (masked by ``_final_obs`` / ``_final_info``) hold the last ones. ``infos`` carries the day's
    signals as arrays, ``persona`` and ``reward_components``.

    Besides the single environment's arguments, ``reward_components=False`` skips computing every
    reward's value and ``info_signals=False`` skips the per-step info arrays; the SB3 training
    adapter uses both, as learning reads only the reward.
    """

    product: ClassVar[type[Product]]
    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        reward: str | Reward = "engagement",
        horizon: int = 90,
        population: str | Population | None = None,
        user_overrides: Mapping[str, float] | None = None,
        model_config: ModelConfig | Mapping[str, float] | None = None,
        observe_latent: bool = False,
        render_mode: str | None = None,
        reward_components: bool = True,
        info_signals: bool = True,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"render_mode must be None for the vector env; got {render_mode!r}")
        spec = SimulationSpec(
            horizon=horizon,
            population=population,
            reward=reward,
            user_overrides=user_overrides,
            model_config=model_config,
            observe_latent=observe_latent,
            reward_components=reward_components,
        )
        self.num_envs = int(num_envs)
        self.core = Simulation(self.num_envs, spec, self.product)
        self.single_action_space = spaces.Discrete(self.core.n_actions)
        self.single_observation_space = spaces.Box(0.0, 1.0, (self.core.obs_dim,), dtype=np.float32)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.render_mode = None
        self._bases: NDArray[np.uint64] | None = None
        self._episodes = np.zeros(self.num_envs, dtype=np.uint64)
        self._all = np.ones(self.num_envs, dtype=bool)
        self._info_signals = bool(info_signals)
        self._info_masks = {
            f"_{name}": self._all
            for name in (*INFO_SIGNALS, "wellbeing_vs_twin", "persona", "reward_components")
        }

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
        sig, reward, terminated, truncated, components = self.core.step(actions)
        infos = self._infos(sig, components) if self._info_signals else {}
        done = terminated | truncated
        if done.any():
            index = np.flatnonzero(done)
            obs = self.core.observe()
            infos["final_obs"] = obs.copy()
            infos["_final_obs"] = done.copy()
            infos["final_info"] = dict(infos)
            infos["_final_info"] = done.copy()
            keys = np.empty(index.shape[0], dtype=np.uint64)
            kernel().next_episode_keys(index, self._bases, self._episodes, keys)  # episode_key
            self.core.reset_index(index, keys)
            obs[index] = self.core.observe(index)  # only the new users' first observations
            if self._info_signals:
                infos["persona"] = self.core.persona_names()
            return obs, reward, terminated, truncated, infos
        return self.core.observe(), reward, terminated, truncated, infos

    def _infos(
        self, sig: DaySignals, components: Mapping[str, NDArray[np.float64]]
    ) -> dict[str, Any]:
        infos: dict[str, Any] = dict(zip(INFO_SIGNALS, sig.read(INFO_SIGNALS), strict=True))
        infos["wellbeing_vs_twin"] = infos["wellbeing"] - infos["twin_wellbeing"]
        infos["persona"] = self.core.persona_names()
        infos["reward_components"] = components  # a mapping computed on first read
        infos.update(self._info_masks)
        return infos
