"""``showdown claims``, ``advise``, ``report`` and ``compare --out`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synthetic_run as S
from test_cli import showdown


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "db.sqlite"
    store, run_id = S.build(path)
    store.close()
    return str(path), run_id


def test_claims_json_and_table(db):
    path, run_id = db
    out = showdown("claims", "--db", path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["run_id"] == run_id and data["scorecard"]["supported"] >= 3
    table = showdown("claims", run_id[:15], "--db", path, "--only", "C1", "C4")
    assert table.returncode == 0 and "C1" in table.stdout and "C10" not in table.stdout
    assert "--scenarios dynamic" in table.stdout


def test_advise(db, tmp_path):
    path, _ = db
    out = showdown("advise", "--profile", "mobile", "--db", path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["profile"] == "mobile" and len(data["ranking"]) == 2 and data["paths"]
    text = showdown("advise", "--profile", "server", "--db", path)
    assert "dimensions" in text.stdout and "flips" in text.stdout


def test_report_writes_and_says_where(db, tmp_path):
    path, run_id = db
    out = showdown("report", run_id, "--db", path, "--out", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr
    html = Path(out.stdout.splitlines()[0].removeprefix("report: "))
    assert html == tmp_path / "r" / "report.html" and html.is_file()


def test_compare_writes_html(tmp_path):
    path = tmp_path / "db.sqlite"
    store, a = S.build(path)
    store.close()
    store, b = S.build(path, seed=2)
    store.close()
    out = showdown("compare", a, b, "--db", str(path), "--out", str(tmp_path / "c"))
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "c" / f"compare-{a}-vs-{b}.html").read_text(encoding="utf-8")
    data = json.loads(showdown("compare", a, b, "--db", str(path), "--json").stdout)
    found = data["disagreements"]
    assert found["compared"] >= 4
    assert all(d["a"]["ci_high"] < d["b"]["ci_low"] or d["b"]["ci_high"] < d["a"]["ci_low"] for d in found["disagree"])  # intervals apart
    headline = "disagree beyond their 95 % intervals" if found["disagree"] else "agree within their 95 % intervals"
    assert f"the two runs {headline}" in " ".join(out.stdout.split()) and f"the two runs {headline}" in page


BAD = [
    (["advise", "--profile", "gaming"], "unknown profile 'gaming': choose from research, server, mobile, web, FILE.toml"),
    (["claims", "--only", "C42"], "unknown claim 'C42': choose from C1, C2, C3, C4, C5, C6, C7, C8, C9, C10"),
    (["report", "nope"], "unknown run 'nope': see 'showdown runs' for the list"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[a[0] for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(db, args, message):
    path, _ = db
    out = showdown(*args, "--db", path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith(f"showdown: error: {message}") and len(out.stderr.strip().splitlines()) == 1
