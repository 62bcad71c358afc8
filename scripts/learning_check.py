"""Learning check: do trained agents beat the random baseline on the reward they were trained on?

Trains PPO on ``engagement`` and on ``need_support`` over several seeds, evaluates each agent and
the random baseline on the same held-out users, and prints the trained reward's outcome for both
with 95 % bootstrap intervals over seeds and the probability that the agent beats random::

    python scripts/learning_check.py --seeds 3 --steps 100000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence

import numpy as np

from sagym.agents.training import TrainConfig, train
from sagym.stats import bootstrap_ci, probability_of_improvement

CHECKS: tuple[tuple[str, str], ...] = (
    ("engagement", "engagement"),
    ("need_support", "need_support"),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--eval-users", type=int, default=256)
    args = parser.parse_args(argv)
    out = tempfile.mkdtemp(prefix="sagym-learning-")
    print(f"{'reward':14s} {'metric':14s} {'PPO mean [95% CI]':>28s} {'random mean [95% CI]':>28s} "
          f"{'P(PPO > random)':>16s}")  # fmt: skip
    for reward, metric in CHECKS:
        values: dict[str, list[float]] = {"ppo": [], "random": []}
        for algo in values:
            for seed in range(args.seeds):
                cfg = TrainConfig(
                    reward=reward, algo=algo, seed=seed, steps=args.steps if algo == "ppo" else 0,
                    eval_users=args.eval_users, out=out, run_name=f"{reward}-{algo}-{seed}",
                    wandb="disabled", progress=False,
                )  # fmt: skip
                values[algo].append(train(cfg).outcomes[metric])
        cells = []
        for algo in ("ppo", "random"):
            mean, low, high = bootstrap_ci(np.array(values[algo]), seed=0)
            cells.append(f"{mean:8.3f} [{low:7.3f}, {high:7.3f}]")
        poi = probability_of_improvement(values["ppo"], values["random"])
        print(f"{reward:14s} {metric:14s} {cells[0]:>28s} {cells[1]:>28s} {poi:16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
