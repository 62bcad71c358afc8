"""The Markdown report of a comparison and its figures: what a person looks at first.

``report.md`` opens with what was run (envs, designs, algorithm and hyperparameters, budget,
seeds, population, horizon, evaluation users and mode, sagym version and commit), then the
outcome table, each design's learned behaviour mix (overall and per persona) with the best fixed
behaviour as a reference, and each design's differences from the ``random`` baseline and from the
no-AI twin, with bootstrap intervals over seeds.

The figures (:mod:`sagym.figures`, re-exported here) are :class:`matplotlib.figure.Figure`
objects built outside pyplot, so importing this module chooses no backend; ``*_figure`` returns
a figure to show, ``outcome_bars``, ``trajectory_plot``, ``persona_trajectory_plot`` and
``persona_plot`` save one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sagym.config import is_baseline, run_id
from sagym.figures import (
    DIRECTIONS,
    TRAJECTORY_PANELS,
    outcome_figure,
    persona_figure,
    persona_trajectory_figure,
    trajectory_figure,
)
from sagym.io import atomic_write_csv, atomic_write_text, atomic_write_with
from sagym.outcomes import HEADLINE_METRICS, OUTCOME_METRICS
from sagym.stats import (
    bootstrap_ci,
    bootstrap_diff_ci,
    few_seeds_note,
    improvement_matrix,
    summarize,
)

#: Reference rows written beside the designs (by the comparison, when it computes them): the
#: best single behaviour repeated every day, and the planner that knows the user model.
REFERENCE_ALGOS = ("best_fixed", "planner")
#: Columns of the main table in front of the outcomes, when the results have them: the episode
#: return under the row's own reward, and ``score`` = (return - random) / (planner - random).
SCORE_COLUMNS = ("return", "score")
#: Outcomes compared with the random baseline.
BASELINE_METRICS = (
    "wellbeing_final",
    "human_connection",
    "dependence",
    "induced_shift",
    "engagement",
    "loneliness",
)
EVAL_MODES = {
    "greedy": "greedy (each policy's most likely action)",
    "sampled": "sampled (actions drawn from each policy)",
}
CONFIG_NAME = "compare_config.json"  # sagym.grid_folder.CONFIG_NAME, without its imports

__all__ = [
    "HEADLINE_METRICS",
    "TRAJECTORY_PANELS",
    "baseline_differences",
    "behaviour_mix",
    "best_fixed_section",
    "build_report",
    "collapse_note",
    "collapsed_designs",
    "metric_table",
    "outcome_bars",
    "outcome_figure",
    "persona_figure",
    "persona_plot",
    "persona_trajectory_figure",
    "persona_trajectory_plot",
    "run_settings",
    "trajectory_figure",
    "trajectory_plot",
    "twin_differences",
]


# ------------------------------------------------------------------------------------- figures
def _save(fig: Figure, path: Path) -> None:
    atomic_write_with(
        path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight"), suffix=path.suffix
    )


def outcome_bars(summary: pd.DataFrame, designs: list[str], path: Path) -> None:
    """Save :func:`outcome_figure` to ``path``."""
    _save(outcome_figure(summary, designs), path)


def trajectory_plot(trajectories: pd.DataFrame, designs: list[str], path: Path) -> None:
    """Save :func:`trajectory_figure` to ``path``."""
    _save(trajectory_figure(trajectories, designs), path)


def persona_trajectory_plot(trajectories: pd.DataFrame, designs: list[str], path: Path) -> bool:
    """Save :func:`persona_trajectory_figure` to ``path``; False (nothing saved) without
    personas."""
    fig = persona_trajectory_figure(trajectories, designs)
    if fig is None:
        return False
    _save(fig, path)
    return True


def persona_plot(results: pd.DataFrame, designs: list[str], path: Path) -> bool:
    """Save :func:`persona_figure` to ``path``; False (nothing saved) without personas."""
    fig = persona_figure(results, designs)
    if fig is None:
        return False
    _save(fig, path)
    return True


# ---------------------------------------------------------------------------- what was run
def _read_json(path: Path) -> dict[str, Any]:
    """A JSON mapping, or ``{}`` when the file is missing or unreadable (the report then says
    less, and says so, rather than failing after the grid has run)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_trained(algo: str) -> bool:
    return not is_baseline(algo) and algo not in REFERENCE_ALGOS


def _cell_config(out: Path, row: Mapping[Any, Any]) -> dict[str, Any]:
    """The ``config.json`` of the run of a results row (its resolved hyperparameters)."""
    name = run_id(str(row["env"]), str(row["reward"]), str(row["algo"]), int(row["seed"]))
    return _read_json(out / "runs" / name / "config.json")


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)


def _join(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def run_settings(results: pd.DataFrame, out: Path) -> list[tuple[str, str]]:
    """The "what was run" rows of the report: setting and value.

    Read from the comparison's ``compare_config.json`` and its cells' ``config.json`` (the
    hyperparameters as resolved, defaults included) in ``out``; what a folder lacks is taken
    from the results or reported as unknown.
    """
    from sagym.tracking import provenance

    config = _read_json(out / CONFIG_NAME)
    rows: list[tuple[str, str]] = []
    envs = list(dict.fromkeys(results["env"])) if "env" in results else config.get("envs", [])
    rows.append(("environments", _join(envs) or "unknown"))
    algos = results["algo"].astype(str) if "algo" in results else pd.Series(dtype=str)
    trained = results[algos.map(_is_trained)] if len(algos) else results.iloc[:0]
    kinds = []
    for design in dict.fromkeys(results["design"]):
        algo = str(results.loc[results["design"] == design, "algo"].iloc[0]) if len(algos) else ""
        kind = (
            "trained"
            if _is_trained(algo)
            else "reference"
            if algo in REFERENCE_ALGOS
            else ("scripted baseline")
        )
        kinds.append(f"{design} ({kind})")
    rows.append(("designs", _join(kinds)))
    for algo in dict.fromkeys(trained["algo"].astype(str)) if len(trained) else []:
        first = trained[trained["algo"] == algo].iloc[0].to_dict()
        cell = _cell_config(out, first)
        hp = cell.get("hyperparams", config.get("hyperparams", {}))
        given = ", ".join(f"{k}={_show(v)}" for k, v in sorted(hp.items()))
        n_envs = cell.get("n_envs") or config.get("n_envs") or "default"
        if cell:
            text = f"{given or 'defaults'} (as resolved for the runs)"
        else:
            text = f"{given or 'no overrides'} (overrides given; the runs' config.json is missing)"
        rows.append((f"algorithm {algo}", f"{text}; {n_envs} users in parallel"))
    if len(trained) and "steps" in trained:
        steps = sorted({int(s) for s in trained["steps"]})
        rows.append(
            ("budget", f"{_join(f'{s:,}' for s in steps)} training steps (user-days) per run")
        )
    counts = results.groupby("design", sort=False)["seed"].nunique()
    seeds = sorted({int(s) for s in results["seed"]})
    per = sorted(set(counts.tolist()))
    rows.append(("seeds", f"{_join(per)} per design (seeds {_join(seeds)})"))
    cell = _cell_config(out, results.iloc[0].to_dict()) if len(results) else {}
    for name, what in (("population", "population"), ("horizon", "horizon")):
        value = config.get(name, cell.get(name, "unknown"))
        known = name == "horizon" and value != "unknown"
        rows.append((what, f"{value} days" if known else str(value)))
    users = config.get("eval_users", cell.get("eval_users", "unknown"))
    eval_seed = config.get("eval_seed", cell.get("eval_seed", "unknown"))
    rows.append(
        (
            "evaluation users",
            f"{users} held-out users (eval seed {eval_seed}), the same for every run",
        )
    )
    modes = (
        [str(m) for m in dict.fromkeys(results["eval_mode"].dropna())]
        if "eval_mode" in results
        else ["greedy"]
    )
    rows.append(("evaluation mode", _join(EVAL_MODES.get(m, m) for m in modes)))
    prov = provenance()
    commit = prov.get("git_commit") or "none (not run from a git checkout)"
    rows.append(
        (
            "sagym",
            f"{prov['sagym_version']}, code hash {str(prov['sagym_code_hash'])[:12]}, "
            f"commit {commit}",
        )
    )
    return rows


# ------------------------------------------------------------------------------ behaviour mix
def _actions(columns: Any) -> list[str]:
    return [c[len("share_") :] for c in columns if c.startswith("share_") and "@" not in c]


def behaviour_mix(
    results: pd.DataFrame, designs: list[str], persona: str | None = None
) -> pd.DataFrame:
    """Each design's share of days on each action (mean over seeds): the learned behaviour.

    ``persona`` reads the ``share_<action>@<persona>`` columns instead of ``share_<action>``; a
    frame without them gives an empty frame. Rows: designs; columns: actions.
    """
    suffix = "" if persona is None else f"@{persona}"
    actions = _actions(results.columns)
    if persona is not None:
        actions = [a for a in actions if f"share_{a}{suffix}" in results]
        if not actions:
            actions = sorted(
                {
                    c[len("share_") :].split("@")[0]
                    for c in results.columns
                    if c.startswith("share_") and c.endswith(suffix)
                }
            )
    columns = [f"share_{a}{suffix}" for a in actions]
    if not columns:
        return pd.DataFrame(index=pd.Index([], name="design"))
    mix = results.groupby("design", sort=False)[columns].mean().reindex(designs)
    mix.columns = pd.Index(actions)
    return mix.dropna(how="all")


def _share_personas(results: pd.DataFrame) -> list[str]:
    found = [c.split("@", 1)[1] for c in results.columns if c.startswith("share_") and "@" in c]
    return list(dict.fromkeys(found))


def _markdown_mix(mix: pd.DataFrame) -> str:
    actions = [str(a) for a in mix.columns]
    lines = ["| design | " + " | ".join(actions) + " |", "|---|" + "---:|" * len(actions)]
    for design, row in mix.iterrows():
        cells = ["–" if pd.isna(v) else f"{100 * float(v):.0f} %" for v in row]
        lines.append(f"| {design} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def best_fixed_section(results: pd.DataFrame) -> list[str]:
    """The best-fixed-behaviour reference rows (``algo == "best_fixed"``): which action, its
    return and outcomes; a one-line note when the results have none."""
    if "algo" not in results or not (results["algo"] == "best_fixed").any():
        return [
            "No best-fixed-behaviour reference: the results hold no `best_fixed` rows (the best "
            "single action repeated every day), so no row shows what a fixed behaviour achieves."
        ]
    rows = results[results["algo"] == "best_fixed"]
    metrics = [
        m
        for m in (*SCORE_COLUMNS, "wellbeing_final", "wellbeing_vs_counterfactual", "dependence")
        if m in rows
    ]
    actions = _actions(rows.columns)
    lines = [
        "| reference | reward | action | " + " | ".join(metrics) + " |",
        "|---|---|---|" + "---:|" * len(metrics),
    ]
    for design, group in rows.groupby("design", sort=False):
        shares = group[[f"share_{a}" for a in actions]].mean() if actions else pd.Series()
        action = str(shares.idxmax())[len("share_") :] if len(shares.dropna()) else "?"
        cells = [f"{group[m].mean():.3f}" for m in metrics]
        reward = str(group["reward"].iloc[0]) if "reward" in group else ""
        lines.append(f"| {design} | {reward} | {action} | " + " | ".join(cells) + " |")
    return lines


# ------------------------------------------------------------------------------- differences
def _baseline_rows(results: pd.DataFrame, env: Any) -> pd.DataFrame:
    base = results[results["algo"] == "random"] if "algo" in results else results.iloc[:0]
    if "env" in results and env is not None:
        base = base[base["env"] == env]
    return base


def baseline_differences(
    results: pd.DataFrame, designs: list[str], metrics: list[str], seed: int = 0
) -> pd.DataFrame:
    """Each design's mean minus the ``random`` baseline's (same env), with a 95 % bootstrap
    interval over seeds (:func:`sagym.stats.bootstrap_diff_ci`). Columns: design, metric,
    difference, low, high; empty without a random baseline."""
    rows = []
    for design in designs:
        sub = results[results["design"] == design]
        if sub.empty or ("algo" in sub and (sub["algo"] == "random").all()):
            continue
        base = _baseline_rows(results, sub["env"].iloc[0] if "env" in sub else None)
        if base.empty:
            continue
        for metric in metrics:
            if metric not in results:
                continue
            diff, low, high = bootstrap_diff_ci(sub[metric], base[metric], seed=seed)
            rows.append(
                {"design": design, "metric": metric, "difference": diff, "low": low, "high": high}
            )
    return pd.DataFrame(rows, columns=["design", "metric", "difference", "low", "high"])


#: (measure, how it is computed) of the comparison with the no-AI twin.
TWIN_MEASURES = (
    ("wellbeing − twin (last day)", "wellbeing_vs_counterfactual"),
    ("human connection − twin (last day)", "human_connection"),
    ("preference shift from twin (last day)", "induced_shift"),
)


def twin_differences(
    results: pd.DataFrame, trajectories: pd.DataFrame, designs: list[str], seed: int = 0
) -> pd.DataFrame:
    """Each design against the no-AI twin (the same users without the AI), per seed, with a
    95 % bootstrap interval over seeds: final wellbeing minus the twin's
    (``wellbeing_vs_counterfactual``), human connection minus the twin's on the last day (from
    the trajectories' ``twin_human_connection``), and the preference distance from the twin
    (``induced_shift``). Columns: design, measure, mean, low, high."""
    last = pd.DataFrame()
    if {"twin_human_connection", "human_connection", "day", "persona"} <= set(trajectories):
        data = trajectories[trajectories["persona"] == "all"]
        data = data[data["day"] == data.groupby("design")["day"].transform("max")]
        last = data.assign(gap=data["human_connection"] - data["twin_human_connection"])
    rows = []
    for design in designs:
        for measure, column in TWIN_MEASURES:
            if column == "human_connection":
                if last.empty:
                    continue
                values = last.loc[last["design"] == design, "gap"]
            elif column in results:
                values = results.loc[results["design"] == design, column]
            else:
                continue
            mean, low, high = bootstrap_ci(values.to_numpy(float), seed=seed)
            rows.append(
                {"design": design, "measure": measure, "mean": mean, "low": low, "high": high}
            )
    return pd.DataFrame(rows, columns=["design", "measure", "mean", "low", "high"])


def _interval(value: float, low: float, high: float) -> str:
    if np.isnan(value):
        return "–"
    return f"{value:+.3f} [{low:+.3f}, {high:+.3f}]"


def _pivot_markdown(frame: pd.DataFrame, column: str, value: str) -> str:
    """Designs as rows, ``frame[column]`` values as columns, cells ``value [low, high]``."""
    heads = list(dict.fromkeys(frame[column]))
    lines = ["| design | " + " | ".join(map(str, heads)) + " |", "|---|" + "---:|" * len(heads)]
    for design, group in frame.groupby("design", sort=False):
        cells = {
            str(r[column]): _interval(r[value], r["low"], r["high"])
            for r in group.to_dict("records")
        }
        lines.append(f"| {design} | " + " | ".join(cells.get(str(h), "–") for h in heads) + " |")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------- report
def table_metrics(results: pd.DataFrame) -> list[str]:
    """The main table's columns: return and score when present, then the headline outcomes."""
    return [m for m in (*SCORE_COLUMNS, *HEADLINE_METRICS) if m in results.columns]


def build_report(
    results: pd.DataFrame, trajectories: pd.DataFrame, out: Path, seed: int = 0
) -> tuple[pd.DataFrame, str]:
    """Write ``summary.csv``, the figures and ``report.md`` into ``out``; return the summary and
    the terminal table (with the notes a reader must not miss)."""
    out = Path(out)
    designs = list(dict.fromkeys(results["design"]))
    extra = [m for m in SCORE_COLUMNS if m in results.columns]
    metrics = [*extra, *(m for m in OUTCOME_METRICS if m in results.columns)]
    summary = summarize(results, "design", metrics, seed=seed)
    atomic_write_csv(out / "summary.csv", summary)
    shown = table_metrics(results)
    notes = []
    # The references (best fixed behaviour, planner) are deterministic and not learned: their
    # seeds say nothing about the spread of a design, so they count neither here nor below.
    compared = results
    if "algo" in results.columns and not results["algo"].isin(REFERENCE_ALGOS).all():
        compared = results[~results["algo"].isin(REFERENCE_ALGOS)]
    few = few_seeds_note(int(compared.groupby("design")["seed"].nunique().min()))
    if few:
        notes.append(few)
    collapsed = collapsed_designs(compared, [m for m in OUTCOME_METRICS if m in results.columns])
    if collapsed:
        notes.append(collapse_note(collapsed))
    table = "\n\n".join([metric_table(summary, designs, shown), *notes])
    outcome_bars(summary, designs, out / "outcomes.png")
    trajectory_plot(trajectories, designs, out / "trajectories.png")
    by_persona_days = persona_trajectory_plot(
        trajectories, designs, out / "trajectories_personas.png"
    )
    by_persona = persona_plot(results, designs, out / "personas.png")
    poi = improvement_matrix(results, "design", "wellbeing_final")

    lines = [
        "# Reward-design comparison",
        "",
        "## What was run",
        "",
        "| setting | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in run_settings(results, out)]
    envs = list(dict.fromkeys(results["env"])) if "env" in results.columns else []
    if len(envs) > 1:
        lines += ["", f"Environments: {', '.join(envs)} (designs named env/design)."]
    lines += [
        "",
        "Every agent is evaluated on the same held-out users over the full horizon. Means over "
        "seeds with 95 % bootstrap confidence intervals over seeds.",
        "",
        *[n + "\n" for n in notes],
        "## Outcomes",
        "",
        _markdown_table(summary, designs, shown),
        "",
    ]
    if extra:
        lines += [
            "`return`: episode return under the row's own reward; `score`: (return − random) / "
            "(planner − random), 0 for the random baseline and 1 for the planner.",
            "",
        ]
    lines += ["![outcomes](outcomes.png)", "", "## Learned behaviour mix", ""]
    mix = behaviour_mix(results, designs)
    if mix.empty:
        lines += ["The results hold no `share_<action>` columns.", ""]
    else:
        lines += [
            "Share of days on each action (mean over seeds), all held-out users:",
            "",
            _markdown_mix(mix),
            "",
        ]
    for persona in _share_personas(results):
        sub = behaviour_mix(results, designs, persona)
        if not sub.empty:
            lines += [f"Persona {persona}:", "", _markdown_mix(sub), ""]
    lines += ["### Best fixed behaviour (reference)", "", *best_fixed_section(results), ""]
    lines += ["## Against the random baseline", ""]
    base = baseline_differences(
        results, designs, [m for m in BASELINE_METRICS if m in results], seed
    )
    if base.empty:
        lines += ["No `random` baseline in this comparison: no differences against it.", ""]
    else:
        lines += [
            "Design mean minus the random baseline's (same environment), 95 % bootstrap interval "
            "over seeds (each side resampled on its own):",
            "",
            _pivot_markdown(base, "metric", "difference"),
            "",
        ]
    twin = twin_differences(results, trajectories, designs, seed)
    lines += ["## Against the no-AI twin", ""]
    if twin.empty:
        lines += ["The results hold no no-AI-twin measures.", ""]
    else:
        lines += [
            "The same users without the AI: each design's gap from them, mean over seeds with a "
            "95 % bootstrap interval over seeds (0: no different from life without the AI).",
            "",
            _pivot_markdown(twin, "measure", "mean"),
            "",
        ]
    lines += ["## Trajectories", "", "![trajectories](trajectories.png)", ""]
    if by_persona_days:
        lines += ["![trajectories by persona](trajectories_personas.png)", ""]
    if by_persona:
        lines += ["![personas](personas.png)", ""]
    lines += [
        "## Probability that the row design beats the column design on final wellbeing",
        "",
        _markdown_matrix(poi),
        "",
        "## Interquartile means (95 % CI)",
        "",
        _markdown_table(summary, designs, shown, stat="iqm"),
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
    label = {m: m + {1: " ↑", -1: " ↓"}.get(DIRECTIONS.get(m, 0), "") for m in metrics}
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
