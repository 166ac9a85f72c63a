"""Paired statistics over rounds: hand-computed values, the stopping rule on synthetic series, drift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from showdown.errors import ConfigError
from showdown.measure import paired as P


def test_log_differences_pair_rounds_and_orient_towards_a():
    a = {1: 1.0, 2: 2.0, 3: 4.0}
    b = {1: 2.0, 2: 2.0, 4: 9.0}  # round 3 and 4 have one side only
    rounds, d = P.log_differences(a, b)
    assert rounds == [1, 2]
    np.testing.assert_allclose(d, [math.log(2.0), 0.0])
    _, d_up = P.log_differences(a, b, lower_is_better=False)
    np.testing.assert_allclose(d_up, [-math.log(2.0), 0.0])
    with pytest.raises(ConfigError, match="positive"):
        P.log_differences({1: 0.0}, {1: 1.0})


def test_t_interval_matches_hand_computation():
    d = np.array([0.1, 0.2, 0.3, 0.2])
    # mean 0.2, sd = sqrt(0.02/3), t(0.975, 3) = 3.182446305
    half = 3.182446305284263 * math.sqrt(0.02 / 3) / 2.0
    low, high = P.t_interval(d)
    assert low == pytest.approx(0.2 - half, rel=1e-9) and high == pytest.approx(0.2 + half, rel=1e-9)
    assert all(math.isnan(v) for v in P.t_interval(np.array([0.1])))


def test_compare_rounds_estimate_interval_and_text():
    # b is exactly 1.2x a in every round but one: the estimate is the geometric mean of the ratios
    a = {r: 0.010 * (1 + 0.01 * r) for r in range(1, 9)}
    ratios = [1.20, 1.22, 1.18, 1.21, 1.19, 1.20, 1.23, 1.17]
    b = {r: a[r] * q for r, q in zip(range(1, 9), ratios)}
    cmp = P.compare_rounds(a, b, name_a="torch eager", name_b="tensorflow function")
    assert cmp.comparison.ratio == pytest.approx(math.exp(np.mean(np.log(ratios))))
    t_low, t_high = cmp.t_ci
    b_low, b_high = cmp.boot_ci
    assert cmp.comparison.ci_low == pytest.approx(min(t_low, b_low)) and cmp.comparison.ci_high == pytest.approx(max(t_high, b_high))
    assert cmp.comparison.winner == "torch eager" and cmp.state == "faster"
    assert cmp.comparison.p_value == pytest.approx(2 / 2**8)  # exact signed-rank: all 8 differences positive
    assert "8 rounds" in cmp.comparison.text and "torch eager 1.20× faster" in cmp.comparison.text
    assert cmp.stability > 0.9 and cmp.halves_agree is True
    assert cmp.decided == ("faster", 5)
    data = cmp.to_dict()
    assert data["ratio"] == cmp.comparison.ratio and data["paired"]["rounds"] == list(range(1, 9))


def test_few_rounds_say_the_test_cannot_reach_significance():
    a = {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    b = {1: 2.0, 2: 2.1, 3: 1.9, 4: 2.0}
    cmp = P.compare_rounds(a, b, name_a="x", name_b="y")
    assert cmp.p_floor == pytest.approx(2 / 16)
    assert "too few rounds for the signed-rank test" in cmp.comparison.text
    one = P.compare_rounds({1: 1.0}, {1: 2.0}, name_a="x", name_b="y")
    assert one.state == "undecided" and "too few rounds" in one.comparison.text and not one.comparison.significant


@pytest.mark.parametrize(
    "ratio, low, high, state",
    [(1.2, 1.1, 1.3, "faster"), (0.8, 0.7, 0.9, "slower"), (1.0, 0.97, 1.03, "equivalent"),
     (1.03, 1.01, 1.06, "undecided"),  # excludes 1 but the effect is within the margin
     (1.2, 0.9, 1.5, "undecided"), (1.0, math.nan, math.nan, "undecided")],
)
def test_look(ratio, low, high, state):
    assert P.look(ratio, low, high) == state


def _series(rng: np.random.Generator, effect: float, rounds: int, noise: float = 0.05, drift: float = 0.0) -> tuple[dict, dict]:
    """Process medians of two sides: a shared per-round machine state, each process its own noise."""
    machine = np.exp(np.cumsum(rng.normal(0, drift, rounds)) + rng.normal(0, 0.15, rounds))
    a = {r + 1: 0.01 * machine[r] * math.exp(rng.normal(0, noise)) for r in range(rounds)}
    b = {r + 1: 0.01 * effect * machine[r] * math.exp(rng.normal(0, noise)) for r in range(rounds)}
    return a, b


def test_stopping_rule_decides_a_true_ten_percent_effect():
    decided = 0
    for seed in range(40):
        a, b = _series(np.random.default_rng(seed), 1.10, 20)
        _, d = P.log_differences(a, b)
        state, at = P.decision(d)
        assert state in ("faster", "undecided")  # never the wrong way
        decided += state == "faster"
        if at is not None:
            assert at >= P.MIN_ROUNDS + 1  # two consecutive looks, the first after 4 rounds
    assert decided >= 36


def test_stopping_rule_never_decides_identical_sides_with_modest_noise():
    states = []
    for seed in range(100):
        a, b = _series(np.random.default_rng(1000 + seed), 1.0, 20, noise=0.02, drift=0.05)
        states.append(P.decision(P.log_differences(a, b)[1])[0])
    assert set(states) <= {"equivalent", "undecided"}
    assert states.count("equivalent") > 50


@pytest.mark.parametrize("noise", [0.05, 0.1, 0.15])
def test_looking_every_round_keeps_false_decisions_under_five_percent(noise):
    wrong = 0
    for seed in range(200):
        a, b = _series(np.random.default_rng(5000 + seed), 1.0, 20, noise=noise, drift=0.1)
        wrong += P.decision(P.log_differences(a, b)[1])[0] in ("faster", "slower")
    assert wrong / 200 <= 0.05


def test_a_large_shared_drift_does_not_leak_into_the_paired_ratio():
    rng = np.random.default_rng(7)
    a, b = _series(rng, 1.25, 12, noise=0.02, drift=0.3)
    cmp = P.compare_rounds(a, b, name_a="a", name_b="b")
    assert cmp.comparison.ci_low < 1.25 < cmp.comparison.ci_high


def test_variance_split_separates_between_process_noise():
    rng = np.random.default_rng(3)
    steady = [list(0.01 * np.exp(rng.normal(0, 0.05, 50))) for _ in range(10)]
    assert P.variance_split(steady)["between_share"] < 0.5
    shifted = [list(0.01 * math.exp(rng.normal(0, 0.3)) * np.exp(rng.normal(0, 0.05, 50))) for _ in range(10)]
    split = P.variance_split(shifted)
    assert split["between_share"] > 0.9 and split["between_sd"] > 0.1 and split["processes"] == 10
    assert P.variance_split([[1.0, 1.1]]) is None


def test_drift_flags_a_drifting_canary_and_ratios_that_follow_it():
    canary = {r: 0.005 * (1 + 0.03 * r) for r in range(1, 9)}  # 21 % slower by the end
    follows = {r: 0.1 * r for r in canary}
    out = P.drift(canary, follows)
    assert out["drifting"] and out["spread"] == pytest.approx(1.24 / 1.03 - 1)
    assert out["follows"] and out["rho"] == pytest.approx(1.0)
    calm = P.drift({r: 0.005 * (1 + 0.001 * (r % 2)) for r in range(1, 9)}, {r: (-1) ** r * 0.01 for r in range(1, 9)})
    assert not calm["drifting"] and calm["spread"] < 0.01
    assert P.drift({1: 0.005}) is None


def test_drift_is_reported_by_compare_rounds():
    a = {r: 0.01 for r in range(1, 7)}
    b = {r: 0.012 for r in range(1, 7)}
    cmp = P.compare_rounds(a, b, name_a="a", name_b="b", canary={r: 0.005 * (1 + 0.05 * r) for r in range(1, 7)})
    assert cmp.drift["drifting"] is True
    assert cmp.comparison.text.startswith("depends on the machine's state (the canary varied 24% over the rounds")
    steady = P.compare_rounds(a, b, name_a="a", name_b="b", canary={r: 0.005 for r in range(1, 7)})
    assert steady.drift["drifting"] is False and steady.comparison.text.startswith("a 1.20× faster")


def test_two_stage_bootstrap_draws_sessions_then_rounds():
    # two sessions of 3 rounds; one session-resample position draws session 0, then 3 of its rounds
    rng = np.random.default_rng(0)
    picks, labels = P.resample(6, [1, 1, 1, 2, 2, 2], rng)
    assert picks.size == 6 and labels == [0, 0, 0, 1, 1, 1]
    for block in (picks[:3], picks[3:]):  # each position of the session resample draws within one session
        assert set(block.tolist()) <= {0, 1, 2} or set(block.tolist()) <= {3, 4, 5}
    # one session: the same draws as a plain round bootstrap
    plain, none = P.resample(6, [1] * 6, np.random.default_rng(5))
    assert none is None and plain.tolist() == np.random.default_rng(5).integers(0, 6, 6).tolist()
    d = np.array([0.10, 0.11, 0.09, -0.10, -0.11, -0.09])
    means = P._boot_means(d, 4000, 0, [1, 1, 1, 2, 2, 2])
    # a quarter of the resamples pick session 1 twice (mean near 0.10), a quarter session 2 twice, half one of each (near 0)
    assert np.mean(means > 0.07) == pytest.approx(0.25, abs=0.03) and np.mean(means < -0.07) == pytest.approx(0.25, abs=0.03)
    assert np.mean(np.abs(means) < 0.03) == pytest.approx(0.5, abs=0.04)
    low, high = P.bootstrap_interval(d, groups=[1, 1, 1, 2, 2, 2])
    assert low < -0.09 and high > 0.09  # the interval spans what either session saw
    one_low, one_high = P.bootstrap_interval(d)
    assert one_high - one_low < high - low


def test_sessions_that_disagree_leave_the_comparison_open_and_say_so():
    # identical sides, but session 1 saw b 10 % slower and session 2 saw it 10 % faster, each with little noise
    rng = np.random.default_rng(7)
    a = {r: 0.01 for r in range(1, 17)}
    b = {r: 0.01 * (1.1 if r <= 8 else 1 / 1.1) * math.exp(rng.normal(0, 0.01)) for r in range(1, 17)}
    sessions = {r: 1 if r <= 8 else 2 for r in range(1, 17)}
    cmp = P.compare_rounds(a, b, name_a="x", name_b="y", sessions=sessions)
    assert cmp.session_of == tuple([1] * 8 + [2] * 8)
    assert [s["session"] for s in cmp.sessions] == [1, 2] and [s["rounds"] for s in cmp.sessions] == [8, 8]
    assert cmp.sessions[0]["ratio"] == pytest.approx(math.exp(np.mean([math.log(b[r] / 0.01) for r in range(1, 9)])))
    assert cmp.sessions[0]["ci_low"] > 1.05 and cmp.sessions[1]["ci_high"] < 1 / 1.05
    assert cmp.sessions_agree is False and cmp.comparison.text.startswith("sessions disagree beyond their intervals (session 1 1.10")
    assert not cmp.comparison.significant and cmp.state == "undecided" and cmp.decided == ("undecided", None)
    # the rounds alone, as if one session, would have called the 16 rounds equivalent or undecided too, but say nothing of sessions
    alone = P.compare_rounds(a, b, name_a="x", name_b="y")
    assert alone.sessions == () and alone.sessions_agree is None and "session" not in alone.comparison.text


def test_sessions_that_agree_pool_their_rounds():
    rng = np.random.default_rng(8)
    a, b = _series(rng, 1.20, 16, noise=0.03)
    cmp = P.compare_rounds(a, b, name_a="x", name_b="y", sessions={r: 1 if r <= 8 else 2 for r in range(1, 17)})
    assert cmp.sessions_agree is True and cmp.state == "faster" and cmp.comparison.winner == "x"
    assert cmp.comparison.text.endswith(")") and "; over 2 sessions (session 1 " in cmp.comparison.text
    # a later session decides afresh: its first looks come once it has MIN_ROUNDS rounds of its own
    _, d = P.log_differences(a, b)
    assert P.decision(d[:10], groups=[1] * 8 + [2] * 2, first_look=8 + P.MIN_ROUNDS) == ("undecided", None)
    state, at = P.decision(d, groups=[1] * 8 + [2] * 8, first_look=8 + P.MIN_ROUNDS)
    assert state == "faster" and at >= 8 + P.MIN_ROUNDS + 1
