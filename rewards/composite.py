"""Weighted sums of rewards, and the spec strings that describe them.

A spec is a sum of terms ``[coef *] name [(key=value, ...)]`` joined by ``+`` or ``-``::

    satisfaction - 2*induced_shift
    0.5*engagement + 0.5*need_support(scale=5)

Each name is a registered reward (see :func:`sagym.rewards.list_rewards`).
"""

from __future__ import annotations

import sys
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


# A spec is read by a hand-written scanner, not a regular expression (the regular expression this
# replaced backtracked catastrophically: 16,000 spaces took 55 s). The scanner looks at each
# character a bounded number of times, so a spec of any length is accepted or refused in linear
# time. The grammar, with ``ws`` any run of whitespace:
#
#     spec   := term (sign term)*           only the first term may leave out its sign
#     term   := ws [sign] ws [number ws ['*'] ws] name ws ['(' args ')'] ws
#     number := digits ['.' digits] [exp] | '.' digits [exp]     exp := ('e'|'E') ['+'|'-'] digits
#     name   := (letter | '_') (word | '.')* [':' (letter | '_') word*]
#     args   := text without '(' or ')': comma-separated key=value literals
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_SHOWN = 60
_FLOAT_MAX = sys.float_info.max


def _show(text: str) -> str:
    """``repr(text)``, shortened so that an error about a huge spec still fits on one line."""
    if len(text) <= _SHOWN:
        return repr(text)
    return f"{text[:_SHOWN]!r}... ({len(text)} characters)"


def _is_word(char: str) -> bool:
    return char == "_" or char.isalnum()


class _Scanner:
    """A cursor over a spec string that only ever moves forward."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.end = len(text)

    def peek(self) -> str:
        """The character under the cursor ('' at the end)."""
        return self.text[self.pos] if self.pos < self.end else ""

    def skip_space(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1

    def _digits(self, pos: int) -> int:
        while pos < self.end and self.text[pos] in _DIGITS:
            pos += 1
        return pos

    def number(self) -> float | None:
        """A coefficient (ASCII digits, optional fraction and exponent), or None if none is here."""
        start = self.pos
        pos = self._digits(start)
        if pos > start:
            if pos < self.end and self.text[pos] == ".":
                pos = self._digits(pos + 1)
        elif self.text.startswith(".", pos) and self._digits(pos + 1) > pos + 1:
            pos = self._digits(pos + 1)
        else:
            return None
        if pos < self.end and self.text[pos] in "eE":
            exp = pos + 1
            if exp < self.end and self.text[exp] in "+-":
                exp += 1
            if self._digits(exp) > exp:  # an 'e' not followed by digits starts the name
                pos = self._digits(exp)
        self.pos = pos
        return float(self.text[start:pos])

    def name(self) -> str | None:
        """A reward name, ``name`` or ``module.path:name``, or None if none is here."""
        start = self.pos
        if self.peek() not in _NAME_START:
            return None
        pos = start + 1
        while pos < self.end and (_is_word(self.text[pos]) or self.text[pos] == "."):
            pos += 1
        if pos + 1 < self.end and self.text[pos] == ":" and self.text[pos + 1] in _NAME_START:
            pos += 2
            while pos < self.end and _is_word(self.text[pos]):
                pos += 1
        self.pos = pos
        return self.text[start:pos]

    def args(self) -> str | None:
        """The text of ``( ... )`` under the cursor, or None if it is not closed or is nested."""
        close = self.text.find(")", self.pos + 1)
        if close < 0:
            return None
        inner = self.text[self.pos + 1 : close]
        if "(" in inner:
            return None
        self.pos = close + 1
        return inner


def _cannot_parse(spec: str, scan: _Scanner, expected: str) -> ValueError:
    rest = spec[scan.pos :]
    found = _show(rest) if rest else "the end of the spec"
    return ValueError(
        f"cannot parse reward spec {_show(spec)}: expected {expected} at position {scan.pos}, "
        f"found {found}"
    )


def _parse_value(text: str) -> Any:
    """A parameter value: an int, a float, True/False, or else a string (quotes removed)."""
    text = text.strip()
    for cast in (int, float):
        try:
            value = cast(text)
        except ValueError:
            continue
        # An integer too large for a float reads as the float it overflows to (inf), so a
        # reward's own range check names it instead of numpy failing on a huge int.
        return float(text) if isinstance(value, int) and abs(value) > _FLOAT_MAX else value
    if text in ("True", "False"):
        return text == "True"
    return text.strip("'\"")


def _parse_args(spec: str, args: str) -> dict[str, Any]:
    if not args.strip():
        return {}
    out: dict[str, Any] = {}
    for item in args.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(
                f"reward spec {_show(spec)}: arguments must be key=value, got {_show(item.strip())}"
            )
        if key in out:
            raise ValueError(f"reward spec {_show(spec)}: argument {key!r} is given twice")
        out[key] = _parse_value(value)
    return out


def parse_spec(spec: str) -> list[tuple[float, str, dict[str, Any]]]:
    """Split a spec string into ``(weight, name, params)`` terms, in time linear in its length.

    Parameters are literals only (int, float, bool or string); nothing in a spec is evaluated.
    """
    if not isinstance(spec, str):
        raise ValueError(f"reward spec must be a string; got {type(spec).__name__}")
    if not spec.strip():
        raise ValueError("reward spec is empty")
    scan = _Scanner(spec)
    terms: list[tuple[float, str, dict[str, Any]]] = []
    while scan.pos < scan.end:
        scan.skip_space()
        sign = scan.peek() if scan.peek() in ("+", "-") else ""
        if sign:
            scan.pos += 1
            scan.skip_space()
        coef = scan.number()
        if coef is not None:
            scan.skip_space()
            if scan.peek() == "*":
                scan.pos += 1
                scan.skip_space()
        name = scan.name()
        if name is None:
            expected = "a reward name" if coef is not None else "a coefficient or a reward name"
            raise _cannot_parse(spec, scan, expected)
        if terms and not sign:
            raise ValueError(f"reward spec {_show(spec)}: terms must be joined by '+' or '-'")
        scan.skip_space()
        params: dict[str, Any] = {}
        if scan.peek() == "(":
            inner = scan.args()
            if inner is None:
                raise _cannot_parse(spec, scan, "key=value arguments closed by ')'")
            params = _parse_args(spec, inner)
            scan.skip_space()
        weight = 1.0 if coef is None else coef
        terms.append((-weight if sign == "-" else weight, name, params))
    return terms


def build_from_spec(spec: str, make: Callable[..., Reward]) -> Reward:
    """Build the reward a spec string describes, using ``make(name, **params)`` per term."""
    terms = parse_spec(spec)
    if len(terms) == 1 and terms[0][0] == 1.0:
        _, name, params = terms[0]
        return make(name, **params)
    return WeightedSum([(weight, make(name, **params)) for weight, name, params in terms])
