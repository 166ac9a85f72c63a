"""Sessions: more rounds of a run, added later (``showdown run --append RUN_ID``).

A run's rounds were all measured within one stretch of time; what changes over hours and days
(the host's other guests, its frequency, what the kernel has cached) is a level of variation the
rounds never sampled. A *session* is such a stretch: appending one to a run measures the same
comparisons again, in rounds numbered on from the run's last, with the same plan, schedule seed
and frozen warm-ups, and the statistics then take sessions as a level above rounds (a two-stage
bootstrap, each session's own ratio, and whether any two sessions disagree beyond their intervals:
see :mod:`showdown.measure.paired`).

Only the same machine and versions can be pooled: a run measured in another environment is
refused (``showdown compare`` is the tool for two environments). The run's plan keeps the list of
its sessions (first round, cap, budget, when it started, the command line and its notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from showdown.errors import ConfigError
from showdown.runner.plan import Plan
from showdown.runner.schedule import split_key
from showdown.store import CellRecord, RunRecord, Store


def plan_session(store: Store, run_id: str, *, rounds: int | None = None, time_budget_s: float | None = None,
                 argv: Sequence[str] = (), notes: str | None = None) -> Plan:
    """The plan of a new session of ``run_id``, checked; nothing is written (see :func:`open_session`).

    Args:
        store: The results database.
        run_id: The run's full id.
        rounds: The session's cap on rounds (default: the first session's).
        time_budget_s: The session's wall-clock budget (default: the first session's).
        argv: The command line, kept with the session.
        notes: Free text kept with the session.

    Returns:
        The new session's plan (rounds from the run's last round plus one).

    Raises:
        ConfigError: When the run has no rounds, is unfinished, or was measured in another
            environment (naming the differences), or ``rounds`` is below ``MIN_ROUNDS``.
    """
    from showdown.measure.environment import differences
    from showdown.runner.execute import environment
    from showdown.store.records import timestamp, utc_now

    run = store.get_run(run_id)
    plan = Plan.from_dict(run.plan)
    if not plan.rounds or not plan.sides():
        raise ConfigError(f"run {run_id} has no rounds to add to (it ran with --rounds 0 or without train, infer, dynamic, coldstart and accuracy): "
                          "start a run with rounds")
    if run.status in ("running", "interrupted"):
        raise ConfigError(f"run {run_id} is {run.status}: finish it first with showdown run --resume {run_id}")
    diffs = differences(run.environment, environment(plan))
    if diffs:
        raise ConfigError(f"run {run_id} was measured in another environment ({'; '.join(diffs[:3])}{'; ...' if len(diffs) > 3 else ''}): "
                          "sessions pool one machine and versions; start a new run and compare the two with showdown compare")
    cells = store.cells(run_id)
    last = max((split_key(c.key)[1] or 0 for c in cells), default=0)
    past = list(plan.sessions) or [_entry(plan, first_round=1, started_at=run.created_at, argv=run.argv, notes=run.notes)]
    session = int(past[-1]["session"]) + 1
    new = replace(plan, session=session, first_round=last + 1, rounds=rounds or int(past[0]["rounds"]),
                  time_budget_s=time_budget_s if time_budget_s is not None else past[0]["time_budget_s"])
    return replace(new, sessions=(*past, _entry(new, first_round=last + 1, started_at=timestamp(utc_now()), argv=argv, notes=notes)))


def open_session(store: Store, run_id: str, plan: Plan) -> None:
    """Store a new session's plan (from :func:`plan_session`) with the run, which is 'running' again."""
    store.reopen_run(run_id, plan.to_dict())


def _entry(plan: Plan, *, first_round: int, started_at: str, argv: Sequence[str], notes: str | None) -> dict[str, Any]:
    return {"session": plan.session, "first_round": first_round, "rounds": plan.rounds, "time_budget_s": plan.time_budget_s,
            "started_at": started_at, "argv": list(argv), "notes": notes}


def summary(run: RunRecord, cells: Sequence[CellRecord]) -> list[dict[str, Any]]:
    """Each session of a run: its number, when it started, the rounds it measured (first, last,
    count) and its notes; one entry for a run that was never appended to."""
    plan = run.plan
    entries = plan.get("sessions") or [{"session": 1, "first_round": 1, "started_at": run.created_at, "notes": run.notes}]
    measured: dict[int, set[int]] = {}
    for c in cells:
        round_no = split_key(c.key)[1]
        if round_no is not None and c.status == "ok":
            measured.setdefault(int(c.config.get("session") or 1), set()).add(round_no)
    out = []
    for e in entries:
        done = sorted(measured.get(int(e["session"]), ()))
        out.append({"session": int(e["session"]), "started_at": e.get("started_at"), "notes": e.get("notes"),
                    "first_round": done[0] if done else None, "last_round": done[-1] if done else None, "rounds": len(done)})
    return out


def summary_text(sessions: Sequence[dict[str, Any]]) -> str:
    """``"2 sessions: 1 (rounds 1–12, from 2026-12-06 14:30 UTC), 2 (rounds 13–20, ...)"``, or "" for one."""
    if len(sessions) < 2:
        return ""
    each = []
    for s in sessions:
        span = f"rounds {s['first_round']}–{s['last_round']}" if s["rounds"] else "no rounds yet"
        each.append(f"{s['session']} ({span}, from {str(s['started_at'] or '')[:16].replace('T', ' ')} UTC)")
    return f"{len(sessions)} sessions: {', '.join(each)}"
