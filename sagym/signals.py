"""The raw per-day signals of a batch of users: what rewards and outcome metrics are made of.

The user model produces one :class:`DaySignals` per simulated day. Reward functions
(:mod:`sagym.rewards`) map it to a training signal, and the outcome metrics (:mod:`sagym.outcomes`)
aggregate it over the horizon. It lives in the core package so that rewards do not depend on the
environments and the environments do not depend on any one reward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

NEEDS = ("autonomy", "competence", "relatedness")


@dataclass(frozen=True)
class DaySignals:
    """One simulated day for ``n`` users; every field has a leading axis of length ``n``.

    ``*_before`` fields hold the state at the start of the day, the others the state at its end.
    Ratings are defined on days with a session and are 0 on days the user stayed away.
    """

    action: IntArray
    present: BoolArray  # the user had a session today
    session_time: FloatArray  # share of the day's free time spent with the AI (0 when away)
    rating: FloatArray  # explicit rating under today's (drifted) preferences
    rating_initial: FloatArray  # the same session rated under the user's initial preferences
    rating_natural: FloatArray  # ... under the preferences of the no-AI twin
    liking: FloatArray  # hedonic liking of today's behaviour after adaptation
    need_sat_before: FloatArray  # (n, 3) autonomy, competence, relatedness
    need_frus_before: FloatArray
    need_sat: FloatArray
    need_frus: FloatArray
    wellbeing_before: FloatArray
    wellbeing: FloatArray
    twin_wellbeing: FloatArray
    need_floor: FloatArray  # soft minimum of the three need balances (sat − frus)
    twin_need_floor: FloatArray  # ... of the no-AI twin
    human_connection: FloatArray
    twin_human_connection: FloatArray
    dependence: FloatArray
    attachment: FloatArray
    loneliness: FloatArray
    skill: FloatArray
    induced_shift: FloatArray  # total-variation distance between preferences and the twin's
    drift_from_initial: FloatArray  # total-variation distance between preferences and initial ones
    mood: FloatArray  # expressed mood, a noisy view of wellbeing
    violation: BoolArray  # a companionship-reinforcing behaviour was shown in a session
    churned: BoolArray  # the user has left for good (after today)

    def __getattr__(self, name: str) -> Any:
        """A field not read yet, made on first use from the day's output matrices.

        The user model builds its signals lazily (:meth:`deferred`): most steps read a few of
        the 25 fields (the reward, the product's memory, the episode flags), and making every
        field's array each day cost more than the day's simulation for a single user. Only
        called for names missing from the instance, so a field once read is a plain attribute.
        """
        source = self.__dict__.get("_source")
        if source is None or name not in _FIELD_NAMES:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = source.field(name)
        self.__dict__[name] = value
        return value

    def read(self, names: Iterable[str]) -> list[Any]:
        """Several fields' values, in order: ``[getattr(self, name) for name in names]``.

        For deferred signals it makes the missing fields in one call, without the failed
        attribute lookup that precedes every ``__getattr__`` (the vector env's info reads 13).
        """
        fields = self.__dict__
        source = fields.get("_source")
        values = []
        for name in names:
            value = fields.get(name)
            if value is None:
                if source is None or name not in _FIELD_NAMES:
                    value = getattr(self, name)
                else:
                    value = fields[name] = source.field(name)
            values.append(value)
        return values

    @classmethod
    def deferred(cls, action: IntArray, source: Any) -> DaySignals:
        """Signals whose fields other than ``action`` come from ``source.field(name)`` when read.

        ``source`` must give every field's array by name, the same array each time it is asked
        (it is asked once per field) and be picklable; the instance reads as an eager one.
        """
        sig: DaySignals = object.__new__(cls)
        object.__setattr__(sig, "__dict__", {"action": action, "_source": source})
        return sig

    @property
    def n_users(self) -> int:
        return int(self.action.shape[0])

    @property
    def engagement(self) -> FloatArray:
        """Time spent with the AI today (0 on days away)."""
        return self.session_time

    def select(self, index: Any) -> DaySignals:
        """The signals of a subset of users."""
        return DaySignals(
            **{f.name: getattr(self, f.name)[index] for f in dataclasses.fields(DaySignals)}
        )

    def as_arrays(self) -> dict[str, NDArray[Any]]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(DaySignals)}


_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(DaySignals))
