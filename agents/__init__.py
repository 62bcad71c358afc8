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
from sagym.agents.best_fixed import BestFixedPolicy
from sagym.agents.factory import DEFAULT_HYPERPARAMS, list_algos, load_algo, make_algo
from sagym.agents.planner import PlannerPolicy
from sagym.agents.training import TrainConfig, TrainResult, load_config, train
from sagym.agents.vec_env import BatchedVecEnv, CompanionSB3VecEnv

__all__ = [
    "BASELINES",
    "DEFAULT_HYPERPARAMS",
    "BatchedVecEnv",
    "BestFixedPolicy",
    "CompanionSB3VecEnv",
    "FixedPolicy",
    "MyopicGreedyPolicy",
    "NeedSupportiveHeuristic",
    "PlannerPolicy",
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
