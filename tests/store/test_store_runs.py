"""Runs: ids, round trips, status, listing and resolving what a user typed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from showdown.errors import StoreError
from showdown.store import RunRecord, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "r.sqlite") as opened:
        yield opened


def new_run(store: Store, suite: str = "quick") -> str:
    return store.create_run(suite=suite, argv=["run", suite], plan={"cells": 2}, environment={"os": "linux"},
                            manifest={"threads": 4}, notes="first try")


def insert_run(store: Store, run_id: str, created_at: str) -> None:
    """A run with a chosen id and time, to test ordering and prefixes deterministically."""
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "INSERT INTO runs (id, created_at, status, suite, argv, plan, environment, manifest)"
            " VALUES (?, ?, 'complete', 's', '[]', '{}', '{}', '{}')",
            (run_id, created_at),
        )
    conn.close()


def test_run_id_is_short_sortable_and_typable(store: Store) -> None:
    run_id = new_run(store)
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", run_id)
    created = store.get_run(run_id).created_at
    assert run_id[:8] == created[:10].replace("-", "")


def test_run_round_trip(store: Store) -> None:
    run_id = new_run(store)
    run = store.get_run(run_id)
    assert isinstance(run, RunRecord)
    assert (run.suite, run.argv, run.plan) == ("quick", ("run", "quick"), {"cells": 2})
    assert (run.environment, run.manifest, run.notes) == ({"os": "linux"}, {"threads": 4}, "first try")
    assert (run.status, run.finished_at) == ("running", None)
    with pytest.raises(AttributeError):
        run.status = "complete"  # type: ignore[misc]


def test_ids_are_unique(store: Store) -> None:
    ids = {new_run(store) for _ in range(30)}
    assert len(ids) == 30


def test_finish_run_sets_status_and_validates(store: Store) -> None:
    run_id = new_run(store)
    store.finish_run(run_id, "partial")
    run = store.get_run(run_id)
    assert run.status == "partial" and run.finished_at is not None
    store.finish_run(run_id, "complete")  # after a resume
    assert store.get_run(run_id).status == "complete"
    with pytest.raises(StoreError, match="invalid run status 'done': choose from complete"):
        store.finish_run(run_id, "done")
    with pytest.raises(StoreError, match="unknown run 'nope'"):
        store.finish_run("nope", "failed")


def test_json_refuses_what_it_cannot_store(store: Store) -> None:
    with pytest.raises(StoreError, match="cannot store plan as JSON"):
        store.create_run(suite="s", argv=[], plan={"x": object()}, environment={}, manifest={})
    assert store.list_runs() == []


def test_paths_in_the_environment_become_text(store: Store, tmp_path: Path) -> None:
    run_id = store.create_run(suite="s", argv=[], plan={}, environment={"cwd": tmp_path}, manifest={})
    assert store.get_run(run_id).environment == {"cwd": str(tmp_path)}


def test_list_runs_newest_first(store: Store) -> None:
    insert_run(store, "20240101-000000-aaaa", "2024-01-01T00:00:00.000000Z")
    insert_run(store, "20250101-000000-bbbb", "2025-01-01T00:00:00.000000Z")
    fresh = new_run(store)
    assert [run.id for run in store.list_runs()] == [fresh, "20250101-000000-bbbb", "20240101-000000-aaaa"]


def test_unknown_run_message_suggests_the_closest(store: Store) -> None:
    insert_run(store, "20250101-120000-bbbb", "2025-01-01T12:00:00.000000Z")
    with pytest.raises(StoreError) as caught:
        store.get_run("20250101-120000-bbbc")
    message = str(caught.value)
    assert message.startswith("unknown run '20250101-120000-bbbc': see 'showdown runs' for the list")
    assert "20250101-120000-bbbb" in message
    with pytest.raises(StoreError) as caught:
        store.get_run("zzz")
    assert str(caught.value) == "unknown run 'zzz': see 'showdown runs' for the list"


def test_resolve_run(store: Store) -> None:
    insert_run(store, "20240101-000000-aaaa", "2024-01-01T00:00:00.000000Z")
    insert_run(store, "20240101-000001-abcd", "2024-01-01T00:00:01.000000Z")
    insert_run(store, "20250101-000000-bbbb", "2025-01-01T00:00:00.000000Z")
    assert store.resolve_run("latest") == "20250101-000000-bbbb"
    assert store.resolve_run("2025") == "20250101-000000-bbbb"
    assert store.resolve_run("20240101-000001") == "20240101-000001-abcd"
    assert store.resolve_run("20240101-000000-aaaa") == "20240101-000000-aaaa"
    with pytest.raises(StoreError, match="ambiguous: it matches 20240101-000000-aaaa, 20240101-000001-abcd"):
        store.resolve_run("2024")
    with pytest.raises(StoreError, match="unknown run '2023'"):
        store.resolve_run("2023")
    with pytest.raises(StoreError, match="unknown run"):
        store.resolve_run("")


def test_resolve_treats_like_wildcards_literally(store: Store) -> None:
    insert_run(store, "20240101-000000-aaaa", "2024-01-01T00:00:00.000000Z")
    with pytest.raises(StoreError, match="unknown run"):
        store.resolve_run("2024_")
    with pytest.raises(StoreError, match="unknown run"):
        store.resolve_run("%")


def test_latest_without_runs(store: Store) -> None:
    with pytest.raises(StoreError, match="no runs yet"):
        store.resolve_run("latest")
