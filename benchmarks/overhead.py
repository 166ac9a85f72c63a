"""The engine's overhead: its measured step time against a bare hand-written loop on the same cell.

Both sides run in fresh child processes with the same threads; the bare loop times the same
training step with nothing but ``time.perf_counter`` around it. Prints each figure and the
ratio engine/bare (target: ≤ 1.02), for each framework installed.

    .venv/bin/python benchmarks/overhead.py [--workload mlp] [--preset default] [--batch 32]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from pathlib import Path

from showdown.frameworks.base import installed
from showdown.runner.isolate import run_cell


HERE = {"PYTHONPATH": str(Path(__file__).resolve().parent)}  # so the child can import this file


def train_step(payload: dict[str, Any]) -> tuple[Any, Any]:
    """The train scenario's step on its batch, built as the scenario builds it: ``(adapter, call)``.

    ``call`` wraps the step in a lambda, as the train scenario does, so both sides pay the same call.
    """
    from showdown.data import synthetic
    from showdown.frameworks.base import OptimizerSpec
    from showdown.scenarios import common
    from showdown.scenarios.train import OPTIMIZER

    bench = common.workbench(payload)
    fw = bench.fw
    batch = fw.batch(*synthetic.batch(bench.spec, payload["batch_size"], 0))
    step = fw.train_step(bench.model, fw.optimizer(bench.model, OptimizerSpec(**OPTIMIZER)), payload["mode"])
    return fw, lambda: step(batch)


def bare(payload: dict[str, Any], emit: Any) -> dict[str, Any]:
    """Child: the same step as the train scenario, timed by a plain loop (after the same warm-up count)."""
    fw, call = train_step(payload)
    for _ in range(payload["warmup"]):
        call()
    times = []
    for _ in range(payload["n"]):
        t = time.perf_counter()
        call()
        fw.sync()
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="mlp")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"engine overhead: {args.workload}/{args.preset} batch {args.batch}, {args.rounds} alternating rounds")
    for fw in installed():
        mode = "eager" if fw == "torch" else "function"
        payload = {"scenario": "train", "framework": fw, "workload": args.workload, "preset": args.preset, "mode": mode,
                   "batch_size": args.batch, "threads": args.threads, "budget_s": 3.0, "seed": 0}
        engine, plain = [], []
        for _ in range(args.rounds):  # alternate so drift on a shared machine hits both sides
            e = run_cell("showdown.scenarios.train:cell", payload, threads=args.threads)
            engine.append(e.result["median_s"])
            n = max(20, e.result["sample_count"])
            b = run_cell("overhead:bare", {**payload, "warmup": e.result["warmup_count"], "n": n}, threads=args.threads, env=HERE)
            plain.append(b.result["median_s"])
        me, mb = statistics.median(engine), statistics.median(plain)
        print(f"  {fw:<10} {mode:<8} engine {me * 1e3:8.3f} ms  bare loop {mb * 1e3:8.3f} ms  ratio {me / mb:.3f}  (target <= 1.02)")


if __name__ == "__main__":
    main()
