"""The benchmark functions measure what they name: work done per second, interleaved rounds.

Values and structure only; no test asserts a speed.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

from sagym import benchmark as bench


class CountingEnv(gym.Env[np.ndarray, int]):
    """Counts steps and resets; episodes last three steps."""

    action_space = gym.spaces.Discrete(4)
    observation_space = gym.spaces.Box(0.0, 1.0, (1,))

    def __init__(self) -> None:
        self.steps = 0
        self.resets = 0
        self.actions: list[Any] = []
        self._t = 0

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict]:
        self.resets += 1
        self._t = 0
        return np.zeros(1), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.steps += 1
        self._t += 1
        self.actions.append(action)
        return np.zeros(1), 0.0, False, self._t >= 3, {}


def test_benchmark_step_counts_steps_resets_at_episode_end_and_passes_python_ints() -> None:
    env = CountingEnv()
    rate = bench.benchmark_step(env, target_duration=0.01, seed=0)
    assert math.isfinite(rate) and rate > 0
    assert env.steps % 256 == 0 and env.steps >= 256
    assert env.resets == 1 + env.steps // 3  # one at the start, one per finished episode
    assert all(type(a) is int and 0 <= a < 4 for a in env.actions)
    assert env.actions[:256] == np.random.default_rng(0).integers(0, 4, 256).tolist()


def test_benchmark_vector_step_counts_user_steps() -> None:
    envs = CartPoleVectorEnv(num_envs=8)
    rate = bench.benchmark_vector_step(envs, target_duration=0.01, seed=0)
    assert math.isfinite(rate) and rate > 0


def test_benchmark_init_makes_and_resets_envs() -> None:
    made: list[CountingEnv] = []

    def make() -> CountingEnv:
        made.append(CountingEnv())
        return made[-1]

    rate = bench.benchmark_init(make, target_duration=0.01)
    assert rate > 0 and made and all(env.resets == 1 for env in made)


def test_benchmarks_refuse_non_discrete_action_spaces() -> None:
    with pytest.raises(ValueError, match="benchmarks need a Discrete action space; got Box"):
        bench.benchmark_step(gym.make("Pendulum-v1"), 0.01)


def test_interleaved_best_takes_turns_and_keeps_each_best_round() -> None:
    calls: list[tuple[str, float]] = []

    def fake(name: str, values: list[float]) -> bench.Rate:
        def rate(seconds: float) -> float:
            calls.append((name, seconds))
            return values.pop(0)

        return rate

    best = bench.interleaved_best(
        {"a": fake("a", [0.0, 1.0, 3.0, 2.0]), "b": fake("b", [0.0, 5.0, 4.0, 6.0])},
        target_duration=0.3,
        rounds=3,
        warmup=0.05,
    )
    assert [name for name, _ in calls] == ["a", "b", "a", "b", "a", "b", "a", "b"]
    assert calls[0][1] == 0.05 and calls[2][1] == pytest.approx(0.1)
    assert best == {"a": {"best": 3.0, "rounds": [1.0, 3.0, 2.0]},
                    "b": {"best": 6.0, "rounds": [5.0, 4.0, 6.0]}}  # fmt: skip
    with pytest.raises(ValueError, match="rounds must be >= 1; got 0"):
        bench.interleaved_best({}, 1.0, rounds=0)


@pytest.mark.parametrize("value, reference", [(0.0, 1.0), (1.0, 0.0), (math.inf, 1.0), (1.0, -2.0)])
def test_ratio_refuses_rates_that_are_not_positive_and_finite(
    value: float, reference: float
) -> None:
    with pytest.raises(ValueError, match="rates must be positive and finite; got"):
        bench.ratio(value, reference)
    assert bench.ratio(3.0, 4.0) == 0.75


def test_machine_info_names_the_cpu_and_versions() -> None:
    info = bench.machine_info()
    assert info["cpu_model"] and info["cpu_count"] >= 1 and info["usable_cores"] >= 1
    assert info["gymnasium"] == gym.__version__ and info["numpy"] == np.__version__
    meter = bench.CpuMeter().read()
    assert meter["other_cpu_s"] >= 0 and meter["seconds"] >= 0
