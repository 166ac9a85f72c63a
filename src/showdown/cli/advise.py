"""``showdown advise --profile research|server|mobile|web|FILE.toml [RUN_ID]``: rank the frameworks
and deployment paths for a profile, from a stored run, with the evidence and what would change it."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``advise`` command."""
    p = sub.add_parser("advise", help="rank frameworks and deployment paths for a profile", description=__doc__)
    p.add_argument("run_id", metavar="RUN_ID", nargs="?", default="latest", help="run id, a unique prefix of one, or 'latest' (default)")
    p.add_argument("--profile", required=True, help="research, server, mobile, web, or a TOML file with a [weights] table")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the advice (or JSON)."""
    from showdown.analysis import advisor
    from showdown.report import advice as report
    from showdown.report.terminal import dump_json

    profile = advisor.load_profile(args.profile)  # a bad profile fails before the store is opened
    store = options.open_store(args, create=False)
    run_id = store.resolve_run(args.run_id)
    advice = advisor.advise(store, run_id, profile)
    if args.json:
        dump_json(advice.to_dict())
    else:
        report.show(advice)
    return 0
