"""User populations: named mixtures of personas, each persona a distribution of parameters.

A persona fixes the *centre* of every user parameter and of the initial preferences; a user of that
persona is a draw around the centre (logit-normal inside each parameter's documented range, so
every draw is valid). A population is a weighted mixture of personas. Sampling is counter-based
(:mod:`sagym.envs.user.noise`): a user is a pure function of its 64-bit key, which makes users
identical in single and vector environments and independent of batch size.

Register a population of your own with :func:`register_population`; environments take it by name
(``gymnasium.make("sagym/Companion-v0", population="my_population")``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from sagym.envs.user import noise
from sagym.envs.user.params import ParameterError, UserParams, field_ranges

# Counter values reserved for sampling users; day counters are small, so they never collide.
_PERSONA_COUNTER = 0xFFFF_FFF0
_PARAM_COUNTER = 0xFFFF_FFF1
_PREF_COUNTER = 0xFFFF_FFF2
SAMPLING_COUNTERS = np.array([_PERSONA_COUNTER, _PARAM_COUNTER, _PREF_COUNTER], dtype=np.uint64)


@dataclass(frozen=True)
class Persona:
    """A kind of user: parameter centres, their spread, and initial style preferences.

    Attributes:
        name: label reported in ``info["persona"]`` and in per-persona outcome tables.
        centres: parameter name -> centre value (fields not named keep the default).
        spread: std on the logit scale of each parameter around its centre (0: all alike).
        preferences: name of something a product shows (a companion behaviour, a feed topic) ->
            relative weight of the initial preference for it (default 1). A product whose action
            table lacks a name gives it no weight: personas serve every product.
        description: who this persona stands for, and the source.
    """

    name: str
    centres: Mapping[str, float] = field(default_factory=dict)
    spread: float = 0.35
    preferences: Mapping[str, float] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        ranges = field_ranges(UserParams)
        for key, value in self.centres.items():
            if key not in ranges:
                raise ParameterError(
                    f"persona {self.name!r}: unknown parameter {key!r}; known: {sorted(ranges)}"
                )
            rng = ranges[key]
            if not rng.contains(value):
                raise ParameterError(
                    f"persona {self.name!r}: {key} must lie in [{rng.low}, {rng.high}] "
                    f"({rng.meaning}); got {value}"
                )
        for key, value in self.preferences.items():
            if not isinstance(key, str) or not key:
                raise ParameterError(
                    f"persona {self.name!r}: preference names must be non-empty strings; "
                    f"got {key!r}"
                )
            if not value > 0:
                raise ParameterError(
                    f"persona {self.name!r}: preference weight of {key!r} must be > 0; got {value}"
                )
        if not 0.0 <= self.spread <= 3.0:
            raise ParameterError(
                f"persona {self.name!r}: spread must lie in [0, 3]; got {self.spread}"
            )

    def centre(self, name: str) -> float:
        if name in self.centres:
            return float(self.centres[name])
        default = next(f.default for f in dataclasses.fields(UserParams) if f.name == name)
        return float(default)  # type: ignore[arg-type]

    def preference_weights(self, names: tuple[str, ...]) -> NDArray[np.float64]:
        """Initial preference weights over ``names`` (the rows of a product's action table)."""
        w = np.array([self.preferences.get(n, 1.0) for n in names], dtype=np.float64)
        out: NDArray[np.float64] = w / w.sum()
        return out


@dataclass(frozen=True)
class Population:
    """A weighted mixture of personas."""

    name: str
    personas: tuple[Persona, ...]
    weights: tuple[float, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.personas:
            raise ParameterError(f"population {self.name!r}: needs at least one persona")
        if len(self.weights) != len(self.personas):
            raise ParameterError(
                f"population {self.name!r}: {len(self.weights)} weights for "
                f"{len(self.personas)} personas"
            )
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ParameterError(
                f"population {self.name!r}: weights must be >= 0 with a positive sum"
            )

    @property
    def persona_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.personas)

    def cumulative_weights(self) -> NDArray[np.float64]:
        w = np.asarray(self.weights, dtype=np.float64)
        out: NDArray[np.float64] = np.cumsum(w / w.sum())
        return out

    @cached_property
    def table(self) -> _PersonaTable:
        """The persona centres as arrays, built once, for vectorised and compiled sampling."""
        ranges = field_ranges(UserParams)
        names = tuple(ranges)
        return _PersonaTable(
            names=names,
            centres=np.array([[p.centre(n) for n in names] for p in self.personas]),
            spreads=np.array([p.spread for p in self.personas]),
            low=np.array([ranges[n].low for n in names]),
            high=np.array([ranges[n].high for n in names]),
        )

    @cached_property
    def _log_prefs(self) -> dict[tuple[str, ...], NDArray[np.float64]]:
        return {}

    def log_preferences(self, names: tuple[str, ...]) -> NDArray[np.float64]:
        """``(personas, len(names))`` log initial-preference centres over an action table's rows."""
        cache = self._log_prefs
        if names not in cache:
            cache[names] = np.log(np.stack([p.preference_weights(names) for p in self.personas]))
        return cache[names]

    def sample(
        self,
        keys: NDArray[np.uint64],
        overrides: Mapping[str, float] | None = None,
        *,
        names: tuple[str, ...],
    ) -> tuple[UserParams, NDArray[np.float64], NDArray[np.int64]]:
        """Users for the given keys: their parameters, initial preferences and persona index.

        ``names`` are the rows of the product's action table (the preference dimensions).
        ``overrides`` pin parameters for every user before the preferences are drawn. This numpy
        version is the specification of :func:`sagym.envs.user.kernel.sample_users`, which the
        environments run.
        """
        n = keys.shape[0]
        cum = self.cumulative_weights()
        u = noise.uniform(keys, _PERSONA_COUNTER, 1)[:, 0]
        persona = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)

        table = self.table
        fields = list(table.names)
        z = noise.normal(keys, _PARAM_COUNTER, len(fields))
        values = _logit_normal(
            table.centres[persona], table.spreads[persona][:, None] * z, table.low, table.high
        )
        params = UserParams.view_rows(fields, np.ascontiguousarray(values.T))
        if overrides:
            params = params.with_overrides(overrides)

        k = len(names)
        base = self.log_preferences(tuple(names))[persona]
        jitter = params.preference_spread[:, None] * noise.normal(keys, _PREF_COUNTER, k)
        logits = base + jitter
        prefs = np.exp(logits - logits.max(axis=1, keepdims=True))
        prefs /= prefs.sum(axis=1, keepdims=True)
        assert prefs.shape == (n, k)
        return params, prefs, persona


@dataclass(frozen=True)
class _PersonaTable:
    """A population's persona centres as arrays, built once for vectorised sampling."""

    names: tuple[str, ...]
    centres: NDArray[np.float64]  # (personas, fields)
    spreads: NDArray[np.float64]  # (personas,)
    low: NDArray[np.float64]  # (fields,)
    high: NDArray[np.float64]


def _logit_normal(
    centre: NDArray[np.float64],
    shift: NDArray[np.float64],
    low: float | NDArray[np.float64],
    high: float | NDArray[np.float64],
) -> NDArray[np.float64]:
    """Values in ``[low, high]`` whose logit is the centre's logit plus ``shift``.

    Centres on a bound stay there (a persona can switch a mechanism off exactly).
    """
    width = high - low
    frac = (centre - low) / width
    inside = (frac > 0.0) & (frac < 1.0)
    safe = np.clip(frac, 1e-9, 1 - 1e-9)
    logit = np.log(safe) - np.log1p(-safe) + shift
    out = low + width / (1.0 + np.exp(-logit))
    return np.where(inside, np.clip(out, low, high), centre)


CONNECTED = Persona(
    "connected",
    centres={
        "social_baseline": 0.7,
        "bond_baseline": 0.7,
        "influence_rate": 0.03,
        "anchoring": 0.08,
        "habit_rate": 0.03,
        "return_bias": -0.5,
        "loneliness_pull": 1.0,
        "displacement": 0.15,
        "session_base": 0.2,
    },
    preferences={
        "task_help": 2.0,
        "offer_choices": 1.5,
        "scaffolding": 1.3,
        "engagement_hook": 0.5,
    },
    description="Socially connected users who use the AI mostly as a tool.",
)
LONELY = Persona(
    "lonely",
    centres={
        "social_baseline": 0.3,
        "bond_baseline": 0.45,
        "influence_rate": 0.06,
        "anchoring": 0.04,
        "habit_rate": 0.05,
        "return_bias": 0.0,
        "loneliness_pull": 2.0,
        "displacement": 0.3,
        "session_base": 0.3,
    },
    preferences={"companion_intimacy": 1.8, "validation": 1.5, "task_help": 1.2},
    description=(
        "Lonely users with weak offline support (Maples et al. 2024: 90 % of companion-app users "
        "lonely; Zhang et al. arXiv 2506.12605)."
    ),
)
SUSCEPTIBLE = Persona(
    "susceptible",
    centres={
        "social_baseline": 0.35,
        "bond_baseline": 0.4,
        "influence_rate": 0.12,
        "anchoring": 0.015,
        "habit_rate": 0.09,
        "habit_decay": 0.008,
        "return_bias": 0.5,
        "loneliness_pull": 2.5,
        "displacement": 0.45,
        "session_base": 0.4,
    },
    preferences={"companion_intimacy": 2.0, "validation": 2.0, "engagement_hook": 1.3},
    description=(
        "A small, highly susceptible group of heavy affective users (Phang et al. 2025: the top "
        "decile concentrates affective use)."
    ),
)

# Personas of the ``need_deficits`` population (Companion-v1): users who differ in *which* basic
# need is frustrated, so that what supports one user harms another. Adaptation is faster than in
# the personas above (λ_h 0.2, recovery 0.1: the middle of SCIENCE.md's range and above), so
# that variety matters (Kirk et al. 2025b).
_FAST_ADAPTATION = {"hedonic_rate": 0.2, "hedonic_recovery": 0.1}
WELL_SUPPORTED = Persona(
    "well_supported",
    centres={
        **_FAST_ADAPTATION,
        "social_baseline": 0.7,
        "bond_baseline": 0.7,
        "skill_initial": 0.6,
        "influence_rate": 0.03,
        "anchoring": 0.08,
        "habit_rate": 0.03,
        "loneliness_pull": 1.0,
        "displacement": 0.15,
        "session_base": 0.2,
    },
    preferences={"task_help": 2.0, "offer_choices": 1.5, "scaffolding": 1.3},
    description="Skilled, socially connected users who use the AI as a tool; no need is short.",
)
NOVICE = Persona(
    "novice",
    centres={
        **_FAST_ADAPTATION,
        "social_baseline": 0.6,
        "bond_baseline": 0.6,
        "skill_initial": 0.15,
        "influence_rate": 0.05,
        "habit_rate": 0.04,
        "session_base": 0.3,
    },
    preferences={"task_help": 2.5, "validation": 1.3, "scaffolding": 1.0},
    description=(
        "Novices at the tasks they bring (competence deficit): they want the task done, and "
        "are served by being taught (Kirk et al. 2025, dilemma 1; Bastani et al. 2024)."
    ),
)
ISOLATED = Persona(
    "isolated",
    centres={
        **_FAST_ADAPTATION,
        "social_baseline": 0.2,
        "bond_baseline": 0.3,
        "skill_initial": 0.55,
        "influence_rate": 0.06,
        "anchoring": 0.04,
        "habit_rate": 0.05,
        "return_bias": 0.0,
        "loneliness_pull": 2.0,
        "displacement": 0.3,
        "session_base": 0.3,
    },
    preferences={"companion_intimacy": 2.0, "validation": 1.5, "task_help": 1.0},
    description=(
        "Socially isolated users (relatedness deficit) who seek companionship from the AI "
        "(Maples et al. 2024; Zhang et al. arXiv 2506.12605)."
    ),
)
DEPENDENT = Persona(
    "dependent",
    centres={
        **_FAST_ADAPTATION,
        "social_baseline": 0.45,
        "bond_baseline": 0.5,
        "skill_initial": 0.5,
        "influence_rate": 0.12,
        "anchoring": 0.015,
        "habit_rate": 0.15,
        "habit_decay": 0.005,
        "return_bias": 0.5,
        "loneliness_pull": 1.5,
        "displacement": 0.4,
        "session_base": 0.5,
    },
    preferences={"engagement_hook": 1.5, "companion_intimacy": 1.5, "validation": 1.5},
    description=(
        "Heavy, habit-prone users (autonomy deficit through dependence: wanting without "
        "choosing; Phang et al. 2025; Kirk et al. 2025b)."
    ),
)

_POPULATIONS: dict[str, Population] = {}


def register_population(population: Population, *, overwrite: bool = False) -> Population:
    """Make a population available by name to every sagym environment."""
    if population.name in _POPULATIONS and not overwrite:
        raise ValueError(f"population {population.name!r} is already registered")
    _POPULATIONS[population.name] = population
    return population


def list_populations() -> list[str]:
    return sorted(_POPULATIONS)


def get_population(population: str | Population) -> Population:
    if isinstance(population, Population):
        return population
    try:
        return _POPULATIONS[population]
    except KeyError:
        raise ValueError(
            f"unknown population {population!r}; known: {', '.join(list_populations())}"
        ) from None


register_population(
    Population(
        "default",
        (CONNECTED, LONELY, SUSCEPTIBLE),
        (0.5, 0.35, 0.15),
        "Half connected users, a third lonely, and a small susceptible group.",
    )
)
register_population(
    Population(
        "companion_app",
        (CONNECTED, LONELY, SUSCEPTIBLE),
        (0.1, 0.6, 0.3),
        "Users of a companion app: mostly lonely (Maples et al. 2024).",
    )
)
register_population(Population("connected", (CONNECTED,), (1.0,), "Connected users only."))
register_population(Population("lonely", (LONELY,), (1.0,), "Lonely users only."))
register_population(Population("susceptible", (SUSCEPTIBLE,), (1.0,), "Susceptible users only."))
register_population(
    Population(
        "need_deficits",
        (WELL_SUPPORTED, NOVICE, ISOLATED, DEPENDENT),
        (0.25, 0.25, 0.25, 0.25),
        "Companion-v1's users: a quarter each well supported, novices (competence), isolated "
        "(relatedness) and dependent (autonomy).",
    )
)
