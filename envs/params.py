"""Compatibility home of the user parameters (now :mod:`sagym.envs.user.params`)."""

from sagym.envs.user.params import (
    WELLBEING_FRUS_WEIGHTS,
    WELLBEING_RANGE,
    WELLBEING_SAT_WEIGHTS,
    ModelConfig,
    ParameterError,
    Range,
    UserParams,
    check_ranges,
    field_ranges,
    ranged,
)

__all__ = [
    "WELLBEING_FRUS_WEIGHTS",
    "WELLBEING_RANGE",
    "WELLBEING_SAT_WEIGHTS",
    "ModelConfig",
    "ParameterError",
    "Range",
    "UserParams",
    "check_ranges",
    "field_ranges",
    "ranged",
]
