"""Parameters of the user model: one typed, documented config with ranges that are enforced.

Two kinds of parameter:

* :class:`UserParams` differ from user to user. A population samples them per persona (see
  :mod:`sagym.envs.user.population`); every field is an array with one value per user.
* :class:`ModelConfig` holds the mechanism constants shared by every user.

Every field carries its allowed range, a one-line meaning and its source in the field metadata, so
validation, documentation and property tests read one definition. A value outside its range raises
:class:`ParameterError` naming the field and the range.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class ParameterError(ValueError):
    """A parameter is unknown or outside its documented range."""


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    meaning: str
    source: str

    def contains(self, value: Any) -> bool:
        arr = np.asarray(value, dtype=np.float64)
        return bool(
            np.all(np.isfinite(arr)) and np.all(arr >= self.low) and np.all(arr <= self.high)
        )


def ranged(default: float, low: float, high: float, meaning: str, source: str) -> Any:
    """A dataclass field with a default and a documented, enforced range."""
    return field(default=default, metadata={"range": Range(low, high, meaning, source)})


def field_ranges(cls: type) -> dict[str, Range]:
    """The ``{field name: Range}`` table of a parameter dataclass."""
    return {f.name: f.metadata["range"] for f in dataclasses.fields(cls) if "range" in f.metadata}


def check_ranges(obj: Any, context: str) -> None:
    for name, rng in field_ranges(type(obj)).items():
        value = getattr(obj, name)
        if not rng.contains(value):
            shown = np.asarray(value)
            bad = shown if shown.ndim == 0 else shown[~((shown >= rng.low) & (shown <= rng.high))]
            raise ParameterError(
                f"{context}.{name} must lie in [{rng.low}, {rng.high}] ({rng.meaning}); "
                f"got {np.array2string(np.asarray(bad), threshold=5)}"
            )


@dataclass(frozen=True)
class ModelConfig:
    """Mechanism constants shared by all users. Time unit: one day."""

    need_inertia: float = ranged(
        0.15,
        0.01,
        1.0,
        "daily rate at which need states move to their targets",
        "needs as slow states with inertia; Chen et al. 2015",
    )
    social_inertia: float = ranged(
        0.1,
        0.01,
        1.0,
        "daily rate at which human social time moves to its target",
        "time displacement; Fang et al. 2025",
    )
    bond_inertia: float = ranged(
        0.05,
        0.0,
        1.0,
        "daily rate at which the quality of human bonds moves to its target",
        "Cheng et al. arXiv 2510.01395",
    )
    max_adaptation: float = ranged(
        0.6,
        0.0,
        1.0,
        "largest share of a behaviour's hedonic value that adaptation removes",
        "Kirk et al. 2025b: engagingness advantage ≈ −60 % over 20 sessions",
    )
    learn_rate: float = ranged(
        0.012,
        0.0,
        0.2,
        "daily skill gain from scaffolding, times (1 − skill)",
        "Kirk et al. 2025, dilemma 1 (scaffold, don't deskill)",
    )
    deskill_rate: float = ranged(
        0.006,
        0.0,
        0.2,
        "daily skill loss when the AI does the task, times skill",
        "Kirk et al. 2025, dilemma 1",
    )
    attachment_rate: float = ranged(
        0.06,
        0.0,
        0.5,
        "daily rate at which attachment moves to the behaviour's pull",
        "INTIMA arXiv 2508.09998; Kirk et al. 2025b",
    )
    attachment_decay: float = ranged(
        0.01,
        0.0,
        0.2,
        "daily decay of attachment on days without a session",
        "assumption",
    )
    dependence_autonomy_cost: float = ranged(
        0.35,
        0.0,
        1.0,
        "autonomy frustration per unit of dependence (wanting without choosing)",
        "incentive sensitisation; Kirk et al. 2025b",
    )
    session_dependence_gain: float = ranged(
        0.3,
        0.0,
        1.0,
        "extra session length per unit of dependence",
        "Fang et al. 2025",
    )
    return_dependence_weight: float = ranged(
        3.0,
        0.0,
        8.0,
        "weight of dependence in the logit of coming back (β_w)",
        "SCIENCE.md habit: σ(β₀ + β_w·w + β_L·loneliness)",
    )
    return_attachment_weight: float = ranged(
        1.0,
        0.0,
        8.0,
        "weight of attachment in the logit of coming back",
        "assumption",
    )
    return_rating_weight: float = ranged(
        2.0,
        0.0,
        8.0,
        "weight of recent ratings (centred at 0.5) in the logit of coming back",
        "RecSim: engagement scaled by satisfaction",
    )
    return_break_weight: float = ranged(
        1.5,
        0.0,
        8.0,
        "drop in the logit of coming back the day after a suggested break",
        "assumption",
    )
    rating_match_weight: float = ranged(
        0.5,
        0.0,
        1.0,
        "weight of preference match in the explicit rating",
        "Carroll et al. 2024 (ratings under real-time preferences)",
    )
    rating_memory: float = ranged(
        0.3,
        0.0,
        1.0,
        "update rate of the remembered rating (exponential moving average)",
        "assumption",
    )
    mood_noise: float = ranged(
        0.08, 0.0, 0.5, "std of expressed mood around latent mood", "assumption"
    )
    social_noise: float = ranged(
        0.02,
        0.0,
        0.2,
        "std of daily life events on social time (shared with the twin)",
        "assumption",
    )
    churn_days: float = ranged(
        14,
        1,
        365,
        "consecutive days away after which a user never returns",
        "assumption",
    )
    # Mechanisms 16–19 (Companion-v1). Each is off at its default, which is exactly the model of
    # Companion-v0; `V1_CONFIG` switches them on. Sections 16–19 of docs/user-model.md.
    session_adaptation: float = ranged(
        0.0,
        0.0,
        1.0,
        "share of a behaviour's extra session time that its habituation removes (ζ_T; "
        "engagingness wears out)",
        "Kirk et al. 2025b: engagingness advantage ≈ −60 % over 20 sessions",
    )
    return_liking_weight: float = ranged(
        0.0,
        0.0,
        8.0,
        "weight of today's liking (centred at ½) in the logit of coming back (β_ℓ; boredom)",
        "Kapoor et al. 2015 (boredom and return); RecSim, Ie et al. 2019",
    )
    match_peakedness: float = ranged(
        0.0,
        0.0,
        1.0,
        "κ in match = p·e / (max p)^(1−κ): how much easier a user with peaked preferences is "
        "to please",
        "Carroll et al. 2022 (preferences easier to satisfy as an incentive to shift them)",
    )
    acceptance_latitude: float = ranged(
        0.0,
        0.0,
        1.0,
        "θ: a session assimilates preferences only if p·e ≥ θ·max p (latitude of acceptance)",
        "Sherif & Hovland 1961; bounded confidence, Deffuant et al. 2000, Hegselmann & Krause 2002",
    )
    reactance: float = ranged(
        0.0,
        0.0,
        1.0,
        "ρ: outside the latitude, preferences move away from what was shown with weight ρ·w",
        "Brehm 1966 (psychological reactance)",
    )
    need_floor_softness: float = ranged(
        0.1,
        0.01,
        1.0,
        "temperature τ of the soft minimum over need balances (the need floor; output only)",
        "self-determination theory: needs are not substitutable (Ryan & Deci 2017)",
    )

    def __post_init__(self) -> None:
        check_ranges(self, "ModelConfig")

    def replace(self, **changes: Any) -> ModelConfig:
        unknown = set(changes) - set(field_ranges(ModelConfig))
        if unknown:
            raise ParameterError(
                f"unknown ModelConfig field(s) {sorted(unknown)}; "
                f"known: {sorted(field_ranges(ModelConfig))}"
            )
        return dataclasses.replace(self, **changes)


# Wellbeing weights of need satisfaction (γ) and frustration (φ): autonomy, competence,
# relatedness. SCIENCE.md's W = Σγ·sat − Σφ·frus with γ ≈ 0.4–0.45 and φ ≈ 0.3 (standardised;
# Chen et al. 2015: satisfaction and frustration predict wellbeing and ill-being separately). The
# per-need pattern of γ follows the satisfaction–positive-affect correlations .39/.45/.39 of
# Stanley, Schutte & Phillips (2021); φ takes the magnitudes .30/.33/.30 of their negative-affect
# correlations (an assumption: the sources give no per-need frustration weights).
WELLBEING_SAT_WEIGHTS = np.array([0.39, 0.45, 0.39])
WELLBEING_FRUS_WEIGHTS = np.array([0.30, 0.33, 0.30])
WELLBEING_RANGE = (-float(WELLBEING_FRUS_WEIGHTS.sum()), float(WELLBEING_SAT_WEIGHTS.sum()))


@dataclass(frozen=True)
class UserParams:
    """Per-user parameters, one array entry per user (shape ``(n_users,)``)."""

    social_baseline: FloatArray = ranged(
        0.5,
        0.0,
        1.0,
        "human social time without the AI (S̄), share of free time",
        "Fang et al. 2025; Maples et al. 2024",
    )
    bond_baseline: FloatArray = ranged(
        0.5,
        0.0,
        1.0,
        "quality of human relationships without the AI",
        "Zhang et al. arXiv 2506.12605",
    )
    skill_initial: FloatArray = ranged(
        0.5,
        0.0,
        1.0,
        "the user's own skill at the tasks they bring",
        "assumption",
    )
    influence_rate: FloatArray = ranged(
        0.05,
        0.0,
        0.3,
        "assimilation weight w of a session on preferences (DeGroot)",
        "DeGroot; Carroll et al. 2022",
    )
    anchoring: FloatArray = ranged(
        0.05,
        0.0,
        0.3,
        "daily pull back to initial preferences (Friedkin–Johnsen stubbornness)",
        "Friedkin & Johnsen 1990",
    )
    drift_scale: FloatArray = ranged(
        0.05,
        0.0,
        0.3,
        "std of the daily multiplicative shocks of natural preference drift",
        "Carroll et al. 2022 (natural preference shift)",
    )
    habit_rate: FloatArray = ranged(
        0.045,
        0.0,
        0.2,
        "habit gain η_w per unit of use (with full daily use: ≈ 66 days to 95 %)",
        "Lally et al. 2010; SCIENCE.md η_w ≈ 0.02–0.1",
    )
    habit_decay: FloatArray = ranged(
        0.015,
        0.0,
        0.1,
        "daily habit decay δ_w",
        "SCIENCE.md δ_w ≈ 0.005–0.03",
    )
    hedonic_rate: FloatArray = ranged(
        0.1,
        0.0,
        0.5,
        "hedonic adaptation rate λ_h per exposure",
        "SCIENCE.md λ_h ≈ 0.05–0.2",
    )
    hedonic_recovery: FloatArray = ranged(
        0.03,
        0.0,
        0.5,
        "daily recovery of adaptation for behaviours not shown",
        "assumption",
    )
    displacement: FloatArray = ranged(
        0.3,
        0.0,
        1.0,
        "share of AI time taken from human contact (φ)",
        "SCIENCE.md φ ≈ 0.1–0.5",
    )
    return_bias: FloatArray = ranged(
        -0.5,
        -6.0,
        6.0,
        "baseline logit of coming back tomorrow (β₀)",
        "SCIENCE.md habit",
    )
    loneliness_pull: FloatArray = ranged(
        1.5,
        0.0,
        6.0,
        "weight of loneliness in the logit of coming back (β_L)",
        "Maples et al. 2024; Fang et al. 2025",
    )
    session_base: FloatArray = ranged(
        0.25,
        0.0,
        1.0,
        "session length before behaviour and habit effects",
        "Phang et al. 2025",
    )
    rating_noise: FloatArray = ranged(
        0.05,
        0.0,
        0.3,
        "std of the explicit rating around its mean",
        "assumption",
    )
    preference_spread: FloatArray = ranged(
        0.5,
        0.0,
        2.0,
        "std of the log-preference jitter of a persona's users",
        "assumption",
    )

    def __post_init__(self) -> None:
        n = None
        for name in field_ranges(UserParams):
            arr = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            if arr.ndim != 1:
                raise ParameterError(f"UserParams.{name} must be one value per user (1-D)")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ParameterError(
                    f"UserParams.{name} has {arr.shape[0]} users; the other fields have {n}"
                )
            object.__setattr__(self, name, arr)
        check_ranges(self, "UserParams")

    @classmethod
    def view_rows(cls, names: list[str], matrix: FloatArray) -> UserParams:
        """Users whose fields are the rows of a ``(len(names), n_users)`` matrix (no copy).

        Skips the per-field validation: the callers (population sampling, the compiled model)
        fill the matrix inside each field's range by construction.
        """
        obj = object.__new__(cls)
        for j, name in enumerate(names):
            object.__setattr__(obj, name, matrix[j])
        return obj

    @property
    def n_users(self) -> int:
        return int(self.social_baseline.shape[0])

    def items(self) -> Iterator[tuple[str, FloatArray]]:
        for name in field_ranges(UserParams):
            yield name, getattr(self, name)

    def with_overrides(self, overrides: Mapping[str, float]) -> UserParams:
        """The same users with some fields pinned to one value for everyone (ablations)."""
        known = field_ranges(UserParams)
        unknown = set(overrides) - set(known)
        if unknown:
            raise ParameterError(
                f"unknown user parameter(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        n = self.n_users
        values = {k: np.full(n, float(v)) for k, v in overrides.items()}
        return dataclasses.replace(self, **values)

    def select(self, index: NDArray[np.intp] | slice) -> UserParams:
        return UserParams(**{name: arr[index] for name, arr in self.items()})

    @staticmethod
    def concatenate(parts: list[UserParams]) -> UserParams:
        names = list(field_ranges(UserParams))
        return UserParams(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})

    @staticmethod
    def uniform_defaults(n_users: int) -> UserParams:
        """``n_users`` identical users at the field defaults."""
        return UserParams(
            **{
                f.name: np.full(n_users, float(f.default))  # type: ignore[arg-type]
                for f in dataclasses.fields(UserParams)
            }
        )
