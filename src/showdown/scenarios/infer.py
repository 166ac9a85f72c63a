"""Single-stream inference: latency of one batch at a time (p50/p90/p99 come from the stored
samples), throughput at that batch size, and peak memory above the pre-build baseline.
"""

from __future__ import annotations

from typing import Any

from showdown.runner.config import CellConfig
from showdown.scenarios import common


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of an ``infer`` cell: ``framework``, ``workload``, ``mode``, ``batch_size`` and the common settings."""
    from showdown.data import synthetic
    from showdown.measure.memory import PeakTracker

    cfg = CellConfig.of(payload, "infer")
    size = common.batch_size(cfg)
    fw, settings = common.configure(cfg)
    fw.device_memory(reset=True)
    with PeakTracker() as mem:
        bench = common.build(fw, settings, cfg)
        x, _ = synthetic.batch(bench.spec, size, cfg.seed)
        batch = fw.batch(x)
        predict = fw.predict(bench.model, common.mode(cfg))
        timing = common.measure_loop(cfg, emit, fw, lambda: predict(batch), "latency")
    return {**common.steady_result(timing, size, mem, fw, bench)}
