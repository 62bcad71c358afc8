"""The typed configuration layer: flags derived from the fields, coercion, merging, and a fuzz of
experiment files that must give a valid config or one clear line, never a traceback."""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagym.agents.training import TrainConfig
from sagym.compare_cli import add_compare_arguments
from sagym.compare_cli import config_from_args as compare_config
from sagym.config_fields import ConfigError, OneLineParser
from sagym.experiment import CompareConfig
from sagym.train_cli import add_train_arguments
from sagym.train_cli import config_from_args as train_config

# Every flag the README, the tests and users' scripts rely on.
TRAIN_FLAGS = [
    "--env",
    "--reward",
    "--algo",
    "--seed",
    "--steps",
    "--n-envs",
    "--horizon",
    "--population",
    "--eval-users",
    "--eval-every",
    "--out",
    "--config",
    "--hp",
    "--user",
    "--wandb",
    "--wandb-project",
    "--import",
    "--no-progress",
    "--resume",
]
COMPARE_FLAGS = [
    "--rewards",
    "--baselines",
    "--env",
    "--algo",
    "--seeds",
    "--steps",
    "--n-envs",
    "--horizon",
    "--population",
    "--eval-users",
    "--jobs",
    "--out",
    "--experiment",
    "--hp",
    "--user",
    "--wandb",
    "--wandb-project",
    "--import",
    "--no-progress",
]


def _parser(add: Any) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="t")
    add(parser)
    return parser


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: a for a in parser._actions for flag in a.option_strings}


@pytest.mark.parametrize(
    ("add", "cls", "flags"),
    [(add_train_arguments, TrainConfig, TRAIN_FLAGS),
     (add_compare_arguments, CompareConfig, COMPARE_FLAGS)],
)  # fmt: skip
def test_every_field_has_a_flag_with_its_description(add: Any, cls: type, flags: list[str]) -> None:
    options = _options(_parser(add))
    assert set(flags) <= set(options)
    dests = {a.dest for a in options.values()}
    assert set(cls.__dataclass_fields__) <= dests  # type: ignore[attr-defined]
    # The help is the field's line of the class docstring, with its range and default.
    assert options["--steps"].help is not None
    assert options["--steps"].help.startswith(
        "environment steps (user-days) to train for" if cls is TrainConfig
        else "training steps per run"
    )  # fmt: skip
    assert options["--steps"].help.endswith("; default: 500000)")
    assert options["--no-progress"].help is not None
    assert options["--no-progress"].help.startswith("do not show a progress bar")


def test_help_shows_the_bound_on_seeds() -> None:
    text = _parser(add_compare_arguments).format_help()
    assert "(1 to 1000; default: 5)" in " ".join(text.split())


def test_defaults_of_an_empty_command_line_are_the_config_defaults() -> None:
    parser = _parser(add_compare_arguments)
    assert compare_config(parser.parse_args([])) == CompareConfig()
    parser = _parser(add_train_arguments)
    config = train_config(parser.parse_args(["--steps", "1000"]))
    assert config == TrainConfig(steps=1000)


def test_flags_override_the_file_and_maps_and_imports_merge(tmp_path: Path) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "rewards: engagement\nseeds: 3\nsteps: 2e3\nhyperparams: {learning_rate: 1e-3, "
        "n_steps: 64}\nuser_overrides: {influence_rate: '0.1'}\nimports: [json]\n"
    )
    args = _parser(add_compare_arguments).parse_args(
        ["--experiment", str(spec), "--seeds", "2", "--hp", "batch_size=256", "--hp",
         "n_steps=32", "--import", "csv", "--env", "sagym/Companion-v0", "--algo", "ppo", "a2c"]
    )  # fmt: skip
    config = compare_config(args)
    assert config.rewards == ["engagement"]  # one string is a list of one
    assert config.seeds == 2 and config.steps == 2000
    assert config.hyperparams == {"learning_rate": 0.001, "n_steps": 32, "batch_size": 256}
    assert isinstance(config.hyperparams["learning_rate"], float)  # YAML 1.2 floats
    assert config.user_overrides == {"influence_rate": 0.1}
    assert config.imports == ["json", "csv"]
    assert config.algos == ["ppo", "a2c"]


def test_configs_stay_dataclasses_that_round_trip_and_pickle() -> None:
    config = TrainConfig(reward="satisfaction - 2*induced_shift", steps=5000, hyperparams={"a": 1})
    assert dataclasses.is_dataclass(config)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert pickle.loads(pickle.dumps(config)) == config  # cells travel to worker processes
    grid = CompareConfig(seeds=2, rewards=["engagement"])
    assert CompareConfig.from_dict(json.loads(json.dumps(grid.to_dict()))) == grid
    assert len(grid.cells()) == (1 + 1) * 2 + 2  # best_fixed and planner: once per design


def test_edits_after_construction_are_checked_again() -> None:
    config = CompareConfig(seeds=2)
    config.seeds = 0
    with pytest.raises(ConfigError, match=r"^seeds must be >= 1; got 0$"):
        config.cells()
    train = TrainConfig(steps=1000)
    train.steps = True  # type: ignore[assignment]
    with pytest.raises(ConfigError, match=r"^steps must be an integer; got True$"):
        train.validate()


def test_several_errors_are_one_line_that_counts_the_others() -> None:
    with pytest.raises(ConfigError) as err:
        CompareConfig.from_dict({"seeds": -1, "steps": "x", "jobs": 0})
    assert str(err.value) == "seeds must be >= 1; got -1 (and 2 more: jobs, steps)"


# ------------------------------------------------------------------------------------ the fuzz
FIELDS = [f for f in CompareConfig.__dataclass_fields__ if f != "imports"]  # imports run code
KEYS = st.one_of(st.sampled_from(FIELDS), st.sampled_from(["reward", "seed", "algo", "stpes"]),
                 st.text(min_size=1, max_size=8))  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["engagement", "need_support", "satisfaction - 2*induced_shift", "random",
                     "ppo", "a2c", "sagym/Companion-v0", "offline", "1e-3", "3", "lonely",
                     "engagement +", "2*", "a:b", "x(", "-1"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _parse_file(path: Path) -> CompareConfig:
    args = _parser(add_compare_arguments).parse_args(["--experiment", str(path)])
    config: CompareConfig = compare_config(args)
    return config


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(KEYS, VALUES, max_size=5), as_yaml=st.booleans())
def test_fuzzed_experiment_files_give_a_config_or_one_clear_line(
    data: dict[str, Any], as_yaml: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("grid.yaml" if as_yaml else "grid.json")
        path.write_text(yaml.safe_dump(data) if as_yaml else json.dumps(data))
        try:
            config = _parse_file(path)
        except ConfigError as err:
            message = str(err)
            assert message and "\n" not in message
            assert not message.startswith(("Traceback", "1 validation error"))
            return
    # Accepted: every given field holds a value of the field's type, within its bounds.
    assert isinstance(config, CompareConfig)
    assert 1 <= config.seeds <= 1000 and config.steps >= 1 and config.eval_users >= 1
    assert all(isinstance(r, str) and r for r in config.rewards)
    assert config.rewards or config.baselines
    assert config.wandb in ("offline", "online", "disabled")


@settings(max_examples=60, deadline=None)
@given(spec=st.text(alphabet=st.sampled_from(list("engagmtsfci_ -+*/()=0123456789.:,")),
                    max_size=30))  # fmt: skip
def test_fuzzed_reward_specs_on_the_command_line_give_a_config_or_one_clear_line(
    spec: str,
) -> None:
    parser = _parser(add_train_arguments)
    try:
        config = train_config(parser.parse_args([f"--reward={spec}", "--steps", "1000"]))
    except ConfigError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert config.reward == spec


@pytest.mark.parametrize(
    ("given", "outcome"),
    [("json", ["json", "csv"]), (["json"], ["json", "csv"]), (None, ["csv"]),
     (5, "imports must be a list; got 5"),
     ({"a": 1}, "imports must be a list; got {'a': 1}")],
)  # fmt: skip
def test_imports_of_the_file_and_the_command_line_add_up(
    given: Any, outcome: Any, tmp_path: Path
) -> None:
    spec = tmp_path / "grid.json"
    spec.write_text(json.dumps({"imports": given}))
    args = _parser(add_compare_arguments).parse_args(["--experiment", str(spec), "--import", "csv"])
    if isinstance(outcome, list):
        assert compare_config(args).imports == outcome
    else:
        with pytest.raises(ConfigError) as err:
            compare_config(args)
        assert str(err.value) == outcome
