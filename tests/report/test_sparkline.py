"""The per-round ratios drawn in the terminal."""

from showdown.report.terminal import sparkline


def test_sparkline_spans_lowest_to_highest():
    assert sparkline([1.0, 2.0, 1.5]) == "▁█▅"  # (1.5 − 1) / (2 − 1) × 7 = 3.5, rounded to 4
    assert sparkline([1.2, 1.2]) == "▄▄" and sparkline([]) == ""
