"""The dimensions the advisor weighs, each scored per framework from a run's measurements.

A dimension's ``score(view)`` returns None when the run has no data for it, else
``{"scores": {framework: 0..1}, "evidence": [{"condition", "values": {framework: v}, "unit"}],
"description", "lower_is_better"}``. Per condition the best framework scores 1 and the other
``best / value`` (or ``value / best`` when higher is better); the dimension's score is the
geometric mean over conditions, so one outlying condition cannot dominate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from showdown.analysis import evidence as E
from showdown.frameworks.base import CONTENDERS, DEFAULT_MODE

# framework -> its edge runtime (the on-device runtime each framework's project ships)
EDGE_RUNTIME = {n: c.edge_runtime for n, c in CONTENDERS.items() if c.edge_runtime}

Readings = dict[str, dict[str, float]]  # condition -> framework -> value


@dataclass(frozen=True)
class Dimension:
    """One thing a profile can care about, and how to read it off a run."""

    name: str
    description: str
    unit: str
    lower_is_better: bool
    command: str
    read: Callable[[E.RunView], Readings]
    # whether its readings are process medians, which a resample of the rounds changes
    # (memory is one reading per side, deployment and devx are outside rounds)
    by_round: bool = False

    def score(self, view: E.RunView, among: Collection[str] | None = None) -> dict[str, Any] | None:
        """Scores and evidence from the run (None without any condition two contenders measured).

        ``among`` scores only those contenders, each condition's best among them scoring 1.
        """
        raw = self.read(view)
        if among is not None:
            raw = {c: {fw: x for fw, x in v.items() if fw in among} for c, v in raw.items()}
        readings = {c: v for c, v in raw.items() if len(v) >= 2 and all(x and x > 0 for x in v.values())}
        if not readings:
            return None
        logs: dict[str, list[float]] = defaultdict(list)
        for values in readings.values():
            best = min(values.values()) if self.lower_is_better else max(values.values())
            for fw, v in values.items():
                logs[fw].append(math.log(best / v if self.lower_is_better else v / best))
        scores = {fw: math.exp(sum(ls) / len(ls)) for fw, ls in logs.items()}
        evidence = [{"condition": c, "values": v, "unit": self.unit} for c, v in readings.items()]
        return {"scores": scores, "evidence": evidence, "description": self.description, "lower_is_better": self.lower_is_better, "unit": self.unit}


def _medians(scenario: str, metric: str, default_mode: bool = True, **match: Any) -> Callable[[E.RunView], Readings]:
    def read(view: E.RunView) -> Readings:
        out: Readings = defaultdict(dict)
        for c in view.of(scenario, **match):
            fw = c.config["framework"]
            if default_mode and c.config.get("mode") not in (None, DEFAULT_MODE.get(fw)):
                continue
            m = view.median(c, metric)
            if m is not None:
                out[E.condition_of(c.config)][fw] = m
        return out

    return read


def _largest_batch(view: E.RunView) -> Readings:
    sizes = [c.config["batch_size"] for c in view.of("infer")]
    if not sizes or max(sizes) <= 8:
        return {}
    return _throughput(view, max(sizes))


def _throughput(view: E.RunView, batch: int) -> Readings:
    out: Readings = defaultdict(dict)
    for c in view.of("infer", batch_size=batch):
        fw = c.config["framework"]
        if c.config.get("mode") == DEFAULT_MODE.get(fw) and (m := view.median(c, "latency")):
            out[E.condition_of(c.config)][fw] = batch / m
    return out


def _memory(view: E.RunView) -> Readings:
    out: Readings = defaultdict(dict)
    for scenario in ("train", "infer"):
        for c in view.of(scenario):
            fw = c.config["framework"]
            if c.config.get("mode") == DEFAULT_MODE.get(fw) and (mb := E.result_value(c, "peak_rss_above_baseline")):
                out[f"{scenario} {E.condition_of(c.config)}"][fw] = mb / 2**20
    return out


def _deployment(view: E.RunView) -> Readings:
    from showdown.analysis.deploy_claims import status

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in view.all_cells:
        if c.config.get("scenario") == "deploy" and c.config.get("framework") and c.status in ("ok", "failed"):
            counts[c.config["framework"]][0] += status(c) == "verified"
            counts[c.config["framework"]][1] += 1
    # a share of 0 cannot be scored by ratios: count a floor of half a success
    return {"verified share of the measured paths × workloads": {fw: max(v, 0.5) / n for fw, (v, n) in counts.items() if n}}


def _edge(view: E.RunView) -> Readings:
    # one condition per measure, each framework read off its own edge runtime, so they compare
    # (a contender this run measured: its cells, or its own runtime's footprint)
    foot = {c.config["runtime"]: c for c in view.of("footprint")}
    measured = {c.config.get("framework") for c in view.cells} | {n for n, c in CONTENDERS.items() if c.footprint.name in foot}
    out: Readings = defaultdict(dict)
    for fw, runtime in EDGE_RUNTIME.items():
        if runtime in foot and fw in measured:
            out["edge runtime installed size (MB)"][fw] = E.result_value(foot[runtime], "installed_total_bytes", default=0) / 2**20
            out["edge runtime memory after import (MB)"][fw] = E.result_value(foot[runtime], "rss_after_import_bytes", default=0) / 2**20
    return out


def _devx(view: E.RunView) -> Readings:
    from showdown.devx.probe import score

    out: Readings = defaultdict(dict)
    for c in view.of("devx"):
        for g in score((c.result or {}).get("observations", []))["groups"].values():
            if g["fraction"] is not None and g["mode"] in ("eager", DEFAULT_MODE.get(g["framework"])):
                out[f"mistakes battery, {g['mode']} mode" if g["mode"] == "eager" else "mistakes battery, default mode"][g["framework"]] = g["fraction"]
    return out


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("training_speed", "median training step time, default modes", "s", True, "showdown run --scenarios train", _medians("train", "step_time"), by_round=True),
    Dimension("time_to_accuracy", "median time to the accuracy target on digits", "s", True, "showdown run --scenarios accuracy", _medians("accuracy", "time_to_accuracy"), by_round=True),
    Dimension("inference_latency", "median latency at batch ≤ 8, default modes", "s", True, "showdown run --scenarios infer --batch-sizes 1 8",
              _medians("infer", "latency", batch_size=lambda b: b is not None and b <= 8), by_round=True),
    Dimension("throughput", "samples per second at the largest inference batch, default modes", "samples/s", False, "showdown run --scenarios infer --batch-sizes 1 32", _largest_batch, by_round=True),
    Dimension("cold_start", "fresh interpreter to the second prediction", "s", True, "showdown run --scenarios coldstart", _medians("coldstart", "coldstart_total", default_mode=False), by_round=True),
    Dimension("memory", "peak resident memory above baseline, training and inference", "MB", True, "showdown run --scenarios train infer", _memory),
    Dimension("dynamic_shapes", "a first pass over unseen input shapes (retraces included), default modes", "s", True, "showdown run --scenarios dynamic", _medians("dynamic", "first_pass")),
    Dimension("deployment", "share of deployment paths × workloads exported, run and verified", "share", False, "showdown deploy", _deployment),
    Dimension("edge_runtime", "the framework's edge runtime (ExecuTorch, LiteRT): installed size and memory", "MB", True, "showdown run --scenarios footprint deploy", _edge),
    Dimension("developer_experience", "mistakes battery score (raises, names the evidence, points at the line)", "score", False, "showdown run --scenarios devx", _devx),
)}

# per profile weight name -> how much each path property counts
_PATH_WEIGHTS = {"latency": ("inference_latency", "throughput"), "size": ("edge_runtime",), "load": ("cold_start",)}


def rank_paths(view: E.RunView, weights: dict[str, float]) -> list[dict[str, Any]]:
    """Verified deployment paths ranked by the profile's interest in latency, size and load time.

    Each path's latency, artifact size and load time are geometric means over its workloads,
    scored against the best path (1 = best) and weighted by the profile's weights of the
    dimensions in :data:`_PATH_WEIGHTS` (equal weights when the profile gives none).
    """
    from showdown.analysis.deploy_claims import status

    props: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for c in view.of("deploy"):
        if status(c) == "verified":
            r = c.result
            for name, v in (("latency", r["latency"]["bs1"]["p50"] if "bs1" in r.get("latency", {}) else None), ("size", r.get("size_bytes")), ("load", r.get("load_s"))):
                if v and v > 0:
                    props[c.config["path"]][name].append(v)
    if not props:
        return []
    w = {k: sum(weights.get(d, 0.0) for d in dims) for k, dims in _PATH_WEIGHTS.items()}
    w = w if any(w.values()) else dict.fromkeys(w, 1.0)
    means = {p: {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in d.items()} for p, d in props.items()}
    best = {k: min(m[k] for m in means.values() if k in m) for k in w}
    rows = []
    for path, m in means.items():
        weight = sum(w[k] for k in w if k in m)
        score = sum(w[k] * best[k] / m[k] for k in w if k in m) / weight if weight else 0.0
        rows.append({"path": path, "score": score, "latency_bs1_s": m.get("latency"), "size_bytes": m.get("size"), "load_s": m.get("load"), "workloads": len(props[path]["size"])})
    return sorted(rows, key=lambda r: -r["score"])
