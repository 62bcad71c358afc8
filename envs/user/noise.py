"""Counter-based random numbers for a batch of users.

Every user owns a 64-bit *key*, drawn from a seeded :class:`numpy.random.Generator` when the user
is sampled. The noise a user sees on day ``t`` in channel ``c`` is a pure function
``hash(key, t, c)`` (SplitMix64 finaliser, the mixing step of Philox-style counter-based
generators). Two properties follow that a shared batch generator cannot give:

* a user's trajectory does not depend on which other users share its batch, so the single-user
  environment, the native vector environment and the evaluator give bit-identical trajectories for
  the same seeds;
* the user and its no-AI twin read the *same* noise by reusing the key, as Carroll et al. (2022)
  require for a natural-preference-shift counterfactual.

All operations are vectorised over users and channels: no Python loop per user.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)

UInt64Array = NDArray[np.uint64]
FloatArray = NDArray[np.float64]


def _mix(z: UInt64Array) -> UInt64Array:
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


def draw_keys(rng: np.random.Generator, n: int) -> UInt64Array:
    """Draw ``n`` independent user keys from a seeded generator."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)


def uniform(keys: UInt64Array, counter: int | UInt64Array, channels: int) -> FloatArray:
    """Uniform numbers in ``[0, 1)`` of shape ``(len(keys), channels)``.

    ``counter`` is usually the day index (a scalar or one value per user); different counters and
    channels give independent streams for the same key.
    """
    with np.errstate(over="ignore"):
        base = _mix(keys ^ (np.asarray(counter, dtype=np.uint64) * _GOLDEN))
        lanes = np.arange(1, channels + 1, dtype=np.uint64) * _MIX2
        z = _mix(base[:, None] + lanes[None, :])
    return (z >> _S11).astype(np.float64) * _TO_UNIT


def episode_key(base: UInt64Array, episode: int | UInt64Array) -> UInt64Array:
    """The key of a slot's ``episode``-th user, from the slot's base key (one hash, no loop)."""
    with np.errstate(over="ignore"):
        return _mix(
            np.asarray(base, dtype=np.uint64) ^ (np.asarray(episode, dtype=np.uint64) * _MIX1)
        )


SQRT3 = float(np.sqrt(3.0))
DAY_NORMALS = 4  # social life events, rating, mood, session length


def day_noise(
    keys: UInt64Array, day: int | UInt64Array, n_drift: int
) -> tuple[FloatArray, FloatArray]:
    """The noise of one simulated day: ``DAY_NORMALS`` normals and ``n_drift`` drift shocks.

    Drift shocks are uniform on [−√3, √3] (zero mean, unit variance): the natural preference walk
    sums them over many days, so it is Gaussian at the scale of weeks, and a uniform costs a
    fraction of a normal. The compiled kernel (:func:`sagym.envs.kernel.fill_day_noise`) draws
    the same numbers.
    """
    u = uniform(keys, day, DAY_NORMALS + n_drift)
    return _box_muller(u[:, :DAY_NORMALS]), SQRT3 * (2.0 * u[:, DAY_NORMALS:] - 1.0)


def _box_muller(u: FloatArray) -> FloatArray:
    """Normals from an even number of uniform lanes: pairs ``(r·cos θ, r·sin θ)``."""
    r = np.sqrt(-2.0 * np.log(1.0 - u[:, 0::2]))  # 1 − u in (0, 1]: safe for the logarithm
    theta = 2.0 * np.pi * u[:, 1::2]
    out = np.empty(u.shape)
    out[:, 0::2] = r * np.cos(theta)
    out[:, 1::2] = r * np.sin(theta)
    return out


def normal(keys: UInt64Array, counter: int | UInt64Array, channels: int) -> FloatArray:
    """Standard normal numbers of shape ``(len(keys), channels)`` by the Box–Muller transform.

    Lanes ``2j + 1`` and ``2j + 2`` make the pair ``(r·cos θ, r·sin θ)`` of channels ``2j`` and
    ``2j + 1``.
    """
    pairs = (channels + 1) // 2
    return _box_muller(uniform(keys, counter, 2 * pairs))[:, :channels]
