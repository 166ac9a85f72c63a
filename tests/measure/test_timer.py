"""Tests of the adaptive sampler, driven by a fake clock (no real sleeps)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from showdown.errors import ConfigError
from showdown.measure.timer import SAMPLE, WARMUP, Sampler, SampleSet


class FakeClock:
    """A clock that only moves when a fake step (or sync) runs."""

    def __init__(self, durations: Iterator[float]) -> None:
        self.now = 100.0
        self.durations = durations
        self.steps = 0

    def __call__(self) -> float:
        return self.now

    def step(self) -> None:
        self.steps += 1
        self.now += next(self.durations)


def warm_then_noise(base=1e-3, noise=0.002, excess=5.0, tau=10.0, seed=0) -> Iterator[float]:
    """Step times decaying from (1 + excess) * base to base, with lognormal noise."""
    rng = np.random.default_rng(seed)
    i = 0
    while True:
        yield base * (1.0 + excess * np.exp(-i / tau)) * rng.lognormal(0.0, noise)
        i += 1


def noise_only(base=1e-3, sigma=1.0, seed=0) -> Iterator[float]:
    rng = np.random.default_rng(seed)
    while True:
        yield base * rng.lognormal(0.0, sigma)


def test_low_noise_stops_on_ci_target():
    clock = FakeClock(warm_then_noise(noise=0.01))
    result = Sampler(budget_s=60.0).run(clock.step, clock=clock)
    assert result.stop_reason == "ci-target" and result.converged
    assert result.steady and result.warmup_stop == "steady"
    assert 10 <= len(result.samples) <= 100 and len(result.samples) % 5 == 0
    s = result.summary()
    assert (s.ci_high - s.ci_low) / 2 / s.median <= 0.02  # the summary agrees with the rule
    assert result.rel_ci <= 0.02
    assert s.median == pytest.approx(1e-3, rel=0.02)
    assert clock.steps == len(result.warmup) + len(result.samples)
    assert result.elapsed_s == pytest.approx(sum(result.warmup) + sum(result.samples))


def test_very_noisy_data_stops_on_budget():
    clock = FakeClock(noise_only(sigma=1.0))
    sampler = Sampler(budget_s=0.2, target_rel_ci=0.001, warmup_max=10, warmup_min=3)
    result = sampler.run(clock.step, clock=clock)
    assert result.stop_reason == "budget" and not result.converged
    assert sum(result.samples) >= 0.2
    assert sum(result.samples[:-1]) < 0.2  # stopped at the first step past the budget
    assert result.rel_ci > 0.001


def test_max_samples_caps_measurement():
    clock = FakeClock(noise_only(sigma=0.5))
    result = Sampler(max_samples=20, target_rel_ci=1e-6).run(clock.step, clock=clock)
    assert result.stop_reason == "max-samples" and len(result.samples) == 20


def test_min_samples_wins_over_budget():
    clock = FakeClock(noise_only(base=1.0, sigma=0.5))
    result = Sampler(budget_s=0.5, target_rel_ci=1e-6, warmup_max=0).run(clock.step, clock=clock)
    assert len(result.samples) == 10 and result.stop_reason == "budget"
    assert result.warmup == [] and result.warmup_stop == "disabled" and not result.steady


def test_warmup_ends_at_steady_state_of_a_decaying_sequence():
    clock = FakeClock(warm_then_noise(noise=0.002))
    result = Sampler().run(clock.step, clock=clock)
    assert result.steady
    # Three windows of 5 agree within 5% once the excess 5*exp(-i/10) is below ~0.08.
    assert 40 <= len(result.warmup) <= 70 and len(result.warmup) % 5 == 0
    assert result.warmup[0] == pytest.approx(6e-3, rel=0.01)
    assert np.median(result.samples) == pytest.approx(1e-3, rel=0.03)


def test_warmup_limits_are_recorded():
    drifting = FakeClock(iter(1e-3 * 1.01 ** np.arange(10_000)))  # 1% slower every step
    result = Sampler(warmup_max=50, max_samples=10).run(drifting.step, clock=drifting)
    assert (result.steady, result.warmup_stop, len(result.warmup)) == (False, "warmup-max", 50)

    slow = FakeClock(iter(np.linspace(1.0, 10.0, 10_000)))
    result = Sampler(warmup_budget_s=10.0, max_samples=10).run(slow.step, clock=slow)
    assert result.warmup_stop == "warmup-budget" and not result.steady
    assert sum(result.warmup) >= 10.0 > sum(result.warmup[:-1])  # first step past budget


def test_every_sample_is_streamed_in_order():
    clock = FakeClock(warm_then_noise(noise=0.01))
    seen: list[tuple[str, float]] = []
    result = Sampler().run(clock.step, clock=clock, on_sample=lambda p, s: seen.append((p, s)))
    assert [s for p, s in seen if p == WARMUP] == result.warmup
    assert [s for p, s in seen if p == SAMPLE] == result.samples
    assert [p for p, _ in seen] == [WARMUP] * len(result.warmup) + [SAMPLE] * len(result.samples)


def test_sync_runs_after_each_step_and_is_timed():
    clock = FakeClock(iter([1e-3] * 10_000))
    calls = []

    def sync() -> None:
        calls.append(clock.steps)
        clock.now += 5e-4  # e.g. waiting for queued GPU work

    result = Sampler(warmup_max=5, warmup_min=5).run(clock.step, clock=clock, sync=sync)
    assert calls == list(range(1, clock.steps + 1))  # once per step, after it
    assert result.samples == pytest.approx([1.5e-3] * len(result.samples))
    assert result.stop_reason == "ci-target" and len(result.samples) == 10


def test_to_dict_is_json_ready():
    clock = FakeClock(iter([1e-3] * 100))
    sampler = Sampler(warmup_max=0, min_samples=3, max_samples=3)
    data = sampler.run(clock.step, clock=clock).to_dict()
    assert data["rel_ci"] == 0.0 and data["stop_reason"] == "max-samples"
    assert json.loads(json.dumps(data))["samples"] == pytest.approx([1e-3] * 3)
    by_hand = SampleSet(warmup=[], samples=[1.0], steady=False, converged=False,
                        stop_reason="budget", elapsed_s=1.0)
    assert by_hand.to_dict()["rel_ci"] is None


@pytest.mark.parametrize("kwargs", [
    {"min_samples": 0}, {"max_samples": 5}, {"warmup_min": 10, "warmup_max": 5},
    {"target_rel_ci": 0}, {"budget_s": -1.0}, {"confidence": 1.0}, {"check_every": 0},
    {"steady_windows": 1}, {"warmup_budget_s": -1.0},
])
def test_invalid_configuration_is_rejected(kwargs):
    with pytest.raises(ConfigError):
        Sampler(**kwargs)
