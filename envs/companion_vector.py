"""The native vector twin of ``sagym/Companion-v0``: N users stepped in one numpy call."""

from __future__ import annotations

from sagym.envs.companion import Companion
from sagym.envs.product_env import INFO_SIGNALS, ProductVectorEnv

__all__ = ["INFO_SIGNALS", "CompanionVectorEnv"]


class CompanionVectorEnv(ProductVectorEnv):
    """``num_envs`` independent users of ``sagym/Companion-v0`` in one batch.

    Made by ``gymnasium.make_vec("sagym/Companion-v0", num_envs=N)`` (the registered
    ``vector_entry_point``) and equal, user for user, to ``N`` single environments seeded
    ``seed, seed + 1, ...``; see :class:`~sagym.envs.product_env.ProductVectorEnv`.
    """

    product = Companion
