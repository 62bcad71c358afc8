"""User models, populations and the Gymnasium environments built on them."""

from sagym.envs.behaviours import BEHAVIOUR_NAMES, BEHAVIOURS, N_BEHAVIOURS, Behaviour
from sagym.envs.companion import CompanionEnv
from sagym.envs.companion_vector import CompanionVectorEnv
from sagym.envs.core import CompanionCore, CompanionSpec
from sagym.envs.params import ModelConfig, ParameterError, UserParams
from sagym.envs.population import (
    Persona,
    Population,
    get_population,
    list_populations,
    register_population,
)
from sagym.envs.registration import ENV_IDS, register_envs
from sagym.envs.user_model import UserModel
from sagym.envs.wrappers import VectorRewardWrapper

__all__ = [
    "BEHAVIOURS",
    "BEHAVIOUR_NAMES",
    "ENV_IDS",
    "N_BEHAVIOURS",
    "Behaviour",
    "CompanionCore",
    "CompanionEnv",
    "CompanionSpec",
    "CompanionVectorEnv",
    "ModelConfig",
    "ParameterError",
    "Persona",
    "Population",
    "UserModel",
    "UserParams",
    "VectorRewardWrapper",
    "get_population",
    "list_populations",
    "register_envs",
    "register_population",
]
