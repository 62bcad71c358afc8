"""W&B runs of comparisons, read back from offline runs: groups, tags, versions and curves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sagym
from sagym.cell_store import sagym_code_hash
from sagym.cli import main as cli_main
from sagym.config import CompareConfig, run_tags
from sagym.tracking import daily_means, git_commit

TINY = [  # on the v0 companion, whose run names and tags the test spells out
    "compare", "--env", "sagym/Companion-v0", "--rewards", "engagement", "--baselines", "random",
    "--seeds", "1", "--steps", "1500", "--n-envs", "16", "--eval-users", "16", "--hp", "n_steps=64",
    "--hp", "batch_size=256", "--jobs", "1", "--no-progress", "--wandb", "offline",
]  # fmt: skip


def _runs(
    out: Path, read: Callable[[Path], list[dict[str, Any]]]
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each offline run of a comparison by display name: its run record and its history rows."""
    found = {}
    for folder in sorted((out / "wandb").glob("offline-run-*")):
        records = read(folder)
        info = next(r for r in records if r.get("type") == "run")["run"]
        history = [dict(r["history"]["item"]) for r in records if r.get("type") == "history"]
        found[info["display_name"]] = (info, history)
    return found


@pytest.mark.slow
def test_two_comparisons_land_in_two_groups_with_tags_versions_and_curves(
    tmp_path: Path, wandb_records: Callable[[Path], list[dict[str, Any]]]
) -> None:
    first, second = tmp_path / "exp_a", tmp_path / "exp_b"
    assert cli_main([*TINY, "--out", str(first)]) == 0
    assert cli_main(
        [*TINY, "--out", str(second), "--horizon", "30", "--wandb-group", "short-horizon",
         "--wandb-tags", "ablation", "h30"]
    ) == 0  # fmt: skip
    runs_a, runs_b = _runs(first, wandb_records), _runs(second, wandb_records)
    names = {
        "Companion-v0__engagement__ppo__0",
        "Companion-v0__none__random__0",
    }
    assert set(runs_a) == names | {"compare__exp_a"}
    assert set(runs_b) == names | {"compare__exp_b"}
    # One group per comparison: the folder's name, or --wandb-group.
    assert {info["run_group"] for info, _ in runs_a.values()} == {"exp_a"}
    assert {info["run_group"] for info, _ in runs_b.values()} == {"short-horizon"}

    commit = git_commit()
    for runs, extra in ((runs_a, []), (runs_b, ["ablation", "h30"])):
        agent, curve = runs["Companion-v0__engagement__ppo__0"]
        baseline, _ = runs["Companion-v0__none__random__0"]
        assert agent["tags"] == [*extra, "design:engagement", "env:sagym/Companion-v0",
                                 "algo:ppo", "seed:0"]  # fmt: skip
        assert baseline["tags"] == [*extra, "design:random", "env:sagym/Companion-v0",
                                    "algo:random", "seed:0", "baseline"]  # fmt: skip
        config = agent["config"]["update"]
        base_config = baseline["config"]["update"]
        assert (config["design"], config["reward"], config["baseline"]) == (
            "engagement",
            "engagement",
            False,
        )
        # The random baseline is configured as itself, not as the engagement placeholder.
        assert (base_config["design"], base_config["reward"], base_config["baseline"]) == (
            "random",
            None,
            True,
        )
        for record in (config, base_config):
            assert record["sagym_version"] == sagym.__version__
            assert record["sagym_code_hash"] == sagym_code_hash()
            assert record["git_commit"] == commit
        # Held-out outcomes during training (steps // 4 = 375: at each 1024-step rollout), and
        # the final point at the 2048 steps the model trained, not the 1500 asked for.
        evals = [h["global_step"] for h in curve if "eval/wellbeing_final" in h]
        assert evals == [1024, 2048]
        finals = [h["global_step"] for h in curve if "outcome/wellbeing_final" in h]
        assert finals == [2048]
        steps = [h["global_step"] for h in curve if "global_step" in h]
        assert steps == sorted(steps), "the x-axis steps backwards"
    assert runs_b["Companion-v0__engagement__ppo__0"][0]["config"]["update"]["horizon"] == 30
    summary, logged = runs_b["compare__exp_b"]
    tables = {k.removesuffix("._type"): v for row in logged for k, v in row.items()}
    assert tables["improvement/wellbeing_final"] == "table-file"
    assert tables["trajectories/daily"] == "table-file"
    assert "trajectories/wellbeing_table" in tables  # the line plot's data
    daily = daily_means(pd.read_csv(second / "trajectories.csv"))
    assert list(daily["design"].unique()) == ["engagement", "random"]
    assert (daily["day"].min(), daily["day"].max(), len(daily)) == (1, 30, 2 * 30)
    traj = pd.read_csv(second / "trajectories.csv")
    day5 = traj[(traj["persona"] == "all") & (traj["design"] == "random") & (traj["day"] == 5)]
    row = daily[(daily["design"] == "random") & (daily["day"] == 5)].iloc[0]
    assert row["wellbeing"] == pytest.approx(day5["wellbeing"].mean())
    assert row["twin_wellbeing"] == pytest.approx(day5["twin_wellbeing"].mean())
    assert summary["tags"][:3] == ["ablation", "h30", "comparison"]
    assert summary["config"]["update"]["experiment"] == "short-horizon"


def test_run_tags_label_baselines_and_cut_long_designs() -> None:
    assert run_tags([], "fixed:companion", "sagym/Feed-v0", "fixed:companion", 2) == [
        "design:fixed:companion", "env:sagym/Feed-v0", "algo:fixed:companion", "seed:2",
        "baseline",
    ]  # fmt: skip
    long = "satisfaction - 2*induced_shift + 0.5*need_support - 0.25*engagement"
    tags = run_tags(["x", "x"], long, "sagym/Companion-v0", "ppo", 0)
    assert tags[0] == "x" and tags[1] == f"design:{long}"[:64]
    assert all(len(t) <= 64 for t in tags)


def test_experiment_name_is_the_output_folder_or_the_group(tmp_path: Path) -> None:
    config = CompareConfig(out=str(tmp_path / "grid_a"), wandb="disabled")
    assert config.experiment_name() == "grid_a"
    config.wandb_group = "mine"
    assert config.experiment_name() == "mine"
    assert {cell.wandb_group for cell in config.cells()} == {"mine"}
    # steps // 4 of the default 500k
    assert {cell.eval_every for cell in config.cells() if cell.algo == "ppo"} == {125_000}
    config.eval_every = 0
    assert {cell.eval_every for cell in config.cells()} == {0}


def test_git_commit_is_the_checkout_head() -> None:
    commit = git_commit()
    root = Path(sagym.__file__).resolve().parents[1]
    if (root / ".git").exists():
        assert commit is not None and len(commit) == 40 and int(commit, 16) >= 0
    else:
        assert commit is None
