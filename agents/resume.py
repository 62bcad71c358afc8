"""Continuing a stopped training run: which file to load, what may change, what is kept.

``sagym train --resume RUN_DIR`` reads the run's ``config.json``, loads the newest *loadable* model
of the run (a checkpoint ``checkpoints/step_<N>.zip`` or the final ``model.zip``, whichever holds
more steps; a truncated or unloadable file is skipped with a one-line note), and trains on to
``--steps``. Anything that changes *what* is trained (reward, environment, algorithm, seed,
population, horizon, pinned user parameters, hyperparameters, users in parallel, evaluation users'
seed) is refused unless the caller allows it; what was really applied is recorded in
``config.json`` under ``resumes``, one entry per resume.

The curve files of the attempt that stopped are cut at the resume step (rows of steps the resumed
run trains again are dropped), so ``progress*.csv`` and ``eval.csv`` hold each ``global_step`` once.

Stable-Baselines3 saves the parameters, the optimiser state and the step counters, but not the
environment's state, the last observation, the torch/numpy random states or the rollout (or DQN
replay) buffer. A resumed run therefore cannot replay the stopped one; :func:`resume_seed` makes
its continuation a function of the run's seed and the resume step alone, so resuming the same
checkpoint twice gives bit-identical results (docs/resume.md states the tolerance against an
uninterrupted run).
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from sagym.io import atomic_write_csv

#: Fields that change what is trained: a resume refuses to change them unless allowed.
GUARDED_FIELDS = (
    "env",
    "env_kwargs",
    "reward",
    "algo",
    "seed",
    "n_envs",
    "horizon",
    "population",
    "user_overrides",
    "hyperparams",
    "eval_seed",
)
#: Fields a resume may change freely (``steps`` to train on, evaluation and tracking settings).
FREE_FIELDS = ("steps", "eval_users", "eval_every", "wandb", "wandb_project", "wandb_group")
#: Keys of ``config.json`` that are records of the run, not fields of its configuration.
RECORD_KEYS = ("resumes",)
#: Hyperparameters that shape the saved network: a checkpoint cannot be loaded with others.
FIXED_HYPERPARAMS = ("policy_kwargs", "normalize_observations")

T = TypeVar("T")


class ResumeError(ValueError):
    """A run that cannot be resumed as asked (the message is one line for the user)."""


@dataclass
class Checkpoint:
    """The file a run resumes from, and the files skipped on the way to it."""

    path: Path
    step: int
    skipped: list[str] = field(default_factory=list)


@dataclass
class ResumePlan:
    """How a run resumes: the file, the configuration changes, and the earlier resumes."""

    checkpoint: Checkpoint
    changes: dict[str, Any]
    hyperparams: dict[str, Any]
    history: list[dict[str, Any]]

    @property
    def step(self) -> int:
        return self.checkpoint.step

    def note(self, run_dir: Path) -> str | None:
        """The one-line note for the user when newer files were unreadable."""
        if not self.checkpoint.skipped:
            return None
        return (
            f"skipped unreadable {'; '.join(self.checkpoint.skipped)}; resuming from "
            f"{_rel(self.checkpoint.path, run_dir)} at step {self.step}"
        )

    def record(
        self, run_dir: Path, resolved: Mapping[str, Any], dropped: list[str]
    ) -> dict[str, Any]:
        """``config.json`` of the resumed run: what is applied now, and every resume so far."""
        entry = history_entry(self.checkpoint, run_dir, self.changes, dropped)
        return {**resolved, "resumes": [*self.history, entry]}


def plan_resume(
    run_dir: Path, requested: Mapping[str, Any], allow_changes: bool, load: Callable[[Path], Any]
) -> ResumePlan:
    """Check that ``run_dir`` can resume with the ``requested`` (resolved) configuration.

    Nothing is written: a refused resume leaves the run folder as it was.
    """
    saved = saved_record(run_dir)
    if not saved:
        raise ResumeError(f"cannot resume {run_dir}: it holds no readable config.json")
    _, checkpoint = load_newest(run_dir, load)
    changes = config_changes(saved, requested)
    check_changes(changes, run_dir, checkpoint.step, allow_changes)
    history = saved.get("resumes")
    return ResumePlan(
        checkpoint=checkpoint,
        changes=changes,
        hyperparams=changed_hyperparams(changes),
        history=list(history) if isinstance(history, list) else [],
    )


def saved_record(run_dir: Path) -> dict[str, Any]:
    """The whole ``config.json`` of a run (fields and records), empty when there is none."""
    try:
        data = json.loads((run_dir / "config.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def config_changes(saved: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: {"before": ..., "after": ...}}`` for every guarded or free field that differs."""
    changes: dict[str, Any] = {}
    for key in (*GUARDED_FIELDS, *FREE_FIELDS):
        before, after = saved.get(key), requested.get(key)
        if key == "env_kwargs":  # a run folder from before env kwargs existed had none
            before, after = before or {}, after or {}
        if _canonical(before) != _canonical(after):
            changes[key] = {"before": before, "after": after}
    return changes


def check_changes(changes: Mapping[str, Any], run_dir: Path, done_steps: int, allow: bool) -> None:
    """Refuse changes that alter what is trained (unless ``allow``) and steps below the resume."""
    steps = changes.get("steps", {}).get("after")
    if steps is not None and steps < done_steps:
        raise ResumeError(
            f"cannot resume {run_dir}: steps={steps} is below the {done_steps} steps it has "
            f"already trained; give --steps >= {done_steps}"
        )
    guarded = [key for key in GUARDED_FIELDS if key in changes]
    if guarded and not allow:
        said = ", ".join(
            f"{key} ({_short(changes[key]['before'])} -> {_short(changes[key]['after'])})"
            for key in guarded
        )
        raise ResumeError(
            f"cannot resume {run_dir} with a changed {said}: it would train something else "
            "than the run began; pass --allow-changes to apply it anyway"
        )
    hp = changes.get("hyperparams")
    if hp:
        before, after = hp["before"] or {}, hp["after"] or {}
        for key in FIXED_HYPERPARAMS:
            if _canonical(before.get(key)) != _canonical(after.get(key)):
                raise ResumeError(
                    f"cannot resume {run_dir} with a changed hyperparameter {key} "
                    f"({_short(before.get(key))} -> {_short(after.get(key))}): the saved "
                    "network has another shape; start a new run instead"
                )


def changed_hyperparams(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Hyperparameters whose value changed: passed to the loader so they take effect.

    SB3's ``load`` restores every saved attribute (learning rate, ``n_steps``, ...); new values
    must be given to it explicitly or the resumed run would silently keep the old ones.
    """
    hp = changes.get("hyperparams")
    if not hp:
        return {}
    before, after = hp["before"] or {}, hp["after"] or {}
    return {k: v for k, v in after.items() if _canonical(before.get(k)) != _canonical(v)}


def checkpoint_step(path: Path) -> int:
    """The steps a saved SB3 model holds, read from its ``data`` entry (no torch load)."""
    if path.name.startswith("step_"):
        return int(path.stem.split("_")[1])
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data"))
    return int(data["num_timesteps"])


def candidates(run_dir: Path) -> list[Path]:
    """``model.zip`` and the checkpoints of a run (existing files only, unordered)."""
    found = [p for p in (run_dir / "checkpoints").glob("step_*.zip") if _step_name(p)]
    model = run_dir / "model.zip"
    if model.is_file():
        found.append(model)
    return found


def load_newest(run_dir: Path, load: Callable[[Path], T]) -> tuple[T, Checkpoint]:
    """Load the newest model of ``run_dir`` that ``load`` accepts, newest first by step.

    ``model.zip`` comes before a checkpoint of the same step. A file that cannot be read or
    loaded is skipped with a note (kept in :attr:`Checkpoint.skipped`); no loadable file at all
    is a :class:`ResumeError` naming what was tried.
    """
    ordered: list[tuple[int, int, Path]] = []
    skipped: list[str] = []
    for path in candidates(run_dir):
        try:
            ordered.append((checkpoint_step(path), path.name == "model.zip", path))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
            skipped.append(f"{_rel(path, run_dir)} ({_reason(err)})")
    if not ordered and not skipped:
        raise ResumeError(
            f"cannot resume {run_dir}: it holds no model.zip and no checkpoints/step_*.zip "
            "(it stopped before its first checkpoint); start it again without --resume"
        )
    for step, _, path in sorted(ordered, reverse=True):
        try:
            model = load(path)
        except Exception as err:  # any failure to load means: try the previous file
            skipped.append(f"{_rel(path, run_dir)} ({_reason(err)})")
            continue
        return model, Checkpoint(path=path, step=step, skipped=skipped)
    raise ResumeError(
        f"cannot resume {run_dir}: no loadable model, unreadable: {'; '.join(skipped)}; "
        "start it again without --resume"
    )


def resume_seed(seed: int, step: int) -> int:
    """The seed of a continuation from ``step``: a function of the run's seed and the step.

    Different from the run's own seed (the resumed run does not replay its first users) and the
    same every time the same checkpoint is resumed.
    """
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0] % (2**31 - 1))


def discard_after(run_dir: Path, step: int) -> list[str]:
    """Drop what an earlier attempt wrote beyond ``step``: curve rows and checkpoints.

    ``progress*.csv`` and ``eval.csv`` keep rows with ``global_step <= step`` (files left empty
    are removed); checkpoints and a ``model.zip`` of later steps, or unreadable, are removed
    (the file resumed from is the newest loadable one). A fresh start is ``step=0``. Returns
    the files changed, for the record.
    """
    changed: list[str] = []
    for path in [*sorted(run_dir.glob("progress*.csv")), run_dir / "eval.csv"]:
        if path.is_file() and _cut_csv(path, step):
            changed.append(path.name)
    for path in candidates(run_dir):
        try:
            later = checkpoint_step(path) > step
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            later = True  # unreadable: the loaded file was the newest loadable one
        if later:
            path.unlink()
            changed.append(_rel(path, run_dir))
    return changed


def history_entry(
    checkpoint: Checkpoint, run_dir: Path, changes: Mapping[str, Any], dropped: list[str]
) -> dict[str, Any]:
    """One ``resumes`` record of ``config.json``: from where, which file, what changed."""
    return {
        "from_step": checkpoint.step,
        "checkpoint": _rel(checkpoint.path, run_dir),
        "skipped": list(checkpoint.skipped),
        "changes": dict(changes),
        "discarded": dropped,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def kept_history(run_dir: Path) -> list[dict[str, float]]:
    """The curve rows kept in the run folder, in ``global_step`` order, for replay to W&B.

    Training scalars come from ``progress*.csv`` as logged; evaluation rows from ``eval.csv``
    under ``eval/`` (the names the training callback logs them with). At the same step the
    training row comes first, as it did in the run.
    """
    rows: list[tuple[float, int, dict[str, float]]] = []
    for path in sorted(run_dir.glob("progress*.csv")):
        for row in _read_rows(path):
            step = row.pop("global_step", row.get("time/total_timesteps"))
            if step is not None:
                rows.append((step, 0, {**row, "global_step": step}))
    for row in _read_rows(run_dir / "eval.csv"):
        step = row.pop("global_step", None)
        if step is not None:
            logged = {f"eval/{k}": v for k, v in row.items()}
            rows.append((step, 1, {**logged, "global_step": step}))
    return [r for _, _, r in sorted(rows, key=lambda t: (t[0], t[1]))]


def _read_rows(path: Path) -> list[dict[str, float]]:
    if not path.is_file() or path.stat().st_size == 0:
        return []
    try:
        frame = pd.read_csv(path, on_bad_lines="skip")
    except (pd.errors.EmptyDataError, pd.errors.ParserError):
        return []
    out = []
    for record in frame.to_dict("records"):
        row = {str(k): float(v) for k, v in record.items() if _finite(v)}
        out.append(row)
    return out


def _cut_csv(path: Path, step: int) -> bool:
    """Keep rows at or before ``step``; True when the file changed."""
    try:
        frame = pd.read_csv(path, on_bad_lines="skip")  # a row torn by a kill is dropped
    except pd.errors.EmptyDataError:  # opened, never written
        path.unlink()
        return True
    except pd.errors.ParserError:
        return False  # not ours to judge: left as it is
    column = "global_step" if "global_step" in frame else "time/total_timesteps"
    if column not in frame:
        return False
    kept = frame[frame[column] <= step]
    if len(kept) == len(frame):
        return False
    if kept.empty:
        path.unlink()
    else:
        atomic_write_csv(path, kept)
    return True


def _step_name(path: Path) -> bool:
    return path.stem.startswith("step_") and path.stem[5:].isdigit()


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and bool(np.isfinite(value))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _rel(path: Path, run_dir: Path) -> str:
    try:
        return str(path.relative_to(run_dir))
    except ValueError:
        return str(path)


def _reason(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


__all__ = [
    "FREE_FIELDS",
    "GUARDED_FIELDS",
    "Checkpoint",
    "ResumeError",
    "ResumePlan",
    "check_changes",
    "config_changes",
    "discard_after",
    "history_entry",
    "kept_history",
    "load_newest",
    "plan_resume",
    "resume_seed",
]
