"""A reward defined outside sagym, registered from its own module (used by the plugin test)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sagym.rewards import Reward, register_reward
from sagym.signals import DaySignals


@register_reward(overwrite=True)
class HumanTimeReward(Reward):
    name = "plugin_human_time"
    doc = "Human connection minus time with the AI: a test reward from outside the package."

    def __call__(self, signals: DaySignals) -> NDArray[np.float64]:
        out: NDArray[np.float64] = signals.human_connection - signals.session_time
        return out
