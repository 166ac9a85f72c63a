"""Opening the results file safely: refuse what is not ours before SQLite writes a single byte.

Order matters. Setting ``journal_mode=WAL`` rewrites the file header, so every check that a file
belongs to showdown (SQLite header, ``meta`` marker, schema version) runs before any pragma that
writes, and a refused file is left byte-identical.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from showdown.errors import StoreError
from showdown.store.schema import check_not_newer, migrate, stored_version

SQLITE_HEADER = b"SQLite format 3\x00"
# Long enough to ride out a reader (report, export) holding the file during a checkpoint.
BUSY_TIMEOUT_S = 10.0


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open (and when needed create and migrate) a showdown results database.

    Args:
        path: The database file.
        create: Whether a missing file (and its parent directories) may be created.

    Returns:
        A connection in autocommit mode, WAL journal, ``synchronous=NORMAL``, foreign keys on,
        rows as ``sqlite3.Row``, at the code's schema version.

    Raises:
        StoreError: When the file is missing (and ``create`` is False), cannot be created or
            written, is not a SQLite file, is corrupt, belongs to another application, or has a
            newer schema than this code knows.
    """
    if _check_existing(path, create=create):
        _make_parent(path)
    conn = _open(path, create=create)
    try:
        check_not_newer(stored_version(conn, path), path)
        _configure(conn, path)
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_existing(path: Path, *, create: bool) -> bool:
    """Vet an existing file by its header; return True when the file must be created."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a results database file")
    if not path.exists():
        if not create:
            raise StoreError(f"no results database at {path}: run a suite first, or pass --db")
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read the results database at {path}: {exc.strerror or exc}") from exc
    # A zero-byte file is a valid empty SQLite database (e.g. made by mktemp): initialise it.
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a SQLite database (wrong file header); left untouched: "
            "choose another path (--db or $SHOWDOWN_DB)"
        )
    return False


def _make_parent(path: Path) -> None:
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise StoreError(
            f"cannot create the results database at {path}: {blocker} is a file, not a directory"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the results database at {path}: {exc.strerror or exc}") from exc


def _open(path: Path, *, create: bool) -> sqlite3.Connection:
    # mode=rw makes SQLite itself refuse to create a file when the caller asked it not to.
    uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the results database at {path}: {exc}{_why_not(path)}") from exc
    conn.row_factory = sqlite3.Row
    return conn


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives a killed process; only power loss can drop the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the results database at {path}: {exc}{_why_not(path)}") from exc


def _why_not(path: Path) -> str:
    """An OS-level reason to append to SQLite's terse 'unable to open database file'."""
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        return f" ({target} is not writable)"
    return ""
