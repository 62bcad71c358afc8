"""The hot path's shortcuts give exactly what the plain code would: signals, info, components."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle

import gymnasium as gym
import numpy as np
import pytest

import sagym  # noqa: F401  (registers the environments)
from sagym.envs import session_kernel
from sagym.envs.session import HISTORY_RATE
from sagym.envs.simulation import UserComponents, info_for_user
from sagym.envs.user.layout import OUT_NEED_ROWS, OUT_ROWS
from sagym.envs.user.model import signals_from
from sagym.rewards import component_rewards
from sagym.signals import DaySignals


def test_signals_from_sets_every_field_as_the_dataclass_would() -> None:
    rng = np.random.default_rng(0)
    out = rng.random((len(OUT_ROWS), 5))
    out[OUT_ROWS.index("present")] = [1.0, 0.0, 1.0, 1.0, 0.0]
    needs = rng.random((len(OUT_NEED_ROWS), 5, 3))
    action = np.arange(5, dtype=np.int64)
    sig = signals_from(action, out, needs)
    names = [f.name for f in dataclasses.fields(DaySignals)]
    assert "rating" not in vars(sig)  # made on first read ...
    first = sig.rating
    assert vars(sig)["rating"] is first and sig.rating is first  # ... then a plain attribute
    assert sig.rating_initial is sig.rating_initial
    expected = DaySignals(**{name: getattr(sig, name) for name in names})
    assert set(names) <= set(vars(sig))
    with pytest.raises(AttributeError, match="'DaySignals' object has no attribute 'ratings'"):
        sig.ratings  # noqa: B018
    copied = pickle.loads(pickle.dumps(signals_from(action, out, needs)))
    for name in names:
        assert np.array_equal(getattr(copied, name), getattr(expected, name)), name
    assert sig.present.dtype == bool and sig.present.tolist() == [True, False, True, True, False]
    for name in names:
        assert np.array_equal(getattr(sig, name), getattr(expected, name)), name
    assert sig.select([1, 3]).n_users == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        sig.rating = out[0]  # type: ignore[misc]


def _step_infos(n: int) -> list[dict]:
    env = gym.make("sagym/Companion-v0", horizon=30)
    env.reset(seed=3)
    return [env.step(k % 8)[4] for k in range(n)]


def test_user_components_are_the_eager_dict_of_every_reward() -> None:
    env = gym.make("sagym/Companion-v0").unwrapped
    env.reset(seed=1)
    core = env.core
    sig, _, _, _, components = core.advance(np.array([5], dtype=np.int64))
    lazy = UserComponents(components, 0)
    eager = {name: float(reward(sig)[0]) for name, reward in core.components.items()}
    assert eager == UserComponents(components, 0)  # unfilled, on the right of a plain dict
    assert UserComponents(components, 0) == eager
    assert UserComponents(components, 0) != {**eager, "engagement": -1.0}
    assert list(lazy) == list(eager) and len(lazy) == len(eager) == len(core.components) >= 10
    assert lazy["need_support"] == eager["need_support"] and "wellbeing" in lazy
    assert lazy.get("nope", -1.0) == -1.0


@pytest.mark.parametrize(
    "read",
    [
        lambda c: dict(c),
        lambda c: {**c},
        lambda c: copy.copy(c),
        lambda c: copy.deepcopy(c),
        lambda c: pickle.loads(pickle.dumps(c)),
        lambda c: json.loads(json.dumps(c)),
        lambda c: dict(c.items()),
        lambda c: dict(zip(c.keys(), c.values(), strict=True)),
        lambda c: c.copy(),
    ],
)
def test_user_components_read_every_way_give_the_same_plain_dict(read) -> None:  # type: ignore[no-untyped-def]
    lazy, fresh = _step_infos(3)[2]["reward_components"], _step_infos(3)[2]["reward_components"]
    got = read(lazy)
    assert type(got) is dict and got == dict(fresh.items())
    assert all(isinstance(v, float) for v in got.values())


def test_sync_vector_env_batches_the_lazy_components_like_a_dict() -> None:
    sync = gym.make_vec("sagym/Companion-v0", num_envs=3, vectorization_mode="sync")
    native = gym.make_vec("sagym/Companion-v0", num_envs=3, vectorization_mode="vector_entry_point")
    sync.reset(seed=4)
    native.reset(seed=4)
    for a in ([0, 3, 5], [7, 1, 2]):
        _, _, _, _, s_info = sync.step(np.array(a))
        _, _, _, _, n_info = native.step(np.array(a))
        assert isinstance(s_info["reward_components"], dict)
        names = [k for k in s_info["reward_components"] if not k.startswith("_")]
        assert len(names) == len(component_rewards()) >= 10
        for name in names:
            values = s_info["reward_components"][name]
            assert isinstance(values, np.ndarray) and values.shape == (3,)
            assert np.array_equal(values, n_info["reward_components"][name]), name


def test_history_from_output_rows_updates_the_memory_as_from_the_signal_arrays() -> None:
    rng = np.random.default_rng(5)
    n = 7
    out = rng.random((len(OUT_ROWS), n))
    out[OUT_ROWS.index("present")] = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    sig = signals_from(np.arange(n) % 8, out, rng.random((len(OUT_NEED_ROWS), n, 3)))
    actions = rng.integers(0, 8, n)
    memory = {kind: (rng.random((n, 6)), np.full(n, -1, dtype=np.int64)) for kind in ("a", "b")}
    memory["b"] = (memory["a"][0].copy(), memory["a"][1].copy())
    rows = [OUT_ROWS.index(name) for name in ("present", "session_time", "rating", "mood")]
    session_kernel.history_kernel(*memory["a"], actions, sig.present, sig.session_time,
                                  sig.rating, sig.mood, HISTORY_RATE)  # fmt: skip
    session_kernel.history_from_outputs(*memory["b"], actions, out, *rows, HISTORY_RATE)
    assert np.array_equal(memory["a"][0], memory["b"][0])
    assert (
        memory["a"][1].tolist()
        == memory["b"][1].tolist()
        == [a if p else -1 for a, p in zip(actions, sig.present, strict=True)]
    )


def test_forgetting_users_in_a_loop_keeps_the_others_and_starts_the_new_ones_afresh() -> None:
    rng = np.random.default_rng(6)
    hist, last, mood = rng.random((5, 6)), np.arange(5, dtype=np.int64), rng.random(5)
    before = hist.copy()
    session_kernel.forget_kernel(np.array([1, 3], dtype=np.int64), hist, last, mood)
    assert np.array_equal(hist[[0, 2, 4]], before[[0, 2, 4]]) and last.tolist() == [0, -1, 2, -1, 4]
    assert hist[1].tolist() == [0.0, 0.0, mood[1], 0.0, 0.0, 1.0]
    assert hist[3].tolist() == [0.0, 0.0, mood[3], 0.0, 0.0, 1.0]


def test_single_env_info_from_the_output_column_equals_the_info_from_eager_signals() -> None:
    env = gym.make("sagym/Companion-v0").unwrapped
    env.reset(seed=2)
    core = env.core
    for a in (4, 0, 6, 5):
        sig, _, _, _, components = core.advance(np.array([a], dtype=np.int64))
        eager = DaySignals(**sig.as_arrays())  # no output matrices behind it
        fast, plain = (
            info_for_user(core, sig, components, 0),
            info_for_user(core, eager, components, 0),
        )
        assert list(fast) == list(plain)
        for key, value in plain.items():
            assert type(fast[key]) is type(value), key
            assert np.array_equal(fast[key], value), key


def test_vector_env_persona_labels_are_shared_until_a_user_is_replaced() -> None:
    env = gym.make_vec("sagym/Companion-v0", num_envs=4, horizon=3,
                       vectorization_mode="vector_entry_point")  # fmt: skip
    _, info = env.reset(seed=0)
    first = info["persona"]
    assert not first.flags.writeable
    _, _, _, _, info = env.step(np.zeros(4, dtype=np.int64))
    assert info["persona"] is first  # nobody replaced: the same labels, not rebuilt
    kept = first.copy()
    for _ in range(2):
        _, _, _, truncated, info = env.step(np.zeros(4, dtype=np.int64))
    assert truncated.all() and info["persona"] is not first
    assert first.tolist() == kept.tolist()  # handed-out labels are never changed
    core = env.unwrapped.core
    assert info["persona"].tolist() == [core.persona_labels[p] for p in core.persona]


def test_reading_several_fields_gives_what_reading_them_one_by_one_gives() -> None:
    rng = np.random.default_rng(8)
    out, needs = rng.random((len(OUT_ROWS), 4)), rng.random((len(OUT_NEED_ROWS), 4, 3))
    sig, one_by_one = signals_from(np.arange(4), out, needs), signals_from(np.arange(4), out, needs)
    names = ("churned", "rating", "need_sat", "engagement", "action", "rating")
    got = sig.read(names)
    for name, value in zip(names, got, strict=True):
        assert np.array_equal(value, getattr(one_by_one, name)), name
    assert got[1] is got[5] is sig.rating  # made once, then kept
    with pytest.raises(AttributeError, match="no attribute 'ratings'"):
        sig.read(["ratings"])
