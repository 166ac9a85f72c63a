"""The train cell, in process, on every installed framework (tiny presets, short budgets)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from tb_events import read_scalars

from showdown.frameworks import base
from showdown.scenarios import train
from contenders import INSTALLED



def _payload(framework: str, **extra) -> dict:
    return {"framework": framework, "workload": "mlp", "preset": "tiny", "mode": "eager", "batch_size": 8, "threads": 2, "budget_s": 0.3, **extra}


def _run(payload: dict) -> tuple[dict, list[float]]:
    messages: list[tuple[str, dict]] = []
    result = train.cell(payload, lambda kind, data: messages.append((kind, data)))
    measured = [v for k, d in messages if k == "samples" and d["phase"] == "measure" for v in d["values"]]
    return result, measured


@pytest.mark.parametrize("framework", INSTALLED)
def test_tensorboard_gets_every_measured_step_time(framework, tmp_path):
    reason = base.scalar_writer_missing(framework)
    if reason:
        pytest.skip(reason)
    result, measured = _run(_payload(framework, tensorboard=str(tmp_path / "cell")))
    scalars = read_scalars(tmp_path / "cell")
    assert set(scalars) == {"step_time_ms"}
    steps, values = zip(*scalars["step_time_ms"])
    assert list(steps) == list(range(result["sample_count"])) and len(measured) == result["sample_count"]
    np.testing.assert_allclose(values, np.array(measured) * 1e3, rtol=1e-6)  # stored as float32


@pytest.mark.parametrize("framework", INSTALLED)
def test_without_a_directory_nothing_is_written(framework, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result, measured = _run(_payload(framework))
    assert result["sample_count"] == len(measured) >= 10 and result["median_s"] > 0
    assert not list(tmp_path.iterdir())


def test_a_torch_cell_loads_no_tensorflow_to_write_its_events(tmp_path):
    """tensorboard would import TensorFlow for its file I/O: seconds, and memory in the cell's peak."""
    if "torch" not in INSTALLED or base.scalar_writer_missing("torch"):
        pytest.skip("needs torch and tensorboard")
    payload = _payload("torch", threads=1, budget_s=0.1, tensorboard=str(tmp_path))
    code = f"import sys; from showdown.scenarios import train; train.cell({payload!r}, lambda k, d: None); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.split() == ["False"]
    assert set(read_scalars(tmp_path)) == {"step_time_ms"}
