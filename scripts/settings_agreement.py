"""Do fast training settings reach the same scientific conclusions as conservative ones?

Runs the same reward-design comparison twice, once with sagym's fast PPO defaults (64 users per
batch, short rollouts, large minibatches) and once with conservative, SB3-default-like settings
(8 users, long rollouts, small minibatches, 10 epochs, learning rate 3e-4), and reports for every
design and outcome whether the two 95 % bootstrap intervals overlap::

    python scripts/settings_agreement.py --seeds 3 --steps 100000 --out results/agreement
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sagym.experiment import CompareConfig, run_grid
from sagym.io import atomic_write_csv
from sagym.report import HEADLINE_METRICS
from sagym.stats import summarize

CONSERVATIVE = {
    "n_steps": 512,
    "batch_size": 64,
    "n_epochs": 10,
    "learning_rate": 3e-4,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument(
        "--rewards", nargs="+", default=["engagement", "satisfaction", "need_support"]
    )
    parser.add_argument("--out", default="results/agreement")
    args = parser.parse_args(argv)
    out = Path(args.out)
    summaries = {}
    seconds = {}
    for label, n_envs, hyper in (("fast", None, {}), ("conservative", 8, CONSERVATIVE)):
        grid = run_grid(
            CompareConfig(
                rewards=list(args.rewards), baselines=[], seeds=args.seeds, steps=args.steps,
                n_envs=n_envs, hyperparams=dict(hyper), out=str(out / label), wandb="disabled",
                progress=False,
            )
        )  # fmt: skip
        seconds[label] = grid.seconds
        metrics = [m for m in HEADLINE_METRICS if m in grid.results]
        summaries[label] = summarize(grid.results, "design", metrics, seed=0).set_index(
            ["design", "metric"]
        )
    fast, slow = summaries["fast"], summaries["conservative"]
    table = pd.DataFrame(
        {
            "fast_mean": fast["mean"],
            "fast_low": fast["mean_low"],
            "fast_high": fast["mean_high"],
            "conservative_mean": slow["mean"],
            "conservative_low": slow["mean_low"],
            "conservative_high": slow["mean_high"],
        }
    )
    table["overlap"] = (table["fast_low"] <= table["conservative_high"]) & (
        table["conservative_low"] <= table["fast_high"]
    )
    atomic_write_csv(out / "agreement.csv", table.reset_index())
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(table.round(3).to_string())
    agree = int(table["overlap"].sum())
    print(
        f"\nintervals overlap for {agree}/{len(table)} design × metric cells; wall time: fast "
        f"{seconds['fast']:.0f} s, conservative {seconds['conservative']:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
