"""Train one agent on one reward design, evaluate it on held-out users, track it in W&B.

:class:`TrainConfig` is the whole experiment as one typed, documented dataclass (CleanRL style);
:func:`train` runs it. A run folder holds ``config.json`` (the resolved config), ``progress.csv``
(SB3's training scalars; ``progress_from_<step>.csv`` after a resume), ``eval.csv`` (outcome
metrics at every evaluation), checkpoints, ``model.zip``, ``outcomes.json`` and the evaluation
users' per-day ``trajectory.csv``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from stable_baselines3.common.callbacks import BaseCallback

from sagym.agents.baselines import is_baseline, make_baseline
from sagym.agents.factory import (
    DEFAULT_N_ENVS,
    list_algos,
    load_algo,
    make_algo,
    resolve_hyperparams,
)
from sagym.agents.vec_env import make_sb3_vec_env
from sagym.envs.core import CompanionSpec
from sagym.envs.lookup import check_env_id, make_simulation, simulation_spec
from sagym.io import atomic_write_csv, atomic_write_json, atomic_write_with
from sagym.outcomes import Evaluation, Policy, evaluate
from sagym.tracking import WANDB_MODES, WandbOutputFormat, init_run, scalars


@dataclass
class TrainConfig:
    """One training run.

    Attributes:
        env: registered environment id.
        reward: reward name or composite spec the agent is trained on.
        algo: ``ppo``, ``a2c``, ``dqn``, ``recurrent_ppo``, or a scripted baseline
            (``random``, ``heuristic``, ``greedy``, ``fixed:<behaviour>``; no training).
        seed: seed of the agent and of the training users.
        steps: environment steps (user-days) to train for.
        n_envs: users simulated in parallel (default per algorithm).
        horizon: days per episode.
        population: registered population of the users.
        user_overrides: user parameters pinned for every user (ablations).
        hyperparams: overrides of the algorithm's defaults.
        eval_users: held-out users of the final evaluation.
        eval_every: evaluate every this many steps during training (0: only at the end).
        eval_seed: seed of the held-out users (the same for every run of a comparison).
        out: parent folder of the run folder.
        run_name: run folder name (default ``env__reward__algo__seed__time``).
        wandb: ``offline`` (default), ``online`` or ``disabled``.
        wandb_project: W&B project.
        wandb_group: W&B group (default: the reward design).
        wandb_dir: folder under which W&B writes ``wandb/`` (default: the run folder).
        torch_threads: torch threads (1: processes side by side do not fight over cores).
        progress: show a progress bar.
        imports: modules to import first (user rewards and populations register themselves).
    """

    env: str = "sagym/Companion-v0"
    reward: str = "engagement"
    algo: str = "ppo"
    seed: int = 0
    steps: int = 100_000
    n_envs: int | None = None
    horizon: int = 90
    population: str = "default"
    user_overrides: dict[str, float] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)
    eval_users: int = 256
    eval_every: int = 0
    eval_seed: int = 0
    out: str = "runs"
    run_name: str | None = None
    wandb: str = "offline"
    wandb_project: str = "sagym"
    wandb_group: str | None = None
    wandb_dir: str | None = None
    torch_threads: int = 1
    progress: bool = True
    imports: list[str] = field(default_factory=list)

    def validate(self) -> None:
        for module in self.imports:
            importlib.import_module(module)
        check_env_id(self.env)
        if not (self.algo in list_algos() or is_baseline(self.algo)):
            raise ValueError(
                f"algo must be one of {', '.join(list_algos())} or a baseline "
                f"(random, heuristic, greedy, fixed:<behaviour>); got {self.algo!r}"
            )
        if self.wandb not in WANDB_MODES:
            raise ValueError(f"wandb must be one of {', '.join(WANDB_MODES)}; got {self.wandb!r}")
        for name, value, low in (("steps", self.steps, 0), ("eval_users", self.eval_users, 1)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
        if self.n_envs is not None and self.n_envs < 1:
            raise ValueError(f"n_envs must be >= 1; got {self.n_envs}")
        if self.eval_every < 0:
            raise ValueError(f"eval_every must be >= 0; got {self.eval_every}")
        self.spec()  # validates reward, population, horizon and overrides
        if not is_baseline(self.algo):
            resolve_hyperparams(self.algo, self.hyperparams)

    def spec(self) -> CompanionSpec:
        """The environment arguments of this run, checked by building them once."""
        spec = simulation_spec(
            self.env,
            horizon=self.horizon,
            population=self.population,
            reward=self.reward,
            user_overrides=self.user_overrides or None,
        )
        make_simulation(spec, 1)  # fails early, naming the bad field
        return spec

    def resolved_n_envs(self) -> int:
        return self.n_envs or DEFAULT_N_ENVS.get(self.algo, 1)

    def default_run_name(self) -> str:
        """``env__reward__algo__seed__time`` (CleanRL's convention), safe as a folder name."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return f"{run_id(self.env, self.reward, self.algo, self.seed)}__{stamp}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config field(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**dict(data))


def run_id(env: str, reward: str, algo: str, seed: int) -> str:
    """``env__reward__algo__seed``, with the reward spec made safe for a folder name."""
    slug = "".join(c if c.isalnum() or c in "_-." else "_" for c in reward.replace("*", "x"))
    return f"{env.split('/')[-1]}__{slug}__{algo.replace(':', '-')}__{seed}"


@dataclass
class TrainResult:
    run_dir: Path
    outcomes: dict[str, float]
    evaluation: Evaluation
    wandb_dir: str | None
    seconds: float


def _checkpoints(run_dir: Path) -> list[Path]:
    return sorted(
        (run_dir / "checkpoints").glob("step_*.zip"), key=lambda p: int(p.stem.split("_")[1])
    )


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train (or, for a baseline, just evaluate) and return the final outcomes."""
    import torch

    config.validate()
    torch.set_num_threads(max(1, config.torch_threads))
    started = time.perf_counter()
    run_name = config.run_name or config.default_run_name()
    config.run_name = run_name
    run_dir = Path(config.out) / run_name
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = config.to_dict()
    resolved["n_envs"] = config.resolved_n_envs()
    if not is_baseline(config.algo):
        resolved["hyperparams"] = resolve_hyperparams(config.algo, config.hyperparams)
    atomic_write_json(run_dir / "config.json", resolved)

    group = config.wandb_group or config.reward
    run = init_run(
        mode=config.wandb,
        directory=config.wandb_dir or run_dir,
        project=config.wandb_project,
        name=run_name,
        group=group,
        tags=[config.env, config.algo, config.reward],
        config=resolved,
    )
    spec = config.spec()
    try:
        if is_baseline(config.algo):
            policy: Policy = make_baseline(
                config.algo, seed=config.seed, reward=config.reward, horizon=config.horizon
            )
            model_path = None
        else:
            policy, model_path = _learn(config, run_dir, run, spec, resume)
        evaluation = evaluate(policy, spec, n_users=config.eval_users, eval_seed=config.eval_seed)
        outcomes = evaluation.outcomes
        atomic_write_csv(run_dir / "trajectory.csv", evaluation.trajectory)
        atomic_write_json(run_dir / "outcomes.json", outcomes)
        wandb_dir = None
        if run is not None:
            run.log(
                {
                    **{f"outcome/{k}": v for k, v in scalars(outcomes).items()},
                    "global_step": float(config.steps),
                }
            )
            run.summary.update({f"final/{k}": v for k, v in scalars(outcomes).items()})
            if model_path is not None:
                import wandb

                artifact = wandb.Artifact(f"model-{run.id}", type="model", metadata=resolved)
                artifact.add_file(str(model_path))
                run.log_artifact(artifact)
            wandb_dir = str(Path(run.dir).parent)
    finally:
        if run is not None:
            run.finish()
    return TrainResult(run_dir, outcomes, evaluation, wandb_dir, time.perf_counter() - started)


def _learn(
    config: TrainConfig, run_dir: Path, run: Any, spec: CompanionSpec, resume: bool
) -> tuple[Any, Path]:
    from stable_baselines3.common.logger import CSVOutputFormat, Logger
    from stable_baselines3.common.vec_env import VecMonitor

    n_envs = config.resolved_n_envs()
    venv = VecMonitor(make_sb3_vec_env(spec, n_envs, seed=config.seed))
    done_steps = 0
    checkpoints = _checkpoints(run_dir) if resume else []
    if checkpoints:
        model = load_algo(config.algo, str(checkpoints[-1]), env=venv)
        done_steps = int(model.num_timesteps)
    else:
        model = make_algo(config.algo, venv, config.seed, config.hyperparams)
    # SB3 opens its CSV for writing: a resumed run logs to a file of its own, so the curve of the
    # steps before the stop is kept.
    progress = "progress.csv" if done_steps == 0 else f"progress_from_{done_steps}.csv"
    outputs: list[Any] = [CSVOutputFormat(str(run_dir / progress))]
    if run is not None:
        outputs.append(WandbOutputFormat(run))
    model.set_logger(Logger(str(run_dir), outputs))
    callback = _TrainingCallback(config, run_dir, run, spec)
    remaining = max(config.steps - done_steps, 0)
    if remaining > 0:
        model.learn(
            total_timesteps=remaining,
            callback=callback,
            reset_num_timesteps=not checkpoints,
            progress_bar=False,
        )
    callback.close()
    model_path = run_dir / "model.zip"
    atomic_write_with(model_path, lambda tmp: model.save(str(tmp)), suffix=".zip")
    venv.close()
    return model, model_path


class _TrainingCallback(BaseCallback):
    """Progress bar, periodic held-out evaluation, checkpoints and W&B outcome curves."""

    def __init__(self, config: TrainConfig, run_dir: Path, run: Any, spec: CompanionSpec) -> None:
        super().__init__()
        self.config, self.run_dir, self.run, self.spec = config, run_dir, run, spec
        self.bar: Any = None
        self.next_eval = 0
        self.rows: list[dict[str, float]] = []

    def _on_training_start(self) -> None:
        if self.config.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.config.steps,
                initial=self.num_timesteps,
                unit="step",
                unit_scale=True,
                desc=f"{self.config.reward} · {self.config.algo} · seed {self.config.seed}",
                dynamic_ncols=True,
                leave=False,
            )
        every = self.config.eval_every
        self.next_eval = (self.num_timesteps // every + 1) * every if every else 0
        previous = self.run_dir / "eval.csv"
        if previous.exists() and self.num_timesteps > 0:  # resumed run: keep the earlier curve
            frame = pd.read_csv(previous)
            kept = frame[frame["global_step"] <= self.num_timesteps]
            self.rows = [{str(k): float(v) for k, v in r.items()} for r in kept.to_dict("records")]

    def _on_step(self) -> bool:
        if self.bar is not None and self.n_calls % 16 == 0:
            self.bar.n = min(self.num_timesteps, self.config.steps)
            self.bar.refresh()
        if self.config.eval_every and self.num_timesteps >= self.next_eval:
            self.next_eval += self.config.eval_every
            self._evaluate()
        return True

    def _evaluate(self) -> None:
        users = min(self.config.eval_users, 128)
        ev = evaluate(self.model, self.spec, n_users=users, eval_seed=self.config.eval_seed)
        row = {"global_step": float(self.num_timesteps), **scalars(ev.outcomes)}
        self.rows.append(row)
        atomic_write_csv(self.run_dir / "eval.csv", pd.DataFrame(self.rows))
        ckpt = self.run_dir / "checkpoints"
        ckpt.mkdir(exist_ok=True)
        atomic_write_with(
            ckpt / f"step_{self.num_timesteps}.zip",
            lambda tmp: self.model.save(str(tmp)),
            suffix=".zip",
        )
        if self.run is not None:
            logged = {f"eval/{k}": v for k, v in row.items() if k != "global_step"}
            self.run.log({**logged, "global_step": row["global_step"]})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def load_config(path: str | Path) -> dict[str, Any]:
    """A config file (JSON or YAML) as a dict."""
    text = Path(path).read_text()
    if str(path).endswith((".yaml", ".yml")):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a mapping of TrainConfig fields")
    return data


__all__ = ["TrainConfig", "TrainResult", "load_config", "train"]
