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
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass
from stable_baselines3.common.callbacks import BaseCallback

from sagym.agents.baselines import is_baseline, make_baseline
from sagym.agents.factory import DEFAULT_N_ENVS, load_algo, make_algo, resolve_hyperparams
from sagym.agents.vec_env import CompanionSB3VecEnv
from sagym.config_checks import (
    check_algo,
    check_env,
    check_population,
    check_reward,
    check_user,
)
from sagym.config_fields import (
    MAX_HORIZON,
    MAX_SEED,
    MAX_STEPS,
    MAX_USERS,
    ConfigError,
    FolderName,
    Integer,
    Number,
    Text,
    TextList,
    WandbMode,
    check_known_fields,
    check_output_folder,
    did_you_mean,
    import_modules,
    one_line_errors,
    read_mapping,
)
from sagym.envs.core import CompanionCore, CompanionSpec
from sagym.io import atomic_write_csv, atomic_write_json, atomic_write_with
from sagym.outcomes import Evaluation, Policy, evaluate
from sagym.tracking import WandbOutputFormat, init_run, scalars


@one_line_errors
@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class TrainConfig:
    """One training run.

    A pydantic dataclass: every field is checked (and unambiguous spellings such as ``"1e5"``
    coerced) when the config is built; :meth:`validate` repeats the checks after edits and builds
    the algorithm once to catch hyperparameters SB3 refuses. The command-line flags of
    ``sagym train`` are derived from these fields and their lines below.

    Attributes:
        env: registered environment id.
        reward: reward name or composite spec the agent is trained on.
        algo: ppo, a2c, dqn, recurrent_ppo, or a scripted baseline (random, heuristic, greedy,
            fixed:<behaviour>; no training).
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
        run_name: run folder name (default env__reward__algo__seed__time).
        wandb: W&B mode.
        wandb_project: W&B project.
        wandb_group: W&B group (default: the reward design).
        wandb_dir: folder under which W&B writes wandb/ (default: the run folder).
        torch_threads: torch threads (1: processes side by side do not fight over cores).
        progress: show a progress bar.
        imports: modules to import first (user rewards and populations register themselves).
    """

    env: Text = "sagym/Companion-v0"
    reward: Text = "engagement"
    algo: Text = "ppo"
    seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    steps: Annotated[Integer, Field(ge=0, le=MAX_STEPS)] = 100_000
    n_envs: Annotated[Integer, Field(ge=1, le=MAX_USERS)] | None = None
    horizon: Annotated[Integer, Field(ge=1, le=MAX_HORIZON)] = 90
    population: Text = "default"
    user_overrides: dict[str, Number] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)
    eval_users: Annotated[Integer, Field(ge=1, le=MAX_USERS)] = 256
    eval_every: Annotated[Integer, Field(ge=0, le=MAX_STEPS)] = 0
    eval_seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    out: Text = "runs"
    run_name: FolderName | None = None
    wandb: WandbMode = "offline"
    wandb_project: Text = "sagym"
    wandb_group: Text | None = None
    wandb_dir: Text | None = None
    torch_threads: Annotated[Integer, Field(ge=1, le=1024)] = 1
    progress: bool = True
    imports: TextList = field(default_factory=list)

    @model_validator(mode="after")
    def _registered(self) -> TrainConfig:
        """Names checked against the registries, once the user's modules have registered."""
        import_modules(self.imports)
        check_env(self.env)
        check_algo(self.algo)
        check_reward(self.reward)
        check_population(self.population)
        check_user(self.horizon, self.population, self.reward, self.user_overrides)
        if self.steps == 0 and not is_baseline(self.algo):
            raise ValueError(f"steps must be >= 1 to train {self.algo}; got 0")
        return self

    def validate(self) -> None:
        """Every check again (fields may have been edited), the hyperparameters and ``out``."""
        TrainConfig.from_dict(self.to_dict())
        if not is_baseline(self.algo):
            check_hyperparams(self.algo, self.resolved_n_envs(), self.hyperparams)
        check_output_folder(self.out)

    def spec(self) -> CompanionSpec:
        """The environment arguments of this run, checked by building them once."""
        spec = CompanionSpec(
            horizon=self.horizon,
            population=self.population,
            reward=self.reward,
            user_overrides=self.user_overrides or None,
        )
        CompanionCore(1, spec)  # fails early, naming the bad field
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
        """A config from a mapping of fields (a config file, ``config.json``), checked."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a config must be a mapping of fields; got {type(data).__name__}")
        check_known_fields(data, cls.__dataclass_fields__, "config")
        return cls(**dict(data))


def check_hyperparams(algo: str, n_envs: int, hyperparams: Mapping[str, Any]) -> None:
    """Refuse hyperparameters SB3 would refuse, by building the algorithm once on ``n_envs`` users.

    Unknown names are refused with the closest known one; SB3's assertions and type errors are
    rephrased as one line; a ``batch_size`` smaller than ``n_steps * n_envs`` that does not
    divide it (SB3 only warns, then trains on a truncated mini-batch) is refused. Global random
    states are restored afterwards, and each combination is built once per process.
    """
    key = f"{algo}|{n_envs}|{sorted(hyperparams.items(), key=lambda kv: kv[0])!r}"
    if key in _CHECKED_HYPERPARAMS:
        return
    import inspect
    import random
    import warnings

    import numpy as np
    import torch

    from sagym.agents.factory import ALGOS

    accepted = set(inspect.signature(ALGOS[algo].__init__).parameters)
    accepted -= {"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log",
                 "_init_setup_model"}  # fmt: skip
    for name in hyperparams:
        if name not in accepted:
            raise ConfigError(
                f"hyperparams: {algo} has no hyperparameter {name!r}"
                f"{did_you_mean(name, accepted)}; known: {', '.join(sorted(accepted))}"
            )
    given = ", ".join(f"{k}={v!r}" for k, v in hyperparams.items()) or "the defaults"
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()  # noqa: NPY002
    venv = CompanionSB3VecEnv(n_envs, seed=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make_algo(algo, venv, 0, dict(hyperparams))
    except (AssertionError, ValueError, TypeError, RuntimeError) as err:
        message = " ".join(str(err).split()).removeprefix(f"bad hyperparameter for {algo}: ")
        raise ConfigError(
            f"hyperparams: {algo} refuses {given} with n_envs={n_envs}: {message}"
        ) from None
    finally:
        venv.close()
        random.setstate(states[0])
        np.random.set_state(states[1])  # noqa: NPY002
        torch.set_rng_state(states[2])
    batch, n_steps = getattr(model, "batch_size", None), getattr(model, "n_steps", None)
    if hasattr(model, "rollout_buffer") and batch and n_steps:
        buffer = n_steps * n_envs
        if batch < buffer and buffer % batch:
            raise ConfigError(
                f"hyperparams: batch_size={batch} must divide n_steps*n_envs = "
                f"{n_steps}*{n_envs} = {buffer} (or be at least it)"
            )
    _CHECKED_HYPERPARAMS.add(key)


_CHECKED_HYPERPARAMS: set[str] = set()


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
    venv = VecMonitor(
        CompanionSB3VecEnv(
            n_envs,
            seed=config.seed,
            reward=spec.reward,
            horizon=spec.horizon,
            population=spec.population,
            user_overrides=spec.user_overrides,
        )
    )
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


def load_config(path: str | Path, flag: str = "--config") -> dict[str, Any]:
    """A config file (JSON, or YAML by extension) as a dict; every unusable file is one line."""
    return read_mapping(path, flag)


__all__ = ["TrainConfig", "TrainResult", "load_config", "train"]
