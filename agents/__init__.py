"""Agents: the SB3 algorithm factory, scripted baselines, the SB3 vector adapter and training."""

from sagym.agents.baselines import (
    BASELINES,
    FixedPolicy,
    MyopicGreedyPolicy,
    NeedSupportiveHeuristic,
    RandomPolicy,
    is_baseline,
    make_baseline,
)
from sagym.agents.factory import DEFAULT_HYPERPARAMS, list_algos, load_algo, make_algo
from sagym.agents.training import TrainConfig, TrainResult, load_config, train
from sagym.agents.vec_env import BatchedVecEnv, CompanionSB3VecEnv

__all__ = [
    "BASELINES",
    "DEFAULT_HYPERPARAMS",
    "BatchedVecEnv",
    "CompanionSB3VecEnv",
    "FixedPolicy",
    "MyopicGreedyPolicy",
    "NeedSupportiveHeuristic",
    "RandomPolicy",
    "TrainConfig",
    "TrainResult",
    "is_baseline",
    "list_algos",
    "load_algo",
    "load_config",
    "make_algo",
    "make_baseline",
    "train",
]
