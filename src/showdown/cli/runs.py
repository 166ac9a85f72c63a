"""``showdown runs``: list the stored runs."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``runs`` command."""
    p = sub.add_parser("runs", help="list stored runs")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print one line per run, newest first."""
    from showdown.report import terminal

    store = options.open_store(args, create=False)
    terminal.list_runs(store.list_runs(), as_json=args.json)
    return 0
