"""Deployment: export a digits-trained model along one path and run the artifact in its runtime.

A ``deploy`` cell has two stages, each in its own process:

1. *source* (this cell's process, the source framework): build the workload for digits, train it a
   few epochs with Adam in the framework's default mode (or load the weights another path's cell
   of the run trained: see :func:`_trained`), record its test accuracy and its logits on the test
   set, then export the artifact (timed) and measure its size on disk;
2. *runtime* (a fresh process that imports only the path's runtime): load the artifact (timed),
   measure latency at batch 1 and 32 with the adaptive sampler, the process's peak memory, and the
   artifact's logits on the same test inputs — hence the largest absolute and relative deviation
   from the source model and the test accuracy after export.

A failed export is recorded with the exporter's message verbatim; it is a result, not a crash.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from showdown.frameworks.base import HEAVY_MODULES, resolve
from showdown.errors import ConfigError
from showdown.runner.config import CellConfig
from showdown.scenarios import common

TRAIN_EPOCHS = 3
LATENCY_BATCHES = (1, 32)


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``deploy`` cell: the usual fields plus ``path``, and ``source_cache`` and ``train_epochs`` where set."""
    import tempfile

    from showdown.deploy import paths

    cfg = CellConfig.of(payload, "deploy")
    if not cfg.path:
        raise ConfigError(f"a deploy cell needs a deployment path: choose from {', '.join(paths.PATHS)}")
    info = paths.get(cfg.path)
    with tempfile.TemporaryDirectory(prefix="showdown-deploy-") as tmp:
        source = _source_stage(cfg, info, Path(tmp), emit)
        if not source["exported"]:
            return source
        runtime = _runtime_stage(cfg, info, source, Path(tmp), emit)
    return {**source, **runtime, "accuracy_drop": _drop(source, runtime)}


def _drop(source: dict[str, Any], runtime: dict[str, Any]) -> float | None:
    after = runtime.get("accuracy_after")
    return None if after is None else source["accuracy_before"] - after


def _source_stage(cfg: CellConfig, info: Any, tmp: Path, emit: common.Emit) -> dict[str, Any]:
    from showdown.data import digits

    fw, settings = common.configure(cfg)
    bench = common.build(fw, settings, cfg, input_shape=digits.input_shape(str(cfg.workload)), dropout=False)
    split = digits.load(str(cfg.workload))
    source = _trained(fw, bench, split, cfg)
    predict = fw.predict(bench.model, "eager")
    logits = np.concatenate([fw.numpy(predict(fw.batch(x))) for x in _chunks(split.x_test, 64)])
    np.savez(tmp / "reference.npz", x=split.x_test, y=split.y_test, logits=logits)
    out = tmp / "artifact"
    out.mkdir()
    exporter = resolve(info.exporter)
    start = time.perf_counter()
    try:
        meta = exporter(fw.native(bench.model), bench.spec, out, split.x_train[:256])
    except Exception as exc:  # noqa: BLE001 - any exporter failure is the result we record
        return {**_head(info, bench, logits, split), **source, "exported": False, "error_type": type(exc).__name__, "error": str(exc)}
    export_s = time.perf_counter() - start
    common.emit_samples(emit, "export_time", [export_s], "s")
    artifact = Path(meta["artifact"])
    return {**_head(info, bench, logits, split), **source, "exported": True, "export_s": export_s, "size_bytes": _size(artifact), "export_info": meta}


def _head(info: Any, bench: Any, logits: np.ndarray, split: Any) -> dict[str, Any]:
    return {
        "path": info.name,
        "runtime": info.runtime,
        "quantization": info.quantization,
        "accuracy_before": float(np.mean(logits.argmax(-1) == split.y_test)),
        **bench.describe(),
    }


def _trained(fw: Any, bench: Any, split: Any, cfg: CellConfig) -> dict[str, Any]:
    """Train the source model, or load the weights an earlier path's cell of this run trained.

    Every path of one framework and workload exports the same trained model: the first cell trains
    it and leaves its weights in the run's ``source_cache`` directory (when the config names one);
    the others load them instead of training again.
    """
    epochs, seed = TRAIN_EPOCHS if cfg.train_epochs is None else cfg.train_epochs, cfg.seed
    name = f"{cfg.framework}-{cfg.workload}-{cfg.preset}-s{seed}-e{epochs}-t{cfg.threads}.npz"
    path = Path(cfg.source_cache) / name if cfg.source_cache else None
    if path is not None and path.exists():
        with np.load(path) as saved:
            fw.load_weights(bench.model, {k: saved[k] for k in saved.files})
        return {"source": "loaded", "source_weights": str(path)}
    start = time.perf_counter()
    _train(fw, bench.model, split, epochs, seed, fw.name)
    out = {"source": "trained", "train_s": time.perf_counter() - start}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, **fw.get_weights(bench.model))
        partial.replace(path)  # whole or absent: a cell killed while writing leaves nothing to load
    return out


def _train(fw: Any, model: Any, split: Any, epochs: int, seed: int, framework: str) -> None:
    """A few epochs of Adam in the framework's default mode (what its users train in)."""
    from showdown.frameworks.base import OptimizerSpec
    from showdown.runner.plan import DEFAULT_MODE
    from showdown.scenarios.accuracy import batch_schedule, shuffle_orders

    step = fw.train_step(model, fw.optimizer(model, OptimizerSpec("adam", lr=1e-3)), DEFAULT_MODE.get(framework, "eager"))
    for epoch in batch_schedule(shuffle_orders(seed, len(split.y_train), epochs + 1), 32):
        for idx in epoch:
            step(fw.batch(split.x_train[idx], split.y_train[idx]))


def _chunks(x: np.ndarray, size: int) -> list[np.ndarray]:
    return np.array_split(x, math.ceil(len(x) / size))


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _runtime_stage(cfg: CellConfig, info: Any, source: dict[str, Any], tmp: Path, emit: common.Emit) -> dict[str, Any]:
    from showdown.runner.isolate import run_cell

    job = {
        "runner": info.runner,
        "artifact": source["export_info"]["artifact"],
        "info": {**source["export_info"], "threads": cfg.threads},
        "reference": str(tmp / "reference.npz"),
        "budget_s": cfg.budget_s or 2.0,
    }
    outcome = run_cell(f"{__name__}:run_artifact", job, threads=cfg.threads, timeout_s=cfg.timeout_s or 600, on_message=emit)
    if outcome.status != "ok":
        return {"ran": False, "runtime_failure": outcome.failure_record()}
    return {"ran": True, **(outcome.result or {})}


def run_artifact(job: dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Runtime-stage entry: a fresh process that imports only the artifact's runtime."""
    import sys

    from showdown.measure.memory import peak_rss_bytes, rss_bytes

    ref = np.load(job["reference"])
    base = rss_bytes()
    start = time.perf_counter()
    runner = resolve(job["runner"])(job["artifact"], job["info"])
    load_s = time.perf_counter() - start
    loaded = rss_bytes()
    sizes = [b for b in LATENCY_BATCHES if b in job["info"].get("batch_sizes", LATENCY_BATCHES)]
    outputs = _outputs(runner, ref["x"], max(sizes))
    latency = {f"bs{b}": _latency(runner, ref["x"][:b], job["budget_s"], emit, f"latency_bs{b}") for b in sizes}
    return {
        "load_s": load_s,
        "latency": latency,
        "rss_before_load": base,
        "rss_after_load": loaded,
        "peak_rss": peak_rss_bytes(),
        "frameworks_loaded": sorted(m for m in HEAVY_MODULES if m in sys.modules),
        **_deviation(outputs, ref["logits"], ref["y"]),
    }


def _outputs(runner: Any, x: np.ndarray, batch: int) -> np.ndarray:
    parts = []
    for i in range(0, len(x), batch):
        chunk = x[i : i + batch]
        if len(chunk) < batch:  # a fixed-batch artifact: pad, then drop the padding
            pad = np.concatenate([chunk, np.zeros((batch - len(chunk), *chunk.shape[1:]), chunk.dtype)])
            parts.append(runner.run(pad)[: len(chunk)])
        else:
            parts.append(runner.run(chunk))
    return np.concatenate(parts).astype(np.float32)


def _latency(runner: Any, x: np.ndarray, budget: float, emit: common.Emit, metric: str) -> dict[str, float]:
    from showdown.measure.stats import summarize
    from showdown.measure.timer import Sampler

    buffer = common.SampleBuffer(emit, metric, "s")
    result = Sampler(budget_s=budget, warmup_budget_s=max(0.5, budget / 2)).run(lambda: runner.run(x), on_sample=lambda p, v: buffer("measure" if p == "sample" else p, v))
    buffer.flush()
    s = summarize(result.samples)
    return {"p50": s.median, "p99": s.p99, "n": s.n}


def _deviation(outputs: np.ndarray, logits: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    diff = np.abs(outputs.astype(np.float64) - logits.astype(np.float64))
    scale = float(np.max(np.abs(logits))) or 1.0
    return {
        "max_abs_deviation": float(diff.max()),
        "max_rel_deviation": float(diff.max() / scale),
        "argmax_agreement": float(np.mean(outputs.argmax(-1) == logits.argmax(-1))),
        "accuracy_after": float(np.mean(outputs.argmax(-1) == labels)),
    }


def footprint_cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``footprint`` cell: one runtime's size, import time and memory."""
    from showdown.deploy.footprint import RUNTIMES, measure

    cfg = CellConfig.of(payload, "footprint")
    if not cfg.runtime:
        raise ConfigError(f"a footprint cell needs a runtime: choose from {', '.join(RUNTIMES)}")
    result = measure(cfg.runtime, repeats=3 if cfg.repeats is None else cfg.repeats)
    common.emit_samples(emit, "import_time", result["import_s"], "s")
    return json.loads(json.dumps(result))
