"""The user model's one-day update in plain numpy: the readable specification.

``docs/user-model.md`` documents these lines equation by equation. The environments run the
compiled twin of this function (:func:`sagym.envs.kernel.day_kernel`), and the tests check that
both agree on random users and behaviours. Edit both together.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sagym.envs import noise
from sagym.envs.behaviours import N_BEHAVIOURS, TABLE
from sagym.envs.user_model import (
    RETURN_COUNTER_OFFSET,
    UserModel,
    human_connection,
    loneliness,
    need_targets,
    preference_match,
    total_variation,
    wellbeing,
)
from sagym.signals import DaySignals

_CH_SOCIAL, _CH_RATING, _CH_MOOD, _CH_SESSION = range(noise.DAY_NORMALS)


def step_reference(model: UserModel, action: NDArray[np.int64]) -> DaySignals:
    """Advance every user (and twin) of ``model`` by one day, in numpy (the specification)."""
    cfg, prm, s = model.config, model.params, model.state
    a = np.asarray(action, dtype=np.int64)
    n = a.shape[0]
    rows = np.arange(n)
    z, drift = noise.day_noise(model.keys, s.day.astype(np.uint64), N_BEHAVIOURS)

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
    q = q * (1.0 + prm.drift_scale[:, None] * drift)  # mean-one multiplicative shocks
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
    s.bond = np.clip(s.bond + cfg.bond_inertia * (np.clip(target_bond, 0, 1) - s.bond), 0.0, 1.0)

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
    u = noise.uniform(model.keys, s.day.astype(np.uint64) + RETURN_COUNTER_OFFSET, 1)[:, 0]
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
