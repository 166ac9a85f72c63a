"""``showdown devx``: common mistakes, debuggability and code size, measured per framework."""

from __future__ import annotations

import argparse
import dataclasses

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``devx`` command."""
    p = sub.add_parser("devx", help="run the mistakes battery, debuggability probes and code-size count", description=__doc__)
    p.add_argument("--frameworks", nargs="+", metavar="F", help=options.frameworks_help(default="every one with a mistakes battery"))
    p.add_argument("--threads", help="intra-op threads (default: all cores)")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one devx cell per framework, store it, print the tables (or JSON)."""
    from showdown.measure.fairness import default_threads
    from showdown.report import data
    from showdown.report import devx as report
    from showdown.runner.plan import suite

    from showdown.frameworks.base import CONTENDERS

    frameworks = options.frameworks(args, [n for n, c in CONTENDERS.items() if c.has("mistakes")])
    threads = options.threads_option(args.threads) or default_threads()
    plan = suite("quick", frameworks=frameworks, scenarios=("devx",), threads=threads, inter_op_threads=threads)
    return options.run_plan(args, dataclasses.replace(plan, suite="devx"), data.devx, report.show)
