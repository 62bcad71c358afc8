"""Splitting the day update over threads changes nothing but its speed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagym.envs.lookup import make_simulation, simulation_spec
from sagym.envs.user import threads
from sagym.outcomes import evaluation_keys


@pytest.fixture(autouse=True)
def _default_threads() -> Iterator[None]:
    yield
    threads.set_threads(None)


@given(n=st.integers(0, 5000), count=st.integers(1, 8))
def test_user_ranges_cover_every_user_once_in_near_equal_parts(n: int, count: int) -> None:
    ranges = threads.user_ranges(n, count)
    assert len(ranges) == count
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    for (_, hi), (lo, _) in itertools.pairwise(ranges):
        assert hi == lo
    sizes = [hi - lo for lo, hi in ranges]
    assert max(sizes) - min(sizes) <= 1


def _run(n_threads: int, n_users: int) -> list[np.ndarray]:
    threads.set_threads(n_threads)
    spec = simulation_spec("sagym/Companion-v1", horizon=25, reward="need_support")
    sim = make_simulation(spec, n_users)
    sim.reset(evaluation_keys(4, n_users))
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(25):
        signals, reward, terminated, _, _ = sim.step(rng.integers(0, sim.n_actions, n_users))
        kept += [reward.copy(), terminated.copy(), signals.need_floor.copy()]
    assert sim.model is not None
    return [*kept, sim.model.state.needs.copy(), sim.model.state.prefs.copy(), sim.observe()]


def test_several_threads_give_the_same_users_bit_for_bit() -> None:
    n_users = 3 * threads.MIN_USERS_PER_THREAD + 5  # large enough for three ranges
    one = _run(1, n_users)
    three = _run(3, n_users)
    assert len(one) == len(three)
    for a, b in zip(one, three, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("why", ["forked from a pool user", "sharing the cores"])
def test_the_python_pool_takes_over_with_the_same_bits(
    why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GNU OpenMP cannot be used again after a fork (a process whose numba pool was started by
    its parent, here another pid), and its spinning threads steal cores that other busy
    processes need (``use_native_pool(False)``): the users are then split over the Python
    thread pool instead."""
    n_users = 2 * threads.MIN_USERS_PER_THREAD + 3
    native = _run(2, n_users)
    calls: list[int] = []
    submit = threads._executor().submit

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return submit(*args, **kwargs)  # type: ignore[arg-type]

    if why == "sharing the cores":
        monkeypatch.setattr(threads, "_native_allowed", True)  # restored after the test
        threads.use_native_pool(False)
    else:
        monkeypatch.setattr(threads, "_native_pid", -1)
    monkeypatch.setattr(threads._executor(), "submit", counted)
    fallback = _run(2, n_users)
    assert calls, "the Python pool was not used"
    for a, b in zip(native, fallback, strict=True):
        np.testing.assert_array_equal(a, b)


def test_thread_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGYM_THREADS", "3")
    threads.set_threads(None)
    assert threads.threads() == 3
    monkeypatch.setenv("SAGYM_THREADS", "many")
    threads.set_threads(None)
    with pytest.raises(ValueError, match="SAGYM_THREADS must be a whole number >= 1; got 'many'"):
        threads.threads()
    with pytest.raises(ValueError, match="threads must be >= 1 or None; got 0"):
        threads.set_threads(0)


@pytest.mark.parametrize(("shares_cores", "native"), [(True, False), (False, True)])
def test_compare_workers_that_share_the_cores_keep_the_spinning_pool_off(
    shares_cores: bool, native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from sagym.backends import prepare_worker

    monkeypatch.setattr(threads, "_native_allowed", not native)  # restored after the test
    before = torch.get_num_threads()
    try:
        prepare_worker([], shares_cores=shares_cores)
        assert threads._native_allowed is native
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
