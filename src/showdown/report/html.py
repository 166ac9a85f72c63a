"""The self-contained HTML report: one file, inline CSS and SVG, no script, no network.

Every string that reaches the page goes through :func:`esc` (run notes, workload names, error
messages are user- or framework-controlled); markup built here is wrapped in :class:`Raw`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from showdown.report.figures import Figure

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1360px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0;background:#fff;font-size:13px;width:100%}
th,td{border:1px solid #e1e1e1;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666} .warn{color:#8a5a00;background:#fff6e0;padding:6px 10px;border-left:3px solid #e0a000;margin:6px 0}
.v-supported{background:#e3f5e6;color:#17692b} .v-refuted{background:#fbe4e4;color:#9b1c1c}
.v-inconclusive{background:#fff4d6;color:#7a5a00} .v-no-data{background:#eee;color:#555}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;white-space:nowrap}
.sig{font-weight:600;background:#fff3c4} .better{color:#17692b} .worse{color:#9b1c1c}
figure.plot{display:inline-block;margin:8px 12px 8px 0;background:#fff;border:1px solid #e1e1e1;padding:6px;vertical-align:top}
figure.plot figcaption{max-width:640px;font-size:12px;color:#555}
pre{white-space:pre-wrap;word-break:break-word;background:#f5f5f7;padding:6px;margin:4px 0;font-size:12px;max-height:16em;overflow:auto}
details>summary{cursor:pointer} nav a{margin-right:10px}
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e1e1e1;padding:8px 12px;border-radius:6px}
"""


class Raw(str):
    """Markup built by this module: inserted as is."""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attributes (Raw passes through)."""
    if isinstance(value, Raw):
        return value
    return html.escape("" if value is None else str(value), quote=True)


def tag(name: str, body: Any = "", **attrs: Any) -> Raw:
    """``<name attrs>body</name>``; ``class_`` becomes ``class``; the body is escaped unless Raw."""
    attributes = "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return Raw(f"<{name}{attributes}>{esc(body)}</{name}>")


def join(parts: Iterable[Any]) -> Raw:
    """Concatenate escaped parts."""
    return Raw("".join(esc(p) for p in parts))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = (), class_: str | None = None) -> Raw:
    """A table; cells are escaped unless Raw; columns listed in ``numeric`` are right-aligned."""
    head = tag("tr", join(tag("th", h) for h in headers))
    body = [tag("tr", join(tag("td", v, class_="num" if i in numeric else None) for i, v in enumerate(r))) for r in rows]
    return tag("table", join([tag("thead", head), tag("tbody", join(body))]), class_=class_)


def badge(verdict: str) -> Raw:
    """A coloured verdict label."""
    return tag("span", verdict, class_=f"badge v-{verdict.replace(' ', '-')}")


def figure(f: Figure) -> Raw:
    """A plot with its caption; the SVG comes from :mod:`showdown.report.svg` (escaped there)."""
    return tag("figure", join([Raw(f.svg), tag("figcaption", f.caption)]), class_="plot", id=f.id)


def figures(figs: Sequence[Figure], empty: str) -> Raw:
    """Plots, or a line saying what would produce them."""
    return join(figure(f) for f in figs) if figs else tag("p", empty, class_="muted")


def section(anchor: str, title: str, *body: Any) -> Raw:
    """A titled section with an anchor for the navigation bar."""
    return tag("section", join([tag("h2", title), *body]), id=anchor)


def kv_table(data: dict[str, Any]) -> Raw:
    """A two-column table of a (flattened) dict; nested values are shown as compact JSON."""
    rows = []
    for key, value in data.items():
        text = value if isinstance(value, (str, int, float)) or value is None else json.dumps(value, default=str, sort_keys=True)
        rows.append((key, text))
    return table(("key", "value"), rows)


def page(title: str, nav: Sequence[tuple[str, str]], body: Sequence[Any]) -> str:
    """The whole document."""
    links = tag("nav", join(tag("a", label, href=f"#{anchor}") for anchor, label in nav))
    head = join([Raw('<meta charset="utf-8">'), Raw('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                 tag("title", title), tag("style", Raw(CSS))])
    return "<!DOCTYPE html>\n" + tag("html", join([tag("head", head), tag("body", tag("main", join([links, *body])))]), lang="en")
