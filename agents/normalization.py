"""Observation normalisation that travels inside the policy.

The deployable observations of the companion mix scales: one-hots, a day counter, ratings and
slowly moving proxies whose informative differences are a few hundredths (a novice's task success
sits about 0.3 below other users', with a spread of 0.07). Standardising each feature by running
statistics, as SB3's ``VecNormalize`` does, lets PPO tell such users apart far sooner
(``docs/training.md``). ``VecNormalize`` keeps its statistics in the environment wrapper, so every
consumer of a saved model (evaluation, periodic evaluation, resume, the comparison's baselines)
would need a second file. Here the statistics are buffers of the policy's features extractor:
they are saved in ``model.zip`` with the weights, and a loaded policy normalises by itself.

The statistics are updated only by gradient passes in training mode (SB3's update epochs, whose
minibatches are the rollout just collected, so every collected observation counts); rollouts,
evaluation and ``predict`` run without gradients and never change them. The buffers are named
``running_*`` so that DQN's target network copies them with its batch-norm statistics.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

#: Clip of the standardised features (as ``VecNormalize``'s ``clip_obs``).
CLIP = 10.0
#: Added to the variance before the square root (as ``VecNormalize``'s ``epsilon``).
EPSILON = 1e-8


class RunningNormExtractor(BaseFeaturesExtractor):
    """Flattens the observation and standardises each feature by running mean and variance.

    The statistics combine batches by the parallel-variance formula (Chan et al. 1979), the same
    as SB3's ``RunningMeanStd``, starting from mean 0 and variance 1 with a count of 1e-4.
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor
    running_count: torch.Tensor

    def __init__(self, observation_space: gym.spaces.Box) -> None:
        size = int(gym.spaces.utils.flatdim(observation_space))
        super().__init__(observation_space, features_dim=size)
        self.register_buffer("running_mean", torch.zeros(size))
        self.register_buffer("running_var", torch.ones(size))
        self.register_buffer("running_count", torch.tensor(1e-4, dtype=torch.float64))
        self.flatten = torch.nn.Flatten()

    @torch.no_grad()
    def update(self, batch: torch.Tensor) -> None:
        """Fold a batch of flat observations into the running statistics."""
        n = float(batch.shape[0])
        if n == 0:
            return
        mean = batch.mean(dim=0)
        var = batch.var(dim=0, unbiased=False)
        count = float(self.running_count)
        total = count + n
        delta = mean - self.running_mean
        self.running_mean += delta * (n / total)
        self.running_var.copy_(
            (self.running_var * count + var * n + delta.square() * (count * n / total)) / total
        )
        self.running_count.fill_(total)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        flat = self.flatten(observations).float()
        if self.training and torch.is_grad_enabled():
            self.update(flat)
        scaled = (flat - self.running_mean) / torch.sqrt(self.running_var + EPSILON)
        return torch.clamp(scaled, -CLIP, CLIP)


__all__ = ["CLIP", "EPSILON", "RunningNormExtractor"]
