"""Report helpers: designs whose seeds collapsed to one policy are called out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sagym.report import collapse_note, collapsed_designs


def test_collapsed_designs_are_those_with_identical_seeds() -> None:
    results = pd.DataFrame(
        {
            "design": ["a", "a", "b", "b", "c"],
            "wellbeing_final": [0.3, 0.3, 0.4, 0.5, 0.1],
            "engagement": [0.8, 0.8, 0.2, 0.2, 0.4],
        }
    )
    assert collapsed_designs(results, ["wellbeing_final", "engagement"]) == ["a"]
    assert "every seed of a ended with identical outcomes" in collapse_note(["a"])


def test_importing_the_report_leaves_the_backend_to_the_caller() -> None:
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import sagym.report; "
        "print(matplotlib.get_backend())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "svg"


def test_figures_are_built_outside_pyplot_and_saved_whole(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from sagym.report import outcome_bars, outcome_figure

    summary = pd.DataFrame(
        {
            "design": ["a", "b"],
            "metric": ["wellbeing_final", "wellbeing_final"],
            "mean": [0.4, 0.6],
            "mean_low": [0.3, 0.5],
            "mean_high": [0.5, 0.7],
        }
    )
    open_before = plt.get_fignums()
    fig = outcome_figure(summary, ["a", "b"])
    assert isinstance(fig, Figure) and plt.get_fignums() == open_before
    bars = [p for p in fig.axes[0].patches]
    assert [round(b.get_height(), 6) for b in bars] == [0.4, 0.6]
    outcome_bars(summary, ["a", "b"], tmp_path / "outcomes.png")
    assert (tmp_path / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outcomes.png"]
