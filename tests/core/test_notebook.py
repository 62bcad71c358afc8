"""The comparison notebook: executed as a user runs it, it shows its figures and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagym.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "compare_rewards.ipynb"


@pytest.fixture(scope="module")
def baseline_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of scripted baselines only: the notebook's input, without training."""
    out = tmp_path_factory.mktemp("nb") / "baselines"
    argv = [
        "compare", "--rewards", "--baselines", "random", "heuristic", "--seeds", "2",
        "--eval-users", "16", "--jobs", "1", "--no-progress", "--wandb", "disabled",
        "--out", str(out),
    ]  # fmt: skip
    assert cli_main(argv) == 0
    return out


@pytest.mark.slow
def test_notebook_displays_its_figures_and_writes_nothing(
    baseline_results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    before = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    results_before = sorted(p.name for p in baseline_results.iterdir())
    monkeypatch.setenv("SAGYM_RESULTS", str(baseline_results))
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as headless CI runs it; the notebook picks inline
    NotebookClient(
        nb, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()  # fmt: skip
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == before
    assert sorted(p.name for p in baseline_results.iterdir()) == results_before

    code = [c for c in nb.cells if c.cell_type == "code"]
    text = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "4 runs, designs: ['random', 'heuristic']" in text
    assert "correlation across runs" in text
    figures = [
        [o for o in c.outputs if o.output_type == "display_data" and "image/png" in o.data]
        for c in code
    ]
    # Outcomes; trajectories (all users, by persona) and personas; the trade-off scatter; the
    # improvement matrices.
    assert [len(f) for f in figures] == [0, 1, 3, 1, 1]
    for shown in (o for f in figures for o in f):
        assert len(shown.data["image/png"]) > 1000  # a rendered PNG, base64
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
