"""Actions are behaviours 0..7: integers of any integer kind are taken, anything else is refused
with one line naming the action and the allowed range (never truncated, never wrapped)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import sagym.envs  # noqa: F401 (registers the environments)


@pytest.fixture
def env() -> Any:
    env = gym.make("sagym/Companion-v0").unwrapped
    env.reset(seed=0)
    return env


@pytest.mark.parametrize(
    "action", [3, np.int64(3), np.int32(3), np.uint8(3), np.array(3), np.array(3, dtype=np.int16)]
)
def test_integer_actions_of_every_kind_are_the_same_behaviour(env: Any, action: Any) -> None:
    reference = gym.make("sagym/Companion-v0").unwrapped
    reference.reset(seed=0)
    expected = reference.step(3)
    got = env.step(action)
    assert np.array_equal(got[0], expected[0]) and got[1] == expected[1]
    assert got[4]["action_name"] == expected[4]["action_name"]


@pytest.mark.parametrize(
    ("action", "shown"),
    [(1.5, "1.5"), (99, "99"), (-1, "-1"), (8, "8"), (True, "True"),
     (np.float64(2.0), "np.float64(2.0)"), (np.array([1]), "array([1])"), ("2", "'2'")],
)  # fmt: skip
def test_other_actions_are_refused_naming_the_range(env: Any, action: Any, shown: str) -> None:
    with pytest.raises(ValueError) as err:
        env.step(action)
    assert str(err.value) == f"action must be an integer in 0..7 (a behaviour); got {shown}"


def test_vector_env_refuses_float_misshapen_and_out_of_range_actions() -> None:
    venv = gym.make_vec("sagym/Companion-v0", num_envs=3, vectorization_mode="vector_entry_point")
    venv.reset(seed=0)
    venv.step(np.array([0, 7, np.int64(3)]))
    cases = [
        (np.array([1.5, 2, 3]), "actions must be 3 integers in 0..7, one per user; "
         "got float64 of shape (3,)"),
        (np.array([1, 2]), "actions must be 3 integers in 0..7, one per user; "
         "got int64 of shape (2,)"),
        (np.array([1, 8, 3]), "actions must be integers in 0..7; got 8 for user 1"),
        ([0, 1, -1], "actions must be integers in 0..7; got -1 for user 2"),
    ]  # fmt: skip
    for actions, message in cases:
        with pytest.raises(ValueError) as err:
            venv.step(actions)
        assert str(err.value) == message
