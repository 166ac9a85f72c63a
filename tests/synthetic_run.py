"""A results database filled with known measurements, for testing claims, advice and reports.

The run is planned and stored exactly as ``showdown run`` does; only the measurements are
written directly (medians with 1 % noise), so every verdict has a known right answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from showdown.devx.probe import Observation
from showdown.frameworks import base
from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.store import Store

MB = 2**20
PATHS = ("onnx-ort", "executorch-xnnpack", "litert", "tf-onnx-ort")

# (framework, mode) -> median seconds per scenario/batch
TRAIN = {("torch", "eager"): 0.010, ("tensorflow", "function"): 0.013, ("tensorflow", "eager"): 0.050,
         # Keras on torch 3× native torch; Keras on JAX within 5% of native JAX, and the fastest Keras backend
         ("keras-torch", "eager"): 0.030, ("keras-torch", "jit"): 0.020, ("keras-jax", "jit"): 0.0105, ("keras-jax", "eager"): 0.080, ("jax", "jit"): 0.010, ("jax", "eager"): 0.090}
INFER = {
    1: {("torch", "eager"): 0.001, ("tensorflow", "function"): 0.002, ("tensorflow", "eager"): 0.010,
        ("keras-torch", "eager"): 0.003, ("keras-torch", "jit"): 0.0025, ("keras-jax", "jit"): 0.00105, ("keras-jax", "eager"): 0.012, ("jax", "jit"): 0.001, ("jax", "eager"): 0.011},
    32: {("torch", "eager"): 0.005, ("tensorflow", "function"): 0.005, ("tensorflow", "eager"): 0.030,
         ("keras-torch", "eager"): 0.015, ("keras-torch", "jit"): 0.012, ("keras-jax", "jit"): 0.00525, ("keras-jax", "eager"): 0.040, ("jax", "jit"): 0.005, ("jax", "eager"): 0.035},
}
MEMORY = {"torch": 100 * MB, "tensorflow": 60 * MB, "keras-torch": 120 * MB, "keras-jax": 80 * MB, "jax": 70 * MB}
#: every built-in contender
CONTENDERS = ("torch", "tensorflow", "keras-torch", "keras-jax", "jax")
FOOTPRINT = {"litert": (58 * MB, 33 * MB, 0.06), "executorch": (852 * MB, 356 * MB, 3.9), "onnxruntime": (76 * MB, 45 * MB, 0.09),
             "torch": (721 * MB, 219 * MB, 0.96), "tensorflow": (1272 * MB, 618 * MB, 2.9),
             "keras-torch": (760 * MB, 260 * MB, 1.4), "keras-jax": (400 * MB, 180 * MB, 1.2), "jax": (350 * MB, 150 * MB, 0.8)}


def build(path: Any, notes: str | None = None, seed: int = 0, scale: float = 1.0, frameworks: tuple[str, ...] | None = None) -> tuple[Store, str]:
    """Create the database at ``path`` with one filled run; ``scale`` multiplies every time.

    ``frameworks`` (e.g. :data:`CONTENDERS`) plans the quick suite over those contenders in the
    eager, function and jit modes, as ``showdown run --frameworks ... --modes eager function jit``
    does (both of Keras-on-torch's modes); by default the quick suite's own contenders and modes.
    """
    store = Store.open(path)
    plan = P.suite("quick", workloads=("mlp", "cnn"), scenarios=("train", "infer", "deploy", "footprint", "devx"), rounds=0, threads=2, paths=PATHS,
                   frameworks=frameworks, modes=("eager", "function", "jit") if frameworks else None)
    run_id = X.start(store, plan, ["run"], notes)
    rng = np.random.default_rng(seed)
    for cell in store.cells(run_id):
        fill(store, cell, rng, scale)
    store.finish_run(run_id, "complete")
    return store, run_id


def fill(store: Store, cell: Any, rng: np.random.Generator, scale: float) -> None:
    """Write the known measurements of one cell and mark it ok (or failed, for one deploy cell)."""
    cfg = cell.config
    store.start_cell(cell.id)
    key = (cfg.get("framework"), cfg.get("mode"))

    def samples(metric: str, median: float, n: int = 40) -> None:
        store.add_samples(cell.id, metric, (median * scale * (1 + 0.01 * rng.standard_normal(n))).tolist(), unit="s")

    result: dict[str, Any] = {}
    if cfg["scenario"] == "train":
        samples("step_time", TRAIN[key] * (1.3 if cfg["workload"] == "cnn" and key[0] == "tensorflow" else 1.0))
        result = {"peak_rss_above_baseline": MEMORY[key[0]], "first_call_s": TRAIN[key]}
    elif cfg["scenario"] == "infer":
        samples("latency", INFER[cfg["batch_size"]][key])
        result = {"peak_rss_above_baseline": MEMORY[key[0]], "first_call_s": INFER[cfg["batch_size"]][key]}
    elif cfg["scenario"] == "footprint":
        size, rss, imp = FOOTPRINT[cfg["runtime"]]
        samples("import_time", imp, 3)
        result = {"runtime": cfg["runtime"], "installed_total_bytes": size, "rss_after_import_bytes": rss, "import_median_s": imp, "pulls_in": [], "import_s": [imp] * 3}
    elif cfg["scenario"] == "deploy":
        if cfg["path"] == "executorch-xnnpack" and cfg["workload"] == "cnn":
            store.finish_cell(cell.id, status="ok", result={"path": cfg["path"], "exported": False, "error_type": "RuntimeError", "error": "<b>lowering failed</b>", "quantization": None})
            X.summarize_cell(store, cell.id)
            return
        latency = {"litert": 0.0002, "executorch-xnnpack": 0.0004}.get(cfg["path"], 0.0001)
        samples("latency_bs1", latency)
        result = {"path": cfg["path"], "runtime": "x", "quantization": None, "exported": True, "ran": True, "size_bytes": (2 if "executorch" in cfg["path"] else 1) * MB,
                  "latency": {"bs1": {"p50": latency, "p99": latency, "n": 40}}, "load_s": 0.05, "rss_before_load": 10 * MB, "peak_rss": 40 * MB,
                  "max_rel_deviation": 3e-7, "argmax_agreement": 1.0, "accuracy_before": 0.97, "accuracy_after": 0.97, "accuracy_drop": 0.0}
    elif cfg["scenario"] == "devx":
        result = {"observations": observations(cfg["framework"])}
    X.summarize_cell(store, cell.id)
    store.finish_cell(cell.id, status="ok", result=result)


def observations(framework: str) -> list[dict[str, Any]]:
    """Twelve mistakes in each of two modes, the evidence named by 10 of tensorflow's, 9 of Keras on JAX's,
    8 of Keras on torch's, 7 of jax's and 4 of torch's."""
    out = []
    for mode in base.MODES[framework][:2]:
        for i in range(12):
            names = i < {"torch": 4, "jax": 7, "keras-torch": 8, "keras-jax": 9}.get(framework, 10)
            out.append(Observation(framework=framework, version="1", mistake=f"m{i}", mode=mode, status="raised", stage="first-call",
                                   exception="ValueError", message=f"shape <{i}> mismatch" if names else "bad input", names_evidence=names,
                                   points_at_fault=True).to_dict())
    return out
