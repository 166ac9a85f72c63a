"""The results schema, as an ordered list of migrations, and the check that a file is ours.

Migration N (1-based) takes a database from schema version N-1 to N. Each runs in its own
``BEGIN IMMEDIATE`` transaction together with the bump of ``meta.schema_version``, so a crash
mid-migration leaves the previous version intact. Never edit a released migration: append one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from showdown.errors import StoreError

APP_MARKER = "showdown"

Migration = Callable[[sqlite3.Connection], None]

_V1_STATEMENTS = (
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE runs (
        id          TEXT PRIMARY KEY,            -- e.g. 20261125-145012-3f9a (UTC + 4 hex)
        created_at  TEXT NOT NULL,               -- ISO 8601 UTC
        finished_at TEXT,
        status      TEXT NOT NULL
                    CHECK (status IN ('running', 'complete', 'partial', 'interrupted', 'failed')),
        suite       TEXT NOT NULL,
        argv        TEXT NOT NULL,               -- JSON list
        plan        TEXT NOT NULL,               -- JSON object
        environment TEXT NOT NULL,               -- JSON object
        manifest    TEXT NOT NULL,               -- JSON object: the fairness manifest
        notes       TEXT
    )""",
    "CREATE INDEX runs_created ON runs (created_at)",
    """CREATE TABLE cells (
        id          INTEGER PRIMARY KEY,
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key         TEXT NOT NULL,               -- e.g. train/torch/cnn/default/eager/bs32
        config      TEXT NOT NULL,               -- JSON object
        status      TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'ok', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        started_at  TEXT,
        finished_at TEXT,
        result      TEXT,                        -- JSON object from the child
        failure     TEXT,                        -- JSON object: reason, exit_status, stderr_tail
        UNIQUE (run_id, key)
    )""",
    """CREATE TABLE samples (
        cell_id INTEGER NOT NULL REFERENCES cells (id) ON DELETE CASCADE,
        metric  TEXT NOT NULL,
        phase   TEXT NOT NULL,
        idx     INTEGER NOT NULL,
        value   REAL,                            -- NULL where a NaN was measured
        unit    TEXT NOT NULL
    )""",
    # Unique, so a sample can never be stored twice; its (cell_id, metric) prefix serves lookups.
    "CREATE UNIQUE INDEX samples_cell_metric ON samples (cell_id, metric, phase, idx)",
    """CREATE TABLE summaries (
        cell_id INTEGER NOT NULL REFERENCES cells (id) ON DELETE CASCADE,
        metric  TEXT NOT NULL,
        stats   TEXT NOT NULL,                   -- JSON object
        PRIMARY KEY (cell_id, metric)
    )""",
)


def _v1_initial(conn: sqlite3.Connection) -> None:
    # executescript() would COMMIT the surrounding transaction, so run statements one by one.
    for statement in _V1_STATEMENTS:
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('app', ?)", (APP_MARKER,))


MIGRATIONS: tuple[Migration, ...] = (_v1_initial,)
SCHEMA_VERSION = len(MIGRATIONS)


def stored_version(conn: sqlite3.Connection, path: Path) -> int:
    """Read the schema version of an open database, refusing files that are not ours.

    Args:
        conn: A connection to the file.
        path: The file's path, for messages.

    Returns:
        0 for a database with no tables at all (safe to initialise), else ``meta.schema_version``.

    Raises:
        StoreError: When the file is not SQLite, is corrupt, or is someone else's database.
    """
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return 0
        columns = {row[1] for row in conn.execute("PRAGMA table_info(meta)")}
        if not {"key", "value"} <= columns:  # no meta, or someone else's of another shape
            raise _foreign(path)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError as exc:  # e.g. locked past the busy timeout
        raise StoreError(f"cannot read the results database at {path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is corrupt or not a SQLite database ({exc})") from exc
    if meta.get("app") != APP_MARKER or not str(meta.get("schema_version", "")).isdigit():
        raise _foreign(path)
    return int(meta["schema_version"])


def _foreign(path: Path) -> StoreError:
    return StoreError(
        f"{path} is a SQLite database but not a showdown results database; "
        "left untouched: choose another path (--db or $SHOWDOWN_DB)"
    )


def check_not_newer(version: int, path: Path, known: int = SCHEMA_VERSION) -> None:
    """Refuse a database written by a newer showdown, before anything touches it.

    Raises:
        StoreError: When ``version`` is above ``known``, naming both.
    """
    if version > known:
        raise StoreError(
            f"{path} has schema version {version}, but this showdown knows versions up to "
            f"{known}: upgrade showdown to read it"
        )


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Apply the migrations the database lacks, each in its own transaction.

    Args:
        conn: A connection in autocommit mode (``isolation_level=None``).
        path: The file's path, for messages.
        migrations: The ordered migrations; the default is the code's schema.

    Returns:
        The schema version after migrating.

    Raises:
        StoreError: When the file is not ours, is newer than ``migrations``, or a migration fails.
    """
    version = stored_version(conn, path)
    check_not_newer(version, path, len(migrations))
    while version < len(migrations):
        version = _apply_next(conn, path, migrations)
    return version


def _apply_next(conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> int:
    try:
        conn.execute("BEGIN IMMEDIATE")
        # Read again under the write lock: another process may have migrated meanwhile.
        current = stored_version(conn, path)
        check_not_newer(current, path, len(migrations))
        if current < len(migrations):
            migrations[current](conn)
            current += 1
            _set_version(conn, current)
        conn.execute("COMMIT")
        return current
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{path}: schema migration failed, rolled back: {exc}") from exc
        raise


def _set_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(version),),
    )
