"""Tests of showdown.measure.stats against numpy and known distributions."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from showdown.errors import ConfigError
from showdown.measure import stats
from showdown.measure.stats import (
    compare,
    median_ci,
    median_ci_rank,
    steady_state_index,
    summarize,
)

WIN = re.compile(r"^(\w+) (\d+\.\d\d)× (\w+) \(95% CI (\d+\.\d\d)–(\d+\.\d\d)\)$")
NO_DIFF = re.compile(
    r"^no significant difference \(ratio \d+\.\d\d, 95% CI \d+\.\d\d–\d+\.\d\d, p=[\d.e-]+\)$"
)


def test_summary_matches_numpy_on_known_data():
    values = np.random.default_rng(3).permutation(np.arange(1.0, 101.0))
    s = summarize(values)
    assert s.n == 100
    assert s.median == pytest.approx(50.5)
    assert s.mean == pytest.approx(50.5)
    assert s.std == pytest.approx(np.std(values, ddof=1))
    assert s.cv == pytest.approx(np.std(values, ddof=1) / 50.5)
    q1, q3, p90, p99 = np.percentile(values, [25, 75, 90, 99])
    assert (s.q1, s.q3, s.p90, s.p99) == pytest.approx((q1, q3, p90, p99))
    assert (s.q1, s.q3) == pytest.approx((25.75, 75.25))  # linear interpolation
    assert s.iqr == pytest.approx(49.5)
    assert (s.min, s.max) == (1.0, 100.0)
    assert s.ci_low < s.median < s.ci_high
    assert s.unstable  # cv is about 0.57
    assert s.to_dict()["p99"] == pytest.approx(p99)


def test_summary_of_tight_data_is_stable():
    s = summarize(np.random.default_rng(0).normal(1.0, 0.02, 200))
    assert not s.unstable
    assert s.cv == pytest.approx(0.02, rel=0.2)


def test_summary_of_one_value():
    s = summarize([0.25])
    assert (s.n, s.median, s.std, s.cv, s.ci_low, s.ci_high) == (1, 0.25, 0.0, 0.0, 0.25, 0.25)
    assert not s.unstable


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [float("inf")]])
def test_summary_rejects_empty_and_non_finite(bad):
    with pytest.raises(ConfigError):
        summarize(bad)


def test_median_ci_contains_true_median_and_shrinks_with_n():
    rng = np.random.default_rng(42)
    widths = []
    for n in (50, 500, 5000):
        low, high = median_ci(rng.normal(10.0, 1.0, n))
        assert low < 10.0 < high
        widths.append(high - low)
    assert widths[0] > 2 * widths[1] > 4 * widths[2]  # about 1/sqrt(n)


def test_median_ci_is_deterministic_for_a_seed():
    x = np.random.default_rng(1).lognormal(0.0, 0.5, 300)
    assert median_ci(x, seed=7) == median_ci(x, seed=7)
    assert median_ci(x, seed=7) != median_ci(x, seed=8)


def test_median_ci_coverage_is_near_nominal():
    rng = np.random.default_rng(5)
    hits = sum(lo < 0.0 < hi for lo, hi in (median_ci(rng.normal(0, 1, 60), seed=i)
                                            for i in range(400)))
    assert 0.90 <= hits / 400 <= 0.99


@pytest.mark.parametrize("n", [2, 7, 31, 40])
def test_fast_bootstrap_has_the_distribution_of_naive_resampling(n):
    x = np.random.default_rng(n).lognormal(0.0, 1.0, n)
    draws = 40_000
    idx = np.random.default_rng(1).integers(0, n, size=(draws, n))
    naive = np.median(x[idx], axis=1)
    fast = stats._boot_medians(x, draws, np.random.default_rng(2))
    grid = np.unique(np.concatenate([naive, fast]))
    ecdf = lambda d: np.searchsorted(np.sort(d), grid, side="right") / d.size  # noqa: E731
    assert np.max(np.abs(ecdf(naive) - ecdf(fast))) < 0.015  # KS distance


def test_rank_ci_contains_median_and_covers():
    rng = np.random.default_rng(9)
    low, high = median_ci_rank(rng.normal(5.0, 1.0, 2000))
    assert low < 5.0 < high
    hits = sum(lo < 0.0 < hi for lo, hi in (median_ci_rank(rng.normal(0, 1, 40))
                                            for _ in range(1000)))
    assert hits / 1000 >= 0.93  # exact method: at least nominal, up to sampling noise
    assert median_ci_rank([3.0, 1.0, 2.0]) == (1.0, 3.0)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5])
def test_confidence_must_be_a_probability(bad):
    with pytest.raises(ConfigError, match="confidence"):
        median_ci([1.0, 2.0], confidence=bad)


def _times(median, n, seed, spread=0.05):
    return median * np.random.default_rng(seed).lognormal(0.0, spread, n)


def test_compare_finds_a_20_percent_difference_with_the_right_orientation():
    fast, slow = _times(1.0, 40, 1), _times(1.2, 40, 2)
    c = compare(fast, slow, name_a="torch", name_b="tensorflow")
    assert c.significant and c.winner == "torch"
    assert c.ratio == pytest.approx(1.2, rel=0.05)
    assert c.ci_low > 1.0 and c.p_value < 1e-6
    name, ratio, word, low, high = WIN.match(c.text).groups()
    assert (name, word) == ("torch", "faster")
    assert float(low) <= float(ratio) <= float(high)

    flipped = compare(slow, fast, name_a="tensorflow", name_b="torch")
    assert flipped.winner == "torch" and flipped.ratio < 1.0
    assert WIN.match(flipped.text).group(1, 2) == ("torch", f"{c.ratio:.2f}")
    assert flipped.relative("tensorflow").endswith("slower")


def test_compare_higher_is_better_and_custom_words():
    low_acc, high_acc = _times(0.80, 30, 3, 0.01), _times(0.90, 30, 4, 0.01)
    c = compare(low_acc, high_acc, name_a="torch", name_b="tensorflow", lower_is_better=False)
    assert c.winner == "tensorflow"
    assert WIN.match(c.text).group(1, 3) == ("tensorflow", "higher")
    c = compare(low_acc, high_acc, name_a="a", name_b="b", lower_is_better=False,
                better_word="better")
    assert " better (95% CI" in c.text


def test_compare_same_distribution_is_not_significant():
    c = compare(_times(1.0, 50, 10), _times(1.0, 50, 11), name_a="torch", name_b="tensorflow")
    assert not c.significant and c.winner is None
    assert NO_DIFF.match(c.text), c.text
    assert c.ci_low < 1.0 < c.ci_high


def test_compare_false_positive_rate_is_at_most_alpha():
    positives = sum(compare(_times(1.0, 30, 2 * i), _times(1.0, 30, 2 * i + 1),
                            name_a="a", name_b="b").significant for i in range(200))
    assert positives <= 16  # 5% of 200 is 10; the joint rule is stricter than the test alone


def test_ratio_ci_brackets_the_true_ratio():
    hits = 0
    for i in range(100):
        c = compare(_times(1.0, 100, 2 * i, 0.2), _times(1.25, 100, 2 * i + 1, 0.2),
                    name_a="a", name_b="b", seed=i)
        hits += c.ci_low < 1.25 < c.ci_high
    assert hits >= 85


def test_compare_with_too_few_samples_says_why():
    c = compare([1.0, 1.1], _times(2.0, 20, 1), name_a="torch", name_b="tensorflow")
    assert not c.significant and c.winner is None
    assert math.isnan(c.p_value) and math.isnan(c.ci_low)
    assert "too few samples" in c.text and "torch: 2" in c.text
    assert c.to_dict()["p_value"] is None


def test_compare_of_identical_constants_is_not_significant():
    c = compare([1.0] * 5, [1.0] * 5, name_a="a", name_b="b")
    assert (c.ratio, c.p_value, c.significant) == (1.0, 1.0, False)


def test_compare_rejects_non_positive_medians_and_unknown_sides():
    with pytest.raises(ConfigError, match="positive"):
        compare([0.0] * 5, [1.0] * 5, name_a="a", name_b="b")
    c = compare([1.0] * 5, [2.0] * 5, name_a="a", name_b="b")
    with pytest.raises(ConfigError, match="unknown side"):
        c.relative("c")


def test_steady_state_found_after_a_decaying_warmup():
    i = np.arange(200)
    rng = np.random.default_rng(0)
    values = 1e-3 * (1.0 + 5.0 * np.exp(-i / 10.0)) * rng.normal(1.0, 0.005, i.size)
    k = steady_state_index(values)
    assert k is not None and k % 5 == 0
    # The tail's band is about the excess 5*exp(-i/10) at its start: <= 5% from i ~ 46.
    assert 35 <= k <= 55
    assert np.median(values[k:k + 5]) == pytest.approx(1e-3, rel=0.2)


def test_steady_state_rules():
    assert steady_state_index([2.0] * 15) == 0
    assert steady_state_index([2.0] * 14) is None  # fewer than three full windows
    # Neighbouring windows differ by under 5% at the end, but three windows span 7%.
    assert steady_state_index(np.linspace(1.0, 10.0, 100)) is None
    assert steady_state_index(np.linspace(1.0, 10.0, 100), min_windows=2) == 90
    spiky = [1.0] * 30
    spiky[12] = 50.0  # a GC pause does not move a window median
    assert steady_state_index(spiky) == 0
    assert steady_state_index([5, 5, 3, 3, 1, 1, 1, 1, 1, 1], window=2) == 4
    with pytest.raises(ConfigError):
        steady_state_index([1.0] * 10, window=0)
    with pytest.raises(ConfigError):
        steady_state_index([1.0] * 10, min_windows=1)


def test_underpowered_comparisons_say_so_instead_of_no_difference():
    from showdown.measure.stats import compare, smallest_p

    assert smallest_p(3, 3) == pytest.approx(0.1)
    assert smallest_p(4, 4) == pytest.approx(2 / 70)
    assert smallest_p(2000, 3000) == 0.0  # huge samples: no overflow
    few = compare([1.0, 1.1, 1.05], [3.0, 3.1, 3.2], name_a="a", name_b="b")
    assert not few.significant and few.text.startswith("too few samples for a significance test (n=3 vs 3")
    enough = compare([1.0, 1.1, 1.05, 1.02], [3.0, 3.1, 3.2, 3.05], name_a="a", name_b="b")
    assert enough.significant and enough.winner == "a"
