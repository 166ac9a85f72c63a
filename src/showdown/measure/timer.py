"""Adaptive sampling of one unit of work: warm up until steady, then measure until precise.

Used inside a cell's child process. The clock is injectable so tests drive the sampler with a
fake clock instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from showdown.errors import ConfigError, positive_int
from showdown.measure.stats import Summary, median_ci, steady_state_index, summarize

#: Phase names passed to ``on_sample``.
WARMUP = "warmup"
SAMPLE = "sample"

StopReason = Literal["ci-target", "budget", "max-samples"]
WarmupStop = Literal["steady", "warmup-budget", "warmup-max", "disabled"]
Clock = Callable[[], float]
OnSample = Callable[[str, float], None]


@dataclass(frozen=True)
class SampleSet:
    """What one ``Sampler.run`` measured.

    Attributes:
        warmup: Durations of the warm-up steps, in seconds, in order.
        samples: Durations of the measured steps, in seconds, in order.
        steady: Whether warm-up ended because steady state was detected.
        converged: Whether measurement ended because the CI target was met.
        stop_reason: Why measurement ended: ``ci-target``, ``budget`` or ``max-samples``.
        elapsed_s: Clock time from the first warm-up step to the end, overheads included.
        warmup_stop: Why warm-up ended: ``steady``, ``warmup-budget``, ``warmup-max`` or
            ``disabled`` (``warmup_max == 0``).
        rel_ci: Half-width of the median's CI relative to the median, over all samples
            (NaN only in a SampleSet built by hand).
    """

    warmup: list[float]
    samples: list[float]
    steady: bool
    converged: bool
    stop_reason: StopReason
    elapsed_s: float
    warmup_stop: WarmupStop = "steady"
    rel_ci: float = float("nan")

    def summary(self, *, confidence: float = 0.95, seed: int = 0) -> Summary:
        """Summarize the measured samples (warm-up excluded); see ``stats.summarize``."""
        return summarize(self.samples, confidence=confidence, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (a NaN ``rel_ci`` becomes None, for strict JSON)."""
        data = asdict(self)
        if math.isnan(self.rel_ci):
            data["rel_ci"] = None
        return data


@dataclass(frozen=True)
class Sampler:
    """Configuration of the adaptive sampler.

    Warm-up runs at least ``warmup_min`` steps, then stops as soon as
    ``stats.steady_state_index`` (with ``steady_window``, ``steady_tol`` and
    ``steady_windows``) finds steady state, or when ``warmup_max`` steps or
    ``warmup_budget_s`` seconds are spent. Measurement runs at least ``min_samples`` steps,
    then stops when the half-width of the ``confidence`` bootstrap CI of the median, relative
    to the median, is at most ``target_rel_ci`` (checked every ``check_every`` samples), or
    when ``budget_s`` seconds or ``max_samples`` are spent; ``target_rel_ci=None`` measures a
    fixed window of ``budget_s`` seconds (at least ``min_samples`` steps). ``min_samples`` wins over
    ``budget_s``: a step slower than ``budget_s / min_samples`` overruns the budget. The CI
    uses ``seed``, so ``SampleSet.summary(confidence=..., seed=...)`` with the same values
    reproduces the interval the stopping rule saw. ``warmup_max=0`` disables warm-up.
    """

    min_samples: int = 10
    max_samples: int = 10_000
    target_rel_ci: float | None = 0.02
    budget_s: float = 10.0
    warmup_min: int = 3
    warmup_max: int = 200
    warmup_budget_s: float = 5.0
    check_every: int = 5
    confidence: float = 0.95
    steady_window: int = 5
    steady_tol: float = 0.05
    steady_windows: int = 3
    seed: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        for name in ("min_samples", "check_every", "steady_window", "steady_windows"):
            positive_int(name, getattr(self, name))
        if self.steady_windows < 2:
            raise ConfigError(f"steady_windows must be at least 2, got {self.steady_windows}")
        if self.max_samples < self.min_samples:
            raise ConfigError(f"max_samples ({self.max_samples}) must be >= "
                              f"min_samples ({self.min_samples})")
        if not _warmup_range_ok(self.warmup_min, self.warmup_max):
            raise ConfigError(f"need 0 <= warmup_min <= warmup_max (or warmup_max 0), got "
                              f"{self.warmup_min!r} and {self.warmup_max!r}")
        for name in ("target_rel_ci", "budget_s", "steady_tol"):
            if name != "target_rel_ci" or self.target_rel_ci is not None:
                _positive_float(name, getattr(self, name))
        if not self.warmup_budget_s >= 0:
            raise ConfigError(f"warmup_budget_s must be >= 0, got {self.warmup_budget_s!r}")
        if not 0.0 < self.confidence < 1.0:
            raise ConfigError(f"confidence must be strictly between 0 and 1, "
                              f"got {self.confidence!r}")

    def run(
        self,
        step: Callable[[], object],
        *,
        clock: Clock = time.perf_counter,
        sync: Callable[[], object] | None = None,
        on_sample: OnSample | None = None,
        before_measure: Callable[[], object] | None = None,
    ) -> SampleSet:
        """Warm up, then measure ``step`` until the CI target, the budget or the cap.

        Each sample is ``clock()`` after ``step()`` (and ``sync()``) minus ``clock()`` before
        it, so statistics and callbacks between steps are not timed.

        Args:
            step: One unit of work, e.g. one training step.
            clock: Monotonic clock in seconds; inject a fake one in tests.
            sync: Called after each step before the clock is read, e.g. to wait for CUDA.
            on_sample: Called as ``on_sample(phase, seconds)`` after every step, with phase
                ``"warmup"`` or ``"sample"``, so the caller can stream samples out.
            before_measure: Called once between warm-up and measurement, off the clock (a
                canary of the machine's speed, say).

        Returns:
            The SampleSet.
        """
        timed = _Timed(step, clock, sync, on_sample)
        start = clock()
        warmup, warmup_stop = self._warm_up(timed)
        if before_measure is not None:
            before_measure()
        samples, reason, rel_ci = self._measure(timed)
        return SampleSet(
            warmup=warmup, samples=samples, steady=warmup_stop == "steady",
            converged=reason == "ci-target", stop_reason=reason,
            elapsed_s=float(clock() - start), warmup_stop=warmup_stop, rel_ci=rel_ci,
        )

    def _warm_up(self, timed: _Timed) -> tuple[list[float], WarmupStop]:
        if self.warmup_max == 0:
            return [], "disabled"
        durations: list[float] = []
        start = timed.clock()
        while True:
            durations.append(timed(WARMUP))
            n = len(durations)
            if n >= self.warmup_min and n % self.steady_window == 0 and steady_state_index(
                durations, window=self.steady_window, tol=self.steady_tol,
                min_windows=self.steady_windows,
            ) is not None:
                return durations, "steady"
            if n >= self.warmup_max:
                return durations, "warmup-max"
            if n >= self.warmup_min and timed.clock() - start >= self.warmup_budget_s:
                return durations, "warmup-budget"

    def _measure(self, timed: _Timed) -> tuple[list[float], StopReason, float]:
        samples: list[float] = []
        start = timed.clock()
        while True:
            samples.append(timed(SAMPLE))
            n = len(samples)
            if self.target_rel_ci is not None and n >= self.min_samples and n % self.check_every == 0:
                rel_ci = self.relative_ci(samples)
                if rel_ci <= self.target_rel_ci:
                    return samples, "ci-target", rel_ci
            if n >= self.max_samples:
                return samples, "max-samples", self.relative_ci(samples)
            if n >= self.min_samples and timed.clock() - start >= self.budget_s:
                return samples, "budget", self.relative_ci(samples)

    def relative_ci(self, samples: list[float]) -> float:
        """Half-width of the median's bootstrap CI divided by the median.

        Args:
            samples: Durations in seconds.

        Returns:
            The relative half-width; infinite when the median is not positive.
        """
        low, high = median_ci(samples, confidence=self.confidence, seed=self.seed)
        mid = float(np.median(samples))
        return (high - low) / 2.0 / mid if mid > 0 else float("inf")


class _Timed:
    """Times one call of ``step`` (plus ``sync``) and reports it to ``on_sample``."""

    def __init__(self, step: Callable[[], object], clock: Clock,
                 sync: Callable[[], object] | None, on_sample: OnSample | None) -> None:
        self.step, self.clock, self.sync, self.on_sample = step, clock, sync, on_sample

    def __call__(self, phase: str) -> float:
        t0 = self.clock()
        self.step()
        if self.sync is not None:
            self.sync()
        seconds = float(self.clock() - t0)
        if self.on_sample is not None:
            self.on_sample(phase, seconds)
        return seconds


def _warmup_range_ok(low: object, high: object) -> bool:
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (low, high)):
        return False
    return high == 0 or low <= high


def _positive_float(kind: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{kind} must be a number above 0, got {value!r}")
    return float(value)
