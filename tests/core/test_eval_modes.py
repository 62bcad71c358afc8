"""Honest evaluation: a trained policy sampled (seeded, reproducible) and greedy; its entropy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sagym.agents.factory import make_algo
from sagym.agents.vec_env import make_sb3_vec_env
from sagym.envs.lookup import simulation_spec
from sagym.outcomes import ENTROPY_WARNING_SHARE, evaluate, rollout

SPEC = simulation_spec("sagym/Companion-v0", horizon=12, reward="engagement")


@pytest.fixture(scope="module")
def near_uniform() -> object:
    """An untrained PPO: its action distribution is close to uniform in every state."""
    venv = make_sb3_vec_env(SPEC, 2, seed=0)
    model = make_algo("ppo", venv, 0, {"n_steps": 32, "batch_size": 64})
    venv.close()
    return model


def test_sampled_evaluation_differs_from_greedy_and_repeats_bit_for_bit(
    near_uniform: object,
) -> None:
    sampled = rollout(near_uniform, SPEC, n_users=32, eval_seed=3, deterministic=False)
    again = rollout(near_uniform, SPEC, n_users=32, eval_seed=3, deterministic=False)
    greedy = rollout(near_uniform, SPEC, n_users=32, eval_seed=3, deterministic=True)
    np.testing.assert_array_equal(sampled.actions, again.actions)
    np.testing.assert_array_equal(sampled.returns["return"], again.returns["return"])
    assert not np.array_equal(sampled.actions, greedy.actions)
    # Near uniform: sampling shows every action about equally; the argmax a few of them.
    counts = np.bincount(sampled.actions.ravel(), minlength=8) / sampled.actions.size
    assert counts.min() > 0.08 and counts.max() < 0.18
    assert len(np.unique(greedy.actions)) < 8
    other = rollout(near_uniform, SPEC, n_users=32, eval_seed=4, deterministic=False)
    assert not np.array_equal(other.actions, sampled.actions)  # the seed keys the draws


def test_evaluate_reports_both_modes_and_the_entropy(near_uniform: object) -> None:
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    torch_state = torch.get_rng_state().clone()
    first = evaluate(near_uniform, SPEC, n_users=32, eval_seed=3)
    assert first.mode == "sampled"
    again = evaluate(near_uniform, SPEC, n_users=32, eval_seed=3)
    assert first.outcomes == again.outcomes  # bit for bit, every key
    assert first.outcomes["return"] != first.outcomes["return_greedy"]
    sampled = rollout(near_uniform, SPEC, n_users=32, eval_seed=3, deterministic=False)
    greedy = rollout(near_uniform, SPEC, n_users=32, eval_seed=3, deterministic=True)
    assert first.outcomes["return"] == float(sampled.returns["return"].mean())
    assert first.outcomes["return_greedy"] == float(greedy.returns["return"].mean())
    entropy = first.outcomes["policy_entropy"]
    assert ENTROPY_WARNING_SHARE * math.log(8) < entropy <= math.log(8) + 1e-9
    # The evaluation leaves the global generators as it found them.
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_action_shares_per_persona_sum_to_one(near_uniform: object) -> None:
    outcomes = evaluate(near_uniform, SPEC, n_users=48, eval_seed=1).outcomes
    personas = {k.split("@", 1)[1] for k in outcomes if k.startswith("share_") and "@" in k}
    assert personas == {k.split("@", 1)[1] for k in outcomes if k.startswith("n_users@")}
    for persona in personas:
        shares = [v for k, v in outcomes.items() if k.startswith("share_") and
                  k.endswith(f"@{persona}")]  # fmt: skip
        assert len(shares) == 8 and sum(shares) == pytest.approx(1.0)


def test_a_scripted_baseline_is_evaluated_once_as_written() -> None:
    from sagym.agents.baselines import make_baseline

    ev = evaluate(make_baseline("fixed:validation"), SPEC, n_users=8)
    assert ev.mode == "scripted"
    assert ev.outcomes["return_greedy"] == ev.outcomes["return"]
    assert "policy_entropy" not in ev.outcomes
    assert ev.outcomes["share_validation@" + ev.users["persona"].iloc[0]] == 1.0
