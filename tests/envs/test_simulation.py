"""The generic simulation: action validation, products as templates, features by name."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import sagym  # noqa: F401  (registers the environments)
from sagym.envs.companion import Companion
from sagym.envs.core import CompanionCore, CompanionSpec
from sagym.envs.simulation import Simulation, SimulationSpec


@pytest.mark.parametrize("action", [2.0, 2.5, -1, 8, True, np.float32(1.0), np.array([1, 2])])
def test_single_env_rejects_bad_actions_naming_them_and_the_range(action: Any) -> None:
    env = gym.make("sagym/Companion-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError) as err:
        env.step(action)
    assert str(err.value) == f"action must be an integer in [0, 7]; got {action!r}"


@pytest.mark.parametrize("action", [3, np.int64(3), np.uint8(3), np.array(3), np.int32(3)])
def test_single_env_accepts_integer_scalars_and_0d_arrays(action: Any) -> None:
    env = gym.make("sagym/Companion-v0").unwrapped
    env.reset(seed=0)
    _, _, _, _, info = env.step(action)
    assert info["action_name"] == "validation"


def test_vector_env_rejects_float_and_out_of_range_actions() -> None:
    env = gym.make_vec("sagym/Companion-v0", num_envs=3, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must be 3 integer\(s\) in \[0, 7\]; got"):
        env.step(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"actions must lie in \[0, 7\]; got \[0 1 9\]"):
        env.step(np.array([0, 1, 9]))


def test_companion_core_is_the_simulation_of_the_companion_product() -> None:
    core = CompanionCore(4, CompanionSpec(horizon=5))
    assert isinstance(core, Simulation) and core.product_type is Companion
    assert CompanionSpec is SimulationSpec
    assert core.feature_index("recent_engagement") == 7
    with pytest.raises(KeyError, match="unknown observation feature 'nope'; known: present_today"):
        core.feature_index("nope")


class _ShownByShow(Companion):
    """The companion with its rows handed over by ``show()``, copied per user."""

    shows_action_rows = False

    def show(self, actions: Any, model: Any) -> Any:
        return self.actions.effects[actions], np.eye(self.actions.n)[actions]


def test_a_product_showing_its_action_rows_needs_no_show_and_steps_as_one_that_copies_them() -> (
    None
):
    in_place, copied = (
        Simulation(6, SimulationSpec(), Companion),
        Simulation(6, SimulationSpec(), _ShownByShow),
    )
    keys = np.arange(6, dtype=np.uint64) * np.uint64(7919)
    in_place.reset(keys)
    copied.reset(keys)
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 8, 6)
        got, want = in_place.step(a), copied.step(a)
        assert np.array_equal(got[1], want[1])
        assert np.array_equal(got[0].wellbeing, want[0].wellbeing)
        assert np.array_equal(in_place.observe(), copied.observe())


def test_showing_action_rows_needs_one_action_per_row() -> None:
    class TwoActions(Companion):
        action_names = ("task_help", "scaffolding")

    with pytest.raises(ValueError, match=r"TwoActions.shows_action_rows needs one action per row"):
        Simulation(2, SimulationSpec(), TwoActions)


def test_advance_refuses_an_action_outside_the_table_it_reads_in_place() -> None:
    """``advance`` skips ``step``'s checks of shape and dtype, not the range: an action past the
    companion's table raises instead of reading past it (and a negative one is not wrapped)."""
    sim = Simulation(4, SimulationSpec(), Companion)
    sim.reset(np.arange(4, dtype=np.uint64))
    for bad in (8, 1_000_000, -1):
        with pytest.raises(ValueError, match=r"action must lie in \[0, 7\]"):
            sim.advance(np.array([0, 1, bad, 2], dtype=np.int64))
    assert sim.model is not None and not sim.model.state.day.any()  # nothing was stepped


def test_a_product_with_its_own_show_cannot_inherit_showing_action_rows() -> None:
    class Remixed(Companion):
        def show(self, actions: Any, model: Any) -> Any:
            return self.actions.effects[actions], np.eye(self.actions.n)[actions]

    with pytest.raises(ValueError, match=r"Remixed defines show\(\) and sets shows_action_rows"):
        Simulation(2, SimulationSpec(), Remixed)
