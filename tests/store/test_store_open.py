"""Opening the results file: creation, WAL, migrations, and refusing files that are not ours."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from showdown.errors import StoreError
from showdown.store import SCHEMA_VERSION, Store, default_db_path
from showdown.store.schema import MIGRATIONS, migrate


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def test_create_makes_parents_and_marks_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "results.sqlite"
    with Store.open(path) as store:
        assert store.path == path
    assert path.is_file()
    assert meta(path) == {"app": "showdown", "schema_version": str(SCHEMA_VERSION)}


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with Store.open(path) as store:
        run_id = store.create_run(suite="quick", argv=["run"], plan={}, environment={}, manifest={})
    with Store.open(path, create=False) as store:
        assert [run.id for run in store.list_runs()] == [run_id]


def test_wal_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with Store.open(path) as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    # WAL is a property of the file: a plain connection sees it too.
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_tables_and_sample_index(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        index_columns = [row[2] for row in conn.execute("PRAGMA index_info('samples_cell_metric')")]
    assert tables == {"meta", "runs", "cells", "samples", "summaries"}
    assert index_columns[:2] == ["cell_id", "metric"]


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(StoreError, match="no results database"):
        Store.open(path, create=False)
    assert not path.exists()


def test_zero_byte_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    Store.open(path).close()
    assert meta(path)["schema_version"] == str(SCHEMA_VERSION)


def test_empty_sqlite_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite"
    sqlite3.connect(path).execute("VACUUM").connection.close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    Store.open(path).close()
    assert meta(path)["app"] == "showdown"


def test_a_new_migration_is_applied_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    Store.open(path).close()
    calls = []

    def add_tags(conn: sqlite3.Connection) -> None:
        calls.append("tags")
        conn.execute("CREATE TABLE tags (run_id TEXT, tag TEXT)")

    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, path, (*MIGRATIONS, add_tags)) == SCHEMA_VERSION + 1
    assert migrate(conn, path, (*MIGRATIONS, add_tags)) == SCHEMA_VERSION + 1
    conn.close()
    assert calls == ["tags"]
    assert meta(path)["schema_version"] == str(SCHEMA_VERSION + 1)


def test_a_failing_migration_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    Store.open(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(StoreError, match="migration failed"):
        migrate(conn, path, (*MIGRATIONS, broken))
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "half" not in tables
    assert meta(path)["schema_version"] == str(SCHEMA_VERSION)


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert "99" in str(caught.value) and f"up to {SCHEMA_VERSION}" in str(caught.value)
    assert digest(path) == before


def test_not_a_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = digest(path)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store.open(path)
    assert digest(path) == before


def test_someone_elses_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
        conn.execute("INSERT INTO people VALUES ('ada')")
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="not a showdown results database"):
        Store.open(path)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_a_foreign_meta_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (k TEXT, v TEXT)")  # same name, other shape
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="not a showdown results database"):
        Store.open(path)
    assert digest(path) == before


def test_meta_of_another_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('app', 'other'), ('schema_version', '1')")
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="not a showdown results database"):
        Store.open(path)
    assert digest(path) == before


def test_corrupt_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    # A valid header followed by garbage: SQLite cannot read its first page.
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    before = digest(path)
    with pytest.raises(StoreError, match="corrupt or not a SQLite database"):
        Store.open(path)
    assert digest(path) == before


def test_unwritable_location_names_path_and_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    path = blocker / "sub" / "r.sqlite"
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    message = str(caught.value)
    assert str(path) in message and "is a file, not a directory" in message
    assert blocker.read_text() == "x"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(tmp_path)


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHOWDOWN_DB", raising=False)
    assert default_db_path() == Path("showdown-results") / "showdown.sqlite"
    monkeypatch.setenv("SHOWDOWN_DB", str(tmp_path / "x.sqlite"))
    assert default_db_path() == tmp_path / "x.sqlite"


def test_open_without_path_uses_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHOWDOWN_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    Store.open().close()
    assert (tmp_path / "showdown-results" / "showdown.sqlite").is_file()
