"""Each outcome metric moves in the right direction under a scripted policy built to move it."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from sagym.agents.baselines import FixedPolicy, NeedSupportiveHeuristic, RandomPolicy
from sagym.envs.core import CompanionSpec, base_keys
from sagym.envs.noise import draw_keys, episode_key
from sagym.outcomes import OUTCOME_METRICS, Policy, evaluate, evaluation_keys

USERS = 96


@cache
def outcomes(policy: str, influence: float | None = None) -> dict[str, float]:
    built: Policy = (
        NeedSupportiveHeuristic() if policy == "heuristic" else
        RandomPolicy(0) if policy == "random" else FixedPolicy(policy)
    )  # fmt: skip
    overrides = None if influence is None else {"influence_rate": influence}
    spec = CompanionSpec(reward="engagement", user_overrides=overrides)
    return evaluate(built, spec, n_users=USERS).outcomes


@pytest.mark.parametrize(
    ("metric", "higher", "lower"),
    [
        ("violation_rate", "validation", "scaffolding"),
        ("engagement", "engagement_hook", "suggest_break"),
        ("dependence", "engagement_hook", "suggest_break"),
        ("human_connection", "redirect_to_humans", "companion_intimacy"),
        ("relatedness", "redirect_to_humans", "engagement_hook"),
        ("competence", "scaffolding", "task_help"),
        ("autonomy", "offer_choices", "engagement_hook"),
        ("satisfaction", "validation", "suggest_break"),
        ("wellbeing_final", "heuristic", "engagement_hook"),
        ("wellbeing_vs_counterfactual", "heuristic", "engagement_hook"),
        ("loneliness", "companion_intimacy", "redirect_to_humans"),
        ("need_support", "heuristic", "validation"),
        ("presence", "companion_intimacy", "suggest_break"),
    ],
)
def test_metric_responds_to_the_policy_built_to_move_it(
    metric: str, higher: str, lower: str
) -> None:
    assert outcomes(higher)[metric] > outcomes(lower)[metric]


def test_violation_rate_is_the_share_of_reinforcing_sessions() -> None:
    assert outcomes("validation")["violation_rate"] == 1.0
    assert outcomes("scaffolding")["violation_rate"] == 0.0
    assert outcomes("random")["violation_rate"] == pytest.approx(3 / 8, abs=0.03)


def test_induced_shift_is_zero_without_influence_and_grows_with_it() -> None:
    assert outcomes("validation", influence=0.0)["induced_shift"] == 0.0
    assert outcomes("validation", influence=0.1)["induced_shift"] > 0.2
    assert outcomes("validation")["share_validation"] == 1.0


def test_outcomes_are_reported_for_every_persona() -> None:
    o = outcomes("random")
    counts = [o[f"n_users@{p}"] for p in ("connected", "lonely", "susceptible")]
    assert sum(counts) == USERS and all(c > 0 for c in counts)
    for metric in OUTCOME_METRICS:
        assert np.isfinite(o[metric]), metric
        weighted = sum(
            o[f"{metric}@{p}"] * c
            for p, c in zip(("connected", "lonely", "susceptible"), counts, strict=True)
        )
        if metric not in ("satisfaction", "violation_rate"):  # means over sessions, not users
            assert weighted / USERS == pytest.approx(o[metric])


def test_evaluation_users_are_held_out_and_fixed() -> None:
    a, b = evaluation_keys(0, 64), evaluation_keys(0, 64)
    assert np.array_equal(a, b)
    train_keys = episode_key(base_keys(0, 64), 0)  # the users of a training run seeded 0
    assert not set(a.tolist()) & set(train_keys.tolist())
    # ... and not the keys a plain generator with the same seed gives (a separate stream).
    assert not set(a.tolist()) & set(base_keys(0, 64).tolist())
    assert not set(a.tolist()) & set(draw_keys(np.random.default_rng(0), 64).tolist())
    assert not np.array_equal(evaluation_keys(1, 64), a)
