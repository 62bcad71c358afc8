"""Every sagym environment is registered here, in one place."""

from __future__ import annotations

import gymnasium as gym

ENV_IDS: tuple[str, ...] = ("sagym/Companion-v0",)


def register_envs() -> None:
    """Register sagym's environments with Gymnasium (idempotent)."""
    if "sagym/Companion-v0" in gym.registry:
        return
    gym.register(
        id="sagym/Companion-v0",
        entry_point="sagym.envs.companion:CompanionEnv",
        vector_entry_point="sagym.envs.companion_vector:CompanionVectorEnv",
        disable_env_checker=False,
    )
