"""Read and write runs, cells, samples and summaries in the SQLite results database.

One ``Store`` per process, used from one thread; the parent process is the only writer (children
stream JSON to it). Every write method commits before it returns, so a process killed at any
moment loses only what it had not yet handed to the store.
"""

from __future__ import annotations

import difflib
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from showdown.errors import StoreError
from showdown.store.connection import connect
from showdown.store.records import (
    FINISHED_CELL_STATUSES,
    FINISHED_RUN_STATUSES,
    CellRecord,
    RunRecord,
    SampleRow,
    SummaryRecord,
    cell_from_row,
    checked_samples,
    run_from_row,
    sample_from_row,
    summary_from_row,
    timestamp,
    to_json,
    utc_now,
)

ENV_DB = "SHOWDOWN_DB"
_UNKNOWN_RUN_HINT = "see 'showdown runs' for the list"


def default_db_path() -> Path:
    """Where results go unless told otherwise.

    Returns:
        ``$SHOWDOWN_DB`` when set and non-empty, else ``./showdown-results/showdown.sqlite``
        relative to the current directory.
    """
    configured = os.environ.get(ENV_DB, "").strip()
    return Path(configured).expanduser() if configured else Path("showdown-results") / "showdown.sqlite"


def _choice(kind: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise StoreError(f"invalid {kind} {value!r}: choose from {', '.join(allowed)}")
    return value


class Store:
    """The results database. Open with ``Store.open(path)``; close, or use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        """Wrap an already vetted connection; use :meth:`open` instead."""
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open a results database, creating and migrating it when needed.

        Args:
            path: The SQLite file; ``None`` means :func:`default_db_path`.
            create: Whether a missing file and its parent directories may be created.

        Returns:
            An open Store at the current schema version.

        Raises:
            StoreError: When the file is missing (``create=False``), cannot be created or written,
                is not a SQLite file, is corrupt, is another application's database, or has a
                newer schema version. A refused file is never modified.
        """
        resolved = Path(path).expanduser() if path is not None else default_db_path()
        return cls(connect(resolved, create=create), resolved)

    def close(self) -> None:
        """Close the connection; SQLite checkpoints the WAL into the main file."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One committed transaction; any SQLite error becomes a StoreError naming the action."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{self.path}: cannot {action}: {exc}") from exc
            raise

    def _require_cell(self, conn: sqlite3.Connection, cell_id: int) -> None:
        if not conn.execute("SELECT 1 FROM cells WHERE id = ?", (cell_id,)).fetchone():
            raise StoreError(f"unknown cell id {cell_id} in {self.path}")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read: {exc}") from exc

    # -- runs ---------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        suite: str,
        argv: list[str],
        plan: dict[str, Any],
        environment: dict[str, Any],
        manifest: dict[str, Any],
        notes: str | None = None,
    ) -> str:
        """Record a new run in status 'running'.

        Args:
            suite: The suite name the run executes.
            argv: The command line, for reproducing the run.
            plan: The expanded plan.
            environment: Machine, OS and library versions.
            manifest: The fairness manifest (threads, dtype, layout, versions).
            notes: Free text from the user.

        Returns:
            The run id, ``YYYYMMDD-HHMMSS-xxxx`` (UTC time and 4 random hex digits).

        Raises:
            StoreError: When a value cannot be stored as JSON or the write fails.
        """
        columns = (suite, to_json("argv", list(argv)), to_json("plan", plan),
                   to_json("environment", environment), to_json("manifest", manifest), notes)
        for _ in range(8):  # a clash needs the same second and the same 16 random bits
            now = utc_now()
            run_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
            with self._write("create run") as conn:
                cursor = conn.execute(
                    "INSERT INTO runs (id, created_at, status, suite, argv, plan, environment, manifest,"
                    " notes) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (run_id, timestamp(now), *columns),
                )
            if cursor.rowcount == 1:
                return run_id
        raise StoreError(f"{self.path}: cannot create run: no free run id after 8 tries")

    def finish_run(self, run_id: str, status: str) -> None:
        """Mark a run finished; calling it again (after a resume) overwrites the status.

        Args:
            run_id: The run's full id.
            status: One of 'complete', 'partial', 'interrupted', 'failed'.

        Raises:
            StoreError: On an invalid status or an unknown run.
        """
        _choice("run status", status, FINISHED_RUN_STATUSES)
        with self._write("finish run") as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                (status, timestamp(utc_now()), run_id),
            )
            if cursor.rowcount == 0:
                raise self._unknown_run(run_id)

    def reopen_run(self, run_id: str, plan: dict[str, Any]) -> None:
        """Set a finished run's plan (a new session's) and mark it 'running' again.

        Raises:
            StoreError: When the plan cannot be stored as JSON or the run is unknown.
        """
        with self._write("reopen run") as conn:
            cursor = conn.execute("UPDATE runs SET plan = ?, status = 'running', finished_at = NULL WHERE id = ?",
                                  (to_json("plan", plan), run_id))
            if cursor.rowcount == 0:
                raise self._unknown_run(run_id)

    def get_run(self, run_id: str) -> RunRecord:
        """Fetch one run by its full id.

        Raises:
            StoreError: ``unknown run 'X': see 'showdown runs' for the list``, with the closest
                id when one is near.
        """
        rows = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise self._unknown_run(run_id)
        return run_from_row(rows[0])

    def list_runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        rows = self._read("SELECT * FROM runs ORDER BY created_at DESC, rowid DESC")
        return [run_from_row(row) for row in rows]

    def resolve_run(self, prefix_or_id: str) -> str:
        """Turn what a user typed into a full run id.

        Args:
            prefix_or_id: A full id, a unique prefix of one, or 'latest' for the newest run.

        Returns:
            The full run id.

        Raises:
            StoreError: When there are no runs ('latest'), nothing matches, or the prefix is ambiguous.
        """
        wanted = prefix_or_id.strip()
        if not wanted:
            raise self._unknown_run(prefix_or_id)
        if wanted == "latest":
            rows = self._read("SELECT id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1")
            if not rows:
                raise StoreError(f"no runs yet in {self.path}: run a suite first")
            return rows[0]["id"]
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        ids = [row["id"] for row in self._read(
            "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id", (escaped + "%",))]
        if wanted in ids:
            return wanted
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise self._unknown_run(wanted)
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise StoreError(f"run prefix {wanted!r} is ambiguous: it matches {shown}")

    def _unknown_run(self, run_id: str) -> StoreError:
        ids = [row["id"] for row in self._read("SELECT id FROM runs")]
        close = difflib.get_close_matches(run_id, ids, n=1, cutoff=0.6)
        hint = f" (closest: {close[0]!r})" if close else ""
        return StoreError(f"unknown run {run_id!r}: {_UNKNOWN_RUN_HINT}{hint}")

    # -- cells --------------------------------------------------------------------------------

    def add_cells(self, run_id: str, cells: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Add cells to a run; a key the run already has is left as it is (resume calls this again).

        Args:
            run_id: The run's full id.
            cells: ``(key, config)`` pairs; keys are unique within a run.

        Raises:
            StoreError: On an unknown run or a config that cannot be stored as JSON.
        """
        rows = [(run_id, key, to_json(f"config of cell {key!r}", config)) for key, config in cells]
        self.get_run(run_id)  # a clear message instead of a foreign-key failure
        with self._write("add cells") as conn:
            conn.executemany(
                "INSERT INTO cells (run_id, key, config) VALUES (?, ?, ?)"
                " ON CONFLICT (run_id, key) DO NOTHING",
                rows,
            )

    def cells(self, run_id: str) -> list[CellRecord]:
        """Every cell of a run, in the order they were added."""
        rows = self._read("SELECT * FROM cells WHERE run_id = ? ORDER BY id", (run_id,))
        return [cell_from_row(row) for row in rows]

    def pending_cells(self, run_id: str) -> list[CellRecord]:
        """Cells still to run: never started, or left 'running' by a process that was killed."""
        rows = self._read(
            "SELECT * FROM cells WHERE run_id = ? AND status IN ('pending', 'running') ORDER BY id", (run_id,)
        )
        return [cell_from_row(row) for row in rows]

    def get_cell(self, cell_id: int) -> CellRecord:
        """Fetch one cell by id.

        Raises:
            StoreError: When no cell has that id.
        """
        rows = self._read("SELECT * FROM cells WHERE id = ?", (cell_id,))
        if not rows:
            raise StoreError(f"unknown cell id {cell_id} in {self.path}")
        return cell_from_row(rows[0])

    def start_cell(self, cell_id: int) -> None:
        """Mark a cell running and delete what an earlier, interrupted attempt left behind.

        Clearing old samples and summaries in the same transaction is what makes every cell's
        data appear exactly once after a resume.

        Raises:
            StoreError: When no cell has that id.
        """
        with self._write("start cell") as conn:
            cursor = conn.execute(
                "UPDATE cells SET status = 'running', attempts = attempts + 1, started_at = ?,"
                " finished_at = NULL, result = NULL, failure = NULL WHERE id = ?",
                (timestamp(utc_now()), cell_id),
            )
            if cursor.rowcount == 0:
                raise StoreError(f"unknown cell id {cell_id} in {self.path}")
            conn.execute("DELETE FROM samples WHERE cell_id = ?", (cell_id,))
            conn.execute("DELETE FROM summaries WHERE cell_id = ?", (cell_id,))

    def finish_cell(
        self,
        cell_id: int,
        *,
        status: str,
        result: dict[str, Any] | None = None,
        failure: dict[str, Any] | None = None,
    ) -> None:
        """Record how a cell ended.

        Args:
            cell_id: The cell's id.
            status: 'ok' or 'failed'.
            result: The child's JSON result.
            failure: For failures, e.g. ``{'reason': 'timeout', 'exit_status': -9, 'stderr_tail': '...'}``.

        Raises:
            StoreError: On an invalid status, an unknown cell, or a value that is not JSON.
        """
        _choice("cell status", status, FINISHED_CELL_STATUSES)
        encoded = (
            None if result is None else to_json("cell result", result),
            None if failure is None else to_json("cell failure", failure),
        )
        with self._write("finish cell") as conn:
            cursor = conn.execute(
                "UPDATE cells SET status = ?, finished_at = ?, result = ?, failure = ? WHERE id = ?",
                (status, timestamp(utc_now()), *encoded, cell_id),
            )
            if cursor.rowcount == 0:
                raise StoreError(f"unknown cell id {cell_id} in {self.path}")

    # -- samples and summaries ----------------------------------------------------------------

    def add_samples(
        self, cell_id: int, metric: str, values: Sequence[float], *, unit: str, phase: str = "measure"
    ) -> None:
        """Append samples; their index continues after the last stored one of this cell, metric and phase.

        Args:
            cell_id: The cell's id.
            metric: What was measured, e.g. 'step_time'.
            values: The measurements, in order (NaN is kept, stored as NULL).
            unit: The unit of every value, e.g. 's'.
            phase: E.g. 'warmup' or 'measure'.

        Raises:
            StoreError: On an unknown cell, an empty name, or a value that is not a number.
        """
        numbers = checked_samples(metric, values, unit=unit, phase=phase)
        if not numbers:
            return
        with self._write("add samples") as conn:
            self._require_cell(conn, cell_id)
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(idx), -1) FROM samples WHERE cell_id = ? AND metric = ? AND phase = ?",
                (cell_id, metric, phase),
            ).fetchone()
            conn.executemany(
                "INSERT INTO samples (cell_id, metric, phase, idx, value, unit) VALUES (?, ?, ?, ?, ?, ?)",
                [(cell_id, metric, phase, last + 1 + i, value, unit) for i, value in enumerate(numbers)],
            )

    def samples(self, cell_id: int, metric: str | None = None, phase: str | None = None) -> list[SampleRow]:
        """A cell's samples, ordered by metric, phase and index; ``None`` filters nothing."""
        rows = self._read(
            "SELECT * FROM samples WHERE cell_id = ?1 AND (?2 IS NULL OR metric = ?2)"
            " AND (?3 IS NULL OR phase = ?3) ORDER BY metric, phase, idx",
            (cell_id, metric, phase),
        )
        return [sample_from_row(row) for row in rows]

    def sample_values(self, cell_id: int, metric: str, phase: str = "measure") -> list[float]:
        """Just the values of one metric and phase of a cell, in index order."""
        return [row.value for row in self.samples(cell_id, metric, phase)]

    def add_summary(self, cell_id: int, metric: str, stats: dict[str, Any]) -> None:
        """Store the statistics of one metric of a cell, replacing any earlier ones.

        Raises:
            StoreError: On an unknown cell or stats that cannot be stored as JSON.
        """
        encoded = to_json(f"summary of {metric!r}", stats)
        with self._write("add summary") as conn:
            self._require_cell(conn, cell_id)
            conn.execute(
                "INSERT INTO summaries (cell_id, metric, stats) VALUES (?, ?, ?)"
                " ON CONFLICT (cell_id, metric) DO UPDATE SET stats = excluded.stats",
                (cell_id, metric, encoded),
            )

    def summaries(self, run_id: str) -> list[SummaryRecord]:
        """Every summary of a run with its cell's key and config, in cell order then metric."""
        rows = self._read(
            "SELECT s.cell_id, c.key, c.config, s.metric, s.stats FROM summaries s"
            " JOIN cells c ON c.id = s.cell_id WHERE c.run_id = ? ORDER BY c.id, s.metric",
            (run_id,),
        )
        return [summary_from_row(row) for row in rows]

    def integrity_ok(self) -> bool:
        """Whether SQLite's own integrity check passes (slow on big files: for tests and 'doctor')."""
        rows = self._read("PRAGMA integrity_check")
        return [row[0] for row in rows] == ["ok"]


__all__ = ["CellRecord", "RunRecord", "SampleRow", "Store", "SummaryRecord", "default_db_path"]
