"""Training throughput: time per step (forward, backward, optimizer) with the batch already on the
device, samples per second, and peak memory above the process's baseline before the model existed.

With a ``tensorboard`` directory in the config, each measured step time is logged there as
``step_time_ms`` (step = the sample's index) once measuring is over. The loss is not logged: keeping
it would add work to every timed step.
"""

from __future__ import annotations

from typing import Any

from showdown.runner.config import CellConfig
from showdown.scenarios import common

OPTIMIZER = {"name": "sgd", "lr": 0.01, "momentum": 0.9}


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``train`` cell: ``framework``, ``workload``, ``mode``, ``batch_size`` and the common settings."""
    from showdown.data import synthetic
    from showdown.frameworks.base import OptimizerSpec
    from showdown.measure.memory import PeakTracker

    cfg = CellConfig.of(payload, "train")
    size = common.batch_size(cfg)
    fw, settings = common.configure(cfg)
    fw.device_memory(reset=True)
    with PeakTracker() as mem:
        bench = common.build(fw, settings, cfg)
        batch = fw.batch(*synthetic.batch(bench.spec, size, cfg.seed))
        step = fw.train_step(bench.model, fw.optimizer(bench.model, OptimizerSpec(**OPTIMIZER)), common.mode(cfg))
        timing, samples = common.measure_samples(cfg, emit, fw, lambda: step(batch), "step_time")
    result = {**common.steady_result(timing, size, mem, fw, bench), "optimizer": OPTIMIZER}
    if cfg.tensorboard:  # after the result's memory readings, so the writer is in none of them
        common.write_scalars(fw, cfg.tensorboard, ((i, {"step_time_ms": s * 1e3}) for i, s in enumerate(samples)))
    return result
