"""Terminal tables (rich)."""

from __future__ import annotations

import statistics
from typing import Any

from rich.console import Console
from rich.table import Table

from showdown.report import data as D
from showdown.report import deploy, devx
from showdown.report.console import console_for_tables


def parity(report: Any) -> None:
    """Print a parity report: one row per workload × check, and a closing verdict."""
    from showdown.scenarios.parity import CHECKS

    console = console_for_tables()
    reference, *others = report.frameworks
    table = Table(title=f"Parity against {reference}: {', '.join(others)} (preset {report.preset}; error relative to each tensor's scale)")
    for col in ("framework", "workload", "check", "max abs err", "max rel err", "tolerance", "worst tensor", "pass"):
        table.add_column(col, justify="right" if "err" in col or col == "tolerance" else "left")
    for r in report.results:
        mark = "[green]✓[/]" if r.passed else f"[red]✗ {', '.join(r.failing_tensors[:3])}[/]"
        table.add_row(r.against, r.workload, r.check, f"{r.max_abs:.2e}", f"{r.max_rel:.2e}", f"{r.tolerance:.0e}", r.worst_tensor, mark)
    console.print(table)
    for name, side in report.sides.items():
        layouts = "; ".join(f"{w}: {layout}" for w, layout in side["layouts"].items() if "NCHW" in layout or "NHWC" in layout)
        console.print(f"[bold]{name}[/] {side['environment']['version']}, threads {side['settings']['intra_op_threads']}, steps {side['step_mode']}, {layouts}")
    for check, (tol, what) in CHECKS.items():
        console.print(f"  {check}: {what} (tolerance {tol:.0e})", style="dim")
    failed = [r for r in report.results if not r.passed]
    if failed:
        console.print(f"[red bold]{len(failed)} of {len(report.results)} checks failed[/]")
    else:
        console.print(f"[green bold]all {len(report.results)} checks passed[/]: {', '.join(report.frameworks)} run the same models")


# --- runs ------------------------------------------------------------------------------------

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress(total: int) -> Iterator[Callable[[Any], None]]:
    """A progress bar on stderr: cell n of N, elapsed, ETA, and the cell that just finished."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, highlight=False)
    columns = (TextColumn("cell"), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("", total=total)

        def advance(p: Any) -> None:
            mark = "[green]ok[/]" if p.status == "ok" else f"[red]{p.status}: {p.message[:80]}[/]"
            bar.update(task, advance=1, total=p.total, description=f"{p.key} {mark}")
            if p.status != "ok":
                console.print(f"[red]✗ {p.key}: {p.message}[/]")

        yield advance


def sparkline(values: list[float]) -> str:
    """Values as a row of block characters, lowest to highest (``▁▄█``); one value, or equal ones, at mid height."""
    bars = "▁▂▃▄▅▆▇█"
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return bars[3] * len(values)
    return "".join(bars[round((v - low) / (high - low) * (len(bars) - 1))] for v in values)


def dump_json(data: Any) -> None:
    """Print :func:`json_text` to stdout."""
    print(D.json_text(data))


def list_runs(runs: list[Any], *, as_json: bool = False) -> None:
    """One row per run."""
    if as_json:
        dump_json([{"id": r.id, "created_at": r.created_at, "status": r.status, "suite": r.suite, "notes": r.notes} for r in runs])
        return
    table = Table(title="showdown runs")
    for col in ("run", "created (UTC)", "status", "suite", "frameworks", "notes"):
        table.add_column(col)
    for r in runs:
        fws = ", ".join(f"{k} {v.get('version')}" for k, v in r.environment.get("frameworks", {}).items())
        table.add_row(r.id, r.created_at[:19], r.status, r.suite, fws, r.notes or "")
    console_for_tables().print(table)


def _fmt(stats: dict[str, Any], unit: str) -> tuple[str, str, str]:
    if unit != "s":
        return f"{stats['median']:.4g}", f"{stats['ci_low']:.4g}–{stats['ci_high']:.4g}", f"{stats['p99']:.4g}"
    scale, suffix = (1.0, " s") if stats["median"] >= 1.0 else (1e3, " ms")
    return (
        f"{stats['median'] * scale:.3g}{suffix}",
        f"{stats['ci_low'] * scale:.3g}–{stats['ci_high'] * scale:.3g}",
        f"{stats['p99'] * scale:.3g}{suffix}",
    )


def show_run(store: Any, run_id: str) -> None:
    """The run's header, environment, manifest flags, cell table, failures and ratios."""
    from rich.markup import escape

    from showdown.runner.sessions import summary_text

    console = console_for_tables()
    data = D.run(store, run_id)
    run = data["run"]
    env = run["environment"]
    cpu = env.get("cpu", {})
    fws = ", ".join(f"{k} {v.get('version')}" for k, v in env.get("frameworks", {}).items())
    console.print(f"[bold]run {run['id']}[/] {run['status']} · suite {run['suite']} · {run['created_at'][:19]} UTC")
    console.print(f"{escape(str(cpu.get('model')))} · {cpu.get('logical_cores')} cores · {env.get('os', {}).get('system', '')} · Python {env.get('python', {}).get('version', '')} · {fws}")
    for warning in D.busy_warnings(data):
        console.print(f"[yellow]⚠ {escape(warning)}[/]")
    if run.get("notes"):
        console.print(f"notes: {escape(run['notes'])}")
    if summary_text(data["sessions"]):
        console.print(escape(summary_text(data["sessions"])) + " (the comparisons pool them: sessions, then rounds)")
    m = run["manifest"]
    console.print(f"fairness: intra-op threads {m.get('intra_op_threads')}, inter-op {m.get('inter_op_threads')}, {m.get('dtype')}, {m.get('device')}, data in memory")
    for flag in data["manifest_flags"]:
        console.print(f"[yellow]⚠ differs between frameworks: {escape(flag)}[/]")
    speed = data["machine_speed"]
    if speed and not speed["drifting"]:
        console.print(f"machine speed: the canary stayed within {speed['spread']:.0%} over the rounds {sparkline(list(speed['by_round'].values()))}")
    table = Table(title="cells (median with 95% bootstrap CI of the median; a side in rounds: the median of its processes' medians, "
                        "their range over the rounds, and p99 of every sample)")
    for col in ("cell", "metric", "median", "95% CI · range", "p99", "n", "note"):
        table.add_column(col, justify="right" if col in ("median", "95% CI · range", "p99", "n") else "left")
    sections = {c["config"]["scenario"] for c in data["cells"]} & {"deploy", "footprint", "devx"}
    for key, group in _by_side(data["cells"]):
        if group[0]["config"]["scenario"] in ("deploy", "footprint", "devx"):
            continue  # shown in their own sections below
        for row in _side_rows(key, group) if key else _cell_rows(group[0]):
            table.add_row(*row)
    if table.row_count:
        console.print(table)
    _failures(console, data["cells"])
    _ratios(console, data["comparisons"], data["break_even"])
    if sections & {"deploy", "footprint"}:
        deploy.show(D.deploy(store, run_id))
    if "devx" in sections:
        devx.show(D.devx(store, run_id))


def _cell_rows(c: dict[str, Any]) -> list[tuple[str, ...]]:
    """Table rows of one cell: its primary metric, then each secondary one it has a summary of."""
    from rich.markup import escape

    from showdown.runner.execute import metrics

    wanted = metrics(c["config"])
    if c["status"] != "ok" or not c["summaries"].get(wanted[0][0]):
        reason = (c["failure"] or {}).get("reason", c["status"])
        return [(c["key"], wanted[0][0], "", "", "", "", f"[red]{escape(str(reason))}[/]")]
    result = c["result"] or {}
    rows = []
    for metric, lower in wanted:
        stats = c["summaries"].get(metric)
        if not stats:
            continue
        median, ci, p99 = _fmt(stats, "s" if lower else "per second")
        note = "[yellow]unstable (CV > 10%)[/]" if stats.get("unstable") else ""
        if not rows:
            sps, compiles = result.get("samples_per_s"), result.get("compiles")
            note += f" {sps:,.0f} samples/s" if sps else ""
            note += f" {compiles} compiles" if compiles is not None else ""
        rows.append((c["key"] if not rows else "", metric, median, ci, p99, str(stats["n"]), note.strip()))
    return rows


def _by_side(cells: list[dict[str, Any]]) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """The cells in order, each side's round cells gathered at its first: ``(side key, its round
    cells)``, or ``(None, [cell])`` for a cell outside rounds."""
    from showdown.runner.schedule import split_key

    out: list[tuple[str | None, list[dict[str, Any]]]] = []
    at: dict[str, int] = {}
    for c in cells:
        side, round_no = split_key(c["key"])
        if round_no is None:
            out.append((None, [c]))
        elif side in at:
            out[at[side]][1].append(c)
        else:
            at[side] = len(out)
            out.append((side, [c]))
    return out


def _side_rows(side: str, members: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Table rows of a side in rounds: per metric, the median and range of its ok processes' medians,
    the largest p99 and how many rounds; the note counts failed rounds."""
    from showdown.runner.execute import metrics

    ok = [c for c in members if c["status"] == "ok"]
    failed = len(members) - len(ok)
    label = f"{side} ({len(members)} rounds)"
    rows = []
    for metric, lower in metrics(members[0]["config"]):
        found = [c["summaries"][metric] for c in ok if c["summaries"].get(metric)]
        if not found:
            continue
        medians = sorted(s["median"] for s in found)
        spread = {"median": statistics.median(medians), "ci_low": medians[0], "ci_high": medians[-1], "p99": max(s["p99"] for s in found)}
        median, span, p99 = _fmt(spread, "s" if lower else "per second")
        cv = statistics.pstdev(medians) / statistics.fmean(medians) if len(medians) > 1 and statistics.fmean(medians) else 0.0
        note = "[yellow]varies between rounds (CV > 10%)[/]" if cv > 0.10 else ""
        if not rows:
            compiles = (ok[0]["result"] or {}).get("compiles")
            note += f" {compiles} compiles" if compiles is not None else ""
            note += f" [red]{failed} failed[/]" if failed else ""
        rows.append((label if not rows else "", metric, median, span, p99, f"{len(found)} proc", note.strip()))
    if not rows:
        from rich.markup import escape

        reason = (members[-1]["failure"] or {}).get("reason") or members[-1]["status"]
        rows.append((label, metrics(members[0]["config"])[0][0], "", "", "", "", f"[red]{escape(str(reason))}[/]"))
    return rows


def _failures(console: Console, cells: list[dict[str, Any]]) -> None:
    from rich.markup import escape

    for c in cells:
        if c["status"] == "failed":
            f = c["failure"] or {}
            console.print(f"[red]✗ {c['key']}[/]: {f.get('reason')} — {escape(str(f.get('message') or ''))}")


def _ratios(console: Console, comparisons: list[dict[str, Any]], break_even: list[dict[str, Any]]) -> None:
    if comparisons:
        table = Table(title="framework comparisons (in rounds: paired process medians, wider of t and bootstrap 95% CI, signed-rank, "
                            "per-round ratios drawn; otherwise: ratio of medians, 95% bootstrap CI, Mann–Whitney)")
        for col in ("cell", "metric", "compared", "verdict"):
            table.add_column(col)
        for r in comparisons:
            text = r["comparison"]["text"]
            if r["comparison"].get("paired"):
                text += f" {sparkline(r['comparison']['paired']['per_round'])}"
            style = "bold" if r["comparison"]["significant"] else "dim"
            table.add_row(r["group"], r["metric"], f"{r['side_a']} vs {r['side_b']}", f"[{style}]{text}[/]")
        console.print(table)
    for b in break_even:
        steps = "never (no steady-state saving)" if b["steps"] is None else f"after {b['steps']:.0f} steps"
        console.print(f"compile {b['cell']}: {b['compile_s']:.2f} s up front; pays for itself {steps}")


def show_run_comparison(a: str, b: str, rows: list[Any], diffs: list[str], *, as_json: bool = False,
                        disagree: dict[str, Any] | None = None) -> None:
    """Two runs, cell by cell; ``disagree`` is :func:`showdown.analysis.compare.disagreements`."""
    from dataclasses import asdict

    from rich.markup import escape

    from showdown.analysis.compare import disagreement_lines

    if as_json:
        dump_json({"run_a": a, "run_b": b, "environment_differences": diffs, "rows": [asdict(r) for r in rows], "disagreements": disagree})
        return
    console = console_for_tables()
    for d in diffs:
        console.print(f"[yellow]⚠ environments differ: {d}[/]")
    headline, *details = disagreement_lines(disagree, a, b, not diffs) if disagree else [""]
    if headline and disagree["disagree"]:
        console.print(f"[bold yellow]⚠ {escape(headline)}[/]")
        for line in details:
            console.print(f"[yellow]  {escape(line)}[/]")
    elif headline:
        console.print(f"[green]{escape(headline)}[/]")
    table = Table(title=f"{a} vs {b}")
    for col in ("cell", "metric", "verdict"):
        table.add_column(col)
    for r in rows:
        style = "bold" if r.comparison["significant"] else "dim"
        table.add_row(r.group, r.metric, f"[{style}]{r.comparison['text']}[/]")
    console.print(table)
    if not rows:
        console.print("no cells in common")
