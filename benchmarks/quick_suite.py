"""Wall time of the quick suite (target: at most 10 minutes on a 2-core CPU, from start to the final table), per scenario.

    .venv/bin/python benchmarks/quick_suite.py [--db PATH]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from showdown.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("extra", nargs="*", help="more options for 'showdown run'")
    args = parser.parse_args()
    db = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="showdown-bench-")) / "bench.sqlite"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "showdown", "run", "--suite", "quick", "--db", str(db), *args.extra], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    with Store.open(db, create=False) as store:
        run = store.list_runs()[0]
        per: dict[str, float] = defaultdict(float)
        count: dict[str, int] = defaultdict(int)
        for cell in store.cells(run.id):
            per[cell.config["scenario"]] += (cell.result or {}).get("duration_s", 0.0)
            count[cell.config["scenario"]] += 1
    print(f"quick suite: {wall:.0f} s wall ({wall / 60:.1f} min; target <= 10 min), run {run.id} {run.status}")
    for scenario, seconds in per.items():
        print(f"  {scenario:<10} {count[scenario]:3d} cells  {seconds:6.0f} s")


if __name__ == "__main__":
    main()
