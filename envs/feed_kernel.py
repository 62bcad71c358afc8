"""The feed's daily slate, compiled: score the catalogue under each user's ranker, take the top.

One pass over the users with no temporary arrays (the numpy version built every ranker's scores
for every user); each user's slate depends only on that user, so single and vector environments
agree bit for bit. Ties go to the item earlier in the catalogue.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
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
    effects_out: np.ndarray,  # (n, effects), zeroed
    exposure_out: np.ndarray,  # (n, topics), zeroed
) -> None:
    n_items = item_topic.shape[0]
    n_topics = interest.shape[1]
    n_effects = item_effects.shape[1]
    scores = np.empty(n_items)
    taken = np.zeros(n_items, dtype=np.bool_)
    for i in range(ranker.shape[0]):
        r = ranker[i]
        for j in range(n_items):
            it = interest[i, item_topic[j]]
            bait = item_bait[j]
            nutritious = 1.0 - bait
            calm = 1.0 - item_intensity[j]
            if r == 0:  # engagement: predicted clicks
                s = it * (1.0 + 0.8 * bait) * (0.5 + item_intensity[j])
            elif r == 1:  # relevance
                s = it + 0.01 * calm
            elif r == 2:  # quality
                s = nutritious + 0.5 * it
            elif r == 3:  # diverse: a calm nutritious item per topic, topics rotating daily
                rotation = (item_topic[j] - day[i]) % n_topics
                intense = 1.0 if item_intensity[j] > 0.4 else 0.0
                s = nutritious * (2.0 * n_topics - rotation - n_topics * intense)
            elif r == 4:  # friends first
                s = 2.0 * item_friends[j] * nutritious + nutritious + 0.5 * it
            else:  # caught up: calm nutritious items
                s = nutritious * (1.0 + calm) + 0.1 * it
            scores[j] = s
            taken[j] = False
        for p in range(weights.shape[0]):
            best = -1
            for j in range(n_items):
                if not taken[j] and (best < 0 or scores[j] > scores[best]):
                    best = j
            taken[best] = True
            items_out[i, p] = best
            w = weights[p]
            for c in range(n_effects):
                effects_out[i, c] += w * item_effects[best, c]
            exposure_out[i, item_topic[best]] += w
        if r == caught_up:
            for c in range(n_effects):
                effects_out[i, c] += notice[c]
