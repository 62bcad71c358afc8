"""A journaling app as a sagym product: one file of the user's own (docs/extending.md)."""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym

from sagym.envs.product_env import ProductEnv, ProductVectorEnv
from sagym.envs.session import SessionProduct, session_features
from sagym.envs.user import ActionTable

PROMPTS = ActionTable.from_rows(
    [
        ("reflect", "neutral", {"hedonic": 0.5, "need_sat_autonomy": 0.15, "skill_effect": 1.0}),
        (
            "streak_reminder",
            "reinforcing",
            {"hedonic": 0.6, "session_time": 0.2, "habit_boost": 0.8},
        ),
        (
            "share_with_friend",
            "boundary",
            {"hedonic": 0.4, "social_nudge": 0.2, "bond_effect": 0.05},
        ),
        ("rest_day", "boundary", {"hedonic": 0.3, "session_time": -0.2, "break_nudge": 1.0}),
    ]
)


class Journal(SessionProduct):
    """One journaling prompt a day, shown as it is."""

    actions: ClassVar[ActionTable] = PROMPTS
    action_names: ClassVar[tuple[str, ...]] = PROMPTS.names
    features: ClassVar[tuple[str, ...]] = session_features(PROMPTS.names)
    supportive_cycle: ClassVar[tuple[str, ...]] = ("reflect", "share_with_friend")
    break_action: ClassVar[str | None] = "rest_day"
    shows_action_rows: ClassVar[bool] = True  # prompt a is row a of PROMPTS, alone


class JournalEnv(ProductEnv):
    """A journaling app: each day one prompt (reflect, streak reminder, share, rest day)."""

    product = Journal


class JournalVectorEnv(ProductVectorEnv):
    product = Journal


if "example/Journal-v0" not in gym.registry:
    gym.register(
        id="example/Journal-v0",
        entry_point=f"{__name__}:JournalEnv",
        vector_entry_point=f"{__name__}:JournalVectorEnv",
    )
