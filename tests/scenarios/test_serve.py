"""Serve: MLPerf LoadGen's offline and server scenarios on the tiny MLP, per installed framework."""

from __future__ import annotations

import functools
import sys

import pytest

from showdown.errors import ConfigError, FrameworkUnavailable
from showdown.scenarios import serve
from showdown.runner.config import CellConfig
from contenders import INSTALLED

BATCH = 4
BOUND_MS = 100.0


@pytest.fixture(scope="module")
def loadgen():
    return pytest.importorskip("mlperf_loadgen", reason="needs mlcommons-loadgen")


def payload(framework: str, scenario: str, **extra) -> dict:
    return {
        "framework": framework, "workload": "mlp", "preset": "tiny", "mode": "eager", "batch_size": BATCH,
        "threads": 2, "device": "cpu", "seed": 0, "loadgen_scenario": scenario,
        "latency_bound_ms": BOUND_MS, "duration_ms": 1000, **extra,
    }


@functools.cache
def served(framework: str, scenario: str) -> tuple[dict, list[tuple[str, dict]]]:
    """Run the cell once per framework and scenario, in this process; the tests share the result."""
    messages: list[tuple[str, dict]] = []
    result = serve.cell(payload(framework, scenario), lambda kind, data: messages.append((kind, data)))
    return result, messages


@pytest.mark.parametrize("framework", INSTALLED)
def test_offline_reports_loadgen_throughput(loadgen, framework):
    # No timing bound here (shared machines are noisy): the figures must be LoadGen's own, and a
    # run that ended early is repeated once with the rate it achieved.
    result, messages = served(framework, "offline")
    results, calibration = result["results"], result["calibration"]
    assert results["throughput"] > 0 and results["throughput"] == results["run"]["samples_per_s"]
    assert results["attempts"] in (1, 2) and results["run"]["queries"] >= 1
    if results["attempts"] == 1:
        assert results["expected_qps"] == pytest.approx(serve.OFFLINE_MARGIN * calibration["batch_size"] / calibration["latency_batch_s"])
    emitted = [d for kind, d in messages if kind == "samples" and d.get("metric") == "offline_throughput"]
    assert emitted and emitted[0]["values"] == [results["throughput"]]
    assert results["latency_s"]["p50"] <= results["latency_s"]["p99"]
    assert result["scenario"] == "offline" and result["loadgen_version"]
    assert result["workbench"]["settings"]["intra_op_threads"] == 2


@pytest.mark.parametrize("framework", INSTALLED)
def test_server_finds_the_highest_valid_rate(loadgen, framework):
    result, _ = served(framework, "server")
    results = result["results"]
    best, probes = results["best_qps"], results["probes"]
    assert best is not None and best > 0
    valid = [p for p in probes if p["valid"]]
    assert best in [p["target_qps"] for p in valid]
    assert all(p["p99_s"] <= BOUND_MS / 1e3 for p in valid)
    assert all(p["valid"] for p in probes if p["target_qps"] <= best)
    failed_above = any(not p["valid"] and p["target_qps"] > best for p in probes)
    assert failed_above or len(probes) == serve.MAX_PROBES
    assert len(probes) <= serve.MAX_PROBES


@pytest.mark.parametrize("framework", INSTALLED)
def test_null_sut_offline_costs_a_fraction_of_a_sample(loadgen, framework):
    result, _ = served(framework, "offline")
    overhead, throughput = result["loadgen_overhead"], result["results"]["throughput"]
    assert overhead["sut"] == "null" and overhead["per_query_s"] > 0
    assert overhead["achieved_qps"] > throughput
    assert 0 < overhead["fraction_of_result"] == pytest.approx(throughput / overhead["achieved_qps"])


@pytest.mark.parametrize("framework", INSTALLED)
def test_null_sut_server_keeps_up_at_the_best_rate(loadgen, framework):
    result, _ = served(framework, "server")
    overhead = result["loadgen_overhead"]
    assert overhead["target_qps"] == result["results"]["best_qps"]
    assert 0 < overhead["per_query_s"] <= overhead["latency_s"]["p99"] <= BOUND_MS / 1e3
    assert overhead["valid"] and overhead["fraction_of_result"] > 0


@pytest.mark.parametrize("framework", INSTALLED)
def test_samples_stream_for_every_probe(loadgen, framework):
    _, offline_messages = served(framework, "offline")
    offline = [d for k, d in offline_messages if k == "samples"]
    assert [(d["metric"], d["unit"]) for d in offline] == [("offline_throughput", "samples/s")]
    result, messages = served(framework, "server")
    p99 = [d for k, d in messages if k == "samples" and d["metric"] == "server_p99"]
    assert [d["phase"] for d in p99] == [f"qps={p['target_qps']:g}" for p in result["results"]["probes"]]
    assert all(d["unit"] == "s" and d["values"][0] > 0 for d in p99)


def test_runs_in_a_child_process(loadgen):
    from showdown.runner.isolate import run_cell

    if not INSTALLED:
        pytest.skip("needs a framework")
    job = payload(INSTALLED[0], "offline", duration_ms=500)
    outcome = run_cell("showdown.scenarios.serve:cell", job, threads=2, timeout_s=300)
    assert outcome.status == "ok", outcome.message + outcome.stderr_tail
    assert outcome.result["results"]["throughput"] > 0


def test_a_failing_model_ends_the_test_with_its_error(loadgen):
    class Host:
        def sync(self) -> None:
            pass

    def broken(batch):
        raise RuntimeError("model exploded")

    sut = serve._Sut(Host(), broken, {1: None})
    runner = serve._LoadGen(loadgen, serve.ServeConfig("offline", duration_ms=100), sut)
    with pytest.raises(RuntimeError, match="model exploded"):
        runner.offline(1000.0)


def test_missing_loadgen_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlperf_loadgen", None)
    with pytest.raises(FrameworkUnavailable, match="pip install mlcommons-loadgen"):
        serve.cell(payload("torch", "offline"), lambda kind, data: None)


def test_bad_scenario_names_the_choices():
    with pytest.raises(ConfigError, match="unknown loadgen scenario 'single': choose from offline, server"):
        serve.ServeConfig.of(CellConfig("serve", loadgen_scenario="single"))


def test_detail_log_becomes_a_run_record(tmp_path):
    lines = [
        '{"key": "result_validity", "value": "VALID", "metadata": {}}',
        '{"key": "result_completed_samples_per_sec", "value": 250.5, "metadata": {}}',
        '{"key": "result_99.00_percentile_latency_ns", "value": 2000000, "metadata": {}}',
        '{"key": "result_99.90_percentile_latency_ns", "value": 3000000, "metadata": {}}',
        '{"key": "warning_generic_message", "value": "slow", "metadata": {"is_warning": true}}',
    ]
    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text("noise\n" + "".join(f":::MLLOG {line}\n" for line in lines))
    log = serve.read_detail_log(path)
    record = serve.run_record(log)
    assert log["warnings"] == ["slow"]
    assert record["valid"] is True and record["samples_per_s"] == 250.5
    assert record["latency_s"] == {"p99": 0.002, "p99.9": 0.003}


class FakeRunner:
    """Stands in for LoadGen: a rate passes when it is at most ``capacity``."""

    def __init__(self, capacity: float) -> None:
        self.config = serve.ServeConfig("server", max_probes=5)
        self.capacity = capacity

    def server(self, rate: float, *, null: bool = False) -> dict:
        ok = null or rate <= self.capacity
        return {"valid": ok, "samples_per_s": rate, "latency_s": {"p50": 1e-3, "p99": 1e-2 if ok else 0.5}}


CALIBRATION = {"batch_size": 1, "latency_batch_s": 1 / 600}  # the search starts at 300 queries/s


def test_search_brackets_the_capacity():
    results, overhead = serve.server(FakeRunner(1000), CALIBRATION, lambda kind, data: None, None)
    rates = [(p["target_qps"], p["valid"]) for p in results["probes"]]
    assert rates == [(300, True), (600, True), (1200, False), (849, True), (1010, False)]
    assert results["best_qps"] == 849 and results["stopped"] == "max-probes"
    assert overhead["target_qps"] == 849 and overhead["fraction_of_result"] == 1.0


@pytest.mark.parametrize("capacity", [10, 290, 310, 5000, 1e6])
def test_every_valid_probe_is_below_every_failing_one(capacity):
    results, _ = serve.server(FakeRunner(capacity), CALIBRATION, lambda kind, data: None, None)
    valid = [p["target_qps"] for p in results["probes"] if p["valid"]]
    failing = [p["target_qps"] for p in results["probes"] if not p["valid"]]
    assert max(valid, default=0) < min(failing, default=float("inf"))
    assert results["best_qps"] == max(valid, default=None)


def test_an_exhausted_budget_probes_nothing():
    results, overhead = serve.server(FakeRunner(1000), CALIBRATION, lambda kind, data: None, deadline=0.0)
    assert results["probes"] == [] and results["best_qps"] is None and results["stopped"] == "budget"
    assert overhead["target_qps"] == 300 and overhead["fraction_of_result"] is None
