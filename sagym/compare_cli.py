"""``sagym compare`` / ``scripts/compare.py``: the main job.

sagym compare --rewards engagement need_support --seeds 3 --steps 50000 --out DIR --wandb offline
sagym compare --experiment my_grid.yaml
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sagym.tracking import WANDB_MODES


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rewards", nargs="+", default=None, help="reward designs (names or specs)")
    p.add_argument(
        "--baselines", nargs="*", default=None, help="scripted baselines (default: random)"
    )
    p.add_argument("--env", dest="envs", nargs="+", default=None, help="environment ids")
    p.add_argument("--algo", dest="algos", nargs="+", default=None, help="algorithms")
    p.add_argument("--seeds", type=int, default=None, help="seeds per design (default 5)")
    p.add_argument("--steps", type=int, default=None, help="training steps per run (default 100k)")
    p.add_argument("--n-envs", type=int, default=None)
    p.add_argument("--horizon", type=int, default=None)
    p.add_argument("--population", default=None)
    p.add_argument("--eval-users", type=int, default=None)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--out", default=None, help="output folder (default results/default)")
    p.add_argument("--experiment", default=None, help="JSON or YAML file of CompareConfig fields")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="algorithm hyperparameter")
    p.add_argument("--user", action="append", metavar="KEY=VALUE", help="pin a user parameter")
    p.add_argument("--wandb", choices=WANDB_MODES, default=None, help="W&B mode (default offline)")
    p.add_argument("--wandb-project", default=None, help="W&B project (default sagym)")
    p.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--force",
        action="store_true",
        default=None,
        help="rerun every cell, even in a folder that holds other files or another experiment",
    )
    p.add_argument(
        "--backend", choices=("local", "ray"), default=None, help="where cells run (default local)"
    )
    p.add_argument("--address", default=None, help="Ray cluster address (default: a local Ray)")


def config_from_args(args: argparse.Namespace) -> Any:
    from sagym.agents.training import load_config
    from sagym.experiment import CompareConfig
    from sagym.train_cli import merge_options

    data: dict[str, Any] = load_config(args.experiment) if args.experiment else {}
    keys = ("rewards", "baselines", "envs", "algos", "seeds", "steps", "n_envs", "horizon",
            "population", "eval_users", "jobs", "out", "force", "backend", "address")  # fmt: skip
    data = merge_options(data, args, keys)
    known = set(CompareConfig.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown experiment field(s) {sorted(unknown)}; known: {sorted(known)}")
    return CompareConfig(**data)


def run_compare(args: argparse.Namespace) -> int:
    from sagym.experiment import output_guard, run_grid
    from sagym.report import build_report
    from sagym.tracking import log_comparison

    started = time.perf_counter()
    try:
        config = config_from_args(args)
        with output_guard(config):  # one comparison per folder, report and W&B summary included
            grid = run_grid(config)
            out = Path(config.out)
            summary, table = build_report(grid.results, grid.trajectories, out)
            wandb_dir = log_comparison(config, grid.results, summary, out)
    except ValueError as err:
        print(f"sagym compare: error: {err}")
        return 2
    elapsed = time.perf_counter() - started
    print()
    print(table)
    print()
    print(
        f"{len(grid.results)} runs ({grid.trained} trained now, {grid.evaluated} baselines "
        f"evaluated now, {grid.reused} reused) in {elapsed:.1f} s"
    )
    print(f"results: {out / 'results.csv'}   report: {out / 'report.md'}")
    if wandb_dir:
        print(f"W&B runs saved offline; upload with:  wandb sync {wandb_dir}/offline-run-*")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compare.py", description="Compare sagym reward designs.")
    add_compare_arguments(parser)
    return run_compare(parser.parse_args(argv))
