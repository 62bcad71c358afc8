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
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from sagym.agents.baselines import is_baseline
from sagym.agents.training import TrainConfig, run_id
from sagym.backends import CellTask, check_backend, run_local, run_ray
from sagym.cell_store import cell_key, check_cell
from sagym.config_checks import (
    check_algo,
    check_baseline,
    check_env,
    check_population,
    check_reward,
    check_user,
)
from sagym.config_fields import (
    MAX_HORIZON,
    MAX_SEED,
    MAX_SEEDS,
    MAX_STEPS,
    MAX_USERS,
    ConfigError,
    Integer,
    NonEmptyTextList,
    Number,
    Text,
    TextList,
    WandbMode,
    check_known_fields,
    import_modules,
    one_line_errors,
)
from sagym.grid_folder import CONFIG_NAME, check_output_folder, output_path, remove_temporaries
from sagym.io import atomic_write_csv, atomic_write_json
from sagym.outcomes import OUTCOME_METRICS
from sagym.run_lock import hold_output_lock

DEFAULT_REWARDS = ("engagement", "satisfaction", "need_support")
DEFAULT_BASELINES = ("random",)


@one_line_errors
@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class CompareConfig:
    """A comparison of reward designs.

    A pydantic dataclass, checked when built like :class:`TrainConfig`; the flags of
    ``sagym compare`` and the fields an experiment file may hold are derived from it.

    Attributes:
        rewards: reward designs (names or composite specs) to train on.
        baselines: scripted baselines evaluated beside them (random, heuristic, ...).
        envs: environment ids.
        algos: learning algorithms.
        seeds: number of seeds (0, 1, ..., seeds - 1), at most 1000.
        steps: training steps per run.
        n_envs: users simulated in parallel per run (default per algorithm).
        horizon: days per episode.
        population: user population.
        eval_users: held-out users per evaluation (the same users for every run).
        eval_seed: seed of the held-out users.
        hyperparams: overrides of the algorithm defaults, for every run.
        user_overrides: user parameters pinned for every user.
        out: output folder.
        jobs: worker processes (default: the number of cores).
        wandb: W&B mode.
        wandb_project: W&B project.
        imports: modules to import in every worker (user rewards, populations).
        progress: show a progress bar over the grid.
        force: rerun every cell, and write into a folder that holds other files or another
            experiment.
        backend: where cells run: ``local`` (this machine's processes) or ``ray``.
        address: address of an existing Ray cluster (default: start a local Ray).
    """

    rewards: TextList = field(default_factory=lambda: list(DEFAULT_REWARDS))
    baselines: TextList = field(default_factory=lambda: list(DEFAULT_BASELINES))
    envs: NonEmptyTextList = field(default_factory=lambda: ["sagym/Companion-v0"])
    algos: NonEmptyTextList = field(default_factory=lambda: ["ppo"])
    seeds: Annotated[Integer, Field(ge=1, le=MAX_SEEDS)] = 5
    steps: Annotated[Integer, Field(ge=1, le=MAX_STEPS)] = 100_000
    n_envs: Annotated[Integer, Field(ge=1, le=MAX_USERS)] | None = None
    horizon: Annotated[Integer, Field(ge=1, le=MAX_HORIZON)] = 90
    population: Text = "default"
    eval_users: Annotated[Integer, Field(ge=1, le=MAX_USERS)] = 256
    eval_seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    hyperparams: dict[str, Any] = field(default_factory=dict)
    user_overrides: dict[str, Number] = field(default_factory=dict)
    out: Text = "results/default"
    jobs: Annotated[Integer, Field(ge=1, le=1024)] | None = None
    wandb: WandbMode = "offline"
    wandb_project: Text = "sagym"
    imports: TextList = field(default_factory=list)
    progress: bool = True
    force: bool = False
    backend: Literal["local", "ray"] = "local"
    address: Text | None = None

    @model_validator(mode="after")
    def _registered(self) -> CompareConfig:
        """Names checked against the registries, once the user's modules have registered."""
        import_modules(self.imports)
        for i, env in enumerate(self.envs):
            check_env(env, f"envs[{i}]")
        for i, algo in enumerate(self.algos):
            check_algo(algo, f"algos[{i}]")
        for i, baseline in enumerate(self.baselines):
            check_baseline(baseline, f"baselines[{i}]")
        for i, reward in enumerate(self.rewards):
            check_reward(reward, f"rewards[{i}]")
        if not self.rewards and not self.baselines:
            raise ValueError("the grid is empty: give at least one reward or baseline")
        check_population(self.population)
        for env in self.envs:
            check_user(self.horizon, self.population, "engagement", self.user_overrides, env)
        check_backend(self.backend, self.address)
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompareConfig:
        """A comparison from a mapping of fields (an experiment file), checked."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"an experiment must be a mapping of fields; got {type(data).__name__}"
            )
        check_known_fields(data, cls.__dataclass_fields__, "experiment")
        return cls(**dict(data))

    def cells(self) -> list[TrainConfig]:
        """Every run of the grid, in a fixed order."""
        CompareConfig.from_dict(self.to_dict())  # fields may have been edited since
        cells: list[TrainConfig] = []
        for env in self.envs:
            pairs = [(r, a) for a in self.algos for r in self.rewards]
            pairs += [("none", b) for b in self.baselines]
            for reward, algo in pairs:
                for seed in range(self.seeds):
                    cell = TrainConfig(
                        env=env,
                        reward=reward if reward != "none" else "engagement",
                        algo=algo,
                        seed=seed,
                        steps=0 if is_baseline(algo) else self.steps,
                        n_envs=self.n_envs,
                        horizon=self.horizon,
                        population=self.population,
                        user_overrides=dict(self.user_overrides),
                        hyperparams=dict(self.hyperparams),
                        eval_users=self.eval_users,
                        eval_seed=self.eval_seed,
                        out=str(Path(self.out) / "runs"),
                        wandb=self.wandb,
                        wandb_project=self.wandb_project,
                        wandb_group=reward if reward != "none" else algo,
                        wandb_dir=str(self.out),
                        progress=False,
                        imports=list(self.imports),
                    )
                    cell.run_name = run_id(env, reward, algo, seed)
                    cells.append(cell)
        for cell in cells:
            cell.validate()
        return cells

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def design_label(reward: str, algo: str, algos: Sequence[str]) -> str:
    """The name a run's design has in tables: the reward, or the baseline's name."""
    if is_baseline(algo):
        return algo
    return reward if len(algos) == 1 else f"{reward}/{algo}"


def note(message: str) -> None:
    """A one-line note on stderr (kept off stdout, which carries the results table)."""
    print(f"sagym compare: note: {message}", file=sys.stderr, flush=True)


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
        if is_baseline(cell.algo):
            reward = "none"
        else:
            if cell.reward not in canonical:
                canonical[cell.reward] = _canonical_reward(cell.reward)
            reward = canonical[cell.reward]
        kept.setdefault((cell.env, reward, cell.algo, cell.seed), cell)
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
        timings = _run(config, todo, len(cells))
        results, trajectories = collect(cells, algos)
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


def collect(cells: list[TrainConfig], algos: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every cell's outcomes and trajectory into two tables, in the grid's order."""
    rows = []
    trajectories = []
    for cell in cells:
        folder = Path(cell.out) / str(cell.run_name)
        outcomes = json.loads((folder / "outcomes.json").read_text())
        reward = "none" if is_baseline(cell.algo) else cell.reward
        design = design_label(reward, cell.algo, algos)
        head = {
            "env": cell.env,
            "reward": reward,
            "algo": cell.algo,
            "seed": cell.seed,
            "design": design,
            "steps": cell.steps,
        }
        core = {m: outcomes[m] for m in OUTCOME_METRICS}
        extra = {k: v for k, v in sorted(outcomes.items()) if k not in core}
        rows.append({**head, **core, **extra})
        traj = pd.read_csv(folder / "trajectory.csv")
        for key in reversed(list(head)):
            traj.insert(0, key, [head[key]] * len(traj))
        trajectories.append(traj)
    results = pd.DataFrame(rows)
    ordered = list(head) + list(OUTCOME_METRICS)
    results = results[ordered + [c for c in results.columns if c not in ordered]]
    return results, pd.concat(trajectories, ignore_index=True)
