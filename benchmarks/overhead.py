"""The engine's overhead: its measured step time against a bare hand-written loop on the same cell.

Both sides run in fresh child processes with the same threads; the bare loop times the same
training step with nothing but ``time.perf_counter`` around it. They run in paired rounds, as
showdown's own comparisons do: each round runs both once, engine first in odd rounds and the bare
loop first in even ones, and the process medians are paired by round. Prints, for each framework
installed, the medians and the ratio engine/bare as the exponentiated mean of the per-round log
ratios with its 95 % interval (the wider of the t-interval over rounds and a bootstrap over rounds),
and whether the interval shows the 1.02 target met, missed or not resolved.

    .venv/bin/python benchmarks/overhead.py [--workload mlp] [--preset default] [--batch 32] [--rounds 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from showdown.frameworks.base import installed
from showdown.measure.paired import look_at
from showdown.runner.isolate import run_cell

TARGET = 1.02

HERE = {"PYTHONPATH": str(Path(__file__).resolve().parent)}  # so the child can import this file


def train_step(payload: dict[str, Any]) -> tuple[Any, Any]:
    """The train scenario's step on its batch, built as the scenario builds it: ``(adapter, call)``.

    ``call`` wraps the step in a lambda, as the train scenario does, so both sides pay the same call.
    """
    from showdown.data import synthetic
    from showdown.frameworks.base import OptimizerSpec
    from showdown.runner.config import CellConfig
    from showdown.scenarios import common
    from showdown.scenarios.train import OPTIMIZER

    known = {f.name for f in dataclasses.fields(CellConfig)}  # the bare loop's counts (and stability's) are no cell field
    cfg = CellConfig.of({k: v for k, v in payload.items() if k in known}, "train")
    bench = common.workbench(cfg)
    fw = bench.fw
    batch = fw.batch(*synthetic.batch(bench.spec, common.batch_size(cfg), 0))
    step = fw.train_step(bench.model, fw.optimizer(bench.model, OptimizerSpec(**OPTIMIZER)), common.mode(cfg))
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
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    print(f"engine overhead: {args.workload}/{args.preset} batch {args.batch}, {args.rounds} paired rounds (AB, then BA)")
    for fw in installed():
        mode = "eager" if fw == "torch" else "function"
        payload = {"scenario": "train", "framework": fw, "workload": args.workload, "preset": args.preset, "mode": mode,
                   "batch_size": args.batch, "threads": args.threads, "budget_s": 3.0, "seed": 0}
        engine, plain = [], []
        frozen: dict[str, int] = {}  # the bare loop's warm-up and sample counts, from round 1's engine cell (which runs first)
        for r in range(1, args.rounds + 1):
            sides = ["engine", "bare"] if r % 2 else ["bare", "engine"]
            for side in sides:
                if side == "engine":
                    e = run_cell("showdown.scenarios.train:cell", payload, threads=args.threads)
                    engine.append(e.result["median_s"])
                    frozen = frozen or {"warmup": e.result["warmup_count"], "n": max(20, e.result["sample_count"])}
                else:
                    b = run_cell("overhead:bare", {**payload, **frozen}, threads=args.threads, env=HERE)
                    plain.append(b.result["median_s"])
        print(f"  {fw:<10} {mode:<8} " + verdict(engine, plain))


def verdict(engine: list[float], plain: list[float]) -> str:
    """The medians, the paired ratio engine/bare with its 95 % interval, and what it says of the target."""
    d = np.log(np.asarray(engine)) - np.log(np.asarray(plain))
    _, ratio, low, high = look_at(d)
    said = ("meets the target" if high <= TARGET else "misses the target" if low > TARGET
            else "the interval spans the target: not resolved at this precision")
    return (f"engine {statistics.median(engine) * 1e3:8.3f} ms  bare loop {statistics.median(plain) * 1e3:8.3f} ms  "
            f"ratio {ratio:.3f} (95% CI {low:.3f}–{high:.3f}, {len(d)} rounds; target <= {TARGET}: {said})")


if __name__ == "__main__":
    main()
