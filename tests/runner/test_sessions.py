"""Sessions: a finished run gets more rounds later, numbered on, run again from the first look, and
pooled; what cannot be pooled is refused before anything is written."""

from __future__ import annotations

import numpy as np
import pytest

from showdown.analysis import compare
from showdown.errors import ConfigError
from showdown.measure.paired import MIN_ROUNDS
from showdown.runner import execute as X
from showdown.runner import sessions as S
from showdown.runner.schedule import split_key
from tests.runner.test_rounds import _fake_run_one, _finished, _per_cell, _rounds, _start


def _by_round(store, run_id):
    return {r: [c for _, c in parts] for r, parts in _rounds(store, run_id).items()}


def test_an_appended_session_numbers_its_rounds_on_and_measures_every_comparison_again(tmp_path, monkeypatch):
    store, plan, run_id = _finished(tmp_path, monkeypatch)
    first = _by_round(store, run_id)
    last = max(first)
    sides = set(plan.sides())
    assert {split_key(c.key)[0] for c in first[last]} < sides  # the first session closed a decided comparison
    new = S.plan_session(store, run_id, rounds=6, argv=["run", "--append", run_id], notes="after lunch")
    assert store.get_run(run_id).status == "complete"  # nothing is written until the session opens
    S.open_session(store, run_id, new)
    assert store.get_run(run_id).status == "running"
    assert (new.session, new.first_round, new.rounds) == (2, last + 1, 6)
    assert X.execute(store, run_id, new) == "complete"
    rounds = _by_round(store, run_id)
    later = [r for r in rounds if r > last]
    assert later[0] == last + 1 and max(later) <= last + 6
    for r in later[:MIN_ROUNDS]:  # every comparison runs again until the session has rounds of its own to look at
        assert {split_key(c.key)[0] for c in rounds[r]} == sides
        assert all(c.config["session"] == 2 and c.config["warmup_steps"] == 7 for c in rounds[r])  # the warm-up stays frozen
    assert all(c.config["session"] == 1 for r in first for c in first[r])
    stored = store.get_run(run_id).plan
    assert [(s["session"], s["first_round"]) for s in stored["sessions"]] == [(1, 1), (2, last + 1)]
    assert stored["sessions"][1]["notes"] == "after lunch" and stored["sessions"][1]["argv"] == ["run", "--append", run_id]
    summary = S.summary(store.get_run(run_id), store.cells(run_id))
    assert [(s["session"], s["first_round"], s["last_round"]) for s in summary] == [(1, 1, last), (2, last + 1, max(later))]
    assert S.summary_text(summary).startswith(f"2 sessions: 1 (rounds 1–{last}, from ")
    rows = [r for r in compare.frameworks(store, run_id) if "function" in r.side_a]
    paired = rows[0].comparison["paired"]
    assert len(paired["sessions"]) == 2 and paired["sessions_agree"] is True  # the same machine model twice: the sessions agree
    assert "over 2 sessions" in rows[0].comparison["text"]
    # a third session goes on from the second's last round
    third = S.plan_session(store, run_id)
    assert (third.session, third.first_round, third.rounds) == (3, max(later) + 1, plan.rounds)


def test_a_killed_session_resumes_in_that_session(tmp_path, monkeypatch):
    store, plan, run_id = _start(tmp_path, rounds=4)
    fake, _ = _fake_run_one(np.random.default_rng(1))
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    X.execute(store, run_id, plan)
    new = S.plan_session(store, run_id)
    S.open_session(store, run_id, new)
    stopping, _ = _fake_run_one(np.random.default_rng(2), stop_at=4)
    monkeypatch.setattr(X, "run_process", _per_cell(stopping))
    with pytest.raises(KeyboardInterrupt):
        X.execute(store, run_id, new)
    with pytest.raises(ConfigError, match="is interrupted: finish it first with showdown run --resume"):
        S.plan_session(store, run_id)
    from showdown.runner.plan import Plan

    resumed = Plan.from_dict(store.get_run(run_id).plan)  # what --resume reads
    assert (resumed.session, resumed.first_round) == (2, 5)
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    assert X.execute(store, run_id, resumed) == "complete"
    assert {split_key(c.key)[1] for c in store.cells(run_id)} == set(range(1, 9))
    assert all(c.config["session"] == (1 if split_key(c.key)[1] <= 4 else 2) for c in store.cells(run_id))


def test_append_refuses_what_it_cannot_pool(tmp_path, monkeypatch):
    from showdown.runner import plan as P

    store, plan, run_id = _start(tmp_path, rounds=4)
    fake, _ = _fake_run_one(np.random.default_rng(3))
    monkeypatch.setattr(X, "run_process", _per_cell(fake))
    X.execute(store, run_id, plan)
    with pytest.raises(ConfigError, match="rounds must be 0 .no rounds. or at least 4, got 2"):
        S.plan_session(store, run_id, rounds=2)
    env = X.environment(plan)
    other = store.create_run(suite="quick", argv=["run"], plan=plan.to_dict(), manifest={},
                             environment={**env, "cpu": {**env["cpu"], "model": "Another CPU"}})
    store.finish_run(other, "complete")
    with pytest.raises(ConfigError, match=r"was measured in another environment \(cpu.model: Another CPU vs .*\): sessions pool one machine"):
        S.plan_session(store, other)
    plain = P.suite("quick", frameworks=("torch",), workloads=("mlp",), scenarios=("train",), rounds=0)
    none = X.start(store, plain, ["run"])
    store.finish_run(none, "complete")
    with pytest.raises(ConfigError, match="has no rounds to add to"):
        S.plan_session(store, none)
    assert store.get_run(run_id).plan.get("sessions") == []  # nothing was written
