"""How long a process will take, for the time budget: from this database's history, else defaults.

A process's time outside its measuring windows (start-up, import, build, warm-up, canary) is what
varies between processes; the windows are fixed. Earlier ok processes with the same key (a round's
process without its round: ``steady/torch/cnn/default``, or a cold start's side; a cell's key
outside rounds) in any run of the database give the median of that time per part; without
history, the defaults below are used.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

from showdown.runner.config import CellConfig
from showdown.runner.schedule import process_of, split_key
from showdown.store import Store

# Seconds outside the window per process when nothing is known come from each contender's
# description (``process_s``, and ``scenario_process_s`` for the scenarios whose process does more
# than warm up and measure a window): see :func:`default_process_s`.
UNKNOWN_PROCESS_S = 5.0
#: Seconds outside the window of each further part of a shared process (first call, warm-up, canary).
PART_S = 1.0
#: Seconds per cell outside rounds when nothing is known (the slowest scenarios of a quick run).
CELL_S = 15.0


def history(store: Store) -> dict[str, list[float]]:
    """Process or cell key → seconds outside the measuring windows per part of each earlier ok process of that key."""
    out: dict[str, list[float]] = {}
    for run in store.list_runs():
        for cell in store.cells(run.id):
            result = cell.result or {}
            if cell.status != "ok" or cell.config.get("part", 0):  # a shared process is counted at its first part
                continue
            seconds = result.get("process_duration_s", result.get("duration_s"))
            if isinstance(seconds, (int, float)):
                parts = int(result.get("process_parts", 1))
                key, _ = split_key(cell.config.get("process") or cell.key)
                out.setdefault(key, []).append(max(0.0, float(seconds) - parts * float(cell.config.get("window_s") or 0.0)) / parts)
    return out


def process_s(past: Mapping[str, list[float]], key: str, config: CellConfig, window_s: float = 0.0, parts: int = 1) -> float:
    """Expected seconds of one process of ``key`` (a round's process or a cell outside rounds) of ``parts`` parts with this window each."""
    seen = past.get(key)
    if seen:
        return parts * (statistics.median(seen) + window_s)
    if window_s:
        start = default_process_s(str(config.framework), config.scenario)
        return start + (parts - 1) * PART_S + parts * window_s
    return CELL_S


def default_process_s(framework: str, scenario: str) -> float:
    """Seconds outside the window of a ``scenario`` process of ``framework`` when no history says."""
    from showdown.frameworks.base import CONTENDERS

    c = CONTENDERS.get(framework)
    if c is None:
        return UNKNOWN_PROCESS_S
    return c.scenario_process_s.get(scenario, c.process_s)


def parts_s(past: Mapping[str, list[float]], parts: list[str], sides: Mapping[str, CellConfig], window_s: float) -> float:
    """Expected seconds of the round's process that measures the sides ``parts``."""
    return process_s(past, process_of(parts[0], sides[parts[0]]), sides[parts[0]], window_s, len(parts))


def plan_s(past: Mapping[str, list[float]], cells: list[tuple[str, CellConfig]], sides: Mapping[str, CellConfig], window_s: float) -> tuple[float, float]:
    """``(seconds of the cells outside rounds, seconds of one full round)`` by :func:`process_s`."""
    processes: dict[str, list[str]] = {}
    for key, config in sides.items():
        processes.setdefault(process_of(key, config), []).append(key)
    return (sum(process_s(past, k, c) for k, c in cells), sum(parts_s(past, parts, sides, window_s) for parts in processes.values()))


def source(past: Mapping[str, list[float]], keys: list[str]) -> str:
    """Where the estimate of ``keys`` comes from, in words."""
    known = sum(k in past for k in keys)
    return "defaults" if not known else f"this database's earlier processes for {known} of {len(keys)}"


def preview(past: Mapping[str, list[float]], plan: Any, cells: list[tuple[str, CellConfig]] | None = None) -> tuple[str, float]:
    """What the plan's rounds are expected to take, in words, and the smallest budget that fits one round.

    ``cells`` are the cells outside rounds still to run (default: all of the plan's; none for a
    later session).

    Raises:
        ConfigError: When the plan's time budget cannot fit its cells outside rounds and one round,
            naming the smallest budget that does.
    """
    from showdown.errors import ConfigError
    from showdown.runner.schedule import comparisons

    sides = plan.sides()
    cells = plan.cells() if cells is None else cells
    plain, per_round = plan_s(past, cells, sides, plan.window_s)
    smallest = plain + per_round
    where = source(past, [*dict.fromkeys(process_of(k, c) for k, c in sides.items()), *(k for k, _ in cells)])
    text = (f"{len(comparisons(sides))} comparisons of {len(sides)} sides in up to {plan.rounds} rounds; "
            f"a full round ≈ {per_round:.0f} s, the cells outside rounds ≈ {plain:.0f} s (estimated from {where})")
    if plan.time_budget_s:
        if plan.time_budget_s < smallest:
            raise ConfigError(f"time budget {plan.time_budget_s:g} s cannot fit the cells outside rounds and one round: "
                              f"the smallest that does is about {_budget_at_least(smallest)} (estimated from {where})")
        fits = min(plan.rounds, int((plan.time_budget_s - plain) // per_round)) if per_round else plan.rounds
        text += f"; about {fits} full rounds fit in the {plan.time_budget_s:g} s budget (decided comparisons drop out, so later rounds are shorter)"
        text += _too_few(fits, plan.rounds, plain, per_round)
    return text, smallest


def _too_few(fits: int, rounds: int, plain: float, per_round: float) -> str:
    """The warning when fewer rounds fit than the earliest decision needs ("" otherwise)."""
    from showdown.measure.paired import MIN_ROUNDS

    needed = MIN_ROUNDS + 1  # looks start at MIN_ROUNDS, and a decision needs two consecutive looks that agree
    if fits >= needed or rounds < needed:
        return ""
    return (f"; fewer than {needed} rounds cannot decide any comparison (the intervals stay wide and the claims"
            f" inconclusive where the effect is small): --budget {_budget_at_least(plain + needed * per_round)} would fit {needed}")


def _budget_at_least(seconds: float) -> str:
    """A budget at least ``seconds`` long, as ``--budget`` takes it: whole 10 s under 2 minutes, else whole minutes."""
    import math

    return f"{math.ceil(seconds / 10.0) * 10}s" if seconds < 120 else f"{math.ceil(seconds / 60.0)}m"
