"""Two runs side by side in one self-contained HTML file: environment differences, claims of
each, every common cell compared (significant changes highlighted), and each plot of the run
report shown for both runs next to each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from showdown.report import figures as FIG
from showdown.report.html import Raw, badge, figure, join, page, section, table, tag

NAV = (("differences", "environment"), ("claims", "claims"), ("cells", "cells"), ("plots", "plots"))


def _figures(view: Any, break_even: list[dict[str, Any]]) -> list[FIG.Figure]:
    return (FIG.throughput(view, "train", "step_time") + FIG.throughput(view, "infer", "latency") + FIG.latency_distributions(view)
            + FIG.accuracy_curves(view) + FIG.memory(view) + FIG.coldstart(view) + FIG.dynamic(view) + FIG.break_even(break_even))


def render(store: Any, run_a: str, run_b: str) -> str:
    """The comparison page."""
    from showdown.analysis import claims, compare
    from showdown.analysis.evidence import RunView

    rows, diffs = compare.runs(store, run_a, run_b)
    va, vb = claims.evaluate(store, run_a), claims.evaluate(store, run_b)
    found = compare.disagreements(store, run_a, run_b)
    agreement = [tag("p", line, class_="warn" if found["disagree"] else "muted") for line in compare.disagreement_lines(found, run_a, run_b, not diffs)]
    env = section("differences", "environment differences, and whether the runs agree",
                  join(tag("p", d, class_="warn") for d in diffs) if diffs else tag("p", "no differences in the recorded environment", class_="muted"),
                  *agreement)
    claim_rows = [(a.id, a.claim, badge(a.verdict), a.effect, badge(b.verdict), b.effect,
                   Raw(tag("strong", "changed", class_="sig")) if a.verdict != b.verdict else "") for a, b in zip(va, vb)]
    claims_html = section("claims", "claims", table(("id", "claim", run_a, "effect", run_b, "effect", ""), claim_rows))
    cell_rows = []
    for r in rows:
        c = r.comparison
        style = None if not c["significant"] else ("better" if c["winner"] == run_b else "worse")
        cell_rows.append((r.group, r.metric, Raw(tag("span", c["text"], class_=f"sig {style}" if style else None)), "" if c.get("p_value") is None else f"{c['p_value']:.3g}"))
    cells = section("cells", "cells in common", tag("p", f"ratios of {run_a} against {run_b}; highlighted: significant (green: {run_b} better, red: {run_b} worse)", class_="muted"),
                    table(("cell", "metric", "comparison", "p"), cell_rows, numeric=(3,)) if cell_rows else tag("p", "no cells in common", class_="muted"))
    fa = {f.id: f for f in _figures(RunView(store, run_a), compare.break_even(store, run_a))}
    fb = {f.id: f for f in _figures(RunView(store, run_b), compare.break_even(store, run_b))}
    pairs = []
    for fid in dict.fromkeys([*fa, *fb]):
        pairs.append(tag("div", join([_side(run_a, fa.get(fid)), _side(run_b, fb.get(fid))]), class_="cards"))
    plots = section("plots", "plots, side by side", join(pairs) if pairs else tag("p", "no plots", class_="muted"))
    return page(f"showdown compare {run_a} vs {run_b}", NAV, [tag("h1", f"{run_a} vs {run_b}"), env, claims_html, cells, plots])


def _side(run_id: str, fig: FIG.Figure | None) -> Raw:
    if fig is None:
        return tag("div", f"{run_id}: not measured", class_="card muted")
    return tag("div", join([tag("div", run_id, class_="muted"), figure(FIG.Figure(f"{fig.id}-{run_id}", fig.title, fig.caption, fig.svg))]))


def write(store: Any, run_a: str, run_b: str, out_dir: Path) -> Path:
    """Write ``compare-A-vs-B.html`` into ``out_dir`` (created) and return its path."""
    from showdown.report.bundle import atomic_text, ensure_folder

    folder = ensure_folder(Path(out_dir))
    path = folder / f"compare-{run_a}-vs-{run_b}.html"
    atomic_text(path, render(store, run_a, run_b))
    return path
