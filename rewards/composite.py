"""Weighted sums of rewards, and the spec strings that describe them.

A spec is a sum of terms ``[coef *] name [(key=value, ...)]`` joined by ``+`` or ``-``::

    satisfaction - 2*induced_shift
    0.5*engagement + 0.5*need_support(scale=5)

Each name is a registered reward (see :func:`sagym.rewards.list_rewards`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sagym.rewards.base import FloatArray, Reward
from sagym.signals import DaySignals


class WeightedSum(Reward):
    """Σ_i weight_i · reward_i, evaluated on the same day's signals."""

    name = "weighted_sum"
    doc = "A weighted sum of reward designs and penalty terms."

    def __init__(self, terms: Sequence[tuple[float, Reward]]) -> None:
        if not terms:
            raise ValueError("a weighted sum needs at least one term")
        for weight, reward in terms:
            if not np.isfinite(weight):
                raise ValueError(f"weight of {reward.name!r} must be finite; got {weight}")
        self.terms = [(float(w), r) for w, r in terms]
        self.name = self.spec()

    def __call__(self, signals: DaySignals) -> FloatArray:
        total = np.zeros(signals.n_users)
        for weight, reward in self.terms:
            total = total + weight * reward(signals)
        return total

    def spec(self) -> str:
        parts: list[str] = []
        for i, (weight, reward) in enumerate(self.terms):
            body = reward.spec()
            if isinstance(reward, WeightedSum):
                body = f"({body})"
            magnitude = abs(weight)
            coef = "" if magnitude == 1.0 else f"{magnitude:g}*"
            sign = "-" if weight < 0 else "+"
            if i == 0:
                parts.append(f"{'-' if weight < 0 else ''}{coef}{body}")
            else:
                parts.append(f" {sign} {coef}{body}")
        return "".join(parts)

    def params(self) -> dict[str, Any]:
        return {"terms": [(w, r.spec()) for w, r in self.terms]}


_TERM = re.compile(
    r"""\s*(?P<sign>[+-])?\s*
        (?:(?P<coef>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\s*\*?\s*)?
        (?P<name>[A-Za-z_][\w.]*(?::[A-Za-z_]\w*)?)
        \s*(?:\((?P<args>[^()]*)\))?\s*""",
    re.VERBOSE,
)


def _parse_value(text: str) -> Any:
    text = text.strip()
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text in ("True", "False"):
        return text == "True"
    return text.strip("'\"")


def _parse_args(spec: str, args: str | None) -> dict[str, Any]:
    if not args or not args.strip():
        return {}
    out: dict[str, Any] = {}
    for item in args.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(
                f"reward spec {spec!r}: arguments must be key=value, got {item.strip()!r}"
            )
        out[key.strip()] = _parse_value(value)
    return out


def parse_spec(spec: str) -> list[tuple[float, str, dict[str, Any]]]:
    """Split a spec string into ``(weight, name, params)`` terms."""
    if not spec or not spec.strip():
        raise ValueError("reward spec is empty")
    terms: list[tuple[float, str, dict[str, Any]]] = []
    pos = 0
    while pos < len(spec):
        match = _TERM.match(spec, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot parse reward spec {spec!r} at position {pos}: {spec[pos:]!r}")
        if terms and match.group("sign") is None:
            raise ValueError(f"reward spec {spec!r}: terms must be joined by '+' or '-'")
        weight = float(match.group("coef")) if match.group("coef") else 1.0
        if match.group("sign") == "-":
            weight = -weight
        terms.append((weight, match.group("name"), _parse_args(spec, match.group("args"))))
        pos = match.end()
    return terms


def build_from_spec(spec: str, make: Callable[..., Reward]) -> Reward:
    """Build the reward a spec string describes, using ``make(name, **params)`` per term."""
    terms = parse_spec(spec)
    if len(terms) == 1 and terms[0][0] == 1.0:
        _, name, params = terms[0]
        return make(name, **params)
    return WeightedSum([(weight, make(name, **params)) for weight, name, params in terms])
