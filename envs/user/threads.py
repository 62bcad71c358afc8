"""The day update of many users on several threads.

Users never interact inside a day, so the compiled day update (which releases the GIL) can run
disjoint ranges of users at once, each range with temporaries of its own, and give the same
numbers bit for bit as one pass. The ranges run on numba's thread pool (OpenMP where present:
its threads wait for work spinning briefly, so a hand-over costs microseconds), or on a Python
thread pool, whose idle threads sleep and take tens of microseconds to wake: in a process that
shares the cores with other busy ones (:func:`use_native_pool`, the workers of ``sagym
compare``) and in a child forked from a process that started numba's pool (GNU OpenMP is not
fork-safe). Small batches (a training env's 32 users, an evaluation's 256) stay on one thread
and only large ones (``make_vec`` with a thousand users, the planner's tens of thousands of
candidate rollouts) are split.

The number of threads is ``SAGYM_THREADS`` from the environment if set (``1`` turns threading
off), else the CPUs this process may run on, at most :data:`MAX_THREADS`; :func:`set_threads`
changes it at run time (benchmarks compare one thread with several).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

#: Users per thread below which a batch is not split further.
MIN_USERS_PER_THREAD = 384
#: The most threads used by default (more rarely pays on the memory-bound update).
MAX_THREADS = 4

_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_pid = -1
_native_pid: int | None = None  # the process that launched numba's thread pool
_native_allowed = True  # use_native_pool()


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover  (macOS, Windows)
        return os.cpu_count() or 1


def threads() -> int:
    """Threads a large day update is split over."""
    global _threads
    if _threads is None:
        raw = os.environ.get("SAGYM_THREADS")
        if raw is None or raw.strip() == "":
            _threads = max(1, min(_available_cpus(), MAX_THREADS))
        else:
            try:
                value = int(raw)
            except ValueError:
                value = 0
            if value < 1:
                raise ValueError(f"SAGYM_THREADS must be a whole number >= 1; got {raw!r}")
            _threads = value
    return _threads


def set_threads(count: int | None) -> None:
    """Use ``count`` threads from now on (``None``: back to ``SAGYM_THREADS`` or the CPUs)."""
    global _threads
    if count is not None and count < 1:
        raise ValueError(f"threads must be >= 1 or None; got {count}")
    _threads = count


def _executor() -> ThreadPoolExecutor:
    """A pool of this process (a forked child starts its own: the parent's threads are gone)."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(max_workers=MAX_THREADS * 2, thread_name_prefix="sagym-day")
        _pool_pid = os.getpid()
    return _pool


def user_ranges(n: int, count: int) -> list[tuple[int, int]]:
    """``count`` contiguous ranges covering ``0..n`` whose sizes differ by at most one."""
    bounds = np.linspace(0, n, count + 1).round().astype(int)
    return [(int(bounds[j]), int(bounds[j + 1])) for j in range(count)]


def use_native_pool(allowed: bool) -> None:
    """Whether large batches may run on numba's (OpenMP) thread pool from now on.

    Its idle threads spin for a while between calls, which pays where this process has the
    cores to itself (``make_vec``, a planner run alone) and costs where it shares them with other
    busy processes: the workers of ``sagym compare`` turn it off, and their large batches run on
    the Python pool, whose idle threads sleep.
    """
    global _native_allowed
    _native_allowed = bool(allowed)


def _native_pool_usable() -> bool:
    """Whether this process may launch numba's thread pool.

    GNU OpenMP, numba's pool where present, cannot be used again in a child forked from a
    process that started it: such a child falls back to the Python pool.
    """
    global _native_pid
    if not _native_allowed:
        return False
    pid = os.getpid()
    if _native_pid is None:
        _native_pid = pid
    return _native_pid == pid


def run_over_users(
    fn: Callable[..., None],
    n: int,
    scratch: np.ndarray,
    args: tuple[Any, ...],
    in_chunks: Callable[..., None] | None = None,
) -> None:
    """``fn(*args, scratch[j], lo, hi)`` for ranges of the ``n`` users, on several threads
    when the batch is large enough; ``scratch`` has one block per thread (:func:`threads`).

    ``in_chunks(scratch[:count], n, *args)``, a compiled loop over the ranges on numba's thread
    pool, is used instead where given and usable (:func:`_native_pool_usable`).
    """
    count = max(1, min(scratch.shape[0], n // MIN_USERS_PER_THREAD))
    if count == 1:
        fn(*args, scratch[0], 0, n)
        return
    if in_chunks is not None and _native_pool_usable():
        in_chunks(scratch[:count], n, *args)  # ``count`` ranges: at most ``count`` threads busy
        return
    ranges = user_ranges(n, count)
    pool = _executor()
    others: list[Future[None]] = [
        pool.submit(fn, *args, scratch[j], lo, hi) for j, (lo, hi) in enumerate(ranges[1:], 1)
    ]
    lo, hi = ranges[0]
    fn(*args, scratch[0], lo, hi)
    for future in others:
        future.result()


__all__ = [
    "MAX_THREADS",
    "MIN_USERS_PER_THREAD",
    "run_over_users",
    "set_threads",
    "threads",
    "use_native_pool",
    "user_ranges",
]
