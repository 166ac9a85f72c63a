"""Framework ratios, compile break-even and run-vs-run comparison over a real results database."""

from __future__ import annotations

import numpy as np
import pytest

from showdown.analysis import compare
from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.store import Store


def _fill(store: Store, run_id: str, medians: dict[str, float], first: dict[str, float] | None = None, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for cell in store.cells(run_id):
        if cell.key not in medians:
            continue
        store.start_cell(cell.id)
        values = medians[cell.key] * (1 + 0.01 * rng.standard_normal(40))
        metric = X.primary(cell.config)[0]
        store.add_samples(cell.id, metric, values.tolist(), unit="s")
        X.summarize_cell(store, cell.id)
        store.finish_cell(cell.id, status="ok", result={"first_call_s": (first or {}).get(cell.key, medians[cell.key])})


@pytest.fixture()
def run(tmp_path):
    store = Store.open(tmp_path / "a.sqlite")
    plan = P.suite("quick", workloads=("mlp",), scenarios=("train",), rounds=0, threads=2)
    run_id = X.start(store, plan, [])
    medians = {
        "train/torch/mlp/default/eager/bs32": 0.010,
        "train/tensorflow/mlp/default/eager/bs32": 0.020,
        "train/tensorflow/mlp/default/function/bs32": 0.0101,
    }
    _fill(store, run_id, medians, first={"train/tensorflow/mlp/default/function/bs32": 1.0101})
    return store, run_id


def test_framework_ratios_with_significance(run):
    store, run_id = run
    rows = {(r.side_a, r.side_b): r.comparison for r in compare.frameworks(store, run_id)}
    eager = rows[("tensorflow eager", "torch eager")]
    assert eager["significant"] and eager["winner"] == "torch eager"
    assert 1.9 < max(eager["ratio"], 1 / eager["ratio"]) < 2.1
    assert eager["text"].startswith("torch eager 2.0")
    close = rows[("tensorflow function", "torch eager")]
    assert not close["significant"] or abs(close["ratio"] - 1) < 0.03


def test_break_even_of_compiled_mode(run):
    store, run_id = run
    (row,) = compare.break_even(store, run_id)
    assert row["cell"] == "train/tensorflow/mlp/default/function/bs32"
    assert row["compile_s"] == pytest.approx(1.0, rel=0.02)
    # 1 s of compile saves ~10 ms per step against eager: pays off after ~100 steps
    assert 80 < row["steps"] < 125


def test_run_vs_run(tmp_path):
    store = Store.open(tmp_path / "b.sqlite")
    plan = P.suite("quick", frameworks=("torch",), workloads=("mlp",), scenarios=("train",), rounds=0, threads=2)
    a, b = X.start(store, plan, []), X.start(store, plan, [])
    key = "train/torch/mlp/default/eager/bs32"
    _fill(store, a, {key: 0.010}, seed=1)
    _fill(store, b, {key: 0.012}, seed=2)
    rows, diffs = compare.runs(store, a, b)
    assert len(rows) == 1 and rows[0].comparison["significant"] and rows[0].comparison["winner"] == a
    assert diffs == []
