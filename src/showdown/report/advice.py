"""The advisor's answer in the terminal."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from showdown.analysis.advisor import Advice, coverage_lines, leader_stability_text
from showdown.report.console import console_for_tables
from showdown.report.ticks import duration


def show(advice: Advice) -> None:
    """Ranking, the evidence per dimension, what would flip it, and the paths."""
    console = console_for_tables()
    console.print(f"[bold]profile {escape(advice.profile)}[/]: {escape(advice.description)} (run {advice.run_id})")
    if advice.missing:
        console.print(f"[yellow]no measured dimension to weigh: run {escape(advice.missing)}[/]")
    for i, row in enumerate(advice.ranking, 1):
        console.print(f"  {i}. [bold]{row['framework']}[/] score {row['score']:.3f}")
    if stable := leader_stability_text(advice):
        console.print(f"  {stable}")
    if advice.dimensions:
        frameworks = [r["framework"] for r in advice.ranking]
        table = Table(title="dimensions (1 = best measured; weight from the profile)")
        for col in ("dimension", "weight", *frameworks, "evidence"):
            table.add_column(col, overflow="fold")
        for name, d in advice.dimensions.items():
            ev = "; ".join(f"{escape(e['condition'])}: " + ", ".join(f"{fw} {v:.3g}" for fw, v in e["values"].items()) for e in d["evidence"][:6])
            more = f" (+{len(d['evidence']) - 6} more)" if len(d["evidence"]) > 6 else ""
            table.add_row(name, f"{advice.weights[name]:.2f}", *(f"{d['scores'][fw]:.3f}" for fw in frameworks), f"[{d['unit']}] {ev}{more}")
        console.print(table)
    for line in advice.flips:
        console.print(f"  • {escape(line)}")
    for line in coverage_lines(advice):
        console.print(f"  [dim]{escape(line)}[/]")
    if advice.paths:
        pt = Table(title="deployment paths (verified ones, ranked for this profile)")
        for col in ("path", "score", "bs1 latency", "size", "load"):
            pt.add_column(col)
        for p in advice.paths:
            pt.add_row(p["path"], f"{p['score']:.3f}", duration(p["latency_bs1_s"]), f"{(p['size_bytes'] or 0) / 2**20:.2f} MB", duration(p["load_s"]))
        console.print(pt)

