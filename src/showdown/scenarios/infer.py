"""Single-stream inference: latency of one batch at a time (p50/p90/p99 come from the stored
samples), throughput at that batch size, and peak memory above the pre-build baseline.
"""

from __future__ import annotations

from typing import Any

from showdown.scenarios import common


def cell(payload: dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of an ``infer`` cell (config keys: see :mod:`showdown.scenarios.common`)."""
    from showdown.data import synthetic
    from showdown.measure.memory import PeakTracker

    fw, settings = common.configure(payload)
    fw.device_memory(reset=True)
    with PeakTracker() as mem:
        bench = common.build(fw, settings, payload)
        x, _ = synthetic.batch(bench.spec, payload["batch_size"], payload.get("seed", 0))
        batch = fw.batch(x)
        predict = fw.predict(bench.model, payload["mode"])
        timing = common.measure_loop(payload, emit, fw, lambda: predict(batch), "latency")
    return {**common.steady_result(timing, payload["batch_size"], mem, fw, bench)}
