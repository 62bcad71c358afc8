"""The reward interface: a named, documented map from a batch of days to one float per user."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]


class Reward(ABC):
    """A reward design.

    Subclasses set ``name`` and ``doc`` and implement :meth:`__call__`, vectorised over the user
    batch (``signals`` has one entry per user; no Python loop per user). ``dilemma`` names the
    intrapersonal dilemma of Kirk et al. (2025) the design speaks to, for the docs and reports.
    """

    name: str = "reward"
    doc: str = ""
    dilemma: str = ""

    @abstractmethod
    def __call__(self, signals: DaySignals) -> FloatArray:
        """The reward of each user for the day described by ``signals``."""

    def params(self) -> dict[str, Any]:
        """The parameters that rebuild this reward with ``make_reward(self.name, **params)``."""
        return {}

    def spec(self) -> str:
        """A string that :func:`sagym.rewards.make_reward` turns back into this reward."""
        params = self.params()
        if not params:
            return self.name
        args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{self.name}({args})"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def check_scale(reward: str, scale: Any, positive: bool) -> float:
    """``scale`` as a float, or a ValueError naming the reward and what is allowed."""
    allowed = "a positive number" if positive else "a finite number"
    if isinstance(scale, bool) or not isinstance(scale, int | float | np.integer | np.floating):
        raise ValueError(f"{reward}: scale must be {allowed}; got {scale!r}")
    if not np.isfinite(scale) or (positive and scale <= 0):
        raise ValueError(f"{reward}: scale must be {allowed}; got {scale!r}")
    return float(scale)


class SignalReward(Reward):
    """A reward that reads one field of :class:`DaySignals`, optionally scaled."""

    field: str = ""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = check_scale(self.name, scale, positive=False)

    def __call__(self, signals: DaySignals) -> FloatArray:
        value = np.asarray(getattr(signals, self.field), dtype=np.float64)
        return value * self.scale if self.scale != 1.0 else value

    def params(self) -> dict[str, Any]:
        return {} if self.scale == 1.0 else {"scale": self.scale}
