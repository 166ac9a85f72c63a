"""``showdown export RUN_ID``: write a run's data as CSV, JSON and Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    p = sub.add_parser("export", help="export a run to CSV, JSON and Parquet")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--out", default=None, help="output folder (default: showdown-results/RUN_ID)")
    p.add_argument("--formats", nargs="+", metavar="F", help="csv, json, parquet (default: all)")
    options.add_db(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the files and list them."""
    from showdown.store.export import export_run

    store = options.open_store(args, create=False)
    run_id = store.resolve_run(args.run_id)
    formats = options.split(args.formats) or ["csv", "json", "parquet"]
    out = Path(args.out) if args.out else store.path.parent / run_id
    for path in export_run(store, run_id, out, formats):
        print(path)
    return 0
