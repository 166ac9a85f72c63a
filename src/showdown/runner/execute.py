"""Run a plan's cells one child process at a time, writing every sample as it arrives.

The parent never imports a framework. A cell that fails becomes a failure record and the run goes
on. Killing the parent loses at most the cell in flight: it stays ``running`` in the database and
``--resume`` runs it again from scratch (its partial samples are cleared first).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from showdown.runner.config import CellConfig, stored
from showdown.runner.plan import TARGETS, Plan
from showdown.store import CellRecord, Store

# the main metric of each scenario: (metric, lower is better)
PRIMARY: dict[str, tuple[str, bool]] = {
    "train": ("step_time", True),
    "infer": ("latency", True),
    "serve/offline": ("offline_throughput", False),
    "serve/server": ("server_qps", False),
    "dynamic": ("first_pass", True),
    "accuracy": ("time_to_accuracy", True),
    "coldstart": ("coldstart_total", True),
    "deploy": ("latency_bs1", True),
    "footprint": ("import_time", True),
    "devx": ("devx_score", False),
}
# metrics a scenario also shows and compares, after its primary one
SECONDARY: dict[str, tuple[tuple[str, bool], ...]] = {
    "dynamic": (("round_time", True),),
}


def primary(config: dict[str, Any]) -> tuple[str, bool]:
    """The main metric of a cell and whether lower is better."""
    scenario = config["scenario"]
    if scenario == "serve":
        scenario = f"serve/{config.get('loadgen_scenario', 'offline')}"
    return PRIMARY[scenario]


def metrics(config: dict[str, Any]) -> list[tuple[str, bool]]:
    """The metrics a cell is shown and compared on, primary first, each with whether lower is better."""
    return [primary(config), *SECONDARY.get(config["scenario"], ())]


@dataclass(frozen=True)
class Progress:
    """What the progress display is told after each cell."""

    index: int
    total: int
    key: str
    status: str
    message: str = ""


def environment(plan: Plan) -> dict[str, Any]:
    """The machine's environment plus each framework's installed version (read without importing it)."""
    from showdown.measure.environment import collect

    env = collect()
    env["frameworks"] = {f: {"version": _version(f)} for f in plan.frameworks}
    # Other work on the machine distorts timings badly (OpenMP thread pools oversubscribed): keep
    # the load at the start so a reader can judge, and `show` can warn.
    env["load_average"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return env


def _version(framework: str) -> str | None:
    from showdown.frameworks.base import contender

    for dist in contender(framework).distributions:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def manifest(plan: Plan) -> dict[str, Any]:
    """The fairness manifest as requested; each side's effective settings are added as cells report."""
    from showdown.measure.fairness import Manifest, default_threads

    sizes = tuple(sorted({*plan.train_batch_sizes, *plan.infer_batch_sizes}))
    return Manifest(
        intra_op_threads=plan.threads or default_threads(),
        inter_op_threads=plan.inter_op_threads or plan.threads or default_threads(),
        device=plan.device,
        batch_sizes=sizes,
    ).to_dict()


def start(store: Store, plan: Plan, argv: list[str], notes: str | None = None) -> str:
    """Record a new run and its cells (with rounds, a drawn schedule seed is stored in its plan); return the run id."""
    if plan.rounds and plan.schedule_seed is None:
        import random

        plan = replace(plan, schedule_seed=random.SystemRandom().randrange(2**31))
    run_id = store.create_run(
        suite=plan.suite, argv=argv, plan=plan.to_dict(), environment=environment(plan), manifest=manifest(plan), notes=notes
    )
    store.add_cells(run_id, stored(plan.cells()))
    return run_id


def execute(store: Store, run_id: str, plan: Plan, on_progress: Callable[[Progress], None] | None = None) -> str:
    """Run every pending cell of ``run_id``, then its rounds (see :mod:`showdown.runner.rounds`); return the run's final status.

    With a time budget, the rounds stop starting processes once the next condition's would end
    past it (counted from this call: a resumed run gets its budget again).

    Raises:
        KeyboardInterrupt: After marking the run ``interrupted`` (the cell in flight stays pending).
    """
    from showdown.runner import rounds
    from showdown.runner.schedule import split_key

    plain = [c for c in store.pending_cells(run_id) if split_key(c.key)[1] is None]
    done = [len(store.cells(run_id)) - len(store.pending_cells(run_id))]

    def step(cell: CellRecord, status: str, message: str, left: int) -> None:
        done[0] += 1
        if on_progress:
            on_progress(Progress(done[0], done[0] + left, cell.key, status, message))

    # the cells outside rounds run first: the rounds then use what is left of the time budget
    deadline = time.monotonic() + plan.time_budget_s if plan.time_budget_s else None
    future = len(plan.sides()) * plan.rounds
    try:
        for i, cell in enumerate(plain):
            status, message = run_one(store, cell, plan)
            step(cell, status, message, len(plain) - i - 1 + future)
        rounds.run(store, run_id, plan, step, deadline)
    except KeyboardInterrupt:
        store.finish_run(run_id, "interrupted")
        raise
    shutil.rmtree(source_cache(run_id), ignore_errors=True)
    cells = store.cells(run_id)
    failed = sum(c.status == "failed" for c in cells)
    status = "complete" if failed == 0 else ("failed" if failed == len(cells) else "partial")
    store.finish_run(run_id, status)
    return status


def run_one(store: Store, cell: CellRecord, plan: Plan) -> tuple[str, str]:
    """Run one cell in a child process and store its samples, summaries and outcome."""
    from showdown.measure.contention import Contention
    from showdown.runner.isolate import run_cell

    store.start_cell(cell.id)
    config = CellConfig.of(cell.config)
    skip = skip_reason(config)
    if skip:
        store.finish_cell(cell.id, status="failed", failure={"reason": "skipped", "message": skip, "exit_status": None, "stderr_tail": ""})
        return "skipped", skip

    def on_message(kind: str, data: dict[str, Any]) -> None:
        if kind == "samples":
            store.add_samples(cell.id, data["metric"], data["values"], unit=data["unit"], phase=data.get("phase", "measure"))

    if config.scenario == "deploy":
        config = replace(config, source_cache=source_cache(cell.run_id))
    with Contention() as others:  # what other processes took from the machine while the cell ran
        outcome = run_cell(
            TARGETS[config.scenario], config.to_dict(), threads=plan.threads, timeout_s=plan.timeout_s, memory_mb=plan.memory_mb, on_message=on_message,
            env=_env(plan),
        )
    if outcome.status == "ok":
        summarize_cell(store, cell.id)
        store.finish_cell(cell.id, status="ok", result={**(outcome.result or {}), "duration_s": outcome.duration_s, "child_peak_rss": outcome.peak_rss_bytes,
                                                         "contention": others.to_dict()})
        return "ok", ""
    store.finish_cell(cell.id, status="failed", failure=outcome.failure_record())
    return "failed", outcome.message or outcome.status


PARTS_TARGET = "showdown.scenarios.parts:cell"


def run_process(store: Store, cells: list[CellRecord], plan: Plan) -> list[tuple[str, str]]:
    """Run a round's process: one cell alone (:func:`run_one`), or several as the parts of one shared child.

    A shared child's samples carry their part's index and are stored under that part's cell; each
    part's outcome becomes its cell's (a child that dies fails every part, with its failure record).
    Each part's result adds the process's wall time, peak memory and part count.
    """
    from showdown.measure.contention import Contention
    from showdown.runner.isolate import run_cell

    if len(cells) == 1:
        return [run_one(store, cells[0], plan)]
    for cell in cells:
        store.start_cell(cell.id)

    def on_message(kind: str, data: dict[str, Any]) -> None:
        if kind == "samples":
            store.add_samples(cells[data["part"]].id, data["metric"], data["values"], unit=data["unit"], phase=data.get("phase", "measure"))

    configs = [CellConfig.of(c.config) for c in cells]
    payload: dict[str, Any] = {"parts": [c.to_dict() for c in configs]}
    frameworks = {c.framework for c in configs}
    if len(frameworks) == 1:  # the child then gets its contender's environment (a Keras backend)
        payload["framework"] = frameworks.pop()
    with Contention() as others:
        outcome = run_cell(PARTS_TARGET, payload, threads=plan.threads, timeout_s=plan.timeout_s, memory_mb=plan.memory_mb, on_message=on_message,
                           env=_env(plan))
    if outcome.status != "ok":
        for cell in cells:
            store.finish_cell(cell.id, status="failed", failure=outcome.failure_record())
        return [("failed", outcome.message or outcome.status)] * len(cells)
    shared = {"process_duration_s": outcome.duration_s, "process_peak_rss": outcome.peak_rss_bytes, "process_parts": len(cells), "contention": others.to_dict()}
    out = []
    parts = list((outcome.result or {}).get("parts", []))
    parts += [{"status": "failed", "type": "MissingPart", "message": "the shared process returned no outcome for this part", "traceback": ""}] * (len(cells) - len(parts))
    for cell, part in zip(cells, parts):
        if part["status"] == "ok":
            summarize_cell(store, cell.id)
            store.finish_cell(cell.id, status="ok", result={**part["result"], "duration_s": part["result"]["part_s"], **shared})
            out.append(("ok", ""))
        else:
            message = f"{part['type']}: {part['message']}"
            store.finish_cell(cell.id, status="failed", failure={"reason": "error", "exit_status": 0, "signal": None, "message": message,
                                                                 "stderr_tail": part["traceback"][-4000:]})
            out.append(("failed", message))
    return out


def source_cache(run_id: str) -> str:
    """Where a run's deployment cells share the trained source models (removed when the run ends; kept by an interrupted run for its resume)."""
    return os.path.join(tempfile.gettempdir(), f"showdown-sources-{run_id}")


def skip_reason(config: CellConfig) -> str | None:
    """Why a cell cannot run here (a missing runtime), with the command that would fix it."""
    if config.scenario != "deploy":
        return None
    from showdown.deploy.paths import get

    info = get(str(config.path))
    missing = info.missing()
    return f"{info.name} needs {', '.join(missing)}, not installed: {info.install}" if missing else None


def _env(plan: Plan) -> dict[str, str]:
    env = {}
    if plan.inter_op_threads:
        env["TF_NUM_INTEROP_THREADS"] = str(plan.inter_op_threads)
    return env


def summarize_cell(store: Store, cell_id: int) -> None:
    """Summarize every measured metric of a cell (median, IQR, percentiles, bootstrap CI)."""
    from showdown.measure.stats import summarize

    values: dict[str, list[float]] = {}
    for row in store.samples(cell_id, phase="measure"):
        values.setdefault(row.metric, []).append(row.value)
    for metric, vals in values.items():
        if vals:
            store.add_summary(cell_id, metric, summarize(vals).to_dict())
