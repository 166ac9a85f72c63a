"""Running in rounds: the stopping rule closes decided comparisons, warm-up is frozen, a killed run
resumes in the same order; and one real run of child processes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.runner import rounds as R
from showdown.runner.config import CellConfig
from showdown.runner.schedule import split_key
from showdown.store import Store

# step time per side: torch 25 % faster than TensorFlow's function mode, equal to its eager mode
TRUTH = {"torch": 0.010, "function": 0.0125, "eager": 0.010}


def _fake_run_one(rng, stop_at=None):
    seen = []

    def run_one(store, cell, plan):
        if stop_at is not None and len(seen) == stop_at:
            raise KeyboardInterrupt
        seen.append(cell.key)
        store.start_cell(cell.id)
        cfg = cell.config
        machine = np.exp(rng.normal(0, 0.1))  # the machine's state at this process, shared by nobody
        base = TRUTH["torch" if cfg["framework"] == "torch" else cfg["mode"]] * machine
        store.add_samples(cell.id, X.primary(cfg)[0], list(base * np.exp(rng.normal(0, 0.01, 20))), unit="s")
        X.summarize_cell(store, cell.id)
        store.finish_cell(cell.id, status="ok", result={"warmup_count": 7, "canary_s": [0.003, 0.003]})
        return "ok", ""

    return run_one, seen


def _per_cell(run_one):
    """A fake ``run_process`` that runs a process's parts one by one through ``run_one``."""
    return lambda store, cells, plan: [run_one(store, c, plan) for c in cells]


def _start(tmp_path, rounds=12):
    store = Store.open(tmp_path / "r.sqlite")
    plan = P.suite("quick", frameworks=("torch", "tensorflow"), workloads=("mlp",), scenarios=("train",), modes=("eager", "function"),
                   rounds=rounds, window_s=1.0, threads=1)
    return store, plan, X.start(store, plan, ["run"])


def _rounds(store, run_id):
    out = {}
    for c in store.cells(run_id):
        side, r = split_key(c.key)
        out.setdefault(r, []).append((side, c))
    return out


def _finished(tmp_path, monkeypatch):
    """A run of the fake rounds, run to its end: the 25 % effect decided, the null one not."""
    store, plan, run_id = _start(tmp_path)
    fake, _ = _fake_run_one(np.random.default_rng(0))
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    assert X.execute(store, run_id, plan) == "complete"
    return store, plan, run_id


def test_rounds_stop_decided_comparisons_and_freeze_warm_up(tmp_path, monkeypatch):
    store, plan, run_id = _finished(tmp_path, monkeypatch)
    by_round = _rounds(store, run_id)
    assert plan.schedule_seed is None and isinstance(store.get_run(run_id).plan["schedule_seed"], int)
    assert set(by_round) <= set(range(1, 13)) and len(by_round) >= 5
    fast = "train/tensorflow/mlp/default/function/bs32"
    decided_at = min(r for r in by_round if fast not in {s for s, _ in by_round[r]}) - 1
    assert 5 <= decided_at < 12  # the 25 % effect is decided after two agreeing looks and stops running
    assert all("warmup_steps" not in c.config for _, c in by_round[1])  # a stored config holds the fields that are set
    assert all(c.config["warmup_steps"] == 7 for r in by_round if r > 1 for _, c in by_round[r])
    assert all(c.config["window_s"] == plan.window_s and c.config["round"] == r for r in by_round for _, c in by_round[r])
    obs = R.observations(store, run_id)
    assert set(obs[fast]) == set(range(1, decided_at + 1))


def test_a_killed_run_resumes_the_same_round_in_the_same_order(tmp_path, monkeypatch):
    store, plan, run_id = _start(tmp_path, rounds=6)
    fake, _ = _fake_run_one(np.random.default_rng(1), stop_at=7)  # round 3, second process
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    with pytest.raises(KeyboardInterrupt):
        X.execute(store, run_id, plan)
    assert store.get_run(run_id).status == "interrupted"
    before = [(c.key, c.config["order"]) for c in store.cells(run_id)]
    fake, seen = _fake_run_one(np.random.default_rng(2))
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    X.execute(store, run_id, plan)
    after = [(c.key, c.config["order"]) for c in store.cells(run_id)]
    assert after[: len(before)] == before  # the interrupted round kept its order
    assert seen[0] == before[7][0] and all(c.status == "ok" for c in store.cells(run_id))
    assert len({c.key for c in store.cells(run_id)}) == len(store.cells(run_id))


def test_a_side_that_keeps_failing_closes_its_comparisons(tmp_path, monkeypatch):
    store, plan, run_id = _start(tmp_path)
    ok, _ = _fake_run_one(np.random.default_rng(3))

    def run_one(store, cell, plan):
        if cell.config["mode"] == "eager" and cell.config["framework"] == "tensorflow":
            store.start_cell(cell.id)
            store.finish_cell(cell.id, status="failed", failure={"reason": "error", "message": "boom", "exit_status": 1, "stderr_tail": ""})
            return "failed", "boom"
        return ok(store, cell, plan)

    monkeypatch.setattr(X, "run_process", _per_cell(run_one))
    assert X.execute(store, run_id, plan) == "partial"
    eager = [c for c in store.cells(run_id) if "/tensorflow/mlp/default/eager/" in c.key]
    assert len(eager) == R.GIVE_UP_AFTER


@pytest.mark.skipif("torch" not in __import__("contenders").INSTALLED, reason="needs torch")
def test_a_real_run_in_rounds(tmp_path):
    db = tmp_path / "real.sqlite"
    args = ["run", "--frameworks", "torch", "--workloads", "mlp", "--scenarios", "train", "infer", "accuracy", "--preset", "tiny", "--threads", "1",
            "--rounds", "4", "--window", "0.2", "--json", "--db", str(db)]
    result = subprocess.run([sys.executable, "-m", "showdown", *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "in up to 4 rounds" in result.stderr
    everything = json.loads(result.stdout)["cells"]
    cells = [c for c in everything if c["key"].startswith("train/")]
    assert [c["key"] for c in cells] == [f"train/torch/mlp/tiny/eager/bs32/r{r}" for r in (1, 2, 3, 4)]  # one framework: 4 rounds
    # time to accuracy: a process of its own a round, training seed round − 1
    acc = [c for c in everything if c["key"].startswith("accuracy/")]
    assert [c["key"] for c in acc] == [f"accuracy/torch/mlp/tiny/eager/r{r}" for r in (1, 2, 3, 4)]
    assert [c["config"]["seeds"] for c in acc] == [[0], [1], [2], [3]] and all(c["config"]["process"] == c["key"] for c in acc)
    for c in acc:
        (run,) = c["result"]["runs"]
        assert c["status"] == "ok" and run["converged"] and c["result"]["censored"] is False and len(c["result"]["canary_s"]) == 2
        assert c["summaries"]["time_to_accuracy"]["n"] == 1 and c["summaries"]["time_to_accuracy"]["median"] == pytest.approx(run["seconds"])
    first = cells[0]["result"]
    assert first["warmup_count"] >= 3 and all(c["result"]["warmup_count"] == first["warmup_count"] for c in cells[1:])
    assert all(len(c["result"]["canary_s"]) == 2 and min(c["result"]["canary_s"]) > 0 for c in cells)
    assert all(c["result"]["stop_reason"] == "budget" for c in cells)
    # training and inference at batch 1 and 32 share one process a round, their order rotated by one each round
    steady = [c for c in everything if c["key"].startswith(("train/", "infer/"))]
    by_process = {}
    for c in steady:
        by_process.setdefault(c["config"]["process"], []).append(c)
    assert sorted(by_process) == [f"steady/torch/mlp/tiny/r{r}" for r in (1, 2, 3, 4)]
    firsts = []
    for r in (1, 2, 3, 4):
        parts = sorted(by_process[f"steady/torch/mlp/tiny/r{r}"], key=lambda c: c["config"]["part"])
        assert len(parts) == 3 and all(c["status"] == "ok" and c["result"]["process_parts"] == 3 for c in parts)
        assert all(c["summaries"][c["key"].startswith("train/") and "step_time" or "latency"]["n"] >= 5 for c in parts)  # samples routed to each part
        assert parts[0]["result"]["peak_rss_above_baseline"] is not None and all(c["result"]["peak_rss_above_baseline"] is None for c in parts[1:])
        firsts.append(parts[0]["key"].rsplit("/", 1)[0])
    assert firsts == ["train/torch/mlp/tiny/eager/bs32", "infer/torch/mlp/tiny/eager/bs1", "infer/torch/mlp/tiny/eager/bs32", "train/torch/mlp/tiny/eager/bs32"]
    # a second session of the same run: rounds 5 to 8, then both sessions in the run's data
    run_id = json.loads(result.stdout)["run"]["id"]
    more = subprocess.run([sys.executable, "-m", "showdown", "run", "--append", run_id, "--rounds", "4", "--notes", "later", "--json", "--db", str(db)],
                          capture_output=True, text=True, timeout=600)
    assert more.returncode == 0, more.stderr
    assert f"run {run_id}, session 2: up to 4 rounds from round 5" in more.stderr
    data = json.loads(more.stdout)
    later = [c for c in data["cells"] if c["key"].startswith("train/")][4:]
    assert [c["key"] for c in later] == [f"train/torch/mlp/tiny/eager/bs32/r{r}" for r in (5, 6, 7, 8)]
    assert all(c["status"] == "ok" and c["config"]["session"] == 2 and c["config"]["warmup_steps"] == first["warmup_count"] for c in later)
    assert [c["config"]["seeds"] for c in data["cells"] if c["key"].startswith("accuracy/")][4:] == [[4], [5], [6], [7]]  # a new seed every round
    assert [(s["session"], s["first_round"], s["last_round"], s["notes"]) for s in data["sessions"]] == [(1, 1, 4, None), (2, 5, 8, "later")]
    assert data["run"]["status"] == "complete"
    again = subprocess.run([sys.executable, "-m", "showdown", "run", "--append", "nope", "--db", str(db)], capture_output=True, text=True)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "unknown run 'nope'" in again.stderr


def test_the_time_budget_is_a_hard_stop_between_blocks(tmp_path, monkeypatch):
    store, plan, run_id = _start(tmp_path)
    fake, seen = _fake_run_one(np.random.default_rng(4))
    now = [0.0]
    starts = []

    def timed(store, cell, plan):
        starts.append(now[0])
        now[0] += 6.0  # every process takes 6 s; the defaults expect 2.5 s (torch) and 5 s (TensorFlow) plus the 1 s window
        return fake(store, cell, plan)

    monkeypatch.setattr(X, "run_process", _per_cell(timed))
    steps = []
    assert R.run(store, run_id, plan, lambda *a: steps.append(a), deadline=100.0, clock=lambda: now[0]) == "budget"
    assert len(steps) == len(seen) == len(store.cells(run_id))  # nothing left pending
    assert all(c.status == "ok" for c in store.cells(run_id))
    # a block (torch's process, 3.5 s expected; TensorFlow's process of 2 parts, 5 + 1 + 2 x 1 s) starts only when its estimate ends by the deadline
    block_starts = starts[::3]
    assert max(block_starts) <= 100.0 - 11.5 and now[0] > 100.0 - 11.5


def test_history_replaces_the_defaults(tmp_path, monkeypatch):
    from showdown.runner import estimate

    store, plan, run_id = _start(tmp_path, rounds=4)
    assert store.cells(run_id) == []  # a plan of train only: every cell is made round by round
    side = "train/torch/mlp/default/eager/bs32"
    shared = {"process": "steady/tensorflow/mlp/default/r1", "window_s": 1.0, "round": 1}
    store.add_cells(run_id, [(f"{side}/r1", {**plan.sides()[side].to_dict(), "round": 1, "window_s": 1.0, "process": "steady/torch/mlp/default/r1", "part": 0}),
                             ("train/tensorflow/mlp/default/function/bs32/r1", {**shared, "part": 0}),
                             ("train/tensorflow/mlp/default/eager/bs32/r1", {**shared, "part": 1})])
    for c, result in zip(store.cells(run_id), ({"duration_s": 4.0}, {"duration_s": 3.0, "process_duration_s": 12.0, "process_parts": 2}, {"duration_s": 9.0})):
        store.start_cell(c.id)
        store.finish_cell(c.id, status="ok", result=result)
    past = estimate.history(store)
    assert past == {"steady/torch/mlp/default": [3.0], "steady/tensorflow/mlp/default": [5.0]}  # seconds outside the windows, per part
    train = CellConfig("train", "tensorflow")
    assert estimate.process_s(past, "steady/torch/mlp/default", train, 0.5) == 3.5
    assert estimate.process_s(past, "steady/tensorflow/mlp/default", train, 0.5, parts=2) == 11.0
    assert estimate.process_s({}, "steady/tensorflow/mlp/default", train, 0.5, parts=3) == 5.0 + 2 * 1.0 + 3 * 0.5
    # without history a varying-shapes or time-to-accuracy process starts from its scenario's default
    dyn = CellConfig("dynamic", "tensorflow")
    assert estimate.process_s({}, "dynamic/tensorflow/mlp/default/function", dyn, 0.5) == estimate.default_process_s("tensorflow", "dynamic") + 0.5
    assert estimate.default_process_s("tensorflow", "dynamic") > estimate.default_process_s("tensorflow", "train")
    text, smallest = estimate.preview(past, plan)
    assert smallest == 3.0 + 1.0 + 2 * (5.0 + 1.0) and "estimated from this database's earlier processes for 2 of 2" in text
    # a budget that fits a round but not the 5 the earliest decision needs says so, and names one that does
    short, _ = estimate.preview(past, replace(plan, rounds=8, time_budget_s=60.0))
    assert "about 3 full rounds fit in the 60 s budget" in short
    assert short.endswith("fewer than 5 rounds cannot decide any comparison (the intervals stay wide and the claims"
                          " inconclusive where the effect is small): --budget 80s would fit 5")
    assert "cannot decide" not in estimate.preview(past, replace(plan, rounds=8, time_budget_s=90.0))[0]

