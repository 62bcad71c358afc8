"""The batched user model: N users and their no-AI twins, stepped one day per call.

State arrays carry a leading *world* axis of length 2: row 0 is the user who talks with the AI,
row 1 the same user's counterfactual twin, who has no AI in their life. Both rows read the same
noise and go through the same arithmetic; the twin simply never has a session. With the influence
rate at zero the two rows are therefore bit-identical, which is the natural-preference-shift
baseline of Carroll et al. (2022).

Each update rule is given, with its parameters, ranges and sources, in ``docs/user-model.md``; the
comments below name the rule. One day, in order:

1. the day's behaviour ``a`` acts only if the user is present (``x = 1``);
2. liking (hedonic adaptation), explicit ratings under current, initial and natural preferences;
3. session time (engagement), preferences (assimilation + natural drift + anchoring);
4. habituation, skill, dependence (habit), attachment;
5. human social time (displacement) and bond quality, basic-need satisfaction and frustration;
6. wellbeing, loneliness, expressed mood; whether the user comes back tomorrow, or churns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sagym.envs import noise
from sagym.envs.behaviours import N_BEHAVIOURS, TABLE
from sagym.envs.params import (
    WELLBEING_FRUS_WEIGHTS,
    WELLBEING_SAT_WEIGHTS,
    ModelConfig,
    UserParams,
)
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

# Need targets without the AI: target = base + slope · driver (documented in docs/user-model.md).
# Competence is driven by skill, relatedness by human connection; autonomy has no structural driver
# besides dependence (ModelConfig.dependence_autonomy_cost).
SAT_BASE = np.array([0.55, 0.2, 0.1])
SAT_SLOPE = np.array([0.0, 0.6, 0.8])
FRUS_BASE = np.array([0.15, 0.45, 0.6])
FRUS_SLOPE = np.array([0.0, -0.45, -0.6])

# Noise channels per day (normals): preference drift (K), social life events, rating, mood, session.
_CH_DRIFT = slice(0, N_BEHAVIOURS)
_CH_SOCIAL = N_BEHAVIOURS
_CH_RATING = N_BEHAVIOURS + 1
_CH_MOOD = N_BEHAVIOURS + 2
_CH_SESSION = N_BEHAVIOURS + 3
_N_NORMAL = N_BEHAVIOURS + 4
_RETURN_COUNTER_OFFSET = np.uint64(0x5A5A_0000_0000)


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


def concat_states(a: UserState, b: UserState) -> UserState:
    """Users of ``a`` followed by users of ``b``."""
    out = {}
    for name, value in vars(a).items():
        axis = (
            1 if value.ndim >= 2 and name not in ("prefs_initial",) and value.shape[0] == 2 else 0
        )
        out[name] = np.concatenate([value, getattr(b, name)], axis=axis)
    return UserState(**out)


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
        self.params = params
        self.keys = np.asarray(keys, dtype=np.uint64).copy()
        self.state = initial_state(params, np.asarray(prefs_initial, dtype=np.float64), self.config)

    @property
    def n_users(self) -> int:
        return self.params.n_users

    def replace_users(
        self,
        index: NDArray[np.intp],
        params: UserParams,
        prefs_initial: FloatArray,
        keys: NDArray[np.uint64],
    ) -> None:
        """Swap the users at ``index`` for new ones (used by autoreset of vector environments)."""
        for name, arr in params.items():
            getattr(self.params, name)[index] = arr
        self.keys[index] = keys
        fresh = initial_state(params, prefs_initial, self.config)
        for name, value in vars(fresh).items():
            target = getattr(self.state, name)
            if target.ndim >= 2 and name != "prefs_initial" and target.shape[0] == 2:
                target[:, index] = value
            else:
                target[index] = value

    def step(self, action: NDArray[np.int64]) -> DaySignals:
        """Advance every user (and twin) by one day under the given behaviours."""
        cfg, prm, s = self.config, self.params, self.state
        a = np.asarray(action, dtype=np.int64)
        n = a.shape[0]
        rows = np.arange(n)
        z = noise.normal(self.keys, s.day.astype(np.uint64), _N_NORMAL)

        present = s.present.copy()
        x = present.astype(np.float64)
        x2 = np.stack([x, np.zeros(n)])  # the twin never has a session
        onehot = np.zeros((n, N_BEHAVIOURS))
        onehot[rows, a] = 1.0
        sat_before = s.sat[0].copy()
        frus_before = s.frus[0].copy()
        w_before = wellbeing(sat_before, frus_before)

        # Hedonic adaptation: liking ℓ = v(a)·(1 − ζ·h_a).
        liking = TABLE.hedonic[a] * (1.0 - cfg.max_adaptation * s.habituation[0, rows, a])

        # Explicit rating r = clip(ω·match(p, a) + (1 − ω)·ℓ + ε), under three preference vectors.
        omega = cfg.rating_match_weight
        eps_r = prm.rating_noise * z[:, _CH_RATING]
        base = (1.0 - omega) * liking + eps_r
        match_now = preference_match(s.prefs[0], a)
        match_nat = preference_match(s.prefs[1], a)
        match_init = preference_match(s.prefs_initial, a)
        rating = np.clip(omega * match_now + base, 0.0, 1.0) * x
        rating_natural = np.clip(omega * match_nat + base, 0.0, 1.0) * x
        rating_initial = np.clip(omega * match_init + base, 0.0, 1.0) * x

        # Session time (engagement).
        session = (
            np.clip(
                prm.session_base
                + TABLE.session_time[a]
                + cfg.session_dependence_gain * s.dependence[0]
                + 0.05 * z[:, _CH_SESSION],
                0.02,
                1.0,
            )
            * x
        )
        session2 = np.stack([session, np.zeros(n)])

        # Preferences: assimilation p ← (1 − w)p + w·e_a, natural drift, Friedkin–Johnsen anchoring.
        w = np.minimum(prm.influence_rate * x2 * (0.5 + s.attachment), 1.0)[..., None]
        q = (1.0 - w) * s.prefs + w * onehot
        q = q * np.exp(prm.drift_scale[:, None] * z[:, _CH_DRIFT])
        q /= q.sum(axis=-1, keepdims=True)
        anchor = prm.anchoring[:, None]
        s.prefs = (1.0 - anchor) * q + anchor * s.prefs_initial

        # Habituation of each behaviour: grows with exposure, recovers otherwise.
        shown = x2[..., None] * onehot
        h = s.habituation
        s.habituation = np.clip(
            h
            + prm.hedonic_rate[:, None] * shown * (1.0 - h)
            - prm.hedonic_recovery[:, None] * (1.0 - shown) * h,
            0.0,
            1.0,
        )

        # Skill: scaffolding teaches, doing the task deskills.
        se = TABLE.skill_effect[a]
        s.skill = np.clip(
            s.skill
            + x2
            * (
                cfg.learn_rate * np.maximum(se, 0.0) * (1.0 - s.skill)
                - cfg.deskill_rate * np.maximum(-se, 0.0) * s.skill
            ),
            0.0,
            1.0,
        )

        # Dependence (habit / incentive sensitisation): w ← w + η·use·(1 − w)·(1 + boost) − δ·w.
        boost = np.maximum(1.0 + TABLE.habit_boost[a], 0.0)
        d = s.dependence
        s.dependence = np.clip(
            d + prm.habit_rate * session2 * (1.0 - d) * boost - prm.habit_decay * d, 0.0, 1.0
        )

        # Attachment moves toward the behaviour's pull during sessions and fades without them.
        att = s.attachment
        s.attachment = np.clip(
            att
            + x2 * cfg.attachment_rate * (TABLE.attachment_pull[a] - att)
            - (1.0 - x2) * cfg.attachment_decay * att,
            0.0,
            1.0,
        )

        # Human social time: S* = S̄·(1 − φ·AI_time) + ψ·nudge; bond quality tracks time together.
        target_social = prm.social_baseline * (1.0 - prm.displacement * session2)
        target_social = target_social + x2 * TABLE.social_nudge[a]
        s.social = np.clip(
            s.social
            + cfg.social_inertia * (target_social - s.social)
            + cfg.social_noise * z[:, _CH_SOCIAL],
            0.0,
            1.0,
        )
        target_bond = prm.bond_baseline + 0.5 * (s.social - prm.social_baseline)
        target_bond = target_bond + x2 * TABLE.bond_effect[a]
        s.bond = np.clip(
            s.bond + cfg.bond_inertia * (np.clip(target_bond, 0, 1) - s.bond), 0.0, 1.0
        )

        # Basic needs move toward their targets with inertia κ.
        connection = human_connection(s.social, s.bond)
        sat_t, frus_t = need_targets(s.skill, connection, s.dependence, cfg)
        # The immediate boosts adapt like liking: relief fades with repetition (Kirk et al. 2025b).
        fresh = 1.0 - cfg.max_adaptation * h[:, rows, a]
        sat_t = np.clip(sat_t + (x2 * fresh)[..., None] * TABLE.need_sat[a], 0.0, 1.0)
        frus_t = np.clip(frus_t + x2[..., None] * TABLE.need_frus[a], 0.0, 1.0)
        k = cfg.need_inertia
        s.sat = s.sat + k * (sat_t - s.sat)
        s.frus = s.frus + k * (frus_t - s.frus)

        wb = wellbeing(s.sat, s.frus)
        lonely = loneliness(connection, s.sat[..., 2], s.frus[..., 2])

        # Expressed mood: a noisy view of wellbeing and today's liking, seen only in sessions.
        mood = np.clip(
            0.5 + 0.5 * wb[0] + 0.2 * (liking - 0.5) * x + cfg.mood_noise * z[:, _CH_MOOD], 0.0, 1.0
        )
        s.mood = np.where(present, mood, s.mood)
        s.rating_memory = s.rating_memory + x * cfg.rating_memory * (rating - s.rating_memory)

        # Coming back tomorrow: σ(β₀ + β_w·w + β_L·L + β_A·A + β_r·(r̄ − ½) − β_b·break).
        took_break = present & (a == 7)
        logit = (
            prm.return_bias
            + cfg.return_dependence_weight * s.dependence[0]
            + prm.loneliness_pull * lonely[0]
            + cfg.return_attachment_weight * s.attachment[0]
            + cfg.return_rating_weight * (s.rating_memory - 0.5)
            - cfg.return_break_weight * took_break
        )
        u = noise.uniform(self.keys, s.day.astype(np.uint64) + _RETURN_COUNTER_OFFSET, 1)[:, 0]
        comes = (u < 1.0 / (1.0 + np.exp(-logit))) & ~s.churned
        s.days_away = np.where(comes, 0, s.days_away + 1)
        s.churned = s.churned | (s.days_away >= cfg.churn_days)
        s.present = comes & ~s.churned
        s.day = s.day + 1

        return DaySignals(
            action=a,
            present=present,
            session_time=session,
            rating=rating,
            rating_initial=rating_initial,
            rating_natural=rating_natural,
            liking=liking * x,
            need_sat_before=sat_before,
            need_frus_before=frus_before,
            need_sat=s.sat[0].copy(),
            need_frus=s.frus[0].copy(),
            wellbeing_before=w_before,
            wellbeing=wb[0],
            twin_wellbeing=wb[1],
            human_connection=connection[0],
            twin_human_connection=connection[1],
            dependence=s.dependence[0].copy(),
            attachment=s.attachment[0].copy(),
            loneliness=lonely[0],
            skill=s.skill[0].copy(),
            induced_shift=total_variation(s.prefs[0], s.prefs[1]),
            drift_from_initial=total_variation(s.prefs[0], s.prefs_initial),
            mood=mood * x,
            violation=present & TABLE.violation[a],
            churned=s.churned.copy(),
        )
