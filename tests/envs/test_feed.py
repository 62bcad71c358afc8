"""sagym/Feed-v0's mechanisms: slates, clickbait's trade-off, displacement, topic drift."""

from __future__ import annotations

from functools import cache

import numpy as np

from sagym.envs.feed import (
    CATALOGUE,
    ITEM_BAIT,
    ITEM_FRIENDS,
    ITEM_INTENSITY,
    ITEM_TOPIC,
    RANKERS,
    SLATE_WEIGHTS,
    TOPICS,
    Feed,
)
from sagym.envs.simulation import Simulation, SimulationSpec
from sagym.outcomes import evaluation_keys
from sagym.signals import DaySignals

N = 256


@cache
def _run(ranker: str) -> tuple[Simulation, tuple[DaySignals, ...]]:
    sim = Simulation(N, SimulationSpec(horizon=90), Feed)
    sim.reset(evaluation_keys(0, N))
    days = tuple(sim.step(np.full(N, RANKERS.index(ranker)))[0] for _ in range(90))
    return sim, days


def test_a_slate_is_a_position_weighted_mix_of_distinct_items() -> None:
    sim = Simulation(5, SimulationSpec(), Feed)
    sim.reset(evaluation_keys(1, 5))
    assert sim.model is not None
    actions = np.arange(5, dtype=np.int64)
    items = sim.product.slate(actions, sim.model)  # type: ignore[attr-defined]
    assert items.shape == (5, len(SLATE_WEIGHTS))
    assert all(len(set(row)) == len(row) for row in items.tolist())
    effects, exposure = sim.product.show(actions, sim.model)
    np.testing.assert_allclose(exposure.sum(axis=1), 1.0)
    want = sum(w * CATALOGUE.effects[items[:, p]] for p, w in enumerate(SLATE_WEIGHTS))
    np.testing.assert_allclose(effects, want)
    assert np.all(exposure[np.arange(5), ITEM_TOPIC[items[:, 0]]] >= SLATE_WEIGHTS[0])


def test_clickbait_raises_engagement_and_violations_while_wellbeing_erodes() -> None:
    _, bait = _run("engagement")
    _, quality = _run("quality")
    engagement = np.mean([d.session_time.mean() for d in bait])
    assert engagement > 1.5 * np.mean([d.session_time.mean() for d in quality])
    assert np.mean([d.violation[d.present].mean() for d in bait]) > 0.9
    assert not any(d.violation.any() for d in quality)
    assert bait[-1].dependence.mean() > quality[-1].dependence.mean() + 0.2
    gap_bait = (bait[-1].wellbeing - bait[-1].twin_wellbeing).mean()
    gap_quality = (quality[-1].wellbeing - quality[-1].twin_wellbeing).mean()
    assert gap_bait < gap_quality - 0.05


def test_time_in_the_feed_displaces_people_and_friends_posts_bring_them_back() -> None:
    _, bait = _run("engagement")
    _, friends = _run("friends_first")
    assert bait[-1].human_connection.mean() < bait[-1].twin_human_connection.mean() - 0.02
    assert friends[-1].human_connection.mean() > bait[-1].human_connection.mean() + 0.05


def test_topic_preferences_drift_towards_the_topics_shown() -> None:
    sim, _ = _run("friends_first")
    assert sim.model is not None
    prefs = sim.model.state.prefs
    friends = TOPICS.index("friends")
    assert (prefs[0, :, friends] > prefs[1, :, friends]).mean() > 0.9


def test_the_caught_up_notice_shortens_sessions_and_lowers_dependence() -> None:
    _, calm = _run("caught_up")
    _, quality = _run("quality")
    assert calm[-1].dependence.mean() < quality[-1].dependence.mean() - 0.1
    assert np.mean([d.present.mean() for d in calm]) < np.mean([d.present.mean() for d in quality])


def _scores(ranker: int, interest: np.ndarray, day: int) -> np.ndarray:
    """The rankers' scores of the catalogue for one user, written out in numpy."""
    it = interest[ITEM_TOPIC]
    nutritious, calm = 1.0 - ITEM_BAIT, 1.0 - ITEM_INTENSITY
    topics = len(TOPICS)
    return [
        it * (1.0 + 0.8 * ITEM_BAIT) * (0.5 + ITEM_INTENSITY),
        it + 0.01 * calm,
        nutritious + 0.5 * it,
        nutritious * (2.0 * topics - (ITEM_TOPIC - day) % topics - topics * (ITEM_INTENSITY > 0.4)),
        2.0 * ITEM_FRIENDS * nutritious + nutritious + 0.5 * it,
        nutritious * (1.0 + calm) + 0.1 * it,
    ][ranker]


def test_slates_are_the_catalogue_sorted_by_score_ties_to_the_earlier_item() -> None:
    """The compiled slate (built by insertion, in ranges of users on the thread pool) is the top
    of a stable sort of the scores, for every ranker, with ties everywhere (interests of 0.5)."""
    n = 900  # more than one range of users
    sim = Simulation(n, SimulationSpec(), Feed)
    sim.reset(evaluation_keys(3, n))
    assert sim.model is not None
    rng = np.random.default_rng(4)
    sim.product.interest = np.where(  # type: ignore[attr-defined]
        rng.random((n, len(TOPICS))) < 0.3, 0.5, rng.random((n, len(TOPICS)))
    )
    sim.model.state.day[:] = rng.integers(0, 90, n)
    actions = rng.integers(0, len(RANKERS), n)
    items = sim.product.slate(actions, sim.model)  # type: ignore[attr-defined]
    for i in range(n):
        scores = _scores(int(actions[i]), sim.product.interest[i], int(sim.model.state.day[i]))  # type: ignore[attr-defined]
        order = np.lexsort((np.arange(len(scores)), -scores))
        assert items[i].tolist() == order[: len(SLATE_WEIGHTS)].tolist(), i
