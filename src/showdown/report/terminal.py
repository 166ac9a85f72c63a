"""Terminal tables (rich)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table


def _console() -> Console:
    # a pipe or a log file gets a wide table rather than rich's 80-column fallback
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def parity(report: Any) -> None:
    """Print a parity report: one row per workload × check, and a closing verdict."""
    from showdown.scenarios.parity import CHECKS

    console = _console()
    a, b = report.frameworks
    table = Table(title=f"Parity {a} vs {b} (preset {report.preset}; error relative to each tensor's scale)")
    for col in ("workload", "check", "max abs err", "max rel err", "tolerance", "worst tensor", "pass"):
        table.add_column(col, justify="right" if "err" in col or col == "tolerance" else "left")
    for r in report.results:
        mark = "[green]✓[/]" if r.passed else f"[red]✗ {', '.join(r.failing_tensors[:3])}[/]"
        table.add_row(r.workload, r.check, f"{r.max_abs:.2e}", f"{r.max_rel:.2e}", f"{r.tolerance:.0e}", r.worst_tensor, mark)
    console.print(table)
    for name, side in report.sides.items():
        layouts = "; ".join(f"{w}: {layout}" for w, layout in side["layouts"].items() if "NCHW" in layout or "NHWC" in layout)
        console.print(f"[bold]{name}[/] {side['environment']['version']}, threads {side['settings']['intra_op_threads']}, {layouts}")
    for check, (tol, what) in CHECKS.items():
        console.print(f"  {check}: {what} (tolerance {tol:.0e})", style="dim")
    failed = [r for r in report.results if not r.passed]
    if failed:
        console.print(f"[red bold]{len(failed)} of {len(report.results)} checks failed[/]")
    else:
        console.print(f"[green bold]all {len(report.results)} checks passed[/]: both frameworks run the same models")
