"""The W&B sweep in examples/: its config passes W&B's schema, and the command line its agent
builds runs ``sagym train`` with the sampled values in the saved config.

W&B's agent needs a server to hand out runs, so the agent's steps are taken here one by one with
W&B's own code: the ``sweeps`` engine (what ``wandb[sweeps]`` installs; the local controller)
checks the config and samples a point, ``wandb.sdk.launch.sweeps.utils`` turns it into the
``${args}`` and the command, and the macros are filled in as ``wandb/wandb_agent.py``
(``Agent._command_run``) does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ROOT / "examples" / "sweep_ppo.yaml"
#: The sweeps engine (2022) still uses pydantic 1 spellings, which pydantic 2 warns about.
pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning:pydantic.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def sweep_config() -> dict[str, Any]:
    """The sweep file as ``wandb sweep`` reads it (``yaml.safe_load``)."""
    data: dict[str, Any] = yaml.safe_load(SWEEP.read_text())
    return data


def agent_command(config: dict[str, Any], args: dict[str, Any]) -> list[str]:
    """The command the W&B agent runs for one point: ``Agent._command_run`` step by step."""
    from wandb.sdk.launch.sweeps import utils as sweep_utils

    command = sweep_utils.create_sweep_command(list(config["command"]))
    sweep_vars: dict[str, Any] = sweep_utils.create_sweep_command_args(
        {"args": {k: {"value": v} for k, v in args.items()}}
    )
    # The agent sets interpreter to "python" (here: this environment's) and env to /usr/bin/env.
    sweep_vars["interpreter"] = [sys.executable]
    sweep_vars["program"] = [config["program"]]
    sweep_vars["env"] = ["/usr/bin/env"]
    out: list[str] = []
    for chunk in map(str, command):
        if chunk.startswith("${") and chunk.endswith("}"):
            out += sweep_vars.get(chunk[2:-1]) or []
        else:
            out.append(chunk)
    return out


def test_the_sweep_config_passes_wandbs_schema() -> None:
    import sweeps

    config = sweep_config()
    assert sweeps.schema_violations_from_proposed_config(config) == []
    assert config["metric"] == {"name": "final/wellbeing_vs_counterfactual", "goal": "maximize"}
    assert "${args}" in config["command"]
    broken = {**config, "method": "anneal"}
    assert sweeps.schema_violations_from_proposed_config(broken) != []


def test_every_swept_name_is_a_flag_of_sagym_train() -> None:
    """Each parameter reaches ``sagym train`` as ``--NAME=VALUE``; none is an unknown flag."""
    from sagym.cli import build_parser

    parser = build_parser()
    for name, spec in sweep_config()["parameters"].items():
        value = spec["values"][0] if "values" in spec else spec["min"]
        args = parser.parse_args(["train", f"--{name}={value}"])
        if name.startswith("hp."):
            assert args.hyperparams == [f"{name[3:]}={value}"]
        else:
            assert getattr(args, name) is not None


@pytest.mark.slow
def test_the_agents_command_trains_with_the_sampled_values(tmp_path: Path) -> None:
    import sweeps

    config = sweep_config()
    point = sweeps.next_run(config, [])
    assert point is not None
    sampled = {name: spec["value"] for name, spec in point.config.items()}
    assert set(sampled) == set(config["parameters"])
    # A tiny budget, given as the agent gives any parameter (after the sweep's fixed flags).
    tiny = {"steps": 256, "n-envs": 2, "horizon": 8, "eval-users": 4, "wandb": "disabled"}
    argv = agent_command(config, {**sampled, **tiny, "out": str(tmp_path)})
    assert argv[:5] == ["/usr/bin/env", sys.executable, "-m", "sagym", "train"]
    assert f"--hp.learning_rate={sampled['hp.learning_rate']}" in argv
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    (saved,) = tmp_path.glob("*/config.json")
    run = json.loads(saved.read_text())
    hp = run["hyperparams"]
    assert hp["learning_rate"] == pytest.approx(float(sampled["hp.learning_rate"]), rel=1e-12)
    assert hp["ent_coef"] == sampled["hp.ent_coef"]
    assert hp["gamma"] == sampled["hp.gamma"]
    assert hp["n_steps"] == sampled["hp.n_steps"]
    assert (run["reward"], run["seed"]) == (sampled["reward"], sampled["seed"])
    assert (run["steps"], run["n_envs"], run["horizon"]) == (256, 2, 8)


@pytest.mark.parametrize(
    ("swept", "message"),
    [
        ({"steps": -5}, "steps must be >= 0; got -5"),
        ({"seed": 1.5}, "seed must be an integer; got 1.5"),
        ({"hp.learning_rat": 0.001}, "hyperparams: ppo has no hyperparameter 'learning_rat'"),
    ],
)
def test_a_bad_swept_value_is_the_configs_one_line_error(
    swept: dict[str, Any], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagym.cli import main

    argv = agent_command(sweep_config(), {**swept, "out": str(tmp_path), "wandb": "disabled"})
    assert main(argv[4:]) == 2  # what follows `python -m sagym`
    err = capsys.readouterr().err
    assert err.startswith(f"sagym train: error: {message}")
    if "learning_rat'" in message:
        assert "(did you mean 'learning_rate'?)" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_dotted_map_flags_expand_to_key_value() -> None:
    from sagym.config_fields import expand_dotted_flags

    flags = ["--hp", "--user"]
    assert expand_dotted_flags(["--hp.gamma=0.9", "--seed=1"], flags) == [
        "--hp",
        "gamma=0.9",
        "--seed=1",
    ]
    assert expand_dotted_flags(["--hp.gamma", "0.9"], flags) == ["--hp", "gamma=0.9"]
    assert expand_dotted_flags(["--user.habit_rate=0.2"], flags) == ["--user", "habit_rate=0.2"]
    assert expand_dotted_flags(["--hp.gamma"], flags) == ["--hp", "gamma"]
    assert expand_dotted_flags(["--", "--hp.gamma=1"], flags) == ["--", "--hp.gamma=1"]
    assert expand_dotted_flags(["--hpx.gamma=1"], flags) == ["--hpx.gamma=1"]
