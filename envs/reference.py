"""Compatibility home of the numpy specification (now :mod:`sagym.envs.user.reference`)."""

from sagym.envs.user.reference import day_reference, step_reference

__all__ = ["day_reference", "step_reference"]
