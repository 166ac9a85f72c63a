"""Is this machine steady enough to compare timings? One training step, timed in rounds in one process.

Runs the same cell's step (a bare loop, as in overhead.py) in several rounds in one child
process and prints each round's median, the slowest round over the fastest, and the CPU that
other processes and, on a virtual machine, other guests (steal) took meanwhile. A ratio well
above 1 with no other work and no steal means the host itself varies (frequency, shared caches):
ratios between runs made at different times then carry that much doubt.

    .venv/bin/python benchmarks/stability.py [--framework torch] [--workload mlp] [--rounds 16] [--steps 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from showdown.measure.contention import Contention
from showdown.runner.isolate import run_cell

HERE = {"PYTHONPATH": str(Path(__file__).resolve().parent)}  # so the child can import this file and overhead.py


def rounds(payload: dict[str, Any], emit: Any) -> dict[str, Any]:
    """Child: round medians of the train scenario's step, after a short warm-up."""
    from overhead import train_step

    fw, call = train_step(payload)
    for _ in range(50):
        call()
    medians = []
    for _ in range(payload["rounds"]):
        times = []
        for _ in range(payload["steps"]):
            t = time.perf_counter()
            call()
            fw.sync()
            times.append(time.perf_counter() - t)
        medians.append(statistics.median(times))
    return {"medians_s": medians}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="torch")
    parser.add_argument("--workload", default="mlp")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    mode = "eager" if args.framework == "torch" else "function"
    payload = {"scenario": "train", "framework": args.framework, "workload": args.workload, "preset": args.preset, "mode": mode,
               "batch_size": args.batch, "threads": args.threads, "seed": 0, "rounds": args.rounds, "steps": args.steps}
    with Contention() as others:
        outcome = run_cell("stability:rounds", payload, threads=args.threads, env=HERE)
    if outcome.status != "ok":
        raise SystemExit(f"the cell failed: {outcome.message or outcome.status}")
    medians = outcome.result["medians_s"]
    print(f"{args.framework} {mode} {args.workload}/{args.preset} batch {args.batch}: {args.rounds} rounds of {args.steps} steps in one process")
    print("  round medians (ms): " + " ".join(f"{m * 1e3:.2f}" for m in medians))
    print(f"  slowest / fastest round: {max(medians) / min(medians):.2f}  (median of rounds {statistics.median(medians) * 1e3:.2f} ms)")
    c = others.to_dict()
    share = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    print(f"  meanwhile other processes took {share(c['other_share'])} of the CPUs, other guests (steal) {share(c['steal_share'])}")


if __name__ == "__main__":
    main()
