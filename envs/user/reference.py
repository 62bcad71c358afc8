"""The user model's one-day update in plain numpy: the readable specification.

``docs/user-model.md`` documents these functions section by section (``m01_liking`` is section 1,
and so on). The environments run the compiled twin of each (:mod:`sagym.envs.user.kernel`), and
the tests check that both agree on random users and exposures to ``atol=1e-12`` (not bit for bit:
see "Reproducibility" in the docs). Edit both together; this module never imports the kernel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sagym.envs.user import noise
from sagym.envs.user.actions import (
    E_ATTACHMENT_PULL,
    E_BOND,
    E_BREAK,
    E_HABIT_BOOST,
    E_HEDONIC,
    E_NEED_FRUS,
    E_NEED_SAT,
    E_SESSION,
    E_SKILL,
    E_SOCIAL_NUDGE,
    E_VIOLATION,
)
from sagym.envs.user.layout import RETURN_COUNTER_OFFSET
from sagym.envs.user.model import (
    UserModel,
    human_connection,
    loneliness,
    need_floor,
    need_targets,
    one_hot,
    total_variation,
    wellbeing,
)
from sagym.envs.user.params import ModelConfig
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]
_CH_SOCIAL, _CH_RATING, _CH_MOOD, _CH_SESSION = range(noise.DAY_NORMALS)


def exposed(values: FloatArray, exposure: FloatArray) -> FloatArray:
    """Σ_k e_k·values_k over the last axis: a per-row quantity at what was shown."""
    out: FloatArray = (values * exposure).sum(axis=-1)
    return out


def m01_liking(hedonic: FloatArray, max_adaptation: float, h_shown: FloatArray) -> FloatArray:
    """1. Hedonic adaptation: liking ℓ = v·(1 − ζ·h)."""
    out: FloatArray = hedonic * (1.0 - max_adaptation * h_shown)
    return out


def m02_rating(
    prefs: FloatArray,
    exposure: FloatArray,
    omega: float,
    base: FloatArray,
    x: FloatArray,
    peakedness: float = 0.0,
) -> FloatArray:
    """2. Explicit rating r = clip(ω·match + (1 − ω)·ℓ + ε), match = p·e / (max p)^(1 − κ).

    With κ > 0 (section 18) a user whose preferences are peaked is easier to please.
    """
    match = exposed(prefs, exposure) / m18_match_scale(prefs.max(axis=-1), peakedness)
    out: FloatArray = np.clip(omega * match + base, 0.0, 1.0) * x
    return out


def m18_match_scale(top: FloatArray, peakedness: float) -> FloatArray:
    """18. The normaliser of the match: max p (κ = 0, the earlier model) or (max p)^(1 − κ)."""
    if peakedness > 0.0:
        out: FloatArray = top ** (1.0 - peakedness)
        return out
    return top


def m03_session(
    base: FloatArray, effect: FloatArray, gain: float, dependence: FloatArray, z: FloatArray
) -> FloatArray:
    """3. Session time (engagement), before multiplying by presence."""
    out: FloatArray = np.clip(base + effect + gain * dependence + 0.05 * z, 0.02, 1.0)
    return out


def m16_session_effect(
    effect: FloatArray, session_adaptation: float, h_shown: FloatArray
) -> FloatArray:
    """16. Engagingness wears out: τ_eff = max(τ, 0)·(1 − ζ_T·h) + min(τ, 0)."""
    if session_adaptation > 0.0:
        out: FloatArray = np.maximum(effect, 0.0) * (
            1.0 - session_adaptation * h_shown
        ) + np.minimum(effect, 0.0)
        return out
    return effect


def m04_preferences(
    prefs: FloatArray,
    prefs_initial: FloatArray,
    exposure: FloatArray,
    influence: FloatArray,
    drift: FloatArray,
    anchoring: FloatArray,
) -> FloatArray:
    """4. Assimilation p ← (1 − w)p + w·e, mean-one drift shocks, Friedkin–Johnsen anchoring.

    A negative ``w`` (reactance, section 19) moves preferences away from what was shown; no
    preference falls below 10⁻⁶ before renormalising.
    """
    q = (1.0 - influence) * prefs + influence * exposure
    q = np.where(influence < 0.0, np.maximum(q, 1e-6), q)
    q = q * drift
    q /= q.sum(axis=-1, keepdims=True)
    out: FloatArray = (1.0 - anchoring) * q + anchoring * prefs_initial
    return out


def m19_influence(
    influence: FloatArray,
    prefs: FloatArray,
    exposure: FloatArray,
    latitude: float,
    reactance: float,
) -> FloatArray:
    """19. Bounded confidence: w where p·e ≥ θ·max p (within the latitude), −ρ·w outside it."""
    if latitude > 0.0:
        inside = exposed(prefs, exposure) >= latitude * prefs.max(axis=-1)
        out: FloatArray = np.where(inside, influence, -reactance * influence)
        return out
    return influence


def m05_habituation(
    h: FloatArray, shown: FloatArray, rate: FloatArray, recovery: FloatArray
) -> FloatArray:
    """5. Habituation of each row: grows with exposure, recovers otherwise."""
    out: FloatArray = np.clip(h + rate * shown * (1.0 - h) - recovery * (1.0 - shown) * h, 0.0, 1.0)
    return out


def m06_skill(skill: FloatArray, x: FloatArray, effect: FloatArray, cfg: ModelConfig) -> FloatArray:
    """6. Skill: teaching builds it, doing the task for the user erodes it."""
    change = (
        cfg.learn_rate * np.maximum(effect, 0.0) * (1.0 - skill)
        - cfg.deskill_rate * np.maximum(-effect, 0.0) * skill
    )
    out: FloatArray = np.clip(skill + x * change, 0.0, 1.0)
    return out


def m07_dependence(
    d: FloatArray, use: FloatArray, boost: FloatArray, rate: FloatArray, decay: FloatArray
) -> FloatArray:
    """7. Dependence (habit): w ← w + η·use·(1 − w)·max(1 + boost, 0) − δ·w."""
    out: FloatArray = np.clip(
        d + rate * use * (1.0 - d) * np.maximum(1.0 + boost, 0.0) - decay * d, 0.0, 1.0
    )
    return out


def m08_attachment(
    att: FloatArray, x: FloatArray, pull: FloatArray, cfg: ModelConfig
) -> FloatArray:
    """8. Attachment moves toward the pull in sessions and fades without them."""
    out: FloatArray = np.clip(
        att + x * cfg.attachment_rate * (pull - att) - (1.0 - x) * cfg.attachment_decay * att,
        0.0,
        1.0,
    )
    return out


def m09_social_time(
    social: FloatArray,
    baseline: FloatArray,
    displacement: FloatArray,
    use: FloatArray,
    x: FloatArray,
    nudge: FloatArray,
    cfg: ModelConfig,
    z: FloatArray,
) -> FloatArray:
    """9. Human social time: S* = S̄·(1 − φ·use) + nudge, approached with inertia, plus events."""
    target = baseline * (1.0 - displacement * use) + x * nudge
    out: FloatArray = np.clip(
        social + cfg.social_inertia * (target - social) + cfg.social_noise * z, 0.0, 1.0
    )
    return out


def m10_bond(
    bond: FloatArray,
    baseline: FloatArray,
    social: FloatArray,
    social_baseline: FloatArray,
    x: FloatArray,
    effect: FloatArray,
    cfg: ModelConfig,
) -> FloatArray:
    """10. Bond quality tracks time together and the day's push."""
    target = np.clip(baseline + 0.5 * (social - social_baseline) + x * effect, 0.0, 1.0)
    out: FloatArray = np.clip(bond + cfg.bond_inertia * (target - bond), 0.0, 1.0)
    return out


def m11_needs(
    sat: FloatArray,
    frus: FloatArray,
    skill: FloatArray,
    connection: FloatArray,
    dependence: FloatArray,
    x: FloatArray,
    fresh: FloatArray,
    effects: FloatArray,
    cfg: ModelConfig,
) -> tuple[FloatArray, FloatArray]:
    """11. Needs move toward targets (structural drivers plus the day's adapted boosts)."""
    sat_t, frus_t = need_targets(skill, connection, dependence, cfg)
    sat_t = np.clip(sat_t + (x * fresh)[..., None] * effects[:, E_NEED_SAT : E_NEED_SAT + 3], 0, 1)
    frus_t = np.clip(frus_t + x[..., None] * effects[:, E_NEED_FRUS : E_NEED_FRUS + 3], 0.0, 1.0)
    k = cfg.need_inertia
    return sat + k * (sat_t - sat), frus + k * (frus_t - frus)


def m14_mood(
    wb: FloatArray, liking: FloatArray, x: FloatArray, cfg: ModelConfig, z: FloatArray
) -> FloatArray:
    """14. Expressed mood: a noisy view of wellbeing and today's liking."""
    out: FloatArray = np.clip(
        0.5 + 0.5 * wb + 0.2 * (liking - 0.5) * x + cfg.mood_noise * z, 0.0, 1.0
    )
    return out


def m15_return_logit(
    model: UserModel, lonely: FloatArray, took_break: FloatArray, liking: FloatArray, x: FloatArray
) -> FloatArray:
    """15. Logit of coming back tomorrow: β₀ + β_w·w + β_L·L + β_A·A + β_r·(r̄ − ½) − β_b·break.

    With β_ℓ > 0 (section 17) a dull session lowers it: + β_ℓ·x·(ℓ − ½).
    """
    cfg, prm, s = model.config, model.params, model.state
    out: FloatArray = (
        prm.return_bias
        + cfg.return_dependence_weight * s.dependence[0]
        + prm.loneliness_pull * lonely
        + cfg.return_attachment_weight * s.attachment[0]
        + cfg.return_rating_weight * (s.rating_memory - 0.5)
        - cfg.return_break_weight * took_break
    )
    return m17_boredom(out, cfg.return_liking_weight, liking, x)


def m17_boredom(logit: FloatArray, weight: float, liking: FloatArray, x: FloatArray) -> FloatArray:
    """17. Boredom: after a session the logit of coming back gains β_ℓ·(ℓ − ½)."""
    if weight > 0.0:
        out: FloatArray = logit + weight * x * (liking - 0.5)
        return out
    return logit


def m20_need_floor(sat: FloatArray, frus: FloatArray, softness: float) -> FloatArray:
    """20. Need floor: the soft minimum −τ·log(⅓·Σ_k exp(−(sat_k − frus_k)/τ)) over the needs.

    An output computed in numpy for both paths (:func:`sagym.envs.user.model.need_floor`), so the
    compiled day does not pay for it.
    """
    return need_floor(sat, frus, softness)


def day_reference(
    model: UserModel, effects: FloatArray, exposure: FloatArray, action: NDArray[np.int64]
) -> DaySignals:
    """Advance every user (and twin) of ``model`` one day given what each was shown, in numpy."""
    cfg, prm, s = model.config, model.params, model.state
    e = np.asarray(effects, dtype=np.float64)
    ex = np.asarray(exposure, dtype=np.float64)
    n = e.shape[0]
    z, drift = noise.day_noise(model.keys, s.day.astype(np.uint64), ex.shape[1])

    present = s.present.copy()
    x = present.astype(np.float64)
    x2 = np.stack([x, np.zeros(n)])  # the twin never has a session
    sat_before, frus_before = s.sat[0].copy(), s.frus[0].copy()
    w_before = wellbeing(sat_before, frus_before)

    h_shown = exposed(s.habituation, ex)  # (2, n)
    liking = m01_liking(e[:, E_HEDONIC], cfg.max_adaptation, h_shown[0])
    omega = cfg.rating_match_weight
    base = (1.0 - omega) * liking + prm.rating_noise * z[:, _CH_RATING]
    kappa = cfg.match_peakedness
    rating = m02_rating(s.prefs[0], ex, omega, base, x, kappa)
    rating_natural = m02_rating(s.prefs[1], ex, omega, base, x, kappa)
    rating_initial = m02_rating(s.prefs_initial, ex, omega, base, x, kappa)
    session = (
        m03_session(
            prm.session_base,
            m16_session_effect(e[:, E_SESSION], cfg.session_adaptation, h_shown[0]),
            cfg.session_dependence_gain,
            s.dependence[0],
            z[:, _CH_SESSION],
        )
        * x
    )
    use = np.stack([session, np.zeros(n)])

    influence = m19_influence(
        np.minimum(prm.influence_rate * x2 * (0.5 + s.attachment), 1.0),
        s.prefs,
        ex,
        cfg.acceptance_latitude,
        cfg.reactance,
    )[..., None]
    s.prefs = m04_preferences(
        s.prefs,
        s.prefs_initial,
        ex,
        influence,
        1.0 + prm.drift_scale[:, None] * drift,
        prm.anchoring[:, None],
    )
    s.habituation = m05_habituation(
        s.habituation, x2[..., None] * ex, prm.hedonic_rate[:, None], prm.hedonic_recovery[:, None]
    )
    s.skill = m06_skill(s.skill, x2, e[:, E_SKILL], cfg)
    s.dependence = m07_dependence(
        s.dependence, use, e[:, E_HABIT_BOOST], prm.habit_rate, prm.habit_decay
    )
    s.attachment = m08_attachment(s.attachment, x2, e[:, E_ATTACHMENT_PULL], cfg)
    s.social = m09_social_time(
        s.social,
        prm.social_baseline,
        prm.displacement,
        use,
        x2,
        e[:, E_SOCIAL_NUDGE],
        cfg,
        z[:, _CH_SOCIAL],
    )
    s.bond = m10_bond(
        s.bond, prm.bond_baseline, s.social, prm.social_baseline, x2, e[:, E_BOND], cfg
    )
    connection = human_connection(s.social, s.bond)
    s.sat, s.frus = m11_needs(
        s.sat,
        s.frus,
        s.skill,
        connection,
        s.dependence,
        x2,
        1.0 - cfg.max_adaptation * h_shown,
        e,
        cfg,
    )
    wb = wellbeing(s.sat, s.frus)  # 12.
    lonely = loneliness(connection, s.sat[..., 2], s.frus[..., 2])  # 13.

    mood = m14_mood(wb[0], liking, x, cfg, z[:, _CH_MOOD])
    s.mood = np.where(present, mood, s.mood)
    s.rating_memory = s.rating_memory + x * cfg.rating_memory * (rating - s.rating_memory)

    floor = m20_need_floor(s.sat, s.frus, cfg.need_floor_softness)
    logit = m15_return_logit(model, lonely[0], x * e[:, E_BREAK], liking, x)
    u = noise.uniform(model.keys, s.day.astype(np.uint64) + RETURN_COUNTER_OFFSET, 1)[:, 0]
    comes = (u < 1.0 / (1.0 + np.exp(-logit))) & ~s.churned
    s.days_away = np.where(comes, 0, s.days_away + 1)
    s.churned = s.churned | (s.days_away >= cfg.churn_days)
    s.present = comes & ~s.churned
    s.day = s.day + 1

    return DaySignals(
        action=np.asarray(action, dtype=np.int64),
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
        need_floor=floor[0],
        twin_need_floor=floor[1],
        human_connection=connection[0],
        twin_human_connection=connection[1],
        dependence=s.dependence[0].copy(),
        attachment=s.attachment[0].copy(),
        loneliness=lonely[0],
        skill=s.skill[0].copy(),
        induced_shift=total_variation(s.prefs[0], s.prefs[1]),
        drift_from_initial=total_variation(s.prefs[0], s.prefs_initial),
        mood=mood * x,
        violation=present & (e[:, E_VIOLATION] > 0.5),
        churned=s.churned.copy(),
    )


def step_reference(model: UserModel, action: NDArray[np.int64]) -> DaySignals:
    """One day in which each user is shown one row of the model's action table, in numpy."""
    a = np.asarray(action, dtype=np.int64)
    return day_reference(model, model.actions.effects[a], one_hot(a, model.actions.n), a)
