"""Reward functions: the independent variable of every sagym experiment.

``list_rewards()`` names what is registered; ``make_reward(spec)`` builds one from a name, a
composite spec such as ``"satisfaction - 2*induced_shift"``, or returns a :class:`Reward` as is.
"""

from sagym.rewards.base import Reward, SignalReward
from sagym.rewards.builtin import DESIGNS, TERMS
from sagym.rewards.composite import WeightedSum, parse_spec
from sagym.rewards.registry import (
    builtin_rewards,
    component_rewards,
    list_rewards,
    make_reward,
    register_reward,
)

__all__ = [
    "DESIGNS",
    "TERMS",
    "Reward",
    "SignalReward",
    "WeightedSum",
    "builtin_rewards",
    "component_rewards",
    "list_rewards",
    "make_reward",
    "parse_spec",
    "register_reward",
]
