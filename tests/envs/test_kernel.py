"""The compiled day kernel agrees with the numpy specification, and its noise with noise.py."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagym.envs.behaviours import ACTIONS
from sagym.envs.noise import day_noise, draw_keys, episode_key
from sagym.envs.population import get_population, list_populations
from sagym.envs.reference import step_reference
from sagym.envs.user import kernel
from sagym.envs.user.model import UserModel as GenericModel
from sagym.envs.user_model import UserModel
from sagym.signals import DaySignals


@pytest.mark.parametrize("population", list_populations())
def test_kernel_matches_the_numpy_reference_day_by_day(
    population: str, assert_signals_close: Callable[[DaySignals, DaySignals], None]
) -> None:
    keys = draw_keys(np.random.default_rng(7), 200)
    params, prefs, _ = get_population(population).sample(keys, names=ACTIONS.names)
    compiled = UserModel(params, prefs, keys)
    spec = copy.deepcopy(compiled)
    rng = np.random.default_rng(11)
    for _ in range(120):
        actions = rng.integers(0, 8, size=200)
        got, want = compiled.step(actions), step_reference(spec, actions)
        assert_signals_close(got, want)
        for name, value in vars(compiled.state).items():
            np.testing.assert_allclose(value, getattr(spec.state, name), rtol=0, atol=1e-12)


# A few ulp of the largest normal the transform can give (|z| < 9): see the test below.
NOISE_RTOL = 8 * np.finfo(np.float64).eps
NOISE_ATOL = 8 * np.finfo(np.float64).eps


@settings(max_examples=50, deadline=None)
@given(key=st.integers(0, 2**64 - 1), day=st.integers(0, 10_000))
def test_kernel_noise_is_the_documented_noise(key: int, day: int) -> None:
    normals, drift = np.empty(4), np.empty(8)
    kernel.fill_day_noise(np.uint64(key), np.uint64(day), normals, drift)
    want_normals, want_drift = day_noise(np.array([key], dtype=np.uint64), day, 8)
    # The uniforms are integer arithmetic: bit-identical everywhere. The normals go through log,
    # cos and sin, which numpy (SIMD, AVX-512 where the CPU has it) and the compiled kernel (the C
    # library) each round to within a couple of ulp: the two implementations agree to a tolerance
    # (docs/user-model.md, "Reproducibility").
    np.testing.assert_allclose(normals, want_normals[0], rtol=NOISE_RTOL, atol=NOISE_ATOL)
    assert np.array_equal(drift, want_drift[0])
    assert np.all(np.abs(drift) <= np.sqrt(3.0))


def test_daily_noise_has_the_documented_moments() -> None:
    keys = draw_keys(np.random.default_rng(0), 20_000)
    normals, drift = day_noise(keys, 3, 8)
    assert abs(normals.mean()) < 0.02 and abs(normals.std() - 1.0) < 0.02
    assert abs(drift.mean()) < 0.02 and abs(drift.std() - 1.0) < 0.02
    assert abs(np.corrcoef(normals[:, 0], normals[:, 1])[0, 1]) < 0.03


def test_a_user_is_the_same_in_any_batch() -> None:
    keys = draw_keys(np.random.default_rng(3), 64)
    params, prefs, _ = get_population("default").sample(keys, names=ACTIONS.names)
    batch = UserModel(params, prefs, keys)
    alone = UserModel(params.select(slice(5, 6)), prefs[5:6], keys[5:6])
    actions = np.random.default_rng(4).integers(0, 8, size=(90, 64))
    for day in range(90):
        a, b = batch.step(actions[day]), alone.step(actions[day, 5:6])
        assert a.wellbeing[5] == b.wellbeing[0] and a.rating[5] == b.rating[0]
    assert np.array_equal(batch.state.prefs[:, 5], alone.state.prefs[:, 0])


def test_episode_keys_are_distinct_per_slot_and_episode() -> None:
    base = draw_keys(np.random.default_rng(0), 100)
    keys = {int(k) for e in range(50) for k in episode_key(base, e)}
    assert len(keys) == 100 * 50


def test_compiled_episode_keys_count_the_episode_and_hash_as_noise_does() -> None:
    """Autoreset's compiled keys: the slots at ``index`` count one more episode, and their new
    keys are ``noise.episode_key`` of the slot's base key and that episode; others stay."""
    base = draw_keys(np.random.default_rng(7), 50)
    episodes = np.random.default_rng(8).integers(0, 1000, 50).astype(np.uint64)
    index = np.array([0, 3, 49], dtype=np.int64)
    before = episodes.copy()
    keys = np.empty(3, dtype=np.uint64)
    kernel.next_episode_keys(index, base, episodes, keys)
    assert np.array_equal(episodes[index], before[index] + np.uint64(1))
    assert np.array_equal(np.delete(episodes, index), np.delete(before, index))
    assert np.array_equal(keys, episode_key(base[index], episodes[index]))


@pytest.mark.parametrize("population", list_populations())
@pytest.mark.parametrize("overrides", [None, {"influence_rate": 0.0, "preference_spread": 0.0}])
def test_compiled_sampling_matches_population_sample(
    population: str, overrides: dict[str, float] | None
) -> None:
    pop = get_population(population)
    keys = draw_keys(np.random.default_rng(5), 300)
    compiled = GenericModel.sample(ACTIONS, pop, keys, overrides=overrides)
    params, prefs, persona = pop.sample(keys, overrides, names=ACTIONS.names)
    spec = UserModel(params, prefs, keys)
    assert np.array_equal(compiled.persona, persona)
    for name, value in params.items():
        np.testing.assert_allclose(getattr(compiled.params, name), value, rtol=0, atol=1e-12)
    for name, value in vars(spec.state).items():
        np.testing.assert_allclose(getattr(compiled.state, name), value, rtol=0, atol=1e-12)
    # Resampling a few slots gives the users those keys give, and leaves the others alone.
    before = compiled.state.prefs.copy()
    new_keys = draw_keys(np.random.default_rng(6), 3)
    compiled.resample(np.array([0, 7, 299]), new_keys)
    again, again_prefs, _ = pop.sample(new_keys, overrides, names=ACTIONS.names)
    slots = np.array([0, 7, 299])
    for name, value in again.items():
        np.testing.assert_allclose(getattr(compiled.params, name)[slots], value, atol=1e-12)
    np.testing.assert_allclose(compiled.state.prefs_initial[slots], again_prefs, atol=1e-12)
    untouched = np.setdiff1d(np.arange(300), slots)
    assert np.array_equal(compiled.state.prefs[:, untouched], before[:, untouched])


def test_kernel_reads_every_mechanism_constant() -> None:
    from sagym.envs.user.layout import CONFIG_ROWS
    from sagym.envs.user.params import ModelConfig, field_ranges

    assert tuple(field_ranges(ModelConfig)) == CONFIG_ROWS
    output_only = {"need_floor_softness"}  # read when the day's signals compute the need floor
    used = {name for name in dir(kernel) if name.startswith("C_")}
    assert used == {f"C_{name.upper()}" for name in CONFIG_ROWS if name not in output_only}


def test_the_kernel_names_the_constants_it_was_compiled_for() -> None:
    """numba's cache only notices edits of kernel.py: a changed constant must edit it too."""
    from sagym.envs.user.layout import compiled_constants_digest

    digest = compiled_constants_digest()
    assert digest == kernel.COMPILED_FOR, (
        "the row names, effect columns or noise constants changed since envs/user/kernel.py was "
        f"last edited: set COMPILED_FOR = {digest!r} there, so numba recompiles its cached kernel"
    )
