"""The command line as a user runs it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from showdown.frameworks import base


def showdown(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "showdown", *args], capture_output=True, text=True, env=full_env, timeout=timeout)


HEAVY = ("torch", "tensorflow", "keras", "onnxruntime", "numpy", "scipy", "sklearn", "rich")


def test_help_imports_no_heavy_module():
    # What keeps `showdown --help` instant is what it does not import; its time is left to benchmarks.
    code = f"import sys; from showdown.cli.main import build_parser; build_parser(); print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    result = showdown("--help")
    assert result.returncode == 0 and "parity" in result.stdout


BAD = [
    (["parity", "--workloads", "resnet"], "unknown workload 'resnet': choose from mlp, cnn, lstm, transformer"),
    (["parity", "--preset", "huge"], "unknown preset 'huge': choose from tiny, default, large"),
    (["parity", "--frameworks", "torch,mxnet"], "unknown framework 'mxnet': choose from " + ", ".join(base.FRAMEWORKS)),
    (["parity", "--frameworks", "torch"], "parity compares frameworks with the first of them, so it needs two or more, got 1: torch"),
    (["parity", "--batch", "0"], "batch size must be a positive integer, got 0"),
    (["parity", "--batch", "-3"], "batch size must be a positive integer, got -3"),
    (["parity", "--batch", "2.5"], "batch size must be a positive integer, got '2.5'"),
    (["parity", "--threads", "0"], "thread count must be a positive integer, got 0"),
    (["parity", "--device", "tpu"], "unknown device 'tpu': choose from cpu, cuda"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = showdown(*args)
    assert result.returncode == 2
    assert result.stderr.strip() == f"showdown: error: {message}"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_debug_shows_the_traceback():
    result = showdown("parity", "--workloads", "resnet", env={"SHOWDOWN_DEBUG": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "unknown workload 'resnet'" in result.stderr


def test_unknown_command_is_exit_2():
    result = showdown("fly")
    assert result.returncode == 2 and "invalid choice: 'fly'" in result.stderr


def test_missing_framework_names_the_install_command():
    code = "import sys; sys.modules['tensorflow'] = None; from showdown.cli.main import main; sys.exit(main(['parity', '--frameworks', 'torch', 'tensorflow']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "showdown: error: framework 'tensorflow' is not installed: pip install 'tensorflow-cpu==2.21.*'"


def test_parity_json_of_every_contender(both):
    # by default every installed contender is checked against the first (torch), here on the LSTM,
    # whose gate layouts differ the most (tests/scenarios/test_parity.py checks every workload)
    from showdown.frameworks import base

    result = showdown("parity", "--workloads", "lstm", "--preset", "tiny", "--json", "--threads", "2")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passed"] is True and data["frameworks"] == list(base.installed())
    assert {r["against"] for r in data["results"]} == set(base.installed()[1:])
    assert {(r["workload"], r["check"]) for r in data["results"]} >= {("lstm", "forward-train"), ("lstm", "adam-10")}
    assert all(r["max_rel"] <= r["tolerance"] for r in data["results"])


def test_parity_table(both):
    result = showdown("parity", "--workloads", "mlp", "--preset", "tiny", "--frameworks", "torch", "tensorflow", "--threads", "2")
    assert result.returncode == 0, result.stderr
    assert "all 6 checks passed" in result.stdout and "forward-eval" in result.stdout and "tensorflow" in result.stdout
