"""A comparison writes only into a new or empty folder, or one that holds the same experiment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagym.cli import main as cli_main
from sagym.experiment import CompareConfig, run_grid


def _baselines(out: Path, **changes: Any) -> CompareConfig:
    """A grid of scripted baselines only: seconds to run, same folder rules as any grid."""
    fields: dict[str, Any] = {
        "envs": ["sagym/Companion-v0"], "rewards": [], "baselines": ["random"], "seeds": 1,
        "horizon": 5, "eval_users": 4, "out": str(out), "jobs": 1, "wandb": "disabled",
        "progress": False,
    }  # fmt: skip
    fields.update(changes)
    return CompareConfig(**fields)


def test_a_new_or_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for name in ("new", "empty"):
        grid = run_grid(_baselines(tmp_path / name))
        assert (grid.trained, grid.evaluated, grid.reused) == (0, 1, 0)
        assert (tmp_path / name / "results.csv").exists()


@pytest.mark.parametrize("name", ["notes.txt", "results.csv", "report.md"])
def test_a_folder_with_files_sagym_did_not_write_is_refused(tmp_path: Path, name: str) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / name).write_text("the user's own work\n")
    with pytest.raises(ValueError) as info:
        run_grid(_baselines(out))
    assert str(info.value) == (
        f"output folder {out} holds files sagym did not write ({name}); choose a new or empty "
        "folder, or pass --force to write there anyway"
    )
    assert sorted(p.name for p in out.iterdir()) == [name]  # nothing written, nothing replaced
    assert (out / name).read_text() == "the user's own work\n"


def test_force_writes_into_a_folder_with_other_files(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me\n")
    grid = run_grid(_baselines(out, force=True))
    assert grid.evaluated == 1
    assert (out / "notes.txt").read_text() == "keep me\n"


def test_another_experiment_is_refused_and_names_what_differs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_grid(_baselines(out))
    before = (out / "results.csv").read_bytes()
    with pytest.raises(ValueError) as info:
        run_grid(_baselines(out, horizon=6, eval_users=5))
    assert str(info.value) == (
        f"output folder {out} holds another experiment (horizon: 5 there, 6 here; "
        "eval_users: 4 there, 5 here); choose another --out, or pass --force to rerun every "
        "cell there"
    )
    assert (out / "results.csv").read_bytes() == before
    assert json.loads((out / "compare_config.json").read_text())["horizon"] == 5
    grid = run_grid(_baselines(out, horizon=6, eval_users=5, force=True))
    assert (grid.evaluated, grid.reused) == (1, 0)


def test_adding_seeds_or_designs_to_an_experiment_resumes_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_grid(_baselines(out))
    grid = run_grid(_baselines(out, seeds=2, baselines=["random", "heuristic"]))
    assert (grid.evaluated, grid.reused) == (3, 1)
    assert len(grid.results) == 4
    grid = run_grid(_baselines(out, seeds=2, baselines=["random", "heuristic"], jobs=2))
    assert (grid.trained, grid.evaluated, grid.reused) == (0, 0, 4)  # jobs is not the experiment


def test_an_unreadable_config_of_ours_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_grid(_baselines(out))
    (out / "compare_config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"has an unreadable compare_config\.json"):
        run_grid(_baselines(out))


def test_bad_out_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["compare", "--rewards", "engagement", "--out", "", "--wandb", "disabled"]) == 2
    printed = capsys.readouterr()
    assert printed.err == "sagym compare: error: out must not be empty; got ''\n"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=f"out must be a folder; '{a_file}' is a file"):
        run_grid(_baselines(a_file))
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        run_grid(_baselines(tmp_path / "never", seeds=0))
    with pytest.raises(ValueError, match="backend must be one of 'local' or 'ray'; got 'spark'"):
        run_grid(_baselines(tmp_path / "never", backend="spark"))
    assert not (tmp_path / "never").exists()


def test_temporary_files_of_a_killed_writer_are_allowed_and_cleared(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_grid(_baselines(out))
    left = [out / ".results.csv.k2j4x9_a.tmp", out / ".outcomes.png.q8d1zz0w.tmp.png"]
    cell = out / "runs" / "Companion-v0__none__random__0"
    (cell / "cell.json").unlink()  # the cell was being rewritten when its writer was killed
    left.append(cell / ".trajectory.csv.a1b2c3d4.tmp")
    for path in left:
        path.write_text("half")
    grid = run_grid(_baselines(out))
    assert (grid.evaluated, grid.reused) == (1, 0)
    assert [p for p in left if p.exists()] == []
