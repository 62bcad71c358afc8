"""The comparison grid: reward designs × seeds (× algorithms × environments), in parallel.

Each cell trains one agent (or runs one scripted baseline), evaluates it on the *same* held-out
users, and writes its own folder atomically under ``OUT/runs/``. A grid that is interrupted resumes:
cells whose ``outcomes.json`` exists with the same config are not run again. When all cells are
done, ``results.csv`` (one row per env, reward, algo, seed) and ``trajectories.csv`` are written,
statistics across seeds are computed, and the report is drawn.

Worker processes are long-lived (a pool of ``jobs`` processes loops over cells), each with one
torch thread: importing torch costs seconds per process, and two torch threads per process on a
two-core machine run many times slower when processes share the cores.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from sagym.agents.baselines import is_baseline
from sagym.agents.training import TrainConfig, run_id
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
from sagym.io import atomic_write_csv, atomic_write_json
from sagym.outcomes import OUTCOME_METRICS

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
        check_user(self.horizon, self.population, "engagement", self.user_overrides)
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


def _cell_key(cell: TrainConfig) -> dict[str, Any]:
    data = cell.to_dict()
    for volatile in ("progress", "wandb", "wandb_dir", "wandb_project", "out"):
        data.pop(volatile, None)
    return data


def _is_done(cell: TrainConfig) -> bool:
    folder = Path(cell.out) / str(cell.run_name)
    marker = folder / "cell.json"
    if not (folder / "outcomes.json").exists() or not marker.exists():
        return False
    try:
        return bool(json.loads(marker.read_text()) == json.loads(json.dumps(_cell_key(cell))))
    except (OSError, json.JSONDecodeError):
        return False


def _worker_init(imports: list[str]) -> None:
    import importlib

    import torch

    torch.set_num_threads(1)
    for module in imports:
        importlib.import_module(module)


def _run_cell(cell: TrainConfig) -> tuple[str, float]:
    from sagym.agents.training import train

    result = train(cell)
    atomic_write_json(result.run_dir / "cell.json", _cell_key(cell))
    return str(cell.run_name), result.seconds


@dataclass
class GridResult:
    out: Path
    results: pd.DataFrame
    trajectories: pd.DataFrame
    seconds: float
    ran: int
    skipped: int


def run_grid(config: CompareConfig) -> GridResult:
    """Run every cell not already done, then collect ``results.csv`` and ``trajectories.csv``."""
    started = time.perf_counter()
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    cells = config.cells()
    atomic_write_json(out / "compare_config.json", config.to_dict())
    todo = [c for c in cells if not _is_done(c)]
    jobs = max(1, min(config.jobs or os.cpu_count() or 1, len(todo) or 1))
    timings: dict[str, float] = {}
    bar = None
    if config.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(cells), initial=len(cells) - len(todo), unit="run", desc="grid")
    if todo:
        if jobs == 1:
            _worker_init(config.imports)
            for cell in todo:
                name, seconds = _run_cell(cell)
                timings[name] = seconds
                if bar is not None:
                    bar.update(1)
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=context,
                initializer=_worker_init,
                initargs=(config.imports,),
            ) as pool:
                futures = [pool.submit(_run_cell, cell) for cell in todo]
                for future in as_completed(futures):
                    name, seconds = future.result()
                    timings[name] = seconds
                    if bar is not None:
                        bar.update(1)
    if bar is not None:
        bar.close()
    results, trajectories = collect(cells, config.algos)
    atomic_write_csv(out / "results.csv", results)
    atomic_write_csv(out / "trajectories.csv", trajectories)
    atomic_write_json(out / "timings.json", timings)
    return GridResult(
        out=out,
        results=results,
        trajectories=trajectories,
        seconds=time.perf_counter() - started,
        ran=len(todo),
        skipped=len(cells) - len(todo),
    )


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
