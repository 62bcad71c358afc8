"""``best_fixed``: the best of the product's fixed actions for a design, chosen on training users.

The choice is made on users of their own seed stream (:func:`training_keys`), disjoint from the
held-out users every agent is evaluated on (:func:`sagym.outcomes.evaluation_keys`): choosing on
the evaluation users would let the baseline peek at the test set. Every fixed action is rolled
out on the training users in ONE batched simulation (``n_actions`` blocks of the same users) and
the action with the highest mean episode return of the design's reward is kept; ties go to the
earlier action. The policy then plays that action every day on the held-out users.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from sagym.agents.baselines import Actions, ScriptedPolicy
from sagym.envs.simulation import Simulation
from sagym.envs.user.noise import draw_keys
from sagym.rewards import Reward, make_reward

TRAIN_STREAM = 0x7B_F1ED  # spawn key of the training users' seed stream (not EVAL_STREAM)
TRAINING_USERS = 256


def training_keys(seed: int, n_users: int) -> NDArray[np.uint64]:
    """Keys of the users a reference policy is fitted on: a stream evaluation never draws."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(TRAIN_STREAM,)))
    return draw_keys(rng, n_users)


def fixed_returns(
    core: Simulation, reward: Reward, keys: NDArray[np.uint64]
) -> NDArray[np.float64]:
    """Mean episode return of ``reward`` for each fixed action of ``core``'s product on ``keys``.

    One simulation of ``n_actions × len(keys)`` users (block ``a`` always shown action ``a``).
    """
    k, n = core.n_actions, int(keys.shape[0])
    spec = dataclasses.replace(core.spec, reward=reward, reward_components=False)
    sim = Simulation(k * n, spec, core.product_type)
    sim.reset(np.tile(keys, k))
    actions = np.repeat(np.arange(k, dtype=np.int64), n)
    total = np.zeros(k * n)
    for _ in range(sim.horizon):
        _, r, *_ = sim.advance(actions)
        total += r
    out: NDArray[np.float64] = total.reshape(k, n).mean(axis=1)
    return out


class BestFixedPolicy(ScriptedPolicy):
    """The fixed action with the best training-user return of ``reward`` (chosen at ``bind``).

    Args:
        reward: the design's reward.
        seed: seed of the training users (a comparison passes its ``eval_seed``, so every cell
            of a grid fits on the same training users).
        n_users: training users.
    """

    def __init__(
        self, reward: str | Reward = "engagement", seed: int = 0, n_users: int = TRAINING_USERS
    ) -> None:
        self.reward = make_reward(reward)
        self.seed = seed
        self.n_users = n_users
        self.name = "best_fixed"
        self.behaviour: int | None = None
        self.returns: NDArray[np.float64] | None = None
        self.training_keys: NDArray[np.uint64] | None = None

    def bind(self, core: Simulation) -> None:
        self.training_keys = training_keys(self.seed, self.n_users)
        if core.model is not None:
            held_out = np.intersect1d(self.training_keys, core.model.keys)
            if held_out.size:  # 64-bit keys: practically never; never fit on a test user
                self.training_keys = np.setdiff1d(self.training_keys, held_out)
        self.returns = fixed_returns(core, self.reward, self.training_keys)
        self.behaviour = int(np.argmax(self.returns))
        self.name = f"best_fixed:{core.action_names[self.behaviour]}"

    def act(self, obs: NDArray[np.float32]) -> Actions:
        if self.behaviour is None:
            raise RuntimeError("BestFixedPolicy needs bind(core) to choose its action")
        return np.full(obs.shape[0], self.behaviour, dtype=np.int64)


__all__ = ["TRAINING_USERS", "TRAIN_STREAM", "BestFixedPolicy", "fixed_returns", "training_keys"]
