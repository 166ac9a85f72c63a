"""Charts as inline SVG strings for the self-contained HTML report.

Standard library only, no JavaScript, no external fonts or URLs. Every function returns one
``<svg>`` element; the same input always gives the same string. Every user-visible string
is escaped, and NaN/inf values (and non-positive values on a log axis) are skipped.
"""

from __future__ import annotations

import html
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat

from showdown.errors import ConfigError
from showdown.frameworks.registry import CONTENDERS
from showdown.report.ticks import Scale, axis, fmt, strip_zeros, tick_labels

# A framework's modes share its hue in different shades, its default mode the base colour (each
# contender declares its own); longer names first, so that ``keras-jax`` is not read as ``keras``.
SHADES = {n: dict(c.colours) for n, c in sorted(CONTENDERS.items(), key=lambda nc: -len(nc[0]))}
# Okabe–Ito (colour-blind safe), minus the blues and vermillion that the two frameworks' shades resemble
PALETTE = ("#e69f00", "#009e73", "#cc79a7", "#8c6d1f", "#555555")
# targets and other reference lines
REFERENCE = "#222222"
GRID, AXIS = "#e3e3e3", "#333"
CHAR_W = 6.5  # rough width of one 11px sans-serif character, for layout without font metrics
MAX_OUTLIERS = 200


@dataclass(frozen=True)
class Series:
    """One line of a line chart.

    Attributes:
        name: Legend entry; also picks the colour.
        points: ``(x, y)`` pairs.
        low: Optional lower error bound per point, in y units.
        high: Optional upper error bound per point, in y units.
        dashed: Draw the line dashed (e.g. to tell two modes of one framework apart).
    """

    name: str
    points: tuple[tuple[float, float], ...]
    low: tuple[float, ...] | None = None
    high: tuple[float, ...] | None = None
    dashed: bool = False

    def __post_init__(self) -> None:
        for kind, bounds in (("low", self.low), ("high", self.high)):
            if bounds is not None and len(bounds) != len(self.points):
                raise ConfigError(
                    f"series {self.name!r}: {kind} has {len(bounds)} values for {len(self.points)} points"
                )


@dataclass(frozen=True)
class Bar:
    """One bar of a grouped bar chart: a category on the x axis, a group (colour) within it."""

    label: str
    group: str
    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Box:
    """The raw samples behind one box of a box plot."""

    label: str
    group: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class _Frame:
    """The plot area in pixels, and the whole chart's size."""

    left: float
    top: float
    right: float
    bottom: float
    width: int
    height: int


def colour(group: str) -> str:
    """A stable colour for a group or series name.

    Names starting with a contender's name get its hue (``torch`` red-orange, ``tensorflow`` blue),
    each mode named next (``"tensorflow eager ..."``) in its own shade of that hue; names starting with
    ``target`` (reference lines) are near-black; any other name gets a palette colour chosen by a
    CRC32 of the name, so it is the same in every process (Python's ``hash()`` is randomized per
    process).

    Args:
        group: The group or series name.

    Returns:
        A ``#rrggbb`` colour.
    """
    name = group.lower()
    if name.startswith("target"):  # a reference line, not a contender
        return REFERENCE
    for framework in SHADES:
        if name.startswith(framework):
            words = name[len(framework):].replace("/", " ").replace("-", " ").split()
            return SHADES[framework].get(words[0] if words else "", SHADES[framework][""])
    return PALETTE[zlib.crc32(group.encode("utf-8")) % len(PALETTE)]


def colours(names: Sequence[str]) -> dict[str, str]:
    """Each name's :func:`colour`, except that two names of one chart never share a palette colour.

    A later name whose palette colour is taken gets the first free one, so the result depends only
    on the names and their order: charts listing the same names in the same order agree.
    """
    out: dict[str, str] = {}
    for name in dict.fromkeys(names):
        c = colour(name)
        if c in PALETTE and c in out.values():
            c = next((p for p in PALETTE if p not in out.values()), c)
        out[name] = c
    return out


def line_chart(
    title: str, series: Sequence[Series], *, x_label: str, y_label: str,
    log_x: bool = False, log_y: bool = False, width: int = 640, height: int = 360,
) -> str:
    """A line chart: one polyline with circle markers per series, error bars where given.

    Args:
        title: Chart title (also the accessible ``<title>``).
        series: The lines, drawn and listed in the legend in this order.
        x_label: Label of the x axis.
        y_label: Label of the y axis.
        log_x: Use a log10 x axis.
        log_y: Use a log10 y axis.
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The ``<svg>`` markup; a "no data" chart when nothing is plottable.
    """
    kept = [(s, pts) for s in series if (pts := _series_points(s, log_x, log_y))]
    if not kept:
        return _svg(title, width, height, [])
    paint = colours([s.name for s, _ in kept])
    legend, rows = _legend(list(dict.fromkeys((s.name, s.dashed) for s, _ in kept)), width, paint)
    frame = _frame(width, height, rows)
    xs = [p[0] for _, pts in kept for p in pts]
    ys = [v for _, pts in kept for p in pts for v in p[1:] if v is not None]
    x_scale, x_ticks = axis(min(xs), max(xs), log_x, frame.left, frame.right)
    y_scale, y_ticks = axis(min(ys), max(ys), log_y, frame.bottom, frame.top)
    parts = [_x_axis(x_scale, x_ticks, frame, x_label), _y_axis(y_scale, y_ticks, frame, y_label), legend]
    for s, pts in kept:
        parts.append(_line(s, pts, x_scale, y_scale, paint[s.name]))
    return _svg(title, width, height, parts)


def bar_chart(
    title: str, bars: Sequence[Bar], *, y_label: str, log_y: bool = False, width: int = 640, height: int = 360
) -> str:
    """A grouped bar chart: categories on x in first-seen order, groups side by side.

    A repeated (label, group) pair replaces the earlier one. Error bars come from ``low``/``high``.

    Args:
        title: Chart title (also the accessible ``<title>``).
        bars: The bars.
        y_label: Label of the value axis (which starts at 0, or is log10).
        log_y: Use a log10 value axis.
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The ``<svg>`` markup; a "no data" chart when nothing is plottable.
    """
    cells = {(b.label, b.group): b for b in bars if _usable(b.value, log_y)}
    if not cells:
        return _svg(title, width, height, [])
    ys = [v for b in cells.values() for v in (b.value, _bound(b.low, log_y), _bound(b.high, log_y)) if v is not None]
    lo, hi = (min(ys), max(ys)) if log_y else (min(0.0, *ys), max(0.0, *ys))
    parts, slot, y_scale, paint = _categorical(list(cells), (lo, hi, log_y, y_label), width, height)
    base = y_scale(y_scale.lo if log_y else 0.0)
    for (label, group), b in cells.items():
        x0, x1 = slot(label, group)
        y = y_scale(b.value)
        tip = _el("title", _esc(f"{group} · {label}: {fmt(b.value, 4)}"))
        parts.append(_el("rect", tip, class_="bar", x=x0, y=min(y, base), width=x1 - x0, height=abs(base - y),
                         fill=paint[group]))
        parts.append(_error_bar((x0 + x1) / 2, y, _bound(b.low, log_y), _bound(b.high, log_y), y_scale))
    return _svg(title, width, height, parts)


def box_plot(
    title: str, boxes: Sequence[Box], *, y_label: str, log_y: bool = False, width: int = 640, height: int = 360
) -> str:
    """A box plot: per (label, group) a box from Q1 to Q3 with a median line.

    Whiskers reach the 5th and 95th percentiles (not 1.5 IQR); samples beyond them are drawn
    as small dots, at most 200 per box, evenly subsampled. Percentiles use linear
    interpolation between order statistics (numpy's default method).

    Args:
        title: Chart title (also the accessible ``<title>``).
        boxes: The samples, one box per (label, group); labels on x in first-seen order.
        y_label: Label of the value axis.
        log_y: Use a log10 value axis.
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The ``<svg>`` markup; a "no data" chart when nothing is plottable.
    """
    cells: dict[tuple[str, str], list[float]] = {}
    for b in boxes:
        values = sorted(v for v in b.values if _usable(v, log_y))
        if values:
            cells[(b.label, b.group)] = values
    if not cells:
        return _svg(title, width, height, [])
    lo, hi = min(v[0] for v in cells.values()), max(v[-1] for v in cells.values())
    parts, slot, y_scale, paint = _categorical(list(cells), (lo, hi, log_y, y_label), width, height)
    for (label, group), values in cells.items():
        parts.append(_box(slot(label, group), values, group, y_scale, paint[group]))
    return _svg(title, width, height, parts)


def _box(span: tuple[float, float], values: list[float], group: str, y: Scale, c: str) -> str:
    p5, q1, med, q3, p95 = (_percentile(values, q) for q in (5, 25, 50, 75, 95))
    x0, x1 = span
    mid = (x0 + x1) / 2
    out = [v for v in values if v < p5 or v > p95]
    if len(out) > MAX_OUTLIERS:  # evenly spaced over the sorted outliers, so both tails stay visible
        out = [out[i * (len(out) - 1) // (MAX_OUTLIERS - 1)] for i in range(MAX_OUTLIERS)]
    tip = _el("title", _esc(f"{group}: median {fmt(med, 4)}, IQR {fmt(q1, 4)}–{fmt(q3, 4)}, n={len(values)}"))
    whisker = f"M{_n(mid)} {_n(y(p5))}V{_n(y(q1))}M{_n(mid)} {_n(y(q3))}V{_n(y(p95))}"
    caps = f"M{_n(mid - 4)} {_n(y(p5))}H{_n(mid + 4)}M{_n(mid - 4)} {_n(y(p95))}H{_n(mid + 4)}"
    return "".join([
        _el("path", class_="whisker", d=whisker + caps, stroke=c, fill="none"),
        _el("rect", tip, class_="box", x=x0, y=y(q3), width=x1 - x0, height=y(q1) - y(q3),
            fill=c, fill_opacity=0.35, stroke=c),
        _el("line", class_="median", x1=x0, x2=x1, y1=y(med), y2=y(med), stroke=c, stroke_width=2),
        *(_el("circle", class_="outlier", cx=mid, cy=y(v), r=1.5, fill=c) for v in out),
    ])


def _percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of sorted ``values``, interpolating linearly between ranks."""
    pos = q / 100 * (len(values) - 1)
    i = math.floor(pos)
    j = min(i + 1, len(values) - 1)
    return values[i] + (values[j] - values[i]) * (pos - i)


def _categorical(
    keys: list[tuple[str, str]], y: tuple[float, float, bool, str], width: int, height: int
) -> tuple[list[str], Callable[[str, str], tuple[float, float]], Scale, dict[str, str]]:
    """Layout shared by bars and boxes: grid, legend, category labels, a slot finder, the y scale
    and each group's colour.

    ``y`` is the value range, whether it is log10, and the axis label.
    """
    labels = list(dict.fromkeys(k[0] for k in keys))
    groups = list(dict.fromkeys(k[1] for k in keys))
    paint = colours(groups)
    legend, rows = _legend([(g, False) for g in groups], width, paint)
    rotate = any(len(label) * CHAR_W > (width - 80) / len(labels) * 0.9 for label in labels)
    frame = _frame(width, height, rows, extra=40 if rotate else 0)
    band = (frame.right - frame.left) / len(labels)
    y_scale, y_ticks = axis(y[0], y[1], y[2], frame.bottom, frame.top)
    parts = [_y_axis(y_scale, y_ticks, frame, y[3]), legend, _x_categories(labels, band, frame, rotate)]

    def slot(label: str, group: str) -> tuple[float, float]:
        inner = band * 0.8 / len(groups)
        x0 = frame.left + labels.index(label) * band + band * 0.1 + groups.index(group) * inner
        return x0 + inner * 0.05, x0 + inner * 0.95

    return parts, slot, y_scale, paint


def _x_categories(labels: list[str], band: float, frame: _Frame, rotate: bool) -> str:
    """Category labels under the x axis; rotated and cut with an ellipsis when they do not fit."""
    parts = []
    for i, label in enumerate(labels):
        x, y = frame.left + (i + 0.5) * band, frame.bottom + (12 if rotate else 16)
        if not rotate:
            parts.append(_text(x, y, label, text_anchor="middle"))
            continue
        short = label if len(label) <= 18 else label[:17] + "…"
        tip = _el("title", _esc(label)) if short != label else ""
        parts.append(_text(x, y, short, tip, text_anchor="end", transform=f"rotate(-35 {_n(x)} {_n(y)})"))
    return "".join(parts)


def _series_points(s: Series, log_x: bool, log_y: bool) -> list[tuple[float, float, float | None, float | None]]:
    """The plottable points of a series as (x, y, low, high), sorted by x."""
    bounds = zip(s.points, s.low or repeat(None), s.high or repeat(None))
    kept = [
        (x, y, _bound(lo, log_y), _bound(hi, log_y))
        for (x, y), lo, hi in bounds
        if _usable(x, log_x) and _usable(y, log_y)
    ]
    return sorted(kept, key=lambda p: p[0])


def _line(s: Series, pts: list[tuple[float, float, float | None, float | None]], x: Scale, y: Scale, c: str) -> str:
    dash = {"stroke_dasharray": "6 3"} if s.dashed else {}
    coords = " ".join(f"{_n(x(px))},{_n(y(py))}" for px, py, _, _ in pts)
    parts = [_el("polyline", class_="series", points=coords, fill="none", stroke=c, stroke_width=2, **dash)]
    for px, py, lo, hi in pts:
        parts.append(_error_bar(x(px), y(py), lo, hi, y, c))
        tip = _el("title", _esc(f"{s.name}: ({fmt(px, 4)}, {fmt(py, 4)})"))
        parts.append(_el("circle", tip, class_="marker", cx=x(px), cy=y(py), r=3, fill=c))
    return "".join(parts)


def _error_bar(x: float, y: float, lo: float | None, hi: float | None, scale: Scale, stroke: str = "#222") -> str:
    if lo is None and hi is None:
        return ""
    top = scale(hi) if hi is not None else y
    bottom = scale(lo) if lo is not None else y
    d = f"M{_n(x)} {_n(bottom)}V{_n(top)}M{_n(x - 3)} {_n(top)}H{_n(x + 3)}M{_n(x - 3)} {_n(bottom)}H{_n(x + 3)}"
    return _el("path", class_="errorbar", d=d, stroke=stroke, fill="none")


def _y_axis(scale: Scale, ticks: list[float], frame: _Frame, label: str) -> str:
    """Horizontal gridlines, tick labels, the axis label, and both axis lines over the grid."""
    parts = []
    for t, text in zip(ticks, tick_labels(ticks)):
        parts.append(_el("line", x1=frame.left, x2=frame.right, y1=scale(t), y2=scale(t), stroke=GRID))
        parts.append(_text(frame.left - 6, scale(t) + 4, text, text_anchor="end"))
    mid = (frame.top + frame.bottom) / 2
    parts.append(_text(14, mid, label, text_anchor="middle", font_size=12, transform=f"rotate(-90 14 {_n(mid)})"))
    parts.append(_el("line", x1=frame.left, x2=frame.left, y1=frame.top, y2=frame.bottom, stroke=AXIS))
    parts.append(_el("line", x1=frame.left, x2=frame.right, y1=frame.bottom, y2=frame.bottom, stroke=AXIS))
    return "".join(parts)


def _x_axis(scale: Scale, ticks: list[float], frame: _Frame, label: str) -> str:
    """Vertical gridlines, tick labels and the axis label."""
    parts = []
    for t, text in zip(ticks, tick_labels(ticks)):
        parts.append(_el("line", x1=scale(t), x2=scale(t), y1=frame.top, y2=frame.bottom, stroke=GRID))
        parts.append(_text(scale(t), frame.bottom + 16, text, text_anchor="middle"))
    parts.append(_text((frame.left + frame.right) / 2, frame.height - 8, label, text_anchor="middle", font_size=12))
    return "".join(parts)


def _legend(entries: list[tuple[str, bool]], width: int, paint: dict[str, str]) -> tuple[str, int]:
    """Legend entries in rows under the title; returns the markup and the number of rows."""
    parts, x, row = [], 64.0, 0
    for name, dashed in entries:
        w = 30 + len(name) * CHAR_W
        if x + w > width - 8 and x > 64:
            x, row = 64.0, row + 1
        y = 36 + row * 16
        dash = {"stroke_dasharray": "6 3"} if dashed else {}
        parts.append(_el("line", class_="swatch", x1=x, x2=x + 18, y1=y - 4, y2=y - 4, stroke=paint[name],
                         stroke_width=3, **dash))
        parts.append(_text(x + 22, y, name))
        x += w + 10
    return _el("g", "".join(parts), class_="legend"), row + 1


def _frame(width: int, height: int, legend_rows: int, extra: int = 0) -> _Frame:
    top = 32 + 16 * legend_rows
    return _Frame(64, top, max(74, width - 16), max(top + 10, height - 44 - extra), width, height)


def _svg(title: str, width: int, height: int, parts: list[str]) -> str:
    """The outer element; with no parts, a centred "no data" note."""
    parts = parts or [_text(width / 2, height / 2, "no data", text_anchor="middle", font_size=13, fill="#777")]
    heading = _text(width / 2, 18, title, text_anchor="middle", font_size=14, font_weight="bold")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" class="chart"><title>{_esc(title)}</title>{heading}{"".join(parts)}</svg>'
    )


def _text(x: float, y: float, text: str, inner: str = "", **attrs: object) -> str:
    """A text element; ``text`` is escaped, ``inner`` is markup placed before it (a ``<title>``)."""
    attrs = {"font_size": 11, "font_family": "sans-serif", **attrs}
    return _el("text", inner + _esc(text), x=x, y=y, **attrs)


def _el(tag: str, body: str = "", **attrs: object) -> str:
    """One element. ``class_`` and ``font_size`` style names become ``class`` and ``font-size``;
    numbers are rounded to two decimals and other values escaped. ``body`` is markup, not escaped."""
    text = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{_n(v) if isinstance(v, (int, float)) else _esc(v)}"'
        for k, v in attrs.items()
    )
    return f"<{tag}{text}>{body}</{tag}>" if body else f"<{tag}{text}/>"


def _usable(v: float | None, log: bool) -> bool:
    return v is not None and math.isfinite(v) and (v > 0 or not log)


def _bound(v: float | None, log: bool) -> float | None:
    return v if _usable(v, log) else None


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(v: float) -> str:
    """A coordinate with at most two decimals."""
    text = strip_zeros(f"{v:.2f}")
    return "0" if text == "-0" else text
