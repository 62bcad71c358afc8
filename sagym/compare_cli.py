"""``sagym compare`` / ``scripts/compare.py``: the main job.

sagym compare --rewards engagement need_support --seeds 3 --steps 50000 --out DIR --wandb offline
sagym compare --experiment my_grid.yaml
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from sagym.config_fields import (
    OneLineParser,
    add_config_arguments,
    check_writable_folder,
    config_data,
    importable_from_cwd,
    report_errors,
)

#: Flags whose names are not the field's name in kebab case.
FLAGS = {
    "envs": "--env",
    "algos": "--algo",
    "hyperparams": "--hp",
    "user_overrides": "--user",
    "imports": "--import",
    "env_kwargs": "--env-kw",
}


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    from sagym.config import CompareConfig

    add_config_arguments(p, CompareConfig, FLAGS)
    p.add_argument("--experiment", default=None, metavar="FILE",
                   help="JSON or YAML file of these fields; flags given override it")  # fmt: skip


def config_from_args(args: argparse.Namespace) -> Any:
    """The checked :class:`CompareConfig` of the command line: the experiment file, then flags."""
    from sagym.config import CompareConfig
    from sagym.config_fields import read_mapping

    experiment = getattr(args, "experiment", None)
    data = read_mapping(experiment, "--experiment") if experiment is not None else {}
    merged = config_data(args, CompareConfig, data, FLAGS)
    if merged.get("imports"):
        importable_from_cwd()
    return CompareConfig.from_dict(merged)


def run_compare(args: argparse.Namespace, prog: str = "sagym compare") -> int:
    return report_errors(prog, lambda: _compare(args))


def _compare(args: argparse.Namespace) -> int:
    from sagym.experiment import optimality_warnings, output_guard, run_grid
    from sagym.report import build_report
    from sagym.tracking import log_comparison

    started = time.perf_counter()
    config = config_from_args(args)
    check_writable_folder(config.out)  # output_guard then checks what it holds
    with output_guard(config):  # cells checked first; one comparison per folder
        grid = run_grid(config)
        out = Path(config.out)
        summary, table = build_report(grid.results, grid.trajectories, out)
        wandb_dir = log_comparison(config, grid.results, summary, out)
    elapsed = time.perf_counter() - started
    print()
    print(table)
    print()
    print(
        f"{len(grid.results)} runs ({grid.trained} trained now, {grid.evaluated} baselines "
        f"evaluated now, {grid.reused} reused) in {elapsed:.1f} s"
    )
    print(f"results: {out / 'results.csv'}   report: {out / 'report.md'}")
    for line in optimality_warnings(grid.results):
        print(f"sagym compare: warning: {line}", file=sys.stderr)
    if wandb_dir:
        print(f"W&B runs saved offline; upload with:  wandb sync {wandb_dir}/offline-run-*")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="compare.py", description="Compare sagym reward designs.")
    add_compare_arguments(parser)
    return run_compare(parser.parse_args(argv), prog=parser.prog)
