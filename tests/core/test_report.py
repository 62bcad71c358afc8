"""Report helpers: designs whose seeds collapsed to one policy are called out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

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


# ------------------------------------------------------------------ synthetic comparison frames
ACTIONS = ("a", "b")


def synthetic_results(seeds: int = 3, best_fixed: bool = True) -> pd.DataFrame:
    """A comparison as results.csv holds it, with the columns of the scored schema: a trained
    design, the random baseline and (optionally) the best-fixed and planner references."""
    import numpy as np

    rng = np.random.default_rng(7)
    rows = []
    specs = [("engagement", "ppo", "engagement"), ("none", "random", "random")]
    if best_fixed:
        specs += [
            ("engagement", "best_fixed", "engagement/best_fixed"),
            ("engagement", "planner", "engagement/planner"),
        ]
    for reward, algo, design in specs:
        for seed in range(seeds):
            share_a = {"engagement": 0.75, "random": 0.5, "engagement/best_fixed": 0.0}.get(
                design, 0.3
            )
            lonely_a = {"engagement": 0.9}.get(design, share_a)
            rows.append(
                {
                    "env": "sagym/Companion-v0", "reward": reward, "algo": algo, "seed": seed,
                    "design": design, "steps": 1000 if algo == "ppo" else 0,
                    "wellbeing_final": 0.4 + 0.01 * seed + (0.1 if algo == "ppo" else 0.0),
                    "wellbeing_vs_counterfactual": 0.02 * seed - 0.01,
                    "human_connection": 0.5 + 0.01 * seed, "dependence": float(rng.uniform()),
                    "induced_shift": 0.1 * (seed + 1), "engagement": float(rng.uniform()),
                    "return": 10.0 + seed, "score": {"random": 0.0}.get(design, 0.5 + 0.1 * seed),
                    "eval_mode": "sampled",
                    "share_a": share_a, "share_b": 1.0 - share_a,
                    "share_a@lonely": lonely_a, "share_b@lonely": 1.0 - lonely_a,
                    "wellbeing_vs_counterfactual@lonely": 0.01 * seed,
                    "human_connection@lonely": 0.3 + 0.01 * seed,
                    "dependence@lonely": 0.6 + 0.01 * seed,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def synthetic_trajectories(results: pd.DataFrame, days: int = 5) -> pd.DataFrame:
    rows = []
    for record in results.to_dict("records"):
        for persona in ("all", "lonely"):
            for day in range(1, days + 1):
                rows.append(
                    {
                        "env": record["env"], "design": record["design"], "seed": record["seed"],
                        "day": day, "persona": persona,
                        "wellbeing": 0.4 + 0.01 * day + 0.001 * record["seed"],
                        "twin_wellbeing": 0.45, "human_connection": 0.5 - 0.01 * record["seed"],
                        "twin_human_connection": 0.55, "dependence": 0.1 * day,
                        "induced_shift": 0.02 * day,
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def write_folder(out: Path) -> None:
    """The comparison's own config and one cell's config, as ``sagym compare`` leaves them."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    config = {
        "envs": ["sagym/Companion-v0"],
        "horizon": 5,
        "population": "default",
        "eval_users": 64,
        "eval_seed": 3,
        "hyperparams": {"learning_rate": 0.0003},
    }
    (out / "compare_config.json").write_text(json.dumps(config))
    cell = out / "runs" / "Companion-v0__engagement__ppo__0"
    cell.mkdir(parents=True)
    hp = {"learning_rate": 0.0003, "n_steps": 64, "gamma": 0.99}
    (cell / "config.json").write_text(json.dumps({"hyperparams": hp, "n_envs": 16}))


def _report(tmp_path: Path, results: pd.DataFrame) -> tuple[str, str]:
    from sagym.report import build_report

    write_folder(tmp_path)
    _, table = build_report(results, synthetic_trajectories(results), tmp_path)
    return (tmp_path / "report.md").read_text(), table


@pytest.fixture(scope="module")
def scored_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return _report(tmp_path_factory.mktemp("report"), synthetic_results())


def test_report_opens_with_what_was_run(scored_report: tuple[str, str]) -> None:
    import sagym
    from sagym.tracking import git_commit

    report, _ = scored_report
    head = report.split("## Outcomes")[0]
    for row in (
        "| environments | sagym/Companion-v0 |",
        "| designs | engagement (trained), random (scripted baseline), engagement/best_fixed "
        "(reference), engagement/planner (reference) |",
        "| algorithm ppo | gamma=0.99, learning_rate=0.0003, n_steps=64 (as resolved for the "
        "runs); 16 users in parallel |",
        "| budget | 1,000 training steps (user-days) per run |",
        "| seeds | 3 per design (seeds 0, 1, 2) |",
        "| population | default |",
        "| horizon | 5 days |",
        "| evaluation users | 64 held-out users (eval seed 3), the same for every run |",
        "| evaluation mode | sampled (actions drawn from each policy) |",
    ):
        assert row in head, row
    assert f"| sagym | {sagym.__version__}, code hash " in head
    assert f"commit {git_commit() or 'none (not run from a git checkout)'} |" in head


def test_main_table_shows_return_and_score_first(scored_report: tuple[str, str]) -> None:
    report, table = scored_report
    assert "| design | return | score | wellbeing_final |" in report
    # return of engagement over seeds 0..2: 10, 11, 12 -> mean 11
    assert "| engagement | 11.000 [" in report
    assert table.splitlines()[2].startswith("return ")
    assert table.splitlines()[3].startswith("score ↑")


def test_behaviour_mix_overall_and_per_persona(scored_report: tuple[str, str]) -> None:
    report, _ = scored_report
    mix = report.split("## Learned behaviour mix")[1].split("### Best fixed")[0]
    assert "| design | a | b |" in mix
    assert "| engagement | 75 % | 25 % |" in mix
    assert "| random | 50 % | 50 % |" in mix
    lonely = mix.split("Persona lonely:")[1]
    assert "| engagement | 90 % | 10 % |" in lonely


def test_best_fixed_reference_row_names_its_action(scored_report: tuple[str, str]) -> None:
    report, _ = scored_report
    section = report.split("### Best fixed behaviour (reference)")[1].split("## ")[0]
    assert "| reference | reward | action | return | score |" in section
    assert "| engagement/best_fixed | engagement | b | 11.000 | 0.600 |" in section


def test_without_best_fixed_rows_the_reference_is_a_one_line_note(tmp_path: Path) -> None:
    from sagym.report import best_fixed_section

    results = synthetic_results(best_fixed=False)
    assert best_fixed_section(results) == [
        "No best-fixed-behaviour reference: the results hold no `best_fixed` rows (the best "
        "single action repeated every day), so no row shows what a fixed behaviour achieves."
    ]
    report, _ = _report(tmp_path, results.drop(columns=["return", "score", "eval_mode"]))
    assert "| design | wellbeing_final |" in report  # no return or score columns
    assert "| evaluation mode | greedy (each policy's most likely action) |" in report


def test_differences_against_random_are_differences_of_means_with_intervals() -> None:
    from sagym.report import baseline_differences

    results = synthetic_results()
    designs = list(dict.fromkeys(results["design"]))
    diff = baseline_differences(results, designs, ["wellbeing_final", "induced_shift"])
    assert "random" not in set(diff["design"])
    row = diff[(diff["design"] == "engagement") & (diff["metric"] == "wellbeing_final")].iloc[0]
    assert row["difference"] == pytest.approx(0.1)
    assert row["low"] <= row["difference"] <= row["high"] and row["high"] - row["low"] > 0
    same = diff[diff["metric"] == "induced_shift"]
    assert same["difference"].tolist() == [0.0, 0.0, 0.0]  # identical seeds on both sides
    assert diff.equals(baseline_differences(results, designs, ["wellbeing_final", "induced_shift"]))
    assert baseline_differences(results[results["algo"] != "random"], designs, ["score"]).empty


def test_differences_against_the_twin(scored_report: tuple[str, str]) -> None:
    from sagym.report import twin_differences

    results = synthetic_results()
    trajectories = synthetic_trajectories(results)
    twin = twin_differences(results, trajectories, ["engagement"])
    by = twin.set_index("measure")
    # last day: human_connection 0.5 - 0.01*seed vs twin 0.55 -> gaps -0.05, -0.06, -0.07
    assert by.loc["human connection − twin (last day)", "mean"] == pytest.approx(-0.06)
    assert by.loc["wellbeing − twin (last day)", "mean"] == pytest.approx(0.01)
    assert by.loc["preference shift from twin (last day)", "mean"] == pytest.approx(0.2)
    report, _ = scored_report
    assert "## Against the no-AI twin" in report
    assert "| engagement | +0.010 [" in report.split("## Against the no-AI twin")[1]


def test_fewer_than_three_seeds_are_warned_about(tmp_path: Path) -> None:
    report, table = _report(tmp_path, synthetic_results(seeds=2))
    warning = "a bootstrap interval over fewer than 3 seeds is only the range of the seeds' values"
    assert warning in table and warning in report


def test_three_seeds_get_no_warning(scored_report: tuple[str, str]) -> None:
    report, table = scored_report
    assert "fewer than 3 seeds" not in report and "fewer than 3 seeds" not in table


# ---------------------------------------------------------------------------------- the figures
def _legend_texts(fig: Any) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def _assert_labelled_and_legend_outside(fig: Any) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
    renderer = fig.canvas.get_renderer()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()


def test_trajectory_figure_draws_the_twin_once_in_black_and_labels_the_band() -> None:
    from matplotlib.colors import to_rgba

    from sagym.report import trajectory_figure

    results = synthetic_results()
    fig = trajectory_figure(synthetic_trajectories(results), list(dict.fromkeys(results["design"])))
    texts = _legend_texts(fig)
    assert texts.count("no-AI twin") == 1
    assert [t for t in texts if "band" in t] == ["band: mean with 95 % bootstrap CI over seeds"]
    assert "95 % bootstrap CI over seeds" in fig.get_suptitle()
    (twin_handle,) = [
        h for lg in fig.legends for h in lg.legend_handles if h.get_label() == "no-AI twin"
    ]
    assert to_rgba(twin_handle.get_color()) == (0, 0, 0, 1)
    with_twin = 0
    for ax in fig.axes:
        twins = [line for line in ax.get_lines() if line.get_label() == "no-AI twin"]
        assert len(twins) <= 1
        for line in twins:
            assert to_rgba(line.get_color()) == (0, 0, 0, 1)
            with_twin += 1
        assert ax.collections, "a band per design"
    assert with_twin == 2  # wellbeing and human connection have a twin
    _assert_labelled_and_legend_outside(fig)


def test_band_is_the_bootstrap_interval_over_seeds() -> None:
    from sagym.figures import band_frame
    from sagym.stats import bootstrap_rows

    results = synthetic_results()
    data = synthetic_trajectories(results)
    data = data[data["persona"] == "all"]
    band = band_frame(data, "human_connection", ["engagement"], seed=0)
    assert band["mean"].round(9).tolist() == [0.49] * 5
    assert (band["low"] < band["mean"]).all() and (band["mean"] < band["high"]).all()
    wide = data[data["design"] == "engagement"].pivot_table(
        index="day", columns="seed", values="human_connection"
    )
    _, low, high = bootstrap_rows(wide.to_numpy(float), n_resamples=1000, seed=0)
    assert band["low"].tolist() == low.tolist() and band["high"].tolist() == high.tolist()


def test_per_persona_trajectories_have_a_row_per_persona() -> None:
    from sagym.report import persona_trajectory_figure

    results = synthetic_results()
    trajectories = synthetic_trajectories(results)
    designs = list(dict.fromkeys(results["design"]))
    fig = persona_trajectory_figure(trajectories, designs)
    assert fig is not None
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4 and all(t.startswith("lonely: ") for t in titles)
    assert _legend_texts(fig).count("no-AI twin") == 1
    assert "95 % bootstrap CI over seeds" in fig.get_suptitle()
    _assert_labelled_and_legend_outside(fig)
    alone = trajectories[trajectories["persona"] == "all"]
    assert persona_trajectory_figure(alone, designs) is None


def test_persona_bars_have_error_bars_and_labels() -> None:
    from sagym.report import persona_figure

    results = synthetic_results()
    designs = list(dict.fromkeys(results["design"]))
    fig = persona_figure(results, designs)
    assert fig is not None
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert len(ax.patches) == len(designs)  # one persona, one bar per design
        assert ax.get_lines(), "error bars"
    assert "error bars: 95 % bootstrap CI over seeds" in fig.get_suptitle()
    assert _legend_texts(fig) == designs
    _assert_labelled_and_legend_outside(fig)
    assert persona_figure(results[["design", "seed", "wellbeing_final"]], designs) is None


def test_outcome_bars_carry_the_summary_intervals() -> None:
    from sagym.report import outcome_figure
    from sagym.stats import summarize

    results = synthetic_results()
    designs = list(dict.fromkeys(results["design"]))
    summary = summarize(results, "design", ["wellbeing_final", "dependence", "score", "return"])
    fig = outcome_figure(summary, designs)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["score ↑", "wellbeing_final ↑", "dependence ↓"]
    first = fig.axes[1]
    heights = [round(p.get_height(), 9) for p in first.patches]
    expected = summary[summary["metric"] == "wellbeing_final"]["mean"].round(9).tolist()
    assert heights == expected
    (bars,) = [c for c in first.containers if type(c).__name__ == "ErrorbarContainer"]
    segments = bars.lines[2][0].get_segments()
    lows = [round(float(s[0][1]), 9) for s in segments]
    assert lows == summary[summary["metric"] == "wellbeing_final"]["mean_low"].round(9).tolist()
    _assert_labelled_and_legend_outside(fig)


def test_references_count_neither_for_the_seed_warning_nor_the_collapse_note(
    tmp_path: Path,
) -> None:
    results = synthetic_results()
    reference = results["algo"].isin(["best_fixed", "planner"])
    one_seed = results[~reference | (results["seed"] == 0)]
    _, table = _report(tmp_path / "one", one_seed)
    assert "fewer than 3 seeds" not in table
    same = results.copy()
    same.loc[reference, "wellbeing_final"] = 0.5
    for column in ("dependence", "engagement", "induced_shift", "human_connection"):
        same.loc[reference, column] = 0.25
    same.loc[reference, "wellbeing_vs_counterfactual"] = 0.0
    _, table = _report(tmp_path / "same", same)
    assert "ended with identical outcomes" not in table


def test_every_file_the_report_writes_is_one_the_output_folder_knows(tmp_path: Path) -> None:
    """A rerun refuses a folder with files sagym did not write: the report's must be known."""
    from sagym.grid_folder import SAGYM_NAMES

    _report(tmp_path, synthetic_results())
    written = {p.name for p in tmp_path.iterdir()}
    assert {"report.md", "trajectories_personas.png", "personas.png"} <= written
    assert written <= SAGYM_NAMES


def test_a_folder_without_its_configs_gives_a_header_that_says_unknown(tmp_path: Path) -> None:
    from sagym.report import run_settings

    (tmp_path / "compare_config.json").write_text("{not json")
    rows = dict(run_settings(synthetic_results(), tmp_path))
    assert rows["horizon"] == "unknown" and rows["population"] == "unknown"
    assert rows["algorithm ppo"] == (
        "no overrides (overrides given; the runs' config.json is missing); "
        "default users in parallel"
    )
    assert rows["seeds"] == "3 per design (seeds 0, 1, 2)"
    assert rows["evaluation mode"] == "sampled (actions drawn from each policy)"
