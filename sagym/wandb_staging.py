"""A training run's W&B run is published only when the training run finishes.

Why: an offline W&B run is a folder ``offline-run-<time>-<id>`` that ``wandb sync`` uploads as one
run. A training run killed mid-way (SIGKILL, a lost machine, an interrupted comparison) would leave
a partial folder there, and its rerun another: ``wandb sync OUT/wandb`` would upload an extra,
truncated run beside the complete one. W&B cannot merge two offline folders of one run id either
(syncing the second replaces the first, and offline mode ignores ``resume``), so the partial
folder cannot simply be continued.

Design: every attempt writes W&B under a staging folder ``ROOT/.wandb-staging/<run name>/``,
outside the ``ROOT/wandb/`` that ``wandb sync`` reads (``ROOT`` is ``wandb_dir``, by default the
run folder). When the training run finishes, its W&B folder is moved into ``ROOT/wandb/`` (a
rename within one file system) and the staging folder is removed. An attempt that starts deletes
the staging folder an interrupted attempt left: a fresh start trains from step 0 and logs
everything again; a resumed run first replays the curve it kept (the rows up to the resume step,
from the run folder's CSV files) into its W&B run, so the one published run holds the whole curve
once. The W&B run id is stored in the run folder on first start (``wandb_id.txt``) and used by
every attempt (``resume="allow"`` when resuming), so a finished run extended with ``--resume``
stays one W&B run: its earlier published folder is replaced by the new, complete one.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

from sagym.io import atomic_write_text

STAGING = ".wandb-staging"
ID_FILE = "wandb_id.txt"
_ID = re.compile(r"^[a-z0-9]{1,64}$")


def run_id_for(run_dir: Path) -> str:
    """The W&B run id of a run folder: read from ``wandb_id.txt``, or made and saved there."""
    path = run_dir / ID_FILE
    try:
        saved = path.read_text().strip()
    except OSError:
        saved = ""
    if _ID.match(saved):
        return saved
    new = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    atomic_write_text(path, new + "\n")
    return new


def begin(root: Path, run_name: str) -> Path:
    """A clean staging folder for this attempt (an interrupted attempt's is deleted)."""
    stage = root / STAGING / run_name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    return stage


def published(root: Path, run_id: str) -> list[Path]:
    """The W&B folders of run ``run_id`` under ``ROOT/wandb/``."""
    folder = root / "wandb"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*run-*-{run_id}") if p.is_dir())


def publish(root: Path, stage: Path, run_id: str) -> Path | None:
    """Move the finished W&B run from ``stage`` into ``ROOT/wandb/``; replace earlier ones.

    Returns the published folder (``None`` when the attempt wrote none).
    """
    made = sorted(p for p in (stage / "wandb").glob(f"*run-*-{run_id}") if p.is_dir())
    if not made:
        shutil.rmtree(stage, ignore_errors=True)
        return None
    target_dir = root / "wandb"
    target_dir.mkdir(parents=True, exist_ok=True)
    earlier = published(root, run_id)
    target = target_dir / made[-1].name
    if target.exists():
        shutil.rmtree(target)
    made[-1].rename(target)
    for old in earlier:
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)  # the empty ROOT/.wandb-staging stays: other
    return target  # runs of a comparison may be creating their staging folders in it now


__all__ = ["ID_FILE", "STAGING", "begin", "publish", "published", "run_id_for"]
