"""A round's shared process: each part's samples tagged with its index, memory read by the first part only, a failing part recorded while the next runs."""

from __future__ import annotations

from showdown.runner import child
from showdown.scenarios import parts


def _measure(config, emit):  # each part gets its config, read back: its budget stands for what it measures
    emit("samples", {"metric": "latency", "phase": "measure", "unit": "s", "values": [config.budget_s]})
    return {"median_s": config.budget_s, "peak_rss_above_baseline": 7, "memory_method": "rss", "device_memory": None}


def _boom(payload, emit):
    raise RuntimeError("part blew up")


def test_parts_are_tagged_failures_kept_and_memory_read_first_only(monkeypatch):
    monkeypatch.setattr(child, "resolve", lambda target: _boom if target.endswith("train:cell") else _measure)
    sent = []
    out = parts.cell({"parts": [{"scenario": "infer", "budget_s": 1.0}, {"scenario": "train"}, {"scenario": "infer", "budget_s": 3.0}]},
                     lambda kind, data: sent.append((kind, data)))
    first, failed, third = out["parts"]
    assert [d["part"] for _, d in sent] == [0, 2] and [d["values"] for _, d in sent] == [[1.0], [3.0]]
    assert failed["status"] == "failed" and failed["type"] == "RuntimeError" and failed["message"] == "part blew up" and "_boom" in failed["traceback"]
    assert first["status"] == third["status"] == "ok" and third["result"]["median_s"] == 3.0 and third["result"]["position"] == 2
    assert first["result"]["peak_rss_above_baseline"] == 7 and third["result"]["peak_rss_above_baseline"] is None
    assert third["result"]["memory_method"].startswith("not read: part 3 of a shared process")
