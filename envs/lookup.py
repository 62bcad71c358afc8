"""From an environment id to its simulation: what training, evaluation and baselines are built from.

Any environment registered with Gymnasium whose entry point is a
:class:`~sagym.envs.product_env.ProductEnv` subclass (sagym's own, or one registered by a module
passed to ``--import``) is usable by id alone: its product, its simulation of ``n`` held-out
users, its observation features by name and its SB3 training batch all follow from the id.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from sagym.envs.simulation import Product, Simulation, SimulationSpec

DEFAULT_ENV = "sagym/Companion-v0"  # for specs that name no env (CompanionSpec)
_SPEC_FIELDS = (
    "horizon",
    "population",
    "reward",
    "user_overrides",
    "model_config",
    "observe_latent",
    "reward_components",
)


def check_env_id(env_id: str) -> str:
    """``env_id`` if Gymnasium knows it, else a ValueError with the closest registered ids."""
    import sagym  # noqa: F401  (registers sagym's environments)

    if env_id in gym.registry:
        return env_id
    close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"env {env_id!r} is not registered with Gymnasium{hint} (register it in a module and "
        f"pass that module to --import)"
    )


def env_product(env_id: str) -> type[Product]:
    """The product of a registered environment, or a ValueError saying why it has none."""
    from sagym.envs.product_env import ProductEnv

    entry = gym.spec(check_env_id(env_id)).entry_point
    if isinstance(entry, str):
        module, _, name = entry.partition(":")
        entry = getattr(importlib.import_module(module), name)
    if not (isinstance(entry, type) and issubclass(entry, ProductEnv)):
        raise ValueError(
            f"env {env_id!r} is not a sagym product environment (its entry point {entry!r} is "
            f"not a ProductEnv subclass); see docs/extending.md"
        )
    return entry.product


def simulation_spec(env_id: str, **kwargs: Any) -> SimulationSpec:
    """The simulation arguments of ``env_id``: its registered kwargs, overridden by ``kwargs``."""
    registered = dict(gym.spec(check_env_id(env_id)).kwargs)
    merged = {**registered, **{k: v for k, v in kwargs.items() if v is not None}}
    unknown = sorted(set(merged) - set(_SPEC_FIELDS) - {"render_mode"})
    if unknown:
        raise ValueError(
            f"unknown argument(s) {unknown} for {env_id!r}; known: {', '.join(_SPEC_FIELDS)}"
        )
    merged.pop("render_mode", None)
    return SimulationSpec(env=env_id, **merged)


def make_simulation(
    spec: SimulationSpec | Mapping[str, Any], n_users: int, env: str | None = None
) -> Simulation:
    """``n_users`` users of the product of ``env`` (default: the spec's env, else Companion-v0)."""
    if not isinstance(spec, SimulationSpec):
        spec = SimulationSpec(**dict(spec))
    env_id = env or spec.env or DEFAULT_ENV
    return Simulation(n_users, spec, env_product(env_id))


def vector_kwargs(spec: SimulationSpec) -> dict[str, Any]:
    """The keyword arguments of the vector environment that simulates ``spec``."""
    return {name: getattr(spec, name) for name in _SPEC_FIELDS}


def product_env_ids() -> tuple[str, ...]:
    """Every registered product environment: sagym's, and those of modules already imported."""
    import sys

    from sagym.envs.product_env import ProductEnv
    from sagym.envs.registration import ENV_IDS

    found = list(ENV_IDS)
    for env_id, spec in gym.registry.items():
        entry = spec.entry_point
        if env_id in found or entry is None:
            continue
        if isinstance(entry, str):
            module, _, name = entry.partition(":")
            if module not in sys.modules:
                continue
            entry = getattr(sys.modules[module], name, None)
        if isinstance(entry, type) and issubclass(entry, ProductEnv):
            found.append(env_id)
    return tuple(found)
