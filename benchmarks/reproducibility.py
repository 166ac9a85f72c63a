"""Do verdicts survive a rerun? The quick suite's training and inference comparisons, in rounds, N times back to back.

    .venv/bin/python benchmarks/reproducibility.py [--runs 3] [--rounds N] [--budget 10m] [--db PATH] [-- more run options]

Each run is ``showdown run --scenarios train infer``: the quick suite's workloads, rounds, window and
budget unless ``--rounds``, ``--budget`` or the options after ``--`` say otherwise.

Prints, over the runs: the flip rate (comparisons the stopping rule decided one way in one run and
the other way in another; target 0), the share of each run's 95 % intervals that contain the
estimate pooled over all runs (every round of every run; target >= 90 %), how many comparisons
each run decided, and each run's wall time.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from showdown.analysis import compare
from showdown.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", default=None, help="rounds per run (default: the quick suite's)")
    parser.add_argument("--budget", default=None, help="each run's wall-clock budget (showdown run --budget; default: the quick suite's)")
    parser.add_argument("--db", default=None)
    parser.add_argument("extra", nargs="*", help="more options for 'showdown run' (after --)")
    args = parser.parse_args()
    db = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="showdown-repro-")) / "repro.sqlite"
    walls = []
    for i in range(args.runs):
        start = time.perf_counter()
        given = [*(["--rounds", args.rounds] if args.rounds else []), *(["--budget", args.budget] if args.budget else [])]
        subprocess.run([sys.executable, "-m", "showdown", "run", "--scenarios", "train", "infer", *given, "--db", str(db), *args.extra],
                       check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        print(f"run {i + 1}/{args.runs}: {walls[-1]:.0f} s wall", flush=True)
    with Store.open(db, create=False) as store:
        runs = [r.id for r in reversed(store.list_runs())][-args.runs :]
        report(store, runs, walls)


def report(store: Store, runs: list[str], walls: list[float]) -> None:
    """Print flip rate, coverage of the pooled estimate and decisions per run."""
    by_comparison: dict[tuple[str, str, str], dict[str, dict]] = defaultdict(dict)
    for run_id in runs:
        for row in compare.frameworks(store, run_id):
            if row.comparison.get("paired"):
                by_comparison[(row.group, row.side_a, row.side_b)][run_id] = row.comparison
    flips = covered = intervals = 0
    decided_in: dict[str, int] = defaultdict(int)
    for key, per_run in sorted(by_comparison.items()):
        states = {run_id: c["paired"]["decided"][0] for run_id, c in per_run.items()}
        for run_id, state in states.items():
            decided_in[run_id] += state != "undecided"
        flipped = {"faster", "slower"} <= set(states.values())
        flips += flipped
        logs = [math.log(q) for c in per_run.values() for q in c["paired"]["per_round"]]
        pooled = math.exp(sum(logs) / len(logs))
        inside = [c["ci_low"] is not None and c["ci_low"] <= pooled <= c["ci_high"] for c in per_run.values()]
        covered, intervals = covered + sum(inside), intervals + len(inside)
        shown = "; ".join(f"{c['ratio']:.3f} [{c['ci_low'] or math.nan:.3f}–{c['ci_high'] or math.nan:.3f}] {states[r]}" for r, c in per_run.items())
        print(f"{'FLIP ' if flipped else ''}{key[0]} {key[1]} vs {key[2]}: pooled {pooled:.3f}; {shown}")
    n = len(by_comparison)
    print(f"\n{len(runs)} runs, {n} comparisons: flip rate {flips}/{n} (target 0); "
          f"intervals containing the pooled estimate {covered}/{intervals} = {100 * covered / max(intervals, 1):.0f}% (target >= 90%)")
    for run_id, wall in zip(runs, walls):
        print(f"  {run_id}: {wall:.0f} s wall ({wall / 60:.1f} min), {decided_in[run_id]} of {n} comparisons decided")


if __name__ == "__main__":
    main()
