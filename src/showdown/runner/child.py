"""Entry point of a measurement cell: ``python -m showdown.runner.child JOB``.

The parent (:mod:`showdown.runner.isolate`) writes a job file
``{"target": "package.module:function", "payload": {...}}`` and starts this module
in a fresh process. The child imports the target and calls
``function(payload, emit)``; ``emit(kind, data)`` writes one JSON line
``{"kind": ..., "data": ...}`` to a dedicated message channel and flushes it, so
samples stream to the parent as they are measured. The function's return value
is sent as kind ``result``; an exception is sent as kind ``error`` (type, message,
traceback), also printed to stderr, and the child exits 1.

The channel is the inherited file descriptor named by ``SHOWDOWN_MSG_FD``, never
stdout or stderr, because frameworks print noise there. Without that variable
(running a cell by hand) messages go to stdout. The job is read from the path in
``argv[1]``, or from stdin when the argument is missing or ``-``.

This module imports nothing heavy: thread settings in the environment must take
effect when the target first imports its framework.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import IO, Any

MSG_FD_ENV = "SHOWDOWN_MSG_FD"
"""Environment variable holding the message channel's file descriptor number."""

RESERVED_KINDS = frozenset({"result", "error"})
"""Message kinds only the child machinery may send."""

Emit = Callable[[str, Mapping[str, Any]], None]


def to_plain(value: object) -> object:
    """Convert what ``json`` cannot encode into plain Python, for ``json.dumps(default=...)``.

    numpy scalars and arrays (anything with ``tolist``) become numbers and lists;
    sets and tuples become lists; paths and other ``os.PathLike`` become strings.

    Args:
        value: An object the JSON encoder does not know.

    Returns:
        A JSON-encodable equivalent.

    Raises:
        TypeError: When the value has no sensible plain form.
    """
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot send {type(value).__name__} to the parent as JSON: {value!r:.80}")


def encode(kind: str, data: Mapping[str, Any]) -> bytes:
    """Encode one message as a JSON line.

    Args:
        kind: The message kind, e.g. ``"sample"``.
        data: The message body; numpy values are converted.

    Returns:
        UTF-8 bytes ending in a newline.

    Raises:
        TypeError: When ``data`` is not a mapping or holds a value JSON cannot carry.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"message data must be a dict, got {type(data).__name__}")
    line = json.dumps({"kind": kind, "data": dict(data)}, default=to_plain)
    return line.encode("utf-8") + b"\n"


class Channel:
    """The write end of the message channel; safe to use from several threads."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, kind: str, data: Mapping[str, Any]) -> None:
        """Write one message and flush it, so the parent sees it at once."""
        payload = encode(kind, data)
        with self._lock:
            self._stream.write(payload)
            self._stream.flush()

    def emit(self, kind: str, data: Mapping[str, Any]) -> None:
        """The ``emit`` handed to a cell function; refuses the reserved kinds.

        Args:
            kind: Any kind but ``result`` and ``error``.
            data: A JSON-able dict (numpy values allowed).

        Raises:
            ValueError: When ``kind`` is reserved or empty.
        """
        if not kind or kind in RESERVED_KINDS:
            raise ValueError(f"message kind {kind!r} is reserved or empty")
        self.send(kind, data)


def open_channel() -> Channel:
    """Open the channel named by ``SHOWDOWN_MSG_FD`` (stdout when unset).

    The variable is removed and the descriptor made non-inheritable, so programs
    the cell starts neither see nor hold the channel.

    Returns:
        The channel.
    """
    fd_text = os.environ.pop(MSG_FD_ENV, None)
    if fd_text is None:
        return Channel(sys.stdout.buffer)
    fd = int(fd_text)
    os.set_inheritable(fd, False)
    return Channel(os.fdopen(fd, "wb", buffering=0))


def read_job(argv: list[str]) -> dict[str, Any]:
    """Read the job from the file named in ``argv[0]``, or stdin.

    Args:
        argv: Command-line arguments after the program name.

    Returns:
        The job: ``target`` and ``payload``.
    """
    if argv and argv[0] != "-":
        with open(argv[0], encoding="utf-8") as handle:
            job = json.load(handle)
    else:
        job = json.load(sys.stdin)
    return {"target": job["target"], "payload": job.get("payload") or {}}


def resolve(target: str) -> Callable[..., Any]:
    """Import ``package.module:function`` (the function may be ``Class.method``).

    Args:
        target: The target in ``module:attribute`` form.

    Returns:
        The callable.

    Raises:
        ValueError: When the target is not in ``module:attribute`` form.
    """
    module_name, sep, attr_path = target.partition(":")
    if not sep or not module_name or not attr_path:
        raise ValueError(f"cell target must look like 'package.module:function', got {target!r}")
    obj: Any = importlib.import_module(module_name)
    for name in attr_path.split("."):
        obj = getattr(obj, name)
    return obj


def describe_error(exc: BaseException) -> dict[str, str]:
    """Describe an exception for the parent.

    Args:
        exc: The exception the cell raised.

    Returns:
        ``type`` (qualified for non-builtins, e.g. ``torch.OutOfMemoryError``),
        ``message`` and the formatted ``traceback``.
    """
    cls = type(exc)
    name = cls.__qualname__
    if cls.__module__ != "builtins":
        name = f"{cls.__module__}.{name}"
    text = "".join(traceback.format_exception(cls, exc, exc.__traceback__))
    return {"type": name, "message": str(exc), "traceback": text}


def run_job(job: Mapping[str, Any], channel: Channel) -> int:
    """Call the job's target and send its result or error.

    Args:
        job: ``target`` and ``payload``.
        channel: Where messages go.

    Returns:
        The exit status: 0 after a result, 1 after an error.
    """
    try:
        result = resolve(job["target"])(job["payload"], channel.emit)
        if result is None:
            result = {}
        channel.send("result", result)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a record
        return report_error(exc, channel)
    return 0


def report_error(exc: BaseException, channel: Channel) -> int:
    """Print the traceback to stderr (it lands in the parent's tail) and send it as ``error``.

    Args:
        exc: The exception.
        channel: Where the ``error`` message goes.

    Returns:
        The exit status for a failed cell, 1.
    """
    error = describe_error(exc)
    sys.stderr.write(error["traceback"])
    channel.send("error", error)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run one cell.

    Args:
        argv: Arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    faulthandler.enable()  # a segfault leaves a Python traceback in the stderr tail
    # A parent started in the background (``&``, nohup) passes SIGINT on ignored, and Python then
    # installs no KeyboardInterrupt for it: a cell is interrupted the same way however its run began.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    channel = open_channel()
    try:
        job = read_job(sys.argv[1:] if argv is None else argv)
    except (OSError, ValueError, KeyError) as exc:
        return report_error(exc, channel)
    return run_job(job, channel)


def _exit_now(status: int) -> None:
    """Flush and leave without interpreter teardown.

    Everything the parent needs has been sent; frameworks' exit handlers can hang
    or crash after that, which would turn a good cell into a failure.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":
    _exit_now(main())
