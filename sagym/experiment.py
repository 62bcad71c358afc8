"""The comparison grid: reward designs × seeds (× algorithms × environments).

Each cell trains one agent (or runs one scripted baseline), evaluates it on the *same* held-out
users, and writes its own folder under ``OUT/runs/``, its manifest last. An interrupted grid
resumes: a cell is reused only when its manifest matches the cell's settings, the sagym version
and the code, and its files are whole (:mod:`sagym.cell_store`). When all cells are done,
``results.csv`` (one row per env, reward, algo, seed) and ``trajectories.csv`` are written.

Only one comparison writes an output folder at a time (:mod:`sagym.run_lock`), and only into a
folder that is new, empty or holds the same experiment (:mod:`sagym.grid_folder`). Cells run in
this process, in a local pool of worker processes that die with their parent, or as Ray tasks
(:mod:`sagym.backends`), each with one torch thread: two torch threads per process on a two-core
machine run many times slower when processes share the cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sagym.backends import CellTask, check_backend, run_local, run_ray
from sagym.cell_store import cell_key, check_cell
from sagym.config import (
    DEFAULT_BASELINES,
    DEFAULT_REWARDS,
    CompareConfig,
    TrainConfig,
    design_label,
    grid_label,
    is_baseline,
    is_reference,
)
from sagym.grid_folder import CONFIG_NAME, check_output_folder, output_path, remove_temporaries
from sagym.io import atomic_write_csv, atomic_write_json
from sagym.outcomes import ENTROPY_WARNING_SHARE, HEADLINE_MODE, OUTCOME_METRICS
from sagym.run_lock import hold_output_lock


def note(message: str) -> None:
    """A one-line note on stderr (kept off stdout, which carries the results table)."""
    print(f"sagym compare: note: {message}", file=sys.stderr, flush=True)


__all__ = [
    "DEFAULT_BASELINES",
    "DEFAULT_REWARDS",
    "CompareConfig",
    "GridResult",
    "add_scores",
    "collect",
    "design_label",
    "duplicate_notes",
    "optimality_score",
    "optimality_warnings",
    "output_guard",
    "run_grid",
    "unique_cells",
]


def _config_dict(config: CompareConfig) -> dict[str, Any]:
    data: dict[str, Any] = config.to_dict()
    return data


def _canonical_reward(spec: str) -> str:
    from sagym.rewards import make_reward

    return make_reward(spec).spec()


def unique_cells(cells: list[TrainConfig]) -> list[TrainConfig]:
    """The cells with repeated grid entries merged; the first spelling given is kept.

    ``--rewards engagement engagement`` or two spellings of one spec
    (``satisfaction-2*induced_shift``, ``satisfaction - 2*induced_shift``) would otherwise run
    the same cell twice and count it as two seeds.
    """
    kept: dict[tuple[Any, ...], TrainConfig] = {}
    canonical: dict[str, str] = {}
    for cell in cells:
        if is_baseline(cell.algo) and not is_reference(cell.algo):
            reward = "none"
        else:
            if cell.reward not in canonical:
                canonical[cell.reward] = _canonical_reward(cell.reward)
            reward = canonical[cell.reward]
        hp = json.dumps(cell.hyperparams, sort_keys=True, default=repr)
        kept.setdefault((cell.env, reward, cell.algo, cell.seed, hp), cell)
    return list(kept.values())


def duplicate_notes(config: CompareConfig) -> list[str]:
    """One note per grid entry that repeats an earlier one (and so runs only once)."""
    notes = []
    for name in ("rewards", "baselines", "envs", "algos"):
        first: dict[str, str] = {}
        for given in getattr(config, name):
            same = _canonical_reward(given) if name == "rewards" else given
            if same not in first:
                first[same] = given
            elif first[same] == given:
                notes.append(f"{name}: {given!r} is listed more than once; it runs once")
            else:
                notes.append(
                    f"{name}: {given!r} is the same as {first[same]!r}; it runs once, as the latter"
                )
    return list(dict.fromkeys(notes))


@contextlib.contextmanager
def output_guard(config: CompareConfig) -> Iterator[Path]:
    """Check the config and the output folder, then hold the folder's lock for the block.

    Bad input is refused before anything is created; the folder is checked again once the lock
    is held, since another comparison may have written it in between. Re-entrant, so the command
    line can hold it over the grid, the report and the W&B summary together.
    """
    out = output_path(config.out)
    check_backend(config.backend, config.address)
    config.cells()  # validates every field before any folder is created
    data = _config_dict(config)
    check_output_folder(out, data, config.force)
    with hold_output_lock(out):
        check_output_folder(out, data, config.force)
        yield out


@dataclass
class GridResult:
    """What a grid run did: ``trained`` + ``evaluated`` cells ran now, ``reused`` were reused."""

    out: Path
    results: pd.DataFrame
    trajectories: pd.DataFrame
    seconds: float
    trained: int
    evaluated: int
    reused: int
    notes: list[str] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return self.trained + self.evaluated

    @property
    def skipped(self) -> int:
        return self.reused


def run_grid(config: CompareConfig) -> GridResult:
    """Run every cell not already done, then collect ``results.csv`` and ``trajectories.csv``."""
    started = time.perf_counter()
    with output_guard(config) as out:
        cells = unique_cells(config.cells())
        notes = duplicate_notes(config)
        algos = list(dict.fromkeys(config.algos))
        envs = list(dict.fromkeys(config.envs))
        remove_temporaries(out)  # left by a killed comparison; no other writer holds the lock
        atomic_write_json(out / CONFIG_NAME, _config_dict(config))
        todo: list[CellTask] = []
        for cell in cells:
            key = cell_key(cell)
            if not config.force:
                state = check_cell(cell, key)
                if state.reusable:
                    continue
                if state.note:
                    notes.append(f"running {cell.run_name} again: {state.note}")
            todo.append(CellTask(cell, key))
        for line in notes:
            note(line)
        # Planners are the longest cells: started first, they overlap the training cells
        # instead of running alone at the end (results keep the grid's order).
        todo.sort(key=lambda task: task.cell.algo != "planner")
        timings = _run(config, todo, len(cells))
        results, trajectories = collect(cells, algos, envs, config.grid)
        atomic_write_csv(out / "results.csv", results)
        atomic_write_csv(out / "trajectories.csv", trajectories)
        atomic_write_json(out / "timings.json", timings)
    evaluated = sum(is_baseline(t.cell.algo) for t in todo)
    return GridResult(
        out=out,
        results=results,
        trajectories=trajectories,
        seconds=time.perf_counter() - started,
        trained=len(todo) - evaluated,
        evaluated=evaluated,
        reused=len(cells) - len(todo),
        notes=notes,
    )


def _run(config: CompareConfig, todo: list[CellTask], total: int) -> dict[str, float]:
    """Run ``todo`` on the configured backend; the seconds each cell took, by run name."""
    timings: dict[str, float] = {}
    bar = None
    if config.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=total - len(todo), unit="run", desc="grid")

    def done(name: str, seconds: float) -> None:
        timings[name] = seconds
        if bar is not None:
            bar.update(1)

    try:
        if todo:
            jobs = max(1, min(config.jobs or os.cpu_count() or 1, len(todo)))
            if config.backend == "ray":
                run_ray(todo, jobs, config.imports, done, address=config.address)
            else:
                run_local(todo, jobs, config.imports, done)
    finally:
        if bar is not None:
            bar.close()
    return dict(sorted(timings.items()))


#: A trained agent below this share of the planner's gain over random is reported as stalled.
SCORE_WARNING = 0.9
#: Columns of the optimality gap and of the evaluation mode, after the outcome metrics.
GAP_COLUMNS = ("eval_mode", "return", "score", "return_greedy", "score_greedy", "policy_entropy")


def optimality_score(value: Any, random: Any, planner: Any) -> Any:
    """``(value − random) / (planner − random)``: 0 for the random policy, 1 for the planner.

    NaN where the planner's gain over random is zero (nothing to score against) or unknown."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.asarray(planner, dtype=float) - np.asarray(random, dtype=float)
        out = (np.asarray(value, dtype=float) - np.asarray(random, dtype=float)) / gap
        return np.where(gap == 0, np.nan, out)


def collect(
    cells: list[TrainConfig],
    algos: Sequence[str],
    envs: Sequence[str] = (),
    grid: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every cell's outcomes and trajectory into two tables, in the grid's order.

    With several environments the designs are env-qualified (``Feed-v0/engagement``), and each
    row's ``share_*`` columns are those of its env's actions (empty for another env's). The
    optimality gap is added by :func:`add_scores`.
    """
    rows = []
    trajectories = []
    axes = list(grid or {})
    for cell in cells:
        folder = Path(cell.out) / str(cell.run_name)
        outcomes = json.loads((folder / "outcomes.json").read_text())
        reference = is_reference(cell.algo)
        reward = "none" if is_baseline(cell.algo) and not reference else cell.reward
        hp = grid_label({k: cell.hyperparams[k] for k in axes if k in cell.hyperparams})
        hp = "" if is_baseline(cell.algo) else hp
        design = design_label(reward, cell.algo, algos, cell.env, envs, hp)
        head = {
            "env": cell.env,
            "reward": reward,
            "algo": cell.algo,
            "seed": cell.seed,
            "design": design,
            "steps": cell.steps,
        }
        core = {m: outcomes[m] for m in OUTCOME_METRICS}
        gap = {
            "grid": hp,
            "eval_mode": "scripted" if is_baseline(cell.algo) else HEADLINE_MODE,
            "return": outcomes.get("return", float("nan")) if reward != "none" else float("nan"),
            "return_greedy": outcomes.get("return_greedy", float("nan"))
            if reward != "none"
            else float("nan"),
            "policy_entropy": outcomes.get("policy_entropy", float("nan")),
        }
        skip = {*core, *gap, "return", "return_greedy"}
        extra = {k: v for k, v in sorted(outcomes.items()) if k not in skip}
        rows.append({**head, **core, **gap, **extra})
        traj = pd.read_csv(folder / "trajectory.csv")
        for key in reversed(list(head)):
            traj.insert(0, key, [head[key]] * len(traj))
        trajectories.append(traj)
    results = add_scores(pd.DataFrame(rows))
    ordered = [*head, *OUTCOME_METRICS, "grid", *GAP_COLUMNS]
    results = results[ordered + [c for c in results.columns if c not in ordered]]
    return results, pd.concat(trajectories, ignore_index=True)


def add_scores(results: pd.DataFrame) -> pd.DataFrame:
    """``score`` and ``score_greedy`` of every row with a design: its return against the
    random baseline's return under that design (mean over random's seeds, its
    ``return:<design>``) and the design's planner's. NaN where the grid has no random or no
    planner for the design, and for rows without a design (random, heuristic, fixed:)."""
    import numpy as np

    results = results.copy()
    score = np.full(len(results), np.nan)
    score_greedy = np.full(len(results), np.nan)
    for i, (_, row) in enumerate(results.iterrows()):
        reward, env = row["reward"], row["env"]
        if reward == "none":
            continue
        same_env = results["env"] == env
        random_rows = results[same_env & (results["algo"] == "random")]
        column = f"return:{reward}"
        planner = results[same_env & (results["algo"] == "planner") & (results["reward"] == reward)]
        if random_rows.empty or column not in random_rows or planner.empty:
            continue
        zero = float(random_rows[column].mean())
        top = float(planner["return"].iloc[0])
        score[i] = optimality_score(row["return"], zero, top)
        score_greedy[i] = optimality_score(row["return_greedy"], zero, top)
    results["score"] = score
    results["score_greedy"] = score_greedy
    return results


def optimality_warnings(results: pd.DataFrame) -> list[str]:
    """One line per trained row whose score is below :data:`SCORE_WARNING` or whose policy
    entropy is above :data:`ENTROPY_WARNING_SHARE` of ln(n_actions) (unconverged)."""
    import math

    lines = []
    for _, row in results.iterrows():
        if is_baseline(str(row["algo"])):
            continue
        n_actions = sum(1 for c in results.columns if c.startswith("share_") and "@" not in c
                        and not pd.isna(row[c]))  # fmt: skip
        where = f"{row['design']} seed {row['seed']}"
        score = row.get("score", float("nan"))
        if not pd.isna(score) and score < SCORE_WARNING:
            lines.append(
                f"{where}: score {score:.2f} < {SCORE_WARNING} of the planner's gain over random "
                "(the agent stops short of what the design rewards)"
            )
        entropy = row.get("policy_entropy", float("nan"))
        if n_actions > 1 and not pd.isna(entropy):
            limit = ENTROPY_WARNING_SHARE * math.log(n_actions)
            if entropy > limit:
                lines.append(
                    f"{where}: policy entropy {entropy:.2f} nats > {limit:.2f} "
                    f"({ENTROPY_WARNING_SHARE:.0%} of ln {n_actions}): the policy is near "
                    "uniform (unconverged)"
                )
    return lines
