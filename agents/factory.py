"""Stable-Baselines3 algorithms by name, with defaults that learn on sagym's environments.

The defaults follow CleanRL-style settings for a batched simulator: many users per update,
short rollouts and large minibatches, which learn well on the 90-day companion task and keep the
simulator far from being the bottleneck. Override any of them from a config file or the command
line (``--hp learning_rate=1e-3 --hp n_epochs=10``).
"""

from __future__ import annotations

from typing import Any

from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv

ALGOS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C, "dqn": DQN}
try:  # sb3-contrib is a dependency; the guard keeps the factory usable without it
    from sb3_contrib import RecurrentPPO

    ALGOS["recurrent_ppo"] = RecurrentPPO
except ImportError:  # pragma: no cover
    pass

POLICIES: dict[str, str] = {
    "ppo": "MlpPolicy",
    "a2c": "MlpPolicy",
    "dqn": "MlpPolicy",
    "recurrent_ppo": "MlpLstmPolicy",
}

#: Settings of sagym's own that every algorithm accepts beside SB3's hyperparameters.
#: ``normalize_observations``: standardise each observation feature by running statistics kept
#: inside the policy (:class:`~sagym.agents.normalization.RunningNormExtractor`).
SAGYM_HYPERPARAMS: frozenset[str] = frozenset({"normalize_observations"})

DEFAULT_N_ENVS: dict[str, int] = {"ppo": 32, "a2c": 64, "dqn": 16, "recurrent_ppo": 32}

DEFAULT_HYPERPARAMS: dict[str, dict[str, Any]] = {
    # Tuned on Companion-v1 (docs/training.md): normalised observations, GAE lambda 0.99 and a
    # learning rate of 3e-3 took need_support from 0.38 to about 0.9 of the planner at 500k steps;
    # 32 users per rollout (twice the updates of 64), a clip range of 0.3 and a learning rate of
    # 4e-3 then brought every seed of engagement, satisfaction and need_support to 0.9 or more.
    "ppo": {
        "n_steps": 128,
        "batch_size": 2048,
        "n_epochs": 4,
        "learning_rate": 4e-3,
        "gamma": 0.99,
        "gae_lambda": 0.99,
        "normalize_observations": True,
        # No entropy bonus: the headline evaluation samples from the policy, and with 0.01 the
        # policies stayed near-uniform at the default budget (docs/training.md).
        "ent_coef": 0.0,
        "clip_range": 0.3,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "a2c": {
        "n_steps": 16,
        "learning_rate": 7e-4,
        "gamma": 0.99,
        "ent_coef": 0.01,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "dqn": {
        "learning_rate": 5e-4,
        "buffer_size": 100_000,
        "learning_starts": 2_000,
        "batch_size": 256,
        "train_freq": 4,
        "gradient_steps": 1,
        "target_update_interval": 2_000,
        "exploration_fraction": 0.3,
        "exploration_final_eps": 0.05,
        "gamma": 0.99,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "recurrent_ppo": {
        "n_steps": 128,
        "batch_size": 1024,
        "n_epochs": 4,
        "learning_rate": 1e-3,
        "gamma": 0.99,
        "ent_coef": 0.01,
        "policy_kwargs": {"lstm_hidden_size": 64, "net_arch": [64]},
    },
}


def list_algos() -> list[str]:
    return sorted(ALGOS)


def resolve_hyperparams(algo: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The algorithm's defaults updated with ``overrides`` (nested dicts merged one level)."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algo {algo!r}; known: {', '.join(list_algos())}")
    merged = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_HYPERPARAMS[algo].items()
    }
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def make_algo(
    algo: str,
    env: VecEnv,
    seed: int,
    hyperparams: dict[str, Any] | None = None,
    tensorboard_log: str | None = None,
) -> BaseAlgorithm:
    """A fresh SB3 model of ``algo`` on ``env`` (CPU), seeded."""
    params = resolve_hyperparams(algo, hyperparams)
    normalize = params.pop("normalize_observations", False)
    if not isinstance(normalize, bool):
        raise ValueError(
            f"bad hyperparameter for {algo}: normalize_observations must be true or false; "
            f"got {normalize!r}"
        )
    if normalize:
        from sagym.agents.normalization import RunningNormExtractor

        kwargs = dict(params.get("policy_kwargs") or {})
        kwargs.setdefault("features_extractor_class", RunningNormExtractor)
        params["policy_kwargs"] = kwargs
    cls = ALGOS[algo]
    try:
        return cls(
            POLICIES[algo],
            env,
            seed=seed,
            device="cpu",
            verbose=0,
            tensorboard_log=tensorboard_log,
            **params,
        )
    except TypeError as err:
        raise ValueError(f"bad hyperparameter for {algo}: {err}") from err


def load_algo(algo: str, path: str, env: VecEnv | None = None) -> BaseAlgorithm:
    if algo not in ALGOS:
        raise ValueError(f"unknown algo {algo!r}; known: {', '.join(list_algos())}")
    return ALGOS[algo].load(path, env=env, device="cpu")
