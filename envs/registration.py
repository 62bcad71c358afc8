"""Every sagym environment is registered here, in one place."""

from __future__ import annotations

import gymnasium as gym

# id -> (entry point, vector entry point)
_ENVS: dict[str, tuple[str, str]] = {
    "sagym/Companion-v0": (
        "sagym.envs.companion:CompanionEnv",
        "sagym.envs.companion_vector:CompanionVectorEnv",
    ),
    "sagym/Feed-v0": ("sagym.envs.feed:FeedEnv", "sagym.envs.feed:FeedVectorEnv"),
}
ENV_IDS: tuple[str, ...] = tuple(_ENVS)


def register_envs() -> None:
    """Register sagym's environments with Gymnasium (idempotent)."""
    for env_id, (entry_point, vector_entry_point) in _ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=entry_point,
            vector_entry_point=vector_entry_point,
            disable_env_checker=False,
        )
