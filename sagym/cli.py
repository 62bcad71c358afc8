"""The ``sagym`` command line: ``train``, ``compare``, ``envs`` and ``rewards``.

Heavy imports (torch, stable-baselines3, numba, wandb, pandas) happen inside the subcommands: the
parser needs only the config dataclasses (:mod:`sagym.config`), so ``sagym --help`` and ``sagym
--version`` answer at once (``tests/core/test_cli_imports.py`` checks what building it loads).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sagym import __version__


def _envs(_: argparse.Namespace) -> int:
    import gymnasium as gym

    from sagym.envs import ENV_IDS, list_populations

    for env_id in ENV_IDS:
        spec = gym.spec(env_id)
        print(f"{env_id:24s} {spec.entry_point}")
    print("populations:", ", ".join(list_populations()))
    return 0


def _rewards(_: argparse.Namespace) -> int:
    """Every registered reward with its whole description, wrapped under the description column
    (a first-sentence cut would stop at "et al.")."""
    import shutil
    import textwrap

    from sagym.rewards import component_rewards, list_rewards

    rewards = component_rewards()
    width = max(shutil.get_terminal_size((100, 24)).columns, 60)
    for kind in ("design", "term"):
        print(f"{kind}s:")
        for name in list_rewards(kind):
            doc = " ".join((rewards[name].doc if name in rewards else "").split())
            head = f"  {name:22s} "
            lines = textwrap.wrap(
                doc, width=width, initial_indent=head, subsequent_indent=" " * len(head),
                break_on_hyphens=False, break_long_words=False,
            )  # fmt: skip
            print("\n".join(lines) if lines else head.rstrip())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from sagym.config_fields import OneLineParser

    parser = OneLineParser(
        prog="sagym",
        description=(
            "sagym: a reinforcement-learning testbed for nonstationary preference rewards. "
            "Train agents on simulated users whose preferences and needs drift under the AI's "
            "influence, and compare reward designs on long-term user outcomes."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sagym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from sagym.train_cli import add_train_arguments, run_train

    p_train = sub.add_parser("train", help="train one agent on one reward design")
    add_train_arguments(p_train)
    p_train.set_defaults(func=run_train)

    from sagym.compare_cli import add_compare_arguments, run_compare

    p_compare = sub.add_parser("compare", help="compare reward designs on long-term user outcomes")
    add_compare_arguments(p_compare)
    p_compare.set_defaults(func=run_compare)

    sub.add_parser("envs", help="list the registered environments").set_defaults(func=_envs)
    sub.add_parser("rewards", help="list the registered rewards").set_defaults(func=_rewards)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"sagym {__version__}")  # at once: the parser builds the configs' flags
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
