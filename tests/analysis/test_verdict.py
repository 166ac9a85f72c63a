"""The rules that turn findings into verdicts."""

from __future__ import annotations

import math

import pytest

from showdown.analysis.verdict import (
    Finding,
    classify,
    decide,
    from_comparison,
    paired_mean_difference,
    pooled,
    sign_test,
    verdict,
)
from showdown.measure.stats import compare


@pytest.mark.parametrize(("ratio", "low", "high", "significant", "outcome"), [
    (1.30, 1.20, 1.40, True, "holds"),
    (0.70, 0.65, 0.75, True, "fails"),
    (1.01, 0.98, 1.03, True, "equal"),      # significant but inside the equivalence margin
    (1.30, 0.90, 1.80, False, "unclear"),
    (1.30, 1.20, 1.40, False, "unclear"),   # interval excludes 1 but the test does not reject
    (None, None, None, False, "unclear"),
    (math.nan, 1.0, 2.0, True, "unclear"),
])
def test_classify(ratio, low, high, significant, outcome):
    assert classify(ratio, low, high, significant) == outcome


def _f(outcome: str, name: str = "c") -> Finding:
    return Finding(name, 1.0, 1.0, 1.0, outcome)


def test_decide_rules():
    assert decide([]) == ("no data", ())
    assert decide([_f("holds"), _f("unclear", "noisy")])[0] == "supported"
    assert decide([_f("fails"), _f("equal")])[0] == "refuted"
    assert decide([_f("unclear")])[0] == "inconclusive"
    verdict, conditions = decide([_f("holds", "bs1"), _f("holds", "bs8"), _f("fails", "bs32")])
    assert verdict == "supported" and conditions == ("holds in 2 of 3 decided conditions; not for: bs32",)
    verdict, conditions = decide([_f("holds", "bs1"), _f("equal", "bs8"), _f("fails", "bs32"), _f("unclear", "bs64")])
    assert verdict == "refuted"
    assert conditions == ("holds only for: bs1 (1 of 3 decided conditions)", "not decided (too noisy or too few samples): bs64")
    assert decide([_f("holds"), _f("fails")])[0] == "inconclusive"


def test_from_comparison_orients_towards_the_favoured_side():
    fast, slow = [1.0 + 0.01 * i for i in range(20)], [2.0 + 0.02 * i for i in range(20)]
    cmp = compare(slow, fast, name_a="tensorflow", name_b="torch").to_dict()
    f = from_comparison("x", cmp, "torch")
    assert f.outcome == "holds" and f.ratio == pytest.approx(2.0, rel=0.05) and f.ci_low <= f.ratio <= f.ci_high
    g = from_comparison("x", cmp, "tensorflow")
    assert g.outcome == "fails" and g.ratio == pytest.approx(0.5, rel=0.05)


def test_pooled_geometric_mean_and_range():
    assert pooled([2.0, 0.5, 1.0]) == (pytest.approx(1.0), 0.5, 2.0)
    assert pooled([1.5, None, math.nan]) == (pytest.approx(1.5), 1.5, 1.5)
    assert pooled([]) == (None, None, None)


def test_headline_effect_text():
    findings = [Finding("a", 2.0, 1.8, 2.2, "holds"), Finding("b", 8.0, 7.0, 9.0, "holds")]
    v = verdict("C0", "x", findings, better="faster", worse="slower", subject="torch", method="m")
    assert v.effect == "torch 4.00× faster, geometric mean over 2 conditions (from 2.00× to 8.00×)"
    assert v.ci_low is None and (v.range_low, v.range_high) == (2.0, 8.0)
    one = verdict("C0", "x", [Finding("a", 0.5, 0.4, 0.625, "fails")], better="faster", worse="slower", subject="torch", method="m")
    assert one.effect == "torch 2.00× slower (95% CI 1.60–2.50)" and one.ci_low == 0.4


def test_sign_test_and_paired_difference():
    assert sign_test(10, 0) == pytest.approx(2 / 2**10)
    assert sign_test(5, 5) == 1.0 and sign_test(0, 0) == 1.0
    mean, low, high = paired_mean_difference([3, 3, 3, 3], [1, 1, 1, 1])
    assert mean == low == high == 2.0
