"""Cold start, in process: the cell spawns fresh interpreters for every installed framework."""

from __future__ import annotations

import functools
import statistics

import pytest

from showdown.errors import CellError, ConfigError
from showdown.scenarios import coldstart
from contenders import INSTALLED

REPEATS = 2
MEASURED = ("import", "build", "first_call")


@functools.cache
def _run(framework: str) -> tuple[dict, list[tuple[str, dict]]]:
    messages: list[tuple[str, dict]] = []
    payload = {"framework": framework, "workload": "mlp", "preset": "tiny", "threads": 2, "seed": 0, "repeats": REPEATS}
    return coldstart.cell(payload, lambda kind, data: messages.append((kind, data))), messages


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_every_phase_is_positive_and_they_fit_in_the_total(framework):
    result, _ = _run(framework)
    assert result["repeats"] == REPEATS == len(result["records"])
    for record in result["records"]:
        assert all(record[p] > 0 for p in coldstart.PHASES)
        assert sum(record[p] for p in MEASURED) <= record["total"] <= record["process_s"]
        assert record["interpreter"] == pytest.approx(record["startup"] + record["harness"])
        assert record["clock"] == "shared" and record["calls_agree"]
        assert 0 < record["configure"] < record["build"]
    assert result["median_s"]["total"] == pytest.approx(statistics.median(r["total"] for r in result["records"]))


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_samples_are_streamed_per_repeat(framework):
    result, messages = _run(framework)
    samples = [d for k, d in messages if k == "samples"]
    assert {d["metric"] for d in samples} == {f"coldstart_{p}" for p in coldstart.PHASES}
    totals = [d["values"][0] for d in samples if d["metric"] == "coldstart_total"]
    assert totals == [r["total"] for r in result["records"]]
    assert all(d["unit"] == "s" and d["phase"] == "measure" for d in samples)


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_the_fresh_interpreter_reports_its_settings(framework):
    result, _ = _run(framework)
    assert result["settings"]["intra_op_threads"] == 2
    assert result["environment"]["version"][0].isdigit() and result["parameters"] > 0
    assert result["mode"] == "eager" and result["batch_size"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_import_is_the_largest_phase(framework):
    median = _run(framework)[0]["median_s"]
    assert median["import"] == max(median[p] for p in ("import", "build", "first_call", "interpreter"))


@pytest.mark.slow
def test_tensorflow_import_dominates_its_cold_start():
    if "tensorflow" not in INSTALLED:
        pytest.skip("tensorflow is not installed")
    median = _run("tensorflow")[0]["median_s"]
    assert median["import"] > 0.5 * median["total"]


def test_a_failing_interpreter_raises_with_its_error():
    with pytest.raises(CellError, match="unknown framework 'nope'"):
        coldstart.cell({"framework": "nope", "workload": "mlp", "preset": "tiny", "repeats": 1}, lambda k, d: None)


def test_repeats_must_be_positive():
    with pytest.raises(ConfigError):
        coldstart.cell({"framework": "torch", "workload": "mlp", "repeats": 0}, lambda k, d: None)


def _report(**stamps):
    base_stamps = {"start": 10.2, "import": 10.3, "imported": 12.3, "configured": 12.4, "built": 12.6, "first_call": 12.7, "second_call": 12.71, "done": 12.8}
    return {"stamps": {**base_stamps, **stamps}, "spawned": 10.0, "exited": 13.0}


def test_phases_on_a_shared_clock():
    out = coldstart.phases(_report())
    assert out["clock"] == "shared"
    assert out["total"] == pytest.approx(2.7) and out["import"] == pytest.approx(2.0)
    assert out["build"] == pytest.approx(0.3) and out["first_call"] == pytest.approx(0.1)
    assert out["interpreter"] == pytest.approx(0.3) == pytest.approx(out["startup"] + out["harness"])
    assert out["second_call"] == pytest.approx(0.01) and out["process_s"] == pytest.approx(3.0)


def test_phases_fall_back_when_clocks_differ():
    shifted = {k: v + 1000.0 for k, v in _report()["stamps"].items()}
    out = coldstart.phases({"stamps": shifted, "spawned": 10.0, "exited": 13.0})
    assert out["clock"] == "process" and out["startup"] is None
    assert out["total"] == pytest.approx(3.0 - 0.1)  # exit time less what followed the first call
    assert out["import"] == pytest.approx(2.0)
