"""What the reports show, assembled once from the store: the terminal tables, the HTML report, the
Markdown summary and ``--json`` all read these dicts, never the store themselves.

- :func:`run`: a run, its sessions, cells (config, summaries, result, failure), manifest flags,
  the machine's speed over its rounds, the framework comparisons and break-even points.
- :func:`deploy`: the deployment cells and runtime footprints.
- :func:`devx`: the mistakes battery per contender (observations, scores recomputed from them,
  debuggability, code size) and every observation with the scores per contender and mode.
- :func:`busy_warnings`: what other work on the machine may have done to the timings.
"""

from __future__ import annotations

import json
import math
from typing import Any


def run(store: Any, run_id: str) -> dict[str, Any]:
    """Everything about a run as one JSON-able dict."""
    from dataclasses import asdict

    from showdown.analysis import compare
    from showdown.analysis.sides import machine_speed, merge
    from showdown.runner.sessions import summary

    run = store.get_run(run_id)
    summaries: dict[str, dict[str, Any]] = {}
    for s in store.summaries(run_id):
        summaries.setdefault(s.cell_key, {})[s.metric] = s.stats
    records = store.cells(run_id)
    cells = [
        {"key": c.key, "status": c.status, "config": c.config, "summaries": summaries.get(c.key, {}), "result": c.result, "failure": c.failure}
        for c in records
    ]
    return {
        "run": {k: v for k, v in asdict(run).items()},
        "sessions": summary(run, records),
        "manifest_flags": manifest_flags(store, run_id),
        "machine_speed": machine_speed(merge(records)),
        "cells": cells,
        "comparisons": [asdict(r) for r in compare.frameworks(store, run_id)],
        "break_even": compare.break_even(store, run_id),
    }


def deploy(store: Any, run_id: str) -> dict[str, Any]:
    """A run's deployment cells and footprints as JSON-able rows."""
    rows, footprints = [], []
    for c in store.cells(run_id):
        cfg, result, failure = c.config, c.result or {}, c.failure or {}
        if cfg["scenario"] == "footprint":
            footprints.append({"runtime": cfg["runtime"], "status": c.status, **result, "failure": c.failure})
        elif cfg["scenario"] == "deploy":
            rows.append({"workload": cfg["workload"], "framework": cfg["framework"], "path": cfg["path"], "status": c.status, **result, "failure": c.failure})
            if failure.get("reason") == "skipped":
                rows[-1]["skipped"] = failure.get("message")
    return {"run_id": run_id, "paths": rows, "footprint": footprints}


def devx(store: Any, run_id: str) -> dict[str, Any]:
    """Every devx cell of a run, per contender and together.

    Returns:
        ``frameworks``: per contender its cell's status and failure, and for an ok cell its
        observations, their score (recomputed from them), debuggability and code size;
        ``observations``: every ok cell's observations; ``groups``: the score per contender and
        mode over them, without the per-mistake rows; ``formula``: how a score is computed.
    """
    from showdown.devx.probe import FORMULA, score

    out: dict[str, Any] = {"run_id": run_id, "formula": FORMULA, "frameworks": {}, "observations": [], "groups": {}}
    for c in store.cells(run_id):
        if c.config["scenario"] != "devx":
            continue
        r = c.result or {}
        entry = {"status": c.status, "failure": c.failure}
        if c.status == "ok":
            entry.update(observations=r["observations"], score=score(r["observations"]), debug=r.get("debug"), code_size=r.get("code_size") or {})
            out["observations"] += r["observations"]
            out["groups"].update({k: {f: v for f, v in g.items() if f != "rows"} for k, g in entry["score"]["groups"].items()})
        out["frameworks"][c.config["framework"]] = entry
    return out


def busy_warnings(data: dict[str, Any]) -> list[str]:
    """Warnings that other work shared the machine: per cell, while it ran (CPU that no process of
    this run used; see :mod:`showdown.measure.contention`), or, for runs recorded before cells
    measured that, at the run's start (load average, which also counts work that had just ended)."""
    from showdown.measure.contention import BUSY_SHARE

    env = data["run"]["environment"]
    cores, load, out = env.get("cpu", {}).get("logical_cores"), env.get("load_average"), []
    measured = any((c.get("result") or {}).get("contention") for c in data["cells"])
    if load and cores and load[0] > BUSY_SHARE * cores and not measured:
        out.append(f"the machine was busy when the run started (load average {load[0]:.2f} on {cores} cores): timings may be distorted")
    busy = [(c["key"], share) for c in data["cells"] if (share := _taken((c.get("result") or {}).get("contention") or {})) > BUSY_SHARE]
    if busy:
        worst = ", ".join(f"{key} ({share:.0%})" for key, share in sorted(busy, key=lambda b: -b[1])[:5])
        out.append(f"other processes (or, on a virtual machine, other guests) took more than {BUSY_SHARE:.0%} of the CPUs during {len(busy)} of "
                   f"{len(data['cells'])} cells, whose timings may be distorted: {worst}{' ...' if len(busy) > 5 else ''}")
    speed = data.get("machine_speed")
    if speed and speed["drifting"]:
        out.append(f"the machine's own speed (a fixed numpy canary timed in every process) varied {speed['spread']:.0%} over the run's rounds "
                   f"(fastest round {speed['fastest_round']}, slowest {speed['slowest_round']}): a rerun may see other ratios, and each comparison "
                   "whose own processes' canary moved says 'depends on the machine's state'")
    return out


def _taken(contention: dict[str, Any]) -> float:
    return (contention.get("other_share") or 0.0) + (contention.get("steal_share") or 0.0)


def manifest_flags(store: Any, run_id: str) -> list[str]:
    """Settings that differ between the frameworks, from what each cell reported it ran with."""
    from showdown.measure.fairness import Manifest

    run = store.get_run(run_id)
    sides: dict[str, dict[str, Any]] = {}
    for c in store.cells(run_id):
        settings = (c.result or {}).get("settings")
        if settings:
            sides.setdefault(c.config["framework"], {}).update(
                {k: settings[k] for k in ("intra_op_threads", "dtype", "device") if k in settings}
            )
    data = dict(run.manifest)
    data["sides"] = sides
    return Manifest.from_dict(data).flags() if sides else []


def json_text(data: Any) -> str:
    """Strict JSON text; NaN (a statistic that cannot be computed) becomes null."""
    return json.dumps(clean(data), indent=2, default=str)


def clean(data: Any) -> Any:
    """``data`` with NaN (a statistic that cannot be computed) as None, for strict JSON."""
    if isinstance(data, float) and math.isnan(data):
        return None
    if isinstance(data, dict):
        return {k: clean(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [clean(v) for v in data]
    return data
