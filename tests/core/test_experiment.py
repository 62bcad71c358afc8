"""The comparison grid: identical results on reruns, resuming, the report, W&B and the notebook."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sagym.cli import main as cli_main
from sagym.experiment import CompareConfig, run_grid
from sagym.outcomes import OUTCOME_METRICS

ROOT = Path(__file__).resolve().parents[2]
# The grid's mechanics (files, reruns, resuming, the report) on the v0 companion, whose personas
# and report rows these tests name.
TINY = [
    "compare", "--env", "sagym/Companion-v0", "--rewards", "engagement", "need_support",
    "--baselines", "random", "--seeds", "2", "--steps", "2048", "--n-envs", "16",
    "--eval-users", "32", "--hp", "n_steps=64", "--hp", "batch_size=256", "--jobs", "2",
    "--no-progress",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("grid") / "first"
    assert cli_main([*TINY, "--out", str(out), "--wandb", "offline"]) == 0
    return out


@pytest.mark.slow
def test_results_have_one_row_per_run_and_every_outcome_column(tiny_results: Path) -> None:
    results = pd.read_csv(tiny_results / "results.csv")
    assert len(results) == 3 * 2
    assert list(results.columns[:6]) == ["env", "reward", "algo", "seed", "design", "steps"]
    for metric in OUTCOME_METRICS:
        assert metric in results.columns
        assert results[metric].notna().all(), metric
    assert set(results["design"]) == {"engagement", "need_support", "random"}
    for persona in ("connected", "lonely", "susceptible"):
        assert f"wellbeing_final@{persona}" in results.columns
    traj = pd.read_csv(tiny_results / "trajectories.csv")
    assert traj["day"].max() == 90
    assert {"all", "lonely"} <= set(traj["persona"])


@pytest.mark.slow
def test_report_says_what_was_run_and_compares_with_random_and_the_twin(tiny_results: Path) -> None:
    report = (tiny_results / "report.md").read_text()
    head = report.split("## Outcomes")[0]
    for row in (
        "| environments | sagym/Companion-v0 |",
        "| designs | engagement (trained), need_support (trained), random (scripted baseline) |",
        "| budget | 2,048 training steps (user-days) per run |",
        "| seeds | 2 per design (seeds 0, 1) |",
        "| horizon | 90 days |",
        "| evaluation users | 32 held-out users (eval seed 0), the same for every run |",
    ):
        assert row in head, row
    assert "batch_size=256" in head and "n_steps=64" in head and "16 users in parallel" in head
    assert "a bootstrap interval over fewer than 3 seeds is only the range" in head
    mix = report.split("## Learned behaviour mix")[1].split("## Against")[0]
    assert "| engagement | " in mix and "engagement_hook" in mix and "No best-fixed" in mix
    for section in ("## Against the random baseline", "## Against the no-AI twin"):
        assert "| need_support | " in report.split(section)[1].split("\n## ")[0], section
    assert (tiny_results / "trajectories_personas.png").stat().st_size > 0


@pytest.mark.slow
def test_same_command_twice_gives_identical_results(tiny_results: Path, tmp_path: Path) -> None:
    again = tmp_path / "second"
    assert cli_main([*TINY, "--out", str(again), "--wandb", "disabled"]) == 0
    assert (again / "results.csv").read_bytes() == (tiny_results / "results.csv").read_bytes()
    assert (again / "trajectories.csv").read_bytes() == (
        tiny_results / "trajectories.csv"
    ).read_bytes()


@pytest.mark.slow
def test_interrupted_grid_resumes_only_the_missing_runs(tiny_results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_results, copy, ignore=shutil.ignore_patterns("wandb"))
    victim = copy / "runs" / "Companion-v0__need_support__ppo__1"
    (victim / "outcomes.json").unlink()
    (copy / "results.csv").unlink()
    (copy / "trajectories.csv").unlink()
    config = CompareConfig(
        envs=["sagym/Companion-v0"], rewards=["engagement", "need_support"], baselines=["random"],
        seeds=2, steps=2048, n_envs=16, eval_users=32,
        hyperparams={"n_steps": 64, "batch_size": 256}, out=str(copy), jobs=1, wandb="disabled",
        progress=False,
    )  # fmt: skip
    grid = run_grid(config)
    assert (grid.trained, grid.evaluated, grid.reused) == (1, 0, 5)
    assert (copy / "results.csv").read_bytes() == (tiny_results / "results.csv").read_bytes()
    assert (copy / "trajectories.csv").read_bytes() == (
        tiny_results / "trajectories.csv"
    ).read_bytes()
    # A changed config is another experiment: refused, then rerun in full when forced.
    config.steps = 1024
    with pytest.raises(ValueError, match=r"holds another experiment \(steps: 2048 there, 1024"):
        run_grid(config)
    config.force = True
    grid = run_grid(config)
    assert (grid.trained, grid.evaluated, grid.reused) == (4, 2, 0)


@pytest.mark.slow
def test_report_plots_and_wandb_summary_are_written(
    tiny_results: Path, wandb_records: Callable[[Path], list[dict[str, Any]]]
) -> None:
    for name in ("outcomes.png", "trajectories.png", "personas.png", "summary.csv", "report.md"):
        assert (tiny_results / name).stat().st_size > 0, name
    report = (tiny_results / "report.md").read_text()
    assert "| need_support |" in report and "![outcomes](outcomes.png)" in report
    summary = pd.read_csv(tiny_results / "summary.csv")
    row = summary[(summary["design"] == "random") & (summary["metric"] == "engagement")].iloc[0]
    results = pd.read_csv(tiny_results / "results.csv")
    assert row["mean"] == pytest.approx(results[results["design"] == "random"]["engagement"].mean())
    assert row["mean_low"] <= row["mean"] <= row["mean_high"]
    runs = sorted((tiny_results / "wandb").glob("offline-run-*"))
    assert len(runs) == 6 + 1  # every training run and one comparison summary
    jobs = {}
    for run in runs:
        records = wandb_records(run)
        info = next(r for r in records if r.get("type") == "run")["run"]
        jobs[info["display_name"]] = (info["job_type"], info.get("run_group"), records)
    summary_runs = [name for name, (job, _, _) in jobs.items() if job == "compare"]
    assert summary_runs == ["compare__first"]
    groups = {group for _, group, _ in jobs.values()}
    assert groups == {"first"}  # one group per comparison: its output folder's name
    _, _, records = jobs["compare__first"]
    logged = json.dumps([r for r in records if r.get("type") == "history"])
    assert "table-file" in logged and "image-file" in logged


def test_bad_grid_input_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        CompareConfig(seeds=0).cells()
    with pytest.raises(ValueError, match="unknown reward"):
        CompareConfig(rewards=["engagment"]).cells()
    assert cli_main(["compare", "--rewards", "nope", "--wandb", "disabled"]) == 2
    assert "unknown reward 'nope'" in capsys.readouterr().err


def test_experiment_file_defines_the_grid(tmp_path: Path) -> None:
    import argparse

    from sagym.compare_cli import add_compare_arguments, config_from_args

    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "envs: [sagym/Companion-v0]\nrewards: [engagement, 'satisfaction - 2*induced_shift']\n"
        "baselines: [random, heuristic]\nseeds: 3\nsteps: 5000\npopulation: lonely\n"
    )
    parser = argparse.ArgumentParser()
    add_compare_arguments(parser)
    config = config_from_args(parser.parse_args(["--experiment", str(spec), "--seeds", "2"]))
    assert config.seeds == 2 and config.population == "lonely"  # the command line wins
    cells = config.cells()
    assert len(cells) == (2 + 2) * 2
    assert {c.run_name for c in cells} >= {
        "Companion-v0__satisfaction_-_2xinduced_shift__ppo__1",
        "Companion-v0__none__heuristic__0",
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("rewardz: [engagement]\n")
    with pytest.raises(ValueError, match="unknown experiment field"):
        config_from_args(parser.parse_args(["--experiment", str(bad)]))
