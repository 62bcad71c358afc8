"""Compatibility home of the compiled user model (now :mod:`sagym.envs.user.kernel`).

Importing this module loads numba; ``import sagym`` does not.
"""

from sagym.envs.user.kernel import day, fill_day_noise, sample_users

__all__ = ["day", "fill_day_noise", "sample_users"]
