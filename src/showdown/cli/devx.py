"""``showdown devx``: common mistakes, debuggability and code size, measured per framework."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``devx`` command."""
    p = sub.add_parser("devx", help="run the mistakes battery, debuggability probes and code-size count", description=__doc__)
    p.add_argument("--frameworks", nargs="+", metavar="F", help="torch, tensorflow (default: both)")
    p.add_argument("--threads", help="intra-op threads (default: all cores)")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one devx cell per framework, store it, print the tables (or JSON)."""
    from showdown.frameworks.base import FRAMEWORKS, require
    from showdown.measure.fairness import default_threads
    from showdown.report import devx as report
    from showdown.report import terminal
    from showdown.runner import execute as X
    from showdown.runner.plan import suite

    frameworks = tuple(options.choices("framework", args.frameworks, FRAMEWORKS))
    for name in frameworks:
        require(name)
    threads = options.threads_option(args.threads) or default_threads()
    plan = dataclasses.replace(suite("quick", frameworks=frameworks, scenarios=("devx",), threads=threads, inter_op_threads=threads), suite="devx")
    store = options.open_store(args)
    run_id = X.start(store, plan, sys.argv[1:])
    print(f"run {run_id}: {len(store.pending_cells(run_id))} cells, results in {store.path}", file=sys.stderr)
    with terminal.progress(len(store.pending_cells(run_id))) as advance:
        X.execute(store, run_id, plan, on_progress=advance)
    if args.json:
        terminal.dump_json(report.data(store, run_id))
    else:
        report.show(store, run_id)
        print(f"\nrun {run_id}: results in {store.path}")
    return 0
