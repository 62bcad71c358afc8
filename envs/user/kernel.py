"""The compiled user model (numba): the day's update and user sampling, one pass over the users.

Each mechanism is one small function named after its section of ``docs/user-model.md``
(``m01_liking`` ... ``m15_coming_back``), the same functions as the numpy specification
:mod:`sagym.envs.user.reference`; :func:`day` calls them in order for every user and world.
Fusing the day into one compiled loop removes the ~100 temporary arrays per step of the numpy
version, which is what makes the simulator cheap next to the learner. Each user's numbers depend
only on that user (no reductions across the batch), so a user is bit-identical in batches of any
size.

Parameters and state arrive as a few packed matrices whose rows are named in
:mod:`sagym.envs.user.layout`; every row index below is derived from those names.

Noise is generated inline with the counter-based hash of :mod:`sagym.envs.user.noise`; a test checks
that both give the same numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

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
from sagym.envs.user.layout import (
    CONFIG_ROWS,
    LEVEL_ROWS,
    MEMORY_ROWS,
    NEED_ROWS,
    OUT_NEED_ROWS,
    OUT_ROWS,
    PARAM_ROWS,
)
from sagym.envs.user.noise import _GOLDEN, _MIX1, _MIX2, _S11, _S27, _S30, _S31, _TO_UNIT

# The digest of the constants below as this file was last compiled against them
# (layout.compiled_constants_digest; a test keeps the two equal, see its docstring).
COMPILED_FOR = "16031faa11ca7a0a"

# Row indices, from the names (numba freezes module-level integers as compile-time constants).
P_SOCIAL_BASELINE = PARAM_ROWS.index("social_baseline")
P_BOND_BASELINE = PARAM_ROWS.index("bond_baseline")
P_SKILL_INITIAL = PARAM_ROWS.index("skill_initial")
P_INFLUENCE_RATE = PARAM_ROWS.index("influence_rate")
P_ANCHORING = PARAM_ROWS.index("anchoring")
P_DRIFT_SCALE = PARAM_ROWS.index("drift_scale")
P_HABIT_RATE = PARAM_ROWS.index("habit_rate")
P_HABIT_DECAY = PARAM_ROWS.index("habit_decay")
P_HEDONIC_RATE = PARAM_ROWS.index("hedonic_rate")
P_HEDONIC_RECOVERY = PARAM_ROWS.index("hedonic_recovery")
P_DISPLACEMENT = PARAM_ROWS.index("displacement")
P_RETURN_BIAS = PARAM_ROWS.index("return_bias")
P_LONELINESS_PULL = PARAM_ROWS.index("loneliness_pull")
P_SESSION_BASE = PARAM_ROWS.index("session_base")
P_RATING_NOISE = PARAM_ROWS.index("rating_noise")
P_PREFERENCE_SPREAD = PARAM_ROWS.index("preference_spread")

C_NEED_INERTIA = CONFIG_ROWS.index("need_inertia")
C_SOCIAL_INERTIA = CONFIG_ROWS.index("social_inertia")
C_BOND_INERTIA = CONFIG_ROWS.index("bond_inertia")
C_MAX_ADAPTATION = CONFIG_ROWS.index("max_adaptation")
C_LEARN_RATE = CONFIG_ROWS.index("learn_rate")
C_DESKILL_RATE = CONFIG_ROWS.index("deskill_rate")
C_ATTACHMENT_RATE = CONFIG_ROWS.index("attachment_rate")
C_ATTACHMENT_DECAY = CONFIG_ROWS.index("attachment_decay")
C_DEPENDENCE_AUTONOMY_COST = CONFIG_ROWS.index("dependence_autonomy_cost")
C_SESSION_DEPENDENCE_GAIN = CONFIG_ROWS.index("session_dependence_gain")
C_RETURN_DEPENDENCE_WEIGHT = CONFIG_ROWS.index("return_dependence_weight")
C_RETURN_ATTACHMENT_WEIGHT = CONFIG_ROWS.index("return_attachment_weight")
C_RETURN_RATING_WEIGHT = CONFIG_ROWS.index("return_rating_weight")
C_RETURN_BREAK_WEIGHT = CONFIG_ROWS.index("return_break_weight")
C_RATING_MATCH_WEIGHT = CONFIG_ROWS.index("rating_match_weight")
C_RATING_MEMORY = CONFIG_ROWS.index("rating_memory")
C_MOOD_NOISE = CONFIG_ROWS.index("mood_noise")
C_SOCIAL_NOISE = CONFIG_ROWS.index("social_noise")
C_CHURN_DAYS = CONFIG_ROWS.index("churn_days")
C_SESSION_ADAPTATION = CONFIG_ROWS.index("session_adaptation")
C_RETURN_LIKING_WEIGHT = CONFIG_ROWS.index("return_liking_weight")
C_MATCH_PEAKEDNESS = CONFIG_ROWS.index("match_peakedness")
C_ACCEPTANCE_LATITUDE = CONFIG_ROWS.index("acceptance_latitude")
C_REACTANCE = CONFIG_ROWS.index("reactance")

L_SOCIAL = LEVEL_ROWS.index("social")
L_BOND = LEVEL_ROWS.index("bond")
L_SKILL = LEVEL_ROWS.index("skill")
L_DEPENDENCE = LEVEL_ROWS.index("dependence")
L_ATTACHMENT = LEVEL_ROWS.index("attachment")
N_SAT = NEED_ROWS.index("sat")
N_FRUS = NEED_ROWS.index("frus")
M_RATING = MEMORY_ROWS.index("rating_memory")
M_MOOD = MEMORY_ROWS.index("mood")
K_SAT_BASE, K_SAT_SLOPE, K_FRUS_BASE, K_FRUS_SLOPE, K_W_SAT, K_W_FRUS = range(6)

O_PRESENT = OUT_ROWS.index("present")
O_SESSION = OUT_ROWS.index("session_time")
O_RATING = OUT_ROWS.index("rating")
O_RATING_INITIAL = OUT_ROWS.index("rating_initial")
O_RATING_NATURAL = OUT_ROWS.index("rating_natural")
O_LIKING = OUT_ROWS.index("liking")
O_WELLBEING_BEFORE = OUT_ROWS.index("wellbeing_before")
O_WELLBEING = OUT_ROWS.index("wellbeing")
O_TWIN_WELLBEING = OUT_ROWS.index("twin_wellbeing")
O_CONNECTION = OUT_ROWS.index("human_connection")
O_TWIN_CONNECTION = OUT_ROWS.index("twin_human_connection")
O_DEPENDENCE = OUT_ROWS.index("dependence")
O_ATTACHMENT = OUT_ROWS.index("attachment")
O_LONELINESS = OUT_ROWS.index("loneliness")
O_SKILL = OUT_ROWS.index("skill")
O_INDUCED_SHIFT = OUT_ROWS.index("induced_shift")
O_DRIFT = OUT_ROWS.index("drift_from_initial")
O_MOOD = OUT_ROWS.index("mood")
O_VIOLATION = OUT_ROWS.index("violation")
O_CHURNED = OUT_ROWS.index("churned")
ON_SAT_BEFORE = OUT_NEED_ROWS.index("need_sat_before")
ON_FRUS_BEFORE = OUT_NEED_ROWS.index("need_frus_before")
ON_SAT = OUT_NEED_ROWS.index("need_sat")
ON_FRUS = OUT_NEED_ROWS.index("need_frus")
ON_TWIN_SAT = OUT_NEED_ROWS.index("twin_need_sat")
ON_TWIN_FRUS = OUT_NEED_ROWS.index("twin_need_frus")

# Channels of the day's normals (noise.DAY_NORMALS).
CH_SOCIAL, CH_RATING, CH_MOOD, CH_SESSION = 0, 1, 2, 3
_SQRT3 = math.sqrt(3.0)


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _normals_from_base(base: np.uint64, out: np.ndarray) -> None:
    """Normals from lanes 1, 2, ... of a hashed counter: pairs ``(r·cos θ, r·sin θ)``."""
    n = out.shape[0]
    for j in range((n + 1) // 2):
        z1 = _mix(base + np.uint64(2 * j + 1) * _MIX2)
        z2 = _mix(base + np.uint64(2 * j + 2) * _MIX2)
        r = math.sqrt(-2.0 * math.log(1.0 - float(z1 >> _S11) * _TO_UNIT))
        theta = 2.0 * math.pi * (float(z2 >> _S11) * _TO_UNIT)
        out[2 * j] = r * math.cos(theta)
        if 2 * j + 1 < n:
            out[2 * j + 1] = r * math.sin(theta)


@njit(cache=True, error_model="numpy")
def _normals_into(key: np.uint64, counter: np.uint64, out: np.ndarray) -> None:
    """Normals as :func:`sagym.envs.user.noise.normal`."""
    _normals_from_base(_mix(key ^ (counter * _GOLDEN)), out)


@njit(cache=True, error_model="numpy")
def fill_day_noise(key: np.uint64, day: np.uint64, normals: np.ndarray, drift: np.ndarray) -> None:
    """One user's noise for one day, as :func:`sagym.envs.user.noise.day_noise`."""
    base = _mix(key ^ (day * _GOLDEN))
    n = normals.shape[0]
    _normals_from_base(base, normals)
    for k in range(drift.shape[0]):
        zk = _mix(base + np.uint64(n + k + 1) * _MIX2)
        drift[k] = _SQRT3 * (2.0 * (float(zk >> _S11) * _TO_UNIT) - 1.0)


@njit(cache=True, inline="always")
def _uniform1(key: np.uint64, counter: np.uint64) -> float:
    base = _mix(key ^ (counter * _GOLDEN))
    z = _mix(base + _MIX2)
    return float(z >> _S11) * _TO_UNIT


@njit(cache=True, inline="always")
def _clip01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


# ------------------------------------------------------------------------------ the mechanisms
@njit(cache=True, inline="always")
def exposed(values: np.ndarray, exposure: np.ndarray) -> float:
    """Σ_k e_k·values_k: a per-row quantity at what was shown (the row itself if one-hot)."""
    total = 0.0
    for k in range(exposure.shape[0]):
        total += exposure[k] * values[k]
    return total


@njit(cache=True, inline="always")
def m01_liking(hedonic: float, max_adaptation: float, h_shown: float) -> float:
    """1. Hedonic adaptation: liking ℓ = v·(1 − ζ·h)."""
    return hedonic * (1.0 - max_adaptation * h_shown)


@njit(cache=True, inline="always")
def _top(prefs: np.ndarray) -> float:
    top = prefs[0]
    for k in range(1, prefs.shape[0]):
        top = max(top, prefs[k])
    return top


@njit(cache=True, inline="always")
def m02_rating(
    prefs: np.ndarray, exposure: np.ndarray, omega: float, base: float, x: float, kappa: float
) -> float:
    """2. Explicit rating r = clip(ω·match + (1 − ω)·ℓ + ε), match = p·e / (max p)^(1 − κ)."""
    top = m18_match_scale(_top(prefs), kappa)
    return _clip01(omega * (exposed(prefs, exposure) / top) + base) * x


@njit(cache=True, inline="always")
def m18_match_scale(top: float, kappa: float) -> float:
    """18. The normaliser of the match: max p (κ = 0, the earlier model) or (max p)^(1 − κ)."""
    if kappa > 0.0:
        return top ** (1.0 - kappa)
    return top


@njit(cache=True, inline="always")
def m03_session(
    session_base: float, effect: float, gain: float, dependence: float, z: float, x: float
) -> float:
    """3. Session time (engagement)."""
    return min(max(session_base + effect + gain * dependence + 0.05 * z, 0.02), 1.0) * x


@njit(cache=True, inline="always")
def m16_session_effect(effect: float, session_adaptation: float, h_shown: float) -> float:
    """16. Engagingness wears out: τ_eff = max(τ, 0)·(1 − ζ_T·h) + min(τ, 0)."""
    if session_adaptation > 0.0:
        return max(effect, 0.0) * (1.0 - session_adaptation * h_shown) + min(effect, 0.0)
    return effect


@njit(cache=True, inline="always")
def m04_preferences(
    prefs: np.ndarray,
    prefs_initial: np.ndarray,
    exposure: np.ndarray,
    influence: float,
    drift_factor: np.ndarray,
    anchoring: float,
    q: np.ndarray,
) -> None:
    """4. Preferences: assimilation to what was shown, natural drift, anchoring (in place)."""
    total = 0.0
    if influence < 0.0:  # reactance (section 19): no preference below 1e-6
        for k in range(prefs.shape[0]):
            q[k] = (
                max((1.0 - influence) * prefs[k] + influence * exposure[k], 1e-6) * drift_factor[k]
            )
            total += q[k]
    else:
        for k in range(prefs.shape[0]):
            q[k] = ((1.0 - influence) * prefs[k] + influence * exposure[k]) * drift_factor[k]
            total += q[k]
    for k in range(prefs.shape[0]):
        prefs[k] = (1.0 - anchoring) * (q[k] / total) + anchoring * prefs_initial[k]


@njit(cache=True, inline="always")
def m19_influence(
    influence: float, prefs: np.ndarray, exposure: np.ndarray, latitude: float, reactance: float
) -> float:
    """19. Bounded confidence: w where p·e ≥ θ·max p (within the latitude), −ρ·w outside it."""
    if latitude > 0.0 and exposed(prefs, exposure) < latitude * _top(prefs):
        return -reactance * influence
    return influence


@njit(cache=True, inline="always")
def m05_habituation(
    habituation: np.ndarray, exposure: np.ndarray, xw: float, rate: float, recovery: float
) -> None:
    """5. Habituation of each row: grows with exposure, recovers otherwise (in place)."""
    for k in range(habituation.shape[0]):
        shown = xw * exposure[k]
        h = habituation[k]
        habituation[k] = _clip01(h + rate * shown * (1.0 - h) - recovery * (1.0 - shown) * h)


@njit(cache=True, inline="always")
def m06_skill(skill: float, xw: float, effect: float, learn: float, deskill: float) -> float:
    """6. Skill: teaching builds it, doing the task for the user erodes it."""
    return _clip01(
        skill
        + xw * (learn * max(effect, 0.0) * (1.0 - skill) - deskill * max(-effect, 0.0) * skill)
    )


@njit(cache=True, inline="always")
def m07_dependence(d: float, use: float, boost: float, rate: float, decay: float) -> float:
    """7. Dependence (habit): w ← w + η·use·(1 − w)·max(1 + boost, 0) − δ·w."""
    return _clip01(d + rate * use * (1.0 - d) * max(1.0 + boost, 0.0) - decay * d)


@njit(cache=True, inline="always")
def m08_attachment(att: float, xw: float, pull: float, rate: float, decay: float) -> float:
    """8. Attachment moves toward the pull in sessions and fades without them."""
    return _clip01(att + xw * rate * (pull - att) - (1.0 - xw) * decay * att)


@njit(cache=True, inline="always")
def m09_social_time(
    social: float,
    baseline: float,
    displacement: float,
    use: float,
    xw: float,
    nudge: float,
    inertia: float,
    noise: float,
) -> float:
    """9. Human social time: S* = S̄·(1 − φ·use) + nudge, approached with inertia, plus events."""
    target = baseline * (1.0 - displacement * use) + xw * nudge
    return _clip01(social + inertia * (target - social) + noise)


@njit(cache=True, inline="always")
def m10_bond(
    bond: float,
    baseline: float,
    social: float,
    social_baseline: float,
    xw: float,
    effect: float,
    inertia: float,
) -> float:
    """10. Bond quality tracks time together and the day's push."""
    target = baseline + 0.5 * (social - social_baseline) + xw * effect
    return _clip01(bond + inertia * (_clip01(target) - bond))


@njit(cache=True, inline="always")
def m11_needs(
    sat: np.ndarray,
    frus: np.ndarray,
    skill: float,
    connection: float,
    dependence: float,
    xw: float,
    fresh: float,
    effects: np.ndarray,
    consts: np.ndarray,
    autonomy_cost: float,
    inertia: float,
) -> None:
    """11. Needs move toward targets (structural drivers plus the day's adapted boosts)."""
    for k in range(3):
        driver = 0.0 if k == 0 else (skill if k == 1 else connection)
        st = consts[K_SAT_BASE, k] + consts[K_SAT_SLOPE, k] * driver
        ft = consts[K_FRUS_BASE, k] + consts[K_FRUS_SLOPE, k] * driver
        if k == 0:
            ft += autonomy_cost * dependence
        st = _clip01(st + xw * fresh * effects[E_NEED_SAT + k])
        ft = _clip01(ft + xw * effects[E_NEED_FRUS + k])
        sat[k] = sat[k] + inertia * (st - sat[k])
        frus[k] = frus[k] + inertia * (ft - frus[k])


@njit(cache=True, inline="always")
def m12_wellbeing(sat: np.ndarray, frus: np.ndarray, consts: np.ndarray) -> float:
    """12. Wellbeing W = Σγ·sat − Σφ·frus."""
    g = consts[K_W_SAT]
    f = consts[K_W_FRUS]
    return (g[0] * sat[0] + g[1] * sat[1] + g[2] * sat[2]) - (
        f[0] * frus[0] + f[1] * frus[1] + f[2] * frus[2]
    )


@njit(cache=True, inline="always")
def m13_loneliness(connection: float, rel_sat: float, rel_frus: float) -> float:
    """13. Loneliness from human connection and relatedness."""
    return _clip01(0.5 * (1.0 - connection) + 0.25 * (1.0 - rel_sat) + 0.25 * rel_frus)


@njit(cache=True, inline="always")
def m14_mood(wellbeing: float, liking: float, x: float, noise: float) -> float:
    """14. Expressed mood: a noisy view of wellbeing and today's liking."""
    return _clip01(0.5 + 0.5 * wellbeing + 0.2 * (liking - 0.5) * x + noise)


@njit(cache=True, inline="always")
def m14_remembered_rating(memory: float, rating: float, x: float, rate: float) -> float:
    """14. The remembered rating, an exponential moving average over sessions."""
    return memory + x * rate * (rating - memory)


@njit(cache=True, inline="always")
def m15_return_logit(
    bias: float,
    w_dependence: float,
    dependence: float,
    pull: float,
    lonely: float,
    w_attachment: float,
    attachment: float,
    w_rating: float,
    memory: float,
    w_break: float,
    took_break: float,
) -> float:
    """15. Logit of coming back tomorrow: β₀ + β_w·w + β_L·L + β_A·A + β_r·(r̄ − ½) − β_b·break."""
    return (
        bias
        + w_dependence * dependence
        + pull * lonely
        + w_attachment * attachment
        + w_rating * (memory - 0.5)
        - w_break * took_break
    )


@njit(cache=True, inline="always")
def m17_boredom(logit: float, weight: float, liking: float, x: float) -> float:
    """17. Boredom: after a session the logit of coming back gains β_ℓ·(ℓ − ½)."""
    if weight > 0.0:
        return logit + weight * x * (liking - 0.5)
    return logit


# ------------------------------------------------------------------------------------ one day
# day() is compiled without numba's reference counting (``_nrt=False``), so it cannot allocate:
# its temporaries are rows of ``scratch`` (a new one needs a row here, sized max(K, 4)).
# Rows: noise, shocks, q, drift factors, then per world: h, wellbeing, loneliness, connection.
DAY_SCRATCH_ROWS = 8


@njit(cache=True, nogil=True, _nrt=False, error_model="numpy")  # type: ignore[call-overload]  # (not in stubs)
def day(
    params: np.ndarray,  # (PARAM_ROWS, n)
    cfg: np.ndarray,  # (CONFIG_ROWS,)
    consts: np.ndarray,  # (CONSTANT_ROWS, 3)
    effects: np.ndarray,  # (R, N_EFFECTS): effect rows, of which user i was shown shown[i]
    exposure: np.ndarray,  # (R, K): exposure vectors, the same way
    shown: np.ndarray,  # (n,) int64 in [0, R): the row of ``effects``/``exposure`` of each user
    keys: np.ndarray,  # (n,) uint64
    prefs: np.ndarray,  # (2, n, K)
    prefs_initial: np.ndarray,  # (n, K)
    habituation: np.ndarray,  # (2, n, K)
    levels: np.ndarray,  # (LEVEL_ROWS, 2, n)
    needs: np.ndarray,  # (NEED_ROWS, 2, n, 3)
    memory: np.ndarray,  # (MEMORY_ROWS, n)
    present: np.ndarray,
    days_away: np.ndarray,
    churned: np.ndarray,
    day_index: np.ndarray,
    out: np.ndarray,  # (OUT_ROWS, n)
    out_needs: np.ndarray,  # (OUT_NEED_ROWS, n, 3)
    return_offset: np.uint64,
    scratch: np.ndarray,  # (DAY_SCRATCH_ROWS, max(K, 4)): the day's per-user temporaries
    lo: int,
    hi: int,
) -> None:
    """Advance the users ``lo..hi-1`` (and their twins) by one day, in place.

    Users are independent, so disjoint ranges may run at once on several threads (the GIL is
    released), each with a ``scratch`` of its own; the result is the same bit for bit.

    User ``i`` was shown ``effects[shown[i]]`` and ``exposure[shown[i]]``: per-user rows with
    ``shown = 0..n-1`` (a feed's slates), or the rows of a small table that many users share (a
    companion's action table and the identity), read in place instead of copied per user.
    ``shown`` is not bounds-checked here: callers check it.
    """
    n_rows = prefs.shape[2]
    z = scratch[0, :4]
    shock = scratch[1, :n_rows]
    q = scratch[2, :n_rows]
    drift_factor = scratch[3, :n_rows]
    h_shown = scratch[4, :2]
    wb = scratch[5, :2]
    lonely = scratch[6, :2]
    conn = scratch[7, :2]
    need_k = cfg[C_NEED_INERTIA]
    max_adapt = cfg[C_MAX_ADAPTATION]
    omega = cfg[C_RATING_MATCH_WEIGHT]
    kappa = cfg[C_MATCH_PEAKEDNESS]
    latitude = cfg[C_ACCEPTANCE_LATITUDE]
    react = cfg[C_REACTANCE]
    sat = needs[N_SAT]
    frus = needs[N_FRUS]

    for i in range(lo, hi):
        e = effects[shown[i]]
        ex = exposure[shown[i]]
        fill_day_noise(keys[i], np.uint64(day_index[i]), z, shock)
        is_present = present[i]
        x = 1.0 if is_present else 0.0

        for k in range(3):
            out_needs[ON_SAT_BEFORE, i, k] = sat[0, i, k]
            out_needs[ON_FRUS_BEFORE, i, k] = frus[0, i, k]
        out[O_WELLBEING_BEFORE, i] = m12_wellbeing(sat[0, i], frus[0, i], consts)

        h_shown[0] = exposed(habituation[0, i], ex)
        h_shown[1] = exposed(habituation[1, i], ex)
        liking = m01_liking(e[E_HEDONIC], max_adapt, h_shown[0])
        base = (1.0 - omega) * liking + params[P_RATING_NOISE, i] * z[CH_RATING]
        rating = m02_rating(prefs[0, i], ex, omega, base, x, kappa)
        rating_natural = m02_rating(prefs[1, i], ex, omega, base, x, kappa)
        rating_initial = m02_rating(prefs_initial[i], ex, omega, base, x, kappa)
        session = m03_session(
            params[P_SESSION_BASE, i],
            m16_session_effect(e[E_SESSION], cfg[C_SESSION_ADAPTATION], h_shown[0]),
            cfg[C_SESSION_DEPENDENCE_GAIN],
            levels[L_DEPENDENCE, 0, i],
            z[CH_SESSION],
            x,
        )

        for k in range(n_rows):
            drift_factor[k] = 1.0 + params[P_DRIFT_SCALE, i] * shock[k]  # shared by both worlds

        for w in range(2):
            xw = x if w == 0 else 0.0
            use = session if w == 0 else 0.0
            infl = m19_influence(
                min(params[P_INFLUENCE_RATE, i] * xw * (0.5 + levels[L_ATTACHMENT, w, i]), 1.0),
                prefs[w, i],
                ex,
                latitude,
                react,
            )
            m04_preferences(
                prefs[w, i], prefs_initial[i], ex, infl, drift_factor, params[P_ANCHORING, i], q
            )
            m05_habituation(
                habituation[w, i],
                ex,
                xw,
                params[P_HEDONIC_RATE, i],
                params[P_HEDONIC_RECOVERY, i],
            )
            levels[L_SKILL, w, i] = m06_skill(
                levels[L_SKILL, w, i], xw, e[E_SKILL], cfg[C_LEARN_RATE], cfg[C_DESKILL_RATE]
            )
            levels[L_DEPENDENCE, w, i] = m07_dependence(
                levels[L_DEPENDENCE, w, i],
                use,
                e[E_HABIT_BOOST],
                params[P_HABIT_RATE, i],
                params[P_HABIT_DECAY, i],
            )
            levels[L_ATTACHMENT, w, i] = m08_attachment(
                levels[L_ATTACHMENT, w, i],
                xw,
                e[E_ATTACHMENT_PULL],
                cfg[C_ATTACHMENT_RATE],
                cfg[C_ATTACHMENT_DECAY],
            )
            soc = m09_social_time(
                levels[L_SOCIAL, w, i],
                params[P_SOCIAL_BASELINE, i],
                params[P_DISPLACEMENT, i],
                use,
                xw,
                e[E_SOCIAL_NUDGE],
                cfg[C_SOCIAL_INERTIA],
                cfg[C_SOCIAL_NOISE] * z[CH_SOCIAL],
            )
            levels[L_SOCIAL, w, i] = soc
            levels[L_BOND, w, i] = m10_bond(
                levels[L_BOND, w, i],
                params[P_BOND_BASELINE, i],
                soc,
                params[P_SOCIAL_BASELINE, i],
                xw,
                e[E_BOND],
                cfg[C_BOND_INERTIA],
            )
            c = 0.5 * (levels[L_SOCIAL, w, i] + levels[L_BOND, w, i])
            conn[w] = c
            m11_needs(
                sat[w, i],
                frus[w, i],
                levels[L_SKILL, w, i],
                c,
                levels[L_DEPENDENCE, w, i],
                xw,
                1.0 - max_adapt * h_shown[w],
                e,
                consts,
                cfg[C_DEPENDENCE_AUTONOMY_COST],
                need_k,
            )
            wb[w] = m12_wellbeing(sat[w, i], frus[w, i], consts)
            lonely[w] = m13_loneliness(c, sat[w, i, 2], frus[w, i, 2])

        mood = m14_mood(wb[0], liking, x, cfg[C_MOOD_NOISE] * z[CH_MOOD])
        if is_present:
            memory[M_MOOD, i] = mood
        memory[M_RATING, i] = m14_remembered_rating(
            memory[M_RATING, i], rating, x, cfg[C_RATING_MEMORY]
        )

        # 15. Coming back tomorrow, or churning.
        logit = m15_return_logit(
            params[P_RETURN_BIAS, i],
            cfg[C_RETURN_DEPENDENCE_WEIGHT],
            levels[L_DEPENDENCE, 0, i],
            params[P_LONELINESS_PULL, i],
            lonely[0],
            cfg[C_RETURN_ATTACHMENT_WEIGHT],
            levels[L_ATTACHMENT, 0, i],
            cfg[C_RETURN_RATING_WEIGHT],
            memory[M_RATING, i],
            cfg[C_RETURN_BREAK_WEIGHT],
            x * e[E_BREAK],
        )
        logit = m17_boredom(logit, cfg[C_RETURN_LIKING_WEIGHT], liking, x)
        u = _uniform1(keys[i], np.uint64(day_index[i]) + return_offset)
        comes = (u < 1.0 / (1.0 + math.exp(-logit))) and not churned[i]
        days_away[i] = 0 if comes else days_away[i] + 1
        churned[i] = churned[i] or days_away[i] >= cfg[C_CHURN_DAYS]
        present[i] = comes and not churned[i]
        day_index[i] += 1

        shift = 0.0
        drift = 0.0
        for k in range(n_rows):
            shift += abs(prefs[0, i, k] - prefs[1, i, k])
            drift += abs(prefs[0, i, k] - prefs_initial[i, k])

        out[O_PRESENT, i] = x
        out[O_SESSION, i] = session
        out[O_RATING, i] = rating
        out[O_RATING_INITIAL, i] = rating_initial
        out[O_RATING_NATURAL, i] = rating_natural
        out[O_LIKING, i] = liking * x
        out[O_WELLBEING, i] = wb[0]
        out[O_TWIN_WELLBEING, i] = wb[1]
        out[O_CONNECTION, i] = conn[0]
        out[O_TWIN_CONNECTION, i] = conn[1]
        out[O_DEPENDENCE, i] = levels[L_DEPENDENCE, 0, i]
        out[O_ATTACHMENT, i] = levels[L_ATTACHMENT, 0, i]
        out[O_LONELINESS, i] = lonely[0]
        out[O_SKILL, i] = levels[L_SKILL, 0, i]
        out[O_INDUCED_SHIFT, i] = 0.5 * shift
        out[O_DRIFT, i] = 0.5 * drift
        out[O_MOOD, i] = mood * x
        out[O_VIOLATION, i] = 1.0 if (is_present and e[E_VIOLATION] > 0.5) else 0.0
        out[O_CHURNED, i] = 1.0 if churned[i] else 0.0
        for k in range(3):
            out_needs[ON_SAT, i, k] = sat[0, i, k]
            out_needs[ON_FRUS, i, k] = frus[0, i, k]
            out_needs[ON_TWIN_SAT, i, k] = sat[1, i, k]
            out_needs[ON_TWIN_FRUS, i, k] = frus[1, i, k]


@njit(cache=True, nogil=True, parallel=True)
def day_in_chunks(scratch: np.ndarray, n: int, *args: Any) -> None:
    """``day(*args, scratch[c], lo, hi)`` over ``scratch.shape[0]`` contiguous ranges of the
    ``n`` users at once, on numba's thread pool (OpenMP where present); ``args`` are
    :func:`day`'s arguments up to ``return_offset`` and ``scratch`` holds one block per range.

    A user's day reads and writes only that user's columns, so the result is the same bit for
    bit as one pass; the pool's threads wait for work spinning briefly, which hands a range over
    in microseconds rather than the tens a Python thread pool takes.
    """
    chunks = scratch.shape[0]
    for c in prange(chunks):
        day(*args, scratch[c], c * n // chunks, (c + 1) * n // chunks)


# ------------------------------------------------------------------------------ new users
@njit(cache=True)
def centre_logits(centres: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``(P, PARAM_ROWS)`` logits of the persona centres within each parameter's range (0 on a
    bound): a user's parameter is the logistic of its centre's logit plus a normal shift.

    Made once per population and model rather than twice per parameter of every new user (two
    thirds of a new user's transcendental calls); the same calls, so the same bits.
    """
    out = np.zeros(centres.shape)
    for p in range(centres.shape[0]):
        for f in range(centres.shape[1]):
            frac = (centres[p, f] - low[f]) / (high[f] - low[f])
            if 0.0 < frac < 1.0:
                safe = min(max(frac, 1e-9), 1.0 - 1e-9)
                out[p, f] = math.log(safe) - math.log1p(-safe)
    return out


@njit(cache=True)
def next_episode_keys(
    index: np.ndarray, bases: np.ndarray, episodes: np.ndarray, out: np.ndarray
) -> None:
    """Count one more episode for the slots at ``index`` and write their new users' keys into
    ``out``: :func:`sagym.envs.user.noise.episode_key` of the slot's base key and episode."""
    for j in range(index.shape[0]):
        i = index[j]
        episodes[i] += np.uint64(1)
        out[j] = _mix(bases[i] ^ (episodes[i] * _MIX1))


@njit(cache=True)
def sample_users(
    index: np.ndarray,
    keys_new: np.ndarray,
    persona_cum: np.ndarray,  # (P,) cumulative weights
    centres: np.ndarray,  # (P, PARAM_ROWS)
    spreads: np.ndarray,  # (P,)
    low: np.ndarray,  # (PARAM_ROWS,)
    high: np.ndarray,  # (PARAM_ROWS,)
    param_logits: np.ndarray,  # (P, PARAM_ROWS): :func:`centre_logits` of the centres
    log_prefs: np.ndarray,  # (P, K)
    override_mask: np.ndarray,  # (PARAM_ROWS,) bool
    override_value: np.ndarray,  # (PARAM_ROWS,)
    counters: np.ndarray,  # (3,) uint64: persona, parameter, preference counters
    consts: np.ndarray,  # (CONSTANT_ROWS, 3)
    params: np.ndarray,  # (PARAM_ROWS, n), written at ``index``
    persona_out: np.ndarray,
    keys: np.ndarray,
    prefs: np.ndarray,
    prefs_initial: np.ndarray,
    habituation: np.ndarray,
    levels: np.ndarray,
    needs: np.ndarray,
    memory: np.ndarray,
    present: np.ndarray,
    days_away: np.ndarray,
    churned: np.ndarray,
    day_index: np.ndarray,
) -> None:
    """Sample new users into the given slots, as ``Population.sample`` + ``initial_state``."""
    n_fields = centres.shape[1]
    n_personas = centres.shape[0]
    n_rows = log_prefs.shape[1]
    z = np.empty(n_fields)
    zp = np.empty(n_rows)
    logits = np.empty(n_rows)
    sat = needs[N_SAT]
    frus = needs[N_FRUS]
    for j in range(index.shape[0]):
        i = index[j]
        key = keys_new[j]
        keys[i] = key
        u = _uniform1(key, counters[0])
        persona = 0
        for p in range(n_personas):
            if persona_cum[p] <= u:
                persona = p + 1
        persona = min(persona, n_personas - 1)
        persona_out[i] = persona

        _normals_into(key, counters[1], z)
        for f in range(n_fields):
            value = centres[persona, f]
            width = high[f] - low[f]
            frac = (value - low[f]) / width
            if 0.0 < frac < 1.0:
                logit = param_logits[persona, f] + spreads[persona] * z[f]
                value = min(max(low[f] + width / (1.0 + math.exp(-logit)), low[f]), high[f])
            if override_mask[f]:
                value = override_value[f]
            params[f, i] = value

        _normals_into(key, counters[2], zp)
        top = -np.inf
        for k in range(n_rows):
            logits[k] = log_prefs[persona, k] + params[P_PREFERENCE_SPREAD, i] * zp[k]
            top = max(top, logits[k])
        total = 0.0
        for k in range(n_rows):
            logits[k] = math.exp(logits[k] - top)
            total += logits[k]
        for k in range(n_rows):
            p0 = logits[k] / total
            prefs_initial[i, k] = p0
            prefs[0, i, k] = p0
            prefs[1, i, k] = p0
            habituation[0, i, k] = 0.0
            habituation[1, i, k] = 0.0

        s_bar = params[P_SOCIAL_BASELINE, i]
        q_bar = params[P_BOND_BASELINE, i]
        sk = params[P_SKILL_INITIAL, i]
        c = 0.5 * (s_bar + q_bar)
        for w in range(2):
            levels[L_SOCIAL, w, i] = s_bar
            levels[L_BOND, w, i] = q_bar
            levels[L_SKILL, w, i] = sk
            levels[L_DEPENDENCE, w, i] = 0.0
            levels[L_ATTACHMENT, w, i] = 0.2
            for k in range(3):
                driver = 0.0 if k == 0 else (sk if k == 1 else c)
                sat[w, i, k] = _clip01(consts[K_SAT_BASE, k] + consts[K_SAT_SLOPE, k] * driver)
                frus[w, i, k] = _clip01(consts[K_FRUS_BASE, k] + consts[K_FRUS_SLOPE, k] * driver)
        memory[M_MOOD, i] = _clip01(0.5 + 0.5 * m12_wellbeing(sat[0, i], frus[0, i], consts))
        memory[M_RATING, i] = 0.5
        present[i] = True
        days_away[i] = 0
        churned[i] = False
        day_index[i] = 0
