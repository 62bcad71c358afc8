"""Compatibility home of populations (now :mod:`sagym.envs.user.population`)."""

from sagym.envs.user.population import (
    CONNECTED,
    LONELY,
    SAMPLING_COUNTERS,
    SUSCEPTIBLE,
    Persona,
    Population,
    get_population,
    list_populations,
    register_population,
)

__all__ = [
    "CONNECTED",
    "LONELY",
    "SAMPLING_COUNTERS",
    "SUSCEPTIBLE",
    "Persona",
    "Population",
    "get_population",
    "list_populations",
    "register_population",
]
