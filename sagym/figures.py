"""The comparison's figures, drawn with seaborn over pandas frames.

Every figure is a :class:`matplotlib.figure.Figure` built outside pyplot: no backend is chosen
here (a notebook keeps its inline backend and shows them; a script or a worker without a display
saves them all the same, since ``Figure.savefig`` renders PNG itself), and no pyplot state is left
open. What each figure promises a reader, and the tests check:

* every interval is named where it is drawn: bars and bands are 95 % bootstrap confidence
  intervals over seeds (each seed is one trained agent evaluated on the same held-out users);
* the no-AI twin (the same users without the AI) is one black dashed line per panel, and one
  entry in the legend;
* every axes has both axis labels, and legends sit outside the panels, below the figure.

Seaborn's own bootstraps (bands, per-persona bars) take an explicit seed, so the same frames give
the same figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sagym.outcomes import HEADLINE_METRICS, METRIC_DIRECTION
from sagym.stats import bootstrap_rows

#: (signal, its no-AI twin's column or None, y-axis label) of each trajectory panel.
TRAJECTORY_PANELS: tuple[tuple[str, str | None, str], ...] = (
    ("wellbeing", "twin_wellbeing", "wellbeing"),
    ("human_connection", "twin_human_connection", "human connection"),
    ("dependence", None, "dependence"),
    ("induced_shift", None, "preference shift from the twin"),
)
#: The metrics of the per-persona bars.
PERSONA_METRICS: tuple[str, ...] = ("wellbeing_vs_counterfactual", "human_connection", "dependence")
TWIN_LABEL = "no-AI twin"
BAND_LABEL = "band: mean with 95 % bootstrap CI over seeds"
BAR_CI = "95 % bootstrap CI over seeds"
#: Bootstrap resamples of the bands and of seaborn's bars (their seed is fixed).
N_BOOT = 1000
#: Line styles of the twins, one per environment (one environment: dashed).
TWIN_STYLES: tuple[Any, ...] = ("--", ":", "-.", (0, (5, 1)))


def colours(designs: Sequence[str]) -> dict[str, tuple[float, float, float, float]]:
    """One tab10 colour per design, in the given order (the same in every figure)."""
    cmap = matplotlib.colormaps["tab10"]
    return {d: cmap(i % 10) for i, d in enumerate(designs)}


#: Which way is better, for the arrows in titles: the outcomes', and the normalised score.
DIRECTIONS: dict[str, int] = {**METRIC_DIRECTION, "score": 1}


def _arrow(metric: str) -> str:
    return {1: " ↑", -1: " ↓"}.get(DIRECTIONS.get(metric, 0), "")


def _legend_below(fig: Figure, handles: list[Any], title: str | None = None) -> None:
    """The figure's one legend, centred under the panels (so it covers no data)."""
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(len(handles), 6),
        frameon=False,
        fontsize=8,
        title=title,
        title_fontsize=8,
    )


def _design_handles(designs: Sequence[str], palette: dict[str, Any]) -> list[Any]:
    return [Line2D([], [], color=palette[d], linewidth=2, label=d) for d in designs]


def outcome_figure(summary: pd.DataFrame, designs: list[str]) -> Figure:
    """One panel per headline metric (and ``score`` first, when the summary has it): each
    design's mean over seeds, with the 95 % bootstrap interval of :func:`sagym.stats.summarize`
    (the report table's numbers) as error bars."""
    metrics = [m for m in ("score", *HEADLINE_METRICS) if m in set(summary["metric"])]
    cols = min(4, max(len(metrics), 1))
    rows = max(int(np.ceil(len(metrics) / cols)), 1)
    fig = Figure(figsize=(3.4 * cols, 2.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    palette = colours(designs)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = summary[summary["metric"] == metric].set_index("design").reindex(designs)
        frame = sub.reset_index()
        sns.barplot(
            data=frame,
            x="design",
            y="mean",
            hue="design",
            order=designs,
            hue_order=designs,
            palette=palette,
            errorbar=None,
            legend=False,
            ax=ax,
        )
        mean = frame["mean"].to_numpy(float)
        err = np.vstack(
            [mean - frame["mean_low"].to_numpy(float), frame["mean_high"].to_numpy(float) - mean]
        )
        ax.errorbar(np.arange(len(designs)), mean, yerr=err, fmt="none", ecolor="black", capsize=3)
        ax.set_title(metric + _arrow(metric), fontsize=10)
        ax.set_xlabel("design")
        ax.set_ylabel("mean over seeds")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        ax.axhline(0, color="grey", linewidth=0.5)
    for ax in list(axes.flat)[len(metrics) :]:
        fig.delaxes(ax)
    fig.suptitle(
        f"Long-term outcomes on held-out users (mean over seeds; bars: {BAR_CI}; "
        "↑ higher is better, ↓ lower)",
        fontsize=10,
    )
    return fig


def band_frame(
    data: pd.DataFrame, signal: str, designs: Sequence[str], seed: int = 0
) -> pd.DataFrame:
    """Per design and day: the mean of ``signal`` over seeds and its 95 % bootstrap interval
    over seeds (:func:`sagym.stats.bootstrap_rows`), as columns design, day, mean, low, high."""
    parts = []
    for design in designs:
        sub = data[data["design"] == design]
        if sub.empty:
            continue
        key = "seed" if "seed" in sub else None
        wide = (
            sub.pivot_table(index="day", columns=key, values=signal, aggfunc="mean")
            if key
            else sub.groupby("day")[[signal]].mean()
        )
        mean, low, high = bootstrap_rows(wide.to_numpy(float), n_resamples=N_BOOT, seed=seed)
        parts.append(
            pd.DataFrame(
                {
                    "design": design,
                    "day": wide.index.to_numpy(),
                    "mean": mean,
                    "low": low,
                    "high": high,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["design", "day", "mean", "low", "high"])
    return pd.concat(parts, ignore_index=True)


def _trajectory_panel(
    ax: Any,
    data: pd.DataFrame,
    designs: list[str],
    palette: dict[str, Any],
    panel: tuple[str, str | None, str],
    seed: int,
) -> bool:
    """Draw one signal over days (mean and bootstrap band over seeds per design) and its twin
    once, in black; True when a twin line was drawn."""
    signal, twin, label = panel
    band = band_frame(data, signal, designs, seed)
    present = list(dict.fromkeys(band["design"]))
    if present:
        sns.lineplot(
            data=band,
            x="day",
            y="mean",
            hue="design",
            hue_order=present,
            palette=palette,
            errorbar=None,
            legend=False,
            ax=ax,
        )
    for design in present:
        sub = band[band["design"] == design]
        ax.fill_between(
            sub["day"].to_numpy(float),
            sub["low"].to_numpy(float),
            sub["high"].to_numpy(float),
            color=palette[design],
            alpha=0.2,
            linewidth=0,
            label=f"_band {design}",
        )
    drew = False
    if twin is not None and twin in data:
        envs = _envs(data)
        for i, env in enumerate(envs):
            sub = data if env is None else data[data["env"] == env]
            line = sub.groupby("day")[twin].mean()
            ax.plot(
                line.index,
                line.to_numpy(),
                color="black",
                linestyle=TWIN_STYLES[i % 4],
                linewidth=1.2,
                label=_twin_label(env, envs),
            )
            drew = True
    ax.set_xlabel("day")
    ax.set_ylabel(label)
    return drew


def _envs(data: pd.DataFrame) -> list[str | None]:
    return list(dict.fromkeys(data["env"])) if "env" in data else [None]


def _twin_label(env: str | None, envs: Sequence[str | None]) -> str:
    return TWIN_LABEL if len(envs) <= 1 or env is None else f"{TWIN_LABEL} ({env.split('/')[-1]})"


def _trajectory_legend(fig: Figure, data: pd.DataFrame, designs: list[str], twin: bool) -> None:
    palette = colours(designs)
    handles = _design_handles([d for d in designs if d in set(data["design"])], palette)
    if twin:
        envs = _envs(data)
        handles += [
            Line2D(
                [], [], color="black", linestyle=TWIN_STYLES[i % 4], label=_twin_label(env, envs)
            )
            for i, env in enumerate(envs)
        ]
    handles.append(Patch(facecolor="grey", alpha=0.3, label=BAND_LABEL))
    _legend_below(fig, handles)


def trajectory_figure(
    trajectories: pd.DataFrame, designs: list[str], persona: str = "all", seed: int = 0
) -> Figure:
    """Per-day means over seeds for each design (each seed's value is the mean over its held-out
    users), with the 95 % bootstrap CI over seeds as a band and the no-AI twin in black."""
    data = trajectories[trajectories["persona"] == persona]
    fig = Figure(figsize=(4.2 * len(TRAJECTORY_PANELS), 3.4), layout="constrained")
    axes = fig.subplots(1, len(TRAJECTORY_PANELS), squeeze=False)[0]
    palette = colours(designs)
    twin = False
    for ax, panel in zip(axes, TRAJECTORY_PANELS, strict=True):
        twin |= _trajectory_panel(ax, data, designs, palette, panel, seed)
    who = "all held-out users" if persona == "all" else f"persona {persona}"
    fig.suptitle(
        f"Trajectories over the horizon, {who}: mean over seeds with 95 % bootstrap CI over "
        "seeds (band); black: the same users without the AI",
        fontsize=10,
    )
    _trajectory_legend(fig, data, designs, twin)
    return fig


def personas_of(trajectories: pd.DataFrame) -> list[str]:
    """The personas of a trajectories frame (without the ``all`` rows), in order of appearance."""
    if "persona" not in trajectories:
        return []
    return [str(p) for p in dict.fromkeys(trajectories["persona"]) if p != "all"]


def persona_trajectory_figure(
    trajectories: pd.DataFrame, designs: list[str], seed: int = 0
) -> Figure | None:
    """:func:`trajectory_figure` for each persona, one row of panels per persona (None when the
    frame has no personas): who gains and who loses, day by day."""
    personas = personas_of(trajectories)
    if not personas:
        return None
    panels = TRAJECTORY_PANELS
    fig = Figure(figsize=(4.2 * len(panels), 2.9 * len(personas)), layout="constrained")
    axes = fig.subplots(len(personas), len(panels), squeeze=False)
    palette = colours(designs)
    twin = False
    for row, persona in zip(axes, personas, strict=True):
        data = trajectories[trajectories["persona"] == persona]
        for ax, panel in zip(row, panels, strict=True):
            twin |= _trajectory_panel(ax, data, designs, palette, panel, seed)
            ax.set_title(f"{persona}: {panel[2]}", fontsize=9)
    fig.suptitle(
        "Trajectories by persona: mean over seeds with 95 % bootstrap CI over seeds (band); "
        "black: the same users without the AI",
        fontsize=10,
    )
    _trajectory_legend(fig, trajectories, designs, twin)
    return fig


def persona_frame(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``metric@persona`` columns as a long frame: one row per (design, seed, persona)."""
    columns = [c for c in results.columns if c.startswith(f"{metric}@")]
    keep = [c for c in ("design", "seed") if c in results.columns]
    long = results[keep + columns].melt(id_vars=keep, var_name="persona", value_name=metric)
    long["persona"] = long["persona"].str.split("@", n=1).str[1]
    return long.dropna(subset=[metric])


def persona_figure(results: pd.DataFrame, designs: list[str], seed: int = 0) -> Figure | None:
    """Outcomes per persona, with 95 % bootstrap CIs over seeds as error bars (None when the
    results have no personas)."""
    metrics = [m for m in PERSONA_METRICS if any(c.startswith(f"{m}@") for c in results.columns)]
    if not metrics:
        return None
    fig = Figure(figsize=(4.6 * len(metrics), 3.4), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    palette = colours(designs)
    for ax, metric in zip(axes, metrics, strict=True):
        long = persona_frame(results, metric)
        present = [d for d in designs if d in set(long["design"])]
        sns.barplot(
            data=long,
            x="persona",
            y=metric,
            hue="design",
            hue_order=present,
            palette=palette,
            errorbar=("ci", 95),
            n_boot=N_BOOT,
            seed=seed,
            capsize=0.1,
            err_kws={"linewidth": 1},
            legend=False,
            ax=ax,
        )
        ax.set_title(metric + _arrow(metric), fontsize=10)
        ax.set_xlabel("persona")
        ax.set_ylabel("mean over seeds")
        ax.axhline(0, color="grey", linewidth=0.5)
    fig.suptitle(f"Outcomes by persona (mean over seeds; error bars: {BAR_CI})", fontsize=10)
    handles = [Patch(facecolor=palette[d], label=d) for d in designs if d in set(results["design"])]
    _legend_below(fig, handles)
    return fig


__all__ = [
    "BAND_LABEL",
    "PERSONA_METRICS",
    "TRAJECTORY_PANELS",
    "TWIN_LABEL",
    "band_frame",
    "colours",
    "outcome_figure",
    "persona_figure",
    "persona_frame",
    "persona_trajectory_figure",
    "personas_of",
    "trajectory_figure",
]
