"""Export one run to files other tools read: JSON (everything), CSV and Parquet (flat samples).

Each file is written to a temporary name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from showdown.errors import StoreError, unknown
from showdown.store.db import Store
from showdown.store.records import SampleRow, finite_or_none

FORMATS = ("csv", "json", "parquet")
CONFIG_FIELDS = ("framework", "workload", "scenario", "mode", "batch_size")
SAMPLE_COLUMNS = ("run_id", "cell_key", *CONFIG_FIELDS, "metric", "phase", "idx", "value", "unit")


def export_run(
    store: Store, run_id: str, out_dir: Path, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write a run's data to ``out_dir``.

    ``json`` writes ``run.json`` (run with environment, manifest and plan; each cell with its
    summaries and samples; NaN becomes null). ``csv`` writes ``samples.csv`` and
    ``summaries.csv``. ``parquet`` writes ``samples.parquet`` (needs pyarrow).

    Args:
        store: An open store.
        run_id: The run's full id (see :meth:`Store.resolve_run`).
        out_dir: The folder to write into; created if missing.
        formats: Any of 'csv', 'json', 'parquet'.

    Returns:
        The paths written, in the order of ``formats``.

    Raises:
        ConfigError: On an unknown format, before anything is written.
        StoreError: On an unknown run, a folder that cannot be written, or missing pyarrow.
    """
    wanted = list(dict.fromkeys((formats,) if isinstance(formats, str) else formats))
    for fmt in wanted:
        if fmt not in FORMATS:
            raise unknown("export format", fmt, FORMATS)
    if "parquet" in wanted:
        _pyarrow()  # fail before writing the other formats, not after
    store.get_run(run_id)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create export folder {out_dir}: {exc.strerror or exc}") from exc
    writers: dict[str, Callable[[Store, str, Path], list[Path]]] = {
        "json": _write_json, "csv": _write_csv, "parquet": _write_parquet,
    }
    try:
        return [path for fmt in wanted for path in writers[fmt](store, run_id, out_dir)]
    except OSError as exc:
        raise StoreError(f"cannot write the export to {out_dir}: {exc.strerror or exc}") from exc


@contextmanager
def _atomic(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    # Not tempfile.mkstemp: its 0600 mode would stick to the exported file after the rename.
    tmp = _temp_name(path)
    try:
        with tmp.open("w", encoding="utf-8", newline=newline) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def sample_rows(store: Store, run_id: str) -> Iterator[dict[str, Any]]:
    """The run's samples flattened with the cell key and selected config fields, in cell order.

    Args:
        store: An open store.
        run_id: The run's full id.

    Yields:
        One dict per sample with the keys of ``SAMPLE_COLUMNS``; absent config fields are None.
    """
    for cell in store.cells(run_id):
        fields = {name: cell.config.get(name) for name in CONFIG_FIELDS}
        for sample in store.samples(cell.id):
            yield {"run_id": run_id, "cell_key": cell.key, **fields, "metric": sample.metric,
                   "phase": sample.phase, "idx": sample.idx, "value": sample.value, "unit": sample.unit}


def _write_json(store: Store, run_id: str, out_dir: Path) -> list[Path]:
    run = store.get_run(run_id)
    summaries: dict[int, dict[str, Any]] = {}
    for summary in store.summaries(run_id):
        summaries.setdefault(summary.cell_id, {})[summary.metric] = summary.stats
    cells = [
        {**asdict(cell), "summaries": summaries.get(cell.id, {}),
         "samples": _grouped(store.samples(cell.id))}
        for cell in store.cells(run_id)
    ]
    document = {"run": asdict(run), "cells": cells}
    path = out_dir / "run.json"
    with _atomic(path) as handle:
        json.dump(finite_or_none(document), handle, indent=1, allow_nan=False)
    return [path]


def _grouped(samples: list[SampleRow]) -> list[dict[str, Any]]:
    """Samples as one entry per (metric, phase) with a list of values: far smaller than one object each."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for sample in samples:
        group = groups.setdefault(
            (sample.metric, sample.phase),
            {"metric": sample.metric, "phase": sample.phase, "unit": sample.unit, "values": []},
        )
        group["values"].append(sample.value)
    return list(groups.values())


def _write_csv(store: Store, run_id: str, out_dir: Path) -> list[Path]:
    samples_path = out_dir / "samples.csv"
    with _atomic(samples_path, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SAMPLE_COLUMNS)
        writer.writeheader()
        writer.writerows(sample_rows(store, run_id))
    summaries = store.summaries(run_id)
    stat_names = list(dict.fromkeys(name for summary in summaries for name in summary.stats))
    summaries_path = out_dir / "summaries.csv"
    with _atomic(summaries_path, newline="") as handle:
        columns = ["run_id", "cell_key", *CONFIG_FIELDS, "metric", *stat_names]
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for summary in summaries:
            stats = {name: _cell_text(value) for name, value in summary.stats.items()}
            fields = {name: summary.config.get(name) for name in CONFIG_FIELDS}
            writer.writerow({"run_id": run_id, "cell_key": summary.cell_key, **fields,
                             "metric": summary.metric, **stats})
    return [samples_path, summaries_path]


def _cell_text(value: Any) -> Any:
    # Nested stats (e.g. a CI as a list) stay machine-readable in one CSV cell.
    return json.dumps(value) if isinstance(value, (dict, list, tuple)) else value


def _pyarrow() -> tuple[Any, Any]:
    """Import pyarrow only when Parquet is asked for: it is an optional, heavy dependency."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise StoreError(
            "exporting Parquet needs pyarrow: pip install pyarrow (or pip install 'showdown[export]')"
        ) from exc
    return pyarrow, pyarrow.parquet


def _write_parquet(store: Store, run_id: str, out_dir: Path) -> list[Path]:
    pa, pq = _pyarrow()
    columns: dict[str, list[Any]] = {name: [] for name in SAMPLE_COLUMNS}
    for row in sample_rows(store, run_id):
        for name in SAMPLE_COLUMNS:
            columns[name].append(_parquet_value(name, row[name]))
    types = {"batch_size": pa.int64(), "idx": pa.int64(), "value": pa.float64()}
    arrays = {name: pa.array(values, type=types.get(name, pa.string())) for name, values in columns.items()}
    table = pa.table(arrays)
    path = out_dir / "samples.parquet"
    tmp = _temp_name(path)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return [path]


def _parquet_value(name: str, value: Any) -> Any:
    """Coerce config values, which are whatever the plan put there, to the column's single type."""
    if value is None or name in ("idx", "value"):
        return value
    if name == "batch_size":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return str(value)
