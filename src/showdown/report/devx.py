"""Developer-experience tables: each mistake's behaviour per framework and mode, with the verbatim
message, the scores and their formula, debuggability, and code size."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from showdown.report.console import console_for_tables


def _mark(flag: bool) -> str:
    return "[green]✓[/]" if flag else "[red]✗[/]"


def show(d: dict[str, Any], *, width: int = 100) -> None:
    """Print the battery table, scores, debuggability and code size of :func:`showdown.report.data.devx`."""
    console = console_for_tables()
    table = Table(title="mistakes: what the user sees (✓ message names the shapes/dtypes/values · ✓ traceback points at the faulty line)")
    for col in ("mistake", "framework · mode", "behaviour", "names", "points", "message (verbatim, first line)"):
        table.add_column(col)
    for name, entry in d["frameworks"].items():
        for o in entry.get("observations", []):
            behaviour = o["status"] + (f" at {o['stage']}" if o.get("stage") else "")
            style = {"raised": "", "silent": "[red]", "ok": "[green]", "skipped": "[dim]"}[o["status"]]
            table.add_row(
                o["mistake"], f"{name} · {o['mode']}", f"{style}{behaviour}[/]" if style else behaviour,
                _mark(o["names_evidence"]) if o["status"] == "raised" else "", _mark(o["points_at_fault"]) if o["status"] == "raised" else "",
                escape(_telling_line(o)[:width]),
            )
    console.print(table)
    for name, entry in d["frameworks"].items():
        if entry["status"] != "ok":
            console.print(f"[red]{name}: devx cell failed: {escape(str((entry['failure'] or {}).get('message')))}[/]")
            continue
        for group in entry["score"]["groups"].values():
            console.print(f"[bold]{name} {group['mode']}[/] score {group['points']:g}/{group['max']:g} = {group['fraction']:.3f} ({group['counts']})")
    console.print(f"[dim]{d['formula']}[/]")
    _code_size(console, d)


def _telling_line(obs: dict[str, Any]) -> str:
    """The message line a reader needs: the first naming the evidence found, else the first line."""
    lines = [line.strip() for line in (obs.get("message") or "").splitlines() if line.strip()]
    for token in obs.get("evidence_found") or ():
        for line in lines:
            if token in line:  # a long line is shown from a little before the evidence
                return ("…" if line.index(token) > 40 else "") + line[max(0, line.index(token) - 40) :]
    return lines[0] if lines else ""


def _code_size(console: Any, d: dict[str, Any]) -> None:
    names = [n for n, e in d["frameworks"].items() if e["status"] == "ok"]
    if not names:
        return
    table = Table(title="code size of the same model + training step, as written in each framework (from the source)")
    table.add_column("workload")
    for n in names:
        table.add_column(f"{n} logical lines / tokens")
    workloads = list(d["frameworks"][names[0]]["code_size"])
    for w in workloads:
        table.add_row(w, *(f"{d['frameworks'][n]['code_size'][w]['logical_lines']} / {d['frameworks'][n]['code_size'][w]['tokens']}" for n in names))
    console.print(table)
