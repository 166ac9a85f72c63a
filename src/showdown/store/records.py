"""What the store hands back: frozen records, and the JSON/time encoding of its columns."""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from showdown.errors import StoreError

RUN_STATUSES = ("running", "complete", "partial", "interrupted", "failed")
FINISHED_RUN_STATUSES = RUN_STATUSES[1:]
CELL_STATUSES = ("pending", "running", "ok", "failed")
FINISHED_CELL_STATUSES = ("ok", "failed")


@dataclass(frozen=True)
class RunRecord:
    """One run: an invocation of showdown with its plan, environment and fairness manifest."""

    id: str
    created_at: str
    finished_at: str | None
    status: str
    suite: str
    argv: tuple[str, ...]
    plan: dict[str, Any]
    environment: dict[str, Any]
    manifest: dict[str, Any]
    notes: str | None


@dataclass(frozen=True)
class CellRecord:
    """One measurement unit of a run; ``attempts`` counts how often it was started."""

    id: int
    run_id: str
    key: str
    config: dict[str, Any]
    status: str
    started_at: str | None
    finished_at: str | None
    result: dict[str, Any] | None
    failure: dict[str, Any] | None
    attempts: int


@dataclass(frozen=True)
class SampleRow:
    """One raw measurement. ``value`` is NaN where a NaN was stored (SQLite keeps it as NULL)."""

    cell_id: int
    metric: str
    phase: str
    idx: int
    value: float
    unit: str


@dataclass(frozen=True)
class SummaryRecord:
    """Statistics over one cell's samples of one metric, with the cell's key and config."""

    cell_id: int
    cell_key: str
    config: dict[str, Any]
    metric: str
    stats: dict[str, Any]


def utc_now() -> datetime:
    """The current time in UTC (one place, so run ids and timestamps agree)."""
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds, e.g. ``2026-11-25T14:50:12.123456Z``; sorts as text."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    # numpy scalars/arrays reach us from the stats code; duck-type them so the store never imports numpy.
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(field: str, value: Any) -> str:
    """Encode a column value as JSON text.

    Args:
        field: The column's name, for the error message.
        value: A dict, list or other JSON-compatible value.

    Returns:
        The JSON text (NaN and infinities kept, as Python's json reads them back).

    Raises:
        StoreError: When the value cannot be encoded.
    """
    try:
        return json.dumps(value, default=_plain, sort_keys=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {field} as JSON: {exc}") from exc


def from_json(text: str | None) -> Any:
    """Decode a JSON column; NULL stays None."""
    return None if text is None else json.loads(text)


def finite_or_none(value: Any) -> Any:
    """Replace NaN and infinities with None, recursively, for strict JSON output."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    return value


def checked_samples(metric: str, values: Iterable[Any], *, unit: str, phase: str) -> list[float]:
    """Validate the names of a batch of samples and turn its values into floats.

    Raises:
        StoreError: On an empty or non-string name, or a value that is not a number.
    """
    for kind, name in (("metric", metric), ("unit", unit), ("phase", phase)):
        if not isinstance(name, str) or not name:
            raise StoreError(f"sample {kind} must be a non-empty string, got {name!r}")
    try:
        return [float(value) for value in values]
    except (TypeError, ValueError) as exc:
        raise StoreError(f"samples of {metric!r} must be numbers: {exc}") from exc


def run_from_row(row: sqlite3.Row) -> RunRecord:
    """Build a RunRecord from a ``runs`` row."""
    return RunRecord(
        id=row["id"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        suite=row["suite"],
        argv=tuple(from_json(row["argv"])),
        plan=from_json(row["plan"]),
        environment=from_json(row["environment"]),
        manifest=from_json(row["manifest"]),
        notes=row["notes"],
    )


def cell_from_row(row: sqlite3.Row) -> CellRecord:
    """Build a CellRecord from a ``cells`` row."""
    return CellRecord(
        id=row["id"],
        run_id=row["run_id"],
        key=row["key"],
        config=from_json(row["config"]),
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        result=from_json(row["result"]),
        failure=from_json(row["failure"]),
        attempts=row["attempts"],
    )


def sample_from_row(row: sqlite3.Row) -> SampleRow:
    """Build a SampleRow from a ``samples`` row, NULL value read back as NaN."""
    value = row["value"]
    return SampleRow(
        cell_id=row["cell_id"],
        metric=row["metric"],
        phase=row["phase"],
        idx=row["idx"],
        value=math.nan if value is None else float(value),
        unit=row["unit"],
    )


def summary_from_row(row: sqlite3.Row) -> SummaryRecord:
    """Build a SummaryRecord from a ``summaries`` row joined with its cell."""
    return SummaryRecord(
        cell_id=row["cell_id"],
        cell_key=row["key"],
        config=from_json(row["config"]),
        metric=row["metric"],
        stats=from_json(row["stats"]),
    )
