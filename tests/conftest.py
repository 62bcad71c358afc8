"""Shared test set-up: W&B offline into a temporary folder, headless matplotlib."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_wandb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("wandb")
    saved = {k: os.environ.get(k) for k in _WANDB_VARS}
    os.environ.update({k: str(root) for k in _WANDB_VARS if k != "WANDB_MODE"})
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    os.environ.setdefault("MPLBACKEND", "Agg")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_WANDB_VARS = ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR", "WANDB_MODE")


def _read_wandb_records(run_dir: Path) -> list[dict[str, Any]]:
    """The records of an offline W&B run, read back with ``wandb leet inspect --json``."""
    wandb_exe = Path(sys.executable).with_name("wandb")
    out = subprocess.run(
        [str(wandb_exe), "leet", "inspect", "--json", str(run_dir)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def wandb_records() -> Callable[[Path], list[dict[str, Any]]]:
    return _read_wandb_records
