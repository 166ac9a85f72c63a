"""Scales and ticks for the report's charts: 1-2-5 steps, log decades, compact labels and durations."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Maps a data interval onto a pixel interval, linearly or in log10."""

    lo: float
    hi: float
    p0: float
    p1: float
    log: bool = False

    def __call__(self, v: float) -> float:
        f = math.log10 if self.log else float
        return self.p0 + (f(v) - f(self.lo)) / (f(self.hi) - f(self.lo)) * (self.p1 - self.p0)


def fmt(value: float, digits: int = 3) -> str:
    """Format a number compactly for a tick label.

    Examples: ``0.5``, ``12``, ``1.2k``, ``3.4M``, ``3.4e-05``.

    Args:
        value: The number.
        digits: Significant digits to keep.

    Returns:
        The label text.
    """
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.{digits}g}")
    magnitude = abs(rounded)
    if magnitude == 0:
        return "0"
    if magnitude < 1e-3 or magnitude >= 1e15:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{strip_zeros(mantissa)}e{exponent}"
    for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if magnitude >= scale:
            return f"{rounded / scale:.{digits}g}{suffix}"
    return f"{rounded:.{digits}g}"


def duration(seconds: float | None) -> str:
    """A duration for a table cell: milliseconds below one second, seconds above.

    Examples: ``0.0471 ms``, ``13.5 ms``, ``4.78 s``, ``n/a`` for None.
    """
    if seconds is None:
        return "n/a"
    return f"{seconds * 1e3:.3g} ms" if abs(seconds) < 1.0 else f"{seconds:.3g} s"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Evenly spaced ticks with a 1, 2 or 5 × 10^k step that cover ``[lo, hi]``.

    Args:
        lo: Smallest data value.
        hi: Largest data value.
        count: Roughly how many intervals to aim for.

    Returns:
        Tick values; the first is <= ``lo`` and the last >= ``hi``.
    """
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)):  # one value, or too close to tell apart in floats
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = (0.0, 1.0) if lo == hi == 0 else (lo - pad, hi + pad)
    raw = (hi - lo) / count
    exponent = math.floor(math.log10(raw))
    # the 1-2-5 step nearest to raw on a log scale (thresholds at the geometric means, as d3 does)
    step = next(m for m, cut in ((10, 7.07), (5, 3.16), (2, 1.41), (1, 0)) if raw / 10.0**exponent >= cut)
    step *= 10.0**exponent
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    decimals = max(0, 1 - exponent)
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis covering ``[lo, hi]`` (both must be positive).

    Powers of ten; where the range spans at most two decades, also 2× and 5× those powers,
    trimmed to the data. Wide ranges skip decades so that there are at most about 8 ticks.

    Args:
        lo: Smallest data value (> 0).
        hi: Largest data value (> 0).

    Returns:
        Tick values in increasing order; the first is <= ``lo`` and the last >= ``hi``.
    """
    e0 = math.floor(math.log10(lo) + 1e-12)
    e1 = max(math.ceil(math.log10(hi) - 1e-12), e0 + 1)
    if e1 - e0 > 2:
        stride = math.ceil((e1 - e0) / 8)
        return [float(f"1e{e}") for e in range(e0, e1 + stride, stride) if e - stride < e1]
    candidates = [float(f"{m}e{e}") for e in range(e0, e1 + 1) for m in (1, 2, 5)]
    start = max(c for c in candidates if c <= lo * (1 + 1e-12))
    stop = min(c for c in candidates if c >= hi * (1 - 1e-12) and c > start)
    return [c for c in candidates if start <= c <= stop]


def axis(lo: float, hi: float, log: bool, p0: float, p1: float) -> tuple[Scale, list[float]]:
    """Ticks for a data range and the scale spanning them (pixels ``p0`` to ``p1``)."""
    ticks = log_ticks(lo, hi) if log else nice_ticks(lo, hi)
    return Scale(ticks[0], ticks[-1], p0, p1, log), ticks


def tick_labels(ticks: list[float]) -> list[str]:
    """Labels with just enough digits that neighbouring ticks read differently."""
    for digits in range(3, 9):
        labels = [fmt(t, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            break
    return labels


def strip_zeros(number: str) -> str:
    """``"1.50"`` -> ``"1.5"``, ``"2.00"`` -> ``"2"``."""
    return number.rstrip("0").rstrip(".") if "." in number else number
