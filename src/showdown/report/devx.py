"""Developer-experience tables: each mistake's behaviour per framework and mode, with the verbatim
message, the scores and their formula, debuggability, and code size."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from showdown.report.terminal import _console


def data(store: Any, run_id: str) -> dict[str, Any]:
    """Every devx cell of a run: observations, scores (recomputed from them), debug, code size."""
    from showdown.devx.probe import FORMULA, score

    out: dict[str, Any] = {"run_id": run_id, "formula": FORMULA, "frameworks": {}}
    for c in store.cells(run_id):
        if c.config["scenario"] != "devx":
            continue
        r = c.result or {}
        entry = {"status": c.status, "failure": c.failure}
        if c.status == "ok":
            entry.update(observations=r["observations"], score=score(r["observations"]), debug=r["debug"], code_size=r["code_size"])
        out["frameworks"][c.config["framework"]] = entry
    return out


def _mark(flag: bool) -> str:
    return "[green]✓[/]" if flag else "[red]✗[/]"


def show(store: Any, run_id: str, *, width: int = 100) -> None:
    """Print the battery table, scores, debuggability and code size."""
    console = _console()
    d = data(store, run_id)
    table = Table(title="mistakes: what the user sees (✓ message names the shapes/dtypes/values · ✓ traceback points at the faulty line)")
    for col in ("mistake", "framework · mode", "behaviour", "names", "points", "message (verbatim, first line)"):
        table.add_column(col)
    for name, entry in d["frameworks"].items():
        for o in entry.get("observations", []):
            behaviour = o["status"] + (f" at {o['stage']}" if o.get("stage") else "")
            style = {"raised": "", "silent": "[red]", "ok": "[green]", "skipped": "[dim]"}[o["status"]]
            first = (o.get("message") or "").strip().splitlines()[:1]
            table.add_row(
                o["mistake"], f"{name} · {o['mode']}", f"{style}{behaviour}[/]" if style else behaviour,
                _mark(o["names_evidence"]) if o["status"] == "raised" else "", _mark(o["points_at_fault"]) if o["status"] == "raised" else "",
                escape(first[0][:width]) if first else "",
            )
    console.print(table)
    for name, entry in d["frameworks"].items():
        if entry["status"] != "ok":
            console.print(f"[red]{name}: devx cell failed: {escape(str((entry['failure'] or {}).get('message')))}[/]")
            continue
        groups = entry["score"].get("groups", entry["score"])
        console.print(f"[bold]{name}[/] score: {escape(str(_scores(groups)))}")
    console.print(f"[dim]{d['formula']}[/]")
    _code_size(console, d)


def _scores(groups: Any) -> str:
    if isinstance(groups, dict):
        return ", ".join(f"{k}: {v.get('score', v) if isinstance(v, dict) else v:.2f}" if isinstance(v, (int, float)) or (isinstance(v, dict) and isinstance(v.get("score"), (int, float))) else f"{k}: {v}" for k, v in groups.items())
    return str(groups)


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
