"""The common claims about PyTorch and TensorFlow, each bound to the measurements that test it.

Every claim reads one run (see :mod:`showdown.analysis.evidence`) and returns a
:class:`~showdown.analysis.verdict.Verdict`: supported, refuted, inconclusive or no data (naming
the command that would measure it), with the effect, its confidence interval, the conditions
under which it holds, and every finding behind it. The rules that turn findings into a verdict
are in :mod:`showdown.analysis.verdict`; each claim's ``method`` says what it compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from showdown.analysis import evidence as E
from showdown.analysis.deploy_claims import c6_edge_runtime, c8_deployment, c9_onnx
from showdown.analysis.verdict import (
    EQUIVALENCE,
    Finding,
    Verdict,
    classify,
    from_comparison,
    missing,
    verdict,
)
from showdown.errors import unknown
from showdown.store import Store

T, F = "torch", "tensorflow"
SMALL_BATCH = 8
#: "As fast as" (C10) allows this much difference.
C10_MARGIN = 0.10
#: Memory readings (C5) are single values per cell: differences under this fraction are not counted.
MEMORY_MARGIN = 0.20

CLAIMS: dict[str, str] = {
    "C1": "PyTorch trains CNNs faster, by up to 25%.",
    "C2": "PyTorch has lower inference latency at small batch sizes.",
    "C3": "TensorFlow is more efficient with small batches, thanks to lower overhead.",
    "C4": "PyTorch copes better with dynamic architectures (varying input shapes: recompiles, retraces, steady-state speed).",
    "C5": "TensorFlow uses more memory, or fragments it, without manual tuning.",
    "C6": "TensorFlow's edge runtime (LiteRT) is lighter than PyTorch's (ExecuTorch).",
    "C7": "PyTorch's error messages are clearer.",
    "C8": "TensorFlow's path to deployment is more complete (export success and verified deviation across formats).",
    "C9": "Models move between the frameworks through ONNX without loss.",
    "C10": "With eager execution, TensorFlow's dynamic mode is as fast as PyTorch's eager mode.",
}


def _speed_findings(view: E.RunView, scenario: str, metric: str, favoured: str, pairings: tuple[str, ...], margin: float = EQUIVALENCE, **match: Any) -> list[Finding]:
    """Torch-vs-tensorflow findings for ``scenario`` under each pairing, oriented to ``favoured``."""
    cells = view.of(scenario, **match)
    found = E.distinct(p for pairing in pairings for p in E.pairs(view, cells, T, F, pairing, metric))
    out = []
    for pair in found:
        cmp = E.compare_pair(view, pair, metric)
        if cmp is not None:
            side = pair.names[0] if favoured == T else pair.names[1]
            f = from_comparison(f"{scenario} {pair.condition}: {pair.names[0]} vs {pair.names[1]}", cmp, side, margin)
            out.append(f)
    return out


def c1_train_cnn(view: E.RunView) -> Verdict:
    """C1: training step time of the CNN, torch vs tensorflow (default and best modes)."""
    findings = _speed_findings(view, "train", "step_time", T, ("default", "best"), workload="cnn")
    if not findings:
        return missing("C1", CLAIMS["C1"], "showdown run --scenarios train --workloads cnn", "CNN training cells of both frameworks")
    v = verdict("C1", CLAIMS["C1"], findings, better="faster", worse="slower", subject="torch",
                method="median training step time (forward, backward, SGD step) at each batch size; Mann–Whitney test and bootstrap CI of the ratio per condition")
    held = [f for f in findings if f.outcome == "holds" and f.ci_low and f.ci_high]
    beyond = [f.condition for f in held if f.ci_low > 1.25]
    within = [f.condition for f in held if f.ci_high <= 1.25]
    notes = ((f"faster by more than the claimed 25% in: {'; '.join(beyond)}",) if beyond else ()) + (
        (f"within the claimed 25% in: {'; '.join(within)}",) if within else ())
    return _with_notes(v, notes)


def c2_small_batch_latency(view: E.RunView) -> Verdict:
    """C2: inference latency at batch ≤ 8, torch favoured."""
    findings = _speed_findings(view, "infer", "latency", T, ("default", "best"), batch_size=lambda b: b is not None and b <= SMALL_BATCH)
    if not findings:
        return missing("C2", CLAIMS["C2"], "showdown run --scenarios infer --batch-sizes 1 8", f"inference cells at batch ≤ {SMALL_BATCH}")
    return verdict("C2", CLAIMS["C2"], findings, better="lower latency", worse="higher latency", subject="torch",
                   method=f"single-stream inference latency at batch sizes ≤ {SMALL_BATCH}, every workload; default and best modes")


def c3_small_batch_overhead(view: E.RunView) -> Verdict:
    """C3: at each scenario's smallest batch size, tensorflow's best mode against torch's."""
    findings: list[Finding] = []
    for scenario, metric in (("train", "step_time"), ("infer", "latency")):
        sizes = [c.config["batch_size"] for c in view.of(scenario)]
        if sizes and min(sizes) <= SMALL_BATCH:
            findings += _speed_findings(view, scenario, metric, F, ("best",), batch_size=min(sizes))
    if not findings:
        return missing("C3", CLAIMS["C3"], "showdown run --scenarios train infer --batch-sizes 1 8 32", f"training or inference cells at batch ≤ {SMALL_BATCH}")
    v = verdict("C3", CLAIMS["C3"], findings, better="faster", worse="slower", subject="tensorflow",
                method="each framework's fastest mode at the smallest measured batch size, training and inference")
    return _with_notes(v, _overheads(view))


def _overheads(view: E.RunView) -> tuple[str, ...]:
    """Fixed per-call overhead of inference, from a line through the medians at two batch sizes."""
    notes = []
    for fw in view.frameworks():
        for workload in sorted({c.config["workload"] for c in view.of("infer", framework=fw)}):
            by_mode: dict[str, dict[int, float]] = {}
            for c in view.of("infer", framework=fw, workload=workload):
                m = view.median(c, "latency")
                if m is not None:
                    by_mode.setdefault(c.config["mode"], {})[c.config["batch_size"]] = m
            for mode, points in sorted(by_mode.items()):
                if len(points) >= 2:
                    (b1, l1), (b2, l2) = min(points.items()), max(points.items())
                    fixed = max(0.0, (b2 * l1 - b1 * l2) / (b2 - b1))
                    notes.append(f"{fw} {mode} {workload}: fixed cost per call ≈ {fixed * 1e3:.3g} ms, per sample ≈ {(l2 - l1) / (b2 - b1) * 1e6:.3g} µs")
    return tuple(notes)


def c4_dynamic_shapes(view: E.RunView) -> Verdict:
    """C4: the first pass over new shapes (retraces/recompiles) and the steady pass, torch favoured."""
    findings = _speed_findings(view, "dynamic", "first_pass", T, ("default", "best"))
    findings += [Finding(f.condition.replace("dynamic", "dynamic steady", 1), f.ratio, f.ci_low, f.ci_high, f.outcome, f.detail, f.p_value)
                 for f in _speed_findings(view, "dynamic", "round_time", T, ("default", "best"))]
    if not findings:
        return missing("C4", CLAIMS["C4"], "showdown run --scenarios dynamic", "dynamic-shape cells")
    compiles = [f"{c.config['framework']} {c.config['mode']} {c.config['workload']}: {E.result_value(c, 'compiles')} compiles over {len(E.result_value(c, 'schedule', default=[]))} shapes"
                for c in view.of("dynamic") if E.result_value(c, "compiles") is not None]
    v = verdict("C4", CLAIMS["C4"], findings, better="faster", worse="slower", subject="torch",
                method="a pass over batch sizes never seen before (time including every retrace/recompile; repeated from a cold state) and the steady pass once all shapes are known")
    if view.of("dynamic", framework=T, mode="compiled"):
        compiles.append("torch compiled cells reuse inductor's on-disk cache of kernels compiled by earlier processes (as a user's second run "
                        "would); with an empty cache its first pass costs several times more")
    return _with_notes(v, tuple(compiles))


def c5_memory(view: E.RunView) -> Verdict:
    """C5: peak resident memory above the pre-build baseline, tensorflow / torch, default modes."""
    findings = []
    for scenario in ("train", "infer"):
        for pair in E.pairs(view, view.of(scenario), T, F, "default", "step_time" if scenario == "train" else "latency"):
            torch_mb, tf_mb = (E.result_value(c, "peak_rss_above_baseline") for c in (pair.a, pair.b))
            if not torch_mb or not tf_mb:
                continue
            ratio = tf_mb / torch_mb
            outcome = classify(ratio, ratio, ratio, True, MEMORY_MARGIN)
            findings.append(Finding(f"{scenario} {pair.condition}", ratio, None, None, outcome, f"tensorflow {tf_mb / 2**20:.1f} MB vs torch {torch_mb / 2**20:.1f} MB above baseline"))
    if not findings:
        return missing("C5", CLAIMS["C5"], "showdown run --scenarios train infer", "training or inference cells with memory readings")
    notes = [f"each reading is one peak per cell (no repeat, so no per-condition interval); differences within {MEMORY_MARGIN:.0%} are counted as equal",
             "fragmentation is not observable on the CPU (both use the system allocator); on a GPU the cells record each framework's allocator peaks (device_memory)",
             *_import_baselines(view)]
    return verdict("C5", CLAIMS["C5"], findings, better="more memory", worse="less memory", subject="tensorflow uses",
                   method="peak resident set size above the process's baseline before the model was built, per training/inference cell, each framework's default mode", notes=notes)


def _import_baselines(view: E.RunView) -> list[str]:
    """What the baseline already holds: each framework's resident memory right after its import."""
    foot = {c.config["runtime"]: E.result_value(c, "rss_after_import_bytes") for c in view.of("footprint")}
    if not (foot.get(T) and foot.get(F)):
        return []
    return [f"the baseline excludes the framework itself: resident memory right after import is torch {foot[T] / 2**20:.0f} MB, "
            f"tensorflow {foot[F] / 2**20:.0f} MB (footprint cells)"]


def c7_errors(view: E.RunView) -> Verdict:
    """C7: per-mistake devx points of torch against tensorflow, mode by mode (eager, compiled)."""
    from showdown.analysis.devx_claims import error_findings

    findings = error_findings(view)
    if not findings:
        return missing("C7", CLAIMS["C7"], "showdown run --scenarios devx", "developer-experience cells of both frameworks")
    return verdict("C7", CLAIMS["C7"], findings, better="clearer", worse="less clear", subject="torch's errors score",
                   method="the mistakes battery: per mistake, points for raising, naming the evidence, pointing at the faulty line and surfacing early (devx FORMULA); torch's total over tensorflow's on the mistakes both counted, bootstrap CI over mistakes, sign test")


def c10_eager(view: E.RunView) -> Verdict:
    """C10: tensorflow eager against torch eager, training and inference; holds when not slower."""
    findings = []
    for scenario, metric in (("train", "step_time"), ("infer", "latency")):
        for f in _speed_findings(view, scenario, metric, F, ("eager",), C10_MARGIN):
            findings.append(Finding(f.condition, f.ratio, f.ci_low, f.ci_high, "holds" if f.outcome == "equal" else f.outcome, f.detail, f.p_value))
    if not findings:
        return missing("C10", CLAIMS["C10"], "showdown run --scenarios train infer --modes eager", "eager-mode cells of both frameworks")
    return verdict("C10", CLAIMS["C10"], findings, better="faster", worse="slower", subject="tensorflow eager",
                   method=f"both frameworks in eager mode; the claim holds where tensorflow is within {C10_MARGIN:.0%} of torch or faster")


def _with_notes(v: Verdict, notes: tuple[str, ...]) -> Verdict:
    from dataclasses import replace

    return replace(v, notes=v.notes + notes)


EVALUATORS: dict[str, Callable[[E.RunView], Verdict]] = {
    "C1": c1_train_cnn,
    "C2": c2_small_batch_latency,
    "C3": c3_small_batch_overhead,
    "C4": c4_dynamic_shapes,
    "C5": c5_memory,
    "C6": lambda view: c6_edge_runtime(view, CLAIMS["C6"]),
    "C7": c7_errors,
    "C8": lambda view: c8_deployment(view, CLAIMS["C8"]),
    "C9": lambda view: c9_onnx(view, CLAIMS["C9"]),
    "C10": c10_eager,
}


def evaluate(store: Store, run_id: str, only: list[str] | None = None) -> list[Verdict]:
    """Every claim's verdict for one run (or those named in ``only``).

    Raises:
        ConfigError: For an unknown claim id.
    """
    for cid in only or ():
        if cid.upper() not in EVALUATORS:
            raise unknown("claim", cid, tuple(EVALUATORS))
    view = E.RunView(store, run_id)
    chosen = [c.upper() for c in only] if only else list(EVALUATORS)
    return [EVALUATORS[cid](view) for cid in chosen]


def scorecard(verdicts: list[Verdict]) -> dict[str, Any]:
    """Counts of each verdict, for the report's headline."""
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    return counts
