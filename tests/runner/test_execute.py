"""The engine end to end: real child processes, a real SQLite file, a real kill and resume."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.store import Store

pytestmark = pytest.mark.skipif("torch" not in __import__("contenders").INSTALLED, reason="needs torch")

# cheap cells: torch only, tiny models, short budgets
ARGS = ["--frameworks", "torch", "--workloads", "mlp", "lstm", "--scenarios", "train", "infer", "--rounds", "0", "--preset", "tiny", "--cell-budget", "0.3", "--threads", "1"]


def showdown(*args: str, db: Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showdown", *args, "--db", str(db)], capture_output=True, text=True, timeout=600, **kw)


def _cells(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as con:
        return con.execute("select key, status from cells order by key").fetchall()


def _cells_so_far(db: Path) -> list[tuple[str, str]]:
    """The cells of a run still starting: none while its database file is there but its schema is not yet."""
    if not db.exists():
        return []
    try:
        return _cells(db)
    except sqlite3.OperationalError:  # "no such table: cells": the file is created before the schema
        return []


def test_run_stores_every_cell_with_samples_and_summaries(tmp_path):
    db = tmp_path / "r.sqlite"
    result = showdown("run", *ARGS, "--json", db=db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = {c["key"] for c in data["cells"]}
    assert keys == {k for k, _ in P.suite("quick", frameworks=("torch",), workloads=("mlp", "lstm"), scenarios=("train", "infer"), rounds=0, preset="tiny", threads=1).cells()}
    assert all(c["status"] == "ok" for c in data["cells"])
    train = next(c for c in data["cells"] if c["key"] == "train/torch/mlp/tiny/eager/bs32")
    s = train["summaries"]["step_time"]
    assert s["n"] >= 10 and s["ci_low"] <= s["median"] <= s["ci_high"]
    assert train["result"]["peak_rss_above_baseline"] > 0 and train["result"]["settings"]["intra_op_threads"] == 1
    contention = train["result"]["contention"]
    assert contention["wall_s"] > 0 and contention["other_cpu_s"] is not None and contention["other_cpu_s"] >= 0
    assert data["run"]["environment"]["frameworks"]["torch"]["version"]
    assert data["run"]["status"] == "complete"


def test_sigkill_then_resume_gives_each_cell_exactly_once(tmp_path):
    db = tmp_path / "k.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "showdown", "run", *ARGS, "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if sum(s == "ok" for _, s in _cells_so_far(db)) >= 2:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _cells(db)
    assert 2 <= sum(s == "ok" for _, s in before) < len(before), before
    with Store.open(db) as store:
        run_id = store.list_runs()[0].id
    result = showdown("run", "--resume", run_id[:8], db=db)
    assert result.returncode == 0, result.stderr
    after = _cells(db)
    assert [k for k, _ in after] == [k for k, _ in before]  # same cells, none added twice
    assert all(s == "ok" for _, s in after)
    with Store.open(db) as store:
        for cell in store.cells(run_id):
            rows = store.samples(cell.id)
            seen = [(r.metric, r.phase, r.idx) for r in rows]
            assert len(seen) == len(set(seen))
            assert len([r for r in rows if r.phase == "first"]) == 1  # one attempt's data only
        assert store.get_run(run_id).status == "complete"


def test_ctrl_c_says_what_is_saved_and_how_to_resume(tmp_path):
    db = tmp_path / "c.sqlite"
    # a Ctrl-C at a terminal: SIGINT handled as Python does by default, even where this test runs in
    # the background (which passes SIGINT on ignored)
    proc = subprocess.Popen([sys.executable, "-m", "showdown", "run", *ARGS, "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any(s == "ok" for _, s in _cells_so_far(db)):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "cells are saved in" in err and "showdown run --resume" in err
    with Store.open(db) as store:
        assert store.list_runs()[0].status == "interrupted"


def test_a_failing_cell_is_recorded_and_the_run_goes_on(tmp_path):
    store = Store.open(tmp_path / "f.sqlite")
    plan = P.suite("quick", frameworks=("torch",), workloads=("mlp",), scenarios=("infer",), rounds=0, preset="tiny", threads=1, budget_s=0.2, memory_mb=60)
    run_id = X.start(store, plan, [])
    assert X.execute(store, run_id, plan) == "failed"
    cells = store.cells(run_id)
    assert len(cells) == 2 and all(c.status == "failed" for c in cells)
    assert cells[0].failure["reason"] == "oom" and "60" in cells[0].failure["message"]


def test_runs_show_compare_export(tmp_path):
    db = tmp_path / "s.sqlite"
    few = ["--frameworks", "torch", "--workloads", "mlp", "--scenarios", "infer", "--rounds", "0", "--preset", "tiny", "--cell-budget", "0.3", "--threads", "1"]
    for note in ("first", "<b>second</b>"):
        assert showdown("run", *few, "--notes", note, db=db).returncode == 0
    listing = showdown("runs", db=db)
    assert listing.returncode == 0 and "<b>second</b>" in listing.stdout
    shown = showdown("show", "latest", db=db)
    assert shown.returncode == 0 and "infer/torch/mlp/tiny/eager/bs1" in shown.stdout
    with Store.open(db) as store:
        a, b = (r.id for r in reversed(store.list_runs()))
    cmp = showdown("compare", a, b, "--json", db=db)
    assert cmp.returncode == 0, cmp.stderr
    rows = json.loads(cmp.stdout)["rows"]
    assert {r["group"] for r in rows} == {"infer/torch/mlp/tiny/eager/bs1", "infer/torch/mlp/tiny/eager/bs32"}
    out = tmp_path / "export"
    exp = subprocess.run([sys.executable, "-m", "showdown", "export", a, "--db", str(db), "--out", str(out)], capture_output=True, text=True)
    assert exp.returncode == 0, exp.stderr
    assert {Path(p).name for p in exp.stdout.split()} >= {"samples.csv", "run.json", "samples.parquet"}


BAD = [
    (["run", "--batch-sizes", "0"], "batch size must be a positive integer, got 0"),
    (["run", "--batch-sizes", "abc"], "batch size must be a positive integer, got 'abc'"),
    (["run", "--frameworks", "torch", "--modes", "xla"], "unknown mode 'xla': choose from compiled, eager"),
    (["run", "--suite", "medium"], "unknown suite 'medium': choose from quick, full"),
    (["run", "--scenarios", "fly"], "unknown scenario 'fly': choose from train, infer, serve, dynamic, accuracy, coldstart, deploy, footprint, devx"),
    (["run", "--budget", "soon"], "time budget must be a duration like 90s, 10m or 1h, got 'soon'"),
    (["run", "--cell-budget", "soon"], "cell budget must be a number of seconds, got 'soon'"),
    (["run", "--rounds", "0", "--budget", "10m"], "a time budget (600 s) bounds the rounds: add --rounds N (N >= 4)"),
    (["run", "--rounds", "2"], "rounds must be 0 (no rounds) or at least 4, got 2"),
    (["run", "--rounds", "4", "--budget", "5s", "--scenarios", "train"], "time budget 5 s cannot fit the cells outside rounds and one round: the smallest that does is about 10s (estimated from defaults)"),
    (["run", "--append", "x", "--workloads", "cnn"], "--workloads cannot be given with --append, which adds rounds to the run as it was planned: "
                                                     "with --append choose from --rounds, --budget, --notes"),
    (["run", "--append", "x", "--resume", "x"], "--resume cannot be given with --append, which adds rounds to the run as it was planned: "
                                                "with --append choose from --rounds, --budget, --notes"),
    (["run", "--append", "x", "--rounds", "0"], "--rounds 0 with --append adds no rounds: give at least 4, or leave it out for the run's own"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_run_options(tmp_path, args, message):
    result = showdown(*args, db=tmp_path / "b.sqlite")
    assert result.returncode == 2
    assert result.stderr.strip() == f"showdown: error: {message}"
    assert not (tmp_path / "b.sqlite").exists()


def test_bad_databases_are_refused_and_left_alone(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    result = showdown("runs", db=text)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "notes.txt" in result.stderr
    assert text.read_text() == "not a database\n"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = showdown("run", *ARGS, db=blocker / "sub" / "db.sqlite")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_resume_of_an_unknown_run(tmp_path):
    db = tmp_path / "u.sqlite"
    Store.open(db).close()
    result = showdown("run", "--resume", "nope", db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("showdown: error: unknown run 'nope'")
