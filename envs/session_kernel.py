"""Compiled session memory of a product: the common observation and what it remembers of a user."""

from __future__ import annotations

import numpy as np
from numba import njit


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
    """The common deployable observation of the users at ``rows`` (``SESSION_FEATURES``)."""
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


@njit(cache=True)
def history_from_outputs(
    hist: np.ndarray,
    last_action: np.ndarray,
    actions: np.ndarray,
    out: np.ndarray,  # the user model's (OUT_ROWS, n) day outputs
    present_row: int,
    session_row: int,
    rating_row: int,
    mood_row: int,
    rate: float,
) -> None:
    """:func:`history_kernel` reading the day's signals from the kernel's output rows.

    The same arithmetic on the same numbers (``present`` is the row's flag, ``> 0.5``), without
    making a signal array per field first.
    """
    for i in range(actions.shape[0]):
        x = 1.0 if out[present_row, i] > 0.5 else 0.0
        session = out[session_row, i]
        rating = out[rating_row, i]
        hist[i, 0] = session
        hist[i, 1] = rating
        if x > 0.0:
            hist[i, 2] = out[mood_row, i]
            last_action[i] = actions[i]
        hist[i, 3] += rate * x * (rating - hist[i, 3])
        hist[i, 4] += rate * (session - hist[i, 4])
        hist[i, 5] += rate * (x - hist[i, 5])


@njit(cache=True)
def forget_kernel(
    rows: np.ndarray, hist: np.ndarray, last_action: np.ndarray, mood: np.ndarray
) -> None:
    """New users at ``rows``: nothing remembered yet but their first mood, counted as present."""
    for j in range(rows.shape[0]):
        i = rows[j]
        for c in range(hist.shape[1]):
            hist[i, c] = 0.0
        hist[i, 2] = mood[i]
        hist[i, 5] = 1.0
        last_action[i] = -1
