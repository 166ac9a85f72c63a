"""Debuggability under compilation: what a ``print`` or ``breakpoint()`` in a model does, where a
compiler splits or retraces the model, and what the first compiled call costs.

Framework-neutral. Each framework supplies ``showdown.frameworks.<framework>.debug``, found by name
through :func:`showdown.frameworks.base.part`, with:

* ``MODES``: its execution modes, ``"eager"`` first (the adapter's modes);
* ``probe(kind, mode) -> Probe``: a small model whose forward holds a literal ``print(MARKER)``
  (kind ``"print"``) or ``breakpoint()`` (kind ``"breakpoint"``), its argument named ``x``;
* ``is_concrete(value) -> bool``: whether a tensor seen at a breakpoint holds real values;
* ``compilation(model, batches) -> dict``: graphs, graph breaks and compiles of an adapter-built
  model called once per batch (see :func:`graph_report`);
* ``reset()``: forget compiled state, so that each measurement starts cold;
* ``untraced(fn)``: ``fn`` hidden from the framework's tracer, so that the driver's breakpoint hook
  (called from inside a compiled model, as ``pdb`` would be) is not itself traced.

The driver captures ``sys.stdout`` and replaces ``sys.breakpointhook`` while a probe runs, so the
counts are of Python-level prints and breakpoint hits (a framework's own printing op, which writes
from C++, is not a ``print``).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from showdown.data import synthetic
from showdown.errors import positive_int, unknown
from showdown.frameworks import base
from showdown.models import zoo
from showdown.models.spec import init_weights

MARKER = "showdown-debug-probe"
KINDS = ("print", "breakpoint")
#: Batch sizes of the recompilation schedule: three calls of one shape, then three new shapes.
SCHEDULE = (4, 4, 4, 5, 6, 7)


@dataclass
class Probe:
    """A probe model ready to call: ``warmup`` runs it once eagerly (building any lazy state),
    ``call`` runs it once in the probe's mode, ``report`` says what the compiler did (JSON-able)."""

    warmup: Callable[[], Any]
    call: Callable[[], Any]
    report: Callable[[], dict[str, Any]] = field(default=dict)


def module(framework: str) -> ModuleType:
    """Import ``framework``'s debug module (the framework must be installed)."""
    return base.part(framework, "debug")


@contextlib.contextmanager
def _watch(hook: Callable[..., None]) -> Iterator[io.StringIO]:
    out = io.StringIO()
    saved = sys.breakpointhook
    sys.breakpointhook = hook
    try:
        with contextlib.redirect_stdout(out):
            yield out
    finally:
        sys.breakpointhook = saved


def _caller_local(name: str, depth: int = 8) -> Any:
    """The nearest enclosing frame's local ``name`` (the hook may sit under a framework's wrapper)."""
    frame = sys._getframe(2)
    for _ in range(depth):
        if frame is None:
            break
        if name in frame.f_locals:
            return frame.f_locals[name]
        frame = frame.f_back
    return None


def probe(framework: str, kind: str, mode: str, calls: int = 3) -> dict[str, Any]:
    """How often a ``print`` or ``breakpoint()`` inside a model's forward fires over ``calls`` calls.

    A fresh probe model is warmed up with one eager call (counted apart, as ``warmup``), then
    called ``calls`` times in ``mode``.

    Args:
        framework: An installed framework.
        kind: ``"print"`` or ``"breakpoint"``.
        mode: One of the debug module's ``MODES``.
        calls: Calls counted.

    Returns:
        ``{"warmup", "per_call", "fired", "error", "saw_values", "compiler"}``: hits in the warm-up,
        hits per counted call, their sum, the first error raised (``"Type: message"``) or None,
        whether every breakpoint hit saw concrete tensor values (None for prints or no hit), and
        the debug module's report on what its compiler did.

    Raises:
        ConfigError: For an unknown kind or mode, or a framework that is not installed.
    """
    mod = module(framework)
    if kind not in KINDS:
        raise unknown("probe kind", kind, KINDS)
    if mode not in mod.MODES:
        raise unknown(f"mode for {framework}", mode, mod.MODES)
    calls = positive_int("calls", calls)
    mod.reset()
    p = mod.probe(kind, mode)
    concrete: list[bool] = []

    @mod.untraced
    def hook(*args: Any, **kwargs: Any) -> None:
        concrete.append(bool(mod.is_concrete(_caller_local("x"))))

    with _watch(hook) as out:
        hits = (lambda: out.getvalue().count(MARKER)) if kind == "print" else (lambda: len(concrete))
        p.warmup()
        warm = hits()
        per_call, error = _count_calls(p.call, hits, calls)
    saw = all(concrete[warm:]) if kind == "breakpoint" and len(concrete) > warm else None
    return {"warmup": warm, "per_call": per_call, "fired": sum(per_call), "error": error, "saw_values": saw, "compiler": p.report()}


def _count_calls(call: Callable[[], Any], hits: Callable[[], int], calls: int) -> tuple[list[int], str | None]:
    """Hits of each call, stopping at the first error (returned as ``"Type: first line"``)."""
    per_call: list[int] = []
    try:
        for _ in range(calls):
            before = hits()
            call()
            per_call.append(hits() - before)
    except Exception as exc:  # noqa: BLE001 - what the framework raises is the finding
        lines = str(exc).splitlines()
        return per_call, f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return per_call, None


def graph_report(framework: str, workload: str, preset: str = "tiny", batch_sizes: Sequence[int] = SCHEDULE) -> dict[str, Any]:
    """Graphs, graph breaks and (re)compiles of a zoo workload built by the framework's adapter.

    The model is called in inference mode once per entry of ``batch_sizes`` through the debug
    module's compiler.

    Returns:
        ``{"graphs", "graph_breaks", "break_reasons", "compiles", "batch_sizes", "tool", ...}``:
        ``compiles`` is the cumulative number of graphs compiled after each call; other keys are
        the debug module's own (raw figures of its tool).
    """
    mod = module(framework)
    fw = base.load(framework)
    spec = zoo.build(workload, preset)
    model = fw.build(spec, init_weights(spec, 0))
    batches = [fw.batch(synthetic.batch(spec, n, i)[0]) for i, n in enumerate(batch_sizes)]
    mod.reset()
    return {**mod.compilation(model, batches), "batch_sizes": list(batch_sizes)}


def compile_time(
    framework: str, workload: str, mode: str, preset: str = "tiny", batch_size: int = 4, steady_calls: int = 5
) -> dict[str, float]:
    """First call of the adapter's ``predict`` in ``mode`` against its steady calls.

    The first call includes tracing and compiling (and whatever the framework caches on disk from
    earlier processes: PyTorch's inductor keeps compiled kernels under the system temp directory).

    Returns:
        ``{"first_s", "steady_s"}``: the first call, and the median of ``steady_calls`` later calls.
    """
    mod = module(framework)
    fw = base.load(framework)
    spec = zoo.build(workload, preset)
    model = fw.build(spec, init_weights(spec, 0))
    batch = fw.batch(synthetic.batch(spec, batch_size, 0)[0])
    mod.reset()
    run = fw.predict(model, mode)
    times = []
    for _ in range(1 + positive_int("steady calls", steady_calls)):
        start = time.perf_counter()
        run(batch)
        fw.sync()
        times.append(time.perf_counter() - start)
    return {"first_s": times[0], "steady_s": statistics.median(times[1:])}


def debuggability(
    framework: str,
    *,
    preset: str = "tiny",
    workloads: Sequence[str] = zoo.WORKLOADS,
    calls: int = 3,
    batch_sizes: Sequence[int] = SCHEDULE,
    timing: bool = True,
) -> dict[str, Any]:
    """Every debuggability measurement of one framework, as a JSON-able dict.

    Args:
        framework: An installed framework.
        preset: Zoo preset of the workloads.
        workloads: Workloads for the graph report and compile times.
        calls: Calls counted by the print and breakpoint probes.
        batch_sizes: The recompilation schedule of the graph report.
        timing: Whether to measure compile times (slow under PyTorch's inductor).

    Thread counts are the process's: configure the framework first, as a cell does.

    Returns:
        ``{"framework", "version", "modes", "print", "breakpoint", "graphs", "compile_time"}``;
        ``print`` and ``breakpoint`` map mode -> :func:`probe`, ``graphs`` workload ->
        :func:`graph_report`, ``compile_time`` workload -> mode -> :func:`compile_time`.

    Raises:
        ConfigError: For an unknown framework; FrameworkUnavailable when it is not installed.
    """
    mod = module(framework)
    out: dict[str, Any] = {
        "framework": framework,
        "version": base.load(framework).environment()["version"],
        "modes": list(mod.MODES),
        "preset": preset,
    }
    for kind in KINDS:
        out[kind] = {mode: probe(framework, kind, mode, calls) for mode in mod.MODES}
    out["graphs"] = {w: graph_report(framework, w, preset, batch_sizes) for w in workloads}
    if timing:
        out["compile_time"] = {w: {m: compile_time(framework, w, m, preset) for m in mod.MODES} for w in workloads}
    return out
