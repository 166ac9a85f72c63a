"""Dynamic shapes: a pass over new batch sizes and the steady pass, per installed framework and mode."""

from __future__ import annotations

import functools
import statistics
from collections import Counter

import pytest

from showdown.analysis import compare
from showdown.errors import ConfigError
from showdown.report import terminal
from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.scenarios import dynamic
from showdown.store import Store
from contenders import INSTALLED

REPEATS = 4
# each framework's eager mode and the mode its users compile with
CASES = [(f, m) for f, modes in {"torch": ("eager", "compiled"), "tensorflow": ("eager", "function", "xla")}.items() for m in modes if f in INSTALLED]
COMPILED = [(f, m) for f, m in CASES if m != "eager"]


def payload(framework: str, mode: str, **extra) -> dict:
    return {
        "framework": framework, "workload": "mlp", "preset": "tiny", "mode": mode, "threads": 2, "device": "cpu",
        "seed": 0, "budget_s": 0.3, "repeats": REPEATS, **extra,
    }


@functools.cache
def measured(framework: str, mode: str) -> tuple[dict, list[tuple[str, dict]]]:
    """Run the cell once per framework and mode, in this process; the tests share the result."""
    messages: list[tuple[str, dict]] = []
    result = dynamic.cell(payload(framework, mode), lambda kind, data: messages.append((kind, data)))
    return result, messages


def _values(messages: list[tuple[str, dict]], metric: str, phase: str) -> list[float]:
    return [v for kind, d in messages if kind == "samples" and d["metric"] == metric and d["phase"] == phase for v in d["values"]]


@pytest.mark.parametrize(("framework", "mode"), CASES)
def test_one_sample_per_repetition_and_per_new_shape(framework, mode):
    result, messages = measured(framework, mode)
    counts = Counter((d["metric"], d["phase"]) for _, d in messages for _ in d["values"])
    assert counts[("first_pass", "measure")] == REPEATS
    assert counts[("new_shape_call", "first")] == REPEATS * len(dynamic.SCHEDULE)
    assert counts[("first_pass", "warmup")] == 1 and counts[("new_shape_call", "warmup")] == len(dynamic.SCHEDULE)
    assert counts[("round_time", "measure")] == result["round"]["sample_count"] >= 10
    assert result["schedule"] == list(dynamic.SCHEDULE) and result["repeats"] == REPEATS


@pytest.mark.parametrize(("framework", "mode"), CASES)
def test_a_first_pass_is_the_sum_of_its_calls(framework, mode):
    result, messages = measured(framework, mode)
    calls, passes = _values(messages, "new_shape_call", "first"), _values(messages, "first_pass", "measure")
    assert all(t > 0 for t in calls)
    n = len(dynamic.SCHEDULE)
    assert passes == pytest.approx([sum(calls[i * n:(i + 1) * n]) for i in range(REPEATS)])
    assert result["first_passes_s"] == pytest.approx(passes)
    assert result["first_pass_s"] == pytest.approx(statistics.median(passes))
    assert len(result["per_shape_s"]) == n and result["warmup_pass_s"] > 0


@pytest.mark.parametrize(("framework", "mode"), CASES)
def test_the_steady_round_and_the_manifest(framework, mode):
    result, _ = measured(framework, mode)
    assert result["round_s"] > 0
    assert result["round_samples_per_s"] == pytest.approx(sum(dynamic.SCHEDULE) / result["round_s"])
    assert result["settings"]["intra_op_threads"] == 2 and result["parameters"] > 0
    assert result["peak_rss_above_baseline"] is None or result["peak_rss_above_baseline"] >= 0


@pytest.mark.parametrize("framework", [f for f, m in CASES if m == "eager"])
def test_eager_compiles_nothing(framework):
    result, _ = measured(framework, "eager")
    assert result["compiles"] == 0
    assert result["compiler"]["compiles"] == [0] * len(dynamic.SCHEDULE)


@pytest.mark.parametrize(("framework", "mode"), COMPILED)
def test_compiled_modes_count_graphs_over_the_pass(framework, mode):
    result, _ = measured(framework, mode)
    counts = result["compiler"]["compiles"]
    assert len(counts) == len(dynamic.SCHEDULE) and counts == sorted(counts)
    assert result["compiles"] == counts[-1] >= 1
    assert result["compiler"]["tool"]


@pytest.mark.parametrize("mode", ["function", "xla"])
def test_tf_function_retraces_for_every_new_batch_size(mode):
    if "tensorflow" not in INSTALLED:
        pytest.skip("needs tensorflow")
    result, _ = measured("tensorflow", mode)
    # without reduce_retracing, tf.function traces each new shape anew (observed with TF 2.21)
    assert result["compiler"]["compiles"] == list(range(1, len(dynamic.SCHEDULE) + 1))


def test_torch_compile_recompiles_once_then_treats_the_batch_as_dynamic():
    if "torch" not in INSTALLED:
        pytest.skip("needs torch")
    result, _ = measured("torch", "compiled")
    # batch 1 is specialised; batch 3 recompiles with a symbolic batch size that serves the rest
    assert result["compiler"]["compiles"] == [1, 2, 2, 2, 2, 2]


def test_repeats_must_be_positive():
    with pytest.raises(ConfigError, match="repeats must be a positive integer, got 0"):
        dynamic.cell(payload("torch", "eager", repeats=0), lambda kind, data: None)


def test_a_round_s_process_warms_up_as_frozen_and_reads_the_canary_around_its_window():
    messages: list[tuple[str, dict]] = []
    emit = lambda kind, data: messages.append((kind, data))  # noqa: E731
    first = dynamic.cell(payload("torch", "eager", repeats=2, window_s=0.2, warmup_steps=None), emit)
    assert first["repeats"] == 2 and len(first["first_passes_s"]) == 2
    assert first["warmup_count"] == first["round"]["warmup_count"] >= 1  # calibrated until steady in the side's first round
    assert len(first["canary_s"]) == 2 and min(first["canary_s"]) > 0
    later = dynamic.cell(payload("torch", "eager", repeats=2, window_s=0.2, warmup_steps=first["warmup_count"] + 2), emit)
    assert later["warmup_count"] == first["warmup_count"] + 2 and len(later["canary_s"]) == 2  # frozen: exactly the steps it was given
    assert later["round"]["stop_reason"] == "budget" and later["round"]["sample_count"] >= 5
    assert first["compiles"] == 0 and later["compiles"] is None  # counted where the side calibrates only
    assert "canary_s" not in measured("torch", "eager")[0]  # outside rounds: the adaptive sampler, no canary


def test_the_runner_summarises_and_compares_both_metrics(tmp_path, both, capsys):
    store = Store.open(tmp_path / "d.sqlite")
    plan = P.suite("quick", workloads=("mlp",), scenarios=("dynamic",), modes=("eager",), preset="tiny", threads=2, budget_s=0.3, rounds=0)
    run_id = X.start(store, plan, [])
    assert X.execute(store, run_id, plan) == "complete"
    summaries = {(s.cell_key, s.metric): s.stats for s in store.summaries(run_id)}
    for key in ("dynamic/torch/mlp/tiny/eager", "dynamic/tensorflow/mlp/tiny/eager"):
        assert summaries[(key, "first_pass")]["n"] == plan.dynamic_repeats
        assert summaries[(key, "round_time")]["n"] >= 10
        assert (key, "new_shape_call") not in summaries  # kept as raw samples of phase "first"
    rows = compare.frameworks(store, run_id)
    assert {(r.group, r.metric) for r in rows} == {("dynamic/mlp/tiny", "first_pass"), ("dynamic/mlp/tiny", "round_time")}
    terminal.show_run(store, run_id)
    shown = capsys.readouterr().out
    assert "dynamic/torch/mlp/tiny/eager" in shown and "round_time" in shown and "0 compiles" in shown
