"""Run a plan's comparisons in rounds of fresh processes until each is decided or the rounds run out.

Round ``r`` is made only when round ``r − 1`` has finished: its comparisons are those the stopping
rule (:func:`showdown.measure.paired.decision`) has not decided, its order comes from
:func:`showdown.runner.schedule.round_order`, and its cells are added to the store in that order
(the order actually run is the cells' ids; the seed is in the stored plan). Each side warms up
until steady in its first round; the count is frozen for its later rounds. Killing the run loses at
most the cell in flight: resuming finishes the round that was interrupted, with the same order, and
goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from showdown.runner.plan import TENSORBOARD_SCENARIOS, Plan, logdir
from showdown.runner.schedule import Comparison, comparisons, round_key, round_order, split_key
from showdown.store import CellRecord, Store

#: A side that failed this many rounds without one success closes its comparisons.
GIVE_UP_AFTER = 2

Step = Callable[[CellRecord, str, str, int], None]


def observations(store: Store, run_id: str) -> dict[str, dict[int, float]]:
    """Side key → round → the process median of the side's primary metric, from the stored summaries."""
    from showdown.runner.execute import primary

    out: dict[str, dict[int, float]] = {}
    for s in store.summaries(run_id):
        side, round_no = split_key(s.cell_key)
        if round_no is not None and s.metric == primary(s.config)[0] and s.stats.get("median"):
            out.setdefault(side, {})[round_no] = float(s.stats["median"])
    return out


def open_comparisons(comps: list[Comparison], cells: list[CellRecord], obs: Mapping[str, Mapping[int, float]]) -> list[Comparison]:
    """The comparisons the stopping rule has not decided, less those with a side that keeps failing."""
    from showdown.measure.paired import decision, log_differences

    failed: dict[str, int] = {}
    for c in cells:
        side, round_no = split_key(c.key)
        if round_no is not None and c.status == "failed":
            failed[side] = failed.get(side, 0) + 1
    hopeless = {s for s, n in failed.items() if n >= GIVE_UP_AFTER and not obs.get(s)}
    out = []
    for comp in comps:
        if comp.a in hopeless or comp.b in hopeless:
            continue
        if decision(log_differences(obs.get(comp.a, {}), obs.get(comp.b, {}))[1])[0] == "undecided":
            out.append(comp)
    return out


def calibrated(cells: list[CellRecord]) -> dict[str, int]:
    """Side → warm-up steps frozen from its first ok process that warmed up until steady (or its budget)."""
    out: dict[str, int] = {}
    for c in cells:
        side, round_no = split_key(c.key)
        if round_no is None or side in out or c.status != "ok" or c.config.get("warmup_steps") is not None:
            continue
        count = (c.result or {}).get("warmup_count")
        if isinstance(count, int):
            out[side] = count
    return out


def round_config(plan: Plan, side: str, config: dict[str, Any], round_no: int, order: int, warmup: int | None) -> dict[str, Any]:
    """A side's config for one round: its round, place in the round, window and frozen warm-up."""
    cfg = {**config, "round": round_no, "order": order, "window_s": plan.window_s, "warmup_steps": warmup}
    if plan.tensorboard and config["scenario"] in TENSORBOARD_SCENARIOS:
        cfg["tensorboard"] = logdir(plan.tensorboard, round_key(side, round_no))
    return cfg


def run(store: Store, run_id: str, plan: Plan, step: Step) -> None:
    """Run (or resume) the rounds of ``run_id``; ``step(cell, status, message, cells_left)`` after each cell."""
    from showdown.runner.execute import run_one

    from showdown.measure.paired import MIN_ROUNDS

    sides = plan.sides()
    comps = comparisons(sides)
    # a side with nothing to compare against (one framework selected) is measured MIN_ROUNDS times
    lonely = [k for k in sides if not any(k in (c.a, c.b) for c in comps)]
    seed = store.get_run(run_id).plan.get("schedule_seed") or 0  # drawn when the run started
    for round_no in range(1, plan.rounds + 1):
        cells = store.cells(run_id)
        mine = [c for c in cells if split_key(c.key)[1] == round_no]
        if not mine:
            open_ = open_comparisons(comps, cells, observations(store, run_id))
            wanted = [k for c in open_ for k in (c.a, c.b)] + (lonely if round_no <= MIN_ROUNDS else [])
            if not wanted:
                return
            warm = calibrated(cells)
            order = round_order(sides, wanted, round_no, seed)
            store.add_cells(run_id, [(round_key(k, round_no), round_config(plan, k, sides[k], round_no, i, warm.get(k))) for i, k in enumerate(order)])
            mine = [c for c in store.cells(run_id) if split_key(c.key)[1] == round_no]
        pending = [c for c in mine if c.status in ("pending", "running")]
        for i, cell in enumerate(pending):
            status, message = run_one(store, cell, plan)
            step(cell, status, message, len(pending) - i - 1 + len(mine) * (plan.rounds - round_no))
