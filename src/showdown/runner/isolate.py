"""Run one measurement cell in a child process and turn whatever happens into a record.

The parent never imports a framework. :func:`run_cell` starts
``python -m showdown.runner.child`` in its own session, streams the child's
messages to a callback as they arrive, watches its memory and its clock, and
returns a :class:`CellOutcome`: a result, or a failure (error, timeout, oom,
crash, interruption) that the caller stores instead of stopping the run.

POSIX only (``start_new_session``, ``pass_fds``); the memory monitor reads
``/proc`` and so works on Linux only: elsewhere ``memory_mb`` is not enforced and
``peak_rss_bytes`` is None.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from showdown.errors import ConfigError, positive_int, unknown
from showdown.runner.child import MSG_FD_ENV
from showdown.runner.procs import SessionMemory, kill_session

STATUSES = ("ok", "error", "timeout", "oom", "crashed", "interrupted")

# Set to ``threads`` when it is given. Inter-op parallelism (TF_NUM_INTEROP_THREADS, torch's
# inter-op pool) is left alone: a run that pins it passes it through ``env``.
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"
)
DEFAULT_ENV = {"PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}  # ``env`` may override
TAIL_CHARS = 4000  # of the child's output kept in a CellOutcome
POLL_S = 0.05  # how often the clock and the memory of the child's processes are checked
DRAIN_GRACE_S = 2.0  # how long the pipes are still read once the child's processes are killed

_OOM_ERROR_TYPES = ("MemoryError", "OutOfMemoryError", "ResourceExhaustedError")
_INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
OnMessage = Callable[[str, dict], None]
_Cwd = str | os.PathLike | None


@dataclass(frozen=True)
class CellOutcome:
    """How one cell ended.

    Attributes:
        status: One of :data:`STATUSES`.
        result: The dict the cell function returned (status ``ok`` only).
        error: The exception the child reported: ``type``, ``message``, ``traceback``.
        exit_status: The child's exit code; negative means killed by that signal.
        signal_name: Name of the signal that ended the child, e.g. ``"SIGSEGV"``.
        message: One line saying what happened, for people.
        stderr_tail: The last :data:`TAIL_CHARS` characters of stderr and stdout, interleaved.
        duration_s: Wall time from start to the child being reaped.
        peak_rss_bytes: Largest summed RSS of the child's processes the monitor saw.
    """

    status: str
    result: dict | None = None
    error: dict | None = None
    exit_status: int | None = None
    signal_name: str | None = None
    message: str = ""
    stderr_tail: str = ""
    duration_s: float = 0.0
    peak_rss_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise unknown("cell status", self.status, STATUSES)

    @property
    def ok(self) -> bool:
        """Whether the cell returned a result."""
        return self.status == "ok"

    def failure_record(self) -> dict[str, Any]:
        """The failure as the store keeps it.

        Returns:
            A JSON-able dict: ``reason`` (the status), ``exit_status``, ``signal``,
            ``message`` and ``stderr_tail``.

        Raises:
            ValueError: When the cell did not fail.
        """
        if self.ok:
            raise ValueError("the cell succeeded; it has no failure record")
        return {
            "reason": self.status,
            "exit_status": self.exit_status,
            "signal": self.signal_name,
            "message": self.message,
            "stderr_tail": self.stderr_tail,
        }


def child_env(env: Mapping[str, str] | None = None, threads: int | None = None, framework: str | None = None) -> dict[str, str]:
    """Build a child's environment: the parent's, then defaults, thread settings, the contender's, ``env``.

    Args:
        env: Variables that override everything else.
        threads: When given, every name in :data:`THREAD_ENV_VARS` is set to it.
        framework: A registered contender whose processes must see its environment before any
            import (``KERAS_BACKEND``, whatever the user's shell says); see
            :func:`showdown.frameworks.registry.contender_env`.

    Returns:
        The complete environment (without the message channel variable).
    """
    result = dict(os.environ)
    result.update(DEFAULT_ENV)
    if threads is not None:
        result.update({name: str(positive_int("threads", threads)) for name in THREAD_ENV_VARS})
    if framework is not None:
        from showdown.frameworks.registry import CONTENDERS, contender_env

        if framework in CONTENDERS:
            result = contender_env(framework, result)
    result.update(env or {})
    return result


def run_cell(
    target: str,
    payload: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    threads: int | None = None,
    timeout_s: float = 600,
    memory_mb: int | None = None,
    on_message: OnMessage | None = None,
    python: str = sys.executable,
    cwd: str | os.PathLike[str] | None = None,
) -> CellOutcome:
    """Run ``target(payload, emit)`` in a child process and report how it ended.

    The child runs in a new session, so a Ctrl-C at the terminal reaches only the
    parent. Its stdout and stderr share one pipe and only their tail is kept.
    ``on_message`` is called in the calling thread, in order, for every message but
    ``result`` (``error`` included), all before this returns; while it runs the
    clock and memory checks wait, and a slow callback can stall the child's
    ``emit`` once the pipe's buffer (64 KiB on Linux) is full. When the child ends,
    every process left in its session is killed too.

    Args:
        target: ``package.module:function``, importable by ``python`` in ``cwd``.
        payload: JSON-able arguments for the function.
        env: Environment overrides, applied last (see :func:`child_env`); a payload naming a
            ``framework`` gets that contender's environment before them.
        threads: Intra-op thread count set in the environment before the child starts.
        timeout_s: Wall-clock limit; past it the child's processes are killed.
        memory_mb: Limit on the summed RSS of the child's processes (Linux).
        on_message: Receives ``(kind, data)`` for each streamed message.
        python: Interpreter for the child; it must be able to import showdown.
        cwd: Working directory of the child.

    Returns:
        The outcome; failures of the child never raise.

    Raises:
        ConfigError: When an argument is invalid or the interpreter cannot start.
        KeyboardInterrupt: When interrupted while waiting. The child's processes are
            killed and reaped first, as they are when ``on_message`` raises (its
            exception then propagates).
    """
    limits = _limits(target, timeout_s, memory_mb)
    framework = payload.get("framework")
    full_env = child_env(env, threads, framework if isinstance(framework, str) else None)
    job_path = _write_job(target, payload)
    try:
        command = [python, "-m", "showdown.runner.child", job_path]
        return _supervise(command, full_env, cwd, limits, on_message)
    finally:
        os.unlink(job_path)


@dataclass(frozen=True)
class _Limits:
    timeout_s: float
    cap_bytes: int | None


def _limits(target: str, timeout_s: float, memory_mb: int | None) -> _Limits:
    module, sep, attr = target.partition(":")
    if not (module and sep and attr):
        raise ConfigError(f"cell target must look like 'package.module:function', got {target!r}")
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not timeout_s > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout_s!r}")
    cap = None if memory_mb is None else positive_int("memory cap (MB)", memory_mb) << 20
    return _Limits(float(timeout_s), cap)


def _write_job(target: str, payload: Mapping[str, Any]) -> str:
    try:
        text = json.dumps({"target": target, "payload": dict(payload)})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cell payload is not JSON-able: {exc}") from exc
    fd, path = tempfile.mkstemp(prefix="showdown-cell-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _supervise(
    command: list[str],
    env: dict[str, str],
    cwd: _Cwd,
    limits: _Limits,
    on_message: OnMessage | None,
) -> CellOutcome:
    msg_read, msg_write = os.pipe()
    try:
        proc = _spawn(command, {**env, MSG_FD_ENV: str(msg_write)}, msg_write, cwd)
    except BaseException:
        os.close(msg_read)
        raise
    finally:
        os.close(msg_write)  # the child holds its own copy; ours would hide EOF
    watch = _Watch(proc, msg_read, limits, on_message)
    try:
        watch.loop()
    except BaseException:
        kill_session(proc.pid)
        proc.wait()
        raise
    finally:
        watch.close()
    return watch.outcome()


def _spawn(command: list[str], env: dict[str, str], msg_write: int, cwd: _Cwd) -> subprocess.Popen:
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(msg_write,),
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    except OSError as exc:
        raise ConfigError(f"cannot start the cell interpreter {command[0]!r}: {exc}") from exc


class _Watch:
    """Reads a running child's pipes and enforces its limits (one per cell)."""

    def __init__(self, proc: subprocess.Popen, msg_fd: int, limits: _Limits, on_message) -> None:
        self.proc = proc
        self.on_message = on_message
        self.started = time.monotonic()
        self.deadline = self.started + limits.timeout_s
        self.cap_bytes = limits.cap_bytes
        self.tree = SessionMemory(proc.pid)
        self.sel = selectors.DefaultSelector()
        self.sel.register(msg_fd, selectors.EVENT_READ, "msg")
        self.sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
        self.pending = bytearray()
        self.output = bytearray()
        self.result: dict | None = None
        self.error: dict | None = None
        self.killed_for: str | None = None
        self.kill_message = ""
        self.drain_until: float | None = None
        self.ended = 0.0

    def loop(self) -> None:
        """Pump the pipes and watch the limits until the child is reaped and its pipes close."""
        while not self._finished():
            if self.sel.get_map():
                for key, _ in self.sel.select(self._next_wait()):
                    self._read(key)
            else:
                self._wait_exit(self._next_wait())
            self._check()
        self.ended = time.monotonic()

    def _finished(self) -> bool:
        gave_up = self.drain_until is not None and time.monotonic() > self.drain_until
        return not self.sel.get_map() and (self.proc.returncode is not None or gave_up)

    def _next_wait(self) -> float:
        if self.drain_until is not None:
            return POLL_S
        return max(0.0, min(POLL_S, self.deadline - time.monotonic()))

    def _wait_exit(self, seconds: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=seconds)

    def _read(self, key: selectors.SelectorKey) -> None:
        data = os.read(key.fd, 65536)
        if not data:
            if key.data == "msg" and self.pending:  # cut off mid-line by a kill
                self._keep_output(b"\n[showdown] partial message: " + self.pending[:200] + b"\n")
            self._unregister(key.fd)
        elif key.data == "msg":
            self.pending += data
            self._dispatch_lines()
        else:
            self._keep_output(data)

    def _dispatch_lines(self) -> None:
        while (end := self.pending.find(b"\n")) >= 0:
            line = bytes(self.pending[:end])
            del self.pending[: end + 1]
            self._dispatch(line)

    def _dispatch(self, line: bytes) -> None:
        try:
            message = json.loads(line)
            kind, data = message["kind"], message["data"]
        except (ValueError, TypeError, KeyError):
            self._keep_output(b"\n[showdown] unreadable message: " + line[:200] + b"\n")
            return
        if kind == "result":
            self.result = data
            return
        if kind == "error":
            self.error = data
        if self.on_message is not None:
            self.on_message(kind, data)

    def _keep_output(self, data: bytes) -> None:
        self.output += data
        if len(self.output) > 8 * TAIL_CHARS:  # bytes, so multi-byte characters still fit
            del self.output[: -4 * TAIL_CHARS]

    def _check(self) -> None:
        now = time.monotonic()
        exited = self.proc.poll() is not None
        if self.drain_until is not None:
            if now > self.drain_until:  # something out of our reach holds the pipes
                for fd in list(self.sel.get_map()):
                    self._unregister(fd)
            return
        rss = self.tree.sample()
        if exited:
            self._kill(None, "")  # the child is done: take any stray descendants with it
        elif now >= self.deadline:
            self._kill("timeout", f"timed out after {now - self.started:.1f} s; killed")
        elif self.cap_bytes is not None and rss is not None and rss > self.cap_bytes:
            cap_mb = self.cap_bytes >> 20
            self._kill("oom", f"memory use {rss >> 20} MB passed the cap of {cap_mb} MB; killed")

    def _kill(self, reason: str | None, message: str) -> None:
        self.killed_for, self.kill_message = reason, message
        kill_session(self.proc.pid)
        self.drain_until = time.monotonic() + DRAIN_GRACE_S

    def _unregister(self, fd: int) -> None:
        self.sel.unregister(fd)
        if fd != self.proc.stdout.fileno():
            os.close(fd)

    def close(self) -> None:
        """Release the pipes."""
        for fd in list(self.sel.get_map()):
            self._unregister(fd)
        self.sel.close()
        self.proc.stdout.close()

    def outcome(self) -> CellOutcome:
        """Classify how the child ended."""
        code = self.proc.returncode
        status, message = _classify(self, code)
        return CellOutcome(
            status=status,
            result=self.result if status == "ok" else None,
            error=self.error,
            exit_status=code,
            signal_name=_signal_name(code),
            message=message,
            stderr_tail=self.output.decode("utf-8", errors="replace")[-TAIL_CHARS:],
            duration_s=self.ended - self.started,
            peak_rss_bytes=self.tree.peak,
        )


def _classify(watch: _Watch, code: int | None) -> tuple[str, str]:
    if watch.killed_for is not None:
        return watch.killed_for, watch.kill_message
    if watch.error is not None:
        text = f"{watch.error.get('type')}: {watch.error.get('message')}"
        kind = str(watch.error.get("type", ""))
        if kind.rsplit(".", 1)[-1] == "KeyboardInterrupt":
            return "interrupted", f"the cell was interrupted ({text})"
        if kind.rsplit(".", 1)[-1] in _OOM_ERROR_TYPES:
            return "oom", f"out of memory in the cell: {text}"
        return "error", text
    if watch.result is not None:
        return "ok", ""
    return _crash_status(code)


def _crash_status(code: int | None) -> tuple[str, str]:
    name = _signal_name(code)
    if name is None:
        return "crashed", f"the cell exited with status {code} without a result"
    if code is not None and -code in _INTERRUPT_SIGNALS:
        return "interrupted", f"the cell was stopped by {name}"
    if name == "SIGKILL":
        return "crashed", (
            "the cell was killed by SIGKILL from outside showdown; it may have run out "
            "of memory (the kernel's OOM killer sends SIGKILL)"
        )
    return "crashed", f"the cell was killed by {name}"


def _signal_name(code: int | None) -> str | None:
    if code is None or code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"
