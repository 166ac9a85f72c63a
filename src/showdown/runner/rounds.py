"""Run a plan's comparisons in rounds of fresh processes until each is decided or the rounds run out.

Round ``r`` is made only when round ``r − 1`` has finished: its comparisons are those the stopping
rule (:func:`showdown.measure.paired.decision`) has not decided, its order comes from
:func:`showdown.runner.schedule.round_order`, and its cells are added to the store in that order
(the order actually run is the cells' ids; the seed is in the stored plan). Each side warms up
until steady in its first round; the count is frozen for its later rounds. Killing the run loses at
most the cell in flight: resuming finishes the round that was interrupted, with the same order, and
goes on from there (a shared process killed half-way runs its unfinished parts again). A later
session (:mod:`showdown.runner.sessions`) numbers its rounds on from the run's last, runs every
comparison until it has ``MIN_ROUNDS`` rounds of its own, and then stops each as the first
session does, on every session's rounds pooled. A round's
cells are added block by block (a block: one workload's processes), just before they run, so a run
that a time budget ends leaves no cell pending.
"""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Callable, Mapping
from typing import Any

from showdown.runner.config import CellConfig
from showdown.runner.plan import TENSORBOARD_SCENARIOS, Plan, logdir
from showdown.runner.schedule import Comparison, blocks, comparisons, process_of, round_key, round_order, round_overrides, split_key
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


def open_comparisons(comps: list[Comparison], cells: list[CellRecord], obs: Mapping[str, Mapping[int, float]], first_round: int = 1) -> list[Comparison]:
    """The comparisons the stopping rule has not decided, less those with a side that keeps failing.

    The rule looks at every session's rounds (two-stage, by session) but decides afresh in the
    session that starts at ``first_round``: its looks begin once it has ``MIN_ROUNDS`` rounds.
    """
    from showdown.measure.paired import MIN_ROUNDS, decision, log_differences

    failed: dict[str, int] = {}
    for c in cells:
        side, round_no = split_key(c.key)
        if round_no is not None and c.status == "failed":
            failed[side] = failed.get(side, 0) + 1
    hopeless = {s for s, n in failed.items() if n >= GIVE_UP_AFTER and not obs.get(s)}
    session_of = {c.config.get("round"): int(c.config.get("session") or 1) for c in cells}
    out = []
    for comp in comps:
        if comp.a in hopeless or comp.b in hopeless:
            continue
        rounds, d = log_differences(obs.get(comp.a, {}), obs.get(comp.b, {}))
        groups = [session_of.get(r, 1) for r in rounds]
        earlier = sum(r < first_round for r in rounds)
        if decision(d, groups=groups if len(set(groups)) > 1 else None, first_look=earlier + MIN_ROUNDS)[0] == "undecided":
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


def round_config(plan: Plan, side: str, config: CellConfig, round_no: int, order: int, warmup: int | None, part: int = 0) -> CellConfig:
    """A side's config for one round: its round, place in the round, process and part, window and frozen warm-up."""
    cfg = replace(config, **round_overrides(config, round_no), round=round_no, order=order, window_s=plan.window_s, warmup_steps=warmup,
                  process=round_key(process_of(side, config), round_no), part=part, session=plan.session)
    if plan.tensorboard and config.scenario in TENSORBOARD_SCENARIOS:
        cfg = replace(cfg, tensorboard=logdir(plan.tensorboard, round_key(side, round_no)))
    return cfg


def run(store: Store, run_id: str, plan: Plan, step: Step, deadline: float | None = None, clock: Callable[[], float] = time.monotonic) -> str:
    """Run (or resume) the rounds of ``run_id``; ``step(cell, status, message, cells_left)`` after each cell.

    With a ``deadline`` (on ``clock``), a block of processes starts only when its estimate
    (:mod:`showdown.runner.estimate`) ends before it: the budget is a hard stop, and what is
    undecided then stays undecided.

    Returns:
        Why the rounds ended: ``decided`` (nothing left open), ``rounds`` (the last round ran) or
        ``budget``.
    """
    from showdown.measure.paired import MIN_ROUNDS
    from showdown.runner import estimate
    from showdown.runner.execute import run_process

    sides = plan.sides()
    comps = comparisons(sides)
    # a side with nothing to compare against (one framework selected) is measured MIN_ROUNDS times
    lonely = [k for k in sides if not any(k in (c.a, c.b) for c in comps)]
    seed = store.get_run(run_id).plan.get("schedule_seed") or 0  # drawn when the run started
    past = estimate.history(store) if deadline is not None else {}
    last = plan.first_round + plan.rounds - 1
    for round_no in range(plan.first_round, last + 1):
        cells = store.cells(run_id)
        # the round is planned from the rounds before it only, so a resumed round gets the same plan
        earlier = [c for c in cells if (split_key(c.key)[1] or round_no) < round_no]
        obs = {side: {r: v for r, v in by_round.items() if r < round_no} for side, by_round in observations(store, run_id).items()}
        wanted = [k for c in open_comparisons(comps, earlier, obs, plan.first_round) for k in (c.a, c.b)]
        wanted += lonely if round_no < plan.first_round + MIN_ROUNDS else []
        if not wanted:
            return "decided"
        warm = calibrated(earlier)
        order = round_order(sides, wanted, round_no, seed)
        flat = [k for parts in order for k in parts]
        made = {split_key(c.key)[0]: c for c in cells if split_key(c.key)[1] == round_no}
        for block in blocks(order, sides):
            if not all(k in made for parts in block for k in parts):
                if deadline is not None and clock() + sum(estimate.parts_s(past, parts, sides, plan.window_s) for parts in block) > deadline:
                    return "budget"
                store.add_cells(run_id, [(round_key(k, round_no), round_config(plan, k, sides[k], round_no, flat.index(k), warm.get(k), i).to_dict())
                                         for parts in block for i, k in enumerate(parts)])
                made = {split_key(c.key)[0]: c for c in store.cells(run_id) if split_key(c.key)[1] == round_no}
            for parts in block:
                todo = [made[k] for k in parts if made[k].status in ("pending", "running")]
                if not todo:
                    continue
                for cell, (status, message) in zip(todo, run_process(store, todo, plan)):
                    step(cell, status, message, len(flat) - flat.index(split_key(cell.key)[0]) - 1 + len(flat) * (last - round_no))
    return "rounds"
