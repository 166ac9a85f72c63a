"""``showdown deploy``: every export path of the chosen contenders, exported, run and verified."""

from __future__ import annotations

import argparse
import dataclasses

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``deploy`` command."""
    p = sub.add_parser("deploy", help="export along every deployment path, run in the target runtime, verify", description=__doc__)
    p.add_argument("--frameworks", nargs="+", metavar="F", help=options.frameworks_help("source frameworks: ", "every one with a deployment path"))
    p.add_argument("--workloads", nargs="+", metavar="W", help="mlp, cnn, lstm, transformer (default: all)")
    p.add_argument("--paths", nargs="+", metavar="P", help="deployment paths (default: every path of the chosen frameworks)")
    p.add_argument("--preset", default="default", help="size preset (default: default)")
    p.add_argument("--threads", help="threads for source and runtime (default: all cores)")
    p.add_argument("--budget", default="2", help="latency measurement seconds per batch size (default: 2)")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan the deploy cells, run them like any other run, print the matrix and the footprints."""
    from showdown.deploy.paths import PATHS
    from showdown.frameworks.base import CONTENDERS
    from showdown.measure.fairness import default_threads
    from showdown.report import data
    from showdown.report import deploy as report
    from showdown.runner.plan import suite

    frameworks = options.frameworks(args, [n for n, c in CONTENDERS.items() if c.paths])
    paths = options.choices("deployment path", args.paths, tuple(PATHS), [p for p, i in PATHS.items() if i.framework in frameworks])
    threads = options.threads_option(args.threads) or default_threads()
    plan = suite(
        "quick", frameworks=frameworks, workloads=tuple(options.split(args.workloads)) or None, scenarios=("deploy", "footprint"),
        paths=tuple(paths), preset=args.preset, threads=threads, inter_op_threads=threads, budget_s=options.seconds("time budget", args.budget),
    )
    return options.run_plan(args, dataclasses.replace(plan, suite="deploy"), data.deploy, report.show)
