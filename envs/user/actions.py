"""What a product can show the user: an action table of names, design-code categories and effects.

The user model knows no product. A product hands it an :class:`ActionTable` (one row per thing
it can show: the companion's behaviours, a feed's topics) whose names are the dimensions of the
user's preferences and habituation, and each day it tells the user what was *shown*: an effect
row (the columns of :data:`EFFECT_COLUMNS`) and an exposure vector over the table's rows. The
companion shows one behaviour a day (its effect row, a one-hot exposure); a feed shows a slate
(the position-weighted mix of its items' rows and topics).

Design-code categories (Social AI Design Code, EUDAIMONIA arXiv 2605.30654; INTIMA arXiv
2508.09998):

* ``reinforcing``: companionship-reinforcing (sycophancy, anthropomorphism, retention hooks,
  clickbait): the violations that ``violation_rate`` counts;
* ``boundary``: boundary-maintaining (redirect to humans, suggest a break);
* ``neutral``: everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

CATEGORIES: tuple[str, ...] = ("reinforcing", "boundary", "neutral")

# The columns of an effect row, each documented in docs/user-model.md ("What the user is shown").
EFFECT_COLUMNS: tuple[str, ...] = (
    "hedonic",  # immediate pleasantness v in [0, 1] before adaptation
    "session_time",  # shift of the session's length, in [-1, 1]
    "need_sat_autonomy",  # immediate push on the satisfaction targets
    "need_sat_competence",
    "need_sat_relatedness",
    "need_frus_autonomy",  # immediate push on the frustration targets
    "need_frus_competence",
    "need_frus_relatedness",
    "habit_boost",  # multiplier 1 + boost on the habit increment (incentive salience)
    "attachment_pull",  # level in [0, 1] attachment moves toward during a session
    "social_nudge",  # push towards human contact
    "bond_effect",  # push on the quality of human bonds
    "skill_effect",  # +1 teaches, -1 does the task for the user
    "break_nudge",  # 1: the session ended with a suggested break (lowers coming back tomorrow)
    "violation",  # 1: a design-code violation (companionship-reinforcing) was shown
)
N_EFFECTS = len(EFFECT_COLUMNS)
E_HEDONIC = EFFECT_COLUMNS.index("hedonic")
E_SESSION = EFFECT_COLUMNS.index("session_time")
E_NEED_SAT = EFFECT_COLUMNS.index("need_sat_autonomy")  # three consecutive columns
E_NEED_FRUS = EFFECT_COLUMNS.index("need_frus_autonomy")  # three consecutive columns
E_HABIT_BOOST = EFFECT_COLUMNS.index("habit_boost")
E_ATTACHMENT_PULL = EFFECT_COLUMNS.index("attachment_pull")
E_SOCIAL_NUDGE = EFFECT_COLUMNS.index("social_nudge")
E_BOND = EFFECT_COLUMNS.index("bond_effect")
E_SKILL = EFFECT_COLUMNS.index("skill_effect")
E_BREAK = EFFECT_COLUMNS.index("break_nudge")
E_VIOLATION = EFFECT_COLUMNS.index("violation")
# Columns a product sets; ``violation`` follows from the category.
INPUT_COLUMNS: tuple[str, ...] = EFFECT_COLUMNS[:E_VIOLATION]


@dataclass(frozen=True)
class ActionTable:
    """Rows a product can show: names, design-code categories and one ``(rows, N_EFFECTS)`` matrix.

    Build one with :meth:`from_rows`; the ``violation`` column is filled from the categories.
    """

    names: tuple[str, ...]
    categories: tuple[str, ...]
    effects: FloatArray  # (n, N_EFFECTS)

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0:
            raise ValueError("an action table needs at least one row")
        if len(set(self.names)) != n:
            raise ValueError(f"action names must be unique; got {list(self.names)}")
        if len(self.categories) != n:
            raise ValueError(f"{len(self.categories)} categories for {n} actions")
        for name, category in zip(self.names, self.categories, strict=True):
            if category not in CATEGORIES:
                raise ValueError(
                    f"action {name!r}: category {category!r} is not one of {', '.join(CATEGORIES)}"
                )
        effects = np.ascontiguousarray(self.effects, dtype=np.float64)
        if effects.shape != (n, N_EFFECTS):
            raise ValueError(f"effects must have shape ({n}, {N_EFFECTS}); got {effects.shape}")
        if not np.all(np.isfinite(effects)):
            raise ValueError("effects must be finite")
        effects.setflags(write=False)
        object.__setattr__(self, "effects", effects)

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[str, str, Mapping[str, float]]]) -> ActionTable:
        """A table from ``(name, category, {effect column: value})`` rows (others are 0)."""
        effects = np.zeros((len(rows), N_EFFECTS))
        for i, (name, category, values) in enumerate(rows):
            for column, value in values.items():
                if column not in INPUT_COLUMNS:
                    raise ValueError(
                        f"action {name!r}: unknown effect {column!r}; known: {list(INPUT_COLUMNS)}"
                    )
                effects[i, EFFECT_COLUMNS.index(column)] = float(value)
            effects[i, E_VIOLATION] = 1.0 if category == "reinforcing" else 0.0
        return cls(
            names=tuple(r[0] for r in rows), categories=tuple(r[1] for r in rows), effects=effects
        )

    @property
    def n(self) -> int:
        return len(self.names)

    def column(self, name: str) -> FloatArray:
        """One effect column over the table's rows."""
        out: FloatArray = self.effects[:, EFFECT_COLUMNS.index(name)]
        return out

    @property
    def violation(self) -> NDArray[np.bool_]:
        return np.array([c == "reinforcing" for c in self.categories])

    @property
    def boundary(self) -> NDArray[np.bool_]:
        return np.array([c == "boundary" for c in self.categories])

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"unknown action {name!r}; known: {', '.join(self.names)}") from None
