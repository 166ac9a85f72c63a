"""The deployment claims (C6 edge runtimes, C8 completeness, C9 ONNX) over a run's deploy and
footprint cells.

A path is *verified* on a workload when it exported, ran in its runtime-only process and its
outputs on the 450 digits test images stay within :data:`TOLERANCE` of the source model
(relative to the logits' scale) with argmax agreement and accuracy loss within bounds.
"""

from __future__ import annotations

from typing import Any

from showdown.analysis import evidence as E
from showdown.analysis.verdict import (
    Finding,
    Verdict,
    classify,
    decide,
    from_comparison,
    missing,
    verdict,
)

# quantization -> (max relative deviation, min argmax agreement, max accuracy drop)
TOLERANCE: dict[str | None, tuple[float, float, float]] = {
    None: (1e-4, 1.0, 0.0),
    "float16": (1e-2, 0.99, 0.01),
    "int8-dynamic": (0.25, 0.95, 0.02),
    "int8-static": (0.25, 0.95, 0.02),
    "int8-full": (0.25, 0.95, 0.02),
}
MB = 2**20


def status(cell: Any) -> str:
    """``verified``, ``deviates``, ``export failed``, ``runtime failed`` or ``cell failed``."""
    if cell.status != "ok":
        return "cell failed"
    r = cell.result or {}
    if not r.get("exported"):
        return "export failed"
    if not r.get("ran"):
        return "runtime failed"
    rel, agree, drop = TOLERANCE.get(r.get("quantization"), TOLERANCE["int8-full"])
    ok = (r.get("max_rel_deviation", 1.0) <= rel and r.get("argmax_agreement", 0.0) >= agree
          and (r.get("accuracy_drop") or 0.0) <= drop)
    return "verified" if ok else "deviates"


def _deploy_cells(view: E.RunView) -> list[Any]:
    # failed cells count too: a crash while exporting is a deployment failure
    return [c for c in view.all_cells if c.config.get("scenario") == "deploy" and c.status in ("ok", "failed")
            and (c.failure or {}).get("reason") != "skipped"]


def _exact(condition: str, lighter: float | None, heavier: float | None, unit: str, scale: float = 1.0) -> Finding | None:
    """A finding from two single readings: ratio heavier/lighter (claim direction: litert lighter)."""
    if not lighter or not heavier:
        return None
    ratio = heavier / lighter
    detail = f"litert {lighter / scale:.3g} {unit} vs executorch {heavier / scale:.3g} {unit}"
    return Finding(condition, ratio, None, None, classify(ratio, ratio, ratio, True), detail)


def c6_edge_runtime(view: E.RunView, claim: str) -> Verdict:
    """C6: LiteRT against ExecuTorch — installed size, import time, memory, artifact size, latency."""
    foot = {c.config["runtime"]: c for c in view.of("footprint")}
    findings: list[Finding | None] = []
    if "litert" in foot and "executorch" in foot:
        lt, et = foot["litert"], foot["executorch"]
        findings.append(_exact("runtime installed size", *(E.result_value(c, "installed_total_bytes") for c in (lt, et)), "MB", MB))
        findings.append(_exact("runtime memory after import", *(E.result_value(c, "rss_after_import_bytes") for c in (lt, et)), "MB", MB))
        cmp = _compare(view, lt, et, "import_time")
        if cmp:
            findings.append(from_comparison("runtime import time", cmp, "litert"))
    for workload in sorted({c.config["workload"] for c in view.of("deploy")}):
        lt = [c for c in view.of("deploy", workload=workload, path="litert") if status(c) == "verified"]
        et = [c for c in view.of("deploy", workload=workload, path="executorch-xnnpack") if status(c) == "verified"]
        if lt and et:
            findings.append(_exact(f"{workload} artifact size", lt[0].result["size_bytes"], et[0].result["size_bytes"], "MB", MB))
            load = [E.result_value(c, "peak_rss", default=0) - E.result_value(c, "rss_before_load", default=0) for c in (lt[0], et[0])]
            findings.append(_exact(f"{workload} memory to load and run", load[0], load[1], "MB", MB))
            cmp = _compare(view, lt[0], et[0], "latency_bs1")
            if cmp:
                findings.append(from_comparison(f"{workload} latency at batch 1", cmp, "litert"))
    found = [f for f in findings if f is not None]
    if not found:
        return missing("C6", claim, "showdown run --scenarios deploy footprint (the quick suite measures litert and executorch-xnnpack)", "LiteRT and ExecuTorch deployment or footprint cells")
    return verdict("C6", claim, found, better="lighter/faster", worse="heavier/slower", subject="litert",
                   method="footprint of each runtime in a fresh interpreter (installed size with what it imports, import time, RSS) and, per workload, the float32 artifact's size, memory and batch-1 latency in a runtime-only process; sizes are exact, latencies and import times are compared with Mann–Whitney tests",
                   notes=("the ExecuTorch Python runtime imports torch and torchao, which its footprint includes; a C++ deployment of either runtime is smaller",))


def _compare(view: E.RunView, a: Any, b: Any, metric: str) -> dict[str, Any] | None:
    from showdown.measure.stats import compare

    x, y = view.samples(a, metric), view.samples(b, metric)
    if not x or not y:
        return None
    na = a.config.get("path") or a.config.get("runtime")
    nb = b.config.get("path") or b.config.get("runtime")
    return compare(x, y, name_a=na, name_b=nb).to_dict()


def c8_deployment(view: E.RunView, claim: str, sides: tuple[str, str] = ("torch", "tensorflow"), favours: int = 1) -> Verdict:
    """C8: share of (path × workload) cells verified, the favoured side of ``sides`` against the other."""
    from scipy.stats import fisher_exact

    cells = _deploy_cells(view)
    rates: dict[str, tuple[int, int]] = {}
    for fw in sides:
        mine = [c for c in cells if c.config.get("framework") == fw]
        rates[fw] = (sum(status(c) == "verified" for c in mine), len(mine))
    good, other = sides[favours], sides[1 - favours]
    (fv, fn), (tv, tn) = rates[good], rates[other]
    if not tn or not fn:
        return missing("C8", claim, f"showdown deploy --frameworks {' '.join(sides)} (every path of both)", f"deployment cells of {' and '.join(sides)}")
    ratio = (fv / fn) / (tv / tn) if tv else (float("inf") if fv else 1.0)
    p = float(fisher_exact([[fv, fn - fv], [tv, tn - tv]]).pvalue)
    outcome = "holds" if p < 0.05 and fv / fn > tv / tn else "fails" if p < 0.05 else ("equal" if fv / fn == tv / tn else "unclear")
    paths = {fw: sorted({c.config["path"] for c in cells if c.config.get("framework") == fw}) for fw in rates}
    finding = Finding("every measured path × workload", ratio, None, None, outcome,
                      f"{good} {fv}/{fn} verified ({', '.join(paths[good])}); {other} {tv}/{tn} ({', '.join(paths[other])}); Fisher exact p = {p:.3g}", p)
    decided, conditions = decide([finding])
    failures = [f"{c.key}: {status(c)}" for c in cells if status(c) != "verified"]
    from showdown.deploy.paths import PATHS

    coverage = f"this run measured {len({c.config['path'] for c in cells})} of the {len(PATHS)} paths; `showdown deploy` measures all of them"
    return Verdict("C8", claim, decided, f"{good} {fv}/{fn} verified vs {other} {tv}/{tn}", ratio, None, None, conditions, (finding,),
                   "each path exported in its source framework, run in a runtime-only process and checked against the source on the digits test set (tolerances per quantization in showdown.analysis.deploy_claims.TOLERANCE); Fisher's exact test on the verified shares",
                   notes=(coverage, *failures))


def c9_onnx(view: E.RunView, claim: str) -> Verdict:
    """C9: every float32 ONNX path verified, with its deviation."""
    cells = [c for c in _deploy_cells(view) if (c.config.get("path") or "").endswith("onnx-ort")]
    if not cells:
        return missing("C9", claim, "showdown deploy --paths onnx-ort tf-onnx-ort", "ONNX deployment cells")
    findings = []
    for c in cells:
        s = status(c)
        r = c.result or {}
        dev = r.get("max_rel_deviation")
        detail = s if dev is None else f"{s}: max relative deviation {dev:.2g}, argmax agreement {r.get('argmax_agreement', 0):.1%}"
        findings.append(Finding(f"{c.config['framework']} {c.config['workload']} via {c.config['path']}", None, None, None, "holds" if s == "verified" else "fails", detail))
    decided, conditions = decide(findings)
    devs = [c.result["max_rel_deviation"] for c in cells if status(c) == "verified"]
    effect = (f"{len(devs)} of {len(cells)} models verified; worst relative deviation {max(devs):.2g}" if devs else f"0 of {len(cells)} models verified")
    return Verdict("C9", claim, decided, effect, None, None, None, conditions, tuple(findings),
                   f"export to ONNX, run in ONNX Runtime in a process without the source framework, compare logits on the digits test set (float32: relative deviation ≤ {TOLERANCE[None][0]:g}, identical argmax)")
