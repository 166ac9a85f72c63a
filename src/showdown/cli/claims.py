"""``showdown claims [RUN_ID]``: the common claims about PyTorch and TensorFlow, judged by a run."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``claims`` command."""
    p = sub.add_parser("claims", help="verdicts on the common claims, from a stored run", description=__doc__)
    p.add_argument("run_id", metavar="RUN_ID", nargs="?", default="latest", help="run id, a unique prefix of one, or 'latest' (default)")
    p.add_argument("--only", nargs="+", metavar="C", help="claim ids, e.g. C1 C7 (default: all)")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the verdicts (or JSON)."""
    from showdown.analysis import claims
    from showdown.report import claims as report
    from showdown.report.terminal import dump_json

    store = options.open_store(args, create=False)
    run_id = store.resolve_run(args.run_id)
    verdicts = claims.evaluate(store, run_id, options.split(args.only) or None)
    if args.json:
        dump_json({"run_id": run_id, "claims": [v.to_dict() for v in verdicts], "scorecard": claims.scorecard(verdicts)})
    else:
        report.show(run_id, verdicts)
    return 0
