"""Speed of the simulator and of training: ``python scripts/benchmark.py [--quick] [--skip-grid]``.

One run measures, on this machine:

1. single-environment steps/s of ``gymnasium.make("sagym/Companion-v0")`` (default wrappers,
   seeded random actions, reset at episode end) beside ``gymnasium.make("CartPole-v1")``;
2. batched user-steps/s of ``gymnasium.make_vec("sagym/Companion-v0", num_envs=N)`` beside
   Gymnasium's own ``CartPoleVectorEnv(num_envs=N)`` at N = 1, 64, 1024, 4096 (actions drawn in
   advance, a fixed wall-clock budget per N after a warm-up);
3. SB3 PPO training steps/s on Companion (``CompanionSB3VecEnv``, 64 users) beside CartPole with
   the same hyperparameters and 64 environments, both as ``DummyVecEnv`` of 64 ``CartPole-v1``
   (SB3's usual way) and as a thin SB3 adapter over ``CartPoleVectorEnv`` (the fair comparison:
   both simulators then step as one numpy batch, so the ratio is the simulator's cost), and
   beside a no-op VecEnv with Companion's spaces (the floor set by SB3 and the network alone);
4. wall time of the default comparison (``CompareConfig()`` via ``run_grid``) and of a
   3 designs x 5 seeds x 100k steps grid with evaluation.

It prints a table and writes every figure, with the machine, to ``--out`` (JSON, atomically).
``docs/performance.md`` holds the figures of a reference run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv
from numpy.typing import NDArray
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnv,
    VecEnvObs,
    VecEnvStepReturn,
    VecEnvWrapper,
)

import sagym  # noqa: F401  (registers the sagym environments)
from sagym import benchmark as bench
from sagym.agents.vec_env import BatchedVecEnv
from sagym.envs.user.threads import MIN_USERS_PER_THREAD, threads
from sagym.io import atomic_write_json

COMPANION_ID = "sagym/Companion-v0"
CARTPOLE_ID = "CartPole-v1"
PPO_N_ENVS = 64
PPO_KWARGS: dict[str, Any] = {
    "n_steps": 128,
    "batch_size": 2048,
    "n_epochs": 4,
    "policy_kwargs": {"net_arch": [64, 64]},
    "device": "cpu",
    "seed": 0,
}
WANDB_VARS = ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR")
TARGET_VECTOR_RATIO = 0.30  # Companion vs CartPoleVectorEnv user-steps/s at N = 1024
TARGET_SINGLE_RATIO = 0.30  # one gym.make(Companion) vs gym.make(CartPole-v1), steps/s
TARGET_FEED_SLOWDOWN = 2.0  # Feed-v0 costs at most this many times Companion per user-step
FEED_ID = "sagym/Feed-v0"
TARGET_PPO_RATIO = 0.9  # Companion vs CartPole PPO training steps/s
TARGET_GRID_SECONDS = 60.0  # 3 designs x 5 seeds x 100k steps, with evaluation
CONTENTION_WARNING = 0.05  # warn when other processes used this share of all cores in a phase


@dataclass(frozen=True)
class Settings:
    """Sizes and budgets of one benchmark run."""

    single_seconds: float
    vector_sizes: tuple[int, ...]
    vector_seconds: float
    ppo_steps: int
    ppo_repeats: int
    grid_rewards: tuple[str, ...]
    grid_seeds: int
    grid_steps: int
    grid_eval_users: int

    @property
    def warmup_seconds(self) -> float:
        return min(0.3, self.vector_seconds / 5)


FULL = Settings(
    single_seconds=1.5,
    vector_sizes=(1, 64, 1024, 4096),
    vector_seconds=1.5,
    ppo_steps=100_000,
    ppo_repeats=3,
    grid_rewards=("engagement", "satisfaction", "need_support"),
    grid_seeds=5,
    grid_steps=100_000,
    grid_eval_users=256,
)
QUICK = Settings(
    single_seconds=0.1,
    vector_sizes=(1, 64, 1024),
    vector_seconds=0.1,
    ppo_steps=8_192,
    ppo_repeats=1,
    grid_rewards=("engagement",),
    grid_seeds=1,
    grid_steps=5_000,
    grid_eval_users=32,
)


# ------------------------------------------------------------------------------------ machine
def machine_info() -> dict[str, Any]:
    """:func:`sagym.benchmark.machine_info` plus the training libraries' versions."""
    import stable_baselines3
    import torch

    return {
        **bench.machine_info(),
        "torch": torch.__version__,
        "torch_default_threads": torch.get_num_threads(),
        "stable_baselines3": stable_baselines3.__version__,
    }


# ----------------------------------------------------------------- single and vector envs
def single_rate(env_id: str, seed: int = 0) -> tuple[Any, bench.Rate]:
    """A ``gym.make`` env and its steps/s measurement (:func:`sagym.benchmark.benchmark_step`)."""
    env = gym.make(env_id)
    return env, lambda seconds: bench.benchmark_step(env, seconds, seed)


def vector_rate(envs: Any, seed: int = 0) -> bench.Rate:
    return lambda seconds: bench.benchmark_vector_step(envs, seconds, seed)


def bench_single(settings: Settings) -> dict[str, Any]:
    """Steps/s of Companion, CartPole and Feed as one ``gym.make`` env each, interleaved."""
    envs, rates = {}, {}
    for key, env_id in (("companion", COMPANION_ID), ("cartpole", CARTPOLE_ID), ("feed", FEED_ID)):
        envs[key], rates[key] = single_rate(env_id)
    best = bench.interleaved_best(rates, settings.single_seconds, warmup=settings.warmup_seconds)
    for env in envs.values():
        env.close()
    out: dict[str, Any] = {
        key: {"env": envs[key].spec.id, "steps_per_s": r["best"], "round_steps_per_s": r["rounds"]}
        for key, r in best.items()
    }
    comp = out["companion"]["steps_per_s"]
    out["ratio"] = bench.ratio(comp, out["cartpole"]["steps_per_s"])
    out["feed_ratio"] = bench.ratio(out["feed"]["steps_per_s"], out["cartpole"]["steps_per_s"])
    out["feed_slowdown"] = bench.ratio(comp, out["feed"]["steps_per_s"])
    return out


class UserModelOnly:
    """The bare batched user model (``UserModel.step``) behind a vector env's ``reset``/``step``.

    Measures the simulator itself, without the Gymnasium-facing work of the vector env
    (observations, info arrays, autoreset).
    """

    def __init__(self, num_envs: int) -> None:
        from gymnasium import spaces

        from sagym.envs.behaviours import ACTIONS

        self.num_envs = num_envs
        self.single_action_space = spaces.Discrete(ACTIONS.n)
        self.model: Any = None

    def reset(self, seed: int | None = None) -> None:
        from sagym.envs.behaviours import ACTIONS
        from sagym.envs.user.model import UserModel
        from sagym.envs.user.noise import draw_keys
        from sagym.envs.user.population import get_population

        keys = draw_keys(np.random.default_rng(seed), self.num_envs)
        self.model = UserModel.sample(ACTIONS, get_population("default"), keys)

    def step(self, actions: NDArray[np.int64]) -> None:
        self.model.step(actions)

    def close(self) -> None:
        self.model = None


class OnThreads:
    """A vector env whose day updates run on ``count`` threads (``sagym.envs.user.threads``),
    whatever the process default, so one run can set one thread beside several."""

    def __init__(self, envs: Any, count: int) -> None:
        self.envs = envs
        self.count = count

    def __getattr__(self, name: str) -> Any:
        return getattr(self.envs, name)

    def _on_threads(self, call: Callable[[], Any]) -> Any:
        from sagym.envs.user import threads

        before = threads.threads()
        threads.set_threads(self.count)
        try:
            return call()
        finally:
            threads.set_threads(before)

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        return self._on_threads(lambda: self.envs.reset(*args, **kwargs))

    def step(self, actions: Any) -> Any:
        return self._on_threads(lambda: self.envs.step(actions))


def bench_vector(settings: Settings) -> list[dict[str, Any]]:
    """User-steps/s of the vector envs at each N, interleaved with ``CartPoleVectorEnv``."""
    rows = []
    for n in settings.vector_sizes:
        envs: dict[str, Any] = {
            "companion": gym.make_vec(COMPANION_ID, num_envs=n),
            "companion_1_thread": OnThreads(gym.make_vec(COMPANION_ID, num_envs=n), 1),
            "cartpole": CartPoleVectorEnv(num_envs=n),
            "user_model": UserModelOnly(n),
            "feed": gym.make_vec(FEED_ID, num_envs=n),
        }
        best = bench.interleaved_best(
            {key: vector_rate(env) for key, env in envs.items()},
            settings.vector_seconds,
            warmup=settings.warmup_seconds,
        )
        row: dict[str, Any] = {"num_envs": n}
        for key, env in envs.items():
            rate = best[key]["best"]
            inner = getattr(env, "envs", env) if isinstance(env, OnThreads) else env
            row[key] = {
                "class": f"{type(inner).__module__}.{type(inner).__qualname__}",
                "user_steps_per_s": rate,
                "round_user_steps_per_s": best[key]["rounds"],
                "us_per_batch_step": n / rate * 1e6,
            }
            env.close()
        cartpole = row["cartpole"]["user_steps_per_s"]
        comp = row["companion"]["user_steps_per_s"]
        row["ratio"] = bench.ratio(comp, cartpole)
        row["ratio_1_thread"] = bench.ratio(row["companion_1_thread"]["user_steps_per_s"], cartpole)
        row["day_threads"] = min(threads(), max(1, n // MIN_USERS_PER_THREAD))
        row["model_ratio"] = bench.ratio(row["user_model"]["user_steps_per_s"], cartpole)
        row["feed_slowdown"] = bench.ratio(comp, row["feed"]["user_steps_per_s"])
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------- SB3 PPO
class CartPoleSB3VecEnv(BatchedVecEnv):
    """SB3 view of Gymnasium's ``CartPoleVectorEnv``, with SB3's same-step autoreset.

    ``CartPoleVectorEnv`` resets finished poles one step late (NEXT_STEP autoreset: an extra step
    with reward 0). SB3 wants the new episode's first observation in the step that ends the old
    one, with the last observation in ``infos[i]["terminal_observation"]``. The finished poles are
    therefore redrawn here at once, as ``CartPoleVectorEnv`` itself would draw them a step later
    (uniform in [-0.05, 0.05], counters back to 0). Mirrors ``sagym.agents.CompanionSB3VecEnv``.
    """

    def __init__(self, num_envs: int, seed: int | None = None) -> None:
        self.venv = CartPoleVectorEnv(num_envs=num_envs)
        super().__init__(num_envs, seed)

    def reset(self) -> VecEnvObs:
        obs, _ = self.venv.reset(seed=self._seed)
        self._seed = None
        self._reset_infos = [{} for _ in range(self.num_envs)]
        return obs

    def step_wait(self) -> VecEnvStepReturn:
        env = self.venv
        obs, reward, terminated, truncated, _ = env.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            index = np.flatnonzero(dones)
            final = obs[index].copy()
            env.state[:, index] = env.np_random.uniform(env.low, env.high, size=(4, index.size))
            env.steps[index] = 0
            env.prev_done[index] = False
            obs[index] = env.state[:, index].T
            for j, i in enumerate(index):
                infos[i]["terminal_observation"] = final[j]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, reward.astype(np.float32), dones, infos


class NullVecEnv(BatchedVecEnv):
    """A free simulator with Companion's spaces: zero observations and rewards, no episode ends.

    PPO on it measures the floor set by SB3 and the policy network alone (17 inputs, 8 actions):
    the fastest that training on Companion could be if the simulator cost nothing.
    """

    def __init__(self, num_envs: int, seed: int | None = None) -> None:
        from sagym.envs.companion_vector import CompanionVectorEnv

        self.venv = CompanionVectorEnv(num_envs=1)  # for its spaces only; never stepped
        super().__init__(num_envs, seed)
        self._obs_shape = (num_envs, *self.venv.single_observation_space.shape)

    def reset(self) -> VecEnvObs:
        self._reset_infos = [{} for _ in range(self.num_envs)]
        return np.zeros(self._obs_shape, dtype=np.float32)

    def step_wait(self) -> VecEnvStepReturn:
        obs = np.zeros(self._obs_shape, dtype=np.float32)
        reward = np.zeros(self.num_envs, dtype=np.float32)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        return obs, reward, np.zeros(self.num_envs, dtype=bool), infos


class StepTimer(VecEnvWrapper):
    """Adds up the wall time spent inside the wrapped environments (reset and step)."""

    def __init__(self, venv: VecEnv) -> None:
        super().__init__(venv)
        self.seconds = 0.0

    def reset(self) -> VecEnvObs:
        start = time.perf_counter()
        obs = self.venv.reset()
        self.seconds += time.perf_counter() - start
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        start = time.perf_counter()
        self.venv.step_async(actions)
        self.seconds += time.perf_counter() - start

    def step_wait(self) -> VecEnvStepReturn:
        start = time.perf_counter()
        result = self.venv.step_wait()
        self.seconds += time.perf_counter() - start
        return result


def make_ppo_env(kind: str) -> VecEnv:
    """The 64-environment SB3 VecEnv of one benchmark configuration, with episode statistics."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

    from sagym.agents.vec_env import CompanionSB3VecEnv

    if kind == "companion":
        return VecMonitor(CompanionSB3VecEnv(PPO_N_ENVS, seed=0, reward="engagement"))
    if kind == "cartpole_native":
        return VecMonitor(CartPoleSB3VecEnv(PPO_N_ENVS, seed=0))
    if kind == "null_companion_spaces":
        return VecMonitor(NullVecEnv(PPO_N_ENVS, seed=0))
    if kind == "cartpole_dummy":  # per-env Monitor wrappers come with make_vec_env
        return make_vec_env(CARTPOLE_ID, n_envs=PPO_N_ENVS, seed=0, vec_env_cls=DummyVecEnv)
    raise ValueError(f"unknown PPO configuration {kind!r}")


def ppo_rate(kind: str, total_steps: int) -> dict[str, Any]:
    """PPO training steps/s, and the share of the time spent inside the environments."""
    from stable_baselines3 import PPO

    venv = StepTimer(make_ppo_env(kind))
    model = PPO("MlpPolicy", venv, verbose=0, **PPO_KWARGS)
    start = time.perf_counter()
    model.learn(total_timesteps=total_steps, progress_bar=False)
    elapsed = time.perf_counter() - start
    venv.close()
    steps = int(model.num_timesteps)
    return {
        "steps": steps,
        "seconds": elapsed,
        "steps_per_s": steps / elapsed,
        "env_seconds": venv.seconds,
        "env_share": venv.seconds / elapsed,
    }


PPO_KINDS = {
    "companion": "Companion (CompanionSB3VecEnv, 64 users)",
    "cartpole_native": "CartPole (SB3 adapter over CartPoleVectorEnv, 64)",
    "cartpole_dummy": "CartPole (DummyVecEnv of 64 gym.make envs)",
    "null_companion_spaces": "no-op env with Companion's spaces (floor)",
}


def bench_ppo(settings: Settings) -> dict[str, Any]:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ppo_rate("cartpole_native", 2 * PPO_KWARGS["n_steps"] * PPO_N_ENVS)  # warm-up, discarded
        tries: dict[str, list[dict[str, Any]]] = {kind: [] for kind in PPO_KINDS}
        for _ in range(settings.ppo_repeats):  # interleaved, so drift hits every configuration
            for kind in PPO_KINDS:
                tries[kind].append(ppo_rate(kind, settings.ppo_steps))
    finally:
        torch.set_num_threads(threads)
    runs: dict[str, dict[str, Any]] = {}
    for kind, results in tries.items():
        best = max(results, key=lambda r: r["steps_per_s"])
        runs[kind] = {
            "label": PPO_KINDS[kind],
            **best,
            "all_steps_per_s": [r["steps_per_s"] for r in results],
        }
    comp = runs["companion"]["steps_per_s"]
    return {
        "total_timesteps": settings.ppo_steps,
        "repeats": settings.ppo_repeats,
        "statistic": "best of repeats",
        "n_envs": PPO_N_ENVS,
        "hyperparams": PPO_KWARGS,
        "torch_threads": 1,
        "runs": runs,
        "ratio_vs_cartpole_native": comp / runs["cartpole_native"]["steps_per_s"],
        "ratio_vs_cartpole_dummy": comp / runs["cartpole_dummy"]["steps_per_s"],
        "ratio_vs_floor": comp / runs["null_companion_spaces"]["steps_per_s"],
    }


# ---------------------------------------------------------------------------------- grids
@contextlib.contextmanager
def wandb_sandbox(folder: Path) -> Iterator[None]:
    """Point every W&B folder at ``folder`` and force offline mode, restoring them afterwards."""
    saved = {k: os.environ.get(k) for k in (*WANDB_VARS, "WANDB_MODE", "WANDB_SILENT")}
    folder.mkdir(parents=True, exist_ok=True)
    for key in WANDB_VARS:
        os.environ[key] = str(folder)
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def grid_time(name: str, config: Any) -> dict[str, Any]:
    """Wall time of ``run_grid(config)`` (worker start-up, training, evaluation, collection)."""
    from sagym.experiment import run_grid

    cells = config.cells()
    start = time.perf_counter()
    result = run_grid(config)
    elapsed = time.perf_counter() - start
    timings = json.loads((Path(config.out) / "timings.json").read_text())
    return {
        "name": name,
        "rewards": list(config.rewards),
        "baselines": list(config.baselines),
        "seeds": config.seeds,
        "steps": config.steps,
        "eval_users": config.eval_users,
        "cells": len(cells),
        "ran": result.ran,
        "jobs": max(1, min(config.jobs or os.cpu_count() or 1, result.ran or 1)),
        "seconds": elapsed,
        "cell_seconds_sum": float(sum(timings.values())),
        "cell_seconds_max": float(max(timings.values(), default=0.0)),
    }


def bench_grids(settings: Settings, quick: bool) -> dict[str, Any]:
    from sagym.experiment import CompareConfig

    with tempfile.TemporaryDirectory(prefix="sagym-bench-") as tmp:
        root = Path(tmp)
        with wandb_sandbox(root / "wandb-home"):
            if quick:
                default = CompareConfig(
                    rewards=list(settings.grid_rewards),
                    seeds=settings.grid_seeds,
                    steps=settings.grid_steps,
                    eval_users=settings.grid_eval_users,
                    out=str(root / "default"),
                    wandb="offline",
                    progress=False,
                )
            else:
                default = CompareConfig(out=str(root / "default"), wandb="offline", progress=False)
            design = CompareConfig(
                rewards=list(settings.grid_rewards),
                baselines=[],
                seeds=settings.grid_seeds,
                steps=settings.grid_steps,
                eval_users=settings.grid_eval_users,
                out=str(root / "design"),
                wandb="offline",
                progress=False,
            )
            return {
                "default_comparison": grid_time("default comparison", default),
                "design_grid": grid_time("design grid", design),
            }


# ------------------------------------------------------------------------------- reporting
def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The performance targets, each with the measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    at_1024 = [row for row in results["vector_env"] if row["num_envs"] == 1024]
    if at_1024:
        vs = "at N=1024 vs CartPoleVectorEnv"
        for key, label, has_goal in (
            ("model_ratio", f"batched user model (UserModel.step) {vs}", True),
            ("ratio", f"make_vec(Companion) {vs}", True),
            # What a process gets where it shares the cores (compare's workers): shown beside
            # the goal, which is the default's, not a goal of its own.
            ("ratio_1_thread", f"make_vec(Companion) on one thread {vs}", False),
        ):
            value = at_1024[0][key]
            out.append(
                {
                    "name": label,
                    "value": value,
                    "unit": "x",
                    "target": f">= {TARGET_VECTOR_RATIO}x" if has_goal else "-",
                    "met": bool(value >= TARGET_VECTOR_RATIO) if has_goal else None,
                    **({} if has_goal else {"reference": True}),
                }
            )
        slowdown = at_1024[0]["feed_slowdown"]
        out.append(
            {
                "name": "Feed-v0 cost per user-step vs Companion-v0 (make_vec, N=1024)",
                "value": slowdown,
                "unit": "x",
                "target": f"<= {TARGET_FEED_SLOWDOWN}x",
                "met": bool(slowdown <= TARGET_FEED_SLOWDOWN),
            }
        )
    single = results["single_env"]
    out.append(
        {
            "name": "single gym.make(Companion-v0) vs gym.make(CartPole-v1)",
            "value": single["ratio"],
            "unit": "x",
            "target": f">= {TARGET_SINGLE_RATIO}x",
            "met": bool(single["ratio"] >= TARGET_SINGLE_RATIO),
        }
    )
    ppo = results.get("ppo")
    if ppo is None:
        return out
    for key, label in (
        ("ratio_vs_cartpole_native", "PPO training vs CartPole (CartPoleVectorEnv adapter)"),
        ("ratio_vs_cartpole_dummy", "PPO training vs CartPole (DummyVecEnv)"),
    ):
        out.append(
            {
                "name": label,
                "value": ppo[key],
                "unit": "x",
                "target": f">= {TARGET_PPO_RATIO}x",
                "met": bool(ppo[key] >= TARGET_PPO_RATIO),
            }
        )
    grids = results.get("grids")
    if grids is not None:
        g = grids["design_grid"]
        full = len(g["rewards"]) == 3 and g["seeds"] == 5 and g["steps"] == 100_000
        out.append(
            {
                "name": "3 designs x 5 seeds x 100k grid wall time",
                "value": g["seconds"],
                "unit": "s",
                "target": f"< {TARGET_GRID_SECONDS:.0f} s",
                "met": bool(g["seconds"] < TARGET_GRID_SECONDS) if full else None,
            }
        )
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def rate(value: float) -> str:
    """A rate with a thousands separator and no decimals."""
    return f"{value:,.0f}"


def header_text(machine: dict[str, Any], quick: bool) -> str:
    return (
        f"sagym benchmark{' (--quick)' if quick else ''}\n"
        f"machine: {machine['cpu_model']}, {machine['usable_cores']} usable cores "
        f"({machine['cpu_count']} CPUs), {machine['platform']}\n"
        f"python {machine['python']} · numpy {machine['numpy']} · torch {machine['torch']} · "
        f"stable-baselines3 {machine['stable_baselines3']} · gymnasium {machine['gymnasium']}"
    )


def report_text(results: dict[str, Any]) -> str:
    """Every measurement as readable tables."""
    parts = [header_text(results["machine"], results["quick"]), ""]
    single = results["single_env"]
    parts += [
        "1. single environment, gym.make with default wrappers, random actions",
        table(
            ["env", "steps/s", "ratio"],
            [
                [COMPANION_ID, rate(single["companion"]["steps_per_s"]), f"{single['ratio']:.3f}"],
                [CARTPOLE_ID, rate(single["cartpole"]["steps_per_s"]), "1"],
                [
                    FEED_ID,
                    rate(single["feed"]["steps_per_s"]),
                    f"{single['feed_ratio']:.3f}",
                ],
            ],
        ),
        "",
        "2. batched user-steps/s: make_vec(Companion) vs CartPoleVectorEnv",
        table(
            [
                "N",
                "Companion",
                "threads",
                "CartPoleVectorEnv",
                "ratio",
                "ratio, 1 thread",
                "Companion us/step",
                "user model alone",
                "ratio",
                "Feed-v0",
                "Feed cost",
            ],
            [
                [
                    str(row["num_envs"]),
                    rate(row["companion"]["user_steps_per_s"]),
                    str(row["day_threads"]),
                    rate(row["cartpole"]["user_steps_per_s"]),
                    f"{row['ratio']:.3f}",
                    f"{row['ratio_1_thread']:.3f}",
                    f"{row['companion']['us_per_batch_step']:.0f}",
                    rate(row["user_model"]["user_steps_per_s"]),
                    f"{row['model_ratio']:.3f}",
                    rate(row["feed"]["user_steps_per_s"]),
                    f"{row['feed_slowdown']:.2f}x",
                ]
                for row in results["vector_env"]
            ],
        ),
        "",
    ]
    ppo = results["ppo"]
    comp = ppo["runs"]["companion"]["steps_per_s"] if ppo else 0.0
    parts += (
        []
        if ppo is None
        else [
            f"3. SB3 PPO training, learn({ppo['total_timesteps']:,}) = "
            f"{ppo['runs']['companion']['steps']:,} steps, 64 envs, 1 torch thread, "
            f"best of {ppo['repeats']}; env share = time inside the VecEnv",
            table(
                ["configuration", "steps/s", "env share", "Companion ratio"],
                [
                    [
                        run["label"],
                        rate(run["steps_per_s"]),
                        f"{run['env_share']:.0%}",
                        "-" if kind == "companion" else f"{comp / run['steps_per_s']:.3f}",
                    ]
                    for kind, run in ppo["runs"].items()
                ],
            ),
            "",
        ]
    )
    grids = results.get("grids")
    if grids is not None:
        parts += [
            "4. comparison grids (run_grid, W&B offline, evaluation included)",
            table(
                ["grid", "cells", "jobs", "wall s", "sum of cell s"],
                [
                    [
                        f"{g['name']}: {len(g['rewards'])} designs"
                        f"{' + ' + ','.join(g['baselines']) if g['baselines'] else ''}"
                        f" x {g['seeds']} seeds x {g['steps'] // 1000}k",
                        str(g["cells"]),
                        str(g["jobs"]),
                        f"{g['seconds']:.1f}",
                        f"{g['cell_seconds_sum']:.1f}",
                    ]
                    for g in grids.values()
                ],
            ),
            "",
        ]
    else:
        parts += ["4. comparison grids: skipped (--skip-grid)", ""]
    busy = [
        f"{name} {c['other_share']:.0%}"
        for name, c in results.get("contention", {}).items()
        if c["other_share"] >= CONTENTION_WARNING
    ]
    if busy:
        parts += [
            "WARNING: other processes used the CPU during: " + ", ".join(busy) + " (share of all "
            "cores); those figures are slowed down. Rerun on an idle machine.",
            "",
        ]
    marks = {True: "met", False: "MISSED", None: "n/a (quick sizes)"}
    parts += [
        "targets",
        table(
            ["target", "value", "goal", "status"],
            [
                [
                    t["name"],
                    f"{t['value']:.1f} s" if t["unit"] == "s" else f"{t['value']:.3f}x",
                    t["target"],
                    "reference" if t.get("reference") else marks[t["met"]],
                ]
                for t in results["targets"]
            ],
        ),
    ]
    return "\n".join(parts)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmark.py", description="Measure the speed of sagym's simulator and training."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/benchmark.json"),
        help="JSON file of the results (default results/benchmark.json)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test in seconds")
    parser.add_argument("--skip-grid", action="store_true", help="skip the comparison grids")
    parser.add_argument("--skip-ppo", action="store_true", help="skip PPO training (and grids)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    started = time.perf_counter()
    machine = machine_info()
    print(f"sagym benchmark{' (--quick)' if args.quick else ''}: measuring ...", flush=True)

    contention: dict[str, dict[str, float]] = {}

    def phase(name: str, run: Callable[[], Any]) -> Any:
        print(f"[{time.perf_counter() - started:6.1f} s] {name}", flush=True)
        meter = bench.CpuMeter()
        value = run()
        contention[name] = meter.read()
        return value

    results: dict[str, Any] = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": bool(args.quick),
        "machine": machine,
        "settings": {
            "single_seconds": settings.single_seconds,
            "vector_sizes": list(settings.vector_sizes),
            "vector_seconds": settings.vector_seconds,
            "warmup_seconds": settings.warmup_seconds,
            "ppo_steps": settings.ppo_steps,
            "ppo_repeats": settings.ppo_repeats,
        },
    }
    results["single_env"] = phase("single environment", lambda: bench_single(settings))
    results["vector_env"] = phase("vector environments", lambda: bench_vector(settings))
    results["ppo"] = None if args.skip_ppo else phase("PPO training", lambda: bench_ppo(settings))
    if args.skip_grid or args.skip_ppo:
        results["grids"] = None
    else:
        results["grids"] = phase("comparison grids", lambda: bench_grids(settings, args.quick))
    results["targets"] = targets(results)
    results["contention"] = contention
    results["total_seconds"] = time.perf_counter() - started
    print(f"[{results['total_seconds']:6.1f} s] done", flush=True)
    print()
    print(report_text(results))
    atomic_write_json(args.out, results)
    print(f"\nwritten: {args.out}  ({results['total_seconds']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
