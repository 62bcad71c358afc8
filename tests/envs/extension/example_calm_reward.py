"""A reward of one's own: one file (docs/extending.md)."""

import numpy as np
from numpy.typing import NDArray

from sagym.rewards import Reward, register_reward
from sagym.signals import DaySignals


@register_reward(overwrite=True)
class CalmReward(Reward):
    name = "example_calm"
    doc = "Rating minus time spent: satisfaction without the scrolling."

    def __call__(self, signals: DaySignals) -> NDArray[np.float64]:
        out: NDArray[np.float64] = signals.rating - 0.5 * signals.session_time
        return out
