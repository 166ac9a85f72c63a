"""What every measurement cell does in its child process: set up the framework, build the workload,
send samples to the parent.

A cell's payload is its config, a :class:`~showdown.runner.config.CellConfig` in JSON form, which
each scenario reads back with ``CellConfig.of`` (a key no field has is refused). Samples go to the
parent as ``emit("samples", {...})`` messages in batches (see :class:`SampleBuffer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from showdown.errors import ConfigError, positive_int
from showdown.runner.config import CellConfig

Emit = Callable[[str, dict], None]


@dataclass
class Workbench:
    """A configured framework with one workload built from the spec's seeded weights."""

    fw: Any
    spec: Any
    weights: dict
    model: Any
    settings: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """Settings in effect, layout and environment: what the fairness manifest is made of."""
        return {
            "settings": self.settings,
            "layout": self.fw.layout(self.spec),
            "environment": self.fw.environment(),
            "parameters": self.spec.parameter_count(),
        }


def configure(cfg: CellConfig) -> tuple[Any, dict[str, Any]]:
    """Load and configure the cell's framework (threads and device before any work)."""
    from showdown.frameworks import base

    fw = base.load(str(cfg.framework))
    settings = fw.configure(threads=cfg.threads, inter_op_threads=cfg.inter_op_threads, device=cfg.device, seed=cfg.seed)
    return fw, settings


def batch_size(cfg: CellConfig) -> int:
    """The cell's batch size; a steady-state cell without one is a bad config."""
    if cfg.batch_size is None:
        raise ConfigError(f"a {cfg.scenario} cell needs a batch size")
    return positive_int("batch size", cfg.batch_size)


def mode(cfg: CellConfig) -> str:
    """The cell's execution mode; a cell that times a step without one is a bad config."""
    if not cfg.mode:
        raise ConfigError(f"a {cfg.scenario} cell needs a mode")
    return cfg.mode


def workbench(cfg: CellConfig, *, input_shape: tuple[int, ...] | None = None, dropout: bool = True) -> Workbench:
    """Configure the framework and build the cell's workload from seeded spec weights.

    Args:
        cfg: The cell config.
        input_shape: Override the preset's input shape (digits, say).
        dropout: Keep the spec's dropout (False zeroes it).
    """
    fw, settings = configure(cfg)
    return build(fw, settings, cfg, input_shape=input_shape, dropout=dropout)


def build(fw: Any, settings: dict[str, Any], cfg: CellConfig, *, input_shape: tuple[int, ...] | None = None, dropout: bool = True) -> Workbench:
    """Build the cell's workload on an already configured framework (see :func:`workbench`)."""
    from showdown.models import zoo
    from showdown.models.spec import init_weights

    spec = zoo.build(str(cfg.workload), cfg.preset, input_shape=input_shape)
    if not dropout:
        spec = spec.without_dropout()
    weights = init_weights(spec, cfg.seed)
    return Workbench(fw, spec, weights, fw.build(spec, weights), settings)


class SampleBuffer:
    """Collects samples in the child and sends them in batches.

    Sending every sample as it is measured would wake the parent (a JSON parse and a database
    commit) in the middle of the timed loop; on a 2-core machine that takes CPU time from the
    framework's thread pool while it is being timed. Samples are sent when a phase ends and at most every ``flush_s`` seconds otherwise; a cell
    killed mid-way is re-run whole on resume, so nothing that matters is lost.
    """

    def __init__(self, emit: Emit, metric: str, unit: str, flush_s: float = 5.0) -> None:
        import time

        self._emit, self.metric, self.unit, self.flush_s = emit, metric, unit, flush_s
        self._clock = time.monotonic
        self._phase: str | None = None
        self._values: list[float] = []
        self._last = self._clock()

    def __call__(self, phase: str, value: float) -> None:
        if phase != self._phase:
            self.flush()
            self._phase = phase
        self._values.append(float(value))
        if self._clock() - self._last > self.flush_s:
            self.flush()

    def flush(self) -> None:
        """Send what is buffered."""
        if self._values and self._phase is not None:
            emit_samples(self._emit, self.metric, self._values, self.unit, self._phase)
        self._values = []
        self._last = self._clock()


def emit_samples(emit: Emit, metric: str, values: list[float], unit: str, phase: str = "measure") -> None:
    """Send several samples of one metric at once."""
    emit("samples", {"metric": metric, "phase": phase, "unit": unit, "values": [float(v) for v in values]})


def measure_loop(cfg: CellConfig, emit: Emit, fw: Any, call: Callable[[], Any], metric: str) -> dict[str, Any]:
    """Time ``call`` like every steady-state scenario does: first call apart, then the sampler.

    The first call is timed on its own (it includes tracing or compilation in compiled modes);
    the adaptive sampler then warms up until steady and measures until the 95 % CI of the median
    is within ±2 % or the cell's budget is spent. Every sample is streamed to the parent.

    Returns:
        ``first_call_s`` and the sampler's bookkeeping (steady, converged, stop reason, counts).
    """
    return measure_samples(cfg, emit, fw, call, metric)[0]


def measure_samples(cfg: CellConfig, emit: Emit, fw: Any, call: Callable[[], Any], metric: str) -> tuple[dict[str, Any], list[float]]:
    """:func:`measure_loop`, also returning the measured samples (seconds, in order, warm-up excluded).

    A cell of a round (``window_s`` set) measures differently: a fixed warm-up of
    ``warmup_steps`` (calibrated until steady in the side's first round; adaptive when None), then
    a fixed window of ``window_s`` seconds, with the canary (:mod:`showdown.measure.canary`) timed
    just before and just after the window. Its median is one observation of the round.
    """
    import time

    from showdown.measure.canary import canary

    start = time.perf_counter()
    call()
    fw.sync()
    first = time.perf_counter() - start
    emit_samples(emit, metric, [first], "s", phase="first")
    sampler, canaries = _sampler(cfg), []
    window = cfg.window_s
    buffer = SampleBuffer(emit, metric, "s")
    result = sampler.run(call, sync=fw.sync, on_sample=lambda phase, v: buffer(_PHASES.get(phase, phase), v),
                         before_measure=(lambda: canaries.append(canary())) if window else None)
    if window:
        canaries.append(canary())
    buffer.flush()
    return {
        "first_call_s": first,
        "steady": result.steady,
        "converged": result.converged,
        "stop_reason": result.stop_reason,
        "warmup_stop": result.warmup_stop,
        "warmup_count": len(result.warmup),
        "sample_count": len(result.samples),
        "rel_ci": result.rel_ci,
        "median_s": sorted(result.samples)[len(result.samples) // 2] if result.samples else None,
        **({"canary_s": canaries} if window else {}),
    }, list(result.samples)


def _sampler(cfg: CellConfig) -> Any:
    """The adaptive sampler of a cell, or the fixed warm-up and window of a round's cell."""
    from showdown.measure.timer import Sampler

    window = cfg.window_s
    if not window:
        budget = float(cfg.budget_s or BUDGET_S)
        return Sampler(budget_s=budget, warmup_budget_s=max(1.0, budget / 2), min_samples=10)
    steps = cfg.warmup_steps
    if steps is None:  # the side's first round: warm up until steady, and that count is frozen
        return Sampler(budget_s=float(window), target_rel_ci=None, min_samples=5, warmup_budget_s=max(1.0, 2 * float(window)))
    return Sampler(budget_s=float(window), target_rel_ci=None, min_samples=5, warmup_min=int(steps), warmup_max=int(steps))


# measuring seconds of a steady-state cell outside rounds when its config names none
BUDGET_S = 3.0
# the sampler's phase names -> the store's
_PHASES = {"sample": "measure", "warmup": "warmup"}


def steady_result(timing: dict[str, Any], batch_size: int, memory: Any, fw: Any, bench: Workbench) -> dict[str, Any]:
    """The result of a steady-state cell: timing, throughput, memory and the manifest inputs."""
    return {
        **timing,
        "samples_per_s": batch_size / timing["median_s"] if timing["median_s"] else None,
        "peak_rss_above_baseline": memory.peak_above_baseline,
        "memory_method": memory.method,
        "device_memory": fw.device_memory(),
        **bench.describe(),
    }


def write_scalars(fw: Any, logdir: str, points: Iterable[tuple[int, Mapping[str, float]]]) -> None:
    """Write TensorBoard scalars with the framework's own writer; call it off the clock.

    Args:
        fw: The configured framework.
        logdir: Directory of the event file (created if missing).
        points: ``(step, {tag: value})`` pairs.
    """
    writer = fw.scalar_writer(logdir)
    try:
        for step, values in points:
            for tag, value in values.items():
                writer.scalar(tag, value, step)
    finally:
        writer.close()
