"""Statistics over samples: summaries, confidence intervals, comparisons, warm-up detection.

Everything here is numpy/scipy only and deterministic for a given ``seed``. Intervals on the
median use the percentile bootstrap (``median_ci``); ``median_ci_rank`` is the exact,
distribution-free alternative from order statistics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as _sps

from showdown.errors import ConfigError, positive_int

#: A summary is flagged unstable when its coefficient of variation exceeds this.
UNSTABLE_CV = 0.10
#: Fewest samples per side for which ``compare`` attempts a significance test.
MIN_COMPARE_SAMPLES = 3

Values = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one set of samples (seconds, or any positive metric).

    ``std`` is the sample standard deviation (ddof=1; 0 for a single value), percentiles use
    numpy's default linear interpolation, and ``ci_low``/``ci_high`` bound the median with a
    percentile bootstrap at ``confidence``.
    """

    n: int
    median: float
    mean: float
    std: float
    cv: float
    q1: float
    q3: float
    iqr: float
    p90: float
    p99: float
    min: float
    max: float
    ci_low: float
    ci_high: float
    unstable: bool
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain, JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two sample sets with ``compare``.

    ``ratio`` is oriented so that ``ratio > 1`` means ``name_a`` is better; ``ci_low`` and
    ``ci_high`` bound it. ``p_value`` is the two-sided Mann-Whitney U p-value. Values that
    cannot be computed (too few samples) are NaN; ``to_dict`` turns them into None.
    """

    name_a: str
    name_b: str
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    winner: str | None
    text: str
    confidence: float = 0.95
    n_a: int = 0
    n_b: int = 0
    better_word: str = "faster"
    worse_word: str = "slower"

    def relative(self, name: str) -> str:
        """Phrase the ratio from one side's point of view, e.g. ``tensorflow 1.23× slower``.

        Args:
            name: ``name_a`` or ``name_b``.

        Returns:
            The side's name, the ratio as seen from that side (always ≥ 1) and the better or
            worse word. It does not say whether the difference is significant.

        Raises:
            ConfigError: When ``name`` is neither side.
        """
        if name not in (self.name_a, self.name_b):
            raise ConfigError(f"unknown side {name!r}: choose from {self.name_a}, {self.name_b}")
        ratio = self.ratio if name == self.name_a else 1.0 / self.ratio
        word = self.better_word if ratio >= 1.0 else self.worse_word
        return f"{name} {max(ratio, 1.0 / ratio):.2f}× {word}"

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict, with NaN replaced by None (strict JSON)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


def summarize(values: Values, *, confidence: float = 0.95, seed: int = 0) -> Summary:
    """Summarize samples with robust and classic statistics.

    Args:
        values: The samples; at least one, all finite.
        confidence: Confidence level of the bootstrap interval on the median.
        seed: Seed of the bootstrap, so the same samples give the same interval.

    Returns:
        A Summary. With one sample, std and cv are 0, the interval is that value and the
        summary is not unstable.

    Raises:
        ConfigError: When there are no samples, a sample is not finite or ``confidence`` is
            not strictly between 0 and 1.
    """
    x = _as_array(values, "summarize")
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    cv = _cv(mean, std)
    q1, median, q3, p90, p99 = (float(v) for v in np.percentile(x, [25, 50, 75, 90, 99]))
    low, high = median_ci(x, confidence=confidence, seed=seed)
    return Summary(
        n=int(x.size), median=median, mean=mean, std=std, cv=cv, q1=q1, q3=q3, iqr=q3 - q1,
        p90=p90, p99=p99, min=float(x.min()), max=float(x.max()), ci_low=low, ci_high=high,
        unstable=bool(cv > UNSTABLE_CV), confidence=confidence,
    )


def median_ci(
    values: Values, confidence: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median.

    Each bootstrap median is drawn directly from its order-statistic distribution (see
    ``_boot_medians``), which is the same distribution as resampling and taking the median but
    costs one sort plus O(n_boot), so 2000 resamples of 10,000 values take about a millisecond.

    Args:
        values: The samples; at least one, all finite.
        confidence: Confidence level, strictly between 0 and 1.
        n_boot: Number of bootstrap resamples.
        seed: Seed of the resampling.

    Returns:
        ``(low, high)``; ``(v, v)`` for a single value ``v``.

    Raises:
        ConfigError: On empty or non-finite input or a bad confidence or ``n_boot``.
    """
    x = _as_array(values, "median_ci")
    _check_confidence(confidence)
    n_boot = positive_int("n_boot", n_boot)
    if x.size == 1:
        return float(x[0]), float(x[0])
    medians = _boot_medians(x, n_boot, np.random.default_rng(seed))
    return _percentile_interval(medians, confidence)


def median_ci_rank(values: Values, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median from order statistics.

    The interval ``[x_(l), x_(n-l+1)]`` with ``l`` from the Binomial(n, 1/2) quantile covers
    the true median with probability at least ``confidence`` (exactly, not asymptotically) for
    any continuous distribution; below 6 samples at 95% it is simply ``[min, max]``. It costs one
    partial sort, so it suits checks repeated while sampling.

    Args:
        values: The samples; at least one, all finite.
        confidence: Confidence level, strictly between 0 and 1.

    Returns:
        ``(low, high)``.

    Raises:
        ConfigError: On empty or non-finite input or a bad confidence.
    """
    x = _as_array(values, "median_ci_rank")
    _check_confidence(confidence)
    n = x.size
    rank = max(1, int(_sps.binom.ppf((1.0 - confidence) / 2.0, n, 0.5)))
    low_i, high_i = rank - 1, n - rank
    part = np.partition(x, [low_i, high_i])
    return float(part[low_i]), float(part[high_i])


def compare(
    a: Values,
    b: Values,
    *,
    name_a: str,
    name_b: str,
    lower_is_better: bool = True,
    confidence: float = 0.95,
    alpha: float = 0.05,
    seed: int = 0,
    n_boot: int = 2000,
    better_word: str | None = None,
    worse_word: str | None = None,
) -> Comparison:
    """Compare two sample sets by the ratio of their medians.

    The ratio is ``median(b) / median(a)`` when lower is better (times) and
    ``median(a) / median(b)`` otherwise (throughput), so ``ratio > 1`` always means ``a`` is
    better. Its interval is a percentile bootstrap resampling ``a`` and ``b`` independently.
    The difference is significant only when the two-sided Mann-Whitney U p-value is below
    ``alpha`` *and* the interval excludes 1.

    Args:
        a: Samples of the first side.
        b: Samples of the second side.
        name_a: Name of the first side, e.g. ``"torch"``.
        name_b: Name of the second side.
        lower_is_better: True for times, False for throughput or accuracy.
        confidence: Confidence level of the ratio's interval.
        alpha: Significance level of the Mann-Whitney U test.
        seed: Seed of the bootstrap.
        n_boot: Number of bootstrap resamples.
        better_word: Word for the winner; default ``faster`` (lower is better) or ``higher``.
        worse_word: Word for the loser; default ``slower`` or ``lower``.

    Returns:
        A Comparison whose ``text`` reads ``torch 1.23× faster (95% CI 1.18–1.29)`` or
        ``no significant difference (ratio 1.01, 95% CI 0.97–1.05, p=0.41)``. With fewer than
        3 samples on a side it is not significant, its interval and p-value are NaN and the
        text says why.

    Raises:
        ConfigError: On an empty side, non-finite or non-positive medians, or bad levels.
    """
    xa, xb = _as_array(a, name_a), _as_array(b, name_b)
    _check_confidence(confidence)
    _check_confidence(alpha, "alpha")
    n_boot = positive_int("n_boot", n_boot)
    better = better_word or ("faster" if lower_is_better else "higher")
    worse = worse_word or ("slower" if lower_is_better else "lower")
    num, den = (xb, xa) if lower_is_better else (xa, xb)
    ratio = _ratio(float(np.median(num)), float(np.median(den)))
    base = dict(name_a=name_a, name_b=name_b, ratio=ratio, confidence=confidence,
                n_a=int(xa.size), n_b=int(xb.size), better_word=better, worse_word=worse)
    if min(xa.size, xb.size) < MIN_COMPARE_SAMPLES:
        return _too_few(base)
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = _boot_medians(num, n_boot, rng) / _boot_medians(den, n_boot, rng)
    low, high = _percentile_interval(boot, confidence)
    p_value = _mann_whitney(xa, xb)
    winner = _winner(name_a, name_b, low, high) if p_value < alpha else None
    text = _comparison_text(winner, name_a, ratio, low, high, p_value, confidence, better)
    floor = smallest_p(xa.size, xb.size)
    if floor >= alpha:  # the test cannot reject at these sizes: say so, not "no difference"
        text = (f"too few samples for a significance test (n={xa.size} vs {xb.size}: the smallest possible "
                f"p is {floor:.2g}; ratio {ratio:.2f}, {100.0 * confidence:g}% CI {low:.2f}–{high:.2f})")
    return Comparison(ci_low=low, ci_high=high, p_value=p_value, significant=winner is not None,
                      winner=winner, text=text, **base)


def steady_state_index(
    values: Values, window: int = 5, tol: float = 0.05, min_windows: int = 3
) -> int | None:
    """Find where a sequence of step times stops drifting (the end of warm-up).

    The rule: cut ``values`` into consecutive, non-overlapping windows of ``window`` values
    from index 0 (a trailing partial window is ignored) and take each window's median
    ``m_0, m_1, ...``. The sequence is steady from window ``k`` when the medians of windows
    ``k`` to the last, at least ``min_windows`` of them, all lie within a band of width
    ``tol`` times their median: ``max - min <= tol * median(m_k, ..., m_last)``. The answer
    is the smallest such ``k``. Using the whole band rather than neighbouring pairs keeps a
    slow drift (each window a little slower than the last) from passing as steady, and
    window medians make a single slow step (a GC pause) harmless. Very noisy steps, whose
    window medians scatter by more than ``tol``, may never look steady; callers must allow
    for that.

    Args:
        values: The sequence, in the order measured.
        window: Values per window, at least 1.
        tol: Width of the band, relative to the median of window medians; above 0.
        min_windows: Fewest windows that must agree, at least 2.

    Returns:
        The index of the first value of window ``k``, or None when fewer than
        ``min_windows`` full windows exist or the last ``min_windows`` do not agree.

    Raises:
        ConfigError: On a bad ``window``, ``tol`` or ``min_windows``.
    """
    window = positive_int("window", window)
    if positive_int("min_windows", min_windows) < 2:
        raise ConfigError(f"min_windows must be at least 2, got {min_windows}")
    if not tol > 0:
        raise ConfigError(f"tol must be above 0, got {tol!r}")
    x = np.asarray(values, dtype=np.float64).ravel()
    n_windows = x.size // window
    medians = np.median(x[: n_windows * window].reshape(n_windows, window), axis=1)
    first = None
    for k in range(n_windows - min_windows, -1, -1):
        tail = medians[k:]
        if tail.max() - tail.min() > tol * abs(float(np.median(tail))):
            break
        first = k
    return None if first is None else first * window


def _as_array(values: Values, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ConfigError(f"{what}: no samples (need at least one)")
    if not np.all(np.isfinite(x)):
        raise ConfigError(f"{what}: samples must be finite, got {x[~np.isfinite(x)][:3]}")
    return x


def _check_confidence(level: float, kind: str = "confidence") -> None:
    if not 0.0 < level < 1.0:
        raise ConfigError(f"{kind} must be strictly between 0 and 1, got {level!r}")


def _cv(mean: float, std: float) -> float:
    if mean != 0.0:
        return abs(std / mean)
    return 0.0 if std == 0.0 else math.inf


def _boot_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` bootstrap resamples of ``x``, drawn without materialising them.

    Resampling index ``floor(n * U)`` with ``U`` uniform picks each value with probability
    1/n, and ``floor`` keeps order, so the k-th smallest value of a resample of the sorted
    ``x`` is ``x_sorted[floor(n * U_(k))]`` where ``U_(k) ~ Beta(k, n - k + 1)`` is the k-th
    order statistic of n uniforms. Given ``U_(k) = u``, ``U_(k+1) = u + (1 - u) * Beta(1, n - k)``
    (the least of the other n - k uniforms on ``(u, 1)``). This draws from exactly the same
    distribution as resampling ``n`` values and taking their median, in O(n log n + n_boot).
    """
    xs = np.sort(x)
    n = xs.size
    k = (n + 1) // 2  # 1-based rank of the (lower) middle order statistic
    u_low = rng.beta(k, n - k + 1, size=n_boot)
    low = xs[np.minimum((u_low * n).astype(np.int64), n - 1)]
    if n % 2:
        return low
    u_high = u_low + (1.0 - u_low) * rng.beta(1, n - k, size=n_boot)
    return 0.5 * (low + xs[np.minimum((u_high * n).astype(np.int64), n - 1)])


def _percentile_interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return float(low), float(high)


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value an exact Mann–Whitney test can give for these sample sizes.

    With ``n_a`` and ``n_b`` samples and no ties there are ``C(n_a + n_b, n_a)`` equally likely
    orderings under the null hypothesis; complete separation is the most extreme, on either side.
    """
    orderings = math.comb(n_a + n_b, n_a)
    return min(1.0, 2.0 / orderings) if orderings < 10**300 else 0.0  # past float range: effectively 0


def _ratio(num: float, den: float) -> float:
    if not (num > 0.0 and den > 0.0):
        raise ConfigError(f"medians must be positive to form a ratio, got {num!r} and {den!r}")
    return num / den


def _mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    p = float(_sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    # Identical constant samples give NaN: there is no evidence of a difference.
    return 1.0 if math.isnan(p) else p


def _too_few(base: dict[str, Any]) -> Comparison:
    text = (f"too few samples to compare (ratio {base['ratio']:.2f}; "
            f"{base['name_a']}: {base['n_a']}, {base['name_b']}: {base['n_b']}; "
            f"need at least {MIN_COMPARE_SAMPLES} each)")
    nan = float("nan")
    return Comparison(ci_low=nan, ci_high=nan, p_value=nan, significant=False, winner=None,
                      text=text, **base)


def _winner(name_a: str, name_b: str, low: float, high: float) -> str | None:
    if low > 1.0:
        return name_a
    if high < 1.0:
        return name_b
    return None


def _comparison_text(
    winner: str | None, name_a: str, ratio: float, low: float, high: float,
    p_value: float, confidence: float, better: str,
) -> str:
    level = f"{100.0 * confidence:g}% CI"
    if winner is None:
        p = "p<0.001" if p_value < 0.001 else f"p={p_value:.2g}"
        return f"no significant difference (ratio {ratio:.2f}, {level} {low:.2f}–{high:.2f}, {p})"
    if winner != name_a:
        ratio, low, high = 1.0 / ratio, 1.0 / high, 1.0 / low
    return f"{winner} {ratio:.2f}× {better} ({level} {low:.2f}–{high:.2f})"
