"""The companion's simulation under its historical names (the generic one: ``simulation``).

:class:`CompanionCore` is :class:`~sagym.envs.simulation.Simulation` on the companion product,
and :class:`CompanionSpec` is :class:`~sagym.envs.simulation.SimulationSpec`.
"""

from __future__ import annotations

from sagym.envs.behaviours import BEHAVIOUR_NAMES
from sagym.envs.companion import FEATURES, HISTORY_RATE, Companion
from sagym.envs.simulation import (
    RewardComponents,
    Simulation,
    SimulationSpec,
    base_keys,
    info_for_user,
    latent_features,
)

CompanionSpec = SimulationSpec
OBSERVATION_FEATURES: tuple[str, ...] = FEATURES
LATENT_FEATURES: tuple[str, ...] = latent_features(Companion)


class CompanionCore(Simulation):
    """``n`` users of the companion (``Simulation(n, spec, Companion)``)."""

    def __init__(self, n_users: int, spec: SimulationSpec) -> None:
        super().__init__(n_users, spec, Companion)


__all__ = [
    "BEHAVIOUR_NAMES",
    "HISTORY_RATE",
    "LATENT_FEATURES",
    "OBSERVATION_FEATURES",
    "CompanionCore",
    "CompanionSpec",
    "RewardComponents",
    "base_keys",
    "info_for_user",
]
