"""``showdown compare RUN_A RUN_B``: two runs cell by cell, with significance, and the framework
comparisons on which they disagree beyond their intervals."""

from __future__ import annotations

import argparse

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command."""
    p = sub.add_parser("compare", help="compare two runs cell by cell (e.g. two framework versions)")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--out", metavar="DIR", help="also write the two runs side by side as one HTML file into DIR")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the comparison; environment differences come first, as a warning."""
    from showdown.analysis import compare
    from showdown.report import terminal

    store = options.open_store(args, create=False)
    a, b = store.resolve_run(args.run_a), store.resolve_run(args.run_b)
    rows, diffs = compare.runs(store, a, b)
    terminal.show_run_comparison(a, b, rows, diffs, as_json=args.json, disagree=compare.disagreements(store, a, b))
    if args.out:
        from pathlib import Path

        from showdown.report import comparison

        print(f"report: {comparison.write(store, a, b, Path(args.out))}")
    return 0
