"""The contenders the test process does not measure (see ``tests/contenders.py``), each in processes of its own.

For each, the contract suite, its scalar writer's round trip, its debuggability findings
(``tests/devx/test_debug.py``), its deployment paths (``tests/deploy/test_jax_paths.py``) and its code-size
examples (``tests/devx/test_codesize.py``) run in a pytest process that selects it
(``SHOWDOWN_TEST_FRAMEWORKS``), and a run measures it through the command line. Its mistakes battery
runs in a child of the main test process (``tests/devx/test_mistakes.py``), as every contender's does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contenders import OTHERS, SELECT_ENV
from showdown.frameworks.base import contender

TESTS = Path(__file__).parents[1]
# the debuggability findings checked per contender (the rest of test_debug.py runs in this process)
DEBUG_TESTS = ("test_report_is_json_and_names_modes", "test_print_in_forward", "test_breakpoint_in_forward",
               "test_graphs_breaks_and_recompiles_per_workload", "test_compile_time_first_and_steady_calls", "test_unknown_kind_or_mode_is_a_config_error")
# Keras on torch's findings take two minutes under Dynamo, too long for make test's budget; they are
# checked when chosen: SHOWDOWN_TEST_FRAMEWORKS=keras-torch pytest tests/devx/test_debug.py
DEBUG_SELECTED_ONLY = ("keras-torch",)
# the deployment paths of the contenders that have them, with their findings (tests/deploy/test_jax_paths.py)
_DEPLOY = TESTS / "deploy" / "test_jax_paths.py"
DEPLOY_TESTS = {
    "jax": [str(_DEPLOY)],
    "keras-jax": [f"{_DEPLOY}::test_export_runs_and_matches_the_source_model"],
}
# the code-size examples: their models built and trained in the contender's own framework
DEVX_TESTS = {fw: [str(TESTS / "devx" / "test_codesize.py")] for fw in OTHERS if contender(fw).has("examples")}


@pytest.mark.slow
@pytest.mark.parametrize("framework", OTHERS)
def test_the_contract_suite_passes_in_a_process_of_its_own(framework):
    frameworks = TESTS / "frameworks"
    writer = [f"{frameworks / 'test_scalar_writer.py'}::{t}" for t in ("test_scalars_round_trip_through_the_event_file", "test_two_writers_in_one_directory_keep_both_files")]
    debug = [f"{TESTS / 'devx' / 'test_debug.py'}::{t}" for t in DEBUG_TESTS] if framework not in DEBUG_SELECTED_ONLY else []
    deploy, devx = DEPLOY_TESTS.get(framework, []), DEVX_TESTS.get(framework, [])
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(frameworks / "test_contract.py"), *writer, *debug, *deploy, *devx],
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
