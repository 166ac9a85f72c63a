"""Native JAX's ``jit`` predictor against ``nnx.jit``: the cost per inference call of each way to jit a Flax model.

The adapter's predictor calls ``jax.jit`` on a pure ``(state, x)`` function of the split module;
the other side is ``nnx.cached_partial(nnx.jit(...))`` of the module, which syncs the module's
graph on every call. Each side runs in fresh child processes, in paired rounds (AB, then BA), and
each process times ``--calls`` calls with ``block_until_ready`` after each, after a warm-up of the
same count. Prints the medians and the ratio nnx.jit / adapter as the exponentiated mean of the
per-round log ratios with its 95 % interval.

    .venv/bin/python benchmarks/jax_predict.py [--workload mlp] [--preset tiny] [--batch 32] [--rounds 6] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from showdown.frameworks.base import installed
from showdown.measure.paired import look_at
from showdown.runner.isolate import run_cell

HERE = {"PYTHONPATH": str(Path(__file__).resolve().parent)}  # so the child can import this file
SIDES = ("adapter", "nnx.jit")


def side(payload: dict[str, Any], emit: Any) -> dict[str, Any]:
    """Child: build the workload in the JAX adapter and time one side's predictor."""
    import jax
    from flax import nnx

    from showdown.data import synthetic
    from showdown.frameworks.jax.adapter import _infer
    from showdown.runner.config import CellConfig
    from showdown.scenarios import common

    bench = common.workbench(CellConfig("infer", "jax", payload["workload"], preset=payload["preset"], threads=payload["threads"],
                                        inter_op_threads=payload["threads"]))
    batch = bench.fw.batch(synthetic.batch(bench.spec, payload["batch"], 0)[0])
    if payload["side"] == "adapter":
        predict = bench.fw.predict(bench.model, "jit")
        call = lambda: predict(batch)  # noqa: E731
    else:
        run = nnx.cached_partial(nnx.jit(_infer), bench.model.inference)
        call = lambda: run(batch.x)  # noqa: E731
    for _ in range(payload["calls"]):
        jax.block_until_ready(call())
    times = []
    for _ in range(payload["calls"]):
        t = time.perf_counter()
        jax.block_until_ready(call())
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="mlp")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    if "jax" not in installed():
        raise SystemExit("jax is not installed: pip install 'showdown[jax]'")
    print(f"jax jit predictor: {args.workload}/{args.preset} batch {args.batch}, {args.rounds} paired rounds (AB, then BA)")
    medians: dict[str, list[float]] = {s: [] for s in SIDES}
    for r in range(1, args.rounds + 1):
        for name in SIDES if r % 2 else SIDES[::-1]:
            payload = {"side": name, "workload": args.workload, "preset": args.preset, "batch": args.batch, "threads": args.threads, "calls": args.calls}
            out = run_cell("jax_predict:side", payload, threads=args.threads, env=HERE)
            if not out.ok:
                raise SystemExit(f"{name} failed: {out.message}")
            medians[name].append(out.result["median_s"])
    d = np.log(np.asarray(medians["nnx.jit"])) - np.log(np.asarray(medians["adapter"]))
    _, ratio, low, high = look_at(d)
    print(f"  adapter (jax.jit of the split state) {statistics.median(medians['adapter']) * 1e6:7.1f} us   "
          f"nnx.jit {statistics.median(medians['nnx.jit']) * 1e6:7.1f} us   "
          f"nnx.jit / adapter {ratio:.2f} (95% CI {low:.2f}–{high:.2f}, {len(d)} rounds)")


if __name__ == "__main__":
    main()
