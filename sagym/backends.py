"""Where a grid's cells run: in this process, in a local pool of processes, or as Ray tasks.

Every backend runs the same function on each cell (:func:`run_cell`: train, then write the cell's
manifest last), so the files a cell leaves are the same whichever backend ran it, and
``results.csv`` is byte-identical across backends.

Local pool workers must never outlive the comparison that started them: a worker left behind by a
killed parent keeps training for minutes, holds hundreds of MB and races the rerun over the same
cell folders. Each worker therefore (1) asks Linux to SIGKILL it when its parent dies
(``PR_SET_PDEATHSIG``) and (2) runs a watchdog thread that exits the process as soon as its parent
pid changes (portable, and it covers the instant between the spawn and the ``prctl`` call). Both
survive SIGKILL of the parent, which no ``atexit`` or signal handler in the parent can. SIGTERM
and Ctrl-C in the parent kill the workers at once and re-raise, so the command stops promptly.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import FrameType
from typing import Any

from sagym.cell_store import forget, write_manifest
from sagym.config import TrainConfig

BACKENDS = ("local", "ray")
_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.2


@dataclass(frozen=True)
class CellTask:
    """One cell to run and the cache key its manifest will record."""

    cell: TrainConfig
    key: dict[str, Any]


Done = Callable[[str, float], None]


def run_cell(task: CellTask) -> tuple[str, float]:
    """Train (or evaluate) one cell; its manifest is written last, so a stop leaves none."""
    from sagym.agents.training import train

    forget(task.cell)
    result = train(task.cell)
    write_manifest(task.cell, task.key)
    return str(task.cell.run_name), result.seconds


def prepare_worker(imports: Sequence[str], shares_cores: bool = True) -> None:
    """One torch thread per worker, the user's modules (rewards, populations) registered, and,
    where workers share the cores, large day updates on threads that sleep when idle."""
    import torch

    from sagym.envs.user.threads import use_native_pool

    torch.set_num_threads(1)
    use_native_pool(not shares_cores)
    for module in imports:
        importlib.import_module(module)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="sagym-parent-watch", daemon=True).start()


def _pool_worker_init(imports: Sequence[str], parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    prepare_worker(imports)


class _Terminated(SystemExit):
    """SIGTERM turned into an exception, so the pool is torn down on the way out."""


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)


def run_local(tasks: Sequence[CellTask], jobs: int, imports: Sequence[str], done: Done) -> None:
    """Run ``tasks`` here (``jobs == 1``) or in a pool of ``jobs`` spawned worker processes."""
    if jobs == 1:
        prepare_worker(imports, shares_cores=False)
        for task in tasks:
            done(*run_cell(task))
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_pool_worker_init,
        initargs=(list(imports), os.getpid()),
    )
    with _sigterm_raises():
        try:
            pending: set[Future[tuple[str, float]]] = {pool.submit(run_cell, t) for t in tasks}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(*future.result())
        except BaseException:
            _kill_workers(pool)
            raise
    pool.shutdown(wait=True)


def _ray_cell(task: CellTask, imports: Sequence[str], paths: Sequence[str]) -> tuple[str, float]:
    for path in reversed(paths):  # the driver's import path, so --import finds the same modules
        if path not in sys.path and os.path.isdir(path):
            sys.path.insert(0, path)
    prepare_worker(imports)
    return run_cell(task)


def ray_environment(local: bool) -> dict[str, str]:
    """Environment variables that keep Ray offline and out of ``$HOME``.

    A private local Ray gets token authentication with a fresh token held in the environment
    (Ray would otherwise write one to ``~/.ray/auth_token``); a cluster given by address keeps
    the user's own authentication settings.
    """
    env = {"RAY_USAGE_STATS_ENABLED": "0"}  # no usage report sent home
    if local and not any(k in os.environ for k in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")):
        env.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})
    return env


def run_ray(
    tasks: Sequence[CellTask],
    jobs: int,
    imports: Sequence[str],
    done: Done,
    address: str | None = None,
) -> None:
    """Run each cell as a Ray task with one CPU (and so one torch thread).

    With ``address`` the tasks go to that existing cluster (every node must see the output folder
    at the same path); without, a private local Ray is started for this comparison (``jobs``
    CPUs, no dashboard, its temporary files in a fresh folder under the system temp dir, removed
    afterwards) and stopped at the end. A Ray already initialised by the caller is used as it is.
    """
    try:
        import ray
    except ImportError:
        raise ValueError(
            "backend 'ray' needs Ray: pip install 'sagym[ray]' (or choose --backend local)"
        ) from None
    started_here = not ray.is_initialized()
    with _environment(ray_environment(local=started_here and not address)):
        temp_root = tempfile.mkdtemp(prefix="sagym-ray-")  # short: Ray's socket paths must fit
        try:
            if started_here:
                _refresh_ray_settings()
                options: dict[str, Any] = {
                    "include_dashboard": False,
                    "log_to_driver": False,
                    "configure_logging": False,
                }
                if address:
                    ray.init(address=address, **options)
                else:
                    # "local": a new private Ray, even where RAY_ADDRESS names a cluster
                    ray.init(address="local", num_cpus=jobs, _temp_dir=temp_root, **options)
            try:
                _run_ray_tasks(ray, tasks, imports, done)
            finally:
                if started_here:
                    ray.shutdown()
        finally:
            _remove_tree(temp_root)


def _run_ray_tasks(ray: Any, tasks: Sequence[CellTask], imports: Sequence[str], done: Done) -> None:
    remote = ray.remote(num_cpus=1, max_retries=0)(_ray_cell)
    refs: list[Any] = []
    try:
        with _sigterm_raises():
            paths = [p for p in sys.path if p]
            refs = [remote.remote(task, list(imports), paths) for task in tasks]
            pending = list(refs)
            while pending:
                finished, pending = ray.wait(pending, num_returns=1)
                for ref in finished:
                    done(*ray.get(ref))
    except BaseException:
        for ref in refs:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise


def _remove_tree(path: str, patience: float = 10.0) -> None:
    """Remove Ray's temporary folder; its servers may still be writing logs as they stop."""
    deadline = time.monotonic() + patience
    while True:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path) or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def _refresh_ray_settings() -> None:
    """Ray reads its settings from the environment once, on import: read them again."""
    with contextlib.suppress(Exception):
        importlib.import_module("ray._raylet").Config.initialize("")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables the user has not set, for the block only."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: os.environ.get(k) or v for k, v in values.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_backend(backend: str, address: str | None) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if address and backend != "ray":
        raise ValueError(f"address is only used by backend 'ray'; got backend {backend!r}")
