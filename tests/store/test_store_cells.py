"""Cells, samples and summaries, and the resume guarantee: each cell's data exactly once."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from showdown.errors import StoreError
from showdown.store import CellRecord, Store

PLAN = [
    ("train/torch/cnn/default/eager/bs32", {"framework": "torch", "batch_size": 32}),
    ("train/tensorflow/cnn/default/eager/bs32", {"framework": "tensorflow", "batch_size": 32}),
    ("infer/torch/mlp/tiny/eager/bs1", {"framework": "torch", "batch_size": 1}),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "r.sqlite") as opened:
        yield opened


@pytest.fixture
def run_id(store: Store) -> str:
    run = store.create_run(suite="quick", argv=[], plan={}, environment={}, manifest={})
    store.add_cells(run, PLAN)
    return run


def cell(store: Store, run_id: str, key: str) -> CellRecord:
    return next(c for c in store.cells(run_id) if c.key == key)


def test_add_cells_is_idempotent_and_ordered(store: Store, run_id: str) -> None:
    store.add_cells(run_id, PLAN + [("extra", {})])
    cells = store.cells(run_id)
    assert [c.key for c in cells] == [key for key, _ in PLAN] + ["extra"]
    assert cells[0].config == {"framework": "torch", "batch_size": 32}
    assert {c.status for c in cells} == {"pending"}
    with pytest.raises(StoreError, match="unknown run 'nope'"):
        store.add_cells("nope", PLAN)


def test_cells_are_per_run(store: Store, run_id: str) -> None:
    other = store.create_run(suite="quick", argv=[], plan={}, environment={}, manifest={})
    store.add_cells(other, PLAN[:1])
    assert len(store.cells(run_id)) == 3 and len(store.cells(other)) == 1


def test_start_and_finish(store: Store, run_id: str) -> None:
    ok, bad, _ = store.cells(run_id)
    store.start_cell(ok.id)
    assert store.get_cell(ok.id).status == "running"
    store.finish_cell(ok.id, status="ok", result={"median_s": 0.01})
    store.start_cell(bad.id)
    failure = {"reason": "timeout", "exit_status": -9, "stderr_tail": "Killed"}
    store.finish_cell(bad.id, status="failed", failure=failure)
    done_ok, done_bad = store.get_cell(ok.id), store.get_cell(bad.id)
    assert (done_ok.status, done_ok.result, done_ok.failure) == ("ok", {"median_s": 0.01}, None)
    assert (done_bad.status, done_bad.failure, done_bad.attempts) == ("failed", failure, 1)
    assert done_ok.started_at <= done_ok.finished_at
    assert [c.key for c in store.pending_cells(run_id)] == [PLAN[2][0]]


def test_finish_cell_validates(store: Store, run_id: str) -> None:
    first = store.cells(run_id)[0]
    with pytest.raises(StoreError, match="invalid cell status 'running': choose from ok, failed"):
        store.finish_cell(first.id, status="running")
    with pytest.raises(StoreError, match="unknown cell id 999"):
        store.finish_cell(999, status="ok")
    with pytest.raises(StoreError, match="unknown cell id 999"):
        store.start_cell(999)
    with pytest.raises(StoreError, match="unknown cell id 999"):
        store.add_samples(999, "t", [1.0], unit="s")


def test_samples_continue_their_index(store: Store, run_id: str) -> None:
    first = store.cells(run_id)[0]
    store.add_samples(first.id, "step_time", [0.1, 0.2], unit="s")
    store.add_samples(first.id, "step_time", [0.3], unit="s")
    store.add_samples(first.id, "step_time", [9.0], unit="s", phase="warmup")
    store.add_samples(first.id, "rss", [100.0], unit="MiB")
    store.add_samples(first.id, "rss", [], unit="MiB")
    rows = store.samples(first.id, "step_time", "measure")
    assert [(r.idx, r.value, r.unit) for r in rows] == [(0, 0.1, "s"), (1, 0.2, "s"), (2, 0.3, "s")]
    assert store.sample_values(first.id, "step_time", "warmup") == [9.0]
    assert [r.metric for r in store.samples(first.id)] == ["rss", "step_time", "step_time", "step_time", "step_time"]
    assert len(store.samples(first.id, phase="measure")) == 4


def test_nan_survives_and_bad_values_are_refused(store: Store, run_id: str) -> None:
    first = store.cells(run_id)[0]
    store.add_samples(first.id, "loss", [1.5, math.nan, math.inf], unit="1")
    values = store.sample_values(first.id, "loss")
    assert values[0] == 1.5 and math.isnan(values[1]) and values[2] == math.inf
    with pytest.raises(StoreError, match="must be numbers"):
        store.add_samples(first.id, "loss", [1.0, "fast"], unit="1")  # type: ignore[list-item]
    with pytest.raises(StoreError, match="metric must be a non-empty string"):
        store.add_samples(first.id, "", [1.0], unit="1")
    assert len(store.sample_values(first.id, "loss")) == 3  # nothing half-written


def test_summaries_replace_and_join(store: Store, run_id: str) -> None:
    first, second, _ = store.cells(run_id)
    store.add_summary(first.id, "step_time", {"median": 1.0})
    store.add_summary(first.id, "step_time", {"median": 2.0, "ci": [1.9, 2.1]})
    store.add_summary(second.id, "step_time", {"median": 3.0})
    summaries = store.summaries(run_id)
    assert [(s.cell_key, s.metric, s.stats) for s in summaries] == [
        (PLAN[0][0], "step_time", {"median": 2.0, "ci": [1.9, 2.1]}),
        (PLAN[1][0], "step_time", {"median": 3.0}),
    ]
    assert summaries[1].config == {"framework": "tensorflow", "batch_size": 32}


def test_resume_gives_each_cell_its_samples_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with Store.open(path) as store:
        run_id = store.create_run(suite="quick", argv=[], plan={}, environment={}, manifest={})
        store.add_cells(run_id, PLAN)
        done, killed, _ = store.cells(run_id)
        store.start_cell(done.id)
        store.add_samples(done.id, "t", [1.0, 2.0], unit="s")
        store.add_summary(done.id, "t", {"median": 1.5})
        store.finish_cell(done.id, status="ok")
        store.start_cell(killed.id)  # the process dies while this cell streams samples
        store.add_samples(killed.id, "t", [7.0, 8.0, 9.0], unit="s")
        store.add_summary(killed.id, "t", {"median": 8.0})

    with Store.open(path, create=False) as store:
        store.add_cells(run_id, PLAN)  # resume replays the plan
        pending = store.pending_cells(run_id)
        assert [c.key for c in pending] == [PLAN[1][0], PLAN[2][0]]
        assert pending[0].status == "running"
        for each in pending:
            store.start_cell(each.id)
            assert store.samples(each.id) == [] and store.summaries(run_id)[-1].cell_id != each.id
            store.add_samples(each.id, "t", [3.0, 4.0], unit="s")
            store.finish_cell(each.id, status="ok")
        assert store.pending_cells(run_id) == []
        per_cell = {c.key: store.sample_values(c.id, "t") for c in store.cells(run_id)}
        assert per_cell == {PLAN[0][0]: [1.0, 2.0], PLAN[1][0]: [3.0, 4.0], PLAN[2][0]: [3.0, 4.0]}
        assert store.get_cell(killed.id).attempts == 2
        assert [s.cell_id for s in store.summaries(run_id)] == [done.id]
