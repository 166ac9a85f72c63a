"""The report's plots, built from a run's stored measurements as inline SVG.

Each builder returns :class:`Figure` objects only for data the run has, so every figure the
report shows holds a plot (a section without data says which command would measure it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from showdown.analysis import evidence as E
from showdown.report import svg

MB = 2**20


@dataclass(frozen=True)
class Figure:
    """One plot: an id for links and tests, a caption saying what is shown, the SVG markup."""

    id: str
    title: str
    caption: str
    svg: str


def _side(c: Any) -> str:
    return f"{c.config['framework']} {c.config['mode']}"


def _ci(view: E.RunView, c: Any, metric: str) -> tuple[float, float, float] | None:
    stats = view.stats(c, metric)
    if not stats or stats.get("median") is None:
        return None
    return stats["median"], stats.get("ci_low") or stats["median"], stats.get("ci_high") or stats["median"]


def throughput(view: E.RunView, scenario: str, metric: str) -> list[Figure]:
    """Samples per second against batch size, one chart per workload, a series per framework and
    mode; with a single batch size, one bar chart over the workloads instead."""
    what = "training" if scenario == "train" else "inference"
    caption = f"samples per second from the median {metric.replace('_', ' ')}; bars: 95% CI of the median"
    points: dict[str, dict[str, list[tuple[float, float, float, float]]]] = defaultdict(lambda: defaultdict(list))
    for c in view.of(scenario):
        m = _ci(view, c, metric)
        if m:
            bs = c.config["batch_size"]
            points[c.config["workload"]][_side(c)].append((bs, bs / m[0], bs / m[2], bs / m[1]))
    if len({c.config["batch_size"] for c in view.of(scenario)}) == 1:
        bars = [svg.Bar(w, side, p[0][1], p[0][2], p[0][3]) for w, by in sorted(points.items()) for side, p in sorted(by.items())]
        bs = view.of(scenario)[0].config["batch_size"]
        return [Figure(f"{scenario}-throughput", f"{what} throughput", caption,
                       svg.bar_chart(f"{what} throughput at batch {bs}", bars, y_label="samples/s", log_y=True))] if bars else []
    figs = []
    for workload, by in sorted(points.items()):
        lines = [svg.Series(name, tuple((p[0], p[1]) for p in sorted(pts)), tuple(p[2] for p in sorted(pts)), tuple(p[3] for p in sorted(pts)))
                 for name, pts in sorted(by.items())]
        figs.append(Figure(f"{scenario}-throughput-{workload}", f"{what} throughput, {workload}", caption,
                           svg.line_chart(f"{what} throughput — {workload}", lines, x_label="batch size", y_label="samples/s", log_x=True, log_y=True)))
    return figs


def latency_distributions(view: E.RunView) -> list[Figure]:
    """Box plots of every inference latency sample, one chart per batch size."""
    figs = []
    for bs in sorted({c.config["batch_size"] for c in view.of("infer")}):
        boxes = [svg.Box(c.config["workload"], _side(c), tuple(v * 1e3 for v in view.samples(c, "latency")))
                 for c in sorted(view.of("infer", batch_size=bs), key=lambda c: (c.config["workload"], _side(c)))]
        if any(b.values for b in boxes):
            figs.append(Figure(f"latency-bs{bs}", f"inference latency at batch {bs}", "box: quartiles and median; whiskers: 5th–95th percentile; dots: samples beyond",
                               svg.box_plot(f"inference latency, batch {bs}", boxes, y_label="ms", log_y=True)))
    return figs


def accuracy_curves(view: E.RunView) -> list[Figure]:
    """Test accuracy against wall time, one line per framework and seed, one chart per workload."""
    figs = []
    for c_list in _by_workload(view.of("accuracy")).values():
        workload = c_list[0].config["workload"]
        lines, target = [], None
        for c in c_list:
            target = E.result_value(c, "target", default=target)
            for run in E.result_value(c, "runs", default=[]):
                pts = tuple((p["seconds"], p["accuracy"]) for p in run.get("curve", []))
                if pts:
                    lines.append(svg.Series(f"{_side(c)} seed {run.get('seed')}", pts))
        if lines:
            if target:
                xmax = max(p[0] for s in lines for p in s.points)
                lines.append(svg.Series(f"target {target:.2f}", ((0.0, target), (xmax, target)), dashed=True))
            figs.append(Figure(f"accuracy-{workload}", f"time to accuracy, {workload}", "digits test accuracy after each epoch against seconds since training began (evaluation included)",
                               svg.line_chart(f"time to accuracy — {workload}", lines, x_label="seconds", y_label="test accuracy")))
    return figs


def _by_workload(cells: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for c in cells:
        out[c.config["workload"]].append(c)
    return dict(sorted(out.items()))


def memory(view: E.RunView) -> list[Figure]:
    """Peak resident memory above baseline, per training/inference cell."""
    bars = []
    for scenario in ("train", "infer"):
        for c in view.of(scenario):
            mb = E.result_value(c, "peak_rss_above_baseline")
            if mb:
                bars.append(svg.Bar(f"{scenario} {c.config['workload']} bs{c.config['batch_size']}", _side(c), mb / MB))
    if not bars:
        return []
    return [Figure("memory", "peak memory", "peak resident set size above the process's baseline before the model was built (one reading per cell)",
                   svg.bar_chart("peak memory above baseline", bars, y_label="MB"))]


def coldstart(view: E.RunView) -> list[Figure]:
    """Fresh interpreter to second prediction, median with CI, per workload."""
    bars = []
    for c in view.of("coldstart"):
        m = _ci(view, c, "coldstart_total")
        if m:
            bars.append(svg.Bar(c.config["workload"], c.config["framework"], m[0], m[1], m[2]))
    if not bars:
        return []
    return [Figure("coldstart", "cold start", "fresh interpreter: import, build, first and second prediction; median and 95% CI",
                   svg.bar_chart("cold start", bars, y_label="s"))]


def break_even(rows: list[dict[str, Any]]) -> list[Figure]:
    """Two charts, each in its own unit: what compiling costs once (seconds), and how many steps of
    the compiled mode it takes to win that back (log scale). A bar per cell, coloured by framework
    and mode; cells where compiling never pays off are named in the caption."""
    if not rows:
        return []
    cost, steps, never = [], [], []
    for r in rows:
        scenario, framework, workload, _preset, mode, *rest = r["cell"].split("/")
        label, side = " ".join([scenario, workload, *rest]), f"{framework} {mode}"
        cost.append(svg.Bar(label, side, r["compile_s"]))
        if r["steps"]:
            steps.append(svg.Bar(label, side, r["steps"]))
        else:
            never.append(f"{label} ({side})")
    figs = [Figure("break-even-cost", "compile cost", "first call minus the steady median of the compiled mode: the one-off cost of tracing or compiling",
                   svg.bar_chart("compile cost", cost, y_label="s"))]
    if steps:
        tail = f"; never pays off (no faster than eager): {', '.join(never)}" if never else ""
        figs.append(Figure("break-even-steps", "compile break-even", "compile cost ÷ (eager median − compiled median): the steps after which compiling has paid for itself" + tail,
                           svg.bar_chart("steps to break even", steps, y_label="steps", log_y=True)))
    return figs


def dynamic(view: E.RunView) -> list[Figure]:
    """First pass over unseen shapes and the steady pass, per framework and mode."""
    bars = []
    for c in view.of("dynamic"):
        for metric, name in (("first_pass", "first pass (new shapes)"), ("round_time", "steady pass")):
            m = _ci(view, c, metric)
            if m:
                bars.append(svg.Bar(f"{c.config['workload']} {_side(c)}", name, m[0] * 1e3, m[1] * 1e3, m[2] * 1e3))
    if not bars:
        return []
    return [Figure("dynamic", "varying input shapes", "a pass over batch sizes never seen before (retraces and recompiles included) and the same pass once every shape is known; medians with 95% CI",
                   svg.bar_chart("varying input shapes", bars, y_label="ms", log_y=True))]


def deployment(rows: list[dict[str, Any]]) -> list[Figure]:
    """Latency at batch 1 in the target runtime and artifact size, per path and workload."""
    ok = [r for r in rows if r.get("ran") and r.get("latency", {}).get("bs1")]
    if not ok:
        return []
    lat = [svg.Bar(r["workload"], r["path"], r["latency"]["bs1"]["p50"] * 1e3) for r in ok]
    size = [svg.Bar(r["workload"], r["path"], r["size_bytes"] / MB) for r in ok if r.get("size_bytes")]
    return [Figure("deploy-latency", "deployment latency", "median latency at batch 1 in the target runtime, in a process holding only that runtime",
                   svg.bar_chart("latency in the target runtime, batch 1", lat, y_label="ms", log_y=True)),
            Figure("deploy-size", "artifact size", "size on disk of the exported artifact",
                   svg.bar_chart("artifact size", size, y_label="MB", log_y=True))]


def footprint(rows: list[dict[str, Any]]) -> list[Figure]:
    """Installed size and memory after import of each runtime."""
    ok = [f for f in rows if f.get("status") == "ok" and f.get("installed_total_bytes")]
    if not ok:
        return []
    bars = [svg.Bar(f["runtime"], "installed (MB)", f["installed_total_bytes"] / MB) for f in ok]
    bars += [svg.Bar(f["runtime"], "RSS after import (MB)", f["rss_after_import_bytes"] / MB) for f in ok]
    return [Figure("footprint", "runtime footprint", "installed size including what the runtime imports, and resident memory after importing it in a fresh interpreter",
                   svg.bar_chart("runtime footprint", bars, y_label="MB", log_y=True))]
