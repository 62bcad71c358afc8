"""Observation normalisation in the policy: what updates it, what it computes, what is saved."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sagym.agents.factory import make_algo, resolve_hyperparams
from sagym.agents.normalization import CLIP, RunningNormExtractor
from sagym.agents.vec_env import make_sb3_vec_env
from sagym.envs.lookup import simulation_spec


def _extractor(size: int = 3) -> RunningNormExtractor:
    space = gym.spaces.Box(-np.inf, np.inf, (size,), dtype=np.float32)
    return RunningNormExtractor(space)


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(
        arrays(np.float64, st.tuples(st.integers(1, 30), st.just(3)),
               elements=st.floats(-50, 50)),
        min_size=1, max_size=5,
    )
)  # fmt: skip
def test_running_statistics_are_those_of_every_batch_seen(batches: list[np.ndarray]) -> None:
    norm = _extractor()
    for batch in batches:
        norm.update(torch.as_tensor(batch, dtype=torch.float32))
    seen = np.concatenate(batches)
    prior = 1e-4  # the starting pseudo-count at mean 0, variance 1
    n = seen.shape[0] + prior
    mean = seen.sum(axis=0) / n
    var = (((seen - mean) ** 2).sum(axis=0) + prior * (1 + mean**2)) / n
    np.testing.assert_allclose(norm.running_mean.numpy(), mean, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(norm.running_var.numpy(), var, rtol=1e-3, atol=1e-2)
    assert float(norm.running_count) == pytest.approx(n)


def test_only_gradient_passes_in_training_mode_update_the_statistics() -> None:
    norm = _extractor()
    batch = torch.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]])
    norm.eval()
    norm(batch)  # a rollout or evaluation: eval mode
    norm.train()
    with torch.no_grad():
        norm(batch)  # predict after training left the policy in training mode
    np.testing.assert_array_equal(norm.running_mean.numpy(), np.zeros(3))
    out = norm(batch)  # an update epoch
    np.testing.assert_allclose(norm.running_mean.numpy(), [2.0, 4.0, 6.0], rtol=1e-4)
    # Standardised by the statistics: the two rows sit one standard deviation either side.
    np.testing.assert_allclose(out.detach().numpy(), [[-1, -1, -1], [1, 1, 1]], atol=1e-3)
    norm.eval()
    assert float(norm(torch.full((1, 3), 1e9)).max()) == CLIP


def test_ppo_defaults_normalise_and_a_saved_model_keeps_the_statistics(tmp_path: Path) -> None:
    assert resolve_hyperparams("ppo")["normalize_observations"] is True
    spec = simulation_spec("sagym/Companion-v1", horizon=10, reward="need_support")
    venv = make_sb3_vec_env(spec, 8, seed=0)
    model = make_algo("ppo", venv, 0, {"n_steps": 16, "batch_size": 64})
    extractor = model.policy.features_extractor
    assert isinstance(extractor, RunningNormExtractor)
    model.learn(256)
    mean = extractor.running_mean.clone()
    assert mean.abs().sum() > 0  # it learnt the features' levels
    model.save(tmp_path / "model.zip")
    loaded = type(model).load(tmp_path / "model.zip", device="cpu")
    np.testing.assert_array_equal(loaded.policy.features_extractor.running_mean.numpy(), mean)
    obs = venv.reset()
    for _ in range(3):  # predicting never moves the statistics
        loaded.predict(obs, deterministic=False)
    np.testing.assert_array_equal(loaded.policy.features_extractor.running_mean.numpy(), mean)
    a, _ = model.predict(obs, deterministic=True)
    b, _ = loaded.predict(obs, deterministic=True)
    np.testing.assert_array_equal(a, b)
    venv.close()


def test_normalize_observations_must_be_a_flag() -> None:
    spec = simulation_spec("sagym/Companion-v1", horizon=10, reward="need_support")
    venv = make_sb3_vec_env(spec, 4, seed=0)
    with pytest.raises(ValueError, match="normalize_observations must be true or false; got 'yes'"):
        make_algo("ppo", venv, 0, {"normalize_observations": "yes", "batch_size": 512})
    plain = make_algo("ppo", venv, 0, {"normalize_observations": False, "batch_size": 512})
    assert not isinstance(plain.policy.features_extractor, RunningNormExtractor)
    venv.close()
