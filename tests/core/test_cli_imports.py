"""The command line's parser loads none of the heavy libraries: ``sagym --help`` and ``sagym
--version`` answer at once. Structural, not timed: what is in ``sys.modules`` afterwards."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "stable_baselines3", "sb3_contrib", "numba", "wandb", "pandas", "matplotlib")

_PROBE = """
import contextlib, io, json, sys
from sagym.cli import build_parser, main
argv = json.loads(sys.argv[1])
out = io.StringIO()
if argv is None:
    build_parser()
else:
    with contextlib.redirect_stdout(out):
        try:
            main(argv)
        except SystemExit:
            pass
heavy = json.loads(sys.argv[2])
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules], "out": out.getvalue()}))
"""


def _probe(argv: list[str] | None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "argv", [None, ["--help"], ["--version"], ["train", "--help"], ["compare", "--help"]]
)
def test_the_parser_loads_no_heavy_library(argv: list[str] | None) -> None:
    result = _probe(argv)
    assert result["loaded"] == []
    if argv is not None:  # it did answer
        assert "sagym" in str(result["out"])
    if argv == ["compare", "--help"]:
        assert "--env-kw KEY=VALUE" in str(result["out"])


def test_old_import_paths_of_the_configs_still_work() -> None:
    from sagym.agents.training import TrainConfig as FromTraining
    from sagym.agents.training import run_id
    from sagym.config import CompareConfig, TrainConfig
    from sagym.experiment import CompareConfig as FromExperiment
    from sagym.tracking import WandbOutputFormat

    assert FromTraining is TrainConfig and FromExperiment is CompareConfig
    assert run_id("sagym/Feed-v0", "a*b", "fixed:x", 3) == "Feed-v0__axb__fixed-x__3"
    assert WandbOutputFormat.__module__ == "sagym.agents.training"
