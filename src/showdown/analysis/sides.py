"""A run's cells seen as sides: the processes of one side's rounds taken together.

A run in rounds stores one cell per side and round (``train/torch/cnn/default/eager/bs32/r3``).
Claims, the advisor and the reports ask about the side, so its round cells are merged into one
record: the side's key and config (round fields dropped), the result of its first ok round plus
how many rounds it has, and the id of its first round cell. Its memory is the median over the
rounds whose process read it (a shared process reads memory in its first part only: see
:mod:`showdown.scenarios.parts`). A time-to-accuracy side trains one seed per round: its runs are
pooled, with their aggregates taken again over all of them. :class:`Sides` keeps the members, so
statistics can take each process as the unit and pair the two sides of a comparison by round.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from showdown.runner.schedule import split_key
from showdown.store import CellRecord, Store

#: Config keys that belong to one round's process, not to the side.
ROUND_FIELDS = ("round", "order", "window_s", "warmup_steps", "tensorboard", "repeats", "process", "part", "session", "seeds")


@dataclass
class Sides:
    """The ok cells of a run with each side's rounds merged; ``members`` holds the round cells by merged id."""

    cells: list[CellRecord]
    members: dict[int, list[CellRecord]] = field(default_factory=dict)

    def rounds_of(self, cell: CellRecord) -> list[CellRecord]:
        """The round cells of a merged side, in round order (empty for a cell outside rounds)."""
        return self.members.get(cell.id, [])


def merge(cells: Iterable[CellRecord]) -> Sides:
    """Merge the ok round cells of each side (see the module doc); other ok cells pass unchanged."""
    plain: list[CellRecord] = []
    groups: dict[str, list[CellRecord]] = {}
    for c in cells:
        if c.status != "ok":
            continue
        side, round_no = split_key(c.key)
        if round_no is None:
            plain.append(c)
        else:
            groups.setdefault(side, []).append(c)
    out, members = list(plain), {}
    for side, group in groups.items():
        group.sort(key=lambda c: c.config["round"])
        first = group[0]
        config = {k: v for k, v in first.config.items() if k not in ROUND_FIELDS}
        merged = replace(first, key=side, config=config, result={**(first.result or {}), **_memory(group), **_runs(group), "rounds": len(group)})
        out.append(merged)
        members[merged.id] = group
    return Sides(out, members)


def _memory(group: list[CellRecord]) -> dict[str, Any]:
    """The memory of a side over its rounds: the median of the readings, from the processes that took one."""
    read = [c.result for c in group if isinstance((c.result or {}).get("peak_rss_above_baseline"), (int, float))]
    if not read:
        return {}
    values = sorted(r["peak_rss_above_baseline"] for r in read)
    return {"peak_rss_above_baseline": values[len(values) // 2], "memory_method": read[0].get("memory_method"), "memory_rounds": len(values)}


def _runs(group: list[CellRecord]) -> dict[str, Any]:
    """A time-to-accuracy side's runs over its rounds (one seed each), with the aggregates taken again over all of them."""
    from showdown.scenarios.accuracy import mlperf_mean

    runs = [r for c in group for r in (c.result or {}).get("runs", [])]
    if not runs:
        return {}
    done = sorted(r["seconds"] for r in runs if r["converged"])
    epochs = sorted(r["epochs"] for r in runs if r["converged"])
    return {"runs": runs, "seeds": [r["seed"] for r in runs], "converged": len(done), "failed": len(runs) - len(done),
            "failed_seeds": [r["seed"] for r in runs if not r["converged"]],
            "median_s": statistics.median(done) if done else None, "median_epochs": statistics.median(epochs) if epochs else None,
            "median_train_s": statistics.median(r["train_seconds"] for r in runs if r["converged"]) if done else None,
            "mlperf_mean_s": mlperf_mean([r["seconds"] if r["converged"] else None for r in runs]),
            "censored_rounds": [c.config["round"] for c in group if (c.result or {}).get("censored")]}


def process_medians(store: Store, sides: Sides, cell: CellRecord, metric: str, summaries: dict[tuple[int, str], dict[str, Any]]) -> dict[int, float]:
    """Round → the median of ``metric`` in that round's process, for a merged side."""
    out = {}
    for member in sides.rounds_of(cell):
        stats = summaries.get((member.id, metric))
        median = stats.get("median") if stats else None
        if median is None:
            values = sorted(store.sample_values(member.id, metric, "measure"))
            median = values[len(values) // 2] if values else None
        if median is not None and median > 0:
            out[member.config["round"]] = float(median)
    return out


def canary_by_round(sides: Sides, *cells: CellRecord) -> dict[int, float]:
    """Round → geometric mean of the canary seconds of the given sides' processes in that round (before and after each window)."""
    readings: dict[int, list[float]] = {}
    for cell in cells:
        for member in sides.rounds_of(cell):
            values = [v for v in (member.result or {}).get("canary_s", []) if v and v > 0]
            readings.setdefault(member.config["round"], []).extend(values)
    return {r: math.exp(sum(map(math.log, v)) / len(v)) for r, v in readings.items() if v}


def machine_speed(sides: Sides) -> dict[str, Any] | None:
    """The canary over the whole run: round → its geometric mean over every process of the round,
    with :func:`showdown.measure.paired.drift`'s reading of it (None without two rounds read)."""
    from showdown.measure.paired import drift

    by_round = canary_by_round(sides, *(c for c in sides.cells if sides.rounds_of(c)))
    moved = drift(by_round)
    if moved is None:
        return None
    fastest, slowest = min(by_round, key=by_round.__getitem__), max(by_round, key=by_round.__getitem__)
    return {"by_round": dict(sorted(by_round.items())), "fastest_round": fastest, "slowest_round": slowest,
            "spread": moved["spread"], "drifting": moved["drifting"]}

