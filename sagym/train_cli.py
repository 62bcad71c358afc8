"""``sagym train`` / ``scripts/train.py``: train one agent on one reward design."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sagym.tracking import WANDB_MODES


def parse_assignments(items: list[str] | None, what: str) -> dict[str, Any]:
    """``["a=1", "b=[64, 64]"]`` -> ``{"a": 1, "b": [64, 64]}`` (JSON values where they parse)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"{what} must look like key=value; got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", default=None, help="environment id (default sagym/Companion-v0)")
    p.add_argument(
        "--algo", default=None, help="ppo (default), a2c, dqn, recurrent_ppo, or a baseline"
    )
    p.add_argument("--steps", type=int, default=None, help="training steps (user-days) per run")
    p.add_argument("--n-envs", type=int, default=None, help="users simulated in parallel")
    p.add_argument("--horizon", type=int, default=None, help="days per episode (default 90)")
    p.add_argument("--population", default=None, help="registered user population")
    p.add_argument("--eval-users", type=int, default=None, help="held-out evaluation users")
    p.add_argument("--eval-every", type=int, default=None, help="evaluate every N steps")
    p.add_argument("--config", default=None, help="JSON or YAML file of TrainConfig fields")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="algorithm hyperparameter")
    p.add_argument("--user", action="append", metavar="KEY=VALUE", help="pin a user parameter")
    p.add_argument("--wandb", choices=WANDB_MODES, default=None, help="W&B mode (default offline)")
    p.add_argument("--wandb-project", default=None, help="W&B project (default sagym)")
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import a module first (your rewards or populations register themselves)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--reward", default=None, help="reward name or spec, e.g. 'satisfaction - 2*induced_shift'"
    )
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--out", default=None, help="parent folder of the run folder (default runs/)")
    p.add_argument("--resume", default=None, metavar="RUN_DIR", help="continue a stopped run")
    p.add_argument(
        "--allow-changes",
        action="store_true",
        help="with --resume: apply a changed reward, env, algo, seed, hyperparameter, ... "
        "(recorded in config.json) instead of refusing it",
    )
    add_common_arguments(p)


def config_from_args(args: argparse.Namespace) -> Any:
    from sagym.agents.training import TrainConfig, load_config

    data: dict[str, Any] = {}
    if getattr(args, "resume", None):
        from sagym.agents.resume import resume_config_data

        data = resume_config_data(args.resume)
    if args.config:
        data.update(load_config(args.config))
    keys = ("env", "reward", "algo", "seed", "steps", "n_envs", "horizon", "population",
            "eval_users", "eval_every", "out")  # fmt: skip
    return TrainConfig.from_dict(merge_options(data, args, keys))


def merge_options(
    data: dict[str, Any], args: argparse.Namespace, keys: tuple[str, ...]
) -> dict[str, Any]:
    """A config file's fields overridden by the options given on the command line.

    ``keys`` are copied when given; ``--hp``, ``--user`` and ``--import`` add to the file's
    hyperparameters, user overrides and imports, so ``sagym train`` and ``sagym compare`` read
    their options the same way.
    """
    merged = dict(data)
    merged.update({k: getattr(args, k) for k in keys if getattr(args, k, None) is not None})
    for key in ("wandb", "wandb_project"):
        if getattr(args, key) is not None:
            merged[key] = getattr(args, key)
    merged["imports"] = list(merged.get("imports", [])) + list(args.imports)
    if args.hp:
        merged["hyperparams"] = {
            **merged.get("hyperparams", {}),
            **parse_assignments(args.hp, "--hp"),
        }
    if args.user:
        merged["user_overrides"] = {
            **merged.get("user_overrides", {}),
            **parse_assignments(args.user, "--user"),
        }
    if args.no_progress:
        merged["progress"] = False
    return merged


def run_train(args: argparse.Namespace) -> int:
    from sagym.agents.training import train

    try:
        config = config_from_args(args)
        if config.eval_every == 0 and config.steps >= 20_000:
            config.eval_every = max(config.steps // 5, 1)
        result = train(config, resume=bool(args.resume), allow_changes=args.allow_changes)
    except ValueError as err:
        print(f"sagym train: error: {err}")
        return 2
    o = result.outcomes
    print(f"run folder: {result.run_dir}  ({result.seconds:.1f} s)")
    from sagym.outcomes import HEADLINE_METRICS

    for key in HEADLINE_METRICS:
        print(f"  {key:28s} {o[key]:+.3f}")
    if result.wandb_dir:
        print(f"W&B run saved offline; upload with:  wandb sync {result.wandb_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="train.py", description="Train one sagym agent.")
    add_train_arguments(parser)
    return run_train(parser.parse_args(argv))
