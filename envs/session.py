"""What a product with daily sessions remembers of a user, and the observation built from it.

Most products see the same things of a user: whether they came today, yesterday's session time,
rating and mood, days away, the day, recent averages, and the product's last action.
:class:`SessionProduct` keeps that memory (compiled, :mod:`sagym.envs.session_kernel`, loaded on
first use); a product subclasses it, sets its class attributes and writes ``show``, and may add
features after :func:`session_features` by extending ``observe``, ``remember`` and ``forget``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from sagym.envs.simulation import Product
from sagym.envs.user.layout import OUT_ROWS
from sagym.envs.user.model import DayOutputs, UserModel
from sagym.envs.user.params import ModelConfig
from sagym.signals import DaySignals

HISTORY_RATE = 0.3  # update rate of the observed recent averages (about a week's memory)
COMMON_FEATURES: tuple[str, ...] = (
    "present_today",
    "last_session_time",
    "last_rating",
    "last_mood",
    "days_away",
    "day",
    "recent_rating",
    "recent_engagement",
    "recent_presence",
)


def session_features(action_names: tuple[str, ...]) -> tuple[str, ...]:
    """The common features, then a one-hot of the product's last action."""
    return (*COMMON_FEATURES, *(f"last_action_{name}" for name in action_names))


_PRESENT, _SESSION, _RATING, _MOOD = (
    OUT_ROWS.index(name) for name in ("present", "session_time", "rating", "mood")
)

_KERNEL: ModuleType | None = None


def _kernel() -> ModuleType:
    global _KERNEL
    if _KERNEL is None:
        from sagym.envs import session_kernel

        _KERNEL = session_kernel
    return _KERNEL


class SessionProduct(Product):
    """A product whose observation starts with :func:`session_features` of its actions."""

    def __init__(self, n_users: int, horizon: int, config: ModelConfig) -> None:
        super().__init__(n_users, horizon, config)
        # session, rating, mood, recent rating, engagement, presence
        self.hist = np.zeros((n_users, 6))
        self.last_action = np.full(n_users, -1, dtype=np.int64)

    def observe(self, model: UserModel, rows: NDArray[np.int64], out: NDArray[np.float32]) -> None:
        s = model.state
        _kernel().observe_kernel(
            rows, s.present, s.days_away, s.day, self.hist, self.last_action,
            float(self.config.churn_days), float(self.horizon), out,
        )  # fmt: skip

    def remember(self, actions: NDArray[np.int64], signals: DaySignals) -> None:
        source = signals.__dict__.get("_source")
        if isinstance(source, DayOutputs):  # straight from the kernel's output rows
            _kernel().history_from_outputs(
                self.hist, self.last_action, actions, source.out,
                _PRESENT, _SESSION, _RATING, _MOOD, HISTORY_RATE,
            )  # fmt: skip
            return
        _kernel().history_kernel(
            self.hist, self.last_action, actions, signals.present, signals.session_time,
            signals.rating, signals.mood, HISTORY_RATE,
        )  # fmt: skip

    def forget(self, rows: NDArray[np.int64], model: UserModel) -> None:
        """What the product remembers of new users: nothing yet, their first mood, present."""
        _kernel().forget_kernel(rows, self.hist, self.last_action, model.state.mood)
