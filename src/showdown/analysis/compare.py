"""Comparisons as ratios with confidence intervals: framework against framework within a run,
compiled mode against eager (break-even), and run against run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import product
from typing import Any

from showdown.runner.execute import metrics, primary
from showdown.store import CellRecord, Store


@dataclass(frozen=True)
class Row:
    """One comparison: what was compared, and the statistics' verdict."""

    group: str
    metric: str
    side_a: str
    side_b: str
    comparison: dict[str, Any]


def _group_key(cell: CellRecord) -> tuple:
    c = cell.config
    return (c["scenario"], c["workload"], c.get("preset"), c.get("batch_size"), c.get("loadgen_scenario"))


def _label(group: tuple) -> str:
    scenario, workload, preset, bs, ls = group
    parts = [scenario, workload, preset] + ([f"bs{bs}"] if scenario in ("train", "infer", "serve") else []) + ([ls] if ls else [])
    return "/".join(str(p) for p in parts)


def frameworks(store: Store, run_id: str) -> list[Row]:
    """Every framework-vs-framework comparison in a run, for each pair of their modes and each of
    the scenario's metrics (see :func:`showdown.runner.execute.metrics`); sides measured in rounds
    are compared round by round (:func:`showdown.analysis.evidence.compare_pair`)."""
    from showdown.analysis.evidence import RunView

    view = RunView(store, run_id)
    groups: dict[tuple, list[CellRecord]] = defaultdict(list)
    for cell in view.cells:
        if "framework" in cell.config and cell.config["scenario"] not in ("deploy", "devx"):
            groups[_group_key(cell)].append(cell)
    rows = []
    for group, cells in groups.items():
        for metric, lower in metrics(cells[0].config):
            rows += _pairs(view, _label(group), cells, metric, lower)
    return rows


def _pairs(view: Any, label: str, cells: list[CellRecord], metric: str, lower: bool) -> list[Row]:
    """Each cell of one framework against each cell of another, on ``metric``."""
    from showdown.analysis.evidence import Pair, compare_pair

    rows = []
    names = sorted({c.config["framework"] for c in cells})
    for fa, fb in ((a, b) for i, a in enumerate(names) for b in names[i + 1 :]):
        for ca, cb in product([c for c in cells if c.config["framework"] == fa], [c for c in cells if c.config["framework"] == fb]):
            pair = Pair(label, ca, cb)
            cmp = compare_pair(view, pair, metric, lower)
            if cmp is not None:
                rows.append(Row(label, metric, *pair.names, cmp))
    return rows


def break_even(store: Store, run_id: str) -> list[dict[str, Any]]:
    """For each compiled-mode cell, the compile cost and the steps after which compiling pays off.

    Compile cost = first call − steady median of the compiled mode; saving per step = eager median −
    compiled median. ``steps`` is None when compiling never pays off (no saving).
    """
    from showdown.analysis.evidence import RunView

    view = RunView(store, run_id)
    by_key = {c.key: c for c in view.cells}
    out = []
    for key, cell in by_key.items():
        cfg = cell.config
        if cfg["scenario"] not in ("train", "infer") or cfg["mode"] == "eager":
            continue
        eager_key = key.replace(f"/{cfg['mode']}/", "/eager/")
        metric = primary(cfg)[0]
        compiled = view.median(cell, metric)
        eager = view.median(by_key[eager_key], metric) if eager_key in by_key else None
        if compiled is None or eager is None:
            continue
        cost = max(0.0, (cell.result or {}).get("first_call_s", 0.0) - compiled)
        saving = eager - compiled
        out.append({"cell": key, "compile_s": cost, "eager_s": eager, "compiled_s": compiled,
                    "steps": (cost / saving) if saving > 0 else None})
    return out


def runs(store: Store, run_a: str, run_b: str) -> tuple[list[Row], list[str]]:
    """Cell-by-cell comparison of two runs, and the environment differences that qualify it."""
    from showdown.measure.environment import differences
    from showdown.measure.stats import compare

    from showdown.analysis.evidence import RunView

    view_a, view_b = RunView(store, run_a), RunView(store, run_b)
    a_cells, b_cells = {c.key: c for c in view_a.cells}, {c.key: c for c in view_b.cells}
    rows = []
    for key in sorted(a_cells.keys() & b_cells.keys()):
        ca, cb = a_cells[key], b_cells[key]
        for metric, lower in metrics(ca.config):
            a, b = _values(view_a, ca, metric), _values(view_b, cb, metric)
            if a and b:
                cmp = compare(a, b, name_a=run_a, name_b=run_b, lower_is_better=lower)
                rows.append(Row(key, metric, run_a, run_b, cmp.to_dict()))
    diffs = differences(store.get_run(run_a).environment, store.get_run(run_b).environment)
    return rows, diffs


def disagreements(store: Store, run_a: str, run_b: str) -> dict[str, Any]:
    """The framework comparisons both runs measured, and those on which they disagree beyond their intervals.

    Two runs of one machine and versions ask the same questions; a method whose intervals cover
    what a rerun sees gives overlapping intervals. A comparison disagrees when its two 95 %
    intervals do not overlap; it is *opposite* when each run's interval excludes 1 on its own side
    (one run says faster, the other slower).

    Returns:
        ``{"compared": n, "disagree": [{"group", "metric", "side_a", "side_b", "opposite",
        "a": {"ratio", "ci_low", "ci_high", "text"}, "b": {...}}]}``, ratios > 1 meaning
        ``side_a`` better, as in :func:`frameworks`.
    """
    ra = {(r.group, r.metric, r.side_a, r.side_b): r.comparison for r in frameworks(store, run_a)}
    rb = {(r.group, r.metric, r.side_a, r.side_b): r.comparison for r in frameworks(store, run_b)}
    common = [k for k in sorted(ra.keys() & rb.keys()) if _interval(ra[k]) and _interval(rb[k])]
    out = []
    for key in common:
        (la, ha), (lb, hb) = _interval(ra[key]), _interval(rb[key])
        if ha < lb or hb < la:
            opposite = (la > 1.0 and hb < 1.0) or (ha < 1.0 and lb > 1.0)
            out.append({**dict(zip(("group", "metric", "side_a", "side_b"), key)), "opposite": opposite,
                        "a": _brief(ra[key]), "b": _brief(rb[key])})
    return {"compared": len(common), "disagree": out}


def _interval(cmp: dict[str, Any]) -> tuple[float, float] | None:
    low, high = cmp.get("ci_low"), cmp.get("ci_high")
    return (float(low), float(high)) if isinstance(low, (int, float)) and isinstance(high, (int, float)) else None


def _brief(cmp: dict[str, Any]) -> dict[str, Any]:
    return {k: cmp.get(k) for k in ("ratio", "ci_low", "ci_high", "text")}


def disagreement_lines(found: dict[str, Any], run_a: str, run_b: str, same_environment: bool) -> list[str]:
    """What :func:`disagreements` found, in words: a headline, then one line per disagreement."""
    n, bad = found["compared"], found["disagree"]
    if not n:
        return []
    if not bad:
        return [f"the two runs agree within their 95 % intervals on all {n} framework comparisons they share"]
    why = ("same machine and versions: the intervals did not cover what a rerun sees" if same_environment
           else "the environments differ (above), which may explain it")
    lines = [f"the two runs disagree beyond their 95 % intervals on {len(bad)} of {n} framework comparisons ({why})"]
    for d in bad:
        kind = "; opposite verdicts" if d["opposite"] else ""
        lines.append(f"{d['group']} {d['metric']}, {d['side_a']} against {d['side_b']} (> 1: {d['side_a']} better{kind}): "
                     f"{run_a} {_ratio(d['a'])}, {run_b} {_ratio(d['b'])}")
    return lines


def _ratio(brief: dict[str, Any]) -> str:
    return f"{brief['ratio']:.2f}× (95% CI {brief['ci_low']:.2f}–{brief['ci_high']:.2f})"


def _values(view: Any, cell: CellRecord, metric: str) -> list[float]:
    """What one run contributes to a run-vs-run comparison: its process medians for a side measured
    in rounds (the process is the unit), else the cell's samples."""
    rounds = view.rounds(cell, metric)
    return list(rounds.values()) if rounds else view.samples(cell, metric)
