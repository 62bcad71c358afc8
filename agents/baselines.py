"""Scripted baselines behind SB3's ``predict`` interface, so they sit in the same tables.

Every baseline works on any product: it is bound to the simulation it acts in (``bind``, done by
the evaluator) and reads the product's actions and observation features by name.

* ``random``: a uniformly random action of the product each day (seeded).
* ``fixed:<action>``: always the same action, e.g. ``fixed:scaffolding`` (Companion-v0) or
  ``fixed:quality`` (Feed-v0).
* ``heuristic``: a need-supportive rule set: the product's ``supportive_cycle`` in turn (for the
  companion: scaffold, offer choices, redirect to humans), and its ``break_action`` when recent
  engagement runs high, the kind of policy a careful designer would write by hand.
* ``greedy``: myopic one-step lookahead on the simulator itself: tries every action on a copy
  of each user and picks today's best for a given reward. It sees the latent state, so it is an
  upper bound for a perfectly informed short-term optimiser.

Two *reference policies* are made for one reward design (a comparison evaluates them once per
design, and their rows carry that design's reward):

* ``best_fixed``: the product's fixed action with the best return of the design, chosen on
  training users disjoint from the held-out ones (:mod:`sagym.agents.best_fixed`).
* ``planner``: model-predictive control on the simulator with the true state and the true future
  noise, re-planned each day (:mod:`sagym.agents.planner`): an oracle no deployed system has, the
  yardstick of the ``score`` column.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sagym.config import is_baseline as is_baseline  # re-exported: one rule, light to import
from sagym.envs.behaviours import BEHAVIOUR_NAMES, N_BEHAVIOURS
from sagym.envs.simulation import Simulation
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

    def bind(self, core: Simulation) -> None:
        """Give the policy the simulation it acts in: its product's actions and features."""


class RandomPolicy(ScriptedPolicy):
    """A uniformly random action each day (the companion's 8 until bound to a simulation)."""

    name = "random"

    def __init__(self, seed: int = 0, n_actions: int = N_BEHAVIOURS) -> None:
        self.rng = np.random.default_rng(seed)
        self.n_actions = n_actions

    def bind(self, core: Simulation) -> None:
        self.n_actions = core.n_actions

    def act(self, obs: NDArray[np.float32]) -> Actions:
        out: Actions = np.asarray(
            self.rng.integers(0, self.n_actions, size=obs.shape[0]), dtype=np.int64
        )
        return out


def _action_index(action: str, names: tuple[str, ...]) -> int:
    if action not in names:
        raise ValueError(f"unknown behaviour {action!r}; known: {', '.join(names)}")
    return names.index(action)


class FixedPolicy(ScriptedPolicy):
    """Always the same action, by index or by name (a name is resolved against the product)."""

    def __init__(self, behaviour: int | str, names: tuple[str, ...] = BEHAVIOUR_NAMES) -> None:
        self.label = behaviour
        self._bind_names(names)

    def _bind_names(self, names: tuple[str, ...]) -> None:
        index = _action_index(self.label, names) if isinstance(self.label, str) else int(self.label)
        if not 0 <= index < len(names):
            raise ValueError(f"action must lie in [0, {len(names) - 1}]; got {index}")
        self.behaviour = index
        self.name = f"fixed:{names[index]}"

    def bind(self, core: Simulation) -> None:
        self._bind_names(core.action_names)

    def act(self, obs: NDArray[np.float32]) -> Actions:
        return np.full(obs.shape[0], self.behaviour, dtype=np.int64)


class NeedSupportiveHeuristic(ScriptedPolicy):
    """The product's supportive actions in turn; its break action when use is high.

    Reads only the deployable observation, by feature name: the ``day`` feature picks the turn,
    and ``recent_engagement`` above ``break_threshold`` triggers the break action. Until bound to
    a simulation it acts in the companion (scaffold, offer choices, redirect to humans; suggest a
    break).
    """

    name = "heuristic"

    def __init__(self, break_threshold: float = 0.45, horizon: int = 90) -> None:
        from sagym.envs.companion import Companion

        self.break_threshold = break_threshold
        self.horizon = horizon
        self._configure(Companion.features, Companion.action_names, Companion)

    def _configure(self, features: tuple[str, ...], names: tuple[str, ...], product: Any) -> None:
        if not product.supportive_cycle or product.break_action is None:
            raise ValueError(
                f"{product.__name__} declares no supportive_cycle and break_action: "
                "it has no heuristic baseline"
            )
        self.day_col = features.index("day")
        self.engagement_col = features.index("recent_engagement")
        self.cycle = np.array([_action_index(a, names) for a in product.supportive_cycle])
        self.break_index = _action_index(product.break_action, names)

    def bind(self, core: Simulation) -> None:
        self._configure(core.features, core.action_names, core.product_type)

    def act(self, obs: NDArray[np.float32]) -> Actions:
        day = np.rint(obs[:, self.day_col] * self.horizon).astype(np.int64)
        actions = self.cycle[day % len(self.cycle)]
        heavy = obs[:, self.engagement_col] > self.break_threshold
        return np.where(heavy, self.break_index, actions).astype(np.int64)


class MyopicGreedyPolicy(ScriptedPolicy):
    """Picks, per user, the action with the highest reward today (one-step lookahead)."""

    needs_simulator = True

    def __init__(self, reward: str | Reward = "satisfaction") -> None:
        self.reward = make_reward(reward)
        self.name = f"greedy:{self.reward.spec()}"
        self.core: Simulation | None = None

    def bind(self, core: Simulation) -> None:
        self.core = core

    def act(self, obs: NDArray[np.float32]) -> Actions:
        if self.core is None or self.core.model is None:
            raise RuntimeError("MyopicGreedyPolicy needs bind(core) with a reset simulator")
        n = self.core.model.n_users
        values = np.empty((self.core.n_actions, n))
        for a in range(self.core.n_actions):
            model, product = copy.deepcopy((self.core.model, self.core.product))
            chosen = np.full(n, a, dtype=np.int64)
            effects, exposure = product.show(chosen, model)
            values[a] = self.reward(model.day(effects, exposure, chosen))
        return np.argmax(values, axis=0).astype(np.int64)


BASELINES = (
    "random",
    "heuristic",
    "greedy",
    "best_fixed",
    "planner",
    *(f"fixed:{b}" for b in BEHAVIOUR_NAMES),
)


def baselines_for(env: str) -> tuple[str, ...]:
    """The baseline names available in an environment (``fixed:<action>`` for its actions)."""
    from sagym.envs.lookup import env_product

    product = env_product(env)
    heuristic = ("heuristic",) if product.supportive_cycle else ()
    return (
        "random",
        *heuristic,
        "greedy",
        "best_fixed",
        "planner",
        *(f"fixed:{a}" for a in product.action_names),
    )


def make_baseline(
    algo: str,
    seed: int = 0,
    reward: str | Reward = "satisfaction",
    horizon: int = 90,
    env: str | None = None,
    eval_seed: int = 0,
) -> ScriptedPolicy:
    """Build a scripted baseline by name (see :func:`baselines_for`).

    ``reward`` is the design of ``greedy``, ``best_fixed`` and ``planner``; ``eval_seed`` seeds
    the training users ``best_fixed`` chooses on (disjoint from the held-out users of that seed).

    With ``env`` the baseline is checked against that environment's product (a ``fixed:`` action
    must be one of its actions); without, it is resolved when the evaluator binds it.
    """
    names = BEHAVIOUR_NAMES
    if env is not None:
        from sagym.envs.lookup import env_product

        product = env_product(env)
        names = product.action_names
        if algo == "heuristic" and not product.supportive_cycle:
            raise ValueError(f"env {env!r} has no heuristic baseline")
    if algo == "random":
        return RandomPolicy(seed, n_actions=len(names))
    if algo == "heuristic":
        return NeedSupportiveHeuristic(horizon=horizon)
    if algo.startswith("fixed:"):
        label = algo.split(":", 1)[1]
        return FixedPolicy(label, names if env is not None or label in names else (label,))
    if algo == "greedy":
        return MyopicGreedyPolicy(reward)
    if algo == "best_fixed":
        from sagym.agents.best_fixed import BestFixedPolicy

        return BestFixedPolicy(reward, seed=eval_seed)
    if algo == "planner":
        from sagym.agents.planner import PlannerPolicy

        return PlannerPolicy(reward)
    if algo.startswith("greedy:"):
        return MyopicGreedyPolicy(algo.split(":", 1)[1])
    raise ValueError(f"unknown baseline {algo!r}; known: {', '.join(BASELINES)}")
