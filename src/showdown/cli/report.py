"""``showdown report RUN_ID``: one self-contained HTML file with plots, a Markdown summary, and
CSV/JSON of all the data behind them."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    p = sub.add_parser("report", help="write the HTML report, Markdown summary and data of a run", description=__doc__)
    p.add_argument("run_id", metavar="RUN_ID", nargs="?", default="latest", help="run id, a unique prefix of one, or 'latest' (default)")
    p.add_argument("--out", metavar="DIR", help="folder for the report (default: showdown-results/report-RUN_ID next to the database)")
    p.add_argument("--profile", default="research", help="advisor profile shown in the report: research, server, mobile, web or FILE.toml (default: research)")
    options.add_db(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the files and print where the HTML went."""
    from pathlib import Path

    from showdown.analysis.advisor import load_profile
    from showdown.report import bundle

    profile = load_profile(args.profile)
    store = options.open_store(args, create=False)
    run_id = store.resolve_run(args.run_id)
    out = Path(args.out) if args.out else Path(store.path).parent / f"report-{run_id}"
    written = bundle.write(store, run_id, out, profile)
    print(f"report: {written['html'].resolve()}")
    print(f"summary: {written['markdown']}; data: {written['json']}, {written['csv']}")
    return 0
