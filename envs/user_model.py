"""The user model bound to the companion's behaviours (the generic model: :mod:`sagym.envs.user`).

``UserModel(params, prefs, keys)`` here is :class:`sagym.envs.user.model.UserModel` on the
companion's action table, and ``step(actions)`` shows each user one behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from sagym.envs.behaviours import ACTIONS
from sagym.envs.user import model as generic
from sagym.envs.user.model import (
    FRUS_BASE,
    FRUS_SLOPE,
    PARAM_NAMES,
    SAT_BASE,
    SAT_SLOPE,
    UserState,
    human_connection,
    initial_state,
    loneliness,
    need_targets,
    total_variation,
    wellbeing,
)
from sagym.envs.user.params import ModelConfig, UserParams
from sagym.envs.user.population import Population

FloatArray = NDArray[np.float64]


class UserModel(generic.UserModel):
    """Users of the companion: the generic model on :data:`sagym.envs.behaviours.ACTIONS`."""

    def __init__(
        self,
        params: UserParams,
        prefs_initial: FloatArray,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
    ) -> None:
        super().__init__(ACTIONS, params, prefs_initial, keys, config)

    @classmethod
    def sample_companion(
        cls,
        population: Population,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> generic.UserModel:
        """``len(keys)`` companion users of ``population``."""
        return generic.UserModel.sample(ACTIONS, population, keys, config, overrides)


def sample_population(
    population: Population, keys: NDArray[np.uint64], overrides: Mapping[str, float] | None = None
) -> tuple[UserParams, FloatArray, NDArray[np.int64]]:
    """``Population.sample`` over the companion's behaviours."""
    return population.sample(keys, overrides, names=ACTIONS.names)


__all__ = [
    "FRUS_BASE",
    "FRUS_SLOPE",
    "PARAM_NAMES",
    "SAT_BASE",
    "SAT_SLOPE",
    "UserModel",
    "UserState",
    "human_connection",
    "initial_state",
    "loneliness",
    "need_targets",
    "sample_population",
    "total_variation",
    "wellbeing",
]
