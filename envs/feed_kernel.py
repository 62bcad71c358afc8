"""The feed's daily slate and memory, compiled: score the catalogue under each user's ranker, take
the top, and update the feed's estimate of interest.

One pass over the users with no temporary arrays (the numpy version built every ranker's scores
for every user); each user's slate depends only on that user, so single and vector environments
agree bit for bit, and a large batch is split into ranges of users on numba's thread pool (the
same ranges and threads as the user model's day, which then finds its rows in its own cache).
Ties go to the item earlier in the catalogue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

#: Rows of a slate's scratch block: the items' scores, the slate's scores so far.
SLATE_SCRATCH_ROWS = 2


@njit(cache=True, nogil=True)
def slates(
    ranker: np.ndarray,  # (n,) int64
    interest: np.ndarray,  # (n, topics)
    day: np.ndarray,  # (n,) int64
    item_topic: np.ndarray,  # (items,) int64
    item_bait: np.ndarray,  # (items,) 1.0 for clickbait
    item_intensity: np.ndarray,  # (items,)
    item_friends: np.ndarray,  # (items,) 1.0 for posts from friends
    item_effects: np.ndarray,  # (items, effects)
    weights: np.ndarray,  # (slate,) attention by position
    notice: np.ndarray,  # (effects,) the "all caught up" notice
    caught_up: int,
    items_out: np.ndarray,  # (n, slate) int64
    effects_out: np.ndarray,  # (n, effects), written whole
    exposure_out: np.ndarray,  # (n, topics), written whole
    scratch: np.ndarray,  # (SLATE_SCRATCH_ROWS, >= items)
    lo: int,
    hi: int,
) -> None:
    """The slates of users ``lo..hi-1``: items, the effect row and the exposure over topics.

    The slate is the catalogue sorted by score, best first, ties to the earlier item, cut after
    ``len(weights)`` items: built by insertion (an item displaces only items scoring strictly
    less), which gives the order of repeatedly taking the first best remaining item.
    """
    n_items = item_topic.shape[0]
    n_topics = interest.shape[1]
    n_effects = item_effects.shape[1]
    size = weights.shape[0]
    scores = scratch[0]
    top = scratch[1]
    for i in range(lo, hi):
        r = ranker[i]
        # One loop per ranker (the ranker is the user's, not the item's).
        if r == 0:  # engagement: predicted clicks
            for j in range(n_items):
                it = interest[i, item_topic[j]]
                scores[j] = it * (1.0 + 0.8 * item_bait[j]) * (0.5 + item_intensity[j])
        elif r == 1:  # relevance
            for j in range(n_items):
                scores[j] = interest[i, item_topic[j]] + 0.01 * (1.0 - item_intensity[j])
        elif r == 2:  # quality
            for j in range(n_items):
                scores[j] = (1.0 - item_bait[j]) + 0.5 * interest[i, item_topic[j]]
        elif r == 3:  # diverse: a calm nutritious item per topic, topics rotating daily
            for j in range(n_items):
                rotation = (item_topic[j] - day[i]) % n_topics
                intense = 1.0 if item_intensity[j] > 0.4 else 0.0
                scores[j] = (1.0 - item_bait[j]) * (2.0 * n_topics - rotation - n_topics * intense)
        elif r == 4:  # friends first
            for j in range(n_items):
                nutritious = 1.0 - item_bait[j]
                scores[j] = (
                    2.0 * item_friends[j] * nutritious
                    + nutritious
                    + 0.5 * interest[i, item_topic[j]]
                )
        else:  # caught up: calm nutritious items
            for j in range(n_items):
                calm = 1.0 - item_intensity[j]
                scores[j] = (1.0 - item_bait[j]) * (1.0 + calm) + 0.1 * interest[i, item_topic[j]]
        filled = 0
        for j in range(n_items):
            s = scores[j]
            if filled == size and not s > top[size - 1]:
                continue
            p = filled if filled < size else size - 1  # the last place, or a new one
            while p > 0 and s > top[p - 1]:
                top[p] = top[p - 1]
                items_out[i, p] = items_out[i, p - 1]
                p -= 1
            top[p] = s
            items_out[i, p] = j
            if filled < size:
                filled += 1
        for c in range(n_effects):
            effects_out[i, c] = 0.0
        for t in range(n_topics):
            exposure_out[i, t] = 0.0
        for p in range(size):
            best = items_out[i, p]
            w = weights[p]
            for c in range(n_effects):
                effects_out[i, c] += w * item_effects[best, c]
            exposure_out[i, item_topic[best]] += w
        if r == caught_up:
            for c in range(n_effects):
                effects_out[i, c] += notice[c]


@njit(cache=True, nogil=True, parallel=True)
def slates_in_chunks(scratch: np.ndarray, n: int, *args: Any) -> None:
    """``slates(*args, scratch[c], lo, hi)`` over ``scratch.shape[0]`` contiguous ranges of the
    ``n`` users at once (the ranges of :func:`sagym.envs.user.kernel.day_in_chunks`)."""
    chunks = scratch.shape[0]
    for c in prange(chunks):
        slates(*args, scratch[c], c * n // chunks, (c + 1) * n // chunks)  # type: ignore[call-arg]


@njit(cache=True)
def remember_interest(
    interest: np.ndarray,  # (n, topics), updated in place
    exposure: np.ndarray,  # (n, topics): the day's exposure
    present: np.ndarray,  # (n,) 1.0 where the user had a session (> 0.5)
    rating: np.ndarray,  # (n,)
    rate: float,
) -> None:
    """Engagement per topic, what was shown weighted by the rating, pulls the estimate of interest:
    ``interest += rate·(min(exposure·rating·topics, 1) − interest)`` after a session."""
    n_topics = interest.shape[1]
    for i in range(interest.shape[0]):
        if present[i] > 0.5:
            for t in range(n_topics):
                seen = min(exposure[i, t] * rating[i] * n_topics, 1.0)
                interest[i, t] = interest[i, t] + rate * (seen - interest[i, t])


@njit(cache=True)
def observe_interest(rows: np.ndarray, interest: np.ndarray, start: int, out: np.ndarray) -> None:
    """The interest estimates of the users at ``rows`` into ``out[:, start:start + topics]``."""
    for j in range(rows.shape[0]):
        i = rows[j]
        for t in range(interest.shape[1]):
            out[j, start + t] = interest[i, t]
