"""Hyperparameters as grid axes, reference policies per design, and the score in results.csv."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sagym.cli import main as cli_main
from sagym.compare_cli import add_compare_arguments, config_from_args
from sagym.config_fields import ConfigError, OneLineParser
from sagym.experiment import CompareConfig, optimality_warnings, run_grid, unique_cells

TINY: dict[str, Any] = {
    "rewards": ["need_support"], "baselines": ["random"], "seeds": 1, "steps": 64, "n_envs": 2,
    "horizon": 6, "eval_users": 6, "hyperparams": {"n_steps": 32, "batch_size": 64},
    "jobs": 1, "wandb": "disabled", "progress": False,
}  # fmt: skip


def _parse(argv: list[str]) -> CompareConfig:
    parser = OneLineParser(prog="sagym compare")
    add_compare_arguments(parser)
    config: CompareConfig = config_from_args(parser.parse_args(argv))
    return config


def test_grid_flag_and_experiment_file_give_one_design_per_value(tmp_path: Path) -> None:
    flag = _parse(["--rewards", "satisfaction", "--grid", "gamma=0,0.9,0.99", "--seeds", "2"])
    assert flag.grid == {"gamma": [0, 0.9, 0.99]}
    experiment = tmp_path / "grid.yaml"
    experiment.write_text("rewards: [satisfaction]\nseeds: 2\ngrid: {gamma: [0, 0.9, 0.99]}\n")
    assert _parse(["--experiment", str(experiment)]).grid == flag.grid
    cells = [c for c in unique_cells(flag.cells()) if c.algo == "ppo"]
    assert [(c.hyperparams["gamma"], c.seed) for c in cells] == [
        (0, 0), (0, 1), (0.9, 0), (0.9, 1), (0.99, 0), (0.99, 1)
    ]  # fmt: skip
    assert cells[-1].run_name == "Companion-v1__satisfaction__ppo-gamma-0.99__1"  # default env
    assert "design:satisfaction[gamma=0.99]" in cells[-1].wandb_tags
    assert "grid:gamma=0.99" in cells[-1].wandb_tags
    others = [c for c in unique_cells(flag.cells()) if c.algo != "ppo"]
    assert [(c.algo, c.reward, c.seed, c.hyperparams) for c in others] == [
        ("random", "engagement", 0, {}), ("random", "engagement", 1, {}),
        ("best_fixed", "satisfaction", 0, {}), ("planner", "satisfaction", 0, {}),
    ]  # fmt: skip
    assert [c.return_rewards for c in others[:2]] == [["satisfaction"], ["satisfaction"]]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"gama": [0.9]}, "grid.gama: value 0.9 is refused: ppo has no hyperparameter 'gama'"),
        (
            {"batch_size": [100]},
            "grid.batch_size: value 100 is refused: batch_size=100 must divide "
            "n_steps*n_envs = 128*32 = 4096 (or be at least it)",
        ),
        ({"gamma": ""}, "grid.gamma: give at least one value; got []"),
    ],
)
def test_a_bad_grid_value_is_one_line_naming_the_axis(grid: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        CompareConfig(rewards=["satisfaction"], grid=grid, wandb="disabled").cells()
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_grid_axis_also_in_hyperparams_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"grid.gamma: gamma is also given in hyperparams "
                       r"\(gamma=0.5\); give it once"):  # fmt: skip
        CompareConfig(grid={"gamma": [0.9]}, hyperparams={"gamma": 0.5})


def test_a_bad_grid_value_on_the_command_line_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["compare", "--grid", "gama=0.9", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "grid.gama: value 0.9 is refused: ppo has no hyperparameter 'gama'" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_grid_results_carry_labels_returns_and_scores(tmp_path: Path) -> None:
    config = CompareConfig(
        **{**TINY, "baselines": ["random", "best_fixed", "planner"], "grid": {"gamma": [0, 0.99]}},
        out=str(tmp_path / "out"),
    )
    results = run_grid(config).results
    assert list(results["design"]) == [
        "need_support[gamma=0]", "need_support[gamma=0.99]", "random",
        "need_support/best_fixed", "need_support/planner",
    ]  # fmt: skip
    assert list(results["grid"].fillna("")) == ["gamma=0", "gamma=0.99", "", "", ""]
    assert list(results["eval_mode"]) == ["sampled"] * 2 + ["scripted"] * 3
    assert list(results["reward"]) == ["need_support"] * 2 + ["none"] + ["need_support"] * 2
    planner = results[results["algo"] == "planner"].iloc[0]
    assert planner["score"] == 1.0
    rand = results[results["algo"] == "random"].iloc[0]
    assert pd.isna(rand["return"]) and pd.isna(rand["score"])
    zero = rand["return:need_support"]
    for _, row in results[results["algo"] != "random"].iterrows():
        expected = (row["return"] - zero) / (planner["return"] - zero)
        assert row["score"] == pytest.approx(expected, rel=1e-12)
    trained = results[results["algo"] == "ppo"]
    assert trained["policy_entropy"].notna().all() and trained["return_greedy"].notna().all()
    # An untrained-length run is flagged: a low score or a near-uniform policy.
    warnings = optimality_warnings(results)
    assert any(line.startswith("need_support[gamma=0] seed 0:") for line in warnings)
    saved = json.loads((tmp_path / "out" / "compare_config.json").read_text())
    assert saved["grid"] == {"gamma": [0, 0.99]}
