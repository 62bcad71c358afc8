"""A grid cell's folder: its cache key, the manifest written last, and the checks before reuse.

A cell is reused only when its manifest (``cell.json``) says it was run with the same settings,
the same sagym version and the same code, and every file it lists still has the size and SHA-256
recorded when it was written, parses completely (JSON, CSV) and, for ``model.zip``, is an intact
zip holding SB3's entries. The manifest is written atomically after every other file, so a cell
interrupted at any point has either no manifest or one that no longer matches: it runs again.

The code part of the key hashes the sagym sources that shape a cell's numbers (environments,
rewards, agents, outcomes) plus the user's code: every ``--import`` module's file and the source
of every non-sagym reward class the cell's reward is built from. Editing a registered reward
therefore reruns the cells that use it; editing the report or the CLI does not rerun anything.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sagym.config import TrainConfig, is_baseline
from sagym.grid_folder import remove_temporaries
from sagym.io import atomic_write_json
from sagym.outcomes import OUTCOME_METRICS

MANIFEST = "cell.json"
# Files of a finished cell, in the order they are checked; model.zip only for trained agents.
CELL_FILES = ("config.json", "outcomes.json", "trajectory.csv", "model.zip")
SB3_ENTRIES = frozenset({"data", "policy.pth", "_stable_baselines3_version"})
# Settings that change where or how a cell is reported, never its numbers.
_VOLATILE = (
    "progress", "wandb", "wandb_dir", "wandb_project", "wandb_group", "wandb_entity",
    "wandb_tags", "out",
)  # fmt: skip
# sagym sources whose edits can change a cell's numbers (relative to the repository root).
_CODE_PACKAGES = ("sagym.envs", "sagym.rewards", "sagym.agents")
_CODE_MODULES = ("sagym.outcomes", "sagym.signals", "sagym.io")


def cell_folder(cell: TrainConfig) -> Path:
    return Path(cell.out) / str(cell.run_name)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def sagym_code_hash() -> str:
    """SHA-256 over the sagym sources that shape a cell's numbers (names and contents)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for package in _CODE_PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        files += sorted(root.glob("*.py"))
    for module in _CODE_MODULES:
        files.append(Path(importlib.import_module(module).__file__ or ""))
    for path in files:
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _reward_classes(reward: Any) -> list[type]:
    from sagym.rewards.composite import WeightedSum

    if isinstance(reward, WeightedSum):
        return [cls for _, term in reward.terms for cls in _reward_classes(term)]
    return [type(reward)]


def _class_source(cls: type) -> str:
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):
        module = importlib.import_module(cls.__module__)
        path = getattr(module, "__file__", None)
        if path and Path(path).exists():
            return Path(path).read_text(errors="replace")
        return f"{cls.__module__}.{cls.__qualname__}"  # defined where no source can be read


def user_code_hash(cell: TrainConfig) -> str:
    """SHA-256 over the ``--import`` modules' files and the user reward classes of the cell."""
    from sagym.rewards import make_reward

    digest = hashlib.sha256()
    for name in cell.imports:
        module = importlib.import_module(name)
        path = getattr(module, "__file__", None)
        digest.update(f"import {name}\0".encode())
        if path and Path(path).exists():
            digest.update(Path(path).read_bytes())
    if not is_baseline(cell.algo):
        for cls in _reward_classes(make_reward(cell.reward)):
            if not cls.__module__.startswith("sagym."):
                digest.update(f"reward {cls.__module__}.{cls.__qualname__}\0".encode())
                digest.update(_class_source(cls).encode())
    return digest.hexdigest()


def cell_key(cell: TrainConfig) -> dict[str, Any]:
    """Everything a cell's numbers depend on: its settings, the sagym version and the code."""
    import sagym

    data = cell.to_dict()
    for volatile in _VOLATILE:
        data.pop(volatile, None)
    data["sagym_version"] = sagym.__version__
    data["code"] = {"sagym": sagym_code_hash(), "user": user_code_hash(cell)}
    # JSON round trip: the key compares equal to the one read back from the manifest.
    loaded: dict[str, Any] = json.loads(json.dumps(data, sort_keys=True))
    return loaded


def expected_files(cell: TrainConfig) -> tuple[str, ...]:
    return tuple(n for n in CELL_FILES if n != "model.zip" or not is_baseline(cell.algo))


def write_manifest(cell: TrainConfig, key: dict[str, Any]) -> None:
    """Record each file's size and SHA-256, then write the manifest atomically, last."""
    folder = cell_folder(cell)
    files = {}
    for name in expected_files(cell):
        path = folder / name
        files[name] = {"size": path.stat().st_size, "sha256": _file_digest(path)}
    atomic_write_json(folder / MANIFEST, {"key": key, "files": files})


def forget(cell: TrainConfig) -> None:
    """Before a cell runs (again): drop its manifest, so a stop midway leaves none, and the
    temporary files a killed writer left in its folder."""
    folder = cell_folder(cell)
    (folder / MANIFEST).unlink(missing_ok=True)
    remove_temporaries(folder)
    remove_temporaries(folder / "checkpoints")


@dataclass(frozen=True)
class CellState:
    """Whether a cell's folder can be reused; ``note`` says why not, when that is news."""

    reusable: bool
    note: str | None = None


def check_cell(cell: TrainConfig, key: dict[str, Any]) -> CellState:
    """Whether the finished cell on disk matches ``key`` and its files are whole."""
    folder = cell_folder(cell)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return CellState(False)  # never finished: nothing to say
    try:
        manifest = json.loads(manifest_path.read_text())
        recorded_key, files = manifest["key"], manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return CellState(False, f"{MANIFEST} is unreadable")
    if recorded_key != key:
        return CellState(False, _key_change(recorded_key, key))
    for name in expected_files(cell):
        problem = _check_file(folder / name, files.get(name))
        if problem:
            return CellState(False, f"{name} {problem}")
    return CellState(True)


def _key_change(old: Any, new: dict[str, Any]) -> str:
    if not isinstance(old, dict):
        return "its manifest has no settings"
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if changed == ["code"]:
        return "the code it ran with has changed"
    if changed == ["sagym_version"] or set(changed) == {"sagym_version", "code"}:
        return "it was run by another sagym version"
    return f"its settings differ ({', '.join(changed)})"


def _check_file(path: Path, recorded: Any) -> str | None:
    if not isinstance(recorded, dict):
        return "is not in the manifest"
    if not path.exists():
        return "is missing"
    size = path.stat().st_size
    if size != recorded.get("size"):
        return f"has {size} bytes, {recorded.get('size')} were written"
    if _file_digest(path) != recorded.get("sha256"):
        return "does not match its checksum"
    return _parse_problem(path)


def _parse_problem(path: Path) -> str | None:
    """Why the file does not parse completely, or ``None``."""
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                return "does not hold a JSON object"
            if path.name == "outcomes.json":
                missing = [m for m in OUTCOME_METRICS if m not in data]
                if missing:
                    return f"lacks {', '.join(missing)}"
        elif path.suffix == ".csv":
            if pd.read_csv(path).empty:
                return "has no rows"
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                missing_entries = SB3_ENTRIES - set(archive.namelist())
                if missing_entries:
                    return f"lacks SB3 entries {sorted(missing_entries)}"
                if archive.testzip() is not None:
                    return "has a corrupt entry"
    except (OSError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, pd.errors.ParserError):
        return "does not parse"
    return None
