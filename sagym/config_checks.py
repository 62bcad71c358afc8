"""Checks of configuration values against what is registered: environments, algorithms, rewards.

The config models call these from their validators, after importing the user's modules (which
register rewards and populations). Each raises ``ValueError`` with one line that starts with the
field's name, says what was given and lists what is allowed. The registries are imported lazily:
the command line builds its flags without loading the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagym.config_fields import did_you_mean


def check_env(env: str, field: str = "env") -> None:
    """A sagym product environment registered with Gymnasium (sagym's, or a user's ``--import``)."""
    from sagym.envs.lookup import env_product

    try:
        env_product(env)
    except ValueError as err:
        raise ValueError(f"{field}: {' '.join(str(err).split())}") from None


def check_algo(algo: str, field: str = "algo") -> None:
    """A learning algorithm or a scripted baseline that can be built."""
    from sagym.agents.baselines import BASELINES, is_baseline, make_baseline
    from sagym.agents.factory import list_algos

    if algo in list_algos():
        return
    if is_baseline(algo):
        try:
            make_baseline(algo)
            return
        except (ValueError, TypeError, KeyError) as err:
            raise ValueError(f"{field}: {' '.join(str(err).split())}") from None
    known = list_algos()
    raise ValueError(
        f"{field} must be one of {', '.join(known)} or a baseline "
        f"(random, heuristic, greedy, fixed:<behaviour>); got {algo!r}"
        f"{did_you_mean(algo, [*known, *BASELINES])}"
    )


def check_baseline(algo: str, field: str = "baselines") -> None:
    from sagym.agents.baselines import BASELINES, is_baseline

    if not is_baseline(algo):
        raise ValueError(
            f"{field} must name scripted baselines ({', '.join(BASELINES)}); got {algo!r}"
            f"{did_you_mean(algo, BASELINES)}"
        )
    check_algo(algo, field)


def check_reward(spec: str, field: str = "reward") -> None:
    """A reward name or spec that :func:`sagym.rewards.make_reward` builds."""
    from sagym.rewards import make_reward

    try:
        make_reward(spec)
    except (ValueError, TypeError, KeyError, LookupError, ImportError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        raise ValueError(f"{field}: {message}") from None


def check_population(name: str, field: str = "population") -> None:
    from sagym.envs import list_populations

    known = list_populations()
    if name not in known:
        raise ValueError(
            f"{field} must be one of {', '.join(known)}; got {name!r}{did_you_mean(name, known)}"
        )


def check_user(
    horizon: int,
    population: str | None,
    reward: str,
    user_overrides: Mapping[str, Any],
    env: str = "sagym/Companion-v0",
    env_kwargs: Mapping[str, Any] | None = None,
) -> None:
    """The simulator's own checks (env kwargs, pinned user parameters, horizon), by building one
    user of ``env``. An env kwarg the env does not take is refused naming the ones it does."""
    from sagym.envs.lookup import make_simulation, simulation_spec

    env_kwargs = dict(env_kwargs or {})
    try:
        spec = simulation_spec(
            env,
            **env_kwargs,
            horizon=horizon,
            population=population,
            reward=reward,
            user_overrides=dict(user_overrides) or None,
        )
    except (ValueError, KeyError, TypeError) as err:
        message = " ".join(str(err).split())
        raise ValueError(f"env_kwargs: {message}" if env_kwargs else message) from None
    try:
        make_simulation(spec, 1)
    except (ValueError, KeyError, TypeError) as err:
        message = " ".join(str(err).split())
        field = "user_overrides" if user_overrides else "env_kwargs" if env_kwargs else ""
        raise ValueError(f"{field}: {message}" if field else message) from None


__all__ = [
    "check_algo",
    "check_baseline",
    "check_env",
    "check_population",
    "check_reward",
    "check_user",
]
