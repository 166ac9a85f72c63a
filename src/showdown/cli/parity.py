"""``showdown parity``: prove that both frameworks compute the same model."""

from __future__ import annotations

import argparse
import json
import sys

from showdown.cli import options
from showdown.errors import ConfigError, positive_int, unknown


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``parity`` command to the parser."""
    p = sub.add_parser(
        "parity",
        help="check that both frameworks compute the same model (forward, gradients, optimizer steps)",
        description="Build every workload in both frameworks from the same seeded weights and compare "
        "outputs, loss, gradients and parameters after 10 SGD and 10 Adam steps.",
    )
    p.add_argument("--workloads", nargs="+", metavar="W", help="workloads to check (default: all)")
    p.add_argument("--preset", default="tiny", help="size preset (default: tiny)")
    p.add_argument("--frameworks", nargs="+", metavar="F", help=options.frameworks_help("the reference, then the frameworks to compare with it: ", "every installed one"))
    p.add_argument("--batch", default="8", help="examples per batch (default: 8)")
    p.add_argument("--threads", help="intra-op threads for each framework (default: framework's own)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the options, run parity in child processes, print the table; 1 when a check fails."""
    from showdown.frameworks import base
    from showdown.models import zoo

    workloads = options.choices("workload", args.workloads, zoo.WORKLOADS)
    if args.preset not in zoo.PRESETS:
        raise unknown("preset", args.preset, zoo.PRESETS)
    frameworks = options.choices("framework", args.frameworks, base.FRAMEWORKS, default=base.installed())
    if len(frameworks) < 2:
        raise ConfigError(f"parity compares frameworks with the first of them, so it needs two or more, got {len(frameworks)}: {', '.join(frameworks) or 'none installed'}")
    batch = positive_int("batch size", args.batch)
    threads = options.threads_option(args.threads)
    device = options.require_device(args.device)
    for name in frameworks:
        base.require(name)

    from showdown.scenarios import parity

    progress = None if args.json else _progress
    report = parity.run(
        workloads, args.preset, frameworks=tuple(frameworks), batch=batch, threads=threads, device=device, on_progress=progress
    )
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        print()
    else:
        from showdown.report import terminal

        terminal.parity(report)
    return 0 if report.passed else 1


def _progress(kind: str, data: dict) -> None:
    print(f"  {data.get('framework')}: {data.get('workload')} done", file=sys.stderr)
