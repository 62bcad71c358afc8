"""Compatibility home of the counter-based noise (now :mod:`sagym.envs.user.noise`)."""

from sagym.envs.user.noise import (
    DAY_NORMALS,
    day_noise,
    draw_keys,
    episode_key,
    normal,
    uniform,
)

__all__ = ["DAY_NORMALS", "day_noise", "draw_keys", "episode_key", "normal", "uniform"]
