"""Statistics across seeds for comparing reward designs.

A reward-design comparison yields one number per (design, seed, metric), usually with only a handful
of seeds per design. Point estimates alone hide how much of a difference between designs is seed
noise, so this module reports, following Agarwal et al. (2021, "Deep RL at the Edge of the
Statistical Precipice"):

* the mean and the interquartile mean (IQM), the latter being robust to a single diverging seed
  while using more of the data than the median;
* percentile-bootstrap confidence intervals for both (:func:`bootstrap_ci`);
* the probability of improvement of one design over another (:func:`probability_of_improvement`,
  :func:`improvement_matrix`), which does not assume that the metric is normally distributed.

It is built on :mod:`scipy.stats` rather than ``rliable``, which does not work with pandas 3.

Reproducibility: every random draw comes from a :class:`numpy.random.Generator` built from an
explicit seed (or passed in), never from numpy's global state, so the same seed gives bit-identical
intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "FEW_SEEDS",
    "bootstrap_ci",
    "bootstrap_diff_ci",
    "bootstrap_rows",
    "few_seeds_note",
    "format_table",
    "improvement_matrix",
    "iqm",
    "probability_of_improvement",
    "summarize",
]

Statistic = Literal["mean", "iqm"]
FloatArray = NDArray[np.float64]

#: Share of samples cut from each end for the interquartile mean.
IQM_CUT = 0.25
#: Upper bound on the elements in one batch of bootstrap resamples, so that large samples do not
#: materialise an ``n_resamples x n`` array at once. The batch size depends only on ``n`` and
#: ``n_resamples``, so results stay deterministic for a given seed.
_MAX_BATCH_ELEMENTS = 4_000_000
#: Below this many seeds a percentile-bootstrap interval of the mean is no more than the range of
#: the values: two seeds can only be resampled into their own two values and their midpoint.
FEW_SEEDS = 3


def _clean(x: ArrayLike) -> FloatArray:
    """Flatten ``x`` to a float array with NaNs (missing runs) dropped."""
    arr = np.asarray(x, dtype=np.float64).ravel()
    return arr[~np.isnan(arr)]


def _iqm_along(x: FloatArray, axis: int = -1) -> FloatArray:
    """Vectorised IQM, as :func:`scipy.stats.bootstrap` wants (a statistic taking ``axis``)."""
    return np.asarray(stats.trim_mean(x, IQM_CUT, axis=axis), dtype=np.float64)


def _mean_along(x: FloatArray, axis: int = -1) -> FloatArray:
    """Vectorised mean, as :func:`scipy.stats.bootstrap` wants (a statistic taking ``axis``)."""
    return np.asarray(np.mean(x, axis=axis), dtype=np.float64)


_STATISTICS: dict[str, Callable[[FloatArray, int], FloatArray]] = {
    "mean": _mean_along,
    "iqm": _iqm_along,
}


def iqm(x: ArrayLike) -> float:
    """Interquartile mean: the mean of the middle 50% of the samples (NaNs dropped).

    With few seeds a single diverging run dominates the mean; the IQM discards the top and bottom
    quarter and so resists such outliers while, unlike the median, still averaging over half the
    data. ``trim_mean`` cuts ``int(0.25 * n)`` samples from each end, so for fewer than four samples
    nothing is cut and the IQM is the plain mean, which is the sensible fallback for one to three
    seeds. An empty (or all-NaN) input gives NaN.
    """
    arr = _clean(x)
    if arr.size == 0:
        return float("nan")
    if arr.size < 4:
        return float(np.mean(arr))
    return float(stats.trim_mean(arr, IQM_CUT))


def _point(arr: FloatArray, statistic: Statistic) -> float:
    """The statistic of an already-cleaned sample."""
    return float(np.mean(arr)) if statistic == "mean" else iqm(arr)


def bootstrap_ci(
    x: ArrayLike,
    statistic: Statistic = "mean",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """Point estimate and percentile-bootstrap confidence interval of the mean or IQM of ``x``.

    Returns ``(estimate, low, high)``. The bootstrap makes no normality assumption, which matters
    for RL returns across seeds (often skewed or bimodal). The percentile method is used rather
    than BCa because BCa's jackknife acceleration is undefined or unstable for the tiny, tie-heavy
    samples typical of seed sweeps (and for the IQM), where scipy returns NaNs and warns.

    NaNs are dropped first. An empty or all-NaN input gives ``(nan, nan, nan)``; a single sample or
    a constant sample has no sampling spread to resample, so the interval collapses to the estimate
    ``(v, v, v)`` without calling scipy (which would warn).

    ``seed`` is an integer (a fresh ``np.random.default_rng(seed)`` is built, so the same integer
    gives bit-identical intervals) or a Generator, which is advanced.
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be 'mean' or 'iqm', not {statistic!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, not {n_resamples!r}")
    arr = _clean(x)
    if arr.size == 0:
        nan = float("nan")
        return nan, nan, nan
    value = _point(arr, statistic)
    if arr.size < 2 or np.all(arr == arr[0]):
        return value, value, value
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    batch = max(1, min(n_resamples, _MAX_BATCH_ELEMENTS // arr.size))
    result = stats.bootstrap(
        (arr,),
        _STATISTICS[statistic],
        n_resamples=n_resamples,
        batch=batch,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=rng,
    )
    low = float(result.confidence_interval.low)
    high = float(result.confidence_interval.high)
    return value, low, high


def few_seeds_note(n: int) -> str | None:
    """A warning to print beside intervals over ``n`` seeds when ``n < FEW_SEEDS``, else None.

    With one seed there is no interval at all; with two, every bootstrap resample of the mean is
    one of the two values or their midpoint, so the "95 %" interval is the range of the two
    seeds, not a confidence statement.
    """
    if n >= FEW_SEEDS:
        return None
    what = "has no spread at all" if n <= 1 else "is only the range of the seeds' values"
    return (
        f"Warning: {n} seed(s) per design: a bootstrap interval over fewer than {FEW_SEEDS} "
        f"seeds {what}, not a 95 % confidence interval; run more seeds (--seeds) to compare "
        "designs."
    )


def bootstrap_diff_ci(
    x: ArrayLike,
    y: ArrayLike,
    statistic: Statistic = "mean",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """``statistic(x) - statistic(y)`` with a percentile-bootstrap interval, ``x`` and ``y``
    resampled independently (two designs' seeds are separate runs, not pairs).

    Returns ``(estimate, low, high)``; NaNs are dropped, and an empty side gives NaNs. When
    neither side has spread to resample (one value, or all equal), the interval is the estimate.
    Same ``seed``, same interval, bit for bit.
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be 'mean' or 'iqm', not {statistic!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, not {n_resamples!r}")
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        nan = float("nan")
        return nan, nan, nan
    value = _point(a, statistic) - _point(b, statistic)
    if all(v.size < 2 or np.all(v == v[0]) for v in (a, b)):
        return value, value, value
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    stat = _STATISTICS[statistic]
    diffs = np.empty(n_resamples)
    batch = max(1, min(n_resamples, _MAX_BATCH_ELEMENTS // max(a.size, b.size)))
    for start in range(0, n_resamples, batch):
        n = min(batch, n_resamples - start)
        ra = a[rng.integers(0, a.size, size=(n, a.size))]
        rb = b[rng.integers(0, b.size, size=(n, b.size))]
        diffs[start : start + n] = stat(ra, -1) - stat(rb, -1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return value, float(low), float(high)


def bootstrap_rows(
    values: ArrayLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int | np.random.Generator = 0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and percentile-bootstrap interval of every row of ``values`` (points x samples).

    For a band over days: row ``d`` holds each seed's value on day ``d``. One set of resampled
    sample indices serves every row, so a whole band costs one vectorised draw instead of a
    bootstrap per day, and the band is the per-day interval of :func:`bootstrap_ci` up to the
    draw. Rows with NaNs (a missing seed) use the other samples. Returns ``(mean, low, high)``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, not {n_resamples!r}")
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"values must be 2-D (points x samples); got shape {arr.shape}")
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN, as they should
        mean = np.nanmean(arr, axis=1)
        if arr.shape[1] < 2:
            return mean, mean.copy(), mean.copy()
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        idx = rng.integers(0, arr.shape[1], size=(n_resamples, arr.shape[1]))
        means = np.nanmean(arr[:, idx], axis=2)  # points x resamples
        tail = (1.0 - confidence) / 2.0
        low, high = np.nanquantile(means, [tail, 1.0 - tail], axis=1)
    return mean, np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def probability_of_improvement(x: ArrayLike, y: ArrayLike) -> float:
    """``P(X > Y) + 0.5 P(X = Y)`` for ``X`` drawn from ``x`` and ``Y`` from ``y`` (NaNs dropped).

    This is the Mann-Whitney U statistic of ``x`` divided by ``len(x) * len(y)``: the share of all
    (seed of x, seed of y) pairs that ``x`` wins, ties counting half. It says how often one design
    beats another rather than by how much, so it is insensitive to outliers and scale. 1.0 means
    every sample of ``x`` beats every sample of ``y``, 0.0 the reverse, 0.5 no preference; and
    ``P(x, y) + P(y, x) == 1``. Computed exactly by sorting (``O(n log n)``); NaN if either input is
    empty.
    """
    a = _clean(x)
    b = np.sort(_clean(y))
    if a.size == 0 or b.size == 0:
        return float("nan")
    below = np.searchsorted(b, a, side="left")  # samples of y strictly below each sample of x
    at_or_below = np.searchsorted(b, a, side="right")
    twice_wins = int(np.sum(below, dtype=np.int64) + np.sum(at_or_below, dtype=np.int64))
    return twice_wins / (2 * a.size * b.size)


def _as_list(group: str | Sequence[str]) -> list[str]:
    return [group] if isinstance(group, str) else list(group)


def summarize(
    df: pd.DataFrame,
    group: str | list[str],
    metrics: list[str],
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean and IQM with bootstrap intervals for every (group, metric), typically one row per seed.

    Returns one row per (group value, metric), groups in order of first appearance and metrics in
    the given order, with the group column(s), ``metric``, ``n`` (non-NaN samples), ``mean``,
    ``mean_low``, ``mean_high``, ``iqm``, ``iqm_low`` and ``iqm_high``.

    Every cell is bootstrapped with a generator freshly seeded from ``seed``, so a row does not
    depend on which other groups or metrics are in the table, and reruns are bit-identical.
    """
    keys = _as_list(group)
    missing = [c for c in [*keys, *metrics] if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the DataFrame: {missing}")
    rows: list[dict[str, object]] = []
    grouped = df.groupby(keys if len(keys) > 1 else keys[0], sort=False, dropna=False)
    for name, part in grouped:
        values = name if isinstance(name, tuple) else (name,)
        labels = dict(zip(keys, values, strict=True))
        for metric in metrics:
            col = part[metric].to_numpy(dtype=np.float64, na_value=np.nan)
            mean, mean_low, mean_high = bootstrap_ci(col, "mean", confidence, n_resamples, seed)
            mid, mid_low, mid_high = bootstrap_ci(col, "iqm", confidence, n_resamples, seed)
            rows.append(
                {
                    **labels,
                    "metric": metric,
                    "n": int(np.count_nonzero(~np.isnan(col))),
                    "mean": mean,
                    "mean_low": mean_low,
                    "mean_high": mean_high,
                    "iqm": mid,
                    "iqm_low": mid_low,
                    "iqm_high": mid_high,
                }
            )
    columns = [*keys, "metric", "n", "mean", "mean_low", "mean_high", "iqm", "iqm_low", "iqm_high"]
    return pd.DataFrame(rows, columns=columns)


def improvement_matrix(
    df: pd.DataFrame, group: str, metric: str, higher_is_better: bool = True
) -> pd.DataFrame:
    """Pairwise probability of improvement between the designs in ``df[group]``.

    Entry ``[a, b]`` is the probability that a seed of design ``a`` beats a seed of design ``b`` on
    ``metric`` (see :func:`probability_of_improvement`); when lower is better, a win is a lower
    value. The diagonal is 0.5 and ``M[a, b] + M[b, a] == 1``, so the matrix reads as a tournament:
    rows with entries well above 0.5 are designs that reliably beat the others. Rows and columns are
    in order of first appearance.
    """
    samples = {
        name: part[metric].to_numpy(dtype=np.float64, na_value=np.nan)
        for name, part in df.groupby(group, sort=False, dropna=False)
    }
    names = list(samples)
    out = np.full((len(names), len(names)), np.nan)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                out[i, j] = 0.5 if _clean(samples[a]).size else np.nan
            elif j > i:
                p = probability_of_improvement(samples[a], samples[b])
                out[i, j] = p if higher_is_better else 1.0 - p
                out[j, i] = 1.0 - out[i, j]
    index = pd.Index(names, name=group)
    return pd.DataFrame(out, index=index, columns=pd.Index(names, name=group))


def _fmt(value: float, digits: int) -> str:
    return "nan" if np.isnan(value) else f"{value:.{digits}f}"


def format_table(
    summary: pd.DataFrame,
    group: str | list[str],
    metrics: list[str] | None = None,
    digits: int = 3,
) -> str:
    """A fixed-width text table of a :func:`summarize` result, for terminals and logs.

    One row per group value, one column per metric, each cell ``"mean [low, high]"`` (the mean and
    its bootstrap interval). Metrics default to those in ``summary`` in order of appearance. The
    first line is a header, the second a rule; the group column is left-aligned and, within each
    metric column, the means are right-aligned and the intervals start in one column, so the numbers
    line up. ``group`` may name several columns (as passed to :func:`summarize`); their values are
    joined with ", ". A missing (group, metric) cell shows "-".
    """
    keys = _as_list(group)
    if metrics is None:
        metrics = list(dict.fromkeys(summary["metric"].tolist()))
    # cells[label][metric] = (mean, "[low, high]"), padded per metric below so that the means line
    # up on their decimal points and the brackets start in one column.
    cells: dict[str, dict[str, tuple[str, str]]] = {}
    for record in summary.to_dict("records"):
        label = ", ".join(str(record[k]) for k in keys)
        metric = str(record["metric"])
        if metric not in metrics:
            continue
        low = _fmt(float(record["mean_low"]), digits)
        high = _fmt(float(record["mean_high"]), digits)
        cells.setdefault(label, {})[metric] = (
            _fmt(float(record["mean"]), digits),
            f"[{low}, {high}]",
        )
    labels = list(cells)
    columns: list[list[str]] = []  # one list of formatted cells per metric, in label order
    for metric in metrics:
        parts = [cells[label].get(metric, ("-", "")) for label in labels]
        mean_width = max([0, *(len(m) for m, _ in parts)])
        interval_width = max([0, *(len(i) for _, i in parts)])
        column = [f"{m.rjust(mean_width)} {i.ljust(interval_width)}" for m, i in parts]
        width = max([len(metric), *(len(c) for c in column)])
        columns.append([metric.rjust(width), *(c.rjust(width) for c in column)])
    label_header = ", ".join(keys)
    label_width = max([len(label_header), *(len(label) for label in labels)])
    sep = "  "
    first = [label_header, *labels]
    lines = [
        sep.join([first[i].ljust(label_width), *(col[i] for col in columns)]).rstrip()
        for i in range(len(first))
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)
