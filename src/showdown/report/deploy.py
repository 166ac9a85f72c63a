"""The deployment matrix (workload × path) and the runtime footprint table."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from showdown.report.console import console_for_tables

MB = 2**20


def _cell_text(row: dict[str, Any]) -> str:
    if row.get("skipped"):
        return f"[yellow]skipped[/] {escape(row['skipped'])}"
    if row["status"] != "ok":
        return f"[red]✗ cell {escape(str((row.get('failure') or {}).get('reason')))}[/]"
    if not row.get("exported"):
        first = (row.get("error") or "").strip().splitlines()[:1]
        return f"[red]✗ export: {escape(first[0][:70] if first else row.get('error_type', ''))}[/]"
    if not row.get("ran"):
        return f"[red]✗ runtime: {escape(str(row.get('runtime_failure', {}).get('message', ''))[:70])}[/]"
    lat = row.get("latency", {}).get("bs1", {})
    p50 = f"{lat['p50'] * 1e3:.3g} ms" if lat else "n/a"
    drop = row.get("accuracy_drop")
    acc = f" acc {row['accuracy_after']:.3f}" + (f" (−{drop:.3f})" if drop and drop > 0 else "")
    return f"[green]✓[/] {row['size_bytes'] / MB:.2f} MB · bs1 {p50} · dev {row['max_rel_deviation']:.1e}{acc}"


def show(d: dict[str, Any]) -> None:
    """Print the matrix and the footprints of :func:`showdown.report.data.deploy`."""
    console = console_for_tables()
    workloads = list(dict.fromkeys(r["workload"] for r in d["paths"]))
    table = Table(title="deployment (size on disk · median latency at batch 1 in the target runtime · max deviation from the source, relative to its logit scale · digits test accuracy after export)")
    table.add_column("path")
    for w in workloads:
        table.add_column(w)
    for path in dict.fromkeys(r["path"] for r in d["paths"]):
        cells = {r["workload"]: r for r in d["paths"] if r["path"] == path}
        table.add_row(path, *(_cell_text(cells[w]) if w in cells else "" for w in workloads))
    console.print(table)
    if d["footprint"]:
        ft = Table(title="runtime footprint (fresh interpreter; medians)")
        for col in ("runtime", "installed", "import", "RSS after import", "pulls in"):
            ft.add_column(col)
        for f in d["footprint"]:
            if f["status"] != "ok":
                ft.add_row(f["runtime"], "[red]failed[/]", "", "", escape(str((f.get("failure") or {}).get("message", ""))))
                continue
            ft.add_row(f["runtime"], f"{f['installed_total_bytes'] / MB:,.0f} MB", f"{f['import_median_s']:.2f} s", f"{f['rss_after_import_bytes'] / MB:,.0f} MB", ", ".join(f["pulls_in"]))
        console.print(ft)
