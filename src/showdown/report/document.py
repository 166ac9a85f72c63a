"""The sections of a run's HTML report, from the data :mod:`showdown.report.bundle` gathers."""

from __future__ import annotations

from typing import Any

from showdown.analysis.advisor import Advice, coverage_lines, leader_stability_text
from showdown.analysis.verdict import Verdict, stability_text
from showdown.report import figures as FIG
from showdown.report.data import busy_warnings
from showdown.report.ticks import duration
from showdown.report.html import (
    Raw,
    badge,
    esc,
    figures,
    join,
    kv_table,
    page,
    section,
    table,
    tag,
)
from showdown.runner.sessions import summary_text

MB = 2**20
NAV = (("claims", "claims"), ("advice", "advice"), ("performance", "performance"), ("comparisons", "ratios"),
       ("deployment", "deployment"), ("devx", "developer experience"), ("manifest", "fairness manifest"), ("environment", "environment"), ("data", "data"))


def render(data: dict[str, Any], view: Any, verdicts: list[Verdict], advice: Advice, rankings: dict[str, list[dict[str, Any]]], files: dict[str, str]) -> str:
    """The whole report page of one run."""
    run = data["run"]
    body = [
        header(data, verdicts, advice),
        claims_section(verdicts),
        advice_section(advice, rankings),
        performance_section(view, data),
        comparisons_section(data["comparisons"]),
        deployment_section(data["deploy"]),
        devx_section(data["devx"]),
        section("manifest", "fairness manifest", kv_table(run["manifest"]), *(tag("p", f"differs between frameworks: {f}", class_="warn") for f in data["manifest_flags"])),
        section("environment", "environment", kv_table(run["environment"]), tag("h3", "plan"), kv_table(run["plan"])),
        section("data", "data behind this report", tag("ul", join(tag("li", tag("a", name, href=name)) for name in files.values()))),
    ]
    return page(f"showdown report {run['id']}", NAV, body)


def header(data: dict[str, Any], verdicts: list[Verdict], advice: Advice) -> Raw:
    """Title, machine, notes, warnings and the headline cards."""
    run, env = data["run"], data["run"]["environment"]
    cpu = env.get("cpu", {})
    fws = ", ".join(f"{k} {v.get('version')}" for k, v in env.get("frameworks", {}).items())
    counts = {v: sum(x.verdict == v for x in verdicts) for v in ("supported", "refuted", "inconclusive", "no data")}
    top = advice.ranking[0]["framework"] if advice.ranking else "not enough data"
    cards = tag("div", join([
        tag("div", join([tag("strong", "claims: "), *(join([badge(k), f" {n}  "]) for k, n in counts.items() if n)]), class_="card"),
        tag("div", join([tag("strong", f"advice for {advice.profile}: "), top]), class_="card"),
        tag("div", f"{sum(c['status'] == 'ok' for c in data['cells'])} of {len(data['cells'])} cells ok", class_="card"),
    ]), class_="cards")
    parts = [tag("h1", f"showdown run {run['id']}"),
             tag("p", f"{run['status']} · suite {run['suite']} · {run['created_at'][:19]} UTC · {cpu.get('model')} · {cpu.get('logical_cores')} cores · {fws}", class_="muted")]
    if run.get("notes"):
        parts.append(tag("p", join([tag("strong", "notes: "), run["notes"]]), class_="notes"))
    if summary_text(data.get("sessions") or []):
        parts.append(tag("p", summary_text(data["sessions"]) + " (the comparisons pool them: sessions, then rounds)", class_="muted"))
    parts += [tag("p", warning, class_="warn") for warning in busy_warnings(data)]
    return tag("header", join([*parts, cards]))


def claims_section(verdicts: list[Verdict]) -> Raw:
    """The scorecard: one row per claim, the findings behind each in a fold."""
    rows = []
    for v in verdicts:
        detail = join([tag("p", f"method: {v.method}", class_="muted") if v.method else "",
                       table(("condition", "effect (claim direction > 1)", "95% CI", "outcome", "statistics"),
                             [(f.condition, _num(f.ratio), _ci(f.ci_low, f.ci_high), f.outcome, f.detail) for f in v.findings], numeric=(1,)) if v.findings else "",
                       *(tag("p", n, class_="muted") for n in v.notes)])
        extra = tag("p", f"to measure it: {v.missing}", class_="muted") if v.missing else ""
        rows.append((tag("strong", v.id), v.claim, badge(v.verdict), v.effect,
                     join([join(tag("div", c) for c in (*v.conditions, stability_text(v)) if c), extra, tag("details", join([tag("summary", "evidence"), detail])) if v.findings else ""])))
    return section("claims", "claims scorecard", tag("p", "Each claim is tested on this run's measurements. supported: holds in every decisive condition; refuted: holds in none; "
                                                       "mixed results follow the majority and say where the claim holds. Ratios > 1 point the claim's way.", class_="muted"),
                   table(("id", "claim", "verdict", "effect", "conditions and evidence"), rows))


def advice_section(advice: Advice, rankings: dict[str, list[dict[str, Any]]]) -> Raw:
    """The advisor for the chosen profile, and the ranking under every built-in profile."""
    parts: list[Any] = [tag("p", f"profile {advice.profile}: {advice.description}")]
    if advice.missing:
        parts.append(tag("p", f"no measured dimension to weigh: run {advice.missing}", class_="warn"))
    parts.append(tag("ol", join(tag("li", join([tag("strong", r["framework"]), f" score {r['score']:.3f}"])) for r in advice.ranking)))
    if stable := leader_stability_text(advice):
        parts.append(tag("p", stable, class_="muted"))
    fws = [r["framework"] for r in advice.ranking]
    rows = []
    for name, d in advice.dimensions.items():
        ev = "; ".join(f"{e['condition']}: " + ", ".join(f"{fw} {v:.3g}" for fw, v in e["values"].items()) for e in d["evidence"])
        rows.append((name, f"{advice.weights[name]:.2f}", *(f"{d['scores'][fw]:.3f}" for fw in fws), f"[{d['unit']}] {ev}"))
    if rows:
        parts.append(table(("dimension", "weight", *fws, "evidence (1 = best measured)"), rows, numeric=tuple(range(1, 2 + len(fws)))))
    parts += [tag("p", f, class_="muted") for f in advice.flips]
    parts += [tag("p", line, class_="muted") for line in coverage_lines(advice)]
    if advice.paths:
        parts.append(tag("h3", "deployment paths for this profile"))
        parts.append(table(("path", "score", "bs1 latency", "size", "load"), [(p["path"], f"{p['score']:.3f}", duration(p["latency_bs1_s"]), f"{(p['size_bytes'] or 0) / MB:.2f} MB", duration(p["load_s"])) for p in advice.paths], numeric=(1, 2, 3, 4)))
    parts.append(tag("h3", "every built-in profile"))
    parts.append(table(("profile", "ranking"), [(name, ", ".join(f"{r['framework']} {r['score']:.3f}" for r in ranking) or "no data") for name, ranking in rankings.items()]))
    return section("advice", "advice", *parts)


def performance_section(view: Any, data: dict[str, Any]) -> Raw:
    """Every performance plot the run has data for."""
    groups = (
        ("training throughput against batch size", FIG.throughput(view, "train", "step_time"), "showdown run --scenarios train"),
        ("inference throughput against batch size", FIG.throughput(view, "infer", "latency"), "showdown run --scenarios infer"),
        ("inference latency distributions", FIG.latency_distributions(view), "showdown run --scenarios infer"),
        ("time to accuracy", FIG.accuracy_curves(view), "showdown run --scenarios accuracy"),
        ("memory", FIG.memory(view), "showdown run --scenarios train infer"),
        ("cold start", FIG.coldstart(view), "showdown run --scenarios coldstart"),
        ("varying input shapes", FIG.dynamic(view), "showdown run --scenarios dynamic"),
        ("compile break-even", FIG.break_even(data["break_even"]), "showdown run --modes eager compiled function xla"),
    )
    body = []
    for title, figs, command in groups:
        body += [tag("h3", title), figures(figs, f"not measured in this run ({command})")]
    return section("performance", "performance", *body)


def comparisons_section(rows: list[dict[str, Any]]) -> Raw:
    """Framework-vs-framework ratios, significant ones highlighted."""
    body = [(r["group"], r["metric"], f"{r['side_a']} vs {r['side_b']}", Raw(tag("span", r["comparison"]["text"], class_="sig" if r["comparison"]["significant"] else None)),
             _num(r["comparison"].get("p_value"))) for r in rows]
    return section("comparisons", "framework ratios", tag("p", "sides measured in rounds: paired process medians, the wider of the t and round-bootstrap 95% CI, signed-rank p; "
                   "otherwise: median ratios with 95% bootstrap CI, Mann–Whitney p; highlighted: significant", class_="muted"),
                   table(("condition", "metric", "sides", "comparison", "p"), body, numeric=(4,)))


def deployment_section(deploy: dict[str, Any]) -> Raw:
    """The path × workload matrix, its plots and the runtime footprints."""
    from showdown.analysis.deploy_claims import status

    rows = deploy["paths"]
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    matrix = []
    for path in dict.fromkeys(r["path"] for r in rows):
        by = {r["workload"]: r for r in rows if r["path"] == path}
        matrix.append((path, *(_deploy_cell(by[w], status) if w in by else "" for w in workloads)))
    parts = [table(("path", *workloads), matrix) if rows else tag("p", "no deployment cells in this run (showdown deploy)", class_="muted"),
             figures(FIG.deployment(rows) + FIG.footprint(deploy["footprint"]), "no deployment measurements to plot")]
    if deploy["footprint"]:
        parts.append(table(("runtime", "installed", "import (median)", "RSS after import", "pulls in"),
                           [(f["runtime"], f"{(f.get('installed_total_bytes') or 0) / MB:,.0f} MB", _s(f.get("import_median_s")), f"{(f.get('rss_after_import_bytes') or 0) / MB:,.0f} MB", ", ".join(f.get("pulls_in", []))) for f in deploy["footprint"]]))
    return section("deployment", "deployment", *parts)


def _deploy_cell(row: dict[str, Any], status: Any) -> Raw:
    class _Cell:  # status() reads a cell record; rows are flattened results
        def __init__(self, r: dict[str, Any]) -> None:
            self.status, self.result = r["status"], r

    s = status(_Cell(row))
    if s != "verified":
        why = row.get("error") or (row.get("runtime_failure") or {}).get("message") or (row.get("failure") or {}).get("message") or ""
        return join([tag("span", s, class_="worse"), tag("pre", str(why)[:600]) if why else ""])
    lat = row["latency"].get("bs1", {})
    return join([tag("span", "verified", class_="better"),
                 f" · {row['size_bytes'] / MB:.2f} MB · bs1 {duration(lat.get('p50'))} · deviation {row['max_rel_deviation']:.1e} · accuracy {row['accuracy_after']:.3f}"])


def devx_section(devx: dict[str, Any]) -> Raw:
    """Scores per framework and mode, and every mistake with its verbatim message."""
    if not devx["observations"]:
        return section("devx", "developer experience", tag("p", "no developer-experience cells in this run (showdown run --scenarios devx, or showdown devx)", class_="muted"))
    scores = table(("framework/mode", "points", "max", "score", "raised", "silent", "ok"),
                   [(k, f"{g['points']:g}", f"{g['max']:g}", _num(g["fraction"]), g["counts"]["raised"], g["counts"]["silent"], g["counts"]["ok"]) for k, g in devx["groups"].items()], numeric=(1, 2, 3))
    rows = []
    for o in devx["observations"]:
        msg = o.get("message") or ""
        message = join([tag("code", f"{o.get('exception') or ''}"), tag("pre", msg) if msg else tag("span", "(no error)", class_="muted")])
        rows.append((o["mistake"], f"{o['framework']} {o['mode']}", o["status"], o.get("stage") or "", "yes" if o.get("names_evidence") else "no",
                     "yes" if o.get("points_at_fault") else "no", message))
    return section("devx", "developer experience", tag("p", devx["formula"], class_="muted"), scores,
                   tag("h3", "every mistake, with the verbatim message"),
                   table(("mistake", "framework/mode", "status", "stage", "names evidence", "points at the line", "message"), rows))


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}"


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{low:.3g}–{high:.3g}"



def _s(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


__all__ = ["esc", "render"]
