"""A run in rounds as the claims and the advisor see it: one side per (framework, mode), compared round by round."""

from __future__ import annotations

import numpy as np
import pytest

from showdown.analysis import advisor as A
from showdown.analysis import claims as C
from showdown.analysis import compare
from showdown.analysis import evidence as E
from showdown.analysis import verdict as V
from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.store import Store

# step times: torch 25 % faster than TensorFlow's function mode in every round, whatever the machine does
STEP = {("torch", "eager"): 0.010, ("tensorflow", "function"): 0.0125, ("tensorflow", "eager"): 0.050}


def _run(tmp_path, canary_drift=0.0, tilt=None, seed=0):
    """``tilt(r)``: a factor on TensorFlow's function-mode step in round ``r``."""
    store = Store.open(tmp_path / "s.sqlite")
    plan = P.suite("quick", workloads=("cnn",), scenarios=("train",), rounds=6, threads=2)
    run_id = X.start(store, plan, ["run"])
    rng = np.random.default_rng(seed)
    sides = plan.sides()
    for r in range(1, 7):
        machine = np.exp(rng.normal(0, 0.2))  # a round's machine state, shared by its processes
        store.add_cells(run_id, [(f"{k}/r{r}", {**c.to_dict(), "round": r, "order": i, "window_s": 1.0}) for i, (k, c) in enumerate(sides.items())])
        for cell in [c for c in store.cells(run_id) if c.key.endswith(f"/r{r}")]:
            store.start_cell(cell.id)
            side = (cell.config["framework"], cell.config["mode"])
            step = STEP[side] * (tilt(r) if tilt and side == ("tensorflow", "function") else 1.0) * machine * np.exp(rng.normal(0, 0.01))
            store.add_samples(cell.id, "step_time", list(step * np.exp(rng.normal(0, 0.02, 15))), unit="s")
            X.summarize_cell(store, cell.id)
            store.finish_cell(cell.id, status="ok", result={"canary_s": [0.003 * (1 + canary_drift * r)] * 2, "first_call_s": step,
                                                                     # a shared process reads memory in its first part only: here in odd rounds
                                                                     "peak_rss_above_baseline": 2**20 * r if r % 2 else None})
    store.finish_run(run_id, "complete")
    return store, run_id


def test_round_cells_merge_into_one_side_each(tmp_path):
    store, run_id = _run(tmp_path)
    view = E.RunView(store, run_id)
    assert sorted(c.key for c in view.cells) == sorted(P.suite("quick", workloads=("cnn",), scenarios=("train",), rounds=6).sides())
    torch = next(c for c in view.cells if c.config["framework"] == "torch")
    assert "round" not in torch.config and torch.result["rounds"] == 6
    assert torch.result["peak_rss_above_baseline"] == 3 * 2**20 and torch.result["memory_rounds"] == 3  # the median of rounds 1, 3, 5
    assert len(view.rounds(torch, "step_time")) == 6 and len(view.samples(torch, "step_time")) == 6 * 15
    stats = view.stats(torch, "step_time")
    assert stats["n"] == 6 and stats["ci_low"] < stats["median"] < stats["ci_high"]


def test_paired_rounds_see_through_the_machine_and_give_c1(tmp_path):
    store, run_id = _run(tmp_path)
    rows = [r for r in compare.frameworks(store, run_id) if r.side_a == "tensorflow function"]
    assert len(rows) == 1
    cmp = rows[0].comparison
    # process noise between rounds is 20 %, but each round's pair shares it: the ratio stays tight
    assert 1 / cmp["ratio"] == pytest.approx(1.25, rel=0.03) and cmp["winner"] == "torch eager"  # ratio > 1: side a better
    assert cmp["ci_high"] / cmp["ci_low"] < 1.1 and cmp["paired"]["rounds"] == [1, 2, 3, 4, 5, 6]
    assert cmp["paired"]["spread"]["b"]["between_share"] > 0.9  # the processes differ far more than their steps
    assert cmp["paired"]["drift"]["drifting"] is False
    (c1,) = C.evaluate(store, run_id, only=["C1"])
    assert c1.verdict == "supported" and c1.ratio == pytest.approx(1.25, rel=0.03)
    assert any("rounds" in f.detail for f in c1.findings)


def test_a_drifting_canary_is_said_next_to_the_comparison(tmp_path):
    store, run_id = _run(tmp_path, canary_drift=0.05)
    row = next(r for r in compare.frameworks(store, run_id) if r.side_a == "tensorflow function")
    assert row.comparison["text"].startswith("depends on the machine's state (the canary varied")
    (c1,) = C.evaluate(store, run_id, only=["C1"])  # the claim resting on it says so too: never a bare "1.25× faster"
    assert c1.effect.startswith("depends on the machine's state (1 of 1 condition): torch 1.2") and c1.verdict == "supported"
    (steady,) = C.evaluate(*_run(tmp_path / "steady"), only=["C1"])
    assert steady.effect.startswith("torch 1.2") and "machine" not in steady.effect


def test_the_run_says_when_the_machine_s_own_speed_moved_over_its_rounds(tmp_path, capsys):
    from showdown.report import data as D
    from showdown.report import terminal

    store, run_id = _run(tmp_path, canary_drift=0.05)
    data = D.run(store, run_id)
    speed = data["machine_speed"]
    assert speed["drifting"] and speed["spread"] == pytest.approx(1.30 / 1.05 - 1) and (speed["fastest_round"], speed["slowest_round"]) == (1, 6)
    (line,) = [w for w in D.busy_warnings(data) if "canary" in w]
    assert "varied 24% over the run's rounds (fastest round 1, slowest 6)" in line
    steady = D.run(*_run(tmp_path / "steady"))
    assert steady["machine_speed"]["spread"] == 0 and not any("canary" in w for w in D.busy_warnings(steady))
    # show gathers a side's rounds in one row per metric: the median of its process medians and their range
    terminal.show_run(store, run_id)
    shown = capsys.readouterr().out
    assert "train/torch/cnn/default/eager/bs32 (6 rounds)" in shown and "6 proc" in shown and "/bs32/r3" not in shown
    medians = sorted(s.stats["median"] for s in store.summaries(run_id) if s.cell_key.startswith("train/torch/") and s.metric == "step_time")
    row = next(line for line in shown.splitlines() if "train/torch/cnn/default/eager/bs32 (6 rounds)" in line)
    assert f"{medians[0] * 1e3:.3g}–{medians[-1] * 1e3:.3g}" in row


def test_c1_says_how_stable_its_verdict_is(tmp_path):
    store, run_id = _run(tmp_path)
    (c1,) = C.evaluate(store, run_id, only=["C1"])
    assert c1.stability is not None and c1.stability > 0.9 and c1.halves_agree is True
    assert V.stability_text(c1).startswith("stable in ") and "odd and even rounds agree" in V.stability_text(c1)


def test_a_verdict_resting_on_a_borderline_condition_is_unstable():
    from showdown.measure.paired import compare_rounds

    rng = np.random.default_rng(12)
    a = {r: 0.01 for r in range(1, 9)}
    b = {r: 0.01 * float(np.exp(0.05 + rng.normal(0, 0.06))) for r in range(1, 9)}  # about 5 % apart, noisy
    cmp = compare_rounds(a, b, name_a="torch eager", name_b="tensorflow function").to_dict()
    finding = V.from_comparison("train cnn", cmp, "torch eager")
    assert len(finding.rounds) == 8 and finding.rounds[0][1] == pytest.approx(np.log(b[1] / a[1]))
    share, _ = V.stability([finding], V.decide([finding])[0])
    assert 0.2 < share < 0.9
    steady = V.from_comparison("train mlp", compare_rounds(a, {r: 0.013 for r in a}, name_a="torch eager", name_b="tensorflow function").to_dict(), "torch eager")
    assert V.stability([steady], "supported") == (1.0, True)
    assert V.stability([V.Finding("x", 1.2, 1.1, 1.3, "holds")], "supported") == (None, None)  # no rounds: nothing to resample


def test_the_advice_says_how_stable_its_leader_is(tmp_path):
    store, run_id = _run(tmp_path)
    advice = A.advise(store, run_id, A.load_profile("research"))
    assert advice.ranking[0]["framework"] == "torch" and set(advice.dimensions) == {"training_speed", "memory"}  # memory: equal here
    assert advice.stability == 1.0 and advice.halves_agree is True
    assert A.leader_stability_text(advice) == "torch leads in 100% of resamples of the rounds; odd and even rounds agree"
    assert advice.to_dict()["stability"] == 1.0


def test_a_leader_by_a_hair_is_unstable_over_resamples(tmp_path):
    # TensorFlow's function mode as fast as torch eager on average over the rounds: 3 % slower in odd
    # rounds, 3 % faster in even ones; the leader depends on which rounds a rerun would see
    store, run_id = _run(tmp_path, tilt=lambda r: 0.8 * (1.03 if r % 2 else 0.97))  # 0.8: 0.0125 s down to torch's 0.010
    advice = A.advise(store, run_id, A.load_profile("research"))
    assert 0.2 < advice.stability < 0.9 and advice.halves_agree is False, advice.stability
    assert A.leader_stability_text(advice).endswith("; odd and even rounds disagree")
    view = E.RunView(store, run_id)
    assert view.round_numbers() == [1, 2, 3, 4, 5, 6]
    torch = next(c for c in view.cells if c.config["framework"] == "torch")
    by_round = view.rounds(torch, "step_time")
    # a resample repeats rounds: the side's centre is the geometric mean over the picks, repeats included
    picked = view.resampled([2, 2, 5]).median(torch, "step_time")
    assert picked == pytest.approx(float(np.exp(np.mean(np.log([by_round[2], by_round[2], by_round[5]])))))
    assert view.resampled([9]).median(torch, "step_time") is None  # no such round: no value, not the whole run's
    assert view.median(torch, "step_time") == pytest.approx(float(np.exp(np.mean(np.log(list(by_round.values()))))))


def test_compare_says_whether_two_runs_agree_beyond_their_intervals(tmp_path):
    _, first = _run(tmp_path)
    _, rerun = _run(tmp_path, seed=1)  # the same machine again: other noise, the same effect
    store, faster = _run(tmp_path, tilt=lambda r: 0.7, seed=2)  # now TensorFlow's function mode is 1.14× faster than torch eager
    same = compare.disagreements(store, first, rerun)
    assert same["compared"] == 2 and same["disagree"] == []  # torch eager against each TensorFlow mode
    assert compare.disagreement_lines(same, first, rerun, True) == [f"the two runs agree within their 95 % intervals on all {same['compared']} framework comparisons they share"]
    found = compare.disagreements(store, first, faster)
    (d,) = [d for d in found["disagree"] if {d["side_a"], d["side_b"]} == {"torch eager", "tensorflow function"}]
    assert d["opposite"] is True and d["group"] == "train/cnn/default/bs32" and d["metric"] == "step_time"
    assert (d["a"]["ratio"] - 1) * (d["b"]["ratio"] - 1) < 0 and max(d["a"]["ci_low"], d["b"]["ci_low"]) > min(d["a"]["ci_high"], d["b"]["ci_high"])
    lines = compare.disagreement_lines(found, first, faster, True)
    assert lines[0].startswith(f"the two runs disagree beyond their 95 % intervals on {len(found['disagree'])} of {found['compared']}")
    assert "same machine and versions" in lines[0] and any("opposite verdicts" in line for line in lines[1:])
    assert "environments differ" in compare.disagreement_lines(found, first, faster, False)[0]


def _accuracy_run(tmp_path):
    """Time to accuracy in 6 rounds, one seed a round: TensorFlow 3× slower, and its seed 3 never reaches the target."""
    store = Store.open(tmp_path / "a.sqlite")
    plan = P.suite("quick", workloads=("cnn",), scenarios=("accuracy",), rounds=6, threads=2)
    run_id = X.start(store, plan, ["run"])
    for r in range(1, 7):
        seed, machine = r - 1, 1.0 + 0.1 * (r % 3)
        store.add_cells(run_id, [(f"{k}/r{r}", {**c.to_dict(), "round": r, "order": i, "seeds": [seed]}) for i, (k, c) in enumerate(plan.sides().items())])
        for cell in [c for c in store.cells(run_id) if c.key.endswith(f"/r{r}")]:
            store.start_cell(cell.id)
            slow = cell.config["framework"] == "tensorflow"
            censored = slow and seed == 3
            seconds = 30.0 if censored else (3.0 if slow else 1.0) * machine * (1 + 0.2 * (seed % 2))
            store.add_samples(cell.id, "time_to_accuracy", [seconds], unit="s")
            X.summarize_cell(store, cell.id)
            run = {"seed": seed, "converged": not censored, "epochs": 40 if censored else 3, "seconds": seconds, "train_seconds": 0.8 * seconds, "curve": []}
            store.finish_cell(cell.id, status="ok", result={"runs": [run], "max_epochs": 40, "censored": censored, "canary_s": [0.003, 0.003], "median_s": None})
    store.finish_run(run_id, "complete")
    return store, run_id


def test_time_to_accuracy_pairs_seeds_by_round_and_names_a_censored_round(tmp_path):
    store, run_id = _accuracy_run(tmp_path)
    view = E.RunView(store, run_id)
    tf = next(c for c in view.cells if c.config["framework"] == "tensorflow")
    assert "seeds" not in tf.config and tf.result["seeds"] == [0, 1, 2, 3, 4, 5]  # one seed a round, pooled
    assert (tf.result["converged"], tf.result["failed_seeds"], tf.result["censored_rounds"]) == (5, [3], [4])
    assert tf.result["median_s"] == pytest.approx(float(np.median([r["seconds"] for r in tf.result["runs"] if r["converged"]])))
    (row,) = [r for r in compare.frameworks(store, run_id) if r.metric == "time_to_accuracy"]
    cmp = row.comparison
    assert cmp["winner"] == "torch eager" and cmp["paired"]["rounds"] == [1, 2, 3, 4, 5, 6] and cmp["censored"] == {"tensorflow function": [4]}
    assert "tensorflow function did not reach the target in round 4 within 40 epochs" in cmp["text"] and "lower bound" in cmp["text"]
    # every other round pairs the same seed on the same machine: 3× apart, and round 4 counts at least 30×
    expected = np.exp(np.mean([np.log(3.0)] * 5 + [np.log(30.0 / (1.1 * 1.2))]))
    assert 1 / cmp["ratio"] == pytest.approx(expected, rel=1e-6)
    advice = A.advise(store, run_id, A.load_profile("research"))
    assert advice.dimensions["time_to_accuracy"]["scores"]["torch"] == 1.0
