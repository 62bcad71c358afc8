"""The batched companion simulation behind every environment: users, observations, rewards.

:class:`CompanionCore` owns a :class:`~sagym.envs.user_model.UserModel` of ``n`` users and turns
it into what an agent sees (observations) and is paid (the chosen reward, and every built-in reward
as a component). The single-user environment, the native vector environment and the evaluator
all drive this one class, so they share every number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sagym.envs import companion_kernel as kernel
from sagym.envs.behaviours import ACTIONS, BEHAVIOUR_NAMES, N_BEHAVIOURS
from sagym.envs.user import noise
from sagym.envs.user.model import UserModel
from sagym.envs.user.params import WELLBEING_RANGE, ModelConfig, ParameterError, UserParams
from sagym.envs.user.population import Population, get_population
from sagym.rewards import Reward, component_rewards, make_reward
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

OBSERVATION_FEATURES: tuple[str, ...] = (
    "present_today",
    "last_session_time",
    "last_rating",
    "last_mood",
    "days_away",
    "day",
    "recent_rating",
    "recent_engagement",
    "recent_presence",
    *(f"last_action_{name}" for name in BEHAVIOUR_NAMES),
)
LATENT_FEATURES: tuple[str, ...] = (
    "autonomy_sat",
    "competence_sat",
    "relatedness_sat",
    "autonomy_frus",
    "competence_frus",
    "relatedness_frus",
    "social_time",
    "bond_quality",
    "skill",
    "dependence",
    "attachment",
    "loneliness",
    "wellbeing",
    "induced_shift",
    *(f"pref_{name}" for name in BEHAVIOUR_NAMES),
)
HISTORY_RATE = 0.3  # update rate of the observed recent averages (about a week's memory)


@dataclass(frozen=True)
class CompanionSpec:
    """Arguments shared by every companion environment; validated once."""

    horizon: int = 90
    population: str | Population = "default"
    reward: str | Reward = "engagement"
    user_overrides: Mapping[str, float] | None = None
    model_config: ModelConfig | Mapping[str, float] | None = None
    observe_latent: bool = False
    reward_components: bool = True  # compute every reward's value for info (off in training)

    def __post_init__(self) -> None:
        if not isinstance(self.horizon, int | np.integer) or not 1 <= int(self.horizon) <= 3650:
            raise ParameterError(
                f"horizon must be an integer in [1, 3650] days; got {self.horizon!r}"
            )


class CompanionCore:
    """``n`` users, their observation history, and the reward bookkeeping."""

    def __init__(self, n_users: int, spec: CompanionSpec) -> None:
        if n_users < 1:
            raise ValueError(f"n_users must be >= 1; got {n_users}")
        self.n_users = int(n_users)
        self.spec = spec
        self.horizon = int(spec.horizon)
        self.population = get_population(spec.population)
        cfg = spec.model_config
        if cfg is None:
            self.config = ModelConfig()
        elif isinstance(cfg, ModelConfig):
            self.config = cfg
        else:
            self.config = ModelConfig().replace(**dict(cfg))
        self.overrides = dict(spec.user_overrides or {})
        UserParams.uniform_defaults(1).with_overrides(self.overrides)  # validates names and ranges
        self.reward = make_reward(spec.reward)
        self.components = component_rewards() if spec.reward_components else {}
        self.observe_latent = bool(spec.observe_latent)
        self.obs_dim = len(OBSERVATION_FEATURES) + (
            len(LATENT_FEATURES) if self.observe_latent else 0
        )
        self.model: UserModel | None = None
        self._hist = np.zeros((self.n_users, 6))
        self._last_action = np.full(self.n_users, -1, dtype=np.int64)
        self._all_rows = np.arange(self.n_users, dtype=np.int64)

    # ----------------------------------------------------------------------------------- users
    def reset(self, keys: NDArray[np.uint64]) -> None:
        """Sample a fresh user for every slot from its key."""
        self.model = UserModel.sample(ACTIONS, self.population, keys, self.config, self.overrides)
        self._forget(self._all_rows)

    def reset_index(self, index: NDArray[np.intp], keys: NDArray[np.uint64]) -> None:
        """Replace the users in the given slots (autoreset)."""
        assert self.model is not None
        self.model.resample(index, keys)
        self._forget(index)

    def _forget(self, rows: NDArray[np.intp]) -> None:
        """What the assistant remembers of new users: nothing yet, their first mood, present."""
        assert self.model is not None
        self._hist[rows] = 0.0
        self._hist[rows, 2] = self.model.state.mood[rows]
        self._hist[rows, 5] = 1.0
        self._last_action[rows] = -1

    @property
    def persona(self) -> NDArray[np.int64]:
        """The persona index of every user (into ``population.persona_names``)."""
        assert self.model is not None, "call reset() first"
        return self.model.persona

    def persona_names(self) -> NDArray[np.object_]:
        """The persona label of every user, as an object array."""
        labels = np.array(self.population.persona_names, dtype=object)
        out: NDArray[np.object_] = labels[self.persona]
        return out

    # ----------------------------------------------------------------------------- observing
    def observe(self, rows: NDArray[np.intp] | None = None) -> NDArray[np.float32]:
        """Observations of every user, or of the users at ``rows``."""
        assert self.model is not None, "call reset() first"
        s = self.model.state
        index = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        obs = np.zeros((index.shape[0], self.obs_dim), dtype=np.float32)
        kernel.observe_kernel(
            index, s.present, s.days_away, s.day, self._hist, self._last_action,
            float(self.config.churn_days), float(self.horizon), obs,
        )  # fmt: skip
        r: NDArray[np.intp] | slice = slice(None) if rows is None else rows
        if self.observe_latent:
            base = 9 + N_BEHAVIOURS
            low, high = WELLBEING_RANGE
            obs[:, base : base + 3] = s.sat[0, r]
            obs[:, base + 3 : base + 6] = s.frus[0, r]
            obs[:, base + 6] = s.social[0, r]
            obs[:, base + 7] = s.bond[0, r]
            obs[:, base + 8] = s.skill[0, r]
            obs[:, base + 9] = s.dependence[0, r]
            obs[:, base + 10] = s.attachment[0, r]
            obs[:, base + 11] = s.loneliness[0, r]
            obs[:, base + 12] = (s.wellbeing[0, r] - low) / (high - low)
            obs[:, base + 13] = 0.5 * np.abs(s.prefs[0, r] - s.prefs[1, r]).sum(axis=-1)
            obs[:, base + 14 :] = s.prefs[0, r]
        return obs

    # -------------------------------------------------------------------------------- acting
    def step(
        self, actions: NDArray[np.int64]
    ) -> tuple[DaySignals, FloatArray, NDArray[np.bool_], NDArray[np.bool_], RewardComponents]:
        """One day for every user: signals, reward, terminated, truncated, reward components."""
        assert self.model is not None, "call reset() first"
        a = np.asarray(actions, dtype=np.int64).reshape(self.n_users)
        if a.min() < 0 or a.max() >= N_BEHAVIOURS:
            raise ValueError(f"actions must lie in [0, {N_BEHAVIOURS - 1}]; got {a}")
        sig = self.model.step(a)
        reward = _as_floats(self.reward(sig))
        components = RewardComponents(self.components, sig)

        kernel.history_kernel(
            self._hist, self._last_action, a, sig.present, sig.session_time, sig.rating,
            sig.mood, HISTORY_RATE,
        )  # fmt: skip

        terminated = sig.churned.copy()
        truncated = (self.model.state.day >= self.horizon) & ~terminated
        return sig, reward, terminated, truncated, components


class RewardComponents(Mapping[str, FloatArray]):
    """Every registered reward's value for one day, computed when first read.

    A vector environment reports all of them in ``info["reward_components"]``; evaluating ten
    reward functions over a large batch costs as much as a sixth of the day's simulation, so each
    is computed only if someone reads it (and then once).
    """

    def __init__(self, rewards: Mapping[str, Reward], signals: DaySignals) -> None:
        self._rewards = rewards
        self._signals = signals
        self._values: dict[str, FloatArray] = {}

    def __getitem__(self, name: str) -> FloatArray:
        value = self._values.get(name)
        if value is None:
            value = _as_floats(self._rewards[name](self._signals))
            self._values[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._rewards)

    def __len__(self) -> int:
        return len(self._rewards)

    def __repr__(self) -> str:
        return f"RewardComponents({sorted(self._rewards)})"


def _as_floats(value: Any) -> FloatArray:
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value
    return np.asarray(value, dtype=np.float64)


def base_keys(seeds: list[int | None] | int | None, n: int) -> NDArray[np.uint64]:
    """One base key per slot, from a generator seeded like Gymnasium's vector envs (``seed + i``).

    Slot ``i``'s ``e``-th user has key ``noise.episode_key(base_i, e)``: the same users as a
    single environment seeded ``seed + i`` and reset ``e`` times, with no Python loop at autoreset.
    """
    if isinstance(seeds, list):
        if len(seeds) != n:
            raise ValueError(f"seed list must have {n} entries; got {len(seeds)}")
        per_slot: list[int | None] = list(seeds)
    elif seeds is None:
        per_slot = [int(s) for s in np.random.SeedSequence().generate_state(n)]
    else:
        per_slot = [int(seeds) + i for i in range(n)]
    return np.array(
        [noise.draw_keys(np.random.default_rng(s), 1)[0] for s in per_slot], dtype=np.uint64
    )


def info_for_user(
    core: CompanionCore, sig: DaySignals, components: Mapping[str, FloatArray], i: int
) -> dict[str, Any]:
    """The single-environment ``info`` dict of user ``i``."""
    return {
        "day": int(core.model.state.day[i]) if core.model is not None else 0,
        "persona": core.population.persona_names[int(core.persona[i])],
        "action_name": BEHAVIOUR_NAMES[int(sig.action[i])],
        "present": bool(sig.present[i]),
        "session_time": float(sig.session_time[i]),
        "rating": float(sig.rating[i]),
        "wellbeing": float(sig.wellbeing[i]),
        "twin_wellbeing": float(sig.twin_wellbeing[i]),
        "wellbeing_vs_twin": float(sig.wellbeing[i] - sig.twin_wellbeing[i]),
        "human_connection": float(sig.human_connection[i]),
        "twin_human_connection": float(sig.twin_human_connection[i]),
        "dependence": float(sig.dependence[i]),
        "attachment": float(sig.attachment[i]),
        "loneliness": float(sig.loneliness[i]),
        "skill": float(sig.skill[i]),
        "needs_sat": sig.need_sat[i].copy(),
        "needs_frus": sig.need_frus[i].copy(),
        "induced_shift": float(sig.induced_shift[i]),
        "drift_from_initial": float(sig.drift_from_initial[i]),
        "violation": bool(sig.violation[i]),
        "churned": bool(sig.churned[i]),
        "reward_components": {k: float(v[i]) for k, v in components.items()},
    }
