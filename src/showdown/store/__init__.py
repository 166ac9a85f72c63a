"""The results store: SQLite schema and migrations, reading and writing, export.

``export_run`` lives in :mod:`showdown.store.export` and is not imported here, so opening the
store stays cheap; it imports pyarrow only when asked for Parquet.
"""

from __future__ import annotations

from showdown.store.db import Store, default_db_path
from showdown.store.records import CellRecord, RunRecord, SampleRow, SummaryRecord
from showdown.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "CellRecord",
    "RunRecord",
    "SampleRow",
    "Store",
    "SummaryRecord",
    "default_db_path",
]
