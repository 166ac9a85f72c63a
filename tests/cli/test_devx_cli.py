"""``showdown devx`` end to end: stored, verbatim, recomputable."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from showdown.devx.catalog import CATALOG
from showdown.devx.probe import score
from showdown.frameworks.base import installed


@pytest.mark.skipif("tensorflow" not in installed(), reason="needs tensorflow")
def test_devx_json_reports_every_mistake_in_both_modes_and_scores_recompute(tmp_path):
    db = tmp_path / "d.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "showdown", "devx", "--frameworks", "tensorflow", "--json", "--db", str(db)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    entry = data["frameworks"]["tensorflow"]
    seen = {(o["mistake"], o["mode"]) for o in entry["observations"]}
    assert {(m.id, mode) for m in CATALOG for mode in ("eager", "function")} <= seen
    raised = [o for o in entry["observations"] if o["status"] == "raised"]
    assert raised and all(o["message"] and o["message_length"] == len(o["message"]) for o in raised)
    assert score(entry["observations"]) == entry["score"]
    assert set(entry["code_size"]) == {"mlp", "cnn", "lstm", "transformer"}
    assert entry["debug"]["print"]["function"]
