"""A comparison killed mid-grid leaves no process behind, and its rerun loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sagym.cell_store import MANIFEST
from sagym.experiment import CompareConfig, run_grid

# Six cells, four of them a second or two of training: long enough to stop midway, short enough
# for the suite. GRID and _config are the same grid, on the command line and as a config.
GRID = [
    "compare", "--rewards", "engagement", "need_support", "--baselines", "random",
    "--seeds", "2", "--steps", "2048", "--n-envs", "4", "--horizon", "20", "--eval-users", "8",
    "--hp", "n_steps=64", "--hp", "batch_size=128", "--no-progress", "--wandb", "disabled",
]  # fmt: skip
CELLS = 6


def _config(out: Path, jobs: int) -> CompareConfig:
    return CompareConfig(
        rewards=["engagement", "need_support"], baselines=["random"], seeds=2, steps=2048,
        n_envs=4, horizon=20, eval_users=8, hyperparams={"n_steps": 64, "batch_size": 128},
        progress=False, wandb="disabled", jobs=jobs, out=str(out),
    )  # fmt: skip


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kill") / "uninterrupted"
    assert run_grid(_config(out, jobs=1)).ran == CELLS
    return out


def _wait_for(condition: Callable[[], bool], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {limit:.0f} s")
        time.sleep(0.05)


def _finished_cells(out: Path) -> int:
    return len(list((out / "runs").glob(f"*/{MANIFEST}"))) if (out / "runs").exists() else 0


@pytest.fixture
def comparison(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    out = tmp_path / "killed"
    parent = subprocess.Popen(
        [sys.executable, "-m", "sagym", *GRID, "--jobs", "2", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the clean-up below cannot reach the test runner
    )
    yield parent, out
    if parent.poll() is None:
        parent.kill()
    parent.wait()
    with pytest.raises(ProcessLookupError):  # nothing of it is left anywhere
        os.killpg(parent.pid, 0)


def _workers_started(parent: psutil.Process) -> list[psutil.Process]:
    """Every process under the comparison, once both pool workers run."""

    def workers() -> int:
        found = 0
        for child in parent.children():
            try:
                found += "spawn_main" in " ".join(child.cmdline())
            except psutil.NoSuchProcess:
                continue
        return found

    _wait_for(lambda: workers() == 2, 120, "the pool's two workers")
    return parent.children(recursive=True)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_parent_leaves_no_worker_and_the_rerun_loses_nothing(
    comparison: tuple[subprocess.Popen[bytes], Path], uninterrupted: Path, how: signal.Signals
) -> None:
    parent, out = comparison
    children = _workers_started(psutil.Process(parent.pid))
    _wait_for(lambda: _finished_cells(out) >= 1, 300, "the first finished cell")
    assert _finished_cells(out) < CELLS, "the grid finished before it could be stopped"
    os.kill(parent.pid, how)
    assert parent.wait(timeout=60) == (-signal.SIGKILL if how == signal.SIGKILL else 128 + how)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"processes outlived the comparison: {[p.pid for p in alive]}"
    assert not (out / "results.csv").exists()

    finished = _finished_cells(out)
    rerun = run_grid(_config(out, jobs=1))  # the same grid as the killed command
    assert rerun.reused == finished >= 1 and rerun.ran == CELLS - finished
    results = pd.read_csv(out / "results.csv")
    assert len(results) == CELLS
    assert not results.duplicated(["reward", "algo", "seed"]).any()
    assert (out / "results.csv").read_bytes() == (uninterrupted / "results.csv").read_bytes()
    assert (out / "trajectories.csv").read_bytes() == (
        uninterrupted / "trajectories.csv"
    ).read_bytes()
    leftovers = [p for p in out.rglob(".*.tmp*") if "wandb" not in p.parts]
    assert leftovers == []  # temporary files of writers killed midway are cleared
