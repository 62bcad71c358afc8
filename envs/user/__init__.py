"""The simulated user, independent of any product: parameters, populations, noise, the day's update.

Nothing here imports Gymnasium, the rewards or a product. A product (the companion, a feed)
describes what it can show in an :class:`ActionTable` and tells :class:`UserModel` each day what
the user was shown. The compiled kernel loads on first use.
"""

from sagym.envs.user.actions import CATEGORIES, EFFECT_COLUMNS, ActionTable
from sagym.envs.user.model import UserModel, UserState
from sagym.envs.user.params import ModelConfig, ParameterError, UserParams
from sagym.envs.user.population import (
    Persona,
    Population,
    get_population,
    list_populations,
    register_population,
)

__all__ = [
    "CATEGORIES",
    "EFFECT_COLUMNS",
    "ActionTable",
    "ModelConfig",
    "ParameterError",
    "Persona",
    "Population",
    "UserModel",
    "UserParams",
    "UserState",
    "get_population",
    "list_populations",
    "register_population",
]
