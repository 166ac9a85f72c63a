"""Error-message findings (claim C7) from a run's devx cells.

Each devx cell stores its observations; :func:`showdown.devx.probe.score` turns them into points
per mistake. Two contenders are paired mistake by mistake within the modes a claim matches (C7:
eager with eager, torch's compiled mode with tensorflow's function), on the mistakes both counted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from showdown.analysis import evidence as E
from showdown.analysis.verdict import Finding, classify, sign_test

def points_by_mistake(view: E.RunView) -> dict[str, dict[str, dict[str, float]]]:
    """``framework/mode -> mistake -> points`` from the run's devx cells (skipped left out)."""
    from showdown.devx.probe import score

    out: dict[str, dict[str, dict[str, float]]] = {}
    for cell in view.of("devx"):
        groups = score((cell.result or {}).get("observations", []))["groups"]
        for name, g in groups.items():
            out[name] = {r["mistake"]: r["points"] for r in g["rows"] if r["points"] is not None}
    return out


def error_findings(view: E.RunView, sides: tuple[str, str], modes: tuple[tuple[str, str], ...]) -> list[Finding]:
    """One finding per mode pair: the first contender's points over the second's, on the shared mistakes."""
    points = points_by_mistake(view)
    findings = []
    for ma, mb in modes:
        a, b = points.get(f"{sides[0]}/{ma}"), points.get(f"{sides[1]}/{mb}")
        if not a or not b:
            continue
        shared = sorted(a.keys() & b.keys())
        findings.append(_finding(f"{sides[0]} {ma} vs {sides[1]} {mb}", [a[m] for m in shared], [b[m] for m in shared], sides))
    return findings


def _finding(condition: str, a: list[float], b: list[float], sides: tuple[str, str], n_boot: int = 4000, seed: int = 0) -> Finding:
    """Ratio of totals with a bootstrap CI over mistakes; significance by the sign test."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if not x.size or not y.sum():
        return Finding(condition, None, None, None, "unclear", "no shared mistakes")
    ratio = float(x.sum() / y.sum())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, (n_boot, x.size))
    draws = x[idx].sum(axis=1) / np.maximum(y[idx].sum(axis=1), 1e-12)
    low, high = (float(v) for v in np.percentile(draws, [2.5, 97.5]))
    wins, losses = int((x > y).sum()), int((x < y).sum())
    p = sign_test(wins, losses)
    outcome = classify(ratio, low, high, p < 0.05)
    detail = f"{x.size} mistakes: {sides[0]} better on {wins}, {sides[1]} on {losses}, tied on {x.size - wins - losses}; sign test p = {p:.3g}; points {x.sum():g} vs {y.sum():g}"
    return Finding(condition, ratio, low, high, outcome, detail, None if math.isnan(p) else p)


def messages(view: E.RunView) -> list[dict[str, Any]]:
    """Every observation of the run's devx cells (verbatim messages included), for reports."""
    rows = []
    for cell in view.of("devx"):
        rows += (cell.result or {}).get("observations", [])
    return rows
