"""``showdown show RUN_ID``: a stored run's manifest, cells, failures and framework ratios."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``show`` command."""
    p = sub.add_parser("show", help="show a stored run")
    p.add_argument("run_id", metavar="RUN_ID", help="run id, a unique prefix of one, or 'latest'")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the run."""
    from showdown.report import data as D
    from showdown.report import terminal

    store = options.open_store(args, create=False)
    run_id = store.resolve_run(args.run_id)
    if args.json:
        terminal.dump_json(D.run(store, run_id))
    else:
        terminal.show_run(store, run_id)
    return 0
