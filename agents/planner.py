"""A planner on the simulator itself: the yardstick a trained agent's return is scored against.

Model-predictive control with the *true* state. Each day, for every user, the planner evaluates
candidate plans "action ``a`` today, then continuation ``c`` every day after" for every pair of
the product's actions (``c == a`` is "repeat ``a``") and, with ``alternate``, "``a`` today, then
``c``, ``a``, ``c``, ..." (a rhythm such as hooks and intimacy taking turns as each wears out,
which no one-switch plan can value), by rolling out copies of the user for the rest of the
horizon (or a lookahead window); it picks the first action of the best plan, lets the real
simulation take that one day, and plans again the next day. All users × candidates of a day run
in ONE batched :class:`~sagym.envs.simulation.Simulation` (copies made with
:meth:`Simulation.load_users`), so planning costs a few hundred batched kernel calls a day rather
than a Python loop per user.

**An oracle no deployed system has.** The planner reads the latent state (needs, preferences,
dependence, the product's memory). It does *not* see the future: each candidate plan is rolled
out on ``futures`` imagined futures (the copied users with a noise key of the planner's own,
drawn from its seed and the day, the same for every plan so that plans are compared on common
random numbers) and valued by its mean return. It is therefore a policy of the true state, the
best state-dependent policy this search finds. With ``futures=0`` it rolls out the users' own
keys instead: because a user's noise is counter-based (a function of the key and the day), it
then sees the *true* future noise and is clairvoyant, a hindsight bound that no policy, however
well informed, can reach (on Companion-v1 it earns 3–10 % more than with 2 imagined futures; see
``docs/performance.md``). A trained agent may in principle beat the planner (it searches only
one-switch and alternating plans).

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
#: Continuations kept per user between full searches, and the days between full searches.
DEFAULT_CONTINUATIONS: int | None = 2
DEFAULT_REFRESH = 10
#: Imagined futures each plan is valued on (0: the users' true future noise, clairvoyant).
DEFAULT_FUTURES = 2


class PlannerPolicy(ScriptedPolicy):
    """Re-planned each day by batched rollouts of ``a today, then c`` (and ``c, a, c, ...``) plans.

    Every ``refresh`` days (and on the first) all ``n_actions²`` pairs are rolled out (twice with
    ``alternate``); in between, each user's continuations are narrowed to the ``continuations``
    best of the last full search (by their best one-switch plan's value) plus "repeat ``a``", so
    a day costs ``n_actions × (continuations + 1)`` rollouts per user (``n_actions ×
    (2 continuations + 1)`` with ``alternate``) instead of ``n_actions²``.

    Args:
        reward: the reward whose episode return is maximised (the design's).
        lookahead: days each plan is rolled out (``None``: the rest of the horizon).
        continuations: continuations kept per user between full searches (``None``: all, every
            day).
        refresh: days between full searches.
        futures: imagined futures each plan is rolled out on, its value the mean return (0: the
            users' true future noise, a clairvoyant hindsight bound).
        seed: seed of the imagined futures' noise keys.
        alternate: also roll out the alternating plans ``a, c, a, c, ...``.
    """

    needs_simulator = True

    def __init__(
        self,
        reward: str | Reward = "engagement",
        lookahead: int | None = DEFAULT_LOOKAHEAD,
        continuations: int | None = DEFAULT_CONTINUATIONS,
        refresh: int = DEFAULT_REFRESH,
        futures: int = DEFAULT_FUTURES,
        seed: int = 0,
        alternate: bool = True,
    ) -> None:
        if lookahead is not None and lookahead < 1:
            raise ValueError(f"lookahead must be >= 1 day or None; got {lookahead}")
        if continuations is not None and continuations < 1:
            raise ValueError(f"continuations must be >= 1 or None; got {continuations}")
        if refresh < 1:
            raise ValueError(f"refresh must be >= 1 day; got {refresh}")
        if futures < 0:
            raise ValueError(f"futures must be >= 0 (0: the true future noise); got {futures}")
        self.reward = make_reward(reward)
        self.lookahead = lookahead
        self.continuations = continuations
        self.refresh = refresh
        self.futures = futures
        self.seed = seed
        self.alternate = alternate
        self.name = "planner"
        self.core: Simulation | None = None
        self._sims: dict[int, Simulation] = {}
        self._kept: NDArray[np.int64] | None = None  # (continuations, n_users)
        self._day = 0
        self.simulated_user_days = 0

    def bind(self, core: Simulation) -> None:
        self.core = core
        self._sims = {}
        self._kept = None
        self._day = 0

    def _simulation(self, core: Simulation, n_plans: int) -> Simulation:
        """A simulation of ``n_users × n_plans`` slots, built once and reloaded each day."""
        sim = self._sims.get(n_plans)
        if sim is None:
            spec = dataclasses.replace(core.spec, reward=self.reward, reward_components=False)
            sim = Simulation(core.n_users * n_plans, spec, core.product_type, observed=False)
            assert core.model is not None
            sim.reset(np.tile(core.model.keys, n_plans))
            self._sims[n_plans] = sim
        return sim

    def _values(
        self, core: Simulation, first: Actions, then: Actions, even: Actions | None = None
    ) -> NDArray[np.float64]:
        """Return of each plan slot (``slot = plan * n_users + user``) over the lookahead: the
        slot takes ``first`` today, then ``then`` on odd days after and ``even`` (default:
        ``then``) on even days."""
        even = then if even is None else even
        assert core.model is not None
        n_plans = first.shape[0] // core.n_users
        sim = self._simulation(core, n_plans)
        left = int(core.horizon - core.model.state.day.min())
        days = max(1, left if self.lookahead is None else min(self.lookahead, left))
        total = np.zeros(sim.n_users)
        for future in range(max(1, self.futures)):
            sim.load_users(core, np.tile(np.arange(core.n_users), n_plans))
            if self.futures:
                assert sim.model is not None
                sim.model.keys[:] = self._imagined_key(future)
            for day in range(days):
                _, reward, *_ = sim.advance(first if day == 0 else then if day % 2 else even)
                total += reward
            self.simulated_user_days += days * sim.n_users
        return total / max(1, self.futures)

    def _imagined_key(self, future: int) -> np.uint64:
        """The noise key of one imagined future, the same for every user: a function of the
        planner's seed, the day and the future's number alone. The plan chosen for a user is
        thereby a function of the user's state and the day (two users in the same state get the
        same action, whatever their own future holds), and a run re-plans bit for bit."""
        rng = np.random.default_rng([self.seed, self._day, future])
        return np.uint64(rng.integers(0, 2**63, dtype=np.uint64))

    def act(self, obs: NDArray[np.float32]) -> Actions:
        core = self.core
        if core is None or core.model is None:
            raise RuntimeError("PlannerPolicy needs bind(core) with a reset simulation")
        n, k = core.n_users, core.n_actions
        if obs.shape[0] != n:
            raise ValueError(f"the planner acts for all {n} users of its simulation at once")
        full = self._kept is None or self.continuations is None or self._day % self.refresh == 0
        self._day += 1
        if full:
            plan = np.arange(k * k)
            first = np.repeat(plan // k, n).astype(np.int64)
            then = np.repeat(plan % k, n).astype(np.int64)
            if self.alternate:  # the same pairs again, alternating: (k, k, n) twice
                both = self._values(
                    core, np.tile(first, 2), np.tile(then, 2), np.concatenate([then, first])
                ).reshape(2, k, k, n)
                value, best = both[0], both.max(axis=(0, 2))
            else:
                value = self._values(core, first, then).reshape(k, k, n)
                best = value.max(axis=1)  # (k, n): the best continuation of each first action
            if self.continuations is not None and self.continuations < k:
                by_continuation = value.max(axis=0)  # (k, n): the best plan ending in c
                order = np.argsort(-by_continuation, axis=0, kind="stable")
                self._kept = order[: self.continuations].astype(np.int64)
        else:
            assert self._kept is not None
            m = self._kept.shape[0] + 1
            options = np.concatenate([np.zeros((1, n), dtype=np.int64), self._kept])  # (m, n)
            first = np.repeat(np.arange(k, dtype=np.int64), m * n)
            then_grid = np.broadcast_to(options, (k, m, n)).copy()
            then_grid[:, 0, :] = np.arange(k)[:, None]  # "repeat a"
            then = then_grid.reshape(-1)
            if self.alternate:  # and "a, c, a, c, ..." for each kept c
                alt_first = np.repeat(np.arange(k, dtype=np.int64), (m - 1) * n)
                alt_then = np.broadcast_to(self._kept, (k, m - 1, n)).reshape(-1)
                value = self._values(
                    core,
                    np.concatenate([first, alt_first]),
                    np.concatenate([then, alt_then]),
                    np.concatenate([then, alt_first]),
                )
                split = k * m * n
                best = np.maximum(
                    value[:split].reshape(k, m, n).max(axis=1),
                    value[split:].reshape(k, m - 1, n).max(axis=1),
                )
            else:
                best = self._values(core, first, then).reshape(k, m, n).max(axis=1)
        out: Actions = np.argmax(best, axis=0).astype(np.int64)
        return out


__all__ = ["DEFAULT_CONTINUATIONS", "DEFAULT_LOOKAHEAD", "DEFAULT_REFRESH", "PlannerPolicy"]
