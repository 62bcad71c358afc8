"""A planner on the simulator itself: the yardstick a trained agent's return is scored against.

Model-predictive control with the *true* state. Each day, for every user, the planner evaluates
candidate plans "action ``a`` today, then continuation ``c`` every day after" for every pair of
the product's actions (``c == a`` is "repeat ``a``"), by rolling out copies of the user for the
rest of the horizon (or a lookahead window), picks the first action of the best plan, lets the real
simulation take that one day, and plans again the next day. All users × candidates of a day run
in ONE batched :class:`~sagym.envs.simulation.Simulation` (``n_users × n_actions²`` copies, made
with :meth:`Simulation.load_users`), so planning costs a few hundred batched kernel calls a day
rather than a Python loop per user.

**An oracle no deployed system has.** The planner reads the latent state (needs, preferences,
dependence, the product's memory) and, because a user's noise is counter-based (a function of the
user's key and the day), a rollout from the copied state sees the user's *true* future noise: it
is clairvoyant, not merely well informed. Its return is an upper reference, not an achievable
target for an agent that sees only the deployable observation; a score of 1 means "as good as
this oracle", and a trained agent may in principle exceed it (the planner searches only
one-switch plans).

The planner maximises the undiscounted episode return of its reward (the design's return), the
same quantity ``return`` reports.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from sagym.agents.baselines import Actions, ScriptedPolicy
from sagym.envs.simulation import Simulation
from sagym.rewards import Reward, make_reward

#: Days each candidate plan is rolled out (None: to the end of the horizon). A full-horizon
#: rollout values durable stocks (skill, bonds) that a short window would miss; see
#: docs/performance.md for its cost.
DEFAULT_LOOKAHEAD: int | None = None


class PlannerPolicy(ScriptedPolicy):
    """Re-planned each day by batched rollouts of ``a today, then c`` for every action pair.

    Args:
        reward: the reward whose episode return is maximised (the design's).
        lookahead: days each plan is rolled out (``None``: the rest of the horizon).
    """

    needs_simulator = True

    def __init__(self, reward: str | Reward = "engagement", lookahead: int | None = None) -> None:
        if lookahead is not None and lookahead < 1:
            raise ValueError(f"lookahead must be >= 1 day or None; got {lookahead}")
        self.reward = make_reward(reward)
        self.lookahead = lookahead
        self.name = "planner"
        self.core: Simulation | None = None
        self._plans: Simulation | None = None
        self.simulated_user_days = 0

    def bind(self, core: Simulation) -> None:
        self.core = core
        self._plans = None

    def _plan_simulation(self, core: Simulation) -> Simulation:
        """One simulation of ``n_users × n_actions²`` slots, built once and reloaded each day."""
        n_plans = core.n_actions * core.n_actions
        if self._plans is None or self._plans.n_users != core.n_users * n_plans:
            spec = dataclasses.replace(core.spec, reward=self.reward, reward_components=False)
            plans = Simulation(core.n_users * n_plans, spec, core.product_type)
            assert core.model is not None
            plans.reset(np.tile(core.model.keys, n_plans))
            self._plans = plans
        return self._plans

    def act(self, obs: NDArray[np.float32]) -> Actions:
        core = self.core
        if core is None or core.model is None:
            raise RuntimeError("PlannerPolicy needs bind(core) with a reset simulation")
        n, k = core.n_users, core.n_actions
        if obs.shape[0] != n:
            raise ValueError(f"the planner acts for all {n} users of its simulation at once")
        plans = self._plan_simulation(core)
        # Slot j = plan * n + user; plan = first * k + continuation.
        plan = np.arange(k * k)
        first = np.repeat(plan // k, n).astype(np.int64)
        then = np.repeat(plan % k, n).astype(np.int64)
        plans.load_users(core, np.tile(np.arange(n), k * k))
        left = int(core.horizon - core.model.state.day.min())
        days = max(1, left if self.lookahead is None else min(self.lookahead, left))
        total = np.zeros(plans.n_users)
        for day in range(days):
            _, reward, *_ = plans.advance(first if day == 0 else then)
            total += reward
        self.simulated_user_days += days * plans.n_users
        value = total.reshape(k, k, n).max(axis=1)  # best continuation of each first action
        out: Actions = np.argmax(value, axis=0).astype(np.int64)
        return out


__all__ = ["DEFAULT_LOOKAHEAD", "PlannerPolicy"]
