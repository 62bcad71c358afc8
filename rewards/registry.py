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

The registry is also the allow-list of what a spec string may build: a spec only ever names
registered rewards, and its parameters (literals) go to those alone. ``my_module:kindness``
imports ``my_module`` and then looks ``kindness`` up here; ``os:system``, ``builtins:eval`` or any
other attribute of any module is refused before anything is called.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

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


def _known() -> str:
    return (
        f"known rewards: {', '.join(list_rewards())} "
        "(or 'module:name' for a reward your own module registers)"
    )


def _registered(obj: Any) -> bool:
    """Whether ``obj`` itself (by identity, not by name) is a registered reward class or factory."""
    return any(obj is factory for factory in _REGISTRY.values())


def _import_reward_module(name: str, module: str) -> Any:
    """Import the module of a ``module:name`` spec so that its rewards register themselves.

    Refused without importing: a name that is not a dotted Python identifier (no relative or
    empty parts), and any module of the standard library (it defines no sagym reward, and some of
    its modules act on import: ``antigravity`` opens a web browser, ``this`` prints).
    """
    if not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(
            f"reward {name!r}: {module!r} is not a module name; 'module:name' needs a dotted "
            f"Python module path; {_known()}"
        )
    if module.split(".")[0] in sys.stdlib_module_names:
        raise ValueError(
            f"reward {name!r} is refused: {module!r} is a standard-library module, which defines "
            f"no sagym reward; a spec may only name registered rewards; {_known()}"
        )
    try:
        return importlib.import_module(module)
    except Exception as err:  # a missing module, or one that fails on import: one line, chained
        raise ValueError(
            f"reward {name!r}: cannot import module {module!r}: {type(err).__name__}: {err}"
        ) from err


def _lookup(name: str) -> RewardFactory:
    """The registered reward a spec names; nothing that is not registered is ever returned.

    ``module:attr`` imports ``module`` (so a user's rewards register themselves, as ``--import``
    does) and then accepts ``attr`` only if it is a registered name, or an attribute of the module
    that is itself a registered reward class or factory. Anything else a module holds (a function
    such as ``os.system``, a class that is not a Reward, a Reward subclass nobody registered) is
    refused before it is called, so a spec string can never run code of its choosing.
    """
    if ":" not in name:
        try:
            return _REGISTRY[name]
        except KeyError:
            raise ValueError(f"unknown reward {name!r}; {_known()}") from None
    module_name, _, attr = name.partition(":")
    module = _import_reward_module(name, module_name)
    if attr in _REGISTRY:
        return _REGISTRY[attr]
    # The module's own namespace, not getattr: a module-level __getattr__ would run code.
    obj = vars(module).get(attr)
    if obj is not None and _registered(obj):
        return cast(RewardFactory, obj)
    if isinstance(obj, type) and issubclass(obj, Reward):
        what = "is a Reward class that is not registered (decorate it with @register_reward)"
    elif obj is None:
        what = f"names nothing registered: module {module_name!r} registers no reward {attr!r}"
    elif isinstance(obj, type):
        what = f"names the class {attr!r}, which is not a sagym Reward"
    else:
        what = f"names {attr!r} (a {type(obj).__name__}), which is not a registered reward"
    raise ValueError(f"reward {name!r} is refused: it {what}; {_known()}")


def _make_one(name: str, **params: Any) -> Reward:
    factory = _lookup(name)
    try:
        reward = factory(**params)
    except TypeError as err:
        raise ValueError(
            f"reward {name!r} does not take parameters {sorted(params)}: {err}"
        ) from err
    if not isinstance(reward, Reward):
        raise ValueError(f"reward {name!r} built a {type(reward).__name__}, not a sagym Reward")
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
    if not isinstance(spec, str):  # a ValueError like every other bad reward (configs, CLI)
        raise ValueError(
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
