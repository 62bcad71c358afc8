"""Scripted baselines behind SB3's ``predict`` interface, so they sit in the same tables.

* ``random``: a uniformly random behaviour each day (seeded).
* ``fixed:<behaviour>``: always the same behaviour, e.g. ``fixed:scaffolding``.
* ``heuristic``: a need-supportive rule set (scaffold, offer choices, redirect to humans, and
  suggest a break when use runs high), the kind of policy a careful designer would write by hand.
* ``greedy``: myopic one-step lookahead on the simulator itself: tries every behaviour on a copy
  of each user and picks today's best for a given reward. It sees the latent state, so it is an
  upper bound for a perfectly informed short-term optimiser.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sagym.envs.behaviours import BEHAVIOUR_NAMES, N_BEHAVIOURS, Behaviour
from sagym.envs.core import CompanionCore
from sagym.rewards import Reward, make_reward

Actions = NDArray[np.int64]


class ScriptedPolicy:
    """Base class: ``predict(obs, state, episode_start, deterministic) -> (actions, state)``."""

    name = "scripted"
    needs_simulator = False

    def predict(
        self,
        observation: NDArray[np.float32],
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Actions, Any]:
        obs = np.atleast_2d(np.asarray(observation))
        return self.act(obs), state

    def act(self, obs: NDArray[np.float32]) -> Actions:
        raise NotImplementedError

    def bind(self, core: CompanionCore) -> None:
        """Give the policy the simulator it acts in (only lookahead policies use it)."""


class RandomPolicy(ScriptedPolicy):
    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: NDArray[np.float32]) -> Actions:
        out: Actions = np.asarray(
            self.rng.integers(0, N_BEHAVIOURS, size=obs.shape[0]), dtype=np.int64
        )
        return out


class FixedPolicy(ScriptedPolicy):
    def __init__(self, behaviour: int | str) -> None:
        if isinstance(behaviour, str):
            if behaviour not in BEHAVIOUR_NAMES:
                raise ValueError(
                    f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOUR_NAMES)}"
                )
            behaviour = BEHAVIOUR_NAMES.index(behaviour)
        if not 0 <= behaviour < N_BEHAVIOURS:
            raise ValueError(f"behaviour must lie in [0, {N_BEHAVIOURS - 1}]; got {behaviour}")
        self.behaviour = int(behaviour)
        self.name = f"fixed:{BEHAVIOUR_NAMES[self.behaviour]}"

    def act(self, obs: NDArray[np.float32]) -> Actions:
        return np.full(obs.shape[0], self.behaviour, dtype=np.int64)


class NeedSupportiveHeuristic(ScriptedPolicy):
    """Scaffold, offer choices and redirect to people in turn; suggest a break when use is high.

    Reads only the deployable observation: the day index picks the turn, and recent engagement
    above ``break_threshold`` triggers a break suggestion.
    """

    name = "heuristic"
    CYCLE = (Behaviour.SCAFFOLDING, Behaviour.OFFER_CHOICES, Behaviour.REDIRECT_TO_HUMANS)

    def __init__(self, break_threshold: float = 0.45, horizon: int = 90) -> None:
        self.break_threshold = break_threshold
        self.horizon = horizon

    def act(self, obs: NDArray[np.float32]) -> Actions:
        day = np.rint(obs[:, 5] * self.horizon).astype(np.int64)
        cycle = np.array([int(b) for b in self.CYCLE], dtype=np.int64)
        actions = cycle[day % len(cycle)]
        heavy = obs[:, 7] > self.break_threshold
        return np.where(heavy, int(Behaviour.SUGGEST_BREAK), actions).astype(np.int64)


class MyopicGreedyPolicy(ScriptedPolicy):
    """Picks, per user, the behaviour with the highest reward today (one-step lookahead)."""

    needs_simulator = True

    def __init__(self, reward: str | Reward = "satisfaction") -> None:
        self.reward = make_reward(reward)
        self.name = f"greedy:{self.reward.spec()}"
        self.core: CompanionCore | None = None

    def bind(self, core: CompanionCore) -> None:
        self.core = core

    def act(self, obs: NDArray[np.float32]) -> Actions:
        if self.core is None or self.core.model is None:
            raise RuntimeError("MyopicGreedyPolicy needs bind(core) with a reset simulator")
        model = self.core.model
        n = model.n_users
        values = np.empty((N_BEHAVIOURS, n))
        for a in range(N_BEHAVIOURS):
            trial = copy.deepcopy(model)
            values[a] = self.reward(trial.step(np.full(n, a, dtype=np.int64)))
        return np.argmax(values, axis=0).astype(np.int64)


BASELINES = ("random", "heuristic", "greedy", *(f"fixed:{b}" for b in BEHAVIOUR_NAMES))


def is_baseline(algo: str) -> bool:
    return algo in ("random", "heuristic") or algo.startswith(("fixed:", "greedy"))


def make_baseline(
    algo: str, seed: int = 0, reward: str | Reward = "satisfaction", horizon: int = 90
) -> ScriptedPolicy:
    """Build a scripted baseline by name (see :data:`BASELINES`)."""
    if algo == "random":
        return RandomPolicy(seed)
    if algo == "heuristic":
        return NeedSupportiveHeuristic(horizon=horizon)
    if algo.startswith("fixed:"):
        return FixedPolicy(algo.split(":", 1)[1])
    if algo == "greedy":
        return MyopicGreedyPolicy(reward)
    if algo.startswith("greedy:"):
        return MyopicGreedyPolicy(algo.split(":", 1)[1])
    raise ValueError(f"unknown baseline {algo!r}; known: {', '.join(BASELINES)}")
