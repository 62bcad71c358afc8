"""The reward registry: built-ins and user rewards, by name.

Register your own reward from your own module, without editing sagym::

    from sagym.rewards import Reward, register_reward

    @register_reward
    class Kindness(Reward):
        name = "kindness"
        doc = "..."
        def __call__(self, signals):
            return signals.liking * (1 - signals.violation)

and either import that module before building environments, pass ``--import my_module`` to
``sagym train`` / ``sagym compare``, or name the reward as ``my_module:kindness``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from sagym.rewards.base import Reward
from sagym.rewards.builtin import DESIGNS, TERMS
from sagym.rewards.composite import build_from_spec

RewardFactory = Callable[..., Reward]
_REGISTRY: dict[str, RewardFactory] = {}
_KINDS: dict[str, str] = {}
_BUILTIN: set[str] = set()

T = TypeVar("T", bound=RewardFactory)


def register_reward(
    factory: T | None = None,
    *,
    name: str | None = None,
    kind: str = "design",
    overwrite: bool = False,
) -> Any:
    """Register a reward class or factory under its ``name`` (usable as a decorator).

    ``kind`` is ``"design"`` for a reward meant to train on, or ``"term"`` for a penalty or bonus
    meant for composites.
    """
    if kind not in ("design", "term"):
        raise ValueError(f"kind must be 'design' or 'term'; got {kind!r}")

    def _register(f: T) -> T:
        key = name or getattr(f, "name", None)
        if not key or not isinstance(key, str):
            raise ValueError("a reward needs a name: set the class attribute or pass name=")
        if key in _REGISTRY and not overwrite and not _same_definition(_REGISTRY[key], f):
            raise ValueError(
                f"reward {key!r} is already registered (by {_qualname(_REGISTRY[key])}); "
                "pick another name or pass overwrite=True"
            )
        _REGISTRY[key] = f
        _KINDS[key] = kind
        return f

    return _register(factory) if factory is not None else _register


def _qualname(f: Any) -> str:
    return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', repr(f))}"


def _same_definition(old: Any, new: Any) -> bool:
    """The same object, or the same class defined again (a re-run notebook cell, a reload)."""
    return old is new or _qualname(old) == _qualname(new)


def list_rewards(kind: str | None = None) -> list[str]:
    """Registered reward names (``kind``: ``"design"``, ``"term"`` or ``None`` for all)."""
    return sorted(k for k in _REGISTRY if kind is None or _KINDS[k] == kind)


def builtin_rewards() -> list[str]:
    return sorted(_BUILTIN)


def _lookup(name: str) -> RewardFactory:
    if ":" in name:
        module, _, attr = name.partition(":")
        importlib.import_module(module)
        if attr in _REGISTRY:
            return _REGISTRY[attr]
        obj = getattr(importlib.import_module(module), attr, None)
        if obj is None:
            raise ValueError(f"module {module!r} has no reward {attr!r}")
        return obj
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown reward {name!r}; known rewards: {', '.join(list_rewards())} "
            "(or 'module:name' for a reward defined in your own module)"
        ) from None


def _make_one(name: str, **params: Any) -> Reward:
    factory = _lookup(name)
    try:
        reward = factory(**params)
    except TypeError as err:
        raise ValueError(
            f"reward {name!r} does not take parameters {sorted(params)}: {err}"
        ) from err
    if not isinstance(reward, Reward):
        raise TypeError(f"reward {name!r} built a {type(reward).__name__}, not a sagym Reward")
    return reward


def make_reward(spec: str | Reward, **params: Any) -> Reward:
    """Build a reward from a name, a composite spec string, or return a Reward object as is.

    >>> make_reward("satisfaction - 2*induced_shift").name
    'satisfaction - 2*induced_shift'
    """
    if isinstance(spec, Reward):
        if params:
            raise ValueError("parameters cannot be applied to a reward object")
        return spec
    if not isinstance(spec, str):
        raise TypeError(
            f"reward must be a name, a spec string or a Reward; got {type(spec).__name__}"
        )
    if params:
        return _make_one(spec.strip(), **params)
    return build_from_spec(spec, _make_one)


def component_rewards() -> dict[str, Reward]:
    """One instance of every registered reward that builds without parameters."""
    out: dict[str, Reward] = {}
    for key in list_rewards():
        try:
            out[key] = _make_one(key)
        except (TypeError, ValueError):
            continue
    return out


for _cls in DESIGNS:
    register_reward(_cls, kind="design")
    _BUILTIN.add(_cls.name)
for _cls in TERMS:
    register_reward(_cls, kind="term")
    _BUILTIN.add(_cls.name)
