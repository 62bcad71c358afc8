"""The compiled one-day update of the user model (numba), one pass over the users.

This is the same arithmetic as :func:`sagym.envs.reference.step_reference`, the readable numpy
version that ``docs/user-model.md`` documents and the tests compare against. Fusing the whole day
into one compiled loop removes the ~100 temporary arrays per step of the numpy version, which is
what makes the simulator cheap next to the learner. Each user's numbers depend only on that user
(no reductions across the batch), so a user is bit-identical in batches of any size.

Noise is generated inline with the counter-based hash of :mod:`sagym.envs.noise`; a test checks
that both give the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sagym.envs.behaviours import Behaviour
from sagym.envs.noise import _GOLDEN, _MIX1, _MIX2, _S11, _S27, _S30, _S31, _TO_UNIT

# The ModelConfig fields the kernel reads, packed into one vector in this order
# (``UserModel`` builds it); the kernel indexes it with the constants below.
CONFIG_FIELDS: tuple[str, ...] = (
    "need_inertia",
    "social_inertia",
    "bond_inertia",
    "max_adaptation",
    "learn_rate",
    "deskill_rate",
    "attachment_rate",
    "attachment_decay",
    "dependence_autonomy_cost",
    "session_dependence_gain",
    "return_dependence_weight",
    "return_attachment_weight",
    "return_rating_weight",
    "return_break_weight",
    "rating_match_weight",
    "rating_memory",
    "mood_noise",
    "social_noise",
    "churn_days",
)
CFG_NEED_INERTIA = CONFIG_FIELDS.index("need_inertia")
CFG_SOCIAL_INERTIA = CONFIG_FIELDS.index("social_inertia")
CFG_BOND_INERTIA = CONFIG_FIELDS.index("bond_inertia")
CFG_MAX_ADAPTATION = CONFIG_FIELDS.index("max_adaptation")
CFG_LEARN_RATE = CONFIG_FIELDS.index("learn_rate")
CFG_DESKILL_RATE = CONFIG_FIELDS.index("deskill_rate")
CFG_ATTACHMENT_RATE = CONFIG_FIELDS.index("attachment_rate")
CFG_ATTACHMENT_DECAY = CONFIG_FIELDS.index("attachment_decay")
CFG_DEPENDENCE_AUTONOMY_COST = CONFIG_FIELDS.index("dependence_autonomy_cost")
CFG_SESSION_DEPENDENCE_GAIN = CONFIG_FIELDS.index("session_dependence_gain")
CFG_RETURN_DEPENDENCE_WEIGHT = CONFIG_FIELDS.index("return_dependence_weight")
CFG_RETURN_ATTACHMENT_WEIGHT = CONFIG_FIELDS.index("return_attachment_weight")
CFG_RETURN_RATING_WEIGHT = CONFIG_FIELDS.index("return_rating_weight")
CFG_RETURN_BREAK_WEIGHT = CONFIG_FIELDS.index("return_break_weight")
CFG_RATING_MATCH_WEIGHT = CONFIG_FIELDS.index("rating_match_weight")
CFG_RATING_MEMORY = CONFIG_FIELDS.index("rating_memory")
CFG_MOOD_NOISE = CONFIG_FIELDS.index("mood_noise")
CFG_SOCIAL_NOISE = CONFIG_FIELDS.index("social_noise")
CFG_CHURN_DAYS = CONFIG_FIELDS.index("churn_days")

# Rows of the scalar output matrix.
OUT_PRESENT = 0
OUT_SESSION = 1
OUT_RATING = 2
OUT_RATING_INITIAL = 3
OUT_RATING_NATURAL = 4
OUT_LIKING = 5
OUT_WELLBEING_BEFORE = 6
OUT_WELLBEING = 7
OUT_TWIN_WELLBEING = 8
OUT_CONNECTION = 9
OUT_TWIN_CONNECTION = 10
OUT_DEPENDENCE = 11
OUT_ATTACHMENT = 12
OUT_LONELINESS = 13
OUT_SKILL = 14
OUT_INDUCED_SHIFT = 15
OUT_DRIFT = 16
OUT_MOOD = 17
OUT_VIOLATION = 18
OUT_CHURNED = 19
N_OUT = 20

_BREAK = int(Behaviour.SUGGEST_BREAK)
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


@njit(cache=True)
def _normals_into(key: np.uint64, counter: np.uint64, out: np.ndarray) -> None:
    """Normals as :func:`sagym.envs.noise.normal`."""
    _normals_from_base(_mix(key ^ (counter * _GOLDEN)), out)


@njit(cache=True)
def fill_day_noise(key: np.uint64, day: np.uint64, normals: np.ndarray, drift: np.ndarray) -> None:
    """One user's noise for one day, as :func:`sagym.envs.noise.day_noise`."""
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


@njit(cache=True)
def day_kernel(
    # per-user parameters, shape (n,)
    social_baseline: np.ndarray,
    bond_baseline: np.ndarray,
    influence_rate: np.ndarray,
    anchoring: np.ndarray,
    drift_scale: np.ndarray,
    habit_rate: np.ndarray,
    habit_decay: np.ndarray,
    hedonic_rate: np.ndarray,
    hedonic_recovery: np.ndarray,
    displacement: np.ndarray,
    return_bias: np.ndarray,
    loneliness_pull: np.ndarray,
    session_base: np.ndarray,
    rating_noise: np.ndarray,
    cfg: np.ndarray,
    # behaviour table, shape (K,) or (K, 3)
    t_hedonic: np.ndarray,
    t_session: np.ndarray,
    t_need_sat: np.ndarray,
    t_need_frus: np.ndarray,
    t_habit_boost: np.ndarray,
    t_attachment_pull: np.ndarray,
    t_social_nudge: np.ndarray,
    t_bond_effect: np.ndarray,
    t_skill_effect: np.ndarray,
    t_violation: np.ndarray,
    # need-target constants, shape (3,)
    sat_base: np.ndarray,
    sat_slope: np.ndarray,
    frus_base: np.ndarray,
    frus_slope: np.ndarray,
    w_sat: np.ndarray,
    w_frus: np.ndarray,
    # state, updated in place
    keys: np.ndarray,
    prefs: np.ndarray,
    prefs_initial: np.ndarray,
    sat: np.ndarray,
    frus: np.ndarray,
    social: np.ndarray,
    bond: np.ndarray,
    skill: np.ndarray,
    dependence: np.ndarray,
    attachment: np.ndarray,
    habituation: np.ndarray,
    rating_memory: np.ndarray,
    mood_state: np.ndarray,
    present: np.ndarray,
    days_away: np.ndarray,
    churned: np.ndarray,
    day: np.ndarray,
    # the day's behaviours, shape (n,)
    actions: np.ndarray,
    # outputs
    out: np.ndarray,  # (N_OUT, n)
    out_needs: np.ndarray,  # (4, n, 3): sat before, frus before, sat, frus
    return_offset: np.uint64,
) -> None:
    n = actions.shape[0]
    n_beh = prefs.shape[2]
    ch_social, ch_rating, ch_mood, ch_session = 0, 1, 2, 3
    z = np.empty(4)
    shock = np.empty(n_beh)
    q = np.empty(n_beh)
    drift_factor = np.empty(n_beh)
    h_pre = np.empty(2)
    wb = np.empty(2)
    lonely = np.empty(2)
    conn = np.empty(2)
    need_k = cfg[CFG_NEED_INERTIA]
    max_adapt = cfg[CFG_MAX_ADAPTATION]
    omega = cfg[CFG_RATING_MATCH_WEIGHT]

    for i in range(n):
        a = actions[i]
        fill_day_noise(keys[i], np.uint64(day[i]), z, shock)
        is_present = present[i]
        x = 1.0 if is_present else 0.0

        for k in range(3):
            out_needs[0, i, k] = sat[0, i, k]
            out_needs[1, i, k] = frus[0, i, k]
        out[OUT_WELLBEING_BEFORE, i] = (
            w_sat[0] * sat[0, i, 0] + w_sat[1] * sat[0, i, 1] + w_sat[2] * sat[0, i, 2]
        ) - (w_frus[0] * frus[0, i, 0] + w_frus[1] * frus[0, i, 1] + w_frus[2] * frus[0, i, 2])

        # Hedonic adaptation and explicit ratings under three preference vectors.
        h_pre[0] = habituation[0, i, a]
        h_pre[1] = habituation[1, i, a]
        liking = t_hedonic[a] * (1.0 - max_adapt * h_pre[0])
        base = (1.0 - omega) * liking + rating_noise[i] * z[ch_rating]
        m_now = prefs[0, i, 0]
        m_nat = prefs[1, i, 0]
        m_init = prefs_initial[i, 0]
        for k in range(1, n_beh):
            m_now = max(m_now, prefs[0, i, k])
            m_nat = max(m_nat, prefs[1, i, k])
            m_init = max(m_init, prefs_initial[i, k])
        rating = _clip01(omega * (prefs[0, i, a] / m_now) + base) * x
        rating_natural = _clip01(omega * (prefs[1, i, a] / m_nat) + base) * x
        rating_initial = _clip01(omega * (prefs_initial[i, a] / m_init) + base) * x

        session = (
            min(
                max(
                    session_base[i]
                    + t_session[a]
                    + cfg[CFG_SESSION_DEPENDENCE_GAIN] * dependence[0, i]
                    + 0.05 * z[ch_session],
                    0.02,
                ),
                1.0,
            )
            * x
        )

        for k in range(n_beh):
            drift_factor[k] = 1.0 + drift_scale[i] * shock[k]  # shared by user and twin

        for w in range(2):
            xw = x if w == 0 else 0.0
            sess_w = session if w == 0 else 0.0

            # Preferences: assimilation, natural drift, anchoring.
            infl = min(influence_rate[i] * xw * (0.5 + attachment[w, i]), 1.0)
            total = 0.0
            for k in range(n_beh):
                shown = 1.0 if k == a else 0.0
                q[k] = ((1.0 - infl) * prefs[w, i, k] + infl * shown) * drift_factor[k]
                total += q[k]
            anc = anchoring[i]
            for k in range(n_beh):
                prefs[w, i, k] = (1.0 - anc) * (q[k] / total) + anc * prefs_initial[i, k]

            # Habituation.
            for k in range(n_beh):
                shown = xw if k == a else 0.0
                h = habituation[w, i, k]
                habituation[w, i, k] = _clip01(
                    h
                    + hedonic_rate[i] * shown * (1.0 - h)
                    - hedonic_recovery[i] * (1.0 - shown) * h
                )

            # Skill.
            se = t_skill_effect[a]
            sk = skill[w, i]
            skill[w, i] = _clip01(
                sk
                + xw
                * (
                    cfg[CFG_LEARN_RATE] * max(se, 0.0) * (1.0 - sk)
                    - cfg[CFG_DESKILL_RATE] * max(-se, 0.0) * sk
                )
            )

            # Dependence (habit).
            boost = max(1.0 + t_habit_boost[a], 0.0)
            d = dependence[w, i]
            dependence[w, i] = _clip01(
                d + habit_rate[i] * sess_w * (1.0 - d) * boost - habit_decay[i] * d
            )

            # Attachment.
            att = attachment[w, i]
            attachment[w, i] = _clip01(
                att
                + xw * cfg[CFG_ATTACHMENT_RATE] * (t_attachment_pull[a] - att)
                - (1.0 - xw) * cfg[CFG_ATTACHMENT_DECAY] * att
            )

            # Human social time (displacement) and bond quality.
            target_s = (
                social_baseline[i] * (1.0 - displacement[i] * sess_w) + xw * t_social_nudge[a]
            )
            soc = _clip01(
                social[w, i]
                + cfg[CFG_SOCIAL_INERTIA] * (target_s - social[w, i])
                + cfg[CFG_SOCIAL_NOISE] * z[ch_social]
            )
            social[w, i] = soc
            target_b = bond_baseline[i] + 0.5 * (soc - social_baseline[i]) + xw * t_bond_effect[a]
            bd = bond[w, i]
            bond[w, i] = _clip01(bd + cfg[CFG_BOND_INERTIA] * (_clip01(target_b) - bd))

            # Needs move toward their targets.
            c = 0.5 * (social[w, i] + bond[w, i])
            conn[w] = c
            fresh = 1.0 - max_adapt * h_pre[w]
            for k in range(3):
                driver = 0.0 if k == 0 else (skill[w, i] if k == 1 else c)
                st = sat_base[k] + sat_slope[k] * driver
                ft = frus_base[k] + frus_slope[k] * driver
                if k == 0:
                    ft += cfg[CFG_DEPENDENCE_AUTONOMY_COST] * dependence[w, i]
                st = _clip01(st + xw * fresh * t_need_sat[a, k])
                ft = _clip01(ft + xw * t_need_frus[a, k])
                sat[w, i, k] = sat[w, i, k] + need_k * (st - sat[w, i, k])
                frus[w, i, k] = frus[w, i, k] + need_k * (ft - frus[w, i, k])

            wb[w] = (
                w_sat[0] * sat[w, i, 0] + w_sat[1] * sat[w, i, 1] + w_sat[2] * sat[w, i, 2]
            ) - (w_frus[0] * frus[w, i, 0] + w_frus[1] * frus[w, i, 1] + w_frus[2] * frus[w, i, 2])
            lonely[w] = _clip01(
                0.5 * (1.0 - c) + 0.25 * (1.0 - sat[w, i, 2]) + 0.25 * frus[w, i, 2]
            )

        mood = _clip01(
            0.5 + 0.5 * wb[0] + 0.2 * (liking - 0.5) * x + cfg[CFG_MOOD_NOISE] * z[ch_mood]
        )
        if is_present:
            mood_state[i] = mood
        rating_memory[i] = rating_memory[i] + x * cfg[CFG_RATING_MEMORY] * (
            rating - rating_memory[i]
        )

        # Coming back tomorrow, or churning.
        took_break = 1.0 if (is_present and a == _BREAK) else 0.0
        logit = (
            return_bias[i]
            + cfg[CFG_RETURN_DEPENDENCE_WEIGHT] * dependence[0, i]
            + loneliness_pull[i] * lonely[0]
            + cfg[CFG_RETURN_ATTACHMENT_WEIGHT] * attachment[0, i]
            + cfg[CFG_RETURN_RATING_WEIGHT] * (rating_memory[i] - 0.5)
            - cfg[CFG_RETURN_BREAK_WEIGHT] * took_break
        )
        u = _uniform1(keys[i], np.uint64(day[i]) + return_offset)
        comes = (u < 1.0 / (1.0 + math.exp(-logit))) and not churned[i]
        days_away[i] = 0 if comes else days_away[i] + 1
        churned[i] = churned[i] or days_away[i] >= cfg[CFG_CHURN_DAYS]
        present[i] = comes and not churned[i]
        day[i] += 1

        shift = 0.0
        drift = 0.0
        for k in range(n_beh):
            shift += abs(prefs[0, i, k] - prefs[1, i, k])
            drift += abs(prefs[0, i, k] - prefs_initial[i, k])

        out[OUT_PRESENT, i] = x
        out[OUT_SESSION, i] = session
        out[OUT_RATING, i] = rating
        out[OUT_RATING_INITIAL, i] = rating_initial
        out[OUT_RATING_NATURAL, i] = rating_natural
        out[OUT_LIKING, i] = liking * x
        out[OUT_WELLBEING, i] = wb[0]
        out[OUT_TWIN_WELLBEING, i] = wb[1]
        out[OUT_CONNECTION, i] = conn[0]
        out[OUT_TWIN_CONNECTION, i] = conn[1]
        out[OUT_DEPENDENCE, i] = dependence[0, i]
        out[OUT_ATTACHMENT, i] = attachment[0, i]
        out[OUT_LONELINESS, i] = lonely[0]
        out[OUT_SKILL, i] = skill[0, i]
        out[OUT_INDUCED_SHIFT, i] = 0.5 * shift
        out[OUT_DRIFT, i] = 0.5 * drift
        out[OUT_MOOD, i] = mood * x
        out[OUT_VIOLATION, i] = 1.0 if (is_present and t_violation[a]) else 0.0
        out[OUT_CHURNED, i] = 1.0 if churned[i] else 0.0
        for k in range(3):
            out_needs[2, i, k] = sat[0, i, k]
            out_needs[3, i, k] = frus[0, i, k]


@njit(cache=True)
def sample_users_kernel(
    index: np.ndarray,
    keys_new: np.ndarray,
    # population table
    persona_cum: np.ndarray,  # (P,) cumulative weights
    centres: np.ndarray,  # (P, F)
    spreads: np.ndarray,  # (P,)
    low: np.ndarray,  # (F,)
    high: np.ndarray,  # (F,)
    log_prefs: np.ndarray,  # (P, K)
    override_mask: np.ndarray,  # (F,) bool
    override_value: np.ndarray,  # (F,)
    field_pref_spread: int,
    field_social: int,
    field_bond: int,
    field_skill: int,
    counters: np.ndarray,  # (3,) uint64: persona, parameter, preference counters
    # need-target constants and wellbeing weights
    sat_base: np.ndarray,
    sat_slope: np.ndarray,
    frus_base: np.ndarray,
    frus_slope: np.ndarray,
    w_sat: np.ndarray,
    w_frus: np.ndarray,
    # model, written at ``index``
    param_matrix: np.ndarray,  # (F, n)
    persona_out: np.ndarray,
    keys: np.ndarray,
    prefs: np.ndarray,
    prefs_initial: np.ndarray,
    sat: np.ndarray,
    frus: np.ndarray,
    social: np.ndarray,
    bond: np.ndarray,
    skill: np.ndarray,
    dependence: np.ndarray,
    attachment: np.ndarray,
    habituation: np.ndarray,
    rating_memory: np.ndarray,
    mood: np.ndarray,
    present: np.ndarray,
    days_away: np.ndarray,
    churned: np.ndarray,
    day: np.ndarray,
) -> None:
    """Sample new users into the given slots, as ``Population.sample`` + ``initial_state``."""
    n_fields = centres.shape[1]
    n_personas = centres.shape[0]
    n_beh = log_prefs.shape[1]
    z = np.empty(n_fields)
    zp = np.empty(n_beh)
    logits = np.empty(n_beh)
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
                safe = min(max(frac, 1e-9), 1.0 - 1e-9)
                logit = math.log(safe) - math.log1p(-safe) + spreads[persona] * z[f]
                value = min(max(low[f] + width / (1.0 + math.exp(-logit)), low[f]), high[f])
            if override_mask[f]:
                value = override_value[f]
            param_matrix[f, i] = value

        _normals_into(key, counters[2], zp)
        top = -np.inf
        for k in range(n_beh):
            logits[k] = log_prefs[persona, k] + param_matrix[field_pref_spread, i] * zp[k]
            top = max(top, logits[k])
        total = 0.0
        for k in range(n_beh):
            logits[k] = math.exp(logits[k] - top)
            total += logits[k]
        for k in range(n_beh):
            p0 = logits[k] / total
            prefs_initial[i, k] = p0
            prefs[0, i, k] = p0
            prefs[1, i, k] = p0
            habituation[0, i, k] = 0.0
            habituation[1, i, k] = 0.0

        s_bar = param_matrix[field_social, i]
        q_bar = param_matrix[field_bond, i]
        sk = param_matrix[field_skill, i]
        c = 0.5 * (s_bar + q_bar)
        for w in range(2):
            social[w, i] = s_bar
            bond[w, i] = q_bar
            skill[w, i] = sk
            dependence[w, i] = 0.0
            attachment[w, i] = 0.2
            for k in range(3):
                driver = 0.0 if k == 0 else (sk if k == 1 else c)
                sat[w, i, k] = _clip01(sat_base[k] + sat_slope[k] * driver)
                frus[w, i, k] = _clip01(frus_base[k] + frus_slope[k] * driver)
        w0 = (w_sat[0] * sat[0, i, 0] + w_sat[1] * sat[0, i, 1] + w_sat[2] * sat[0, i, 2]) - (
            w_frus[0] * frus[0, i, 0] + w_frus[1] * frus[0, i, 1] + w_frus[2] * frus[0, i, 2]
        )
        mood[i] = _clip01(0.5 + 0.5 * w0)
        rating_memory[i] = 0.5
        present[i] = True
        days_away[i] = 0
        churned[i] = False
        day[i] = 0


@njit(cache=True)
def observe_kernel(
    rows: np.ndarray,
    present: np.ndarray,
    days_away: np.ndarray,
    day: np.ndarray,
    hist: np.ndarray,  # (n, 6): session, rating, mood, recent rating, engagement, presence
    last_action: np.ndarray,
    churn_days: float,
    horizon: float,
    obs: np.ndarray,  # (len(rows), obs_dim) float32, zero-initialised
) -> None:
    """The deployable observation of the users at ``rows`` (see ``CompanionEnv``'s manual)."""
    for j in range(rows.shape[0]):
        i = rows[j]
        obs[j, 0] = 1.0 if present[i] else 0.0
        obs[j, 1] = hist[i, 0]
        obs[j, 2] = hist[i, 1]
        obs[j, 3] = hist[i, 2]
        obs[j, 4] = min(days_away[i] / churn_days, 1.0)
        obs[j, 5] = min(day[i] / horizon, 1.0)
        obs[j, 6] = hist[i, 3]
        obs[j, 7] = hist[i, 4]
        obs[j, 8] = hist[i, 5]
        if last_action[i] >= 0:
            obs[j, 9 + last_action[i]] = 1.0


@njit(cache=True)
def history_kernel(
    hist: np.ndarray,
    last_action: np.ndarray,
    actions: np.ndarray,
    present: np.ndarray,
    session: np.ndarray,
    rating: np.ndarray,
    mood: np.ndarray,
    rate: float,
) -> None:
    """Update what the assistant remembers of each user after a day."""
    for i in range(actions.shape[0]):
        x = 1.0 if present[i] else 0.0
        hist[i, 0] = session[i]
        hist[i, 1] = rating[i]
        if x > 0.0:
            hist[i, 2] = mood[i]
            last_action[i] = actions[i]
        hist[i, 3] += rate * x * (rating[i] - hist[i, 3])
        hist[i, 4] += rate * (session[i] - hist[i, 4])
        hist[i, 5] += rate * (x - hist[i, 5])
