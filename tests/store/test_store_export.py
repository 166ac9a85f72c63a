"""Export: JSON, CSV and Parquet files that other tools read back with the right contents."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from showdown.errors import ConfigError, StoreError
from showdown.store import Store
from showdown.store.export import SAMPLE_COLUMNS, export_run

CELLS = [
    ("train/torch/cnn/default/eager/bs32",
     {"framework": "torch", "workload": "cnn", "scenario": "train", "mode": "eager", "batch_size": 32}),
    ("train/tensorflow/cnn/default/xla/bs32",
     {"framework": "tensorflow", "workload": "cnn", "scenario": "train", "mode": "xla", "batch_size": 32}),
    ("devx/torch", {"framework": "torch"}),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "r.sqlite") as opened:
        yield opened


@pytest.fixture
def run_id(store: Store) -> str:
    """Three cells: 5 + 3 samples, 4 samples with a NaN, and none (failed)."""
    run = store.create_run(suite="quick", argv=["run"], plan={"suite": "quick"},
                           environment={"cpu": "x86_64"}, manifest={"threads": 4})
    store.add_cells(run, CELLS)
    first, second, third = store.cells(run)
    store.add_samples(first.id, "step_time", [0.1, 0.2, 0.3, 0.4, 0.5], unit="s")
    store.add_samples(first.id, "step_time", [1.0, 1.1, 1.2], unit="s", phase="warmup")
    store.add_samples(second.id, "loss", [2.0, math.nan, 1.0, 0.5], unit="1")
    store.add_summary(first.id, "step_time", {"median": 0.3, "ci": [0.2, 0.4], "n": 5})
    store.add_summary(second.id, "loss", {"median": 1.0, "n": 4})
    store.finish_cell(first.id, status="ok", result={"steps": 5})
    store.finish_cell(third.id, status="failed", failure={"reason": "timeout", "exit_status": -9})
    return run


def test_all_formats(store: Store, run_id: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "nested"
    paths = export_run(store, run_id, out)
    assert sorted(p.name for p in paths) == ["run.json", "samples.csv", "samples.parquet", "summaries.csv"]
    assert all(p.parent == out and p.is_file() for p in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temp files left


def test_samples_csv(store: Store, run_id: str, tmp_path: Path) -> None:
    (path,) = [p for p in export_run(store, run_id, tmp_path, ("csv",)) if p.name == "samples.csv"]
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert tuple(rows[0]) == SAMPLE_COLUMNS
    first = rows[0]
    assert (first["run_id"], first["framework"], first["mode"], first["batch_size"]) == (run_id, "torch", "eager", "32")
    assert (first["metric"], first["phase"], first["idx"], first["value"], first["unit"]) == (
        "step_time", "measure", "0", "0.1", "s")
    assert sum(row["phase"] == "warmup" for row in rows) == 3
    assert math.isnan(float(rows[9]["value"]))


def test_summaries_csv(store: Store, run_id: str, tmp_path: Path) -> None:
    export_run(store, run_id, tmp_path, ["csv"])
    with (tmp_path / "summaries.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["cell_key"], row["metric"], row["median"]) for row in rows] == [
        (CELLS[0][0], "step_time", "0.3"), (CELLS[1][0], "loss", "1.0")]
    assert json.loads(rows[0]["ci"]) == [0.2, 0.4]
    assert rows[1]["ci"] == ""


def test_json(store: Store, run_id: str, tmp_path: Path) -> None:
    export_run(store, run_id, tmp_path, ["json"])
    text = (tmp_path / "run.json").read_text()
    assert "NaN" not in text  # strict JSON that any parser accepts
    document = json.loads(text)
    run = document["run"]
    assert (run["id"], run["environment"], run["manifest"], run["plan"]) == (
        run_id, {"cpu": "x86_64"}, {"threads": 4}, {"suite": "quick"})
    cells = document["cells"]
    assert [c["key"] for c in cells] == [key for key, _ in CELLS]
    assert sum(len(group["values"]) for c in cells for group in c["samples"]) == 12
    assert cells[0]["summaries"] == {"step_time": {"median": 0.3, "ci": [0.2, 0.4], "n": 5}}
    assert cells[1]["samples"] == [{"metric": "loss", "phase": "measure", "unit": "1", "values": [2.0, None, 1.0, 0.5]}]
    assert cells[2]["failure"] == {"reason": "timeout", "exit_status": -9} and cells[2]["samples"] == []


def test_parquet(store: Store, run_id: str, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    (path,) = export_run(store, run_id, tmp_path, ("parquet",))
    table = pq.read_table(path)
    assert table.num_rows == 12
    assert tuple(table.column_names) == SAMPLE_COLUMNS
    assert str(table.schema.field("batch_size").type) == "int64"
    assert table.column("batch_size").to_pylist()[:8] == [32] * 8
    assert table.column("value").to_pylist()[:5] == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_parquet_without_pyarrow(
    store: Store, run_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes the import fail exactly as if pyarrow were not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "out"
    with pytest.raises(StoreError, match="pip install pyarrow"):
        export_run(store, run_id, out)
    assert not out.exists()  # refused before the CSV and JSON were written
    assert [p.name for p in export_run(store, run_id, out, ("json",))] == ["run.json"]


def test_unknown_format_writes_nothing(store: Store, run_id: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="unknown export format 'xlsx': choose from csv, json, parquet"):
        export_run(store, run_id, out, ("csv", "xlsx"))
    assert not out.exists()


def test_unknown_run(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown run 'nope'"):
        export_run(store, "nope", tmp_path)
