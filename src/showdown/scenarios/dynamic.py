"""Varying input shapes: what each new batch size costs a framework in a mode, and what serving a
mix of shapes costs once every shape has been seen.

A *pass* calls the mode's predict callable once per entry of :data:`SCHEDULE`, in order, so every
call of a first pass meets a shape the callable has not seen. The cell measures:

``first_pass`` (phase ``measure``, one sample per repetition)
    ``repeats`` fresh repetitions: each starts from the debug module's ``reset()`` and a new
    ``predict`` callable, then times one pass, call by call with a device sync. In compiled
    modes this includes every retrace and recompile the new shapes trigger. Each call is also
    kept as a ``new_shape_call`` sample (phase ``first``).
``round_time`` (the sampler's phases)
    whole passes of the last repetition's callable, now that it has seen every shape: the steady
    cost of serving varying shapes (:func:`showdown.scenarios.common.measure_loop`). In a round's
    process that is a fixed warm-up and window, with the canary timed around the window.

One repetition runs before the measured ones and is stored apart (phase ``warmup``): it absorbs
what a process pays once whatever the shapes (importing a compiler backend, initialising XLA),
which would otherwise make the first repetition an outlier of another kind. What a reset does not
drop stays warm for the measured repetitions, as it would for a user: PyTorch's inductor keeps
compiled graphs and kernels in an on-disk cache keyed by the graph, under the system temp
directory and across processes, so its repetitions re-trace and re-check guards but reuse
kernels; every new ``tf.function`` traces and compiles anew. On a machine (or container) that has
never compiled the model, PyTorch's first pass costs much more: only the warm-up pass
(``warmup_pass_s``) can show it, and only when the cache was empty.

The ``compiles`` result (None in a round's process after the side's first) counts the graphs the
framework's capture layer makes over one pass from a reset (the debug module's ``compilation``: TorchDynamo's guards, ``tf.function``'s traces). XLA is
``tf.function`` with ``jit_compile``, which traces under the same rules, so its count is the
``tf.function`` count; XLA then compiles each traced shape once. Eager modes compile nothing.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from showdown.errors import positive_int
from showdown.runner.config import CellConfig
from showdown.scenarios import common

#: Batch sizes of one pass: all distinct, so that every call of a first pass meets a new shape,
#: from 1 to 32 (the infer scenario's two sizes), mostly not powers of two, as real traffic is.
SCHEDULE = (1, 3, 8, 13, 21, 32)
DEFAULT_REPEATS = 4  # the fewest with which a Mann–Whitney test can reach p < 0.05


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``dynamic`` cell.

    Args:
        payload: The cell's config: ``framework``, ``workload``, ``mode``, the common settings
            (``batch_size`` is not used) and ``repeats`` (default :data:`DEFAULT_REPEATS`).
        emit: Receives ``new_shape_call``, ``first_pass`` and ``round_time`` samples (seconds).

    Returns:
        The schedule, the first-pass and steady-round medians, the compile count and the debug
        module's report, peak memory, and the settings, layout and environment.

    Raises:
        ConfigError: When ``repeats`` is not a positive integer.
    """
    from showdown.data import synthetic
    from showdown.devx import debug
    from showdown.measure.memory import PeakTracker

    cfg = CellConfig.of(payload, "dynamic")
    repeats = positive_int("repeats", DEFAULT_REPEATS if cfg.repeats is None else cfg.repeats)
    mode = common.mode(cfg)
    fw, settings = common.configure(cfg)
    tools = debug.module(fw.name)
    fw.device_memory(reset=True)
    with PeakTracker() as mem:
        bench = common.build(fw, settings, cfg)
        seed = cfg.seed
        batches = [fw.batch(synthetic.batch(bench.spec, n, seed + i)[0]) for i, n in enumerate(SCHEDULE)]
        # a round's process counts the graphs only where the side calibrates (its first ok round):
        # the count does not change between processes, and its pass costs as much as a measured one
        counted = cfg.window_s is None or cfg.warmup_steps is None
        compiler = count_compiles(tools, bench.model, batches, mode) if counted else {}
        fresh = functools.partial(_fresh, tools, fw, bench.model, mode)
        warmup = first_pass(fw, fresh(), batches)
        common.emit_samples(emit, "new_shape_call", warmup, "s", phase="warmup")
        common.emit_samples(emit, "first_pass", [sum(warmup)], "s", phase="warmup")
        calls, predict = [], None
        for _ in range(repeats):
            predict = fresh()
            calls.append(first_pass(fw, predict, batches))
            common.emit_samples(emit, "new_shape_call", calls[-1], "s", phase="first")
        common.emit_samples(emit, "first_pass", [sum(c) for c in calls], "s")
        timing = common.measure_loop(cfg, emit, fw, lambda: run_pass(predict, batches), "round_time")
    return {**summary(calls, warmup, timing, compiler, repeats), **_memory(mem, fw), **bench.describe()}


def _fresh(tools: Any, fw: Any, model: Any, mode: str) -> Callable[[Any], Any]:
    """A predict callable with no compiled state behind it."""
    tools.reset()
    return fw.predict(model, mode)


def first_pass(fw: Any, predict: Callable[[Any], Any], batches: Sequence[Any]) -> list[float]:
    """Seconds of each call of ``predict`` over ``batches``, each call timed to its device sync."""
    times = []
    for batch in batches:
        start = time.perf_counter()
        predict(batch)
        fw.sync()
        times.append(time.perf_counter() - start)
    return times


def run_pass(predict: Callable[[Any], Any], batches: Sequence[Any]) -> None:
    """One call per batch (the caller syncs at the end)."""
    for batch in batches:
        predict(batch)


def count_compiles(tools: Any, model: Any, batches: Sequence[Any], mode: str) -> dict[str, Any]:
    """The debug module's report on one pass from a reset, or zero compiles in eager mode.

    Returns:
        The report with ``compiles`` the cumulative graph count after each call (see
        :func:`showdown.devx.debug.graph_report`).
    """
    if mode == "eager":
        return {"compiles": [0] * len(batches), "tool": "eager (nothing is traced or compiled)"}
    tools.reset()
    report = tools.compilation(model, batches)
    tools.reset()
    return report


def summary(calls: list[list[float]], warmup: list[float], timing: dict[str, Any], compiler: dict[str, Any], repeats: int) -> dict[str, Any]:
    """The cell's timing results (everything but memory and the manifest inputs)."""
    totals = [sum(c) for c in calls]
    counts = compiler.get("compiles") or []
    round_s = timing["median_s"]
    return {
        "schedule": list(SCHEDULE),
        "repeats": repeats,
        "first_pass_s": statistics.median(totals),
        "first_passes_s": totals,
        "per_shape_s": [statistics.median(column) for column in zip(*calls)],
        "warmup_pass_s": sum(warmup),
        "round_s": round_s,
        "round_samples_per_s": sum(SCHEDULE) / round_s if round_s else None,
        "round": timing,
        "compiles": int(counts[-1]) if counts else None,
        "compiler": compiler,
        # a round's process: the steady loop's warm-up (frozen for the side's later rounds) and canary
        "warmup_count": timing["warmup_count"],
        **({"canary_s": timing["canary_s"]} if "canary_s" in timing else {}),
    }


def _memory(mem: Any, fw: Any) -> dict[str, Any]:
    return {"peak_rss_above_baseline": mem.peak_above_baseline, "memory_method": mem.method, "device_memory": fw.device_memory()}
