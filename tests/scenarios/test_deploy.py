"""The deploy cell end to end: train on digits, export, run in a runtime-only process, verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from showdown.frameworks.base import installed
from showdown.runner import execute as X
from showdown.runner import plan as P
from showdown.scenarios import deploy
from showdown.store import Store

needs_tf = pytest.mark.skipif("tensorflow" not in installed(), reason="needs tensorflow")


@needs_tf
def test_litert_and_onnx_cells_are_verified_against_the_source(tmp_path):
    store = Store.open(tmp_path / "d.sqlite")
    plan = P.suite("quick", frameworks=("tensorflow",), workloads=("mlp",), scenarios=("deploy",), paths=("litert", "tf-onnx-ort-int8-dynamic"), preset="tiny", threads=2, budget_s=0.3)
    run_id = X.start(store, plan, [])
    assert X.execute(store, run_id, plan) == "complete"
    cells = {c.config["path"]: c.result for c in store.cells(run_id)}
    lite, quant = cells["litert"], cells["tf-onnx-ort-int8-dynamic"]
    assert lite["exported"] and lite["ran"] and lite["size_bytes"] > 1000
    assert lite["max_rel_deviation"] < 1e-5 and lite["accuracy_after"] == lite["accuracy_before"]
    assert lite["frameworks_loaded"] == []  # the runtime process held LiteRT alone
    assert lite["latency"]["bs1"]["p50"] > 0 and lite["latency"]["bs32"]["n"] >= 10
    assert quant["argmax_agreement"] >= 0.9 and quant["max_rel_deviation"] > lite["max_rel_deviation"]
    assert lite["accuracy_before"] > 0.5  # trained on digits, not random weights
    # the model is trained once per framework and workload: the second path exports the same weights
    assert (lite["source"], quant["source"]) == ("trained", "loaded") and quant["accuracy_before"] == lite["accuracy_before"]
    assert not os.path.exists(X.source_cache(run_id))  # removed when the run ends


def test_export_failure_is_recorded_verbatim(tmp_path, monkeypatch):
    def refuse(model, spec, out_dir, calibration):
        raise RuntimeError("Unsupported op: aten::frobnicate (exporter's own words)")

    monkeypatch.setattr(deploy, "resolve", lambda target: refuse)
    payload = {"framework": installed()[0], "workload": "mlp", "preset": "tiny", "threads": 1, "path": "onnx-ort" if installed()[0] == "torch" else "litert"}
    result = deploy.cell(payload, lambda kind, data: None)
    assert result["exported"] is False
    assert result["error"] == "Unsupported op: aten::frobnicate (exporter's own words)" and result["error_type"] == "RuntimeError"


def test_a_missing_runtime_is_skipped_with_the_install_command():
    code = (
        "import sys, json; sys.modules['ai_edge_litert'] = None\n"
        "from showdown.runner.config import CellConfig\n"
        "from showdown.runner.execute import skip_reason\n"
        "print(json.dumps(skip_reason(CellConfig('deploy', path='litert'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == "litert needs ai_edge_litert, not installed: pip install ai-edge-litert"


def test_bad_deploy_options(tmp_path):
    result = subprocess.run([sys.executable, "-m", "showdown", "deploy", "--paths", "tflite-micro", "--db", str(tmp_path / "x.sqlite")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("showdown: error: unknown deployment path 'tflite-micro': choose from torchscript, torch-export")
    assert not (tmp_path / "x.sqlite").exists()
