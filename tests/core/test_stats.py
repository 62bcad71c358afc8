"""Tests for sagym.stats: bootstrap intervals, IQM, probability of improvement, summaries."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagym.stats import (
    bootstrap_ci,
    format_table,
    improvement_matrix,
    iqm,
    probability_of_improvement,
    summarize,
)

FAST = settings(max_examples=60, deadline=None)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=1, max_size=30)


@pytest.fixture
def runs() -> pd.DataFrame:
    """Three designs x 8 seeds x 2 metrics, with clearly separated returns."""
    rng = np.random.default_rng(123)
    designs = ["engagement", "wellbeing", "hybrid"]
    offsets = {"engagement": 0.0, "wellbeing": 5.0, "hybrid": 2.5}
    rows = []
    for design in designs:
        for seed in range(8):
            rows.append(
                {
                    "design": design,
                    "seed": seed,
                    "return": offsets[design] + rng.normal(),
                    "churn": rng.uniform(),
                }
            )
    return pd.DataFrame(rows)


# --- iqm -----------------------------------------------------------------------------------------


def test_iqm_hand_computed() -> None:
    # 8 samples: cut 2 from each end -> mean of [3, 4, 5, 6]
    assert iqm([1, 2, 3, 4, 100, 5, 6, 7]) == pytest.approx(4.5)
    # 4 samples: cut 1 from each end -> mean of [2, 3]
    assert iqm([4, 1, 3, 2]) == pytest.approx(2.5)


def test_iqm_ignores_outliers() -> None:
    base = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    with_outlier = [*base[:-1], 1e9]
    assert iqm(with_outlier) == pytest.approx(iqm(base)) == pytest.approx(4.5)
    assert np.mean(with_outlier) > 1e8  # the mean does not resist it


def test_iqm_few_samples_fall_back_to_mean() -> None:
    assert iqm([7.0]) == 7.0
    assert iqm([1.0, 2.0]) == pytest.approx(1.5)
    assert iqm([1.0, 2.0, 6.0]) == pytest.approx(3.0)
    assert np.isnan(iqm([]))
    assert np.isnan(iqm([np.nan, np.nan]))
    assert iqm([1.0, np.nan, 2.0]) == pytest.approx(1.5)


@FAST
@given(samples)
def test_iqm_between_min_and_max(xs: list[float]) -> None:
    value = iqm(xs)
    tol = 1e-9 * max(1.0, max(abs(v) for v in xs))
    assert min(xs) - tol <= value <= max(xs) + tol


# --- bootstrap_ci --------------------------------------------------------------------------------


def test_bootstrap_covers_known_mean_and_narrows() -> None:
    rng = np.random.default_rng(0)
    small = rng.normal(10.0, 2.0, size=100)
    large = rng.normal(10.0, 2.0, size=2000)
    est_s, lo_s, hi_s = bootstrap_ci(small, seed=1)
    est_l, lo_l, hi_l = bootstrap_ci(large, seed=1)
    assert lo_s < 10.0 < hi_s
    assert lo_l < 10.0 < hi_l
    assert lo_s <= est_s <= hi_s
    assert lo_l <= est_l <= hi_l
    assert est_l == pytest.approx(np.mean(large))
    # standard error shrinks like 1/sqrt(n): 20x the data, about 4.5x narrower
    assert (hi_l - lo_l) < 0.5 * (hi_s - lo_s)
    # 95% interval of a mean of n normals is about 2 * 1.96 * sigma / sqrt(n)
    assert hi_l - lo_l == pytest.approx(2 * 1.96 * 2.0 / np.sqrt(2000), rel=0.2)


def test_bootstrap_iqm_covers_center_despite_outliers() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0.0, 1.0, size=200), [1e6, -1e6, 5e5]])
    est, lo, hi = bootstrap_ci(x, statistic="iqm", seed=2)
    assert est == pytest.approx(iqm(x))
    assert -0.5 < lo < est < hi < 0.5


def test_higher_confidence_gives_wider_interval() -> None:
    x = np.random.default_rng(3).normal(size=50)
    _, lo90, hi90 = bootstrap_ci(x, confidence=0.90, seed=0)
    _, lo99, hi99 = bootstrap_ci(x, confidence=0.99, seed=0)
    assert lo99 < lo90 and hi90 < hi99


@pytest.mark.parametrize("statistic", ["mean", "iqm"])
def test_degenerate_inputs_collapse_without_warnings(statistic: Literal["mean", "iqm"]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bootstrap_ci([3.5] * 10, statistic) == (3.5, 3.5, 3.5)
        assert bootstrap_ci([2.0], statistic) == (2.0, 2.0, 2.0)
        assert bootstrap_ci([np.nan, 4.0, np.nan], statistic) == (4.0, 4.0, 4.0)
        for empty in ([], [np.nan, np.nan]):
            result = bootstrap_ci(empty, statistic)
            assert len(result) == 3 and all(np.isnan(v) for v in result)
        # two distinct samples: a real (if crude) interval
        est, lo, hi = bootstrap_ci([1.0, 2.0], statistic)
        assert (est, lo, hi) == (1.5, 1.0, 2.0)


def test_nans_are_dropped() -> None:
    x = np.random.default_rng(4).normal(size=30)
    with_nans = np.concatenate([x[:10], [np.nan], x[10:], [np.nan]])
    assert bootstrap_ci(with_nans, seed=9) == bootstrap_ci(x, seed=9)


def test_same_seed_is_bit_identical_and_seed_matters() -> None:
    x = np.random.default_rng(7).exponential(size=40)
    np.random.seed(0)  # noqa: NPY002  (deliberate: the global state must play no part)
    a = bootstrap_ci(x, "iqm", seed=11)
    np.random.seed(1)  # noqa: NPY002
    b = bootstrap_ci(x, "iqm", seed=11)
    assert a == b
    c = bootstrap_ci(x, "iqm", seed=12)
    assert a[0] == c[0]  # the point estimate does not depend on the seed
    assert a[1:] != c[1:]
    # a Generator works too and equals the integer seed it was built from
    assert bootstrap_ci(x, "iqm", seed=np.random.default_rng(11)) == a


def test_bootstrap_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="statistic must be"):
        bootstrap_ci([1.0, 2.0], statistic="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence must be in"):
        bootstrap_ci([1.0, 2.0], confidence=1.5)


@FAST
@given(st.lists(finite, min_size=2, max_size=20), st.sampled_from(["mean", "iqm"]))
def test_interval_is_ordered_and_within_data_range(
    xs: list[float], statistic: Literal["mean", "iqm"]
) -> None:
    est, lo, hi = bootstrap_ci(xs, statistic, n_resamples=200, seed=0)
    tol = 1e-9 * max(1.0, max(abs(v) for v in xs))
    assert lo <= hi
    assert min(xs) - tol <= lo and hi <= max(xs) + tol
    assert min(xs) - tol <= est <= max(xs) + tol


# --- probability_of_improvement ------------------------------------------------------------------


def test_probability_of_improvement_extremes() -> None:
    better = [10.0, 11.0, 12.0, 13.0]
    worse = [1.0, 2.0, 3.0]
    assert probability_of_improvement(better, worse) == 1.0
    assert probability_of_improvement(worse, better) == 0.0
    same = [1.0, 5.0, 2.0, 2.0]
    assert probability_of_improvement(same, same) == 0.5
    assert probability_of_improvement([3.0] * 4, [3.0] * 7) == 0.5


def test_probability_of_improvement_hand_computed() -> None:
    # pairs (x, y): 2 > 1 wins, 2 = 2 ties, 2 < 3 loses; 4 beats all three -> (1 + 0.5 + 3) / 6
    assert probability_of_improvement([2.0, 4.0], [1.0, 2.0, 3.0]) == pytest.approx(4.5 / 6)
    assert probability_of_improvement([1.0, np.nan], [0.0]) == 1.0
    assert np.isnan(probability_of_improvement([], [1.0]))


def test_probability_of_improvement_matches_mann_whitney() -> None:
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(8)
    x = rng.integers(0, 5, size=17).astype(float)  # many ties
    y = rng.integers(0, 5, size=11).astype(float)
    u = mannwhitneyu(x, y).statistic
    assert probability_of_improvement(x, y) == pytest.approx(u / (x.size * y.size))


@FAST
@given(samples, samples)
def test_probability_of_improvement_is_complementary(xs: list[float], ys: list[float]) -> None:
    p = probability_of_improvement(xs, ys)
    q = probability_of_improvement(ys, xs)
    assert 0.0 <= p <= 1.0
    assert p + q == pytest.approx(1.0, abs=1e-12)


@FAST
@given(samples, st.floats(min_value=1e-3, max_value=1e3))
def test_probability_of_improvement_shift_dominates(xs: list[float], gap: float) -> None:
    shifted = [max(xs) + gap + v - min(xs) for v in xs]
    assert probability_of_improvement(shifted, xs) == 1.0


# --- summarize -----------------------------------------------------------------------------------


COLUMNS = ["metric", "n", "mean", "mean_low", "mean_high", "iqm", "iqm_low", "iqm_high"]


def test_summarize_rows_columns_and_means(runs: pd.DataFrame) -> None:
    out = summarize(runs, "design", ["return", "churn"], n_resamples=500)
    assert list(out.columns) == ["design", *COLUMNS]
    assert len(out) == 3 * 2
    # groups in order of first appearance, metrics in the given order
    assert list(out["design"]) == ["engagement"] * 2 + ["wellbeing"] * 2 + ["hybrid"] * 2
    assert list(out["metric"]) == ["return", "churn"] * 3
    assert (out["n"] == 8).all()
    expected = runs.groupby("design")[["return", "churn"]].mean()
    for record in out.to_dict("records"):
        design, metric = str(record["design"]), str(record["metric"])
        mean, low, high = (float(record[k]) for k in ("mean", "mean_low", "mean_high"))
        values = runs.loc[runs["design"] == design, metric]
        assert mean == pytest.approx(expected[metric][design])
        assert float(record["iqm"]) == pytest.approx(iqm(values))
        assert low <= mean <= high
        assert float(record["iqm_low"]) <= float(record["iqm_high"])


def test_summarize_is_deterministic_and_row_independent(runs: pd.DataFrame) -> None:
    a = summarize(runs, "design", ["return"], n_resamples=300, seed=3)
    b = summarize(runs, "design", ["return"], n_resamples=300, seed=3)
    pd.testing.assert_frame_equal(a, b)
    # a row does not depend on which other groups are present
    alone = summarize(
        runs[runs["design"] == "hybrid"], "design", ["return"], n_resamples=300, seed=3
    )
    pd.testing.assert_frame_equal(alone, a[a["design"] == "hybrid"].reset_index(drop=True))
    # and matches bootstrap_ci called directly
    hybrid = runs.loc[runs["design"] == "hybrid", "return"]
    assert tuple(alone.loc[0, ["mean", "mean_low", "mean_high"]]) == bootstrap_ci(
        hybrid, n_resamples=300, seed=3
    )


def test_summarize_multiple_group_columns_and_nans() -> None:
    df = pd.DataFrame(
        {
            "design": ["a", "a", "a", "b", "b", "b"],
            "env": ["x", "x", "y", "x", "x", "x"],
            "score": [1.0, 3.0, np.nan, 2.0, 2.0, 2.0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = summarize(df, ["design", "env"], ["score"], n_resamples=200)
    assert list(out.columns) == ["design", "env", *COLUMNS]
    assert list(zip(out["design"], out["env"], strict=True)) == [("a", "x"), ("a", "y"), ("b", "x")]
    assert list(out["n"]) == [2, 0, 3]
    assert out.loc[0, "mean"] == 2.0
    assert out.loc[1, ["mean", "mean_low", "mean_high", "iqm"]].isna().all()
    assert tuple(out.loc[2, ["mean", "mean_low", "mean_high"]]) == (2.0, 2.0, 2.0)


def test_summarize_missing_column(runs: pd.DataFrame) -> None:
    with pytest.raises(KeyError):
        summarize(runs, "design", ["nope"])


# --- improvement_matrix --------------------------------------------------------------------------


def test_improvement_matrix_antisymmetric(runs: pd.DataFrame) -> None:
    m = improvement_matrix(runs, "design", "return")
    assert list(m.index) == list(m.columns) == ["engagement", "wellbeing", "hybrid"]
    values = m.to_numpy()
    np.testing.assert_allclose(np.diag(values), 0.5)
    np.testing.assert_allclose(values + values.T, 1.0)
    # the offsets separate the designs completely
    assert m.loc["wellbeing", "engagement"] == 1.0
    assert m.loc["engagement", "wellbeing"] == 0.0
    grp = runs.groupby("design")["return"]
    assert m.loc["hybrid", "engagement"] == probability_of_improvement(
        grp.get_group("hybrid"), grp.get_group("engagement")
    )


def test_improvement_matrix_lower_is_better(runs: pd.DataFrame) -> None:
    hi = improvement_matrix(runs, "design", "churn")
    lo = improvement_matrix(runs, "design", "churn", higher_is_better=False)
    np.testing.assert_allclose(lo.to_numpy(), hi.to_numpy().T)
    np.testing.assert_allclose(np.diag(lo.to_numpy()), 0.5)


# --- format_table --------------------------------------------------------------------------------


def test_format_table_contents(runs: pd.DataFrame) -> None:
    summary = summarize(runs, "design", ["return", "churn"], n_resamples=200)
    text = format_table(summary, "design", digits=2)
    lines = text.splitlines()
    assert len(lines) == 2 + 3  # header, rule, one line per design
    assert lines[0].startswith("design")
    assert "return" in lines[0] and "churn" in lines[0]
    assert set(lines[1]) == {"-"}
    for design in ["engagement", "wellbeing", "hybrid"]:
        assert sum(line.startswith(design) for line in lines[2:]) == 1
    row = summary.iloc[0]
    cell = f"{row['mean']:.2f} [{row['mean_low']:.2f}, {row['mean_high']:.2f}]"
    assert cell in lines[2]
    # fixed width: the brackets of one metric column start in the same place on every row
    assert len({line.index("[") for line in lines[2:]}) == 1


def test_format_table_metric_subset(runs: pd.DataFrame) -> None:
    summary = summarize(runs, "design", ["return", "churn"], n_resamples=200)
    text = format_table(summary, "design", metrics=["churn"])
    assert "churn" in text and "return" not in text
    assert text.count("[") == 3


# ------------------------------------------------------------- differences, bands, few seeds
@FAST
@given(samples, samples)
def test_difference_interval_holds_the_difference_of_means(x: list[float], y: list[float]) -> None:
    from sagym.stats import bootstrap_diff_ci

    value, low, high = bootstrap_diff_ci(x, y, seed=3)
    assert value == pytest.approx(np.mean(x) - np.mean(y), abs=1e-6)
    assert low <= high
    # every resample's difference lies between the extremes of the two samples
    assert min(x) - max(y) - 1e-6 <= low and high <= max(x) - min(y) + 1e-6
    assert (value, low, high) == bootstrap_diff_ci(x, y, seed=3)


def test_difference_interval_edges() -> None:
    from sagym.stats import bootstrap_diff_ci

    assert bootstrap_diff_ci([1.0, 1.0], [0.25]) == (0.75, 0.75, 0.75)
    assert all(np.isnan(v) for v in bootstrap_diff_ci([], [1.0]))
    assert bootstrap_diff_ci([1.0, np.nan, 3.0], [0.0])[0] == 2.0
    with pytest.raises(ValueError, match="statistic must be 'mean' or 'iqm', not 'median'"):
        bootstrap_diff_ci([1.0], [2.0], statistic="median")  # type: ignore[arg-type]
    separated = bootstrap_diff_ci(np.arange(10.0) + 100, np.arange(10.0), seed=0)
    assert 95 < separated[1] <= separated[0] == 100.0 <= separated[2] < 105


def test_row_bands_match_a_per_row_bootstrap_in_distribution() -> None:
    from sagym.stats import bootstrap_rows

    rng = np.random.default_rng(0)
    values = rng.normal(size=(4, 6)) + np.arange(4)[:, None]
    mean, low, high = bootstrap_rows(values, seed=1)
    assert mean.tolist() == values.mean(axis=1).tolist()
    assert (low <= mean).all() and (mean <= high).all()
    for row, lo, hi in zip(values, low, high, strict=True):
        _, ref_low, ref_high = bootstrap_ci(row, seed=2, n_resamples=4000)
        assert lo == pytest.approx(ref_low, abs=0.15) and hi == pytest.approx(ref_high, abs=0.15)
    again = bootstrap_rows(values, seed=1)
    assert all((a == b).all() for a, b in zip(again, (mean, low, high), strict=True))
    one = bootstrap_rows(values[:, :1])
    assert one[1].tolist() == one[0].tolist() == one[2].tolist()
    with pytest.raises(ValueError, match=r"values must be 2-D \(points x samples\); got shape"):
        bootstrap_rows(values[0])


def test_few_seeds_note() -> None:
    from sagym.stats import FEW_SEEDS, few_seeds_note

    assert FEW_SEEDS == 3 and few_seeds_note(3) is None and few_seeds_note(10) is None
    assert "is only the range of the seeds' values" in str(few_seeds_note(2))
    assert "has no spread at all" in str(few_seeds_note(1))
    # two seeds: the mean's bootstrap interval is exactly their range
    assert bootstrap_ci([0.2, 0.6], seed=0)[1:] == (0.2, 0.6)
