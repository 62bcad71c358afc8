"""``sagym train`` / ``scripts/train.py``: train one agent on one reward design.

The flags are derived from :class:`~sagym.config.TrainConfig` (see
:mod:`sagym.config_fields`); ``--config`` and ``--resume`` are the only hand-written ones. Bad
input of any kind is one line on stderr and exit status 2, and nothing is written before the
config has passed every check.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sagym.config_fields import (
    ConfigError,
    OneLineParser,
    add_config_arguments,
    config_data,
    importable_from_cwd,
    read_mapping,
    report_errors,
)

#: Flags whose names are not the field's name in kebab case.
FLAGS = {
    "hyperparams": "--hp",
    "user_overrides": "--user",
    "imports": "--import",
    "env_kwargs": "--env-kw",
}


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    from sagym.config import TrainConfig

    add_config_arguments(p, TrainConfig, FLAGS)
    p.add_argument("--config", default=None, metavar="FILE",
                   help="JSON or YAML file of these fields; flags given override it")  # fmt: skip
    p.add_argument("--resume", default=None, metavar="RUN_DIR",
                   help="continue a stopped run from its folder (its config.json)")  # fmt: skip
    p.add_argument("--allow-changes", action="store_true",
                   help="with --resume: apply a changed reward, env, algo, seed, hyperparameter, "
                   "... (recorded in config.json) instead of refusing it")  # fmt: skip


def resume_config_data(run_dir: str | Path) -> dict[str, Any]:
    """The fields of the run in ``run_dir`` to continue it, from its ``config.json``.

    A folder that does not exist, is not a run folder or holds an unreadable config is a
    :class:`ConfigError` naming ``--resume``.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        what = "is a file, not a run folder" if folder.exists() else "does not exist"
        raise ConfigError(f"--resume: {str(folder)!r} {what}")
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"--resume: {str(folder)!r} holds no config.json; give the folder of a run that "
            "sagym train started"
        )
    data = read_mapping(folder / "config.json", "--resume")
    from sagym.agents.resume import RECORD_KEYS

    for key in RECORD_KEYS:  # the run's history, not configuration
        data.pop(key, None)
    if folder.name in ("", ".", ".."):
        folder = folder.resolve()
    data["out"] = str(folder.parent)
    data["run_name"] = folder.name
    return data


def config_from_args(args: argparse.Namespace) -> Any:
    """The checked :class:`TrainConfig` of the command line: run folder, file, then flags."""
    from sagym.config import TrainConfig

    data: dict[str, Any] = {}
    if getattr(args, "resume", None) is not None:
        data = resume_config_data(args.resume)
    if getattr(args, "config", None) is not None:
        data.update(read_mapping(args.config, "--config"))
    merged = config_data(args, TrainConfig, data, FLAGS)
    if merged.get("imports"):
        importable_from_cwd()
    config = TrainConfig.from_dict(merged)
    if config.eval_every == 0 and config.steps >= 20_000:
        config.eval_every = max(config.steps // 5, 1)
    return config


def run_train(args: argparse.Namespace, prog: str = "sagym train") -> int:
    return report_errors(prog, lambda: _train(args))


def _train(args: argparse.Namespace) -> int:
    from sagym.agents.training import train

    config = config_from_args(args)
    # train() validates everything (hyperparameters and out included) before any folder is made.
    result = train(config, resume=args.resume is not None, allow_changes=bool(args.allow_changes))
    o = result.outcomes
    print(f"run folder: {result.run_dir}  ({result.seconds:.1f} s)")
    from sagym.outcomes import HEADLINE_METRICS

    for key in HEADLINE_METRICS:
        print(f"  {key:28s} {o[key]:+.3f}")
    if result.wandb_dir:
        print(f"W&B run saved offline; upload with:  wandb sync {result.wandb_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="train.py", description="Train one sagym agent.")
    add_train_arguments(parser)
    return run_train(parser.parse_args(argv), prog=parser.prog)
