"""The common claims about PyTorch and TensorFlow, each bound to the measurements that test it.

Every claim reads one run (see :mod:`showdown.analysis.evidence`) and returns a
:class:`~showdown.analysis.verdict.Verdict`: supported, refuted, inconclusive or no data (naming
the command that would measure it), with the effect, its confidence interval, the conditions
under which it holds, and every finding behind it. The rules that turn findings into a verdict
are in :mod:`showdown.analysis.verdict`; each claim's ``method`` says what it compares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from showdown.analysis import evidence as E
from showdown.analysis.deploy_claims import c6_edge_runtime, c8_deployment, c9_onnx
from showdown.analysis.verdict import (
    EQUIVALENCE,
    Finding,
    Verdict,
    classify,
    effect_text,
    from_comparison,
    missing,
    pooled,
    verdict,
)
from showdown.errors import unknown
from showdown.store import Store

T, F = "torch", "tensorflow"
SMALL_BATCH = 8
#: "As fast as" (C10) and "at no cost" (C11) allow this much difference.
C10_MARGIN = 0.10
#: Memory readings (C5) are single values per cell: differences under this fraction are not counted.
MEMORY_MARGIN = 0.20
#: Keras on a backend against that backend's native framework (C11): (Keras contender, native contender).
KERAS_NATIVE = (("keras-torch", "torch"), ("keras-jax", "jax"))
#: The Keras backends C12 compares: Keras on JAX first, then the others.
KERAS_BACKENDS = (("keras-jax", "keras-torch"), ("keras-jax", "tensorflow"))


@dataclass(frozen=True)
class Claim:
    """A claim as data: what it says, which contenders it compares, which side it favours.

    ``pairs`` are the contenders compared, each ``(first, second)`` in the order the findings
    name them; ``favours`` is the position (0 or 1) of the side the claim says is better in every
    pair, and ``subject`` names that side in the effect ("torch", "keras"). ``pairings`` are the
    mode pairings of :mod:`showdown.analysis.evidence` a speed claim is judged under; ``modes``
    pairs modes by name where a claim needs that (C7's eager with eager, compiled with function).
    ``judge(view, claim)`` gives the verdict.
    """

    id: str
    text: str
    pairs: tuple[tuple[str, str], ...]
    judge: Callable[[E.RunView, Claim], Verdict]
    favours: int = 0
    subject: str = ""
    pairings: tuple[str, ...] = ("default", "best")
    modes: tuple[tuple[str, str], ...] = ()

    @property
    def contenders(self) -> tuple[str, ...]:
        """Every contender the claim names, in order of first mention."""
        return tuple(dict.fromkeys(c for pair in self.pairs for c in pair))

    def favoured(self, pair: tuple[str, str]) -> str:
        """The side of ``pair`` the claim says is better."""
        return pair[self.favours]


def _speed_findings(view: E.RunView, claim: Claim, scenario: str, metric: str, pairings: tuple[str, ...] | None = None,
                    margin: float = EQUIVALENCE, **match: Any) -> list[Finding]:
    """Findings for ``scenario`` over every pair of the claim under each pairing, oriented to the favoured side."""
    cells = view.of(scenario, **match)
    out = []
    for sides in claim.pairs:
        found = E.distinct(p for pairing in pairings or claim.pairings for p in E.pairs(view, cells, *sides, pairing, metric))
        for pair in found:
            cmp = E.compare_pair(view, pair, metric)
            if cmp is not None:
                side = pair.names[claim.favours]
                out.append(from_comparison(f"{scenario} {pair.condition}: {pair.names[0]} vs {pair.names[1]}", cmp, side, margin))
    return out


def c1_train_cnn(view: E.RunView, claim: Claim) -> Verdict:
    """C1: training step time of the CNN (default and best modes)."""
    findings = _speed_findings(view, claim, "train", "step_time", workload="cnn")
    if not findings:
        return _missing(claim, "--scenarios train --workloads cnn", "CNN training cells")
    v = verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                method="median training step time (forward, backward, SGD step) at each batch size; Mann–Whitney test and bootstrap CI of the ratio per condition")
    held = [f for f in findings if f.outcome == "holds" and f.ci_low and f.ci_high]
    beyond = [f.condition for f in held if f.ci_low > 1.25]
    within = [f.condition for f in held if f.ci_high <= 1.25]
    notes = ((f"faster by more than the claimed 25% in: {'; '.join(beyond)}",) if beyond else ()) + (
        (f"within the claimed 25% in: {'; '.join(within)}",) if within else ())
    return _with_notes(v, notes)


def c2_small_batch_latency(view: E.RunView, claim: Claim) -> Verdict:
    """C2: inference latency at batch ≤ 8."""
    findings = _speed_findings(view, claim, "infer", "latency", batch_size=lambda b: b is not None and b <= SMALL_BATCH)
    if not findings:
        return _missing(claim, "--scenarios infer --batch-sizes 1 8", f"inference cells at batch ≤ {SMALL_BATCH}")
    return verdict(claim.id, claim.text, findings, better="lower latency", worse="higher latency", subject=claim.subject,
                   method=f"single-stream inference latency at batch sizes ≤ {SMALL_BATCH}, every workload; default and best modes")


def c3_small_batch_overhead(view: E.RunView, claim: Claim) -> Verdict:
    """C3: at each scenario's smallest batch size, the favoured side's best mode against the other's."""
    findings: list[Finding] = []
    for scenario, metric in (("train", "step_time"), ("infer", "latency")):
        sizes = [c.config["batch_size"] for c in view.of(scenario)]
        if sizes and min(sizes) <= SMALL_BATCH:
            findings += _speed_findings(view, claim, scenario, metric, batch_size=min(sizes))
    if not findings:
        return _missing(claim, "--scenarios train infer --batch-sizes 1 8 32", f"training or inference cells at batch ≤ {SMALL_BATCH}")
    v = verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                method="each framework's fastest mode at the smallest measured batch size, training and inference")
    return _with_notes(v, _overheads(view, claim.contenders))


def _overheads(view: E.RunView, contenders: tuple[str, ...]) -> tuple[str, ...]:
    """Fixed per-call overhead of inference, from a line through the medians at two batch sizes."""
    notes = []
    for fw in (f for f in view.frameworks() if f in contenders):
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


def c4_dynamic_shapes(view: E.RunView, claim: Claim) -> Verdict:
    """C4: the first pass over new shapes (retraces/recompiles) and the steady pass."""
    findings = _speed_findings(view, claim, "dynamic", "first_pass")
    findings += [replace(f, condition=f.condition.replace("dynamic", "dynamic steady", 1)) for f in _speed_findings(view, claim, "dynamic", "round_time")]
    if not findings:
        return _missing(claim, "--scenarios dynamic", "dynamic-shape cells")
    compiles = [f"{c.config['framework']} {c.config['mode']} {c.config['workload']}: {E.result_value(c, 'compiles')} compiles over {len(E.result_value(c, 'schedule', default=[]))} shapes"
                for c in view.of("dynamic", framework=lambda f: f in claim.contenders) if E.result_value(c, "compiles") is not None]
    v = verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                method="a pass over batch sizes never seen before (time including every retrace/recompile; repeated from a cold state) and the steady pass once all shapes are known")
    if T in claim.contenders and view.of("dynamic", framework=T, mode="compiled"):
        compiles.append("torch compiled cells reuse inductor's on-disk cache of kernels compiled by earlier processes (as a user's second run "
                        "would); with an empty cache its first pass costs several times more")
    return _with_notes(v, tuple(compiles))


def c5_memory(view: E.RunView, claim: Claim) -> Verdict:
    """C5: peak resident memory above the pre-build baseline, the favoured side over the other, default modes."""
    findings = []
    for sides in claim.pairs:
        heavy, light = claim.favoured(sides), sides[1 - claim.favours]
        for scenario in ("train", "infer"):
            for pair in E.pairs(view, view.of(scenario), light, heavy, "default", "step_time" if scenario == "train" else "latency"):
                light_mb, heavy_mb = (E.result_value(c, "peak_rss_above_baseline") for c in (pair.a, pair.b))
                if not heavy_mb or not light_mb:
                    continue
                ratio = heavy_mb / light_mb
                outcome = classify(ratio, ratio, ratio, True, MEMORY_MARGIN)
                findings.append(Finding(f"{scenario} {pair.condition}", ratio, None, None, outcome,
                                        f"{heavy} {heavy_mb / 2**20:.1f} MB vs {light} {light_mb / 2**20:.1f} MB above baseline"))
    if not findings:
        return _missing(claim, "--scenarios train infer", "training or inference cells with memory readings")
    notes = [f"each reading is one peak per cell (no repeat, so no per-condition interval); differences within {MEMORY_MARGIN:.0%} are counted as equal",
             "fragmentation is not observable on the CPU (both use the system allocator); on a GPU the cells record each framework's allocator peaks (device_memory)",
             *_import_baselines(view, claim.contenders)]
    return verdict(claim.id, claim.text, findings, better="more memory", worse="less memory", subject=f"{claim.subject} uses",
                   method="peak resident set size above the process's baseline before the model was built, per training/inference cell, each framework's default mode", notes=notes)


def _import_baselines(view: E.RunView, contenders: tuple[str, ...]) -> list[str]:
    """What the baseline already holds: each framework's resident memory right after its import."""
    foot = {c.config["runtime"]: E.result_value(c, "rss_after_import_bytes") for c in view.of("footprint")}
    if not all(foot.get(fw) for fw in contenders):
        return []
    return ["the baseline excludes the framework itself: resident memory right after import is "
            + ", ".join(f"{fw} {foot[fw] / 2**20:.0f} MB" for fw in contenders) + " (footprint cells)"]


def c7_errors(view: E.RunView, claim: Claim) -> Verdict:
    """C7: per-mistake devx points of the favoured side against the other, mode by mode (eager, compiled)."""
    from showdown.analysis.devx_claims import error_findings

    # the favoured side first, so that every ratio is oriented the claim's way
    flip = (lambda t: t[::-1]) if claim.favours else (lambda t: t)
    findings = [f for sides in claim.pairs for f in error_findings(view, flip(sides), tuple(map(flip, claim.modes)))]
    if not findings:
        return _missing(claim, "--scenarios devx", "developer-experience cells")
    return verdict(claim.id, claim.text, findings, better="clearer", worse="less clear", subject=f"{claim.subject}'s errors score",
                   method="the mistakes battery: per mistake, points for raising, naming the evidence, pointing at the faulty line and surfacing early (devx FORMULA); "
                          "the first side's total over the second's on the mistakes both counted, bootstrap CI over mistakes, sign test")


def c10_eager(view: E.RunView, claim: Claim) -> Verdict:
    """C10: the favoured side's eager mode against the other's; holds when not slower."""
    findings = _no_slower(view, claim)
    if not findings:
        return _missing(claim, "--scenarios train infer --modes eager", "eager-mode cells")
    return verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                   method=f"both sides in eager mode; the claim holds where {claim.subject} is within {C10_MARGIN:.0%} of the other or faster")


def _no_slower(view: E.RunView, claim: Claim) -> list[Finding]:
    """Training and inference findings where being within :data:`C10_MARGIN` counts as holding."""
    findings = []
    for scenario, metric in (("train", "step_time"), ("infer", "latency")):
        for f in _speed_findings(view, claim, scenario, metric, margin=C10_MARGIN):
            findings.append(replace(f, outcome="holds" if f.outcome == "equal" else f.outcome))
    return findings


def c11_keras_cost(view: E.RunView, claim: Claim) -> Verdict:
    """C11: Keras on each backend against that backend's native framework; holds when not slower."""
    by_pair = _by_pair(view, claim, _no_slower)
    findings = [f for found in by_pair.values() for f in found]
    if not findings:
        return _missing(claim, "--scenarios train infer", "training or inference cells")
    v = verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                method=f"the same model through Keras on a backend and written natively for it (default and best modes, training and inference); "
                       f"the claim holds where Keras is within {C10_MARGIN:.0%} of the native framework or faster")
    return _with_notes(v, (*_per_pair(by_pair, claim, "Keras's cost"),
                           "the tensorflow contender is itself Keras (its layers under a GradientTape step in tf.function), so TensorFlow has no Keras-free side here; "
                           "keras-torch and keras-jax train through Keras's own trainer (the step fit runs)"))


def c12_keras_jax_fastest(view: E.RunView, claim: Claim) -> Verdict:
    """C12: Keras on JAX against Keras on the other backends."""
    by_pair = _by_pair(view, claim, lambda view, one: _speed_findings(view, one, "train", "step_time") + _speed_findings(view, one, "infer", "latency"))
    findings = [f for found in by_pair.values() for f in found]
    if not findings:
        return _missing(claim, "--scenarios train infer", "training or inference cells")
    v = verdict(claim.id, claim.text, findings, better="faster", worse="slower", subject=claim.subject,
                method="the same Keras model on each backend, default and best modes, training and inference; Mann–Whitney test or paired rounds per condition")
    return _with_notes(v, (*_per_pair(by_pair, claim, "speed"),
                           "the Keras team's published benchmarks (Keras 3 release, on GPUs) found JAX the fastest backend on most but not all of their models; "
                           "here tensorflow's side is the Keras model under its own tf.function step rather than Keras's trainer"))


def _by_pair(view: E.RunView, claim: Claim, find: Callable[[E.RunView, Claim], list[Finding]]) -> dict[tuple[str, str], list[Finding]]:
    """``find``'s findings for each pair of the claim alone."""
    return {pair: find(view, replace(claim, pairs=(pair,))) for pair in claim.pairs}


def _per_pair(by_pair: dict[tuple[str, str], list[Finding]], claim: Claim, what: str) -> tuple[str, ...]:
    """One note per pair with findings: the geometric mean of their ratios, towards the favoured side."""
    notes = []
    for (a, b), findings in by_pair.items():
        mean, low, high = pooled([f.ratio for f in findings if f.ratio])
        if mean:
            n = sum(1 for f in findings if f.ratio)
            notes.append(f"{what}, {a} against {b}: {effect_text(mean, low, high, 'faster', 'slower', claim.favoured((a, b)), n)}")
    return tuple(notes)


def _missing(claim: Claim, options: str, what: str) -> Verdict:
    """No data: the command that would measure the claim's contenders."""
    return missing(claim.id, claim.text, f"showdown run --frameworks {' '.join(claim.contenders)} {options}", f"{what} of {' and '.join(claim.contenders)}")


def _with_notes(v: Verdict, notes: tuple[str, ...]) -> Verdict:
    return replace(v, notes=v.notes + notes)


CLAIM_LIST: tuple[Claim, ...] = (
    Claim("C1", "PyTorch trains CNNs faster, by up to 25%.", ((T, F),), c1_train_cnn, subject="torch"),
    Claim("C2", "PyTorch has lower inference latency at small batch sizes.", ((T, F),), c2_small_batch_latency, subject="torch"),
    Claim("C3", "TensorFlow is more efficient with small batches, thanks to lower overhead.", ((T, F),), c3_small_batch_overhead, 1, "tensorflow", ("best",)),
    Claim("C4", "PyTorch copes better with dynamic architectures (varying input shapes: recompiles, retraces, steady-state speed).", ((T, F),), c4_dynamic_shapes, subject="torch"),
    Claim("C5", "TensorFlow uses more memory, or fragments it, without manual tuning.", ((T, F),), c5_memory, 1, "tensorflow", ("default",)),
    Claim("C6", "TensorFlow's edge runtime (LiteRT) is lighter than PyTorch's (ExecuTorch).", ((T, F),), lambda view, c: c6_edge_runtime(view, c.text), 1, "litert"),
    Claim("C7", "PyTorch's error messages are clearer.", ((T, F),), c7_errors, subject="torch", modes=(("eager", "eager"), ("compiled", "function"))),
    Claim("C8", "TensorFlow's path to deployment is more complete (export success and verified deviation across formats).", ((T, F),),
          lambda view, c: c8_deployment(view, c.text, c.pairs[0], c.favours), 1, "tensorflow"),
    Claim("C9", "Models move between the frameworks through ONNX without loss.", ((T, F),), lambda view, c: c9_onnx(view, c.text)),
    Claim("C10", "With eager execution, TensorFlow's dynamic mode is as fast as PyTorch's eager mode.", ((T, F),), c10_eager, 1, "tensorflow eager", ("eager",)),
    Claim("C11", "Keras 3 lets one model run on every backend at no cost against the native framework.", KERAS_NATIVE, c11_keras_cost, 0, "keras"),
    Claim("C12", "JAX is the fastest backend for Keras.", KERAS_BACKENDS, c12_keras_jax_fastest, 0, "keras-jax"),
)
CLAIMS: dict[str, str] = {c.id: c.text for c in CLAIM_LIST}


def evaluate(store: Store, run_id: str, only: list[str] | None = None, claims: tuple[Claim, ...] = CLAIM_LIST) -> list[Verdict]:
    """Every claim's verdict for one run (or those named in ``only``); ``claims`` may be any set.

    Raises:
        ConfigError: For an unknown claim id.
    """
    by_id = {c.id: c for c in claims}
    for cid in only or ():
        if cid.upper() not in by_id:
            raise unknown("claim", cid, tuple(by_id))
    view = E.RunView(store, run_id)
    chosen = [by_id[c.upper()] for c in only] if only else list(claims)
    return [c.judge(view, c) for c in chosen]


def scorecard(verdicts: list[Verdict]) -> dict[str, Any]:
    """Counts of each verdict, for the report's headline."""
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    return counts
