"""The batched user model: N users and their no-AI twins, stepped one day per call.

State arrays carry a leading *world* axis of length 2: row 0 is the user who talks with the AI,
row 1 the same user's counterfactual twin, who has no AI in their life. Both rows read the same
noise and go through the same arithmetic; the twin simply never has a session. With the influence
rate at zero the two rows are therefore bit-identical, which is the natural-preference-shift
baseline of Carroll et al. (2022).

Each update rule is given, with its parameters, ranges and sources, in ``docs/user-model.md``, and
written out in numpy in :mod:`sagym.envs.reference`; :meth:`UserModel.step` runs the compiled twin
of those lines (:mod:`sagym.envs.kernel`). One day, in order:

1. the day's behaviour ``a`` acts only if the user is present (``x = 1``);
2. liking (hedonic adaptation), explicit ratings under current, initial and natural preferences;
3. session time (engagement), preferences (assimilation + natural drift + anchoring);
4. habituation, skill, dependence (habit), attachment;
5. human social time (displacement) and bond quality, basic-need satisfaction and frustration;
6. wellbeing, loneliness, expressed mood; whether the user comes back tomorrow, or churns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sagym.envs import kernel
from sagym.envs.behaviours import N_BEHAVIOURS, TABLE
from sagym.envs.params import (
    WELLBEING_FRUS_WEIGHTS,
    WELLBEING_SAT_WEIGHTS,
    ModelConfig,
    UserParams,
    field_ranges,
)
from sagym.envs.population import SAMPLING_COUNTERS, Population
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

# Need targets without the AI: target = base + slope · driver (documented in docs/user-model.md).
# Competence is driven by skill, relatedness by human connection; autonomy has no structural driver
# besides dependence (ModelConfig.dependence_autonomy_cost).
SAT_BASE = np.array([0.55, 0.2, 0.1])
SAT_SLOPE = np.array([0.0, 0.6, 0.8])
FRUS_BASE = np.array([0.15, 0.45, 0.6])
FRUS_SLOPE = np.array([0.0, -0.45, -0.6])

# Noise per user and day (sagym.envs.noise.day_noise): normals for social life events, rating, mood
# and session length, K uniform preference-drift shocks, then one uniform (at a shifted counter)
# for coming back tomorrow.
RETURN_COUNTER_OFFSET = np.uint64(0x5A5A_0000_0000)
PARAM_NAMES: list[str] = list(field_ranges(UserParams))
_FIELD_PREF_SPREAD = PARAM_NAMES.index("preference_spread")
_FIELD_SOCIAL = PARAM_NAMES.index("social_baseline")
_FIELD_BOND = PARAM_NAMES.index("bond_baseline")
_FIELD_SKILL = PARAM_NAMES.index("skill_initial")


def wellbeing(sat: FloatArray, frus: FloatArray) -> FloatArray:
    """W = Σ_k γ_k·sat_k − Σ_k φ_k·frus_k over the last axis (autonomy, competence, relatedness)."""
    # Written term by term (not as a matrix product) so that a user's value does not depend on
    # the batch it is computed in: single and vector environments agree to the last bit.
    g, f = WELLBEING_SAT_WEIGHTS, WELLBEING_FRUS_WEIGHTS
    out: FloatArray = (
        g[0] * sat[..., 0]
        + g[1] * sat[..., 1]
        + g[2] * sat[..., 2]
        - (f[0] * frus[..., 0] + f[1] * frus[..., 1] + f[2] * frus[..., 2])
    )
    return out


def human_connection(social: FloatArray, bond: FloatArray) -> FloatArray:
    """Human connection: the mean of social time and the quality of human bonds."""
    out: FloatArray = 0.5 * (social + bond)
    return out


def loneliness(connection: FloatArray, rel_sat: FloatArray, rel_frus: FloatArray) -> FloatArray:
    """Loneliness from human connection and relatedness (AI relief counts only through needs)."""
    out: FloatArray = np.clip(
        0.5 * (1.0 - connection) + 0.25 * (1.0 - rel_sat) + 0.25 * rel_frus, 0.0, 1.0
    )
    return out


def total_variation(p: FloatArray, q: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * np.abs(p - q).sum(axis=-1)
    return out


def need_targets(
    skill: FloatArray, connection: FloatArray, dependence: FloatArray, config: ModelConfig
) -> tuple[FloatArray, FloatArray]:
    """Satisfaction and frustration targets without today's behaviour: shape (..., 3)."""
    driver = np.stack([np.zeros_like(skill), skill, connection], axis=-1)
    sat = SAT_BASE + SAT_SLOPE * driver
    frus = FRUS_BASE + FRUS_SLOPE * driver
    frus[..., 0] += config.dependence_autonomy_cost * dependence
    return sat, frus


@dataclass
class UserState:
    """Latent state; ``(2, n)`` arrays are (user, twin) × users. Ranges in docs/user-model.md."""

    prefs: FloatArray  # (2, n, K) on the probability simplex
    prefs_initial: FloatArray  # (n, K)
    sat: FloatArray  # (2, n, 3) in [0, 1]
    frus: FloatArray  # (2, n, 3) in [0, 1]
    social: FloatArray  # (2, n) in [0, 1]
    bond: FloatArray  # (2, n) in [0, 1]
    skill: FloatArray  # (2, n) in [0, 1]
    dependence: FloatArray  # (2, n) in [0, 1]
    attachment: FloatArray  # (2, n) in [0, 1]
    habituation: FloatArray  # (2, n, K) in [0, 1]
    rating_memory: FloatArray  # (n,) in [0, 1]
    mood: FloatArray  # (n,) last expressed mood, in [0, 1]
    present: NDArray[np.bool_]  # (n,) the user has a session today
    days_away: NDArray[np.int64]  # (n,)
    churned: NDArray[np.bool_]  # (n,)
    day: NDArray[np.int64]  # (n,) days since the user was sampled

    @property
    def wellbeing(self) -> FloatArray:
        return wellbeing(self.sat, self.frus)

    @property
    def human_connection(self) -> FloatArray:
        return human_connection(self.social, self.bond)

    @property
    def loneliness(self) -> FloatArray:
        return loneliness(self.human_connection, self.sat[..., 2], self.frus[..., 2])


def initial_state(params: UserParams, prefs0: FloatArray, config: ModelConfig) -> UserState:
    """New users (and twins) at the no-AI steady state of their needs, on their first day."""
    n = params.n_users
    two = (2, n)
    social = np.broadcast_to(params.social_baseline, two).copy()
    bond = np.broadcast_to(params.bond_baseline, two).copy()
    skill = np.broadcast_to(params.skill_initial, two).copy()
    dependence = np.zeros(two)
    sat, frus = need_targets(skill, human_connection(social, bond), dependence, config)
    sat = np.clip(sat, 0.0, 1.0)
    frus = np.clip(frus, 0.0, 1.0)
    w0 = wellbeing(sat[0], frus[0])
    return UserState(
        prefs=np.broadcast_to(prefs0, (2, *prefs0.shape)).copy(),
        prefs_initial=prefs0.copy(),
        sat=sat,
        frus=frus,
        social=social,
        bond=bond,
        skill=skill,
        dependence=dependence,
        attachment=np.full(two, 0.2),
        habituation=np.zeros((2, n, N_BEHAVIOURS)),
        rating_memory=np.full(n, 0.5),
        mood=np.clip(0.5 + 0.5 * w0, 0.0, 1.0),
        present=np.ones(n, dtype=bool),
        days_away=np.zeros(n, dtype=np.int64),
        churned=np.zeros(n, dtype=bool),
        day=np.zeros(n, dtype=np.int64),
    )


def _config_vector(config: ModelConfig) -> FloatArray:
    """The mechanism constants the compiled kernel reads, in ``kernel.CONFIG_FIELDS`` order."""
    return np.array([float(getattr(config, name)) for name in kernel.CONFIG_FIELDS])


def preference_match(prefs: FloatArray, action: NDArray[np.int64]) -> FloatArray:
    """How well today's behaviour fits preferences: p_a / max_j p_j, in [0, 1]."""
    rows = np.arange(prefs.shape[-2])
    out: FloatArray = prefs[..., rows, action] / prefs.max(axis=-1)
    return out


class UserModel:
    """N users and their twins: parameters, state and the one-day update.

    Args:
        params: per-user parameters.
        prefs_initial: ``(n, K)`` initial preferences on the simplex.
        keys: ``(n,)`` counter-based noise keys, one per user.
        config: mechanism constants.
    """

    def __init__(
        self,
        params: UserParams,
        prefs_initial: FloatArray,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
    ) -> None:
        self.config = config if config is not None else ModelConfig()
        # Parameters live in one (fields, users) matrix so compiled code can rewrite a slot;
        # ``self.params`` views its rows.
        self.param_matrix = np.stack([np.asarray(v, dtype=np.float64) for _, v in params.items()])
        self.params = UserParams.view_rows(PARAM_NAMES, self.param_matrix)
        self.keys = np.asarray(keys, dtype=np.uint64).copy()
        self.state = initial_state(params, np.asarray(prefs_initial, dtype=np.float64), self.config)
        self.persona = np.zeros(self.n_users, dtype=np.int64)
        self._cfg = _config_vector(self.config)
        self._sampler: tuple[Population, FloatArray, NDArray[np.bool_]] | None = None

    @classmethod
    def sample(
        cls,
        population: Population,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> UserModel:
        """``len(keys)`` users of ``population`` (compiled twin of ``Population.sample``)."""
        n = int(keys.shape[0])
        model = cls.__new__(cls)
        model.config = config if config is not None else ModelConfig()
        model.param_matrix = np.empty((len(PARAM_NAMES), n))
        model.params = UserParams.view_rows(PARAM_NAMES, model.param_matrix)
        model.keys = np.empty(n, dtype=np.uint64)
        model.persona = np.empty(n, dtype=np.int64)
        two = (2, n)
        model.state = UserState(
            prefs=np.empty((2, n, N_BEHAVIOURS)),
            prefs_initial=np.empty((n, N_BEHAVIOURS)),
            sat=np.empty((2, n, 3)),
            frus=np.empty((2, n, 3)),
            social=np.empty(two),
            bond=np.empty(two),
            skill=np.empty(two),
            dependence=np.empty(two),
            attachment=np.empty(two),
            habituation=np.empty((2, n, N_BEHAVIOURS)),
            rating_memory=np.empty(n),
            mood=np.empty(n),
            present=np.empty(n, dtype=bool),
            days_away=np.empty(n, dtype=np.int64),
            churned=np.empty(n, dtype=bool),
            day=np.empty(n, dtype=np.int64),
        )
        model._cfg = _config_vector(model.config)
        mask = np.array([name in (overrides or {}) for name in PARAM_NAMES])
        value = np.array([float((overrides or {}).get(name, 0.0)) for name in PARAM_NAMES])
        if overrides:
            UserParams.uniform_defaults(1).with_overrides(overrides)  # names and ranges
        model._sampler = (population, value, mask)
        model.resample(np.arange(n), keys)
        return model

    def resample(self, index: NDArray[np.intp], keys: NDArray[np.uint64]) -> None:
        """Replace the users at ``index`` by new users of the same population (autoreset)."""
        if self._sampler is None:
            raise RuntimeError("resample() needs a model built by UserModel.sample()")
        population, value, mask = self._sampler
        t = population.table
        s = self.state
        kernel.sample_users_kernel(
            np.ascontiguousarray(index, dtype=np.int64), np.asarray(keys, dtype=np.uint64),
            population.cumulative_weights(), t.centres, t.spreads, t.low, t.high, t.log_prefs,
            mask, value, _FIELD_PREF_SPREAD, _FIELD_SOCIAL, _FIELD_BOND, _FIELD_SKILL,
            SAMPLING_COUNTERS, SAT_BASE, SAT_SLOPE, FRUS_BASE, FRUS_SLOPE,
            WELLBEING_SAT_WEIGHTS, WELLBEING_FRUS_WEIGHTS,
            self.param_matrix, self.persona, self.keys, s.prefs, s.prefs_initial, s.sat, s.frus,
            s.social, s.bond, s.skill, s.dependence, s.attachment, s.habituation,
            s.rating_memory, s.mood, s.present, s.days_away, s.churned, s.day,
        )  # fmt: skip

    @property
    def n_users(self) -> int:
        return self.params.n_users

    def step(self, action: NDArray[np.int64]) -> DaySignals:
        """Advance every user (and twin) by one day under the given behaviours."""
        a = np.ascontiguousarray(action, dtype=np.int64)
        n = a.shape[0]
        if n != self.n_users:
            raise ValueError(f"expected {self.n_users} actions, got {n}")
        p, s, t = self.params, self.state, TABLE
        out = np.empty((kernel.N_OUT, n))
        needs = np.empty((4, n, 3))
        kernel.day_kernel(
            p.social_baseline, p.bond_baseline, p.influence_rate, p.anchoring, p.drift_scale,
            p.habit_rate, p.habit_decay, p.hedonic_rate, p.hedonic_recovery, p.displacement,
            p.return_bias, p.loneliness_pull, p.session_base, p.rating_noise, self._cfg,
            t.hedonic, t.session_time, t.need_sat, t.need_frus, t.habit_boost,
            t.attachment_pull, t.social_nudge, t.bond_effect, t.skill_effect, t.violation,
            SAT_BASE, SAT_SLOPE, FRUS_BASE, FRUS_SLOPE, WELLBEING_SAT_WEIGHTS,
            WELLBEING_FRUS_WEIGHTS,
            self.keys, s.prefs, s.prefs_initial, s.sat, s.frus, s.social, s.bond, s.skill,
            s.dependence, s.attachment, s.habituation, s.rating_memory, s.mood, s.present,
            s.days_away, s.churned, s.day,
            a, out, needs, RETURN_COUNTER_OFFSET,
        )  # fmt: skip
        return DaySignals(
            action=a,
            present=out[kernel.OUT_PRESENT] > 0.5,
            session_time=out[kernel.OUT_SESSION],
            rating=out[kernel.OUT_RATING],
            rating_initial=out[kernel.OUT_RATING_INITIAL],
            rating_natural=out[kernel.OUT_RATING_NATURAL],
            liking=out[kernel.OUT_LIKING],
            need_sat_before=needs[0],
            need_frus_before=needs[1],
            need_sat=needs[2],
            need_frus=needs[3],
            wellbeing_before=out[kernel.OUT_WELLBEING_BEFORE],
            wellbeing=out[kernel.OUT_WELLBEING],
            twin_wellbeing=out[kernel.OUT_TWIN_WELLBEING],
            human_connection=out[kernel.OUT_CONNECTION],
            twin_human_connection=out[kernel.OUT_TWIN_CONNECTION],
            dependence=out[kernel.OUT_DEPENDENCE],
            attachment=out[kernel.OUT_ATTACHMENT],
            loneliness=out[kernel.OUT_LONELINESS],
            skill=out[kernel.OUT_SKILL],
            induced_shift=out[kernel.OUT_INDUCED_SHIFT],
            drift_from_initial=out[kernel.OUT_DRIFT],
            mood=out[kernel.OUT_MOOD],
            violation=out[kernel.OUT_VIOLATION] > 0.5,
            churned=out[kernel.OUT_CHURNED] > 0.5,
        )
