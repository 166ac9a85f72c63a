"""A round's shared process: several sides of one framework and workload measured one after another.

Its payload is ``{"parts": [config, ...]}``, each part a cell's config (a training or inference
side of the round). Each part runs its scenario's cell function as it would alone — configure,
build its own model, first call, warm-up, window — with its samples tagged by its index, so the
parent stores them under that part's cell. A part that raises is recorded and the next one runs.

Memory is read only in the first part: later parts find the framework's allocator, caches and
thread pools already grown by the earlier ones, so their peak above baseline would not be what a
process of their own sees. The schedule rotates the parts from round to round, so each part is
first in some round (its memory comes from those).
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from showdown.scenarios import common

MEMORY_FIELDS = ("peak_rss_above_baseline", "device_memory")


def cell(payload: dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a shared process: ``{"parts": [...]}`` → ``{"parts": [outcome, ...]}``.

    Each outcome is ``{"status": "ok", "result": {...}}`` or ``{"status": "failed", "type",
    "message", "traceback"}``; an ok result adds ``part_s`` (its wall seconds in this process).
    """
    from showdown.runner.child import describe_error, resolve
    from showdown.runner.config import CellConfig
    from showdown.runner.plan import TARGETS

    out = []
    for index, part in enumerate(payload["parts"]):
        def tagged(kind: str, data: dict[str, Any], index: int = index) -> None:
            emit(kind, {**data, "part": index})

        start = time.perf_counter()
        try:
            config = CellConfig.of(part)
            result = resolve(TARGETS[config.scenario])(config, tagged)
        except Exception as exc:  # noqa: BLE001 - a failed part is that part's record
            out.append({"status": "failed", **describe_error(exc)})
            traceback.print_exc()
            continue
        result = {**result, "part_s": time.perf_counter() - start, "position": index}
        if index:
            result.update(dict.fromkeys(MEMORY_FIELDS), memory_method=f"not read: part {index + 1} of a shared process (only the first part reads memory)")
        out.append({"status": "ok", "result": result})
    return {"parts": out}
