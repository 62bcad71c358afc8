"""Train one agent on one reward design, evaluate it on held-out users, track it in W&B.

:class:`TrainConfig` is the whole experiment as one typed, documented dataclass (CleanRL style);
:func:`train` runs it. A run folder holds ``config.json`` (the resolved config), ``progress.csv``
(SB3's training scalars against ``global_step``; ``progress_from_<step>.csv`` after a resume),
``eval.csv`` (outcome metrics at every evaluation), checkpoints, ``wandb_id.txt``, ``model.zip``,
``outcomes.json`` and the evaluation users' per-day ``trajectory.csv``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import CSVOutputFormat, KVWriter

from sagym import wandb_staging
from sagym.agents import resume as resuming
from sagym.agents.baselines import make_baseline
from sagym.agents.factory import ALGOS, list_algos, make_algo, resolve_hyperparams
from sagym.agents.vec_env import make_sb3_vec_env
from sagym.config import TrainConfig, design_label, is_baseline, run_id, run_tags
from sagym.config_fields import ConfigError, did_you_mean, read_mapping
from sagym.envs.lookup import simulation_spec
from sagym.envs.simulation import SimulationSpec
from sagym.io import atomic_write_csv, atomic_write_json, atomic_write_with
from sagym.outcomes import Evaluation, Policy, evaluate
from sagym.tracking import init_run, scalars


def check_hyperparams(
    algo: str,
    n_envs: int,
    hyperparams: Mapping[str, Any],
    env: str = "sagym/Companion-v0",
    env_kwargs: Mapping[str, Any] | None = None,
) -> None:
    """Refuse hyperparameters SB3 would refuse, by building the algorithm once on ``n_envs`` users.

    Unknown names are refused with the closest known one; SB3's assertions and type errors are
    rephrased as one line; a ``batch_size`` smaller than ``n_steps * n_envs`` that does not
    divide it (SB3 only warns, then trains on a truncated mini-batch) is refused. Global random
    states are restored afterwards, and each combination is built once per process.
    """
    env_kwargs = dict(env_kwargs or {})
    key = (
        f"{algo}|{n_envs}|{sorted(hyperparams.items(), key=lambda kv: kv[0])!r}|{env}|"
        f"{sorted(env_kwargs.items(), key=lambda kv: kv[0])!r}"
    )
    if key in _CHECKED_HYPERPARAMS:
        return
    import inspect
    import random
    import warnings

    import numpy as np
    import torch

    from sagym.agents.factory import ALGOS, SAGYM_HYPERPARAMS

    accepted = set(inspect.signature(ALGOS[algo].__init__).parameters) | SAGYM_HYPERPARAMS
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
    venv = make_sb3_vec_env(simulation_spec(env, **env_kwargs), n_envs, seed=0)
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


@dataclass
class TrainResult:
    run_dir: Path
    outcomes: dict[str, float]
    evaluation: Evaluation
    wandb_dir: str | None
    seconds: float


def train(config: TrainConfig, resume: bool = False, allow_changes: bool = False) -> TrainResult:
    """Train (or, for a baseline, just evaluate) and return the final outcomes.

    ``resume`` continues the run folder ``out/run_name`` from its newest loadable model
    (:mod:`sagym.agents.resume`); a change of what is trained is refused unless
    ``allow_changes``. W&B is staged and published only when the run finishes
    (:mod:`sagym.wandb_staging`).
    """
    import torch

    config.validate()
    torch.set_num_threads(max(1, config.torch_threads))
    started = time.perf_counter()
    config.run_name = config.run_name or config.default_run_name()
    run_dir = Path(config.out) / config.run_name
    resolved = _resolved(config)
    spec = config.spec()
    plan = _plan(config, run_dir, resolved, resume, allow_changes)  # refusals write nothing
    _prepare_folder(run_dir, resolved, plan)
    tracking = _Tracking.start(config, run_dir, resolved, plan)
    run = tracking.run
    try:
        policy, model_path = _policy(config, run_dir, run, spec, plan)
        evaluation = evaluate(
            policy,
            spec,
            n_users=config.eval_users,
            eval_seed=config.eval_seed,
            rewards={name: name for name in config.return_rewards},
        )
        outcomes = evaluation.outcomes
        atomic_write_csv(run_dir / "trajectory.csv", evaluation.trajectory)
        atomic_write_json(run_dir / "outcomes.json", outcomes)
        if run is not None:
            # The model's own step count: SB3 trains whole rollouts, so --steps 20000 may train
            # 24,576 steps, and the final point must not step back behind the last eval point.
            steps = int(getattr(policy, "num_timesteps", 0) or 0) if model_path else 0
            _log_final(run, steps, outcomes, model_path, resolved)
    except BaseException:
        if run is not None:
            run.finish(exit_code=1)  # staged, never published: the next attempt deletes it
        raise
    wandb_dir = tracking.finish()
    return TrainResult(run_dir, outcomes, evaluation, wandb_dir, time.perf_counter() - started)


def _plan(
    config: TrainConfig,
    run_dir: Path,
    resolved: dict[str, Any],
    resume: bool,
    allow_changes: bool,
) -> resuming.ResumePlan | None:
    """How the run resumes (``None``: a fresh start); a note when newer files were unreadable."""
    if not resume or is_baseline(config.algo):
        return None
    plan = resuming.plan_resume(run_dir, resolved, allow_changes, lambda p: _load(config.algo, p))
    note = plan.note(run_dir)
    if note:
        print(f"sagym train: note: {note}", file=sys.stderr)
    return plan


def _prepare_folder(
    run_dir: Path, resolved: dict[str, Any], plan: resuming.ResumePlan | None
) -> None:
    """Drop what an earlier attempt wrote past the starting step; write ``config.json``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    dropped = resuming.discard_after(run_dir, plan.step if plan else 0)
    record = plan.record(run_dir, resolved, dropped) if plan else resolved
    atomic_write_json(run_dir / "config.json", record)


@dataclass
class _Tracking:
    """The W&B run of one attempt, staged until it finishes (:mod:`sagym.wandb_staging`)."""

    run: Any
    root: Path
    stage: Path | None
    run_id: str

    @classmethod
    def start(
        cls,
        config: TrainConfig,
        run_dir: Path,
        resolved: dict[str, Any],
        plan: resuming.ResumePlan | None,
    ) -> _Tracking:
        root = Path(config.wandb_dir or run_dir)
        run_id = wandb_staging.run_id_for(run_dir)
        stage = None if config.wandb == "disabled" else wandb_staging.begin(root, str(run_dir.name))
        design, tags = _labels(config)
        baseline = is_baseline(config.algo)
        run = init_run(
            mode=config.wandb,
            directory=stage or root,
            project=config.wandb_project,
            entity=config.wandb_entity,
            name=run_dir.name,
            group=config.wandb_group or design,
            tags=tags,
            # A baseline is trained on no reward: it is configured as itself, not as the
            # placeholder reward its TrainConfig carries.
            config={
                **resolved,
                "reward": None if baseline else config.reward,
                "design": design,
                "baseline": baseline,
                "experiment": config.wandb_group or design,
            },
            run_id=run_id,
            resume="allow" if plan else None,
        )
        if run is not None and plan is not None and config.wandb == "offline":
            # Offline runs cannot be appended to: the new one holds the kept curve too.
            for row in resuming.kept_history(run_dir):
                run.log(row)
        return cls(run, root, stage, run_id)

    def finish(self) -> str | None:
        """Finish the W&B run and publish it; the published folder (``None`` if disabled)."""
        if self.run is None or self.stage is None:
            return None
        self.run.finish()
        folder = wandb_staging.publish(self.root, self.stage, self.run_id)
        return str(folder) if folder else None


def _labels(config: TrainConfig) -> tuple[str, list[str]]:
    """The run's design label and W&B tags. A comparison's cell carries its design (which may be
    env- or algo-qualified) as a ``design:`` tag; a lone run is labelled by its reward, or the
    baseline's name."""
    given = [t.removeprefix("design:") for t in config.wandb_tags if t.startswith("design:")]
    design = given[0] if given else design_label(config.reward, config.algo, [config.algo])
    tags = run_tags(config.wandb_tags, design, config.env, config.algo, config.seed)
    return design, tags


def _resolved(config: TrainConfig) -> dict[str, Any]:
    """The config as it runs: users in parallel and every hyperparameter filled in."""
    resolved = config.to_dict()
    resolved["n_envs"] = config.resolved_n_envs()
    if not is_baseline(config.algo):
        resolved["hyperparams"] = resolve_hyperparams(config.algo, config.hyperparams)
    return resolved


def _load(algo: str, path: Path, env: Any = None, **changed: Any) -> Any:
    """An SB3 model from ``path``; ``changed`` hyperparameters replace the saved ones."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algo {algo!r}; known: {', '.join(list_algos())}")
    return ALGOS[algo].load(str(path), env=env, device="cpu", **changed)


def _policy(
    config: TrainConfig,
    run_dir: Path,
    run: Any,
    spec: SimulationSpec,
    plan: resuming.ResumePlan | None,
) -> tuple[Policy, Path | None]:
    if is_baseline(config.algo):
        policy = make_baseline(
            config.algo,
            seed=config.seed,
            reward=config.reward,
            horizon=config.horizon,
            eval_seed=config.eval_seed,
        )
        return policy, None
    return _learn(config, run_dir, run, spec, plan)


def _log_final(
    run: Any,
    steps: int,
    outcomes: dict[str, float],
    model_path: Path | None,
    resolved: dict[str, Any],
) -> None:
    run.log(
        {
            **{f"outcome/{k}": v for k, v in scalars(outcomes).items()},
            "global_step": float(steps),
        }
    )
    run.summary.update({f"final/{k}": v for k, v in scalars(outcomes).items()})
    # The optimality figures under their own names too (score is computed by a comparison,
    # once the design's planner and random baseline are done: see its results table).
    run.summary.update(
        {
            k: v
            for k, v in scalars(outcomes).items()
            if k in ("return", "return_greedy", "policy_entropy")
        }
    )
    if model_path is not None:
        import wandb

        artifact = wandb.Artifact(f"model-{run.id}", type="model", metadata=resolved)
        artifact.add_file(str(model_path))
        run.log_artifact(artifact)


class WandbOutputFormat(KVWriter):
    """An SB3 logger output that sends every dumped scalar to a W&B run."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def write(
        self,
        key_values: dict[str, Any],
        key_excluded: dict[str, tuple[str, ...]],
        step: int = 0,
    ) -> None:
        data = scalars(
            {k: v for k, v in key_values.items() if "wandb" not in key_excluded.get(k, ())}
        )
        data["global_step"] = float(step)
        self.run.log(data)

    def close(self) -> None:
        pass


class _StepCSV(CSVOutputFormat):
    """SB3's CSV output with a ``global_step`` column, the step W&B plots the curves against."""

    def write(
        self,
        key_values: dict[str, Any],
        key_excluded: dict[str, tuple[str, ...]],
        step: int = 0,
    ) -> None:
        super().write({"global_step": step, **key_values}, key_excluded, step)


def _learn(
    config: TrainConfig,
    run_dir: Path,
    run: Any,
    spec: SimulationSpec,
    plan: resuming.ResumePlan | None,
) -> tuple[Any, Path]:
    from stable_baselines3.common.logger import Logger
    from stable_baselines3.common.vec_env import VecMonitor

    n_envs = config.resolved_n_envs()
    venv = VecMonitor(make_sb3_vec_env(spec, n_envs, seed=config.seed))
    if plan is None:
        model = make_algo(config.algo, venv, config.seed, config.hyperparams)
    else:
        try:
            model = _load(config.algo, plan.checkpoint.path, venv, **plan.hyperparams)
        except Exception as err:
            venv.close()
            raise resuming.ResumeError(
                f"cannot resume {run_dir} from {plan.checkpoint.path.name} with the changed "
                f"{', '.join(plan.changes)}: {err}"
            ) from err
        # SB3 does not save the environment, the last observation or the random states: the
        # continuation is seeded from the run's seed and the resume step (same file, same run).
        model.set_random_seed(resuming.resume_seed(config.seed, plan.step))
    done_steps = plan.step if plan else 0
    # SB3 opens its CSV for writing: a resumed run logs to a file of its own, so the curve of the
    # steps before the stop is kept (cut at the resume step).
    progress = "progress.csv" if done_steps == 0 else f"progress_from_{done_steps}.csv"
    outputs: list[Any] = [_StepCSV(str(run_dir / progress))]
    if run is not None:
        outputs.append(WandbOutputFormat(run))
    model.set_logger(Logger(str(run_dir), outputs))
    callback = _TrainingCallback(config, run_dir, run, spec)
    remaining = max(config.steps - done_steps, 0)
    try:
        if remaining > 0:
            model.learn(
                total_timesteps=remaining,
                callback=callback,
                reset_num_timesteps=plan is None,
                progress_bar=False,
            )
    finally:
        callback.close()
        model.logger.close()
    model_path = run_dir / "model.zip"
    atomic_write_with(model_path, lambda tmp: model.save(str(tmp)), suffix=".zip")
    venv.close()
    return model, model_path


class _TrainingCallback(BaseCallback):
    """Progress bar, periodic held-out evaluation, checkpoints and W&B outcome curves.

    Evaluations and checkpoints happen at rollout boundaries, *after* the update of the rollout
    just collected (at the start of the next rollout, and at the end of training): a checkpoint
    of step N then holds exactly the parameters and optimiser state of the run at step N, so a
    resume from it loses no update.
    """

    def __init__(self, config: TrainConfig, run_dir: Path, run: Any, spec: SimulationSpec) -> None:
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
        return True

    def _on_rollout_start(self) -> None:
        self._maybe_evaluate()

    def _on_training_end(self) -> None:
        self._maybe_evaluate()

    def _maybe_evaluate(self) -> None:
        if self.config.eval_every and self.num_timesteps >= self.next_eval:
            every = self.config.eval_every
            self.next_eval = (self.num_timesteps // every + 1) * every
            self._evaluate()

    def _evaluate(self) -> None:
        users = min(self.config.eval_users, 128)
        ev = evaluate(
            self.model, self.spec, n_users=users, eval_seed=self.config.eval_seed, greedy=False
        )
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


__all__ = [
    "TrainConfig",
    "TrainResult",
    "WandbOutputFormat",
    "check_hyperparams",
    "load_config",
    "run_id",
    "train",
]
