"""The Markdown summary next to the HTML report: claims, advice, fairness and where the data is."""

from __future__ import annotations

from typing import Any

from showdown.analysis.advisor import Advice, coverage_lines, leader_stability_text
from showdown.analysis.verdict import Verdict, stability_text


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, newlines folded, HTML neutralised)."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def render(data: dict[str, Any], verdicts: list[Verdict], advice: Advice, files: dict[str, str]) -> str:
    """The summary as Markdown text."""
    run, env = data["run"], data["run"]["environment"]
    cpu = env.get("cpu", {})
    fws = ", ".join(f"{k} {v.get('version')}" for k, v in env.get("frameworks", {}).items())
    lines = [f"# showdown run {run['id']}", "",
             f"{run['status']} · suite {run['suite']} · {run['created_at'][:19]} UTC · {cell(cpu.get('model'))} · {cpu.get('logical_cores')} cores · {fws}", ""]
    if run.get("notes"):
        lines += [f"Notes: {cell(run['notes'])}", ""]
    m = run["manifest"]
    lines += [f"Fairness: intra-op threads {m.get('intra_op_threads')}, inter-op {m.get('inter_op_threads')}, {m.get('dtype')}, {m.get('device')}.", ""]
    lines += [f"- differs between frameworks: {cell(f)}" for f in data["manifest_flags"]]
    lines += ["## Claims", "", "| id | claim | verdict | effect | conditions |", "|---|---|---|---|---|"]
    for v in verdicts:
        cond = "; ".join(c for c in (*v.conditions, stability_text(v)) if c) or (f"run: {v.missing}" if v.missing else "")
        lines.append(f"| {v.id} | {cell(v.claim)} | **{v.verdict}** | {cell(v.effect)} | {cell(cond)} |")
    lines += ["", f"## Advice ({cell(advice.profile)})", "", cell(advice.description), ""]
    if advice.missing:
        lines.append(f"No measured dimension to weigh: run `{advice.missing}`.")
    lines += [f"{i}. **{r['framework']}** — score {r['score']:.3f}" for i, r in enumerate(advice.ranking, 1)]
    if stable := leader_stability_text(advice):
        lines += ["", cell(stable)]
    lines += [""] + [f"- {cell(f)}" for f in (*advice.flips, *coverage_lines(advice))]
    if advice.paths:
        lines += ["", "Deployment paths, best first: " + ", ".join(f"{p['path']} ({p['score']:.2f})" for p in advice.paths)]
    sig = [r for r in data["comparisons"] if r["comparison"]["significant"]]
    lines += ["", "## Significant framework ratios", ""] + [f"- {cell(r['group'])} ({r['metric']}, {r['side_a']} vs {r['side_b']}): {cell(r['comparison']['text'])}" for r in sig]
    lines += ["", "## Files", ""] + [f"- `{name}`" for name in files.values()] + [""]
    return "\n".join(lines)
