"""The claims scorecard in the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from showdown.analysis.verdict import Verdict, stability_text
from showdown.report.console import console_for_tables

STYLE = {"supported": "green", "refuted": "red", "inconclusive": "yellow", "no data": "dim"}


def show(run_id: str, verdicts: Sequence[Verdict]) -> None:
    """One row per claim: verdict, effect, conditions; then what would fill the gaps."""
    console = console_for_tables()
    table = Table(title=f"claims, judged by run {run_id}", show_lines=True)
    for col in ("claim", "verdict", "effect", "conditions"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        style = STYLE.get(v.verdict, "")
        conditions = "\n".join(escape(c) for c in (*v.conditions, stability_text(v)) if c) or ("" if v.missing is None else f"run: {escape(v.missing)}")
        table.add_row(f"{v.id} {escape(v.claim)}", f"[{style}]{v.verdict}[/]", escape(v.effect), conditions)
    console.print(table)
    for v in verdicts:
        if v.notes:
            console.print(f"[bold]{v.id}[/] " + "\n   ".join(escape(n) for n in v.notes))
