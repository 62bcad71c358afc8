"""User models, populations and the Gymnasium environments built on them.

Names are imported on first use (PEP 562), so ``import sagym`` registers the environments without
loading the simulation, and the compiled kernel loads when a simulation first steps.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "BEHAVIOURS": "sagym.envs.behaviours",
    "BEHAVIOUR_NAMES": "sagym.envs.behaviours",
    "N_BEHAVIOURS": "sagym.envs.behaviours",
    "Behaviour": "sagym.envs.behaviours",
    "CompanionCore": "sagym.envs.core",
    "CompanionSpec": "sagym.envs.core",
    "CompanionEnv": "sagym.envs.companion",
    "CompanionVectorEnv": "sagym.envs.companion_vector",
    "FeedEnv": "sagym.envs.feed",
    "FeedVectorEnv": "sagym.envs.feed",
    "ModelConfig": "sagym.envs.user.params",
    "ParameterError": "sagym.envs.user.params",
    "UserParams": "sagym.envs.user.params",
    "Persona": "sagym.envs.user.population",
    "Population": "sagym.envs.user.population",
    "get_population": "sagym.envs.user.population",
    "list_populations": "sagym.envs.user.population",
    "register_population": "sagym.envs.user.population",
    "ENV_IDS": "sagym.envs.registration",
    "register_envs": "sagym.envs.registration",
    "Simulation": "sagym.envs.simulation",
    "SimulationSpec": "sagym.envs.simulation",
    "Product": "sagym.envs.simulation",
    "ProductEnv": "sagym.envs.product_env",
    "ProductVectorEnv": "sagym.envs.product_env",
    "UserModel": "sagym.envs.user_model",
    "VectorRewardWrapper": "sagym.envs.wrappers",
    "make_simulation": "sagym.envs.lookup",
    "simulation_spec": "sagym.envs.lookup",
}

if TYPE_CHECKING:
    from sagym.envs.behaviours import BEHAVIOUR_NAMES, BEHAVIOURS, N_BEHAVIOURS, Behaviour
    from sagym.envs.companion import CompanionEnv
    from sagym.envs.companion_vector import CompanionVectorEnv
    from sagym.envs.core import CompanionCore, CompanionSpec
    from sagym.envs.feed import FeedEnv, FeedVectorEnv
    from sagym.envs.lookup import make_simulation, simulation_spec
    from sagym.envs.product_env import ProductEnv, ProductVectorEnv
    from sagym.envs.registration import ENV_IDS, register_envs
    from sagym.envs.simulation import Product, Simulation, SimulationSpec
    from sagym.envs.user.params import ModelConfig, ParameterError, UserParams
    from sagym.envs.user.population import (
        Persona,
        Population,
        get_population,
        list_populations,
        register_population,
    )
    from sagym.envs.user_model import UserModel
    from sagym.envs.wrappers import VectorRewardWrapper


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sagym.envs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
    "FeedEnv",
    "FeedVectorEnv",
    "ModelConfig",
    "ParameterError",
    "Persona",
    "Population",
    "Product",
    "ProductEnv",
    "ProductVectorEnv",
    "Simulation",
    "SimulationSpec",
    "UserModel",
    "UserParams",
    "VectorRewardWrapper",
    "get_population",
    "list_populations",
    "make_simulation",
    "register_envs",
    "register_population",
    "simulation_spec",
]
