"""Every sagym environment is registered here, in one place."""

from __future__ import annotations

import warnings

import gymnasium as gym

# id -> (entry point, vector entry point)
_ENVS: dict[str, tuple[str, str]] = {
    "sagym/Companion-v0": (
        "sagym.envs.companion:CompanionEnv",
        "sagym.envs.companion_vector:CompanionVectorEnv",
    ),
    "sagym/Companion-v1": (
        "sagym.envs.companion_v1:CompanionV1Env",
        "sagym.envs.companion_v1:CompanionV1VectorEnv",
    ),
    "sagym/Feed-v0": ("sagym.envs.feed:FeedEnv", "sagym.envs.feed:FeedVectorEnv"),
}
ENV_IDS: tuple[str, ...] = tuple(_ENVS)


def register_envs() -> None:
    """Register sagym's environments with Gymnasium (idempotent)."""
    # Companion-v0 is the earlier user model, kept for reproducibility, not a deprecated one:
    # Gymnasium's "out of date, consider v1" warning on every make would only be noise.
    warnings.filterwarnings(
        "ignore",
        message=r".*The environment sagym/[A-Za-z]+-v\d+ is out of date",
        module="gymnasium",
    )
    for env_id, (entry_point, vector_entry_point) in _ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=entry_point,
            vector_entry_point=vector_entry_point,
            disable_env_checker=False,
        )
