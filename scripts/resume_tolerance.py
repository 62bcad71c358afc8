"""How far a resumed run lands from an uninterrupted one: ``python scripts/resume_tolerance.py``.

For each seed it trains PPO for ``2 * steps`` in one go, and for ``steps`` followed by a resume to
``2 * steps`` (``train(..., resume=True)`` from the saved ``model.zip``), evaluates both on the same
held-out users, and prints, per headline outcome, the mean and largest ``|resumed - uninterrupted|``
beside the spread of the uninterrupted runs across seeds (their standard deviation). The figures
of a reference run are in ``docs/resume.md``; ``--out`` writes them as JSON (atomically).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sagym.agents import TrainConfig, train
from sagym.io import atomic_write_json
from sagym.outcomes import HEADLINE_METRICS


def measure(
    reward: str, seeds: int, steps: int, n_envs: int, eval_users: int, root: Path
) -> dict[str, Any]:
    base: dict[str, Any] = dict(
        reward=reward, n_envs=n_envs, out=str(root), wandb="disabled", progress=False,
        eval_users=eval_users, hyperparams={"n_steps": 64, "batch_size": 256},
    )  # fmt: skip
    whole, resumed = [], []
    for seed in range(seeds):
        full = train(TrainConfig(seed=seed, steps=2 * steps, run_name=f"full{seed}", **base))
        train(TrainConfig(seed=seed, steps=steps, run_name=f"part{seed}", **base))
        again = train(
            TrainConfig(seed=seed, steps=2 * steps, run_name=f"part{seed}", **base), resume=True
        )
        whole.append([full.outcomes[m] for m in HEADLINE_METRICS])
        resumed.append([again.outcomes[m] for m in HEADLINE_METRICS])
    a, b = np.array(whole), np.array(resumed)
    gap = np.abs(b - a)
    spread = a.std(axis=0, ddof=1)
    return {
        "reward": reward,
        "seeds": seeds,
        "steps": [steps, 2 * steps],
        "n_envs": n_envs,
        "eval_users": eval_users,
        "metrics": {
            m: {
                "mean_abs_gap": float(gap[:, i].mean()),
                "max_abs_gap": float(gap[:, i].max()),
                "seed_std": float(spread[i]),
            }
            for i, m in enumerate(HEADLINE_METRICS)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reward", default="engagement")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=8192, help="steps before the resume")
    parser.add_argument("--n-envs", type=int, default=16)
    parser.add_argument("--eval-users", type=int, default=64)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(
            args.reward, args.seeds, args.steps, args.n_envs, args.eval_users, Path(tmp)
        )
    print(f"{'metric':28s} {'mean |gap|':>10s} {'max |gap|':>10s} {'seed std':>10s}")
    for metric, row in figures["metrics"].items():
        print(
            f"{metric:28s} {row['mean_abs_gap']:10.4f} {row['max_abs_gap']:10.4f} "
            f"{row['seed_std']:10.4f}"
        )
    if args.out:
        atomic_write_json(args.out, figures)
    else:
        print(json.dumps({k: v for k, v in figures.items() if k != "metrics"}))


if __name__ == "__main__":
    main()
