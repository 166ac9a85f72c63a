"""The report files of a run: self-contained HTML, Markdown, JSON and CSV, everything escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import synthetic_run as S

from showdown.analysis.advisor import load_profile
from showdown.analysis.claims import CLAIM_LIST
from showdown.errors import ConfigError
from showdown.report import bundle, comparison

NOTE = '<script>window.__injected=1</script> & "quotes" | pipes'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(text: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(text)
    return p.tags


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    store, run_id = S.build(root / "db.sqlite", notes=NOTE)
    return store, run_id, bundle.write(store, run_id, root / "out", load_profile("server"))


def test_every_file_is_written(written):
    _, run_id, paths = written
    for key, path in paths.items():
        assert path.is_file() and path.stat().st_size > 0, key
    data = json.loads(paths["json"].read_text())
    assert data["run_id"] == run_id and [c["id"] for c in data["claims"]] == [c.id for c in CLAIM_LIST]
    assert data["advice"]["profile"] == "server" and set(data["rankings"]) == {"research", "server", "mobile", "web"}
    header = paths["csv"].read_text().splitlines()[0]
    assert header.startswith("run_id,cell_key")


def test_html_is_self_contained_and_escaped(written):
    _, run_id, paths = written
    text = paths["html"].read_text()
    tags = _tags(text)
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed", "link", "img")]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", text)
    assert all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    assert "&lt;script&gt;window.__injected=1&lt;/script&gt;" in text
    assert "&lt;b&gt;lowering failed&lt;/b&gt;" in text  # an exporter's message is data, not markup
    figures = [a.get("id") for t, a in tags if t == "figure"]
    assert {"train-throughput", "latency-bs1", "memory", "deploy-latency", "footprint"} <= set(figures)
    assert len(figures) == len(set(figures))
    for anchor in ("claims", "advice", "performance", "deployment", "devx", "manifest", "environment"):
        assert f'id="{anchor}"' in text
    assert run_id in text and "supported" in text and "bad input" in text  # a verbatim devx message


def test_markdown_summary(written):
    _, run_id, paths = written
    md = paths["markdown"].read_text()
    assert md.startswith(f"# showdown run {run_id}")
    rows = [line for line in md.splitlines() if re.match(r"\| C\d+ \|", line)]
    assert len(rows) == len(CLAIM_LIST) and all(line.count(" | ") >= 4 for line in rows)
    assert "\\| pipes" in md and "<script>" not in md


def test_report_folder_that_is_a_file(tmp_path, written):
    store, run_id, _ = written
    f = tmp_path / "taken"
    f.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        bundle.write(store, run_id, f, load_profile("web"))


def test_two_runs_side_by_side(tmp_path):
    store, a = S.build(tmp_path / "db.sqlite")
    store.close()
    store, b = S.build(tmp_path / "db.sqlite", seed=1, scale=2.0)
    path = comparison.write(store, a, b, tmp_path / "cmp")
    text = path.read_text()
    assert path.name == f"compare-{a}-vs-{b}.html"
    assert text.count('class="sig worse"') >= 10  # every timing doubled: significant and worse
    ids = [attrs.get("id") for t, attrs in _tags(text) if t == "figure"]
    assert f"memory-{a}" in ids and f"memory-{b}" in ids


def test_a_users_profile_name_is_escaped(tmp_path):
    from showdown.analysis.advisor import Profile

    store, run_id = S.build(tmp_path / "db.sqlite")
    name = '<img src=x onerror="alert(1)">'
    paths = bundle.write(store, run_id, tmp_path / "out", Profile(name, {"memory": 1.0}, description="<b>mine</b>"))
    text = paths["html"].read_text()
    assert not [t for t, _ in _tags(text) if t == "img"]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text and "&lt;b&gt;mine&lt;/b&gt;" in text
