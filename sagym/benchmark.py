"""Speed measurements in the style of :mod:`gymnasium.utils.performance`, reported as ratios.

Each ``benchmark_*`` function runs one thing for about ``target_duration`` seconds and returns its
rate, as Gymnasium's ``benchmark_step`` and ``benchmark_init`` do; :func:`interleaved_best`
measures several of them in turns and keeps each one's best round. A rate alone says more about
the machine than about the code (a shared virtual machine drifts by ±10–30 % between minutes), so
``scripts/benchmark.py`` reports every figure as a ratio to CartPole measured in the same run,
the measurements interleaved so that drift hits both sides alike.

Actions are drawn in advance from a seeded generator, so drawing them is not timed.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

Rate = Callable[[float], float]  # runs for about the given seconds, returns work per second


def _discrete_actions(space: Any, size: Any, seed: int | None) -> Any:
    n = int(getattr(space, "n", 0))
    if n < 1:
        raise ValueError(f"benchmarks need a Discrete action space; got {space!r}")
    return np.random.default_rng(seed).integers(0, n, size=size, dtype=np.int64)


def benchmark_step(env: Any, target_duration: float = 5.0, seed: int | None = None) -> float:
    """Steps per second of one Gymnasium env, resetting when an episode ends.

    Like ``gymnasium.utils.performance.benchmark_step``, but with actions drawn in advance (as
    Python ints, the way most users pass them) so that sampling them is not timed.
    """
    actions: list[int] = _discrete_actions(env.action_space, 8192, seed).tolist()
    env.reset(seed=seed)
    steps = 0
    start = time.perf_counter()
    deadline = start + target_duration
    while True:
        for block in range(0, len(actions), 256):  # check the clock every 256 steps
            for a in actions[block : block + 256]:
                _, _, terminated, truncated, _ = env.step(a)
                if terminated or truncated:
                    env.reset()
            steps += 256
            now = time.perf_counter()
            if now >= deadline:
                return steps / (now - start)


def benchmark_init(
    env_lambda: Callable[[], Any], target_duration: float = 5.0, seed: int | None = None
) -> float:
    """Environments made and reset per second (``gymnasium.utils.performance.benchmark_init``)."""
    inits = 0
    start = time.perf_counter()
    deadline = start + target_duration
    while True:
        env = env_lambda()
        env.reset(seed=seed)
        env.close()
        inits += 1
        now = time.perf_counter()
        if now >= deadline:
            return inits / (now - start)


def benchmark_vector_step(
    envs: Any, target_duration: float = 5.0, seed: int | None = None
) -> float:
    """User-steps per second (batch steps × ``num_envs``) of a Gymnasium vector env."""
    n = int(envs.num_envs)
    rows = max(16, min(256, 65_536 // n))
    actions = _discrete_actions(envs.single_action_space, (rows, n), seed)
    envs.reset(seed=seed)
    steps = 0
    start = time.perf_counter()
    deadline = start + target_duration
    while True:
        envs.step(actions[steps % rows])
        steps += 1
        now = time.perf_counter()
        if now >= deadline:
            return steps * n / (now - start)


def interleaved_best(
    rates: Mapping[str, Rate], target_duration: float, rounds: int = 5, warmup: float = 0.2
) -> dict[str, dict[str, Any]]:
    """Each rate's best round and all its rounds, measured in turns (a, b, c, a, b, c, ...).

    On a shared machine other processes only ever slow a round down, so the best round is the
    closest to the uncontended speed (the ``timeit`` convention); taking the rounds in turns puts
    the candidates of one ratio under the same load.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1; got {rounds}")
    for rate in rates.values():
        rate(warmup)
    measured: dict[str, list[float]] = {name: [] for name in rates}
    for _ in range(rounds):
        for name, rate in rates.items():
            measured[name].append(rate(target_duration / rounds))
    return {name: {"best": max(values), "rounds": values} for name, values in measured.items()}


def ratio(value: float, reference: float) -> float:
    """``value / reference``, or a ValueError when either is not a positive, finite rate."""
    if not (np.isfinite(value) and np.isfinite(reference) and value > 0 and reference > 0):
        raise ValueError(f"rates must be positive and finite; got {value!r} and {reference!r}")
    return float(value / reference)


# ------------------------------------------------------------------------------------ machine
def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux; as ``lscpu`` shows it), else platform's."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    """Where the figures were taken: platform, CPU, cores and library versions."""
    import gymnasium

    import sagym

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
        "sagym": sagym.__version__,
    }


class CpuMeter:
    """CPU seconds used by *other* processes while a phase ran: a contention check.

    All busy CPU time of the machine (``/proc/stat``) minus this process's own (and its finished
    children's). Zero where ``/proc/stat`` is missing.
    """

    def __init__(self) -> None:
        self._busy = self._machine_busy()
        self._own = self._own_cpu()
        self._wall = time.perf_counter()

    @staticmethod
    def _machine_busy() -> float:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return 0.0
        ticks = [int(x) for x in fields[:8]]
        idle = ticks[3] + ticks[4]  # idle + iowait
        return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def read(self) -> dict[str, float]:
        """Other processes' CPU seconds since the meter started, and their share of all cores."""
        wall = time.perf_counter() - self._wall
        busy = self._machine_busy() - self._busy
        own = self._own_cpu() - self._own
        other = max(0.0, busy - own) if busy > 0 else 0.0
        cores = os.cpu_count() or 1
        return {"seconds": wall, "other_cpu_s": other, "other_share": other / (wall * cores)}
