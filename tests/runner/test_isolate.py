"""run_cell with real child processes; the cell functions live in isolate_cells.py."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from showdown.errors import ConfigError
from showdown.runner.isolate import DEFAULT_ENV, TAIL_CHARS, THREAD_ENV_VARS, CellOutcome, run_cell

HERE = Path(__file__).resolve().parent


def run(function: str, payload: dict | None = None, **kwargs) -> CellOutcome:
    """Run ``isolate_cells:function`` with this folder on the child's import path."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    env.update(kwargs.pop("env", {}))
    kwargs.setdefault("timeout_s", 20)
    return run_cell(f"isolate_cells:{function}", payload or {}, env=env, **kwargs)


def collect() -> tuple[list[tuple[str, dict]], callable]:
    messages: list[tuple[str, dict]] = []
    return messages, lambda kind, data: messages.append((kind, data))


def gone(pid: int, within_s: float = 3.0) -> bool:
    """Whether ``pid`` has exited (a zombie awaiting its reaper counts as gone)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (ProcessLookupError, FileNotFoundError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_ok_streams_messages_in_order():
    messages, on_message = collect()
    outcome = run("count", {"n": 200}, on_message=on_message)
    assert outcome.status == "ok", outcome.stderr_tail
    assert outcome.result == {"total": sum(range(200))}
    assert messages == [("sample", {"i": i}) for i in range(200)]
    assert outcome.exit_status == 0 and outcome.signal_name is None and outcome.error is None
    assert outcome.duration_s > 0
    assert outcome.peak_rss_bytes is None or outcome.peak_rss_bytes > 1 << 20


def test_messages_arrive_while_the_child_runs():
    arrivals: list[float] = []
    start = time.monotonic()
    outcome = run(
        "slow_start", {"seconds": 0.8}, on_message=lambda k, d: arrivals.append(time.monotonic())
    )
    assert outcome.ok
    assert len(arrivals) == 1
    assert arrivals[0] - start < outcome.duration_s - 0.5


def test_exception_becomes_error():
    messages, on_message = collect()
    outcome = run("fail", {"message": "boom"}, on_message=on_message)
    assert outcome.status == "error"
    assert outcome.error["type"] == "ValueError"
    assert outcome.error["message"] == "boom"
    assert "in fail" in outcome.error["traceback"]
    assert outcome.exit_status == 1 and outcome.result is None
    assert messages == [("error", outcome.error)]
    record = outcome.failure_record()
    assert record["reason"] == "error" and record["message"] == "ValueError: boom"
    assert "ValueError: boom" in record["stderr_tail"]  # the child also prints the traceback


def test_missing_module_is_an_error():
    outcome = run_cell("no_such_module_xyz:f", {}, timeout_s=20)
    assert outcome.status == "error"
    assert outcome.error["type"] == "ModuleNotFoundError"


@pytest.mark.parametrize(
    ("function", "signal_name"), [("abort", "SIGABRT"), ("segfault", "SIGSEGV")]
)
def test_fatal_signal_is_a_crash(function, signal_name):
    outcome = run(function)
    assert outcome.status == "crashed"
    assert outcome.signal_name == signal_name
    assert outcome.exit_status < 0
    assert outcome.failure_record()["signal"] == signal_name
    if function == "segfault":
        assert "Fatal Python error" in outcome.stderr_tail  # faulthandler's trace


def test_sigkill_from_outside_suggests_memory():
    outcome = run("self_kill")
    assert outcome.status == "crashed"
    assert outcome.signal_name == "SIGKILL"
    assert "memory" in outcome.message


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_stopping_signal_is_an_interruption(name):
    assert run("raise_signal", {"signal": name}).status == "interrupted"


def test_timeout_kills_child_and_grandchild():
    messages, on_message = collect()
    start = time.monotonic()
    outcome = run("hang", timeout_s=1.0, on_message=on_message)
    assert outcome.status == "timeout"
    assert time.monotonic() - start < 1.0 + 2.0
    assert outcome.signal_name == "SIGKILL"
    assert "timed out" in outcome.failure_record()["message"]
    pids = messages[0][1]
    assert gone(pids["child"]) and gone(pids["grandchild"])


def test_stray_grandchild_is_killed_after_success():
    outcome = run("leave_grandchild")
    assert outcome.ok
    assert gone(outcome.result["grandchild"])


def test_memory_cap_kills_with_oom():
    outcome = run("hog", {"mb": 600}, memory_mb=300)
    assert outcome.status == "oom", outcome.message
    assert outcome.peak_rss_bytes > 300 << 20
    assert outcome.duration_s < 10
    assert "300 MB" in outcome.message


def test_memory_error_is_oom():
    outcome = run("memory_error")
    assert outcome.status == "oom"
    assert outcome.error["type"] == "MemoryError"


def test_environment_is_set_before_start():
    names = [*THREAD_ENV_VARS, *DEFAULT_ENV, "TF_NUM_INTEROP_THREADS", "SHOWDOWN_MSG_FD"]
    outcome = run("environment", {"names": names}, threads=1, env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    seen = outcome.result
    assert all(seen[name] == "1" for name in THREAD_ENV_VARS)
    assert seen["PYTHONUNBUFFERED"] == "1"
    assert seen["TF_CPP_MIN_LOG_LEVEL"] == "0"  # the caller's env wins
    assert seen["TF_NUM_INTEROP_THREADS"] == os.environ.get("TF_NUM_INTEROP_THREADS")
    assert seen["SHOWDOWN_MSG_FD"] is None  # hidden from the cell and whatever it starts


def test_chatty_child_does_not_deadlock():
    outcome = run("chatty", {"mb": 1})
    assert outcome.ok
    assert len(outcome.stderr_tail) <= TAIL_CHARS
    assert outcome.stderr_tail.endswith("the end\n")


def test_numpy_values_arrive_as_plain_json():
    pytest.importorskip("numpy")
    messages, on_message = collect()
    outcome = run("numpy_values", on_message=on_message)
    assert outcome.ok, outcome.stderr_tail
    assert messages == [("sample", {"f": 1.5, "i": 7, "b": True, "a": [0, 1, 2]})]
    assert outcome.result == {"matrix": [[1.0, 0.0], [0.0, 1.0]], "mean": 0.25}


def test_unencodable_message_is_an_error():
    outcome = run("bad_emit")
    assert outcome.status == "error"
    assert outcome.error["type"] == "TypeError"


def test_interrupt_in_parent_kills_child():
    pids: list[int] = []

    def on_message(kind: str, data: dict) -> None:
        pids.append(data["child"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run("hang", on_message=on_message)
    assert gone(pids[0])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": "no_colon"},
        {"timeout_s": 0},
        {"memory_mb": 0},
        {"threads": 0},
        {"payload": {"x": object()}},
        {"python": "/no/such/python"},
    ],
)
def test_bad_arguments_raise_config_error(kwargs):
    args = {"target": "isolate_cells:count", "payload": {"n": 1}, **kwargs}
    with pytest.raises(ConfigError):
        run_cell(args.pop("target"), args.pop("payload"), **args)


def test_outcome_validates_status():
    with pytest.raises(ConfigError, match="unknown cell status 'bogus'"):
        CellOutcome(status="bogus")
    with pytest.raises(ValueError):
        CellOutcome(status="ok", result={}).failure_record()


def test_runner_imports_no_framework():
    code = (
        "import sys, showdown.runner.isolate, showdown.runner.child; "
        "heavy = {'torch', 'tensorflow', 'numpy'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_torch_sees_the_thread_setting():
    outcome = run("torch_threads", threads=1, timeout_s=60)
    assert outcome.ok, outcome.stderr_tail
    assert outcome.result == {"threads": 1, "sum": 4.0}
