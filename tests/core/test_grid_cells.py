"""Grid cells: duplicates merged, files verified before reuse, cache keys that see code changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sagym
from sagym.cell_store import MANIFEST, cell_key, check_cell
from sagym.experiment import CompareConfig, duplicate_notes, run_grid, unique_cells

TINY: dict[str, Any] = {
    "envs": ["sagym/Companion-v0"], "rewards": ["engagement"], "baselines": ["random"],
    "seeds": 1, "steps": 64, "n_envs": 2, "horizon": 5, "eval_users": 4,
    "hyperparams": {"n_steps": 32, "batch_size": 64}, "jobs": 1, "wandb": "disabled",
    "progress": False,
}  # fmt: skip
CELL = "Companion-v0__engagement__ppo__0"


def _config(out: Path, **changes: Any) -> CompareConfig:
    return CompareConfig(**{**TINY, "out": str(out), **changes})


def test_duplicate_entries_and_spellings_are_merged_with_a_note() -> None:
    config = CompareConfig(
        rewards=["engagement", "engagement", "satisfaction-2*induced_shift",
                 "satisfaction - 2*induced_shift"],
        baselines=["random", "random"], algos=["ppo", "ppo"], seeds=2, wandb="disabled",
    )  # fmt: skip
    cells = unique_cells(config.cells())
    assert [(c.reward, c.algo, c.seed) for c in cells] == [
        ("engagement", "ppo", 0), ("engagement", "ppo", 1),
        ("satisfaction-2*induced_shift", "ppo", 0), ("satisfaction-2*induced_shift", "ppo", 1),
        ("engagement", "random", 0), ("engagement", "random", 1),
    ]  # fmt: skip
    assert duplicate_notes(config) == [
        "rewards: 'engagement' is listed more than once; it runs once",
        "rewards: 'satisfaction - 2*induced_shift' is the same as "
        "'satisfaction-2*induced_shift'; it runs once, as the latter",
        "baselines: 'random' is listed more than once; it runs once",
        "algos: 'ppo' is listed more than once; it runs once",
    ]


def test_a_duplicated_baseline_is_one_row_per_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path / "out", rewards=[], baselines=["random", "random"], seeds=2)
    grid = run_grid(config)
    assert list(grid.results["seed"]) == [0, 1] and set(grid.results["algo"]) == {"random"}
    assert (grid.evaluated, grid.reused) == (2, 0)
    assert capsys.readouterr().err == (
        "sagym compare: note: baselines: 'random' is listed more than once; it runs once\n"
    )


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cells") / "finished"
    grid = run_grid(_config(out))
    assert (grid.trained, grid.evaluated, grid.reused) == (1, 1, 0)
    return out


def _copy(finished: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    return copy


def _rewrite_manifest_entry(folder: Path, name: str) -> None:
    """Record the damaged file in the manifest, as if it had been damaged before being written."""
    import hashlib

    manifest = json.loads((folder / MANIFEST).read_text())
    data = (folder / name).read_bytes()
    manifest["files"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / MANIFEST).write_text(json.dumps(manifest))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_zip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "note"),
    [
        (lambda f: _truncate(f / "trajectory.csv"), "trajectory.csv has {half} bytes, {size} were "
         "written"),
        (lambda f: _truncate(f / "outcomes.json"), "outcomes.json has {half} bytes, {size} were "
         "written"),
        (lambda f: _corrupt_zip(f / "model.zip"), "model.zip does not match its checksum"),
        (lambda f: (f / "model.zip").unlink(), "model.zip is missing"),
        (lambda f: (_truncate(f / "outcomes.json"), _rewrite_manifest_entry(f, "outcomes.json")),
         "outcomes.json does not parse"),
        (lambda f: (_corrupt_zip(f / "model.zip"), _rewrite_manifest_entry(f, "model.zip")),
         "model.zip has a corrupt entry"),
        (lambda f: (f / MANIFEST).write_text('{"key": '), "cell.json is unreadable"),
    ],
    ids=["trajectory-truncated", "outcomes-truncated", "model-corrupt", "model-missing",
         "outcomes-truncated-before-manifest", "model-corrupt-before-manifest",
         "manifest-truncated"],
)  # fmt: skip
def test_a_damaged_cell_runs_again_with_a_one_line_note(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, note: str
) -> None:
    copy = _copy(finished, tmp_path)
    folder = copy / "runs" / CELL
    name = note.split(" ")[0]
    size = (folder / name).stat().st_size if (folder / name).exists() else 0
    damage(folder)
    grid = run_grid(_config(copy))
    assert (grid.trained, grid.evaluated, grid.reused) == (1, 0, 1)
    expected = note.format(half=size // 2, size=size)
    assert capsys.readouterr().err == f"sagym compare: note: running {CELL} again: {expected}\n"
    assert (copy / "results.csv").read_bytes() == (finished / "results.csv").read_bytes()
    assert run_grid(_config(copy)).reused == 2  # whole again: reused from now on


@pytest.mark.slow
def test_an_interrupted_cell_without_manifest_runs_again_silently(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(finished, tmp_path)
    (copy / "runs" / CELL / MANIFEST).unlink()
    (copy / "runs" / CELL / "outcomes.json").write_text('{"engagement": 0.')  # half written
    grid = run_grid(_config(copy))
    assert (grid.trained, grid.reused) == (1, 1)
    assert capsys.readouterr().err == ""
    assert (copy / "results.csv").read_bytes() == (finished / "results.csv").read_bytes()


@pytest.mark.slow
def test_another_sagym_version_or_force_reruns(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(finished, tmp_path)
    manifest_path = copy / "runs" / CELL / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    assert manifest["key"]["sagym_version"] == sagym.__version__
    assert set(manifest["key"]["code"]) == {"sagym", "user"}
    manifest["key"]["sagym_version"] = "0.0.1"
    manifest_path.write_text(json.dumps(manifest))
    grid = run_grid(_config(copy))
    assert (grid.trained, grid.reused) == (1, 1)
    assert capsys.readouterr().err == (
        f"sagym compare: note: running {CELL} again: it was run by another sagym version\n"
    )
    grid = run_grid(_config(copy, force=True))
    assert (grid.trained, grid.evaluated, grid.reused) == (1, 1, 0)
    assert (copy / "results.csv").read_bytes() == (finished / "results.csv").read_bytes()


def test_cell_keys_differ_by_settings_and_user_code(tmp_path: Path) -> None:
    cells = unique_cells(_config(tmp_path).cells())
    trained, baseline = cells
    key = cell_key(trained)
    assert key == cell_key(trained)  # stable within one code version
    assert key["sagym_version"] == sagym.__version__
    assert key["code"]["sagym"] == cell_key(baseline)["code"]["sagym"]
    assert "out" not in key and "wandb" not in key and "progress" not in key
    assert check_cell(trained, key).reusable is False  # nothing on disk yet: no note
    assert check_cell(trained, key).note is None


USER_REWARD = """
from sagym.rewards import Reward, register_reward


@register_reward(overwrite=True)
class GridKindness(Reward):
    name = "grid_kindness"
    doc = "A user reward whose code the test edits."

    def __call__(self, signals):
        return {body}
"""


@pytest.mark.slow
def test_editing_a_registered_reward_reruns_its_cells(tmp_path: Path) -> None:
    module = tmp_path / "grid_user_reward.py"
    module.write_text(textwrap.dedent(USER_REWARD.format(body="signals.liking")))
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "sagym", "compare", "--import", "grid_user_reward",
        "--env", "sagym/Companion-v0", "--rewards", "grid_kindness", "--baselines", "--seeds",
        "1", "--steps", "64", "--n-envs", "2", "--horizon", "5", "--eval-users", "4",
        "--hp", "n_steps=32", "--hp", "batch_size=64", "--jobs", "1", "--no-progress",
        "--wandb", "disabled", "--out", str(out),
    ]  # fmt: skip

    def compare() -> subprocess.CompletedProcess[str]:
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    first = compare()
    assert "1 runs (1 trained now, 0 baselines evaluated now, 0 reused)" in first.stdout
    assert "1 runs (0 trained now, 0 baselines evaluated now, 1 reused)" in compare().stdout
    module.write_text(textwrap.dedent(USER_REWARD.format(body="-signals.liking")))
    edited = compare()
    assert "1 runs (1 trained now, 0 baselines evaluated now, 0 reused)" in edited.stdout
    assert (
        "sagym compare: note: running Companion-v0__grid_kindness__ppo__0 again: "
        "the code it ran with has changed"
    ) in edited.stderr
    results = pd.read_csv(out / "results.csv")
    assert list(results["reward"]) == ["grid_kindness"]
