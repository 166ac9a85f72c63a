"""Inline SVG charts: well-formed, faithful to the data, escaped, deterministic."""

from __future__ import annotations

import itertools
import math
import os
import random
import re
import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from showdown.errors import ConfigError
from showdown.report.svg import (
    PALETTE,
    REFERENCE,
    SHADES,
    Bar,
    Box,
    Series,
    bar_chart,
    box_plot,
    colour,
    colours,
    line_chart,
)
from showdown.report.ticks import duration, fmt, log_ticks, nice_ticks

TORCH_COLOUR, TENSORFLOW_COLOUR = SHADES["torch"][""], SHADES["tensorflow"][""]

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>\"&'"
NAN, INF = float("nan"), float("inf")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == cls]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{NS}text")]


def y_ticks(root: ET.Element) -> dict[str, float]:
    """Tick label → pixel y of its gridline (labels sit 4 px below the line, right-aligned)."""
    return {
        e.text: float(e.get("y")) - 4
        for e in root.iter(f"{NS}text")
        if e.get("text-anchor") == "end" and e.get("transform") is None and e.text
    }


def path_ys(d: str) -> list[float]:
    """The y coordinates in a path made of M, V and H commands."""
    ys = []
    for cmd, args in re.findall(r"([MVH])([^MVH]*)", d):
        numbers = [float(v) for v in args.split()]
        ys += {"M": numbers[1:], "V": numbers, "H": []}[cmd]
    return ys


def inverse_linear_y(root: ET.Element):
    """Pixel y → data value, from two of the chart's own y tick labels."""
    ticks = [(float(label), y) for label, y in y_ticks(root).items()]
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    return lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def sample_charts() -> list[str]:
    return [
        line_chart("lines", [Series("torch", ((1, 2), (2, 3)))], x_label="x", y_label="y"),
        bar_chart("bars", [Bar("mlp", "torch", 1.0)], y_label="ms"),
        box_plot("boxes", [Box("mlp", "torch", (1.0, 2.0, 3.0))], y_label="ms"),
    ]


@pytest.mark.parametrize("svg", sample_charts(), ids=["line", "bar", "box"])
def test_each_chart_is_one_accessible_svg_element(svg):
    root = parse(svg)
    assert root.get("viewBox") == "0 0 640 360"
    assert (root.get("width"), root.get("height")) == ("640", "360")
    assert root.get("role") == "img" and root.get("class") == "chart"
    assert root[0].tag == f"{NS}title" and root[0].text in ("lines", "bars", "boxes")
    assert "<script" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_line_chart_draws_a_polyline_per_series_and_a_marker_per_point():
    root = parse(
        line_chart(
            "t",
            [Series("torch", ((1, 1), (2, 4), (3, 9))), Series("tensorflow", ((1, 2), (2, 5)), dashed=True)],
            x_label="batch",
            y_label="ms",
        )
    )
    lines = by_class(root, "series")
    assert [e.tag for e in lines] == [f"{NS}polyline"] * 2
    assert len(lines[0].get("points").split()) == 3
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert len(by_class(root, "marker")) == 5
    assert [e.text for e in by_class(root, "legend")[0].iter(f"{NS}text")] == ["torch", "tensorflow"]


def test_single_point_series_still_shows_a_marker_inside_the_plot():
    root = parse(line_chart("t", [Series("jax", ((3.0, 7.0),))], x_label="x", y_label="y"))
    (marker,) = by_class(root, "marker")
    assert float(marker.get("r")) > 0
    assert 0 < float(marker.get("cx")) < 640 and 0 < float(marker.get("cy")) < 360


def test_non_finite_values_are_skipped():
    series = Series("torch", ((1, 1), (2, NAN), (INF, 3), (4, 4)), low=(0.5, 1, 1, NAN), high=(1.5, 2, 2, INF))
    svg = line_chart("t", [series], x_label="x", y_label="y")
    root = parse(svg)
    assert len(by_class(root, "marker")) == 2
    assert len(by_class(root, "errorbar")) == 1  # the last point's bounds are both unusable
    assert "nan" not in svg and "inf" not in svg


def test_log_axes_skip_non_positive_values():
    series = Series("torch", ((0, 5), (1, 10), (10, -1), (100, 1000), (1000, 0)))
    root = parse(line_chart("t", [series], x_label="x", y_label="y", log_x=True, log_y=True))
    assert len(by_class(root, "marker")) == 2


def test_error_bars_span_low_to_high():
    series = Series("torch", ((1, 5), (2, 6)), low=(4, 5), high=(6, 8))
    root = parse(line_chart("t", [series], x_label="x", y_label="y"))
    bars = by_class(root, "errorbar")
    assert len(bars) == 2
    to_value = inverse_linear_y(root)
    assert sorted({round(to_value(y), 2) for y in path_ys(bars[1].get("d"))}) == [5.0, 8.0]


def test_bar_chart_groups_bars_by_category_in_first_seen_order():
    bars = [
        Bar("mlp", "torch", 2.0, low=1.5, high=2.5),
        Bar("mlp", "tensorflow", 3.0),
        Bar("cnn", "torch", 4.0),
        Bar("cnn", "tensorflow", NAN),
    ]
    root = parse(bar_chart("t", bars, y_label="ms"))
    rects = by_class(root, "bar")
    assert len(rects) == 3
    assert [r.get("fill") for r in rects] == [TORCH_COLOUR, TENSORFLOW_COLOUR, TORCH_COLOUR]
    xs = [float(r.get("x")) for r in rects]
    assert xs == sorted(xs)
    assert len(by_class(root, "errorbar")) == 1
    labels = [e for e in root.iter(f"{NS}text") if e.text in ("mlp", "cnn")]
    assert [e.text for e in labels] == ["mlp", "cnn"]
    assert float(labels[0].get("x")) < float(labels[1].get("x"))


def test_bar_value_axis_starts_at_zero():
    root = parse(bar_chart("t", [Bar("a", "torch", 5.0), Bar("b", "torch", 8.0)], y_label="ms"))
    zero = y_ticks(root)["0"]
    to_value = inverse_linear_y(root)
    for rect in by_class(root, "bar"):
        top, height = float(rect.get("y")), float(rect.get("height"))
        assert top + height == pytest.approx(zero, abs=0.02)
    assert [round(to_value(float(r.get("y"))), 2) for r in by_class(root, "bar")] == [5.0, 8.0]


def test_long_category_labels_are_cut_with_the_full_text_on_hover():
    long = "transformer-with-an-unreasonably-long-name-for-a-label"
    root = parse(bar_chart("t", [Bar(long, "torch", 1.0), Bar("mlp", "torch", 2.0)], y_label="ms"))
    (label,) = [e for e in root.iter(f"{NS}text") if e.find(f"{NS}title") is not None]
    assert label.find(f"{NS}title").text == long
    shown = "".join(label.itertext()).removeprefix(long)
    assert shown.endswith("…") and len(shown) < len(long)
    assert label.get("transform", "").startswith("rotate(")


def test_box_plot_draws_quartiles_median_and_percentile_whiskers():
    values = tuple(float(v) for v in range(1, 12))  # 1..11
    root = parse(box_plot("t", [Box("mlp", "torch", values)], y_label="ms"))
    to_value = inverse_linear_y(root)
    (box,) = by_class(root, "box")
    (median,) = by_class(root, "median")
    top, height = float(box.get("y")), float(box.get("height"))
    # linear interpolation: Q1 at rank 2.5 → 3.5, median 6, Q3 at rank 7.5 → 8.5, p5 1.5, p95 10.5
    assert to_value(top) == pytest.approx(8.5, abs=0.01)
    assert to_value(top + height) == pytest.approx(3.5, abs=0.01)
    assert to_value(float(median.get("y1"))) == pytest.approx(6.0, abs=0.01)
    whisker_ys = path_ys(by_class(root, "whisker")[0].get("d"))
    assert to_value(min(whisker_ys)) == pytest.approx(10.5, abs=0.01)
    assert to_value(max(whisker_ys)) == pytest.approx(1.5, abs=0.01)
    outliers = sorted(round(to_value(float(c.get("cy"))), 2) for c in by_class(root, "outlier"))
    assert outliers == [1.0, 11.0]


def test_box_quartiles_match_the_standard_library_on_a_random_sample():
    rng = random.Random(7)
    values = tuple(rng.lognormvariate(0, 0.5) * 10 for _ in range(137))
    q1, med, q3 = statistics.quantiles(values, n=4, method="inclusive")
    root = parse(box_plot("t", [Box("a", "torch", values)], y_label="ms"))
    to_value = inverse_linear_y(root)
    (box,) = by_class(root, "box")
    top, height = float(box.get("y")), float(box.get("height"))
    tolerance = 0.02 * abs(to_value(0) - to_value(1))  # coordinates carry two decimals
    assert to_value(top) == pytest.approx(q3, abs=tolerance)
    assert to_value(top + height) == pytest.approx(q1, abs=tolerance)
    assert to_value(float(by_class(root, "median")[0].get("y1"))) == pytest.approx(med, abs=tolerance)


def test_box_plot_caps_outlier_dots_per_box():
    rng = random.Random(0)
    values = tuple(rng.gauss(10, 2) for _ in range(10_000))
    root = parse(box_plot("t", [Box("a", "torch", values), Box("a", "jax", (1.0, 2.0, 3.0))], y_label="ms"))
    dots = by_class(root, "outlier")
    jax = [d for d in dots if d.get("fill") == colour("jax")]
    assert len(jax) == 2 and len(dots) - len(jax) == 200
    ys = [float(d.get("cy")) for d in dots if d.get("fill") == TORCH_COLOUR]
    assert min(ys) < float(by_class(root, "box")[0].get("y")) < max(ys)  # both tails kept


@pytest.mark.parametrize(
    "make",
    [
        lambda: line_chart("T", [], x_label="x", y_label="y"),
        lambda: line_chart("T", [Series("a", ())], x_label="x", y_label="y"),
        lambda: line_chart("T", [Series("a", ((NAN, 1), (1, INF)))], x_label="x", y_label="y"),
        lambda: line_chart("T", [Series("a", ((1, -1), (2, 0)))], x_label="x", y_label="y", log_y=True),
        lambda: bar_chart("T", [], y_label="y"),
        lambda: bar_chart("T", [Bar("a", "b", NAN)], y_label="y"),
        lambda: bar_chart("T", [Bar("a", "b", 0.0)], y_label="y", log_y=True),
        lambda: box_plot("T", [], y_label="y"),
        lambda: box_plot("T", [Box("a", "b", ())], y_label="y"),
        lambda: box_plot("T", [Box("a", "b", (NAN, -INF))], y_label="y"),
    ],
)
def test_empty_or_unusable_input_gives_a_no_data_chart(make):
    root = parse(make())
    assert root.get("viewBox") == "0 0 640 360"
    assert root[0].text == "T"
    assert "no data" in texts(root)
    assert not by_class(root, "marker") and not by_class(root, "bar") and not by_class(root, "box")


def test_no_data_chart_keeps_the_requested_size():
    root = parse(bar_chart("T", [], y_label="y", width=300, height=200))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("300", "200", "0 0 300 200")


@pytest.mark.parametrize("kind", ["line", "bar", "box", "empty"])
def test_user_strings_are_escaped(kind):
    if kind == "line":
        svg = line_chart(EVIL, [Series(EVIL, ((1, 1), (2, 2)))], x_label=EVIL, y_label=EVIL)
    elif kind == "bar":
        svg = bar_chart(EVIL, [Bar(EVIL, EVIL, 1.0), Bar("x" * 80, EVIL, 2.0)], y_label=EVIL)
    elif kind == "box":
        svg = box_plot(EVIL, [Box(EVIL, EVIL, (1.0, 2.0))], y_label=EVIL)
    else:
        svg = line_chart(EVIL, [], x_label=EVIL, y_label=EVIL)
    assert "<script>" not in svg and "alert(1)</script>" not in svg
    root = parse(svg)
    assert root[0].text == EVIL
    shown = texts(root) + [e.text for e in root.iter(f"{NS}title")]
    assert sum(EVIL in (t or "") for t in shown) >= (2 if kind == "empty" else 3)


def test_output_is_deterministic_and_compact():
    rng = random.Random(3)
    series = [Series(f"s{i}", tuple((x, rng.random() / 3) for x in range(20))) for i in range(3)]
    a = line_chart("t", series, x_label="x", y_label="y")
    assert a == line_chart("t", series, x_label="x", y_label="y")
    coordinates = [v for e in parse(a).iter() for k, v in e.attrib.items() if k in ("x", "y", "cx", "cy", "points")]
    numbers = re.findall(r"\d+\.\d+", " ".join(coordinates))
    assert numbers and all(len(n.split(".")[1]) <= 2 for n in numbers)


def test_log_axis_ticks_are_powers_of_ten():
    series = Series("torch", ((1, 0.002), (2, 30.0), (3, 4000.0)))
    root = parse(line_chart("t", [series], x_label="x", y_label="y", log_y=True))
    labels = set(y_ticks(root))
    assert labels == {fmt(10.0**e) for e in range(-3, 5)}


def test_log_ticks():
    for lo, hi in [(3, 4e4), (1e-9, 1e12), (0.5, 2e3)]:
        ticks = log_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi
        assert all(math.log10(t) == pytest.approx(round(math.log10(t))) for t in ticks)
        assert 2 <= len(ticks) <= 10
    assert log_ticks(3, 40) == [2, 5, 10, 20, 50]
    assert log_ticks(10, 10) == [10, 20]


def test_nice_ticks():
    assert nice_ticks(0, 0.87) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(-3.2, 7.7) == pytest.approx([-4, -2, 0, 2, 4, 6, 8])
    assert nice_ticks(0, 1234) == pytest.approx([0, 200, 400, 600, 800, 1000, 1200, 1400])
    for lo, hi in [(0, 0.87), (5, 5), (0, 0), (1e-7, 3e-7), (-50, -2), (99, 101)]:
        ticks = nice_ticks(lo, hi)
        steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1 and ticks[0] <= lo and ticks[-1] >= hi
        mantissa = f"{steps.pop():e}"[0]
        assert mantissa in "125"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.5, "0.5"),
        (12, "12"),
        (-0.25, "-0.25"),
        (1200, "1.2k"),
        (999.9, "1k"),
        (123456, "123k"),
        (1.5e6, "1.5M"),
        (2e9, "2G"),
        (3.4e-5, "3.4e-05"),
        (1e-6, "1e-06"),
        (NAN, "nan"),
    ],
)
def test_fmt(value, text):
    assert fmt(value) == text


def test_colour_is_stable_and_tells_the_frameworks_apart():
    assert colour("torch") == colour("torch eager") == colour("torch eager seed 1") == TORCH_COLOUR
    assert colour("tensorflow") == colour("tensorflow function") == TENSORFLOW_COLOUR
    # modes of one framework are told apart by shade
    assert len({colour("tensorflow eager"), colour("tensorflow function"), colour("tensorflow/xla")}) == 3
    assert colour("torch-compiled") != TORCH_COLOUR
    assert TORCH_COLOUR != TENSORFLOW_COLOUR
    assert colour("mlx") in PALETTE and re.fullmatch(r"#[0-9a-f]{6}", colour("mlx"))
    assert len({colour(f"name{i}") for i in range(50)}) > 1
    # a target line looks the same in every chart and like no contender
    assert colour("target 0.97") == colour("target 0.90") == REFERENCE
    assert REFERENCE not in (*PALETTE, TORCH_COLOUR, TENSORFLOW_COLOUR)


def test_names_of_one_chart_never_share_a_palette_colour():
    # these two hash to the same palette colour; in one chart the second takes a free one
    first, second = "first pass (new shapes)", "steady pass"
    assert colour(first) == colour(second)
    paint = colours([first, second, "torch eager", "tensorflow function"])
    assert paint[first] == colour(first) and paint[second] in PALETTE and paint[second] != paint[first]
    assert paint["torch eager"] == TORCH_COLOUR and paint["tensorflow function"] == TENSORFLOW_COLOUR
    root = parse(bar_chart("t", [Bar("mlp", first, 1.0), Bar("mlp", second, 2.0)], y_label="ms"))
    fills = [r.get("fill") for r in by_class(root, "bar")]
    swatches = [e.get("stroke") for e in root.iter(f"{NS}line") if e.get("class") == "swatch"]
    assert fills == swatches == [paint[first], paint[second]]
    lines = parse(line_chart("t", [Series(first, ((1, 1), (2, 2))), Series(second, ((1, 2), (2, 3)))], x_label="x", y_label="y"))
    strokes = [e.get("stroke") for e in lines.iter(f"{NS}polyline")]
    assert strokes == [paint[first], paint[second]]


def test_colour_does_not_depend_on_the_hash_seed():
    names = ["jax", "keras-jax", "onnx-ort", "mlx"]
    code = f"from showdown.report.svg import colour; print([colour(n) for n in {names!r}])"
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        seen.add(result.stdout)
    assert seen == {f"{[colour(n) for n in names]}\n"}


def test_series_bounds_must_match_the_points():
    with pytest.raises(ConfigError, match="low has 1 values for 2 points"):
        Series("a", ((1, 1), (2, 2)), low=(0.5,))


@pytest.mark.parametrize(("seconds", "text"), [(None, "n/a"), (4.71e-5, "0.0471 ms"), (0.0135, "13.5 ms"), (0.9994, "999 ms"), (4.78, "4.78 s"), (120.0, "120 s")])
def test_duration(seconds, text):
    assert duration(seconds) == text
