"""The contenders the test process does not measure (see ``tests/contenders.py``), each in processes of its own.

For each, the contract suite and its scalar writer's round trip run in a pytest process that
selects it (``SHOWDOWN_TEST_FRAMEWORKS``), and a run measures it through the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contenders import OTHERS, SELECT_ENV

TESTS = Path(__file__).parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("framework", OTHERS)
def test_the_contract_suite_passes_in_a_process_of_its_own(framework):
    frameworks = TESTS / "frameworks"
    writer = [f"{frameworks / 'test_scalar_writer.py'}::{t}" for t in ("test_scalars_round_trip_through_the_event_file", "test_two_writers_in_one_directory_keep_both_files")]
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(frameworks / "test_contract.py"), *writer],
                         capture_output=True, text=True, env={**os.environ, SELECT_ENV: framework}, timeout=900, cwd=TESTS.parent)
    assert out.returncode == 0, out.stdout[-4000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "skipped" not in summary and "deselected" not in summary


@pytest.mark.slow
@pytest.mark.parametrize("framework", OTHERS)
def test_a_run_measures_it_on_its_own_backend(framework, tmp_path):
    db = str(tmp_path / "o.sqlite")
    args = ("run", "--frameworks", framework, "--workloads", "mlp", "--scenarios", "train", "dynamic", "--preset", "tiny",
            "--rounds", "0", "--cell-budget", "0.3", "--threads", "2", "--db", db)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}  # the shell's setting must not decide what is measured
    run = subprocess.run([sys.executable, "-m", "showdown", *args], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    shown = json.loads(subprocess.run([sys.executable, "-m", "showdown", "show", "latest", "--db", db, "--json"], capture_output=True, text=True, check=True).stdout)
    cells = shown["cells"]
    assert {c["status"] for c in cells} == {"ok"} and {c["config"]["scenario"] for c in cells} == {"train", "dynamic"}
    from showdown.frameworks import base

    backend = base.contender(framework).backend
    assert all(c["result"]["environment"].get("keras_backend") == backend for c in cells)  # None: no Keras
