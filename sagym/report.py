"""Plots and the Markdown report of a comparison: what a person looks at first.

The figures are built as :class:`matplotlib.figure.Figure` objects, outside pyplot: no backend is
chosen here (a notebook keeps its inline backend and shows them; a script or a worker without a
display saves them all the same, since ``Figure.savefig`` renders PNG itself), and no pyplot
state is left open. ``*_figure`` returns a figure to show; ``outcome_bars``, ``trajectory_plot``
and ``persona_plot`` save one.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sagym.io import atomic_write_csv, atomic_write_text, atomic_write_with
from sagym.outcomes import HEADLINE_METRICS, METRIC_DIRECTION, OUTCOME_METRICS
from sagym.stats import improvement_matrix, summarize

TRAJECTORY_PANELS: tuple[tuple[str, str | None, str], ...] = (
    ("wellbeing", "twin_wellbeing", "wellbeing (dashed: no-AI twin)"),
    ("human_connection", "twin_human_connection", "human connection (dashed: twin)"),
    ("dependence", None, "dependence"),
    ("induced_shift", None, "preference shift from the no-AI twin"),
)


def _colours(designs: list[str]) -> dict[str, tuple[float, float, float, float]]:
    cmap = matplotlib.colormaps["tab10"]
    return {d: cmap(i % 10) for i, d in enumerate(designs)}


def _save(fig: Figure, path: Path) -> None:
    atomic_write_with(
        path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight"), suffix=path.suffix
    )


def outcome_bars(summary: pd.DataFrame, designs: list[str], path: Path) -> None:
    """Save :func:`outcome_figure` to ``path``."""
    _save(outcome_figure(summary, designs), path)


def outcome_figure(summary: pd.DataFrame, designs: list[str]) -> Figure:
    """One panel per metric: the mean of each design over seeds, with its 95 % interval."""
    metrics = [m for m in HEADLINE_METRICS if m in set(summary["metric"])]
    cols = 4
    rows = int(np.ceil(len(metrics) / cols))
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    colours = _colours(designs)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = summary[summary["metric"] == metric].set_index("design").reindex(designs)
        mean = sub["mean"].to_numpy(dtype=float)
        err = np.vstack(
            [mean - sub["mean_low"].to_numpy(float), sub["mean_high"].to_numpy(float) - mean]
        )
        ax.bar(range(len(designs)), mean, yerr=err, color=[colours[d] for d in designs], capsize=3)
        arrow = {1: " ↑", -1: " ↓"}.get(METRIC_DIRECTION.get(metric, 0), "")
        ax.set_title(metric + arrow, fontsize=10)
        ax.set_xticks(range(len(designs)), designs, rotation=30, ha="right", fontsize=8)
        ax.axhline(0, color="black", linewidth=0.5)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle("Long-term outcomes on held-out users (mean over seeds, 95 % bootstrap CI)")
    fig.tight_layout()
    return fig


def trajectory_plot(trajectories: pd.DataFrame, designs: list[str], path: Path) -> None:
    """Save :func:`trajectory_figure` to ``path``."""
    _save(trajectory_figure(trajectories, designs), path)


def trajectory_figure(trajectories: pd.DataFrame, designs: list[str]) -> Figure:
    """Per-day means over users and seeds for each design (shaded: spread across seeds)."""
    data = trajectories[trajectories["persona"] == "all"]
    fig = Figure(figsize=(4.2 * len(TRAJECTORY_PANELS), 3.2))
    axes = fig.subplots(1, len(TRAJECTORY_PANELS))
    colours = _colours(designs)
    for ax, (signal, twin, title) in zip(axes, TRAJECTORY_PANELS, strict=True):
        for design in designs:
            sub = data[data["design"] == design]
            by_day = sub.groupby("day")[signal]
            mean, low, high = by_day.mean(), by_day.quantile(0.1), by_day.quantile(0.9)
            ax.plot(mean.index, mean.to_numpy(), color=colours[design], label=design)
            ax.fill_between(
                mean.index, low.to_numpy(), high.to_numpy(), color=colours[design], alpha=0.15
            )
            if twin is not None:
                t = sub.groupby("day")[twin].mean()
                ax.plot(t.index, t.to_numpy(), color=colours[design], linestyle="--", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def persona_plot(results: pd.DataFrame, designs: list[str], path: Path) -> None:
    """Save :func:`persona_figure` to ``path`` (nothing when the results have no personas)."""
    fig = persona_figure(results, designs)
    if fig is not None:
        _save(fig, path)


def persona_figure(results: pd.DataFrame, designs: list[str]) -> Figure | None:
    """Outcomes per persona: who gains and who loses under each design."""
    metrics = ("wellbeing_vs_counterfactual", "human_connection", "dependence")
    personas = sorted(
        {c.split("@", 1)[1] for c in results.columns if c.startswith(f"{metrics[0]}@")}
    )
    if not personas:
        return None
    fig = Figure(figsize=(4.6 * len(metrics), 3.2))
    axes = fig.subplots(1, len(metrics))
    colours = _colours(designs)
    width = 0.8 / max(len(designs), 1)
    for ax, metric in zip(axes, metrics, strict=True):
        for j, design in enumerate(designs):
            sub = results[results["design"] == design]
            values = [sub[f"{metric}@{p}"].mean() for p in personas]
            ax.bar(
                np.arange(len(personas)) + j * width,
                values,
                width,
                color=colours[design],
                label=design,
            )
        ax.set_xticks(np.arange(len(personas)) + 0.4 - width / 2, personas)
        ax.set_title(metric, fontsize=10)
        ax.axhline(0, color="black", linewidth=0.5)
    axes[0].legend(fontsize=8)
    fig.suptitle("Outcomes by persona (mean over seeds)")
    fig.tight_layout()
    return fig


def build_report(
    results: pd.DataFrame, trajectories: pd.DataFrame, out: Path, seed: int = 0
) -> tuple[pd.DataFrame, str]:
    """Write ``summary.csv``, the plots and ``report.md``; return the summary and the table text."""
    designs = list(dict.fromkeys(results["design"]))
    metrics = [m for m in OUTCOME_METRICS if m in results.columns]
    summary = summarize(results, "design", metrics, seed=seed)
    atomic_write_csv(out / "summary.csv", summary)
    table = metric_table(summary, designs, list(HEADLINE_METRICS))
    outcome_bars(summary, designs, out / "outcomes.png")
    trajectory_plot(trajectories, designs, out / "trajectories.png")
    persona_plot(results, designs, out / "personas.png")
    poi = improvement_matrix(results, "design", "wellbeing_final")
    collapsed = collapsed_designs(results, metrics)
    if collapsed:
        table += "\n\n" + collapse_note(collapsed)
    envs = list(dict.fromkeys(results["env"])) if "env" in results.columns else []
    env_line = [f"Environments: {', '.join(envs)} (designs named env/design).", ""]
    lines = [
        "# Reward-design comparison",
        "",
        *(env_line if len(envs) > 1 else []),
        f"{results['seed'].nunique()} seeds per design; every agent evaluated on the same held-out "
        "users over the full horizon. Means with 95 % bootstrap confidence intervals over seeds.",
        "",
        _markdown_table(summary, designs, list(HEADLINE_METRICS)),
        "",
        *([collapse_note(collapsed), ""] if collapsed else []),
        "![outcomes](outcomes.png)",
        "",
        "![trajectories](trajectories.png)",
        "",
        "![personas](personas.png)",
        "",
        "## Probability that the row design beats the column design on final wellbeing",
        "",
        _markdown_matrix(poi),
        "",
        "## Interquartile means (95 % CI)",
        "",
        _markdown_table(summary, designs, list(HEADLINE_METRICS), stat="iqm"),
        "",
    ]
    atomic_write_text(out / "report.md", "\n".join(lines))
    return summary, table


def metric_table(summary: pd.DataFrame, designs: list[str], metrics: list[str]) -> str:
    """A terminal table: one row per outcome (↑ higher is better, ↓ lower), one column per design.

    Each cell is the mean over seeds with its 95 % bootstrap interval.
    """
    metrics = [m for m in metrics if m in set(summary["metric"])]
    cells: dict[tuple[str, str], str] = {}
    for record in summary.to_dict("records"):
        mean, low, high = (float(record[k]) for k in ("mean", "mean_low", "mean_high"))
        cells[(str(record["design"]), str(record["metric"]))] = (
            f"{mean:.3f} [{low:.3f}, {high:.3f}]"
        )
    label = {m: m + {1: " ↑", -1: " ↓"}.get(METRIC_DIRECTION.get(m, 0), "") for m in metrics}
    first = max(len("outcome"), *(len(v) for v in label.values()))
    widths = [max(len(d), *(len(cells[(d, m)]) for m in metrics)) for d in designs]
    head = (
        "outcome".ljust(first)
        + "  "
        + "  ".join(d.rjust(w) for d, w in zip(designs, widths, strict=True))
    )
    lines = [head, "-" * len(head)]
    for metric in metrics:
        row = [cells[(d, metric)].rjust(w) for d, w in zip(designs, widths, strict=True)]
        lines.append(label[metric].ljust(first) + "  " + "  ".join(row))
    return "\n".join(lines)


def collapsed_designs(results: pd.DataFrame, metrics: list[str]) -> list[str]:
    """Designs whose seeds (two or more) all gave the same outcomes: the same learned policy."""
    out = []
    for design, group in results.groupby("design", sort=False):
        if len(group) > 1 and bool((group[metrics].nunique(dropna=False) <= 1).all()):
            out.append(str(design))
    return out


def collapse_note(designs: list[str]) -> str:
    return (
        f"Note: every seed of {', '.join(designs)} ended with identical outcomes (the same "
        "deterministic policy, evaluated on the same users), so those intervals have zero width: "
        "they show no spread between seeds, not certainty that the policy is optimal. More "
        "training steps or conservative settings (scripts/settings_agreement.py) probe that."
    )


def _markdown_matrix(matrix: pd.DataFrame) -> str:
    cols = [str(c) for c in matrix.columns]
    lines = ["| | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, row in matrix.iterrows():
        lines.append(f"| {name} | " + " | ".join(f"{float(v):.2f}" for v in row) + " |")
    return "\n".join(lines)


def _markdown_table(
    summary: pd.DataFrame, designs: list[str], metrics: list[str], stat: str = "mean"
) -> str:
    metrics = [m for m in metrics if m in set(summary["metric"])]
    head = "| design | " + " | ".join(metrics) + " |"
    rule = "|---|" + "---|" * len(metrics)
    rows = [head, rule]
    for design in designs:
        cells = []
        for metric in metrics:
            r = summary[(summary["design"] == design) & (summary["metric"] == metric)]
            if r.empty:
                cells.append("–")
                continue
            r0 = r.iloc[0]
            cells.append(f"{r0[stat]:.3f} [{r0[f'{stat}_low']:.3f}, {r0[f'{stat}_high']:.3f}]")
        rows.append(f"| {design} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
