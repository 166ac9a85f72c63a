"""Cell functions for test_isolate; the child imports this module by name (``isolate_cells``).

Kept free of heavy imports at module level, like real cells.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

Emit = Callable[[str, dict], None]


def count(payload: dict, emit: Emit) -> dict:
    """Stream ``n`` samples, then return their sum."""
    for i in range(payload["n"]):
        emit("sample", {"i": i})
    return {"total": sum(range(payload["n"]))}


def slow_start(payload: dict, emit: Emit) -> dict:
    """Emit at once, then work a while: the message must arrive before the end."""
    emit("started", {"pid": os.getpid()})
    time.sleep(payload["seconds"])
    return {}


def fail(payload: dict, emit: Emit) -> dict:
    """Raise a ValueError carrying the payload's message."""
    raise ValueError(payload["message"])


def abort(payload: dict, emit: Emit) -> dict:
    """Die of SIGABRT."""
    os.abort()


def segfault(payload: dict, emit: Emit) -> dict:
    """Die of SIGSEGV by reading address 0."""
    import ctypes

    ctypes.string_at(0)
    return {}


def self_kill(payload: dict, emit: Emit) -> dict:
    """Die of SIGKILL, as the kernel's OOM killer would do it."""
    os.kill(os.getpid(), signal.SIGKILL)
    return {}


def hang(payload: dict, emit: Emit) -> dict:
    """Report this pid and a grandchild's, then sleep forever."""
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    emit("pids", {"child": os.getpid(), "grandchild": grandchild.pid})
    while True:
        time.sleep(1)


def leave_grandchild(payload: dict, emit: Emit) -> dict:
    """Start a long-lived grandchild that holds no pipe, and return at once."""
    grandchild = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return {"grandchild": grandchild.pid}


def hog(payload: dict, emit: Emit) -> dict:
    """Touch ``mb`` megabytes in 20 MB steps, then hold them."""
    blocks = []
    for _ in range(payload["mb"] // 20):
        blocks.append(b"\x01" * (20 << 20))  # written, so resident, unlike calloc'd zeros
        time.sleep(0.01)
    time.sleep(30)
    return {"blocks": len(blocks)}


def memory_error(payload: dict, emit: Emit) -> dict:
    """Raise MemoryError as Python does when an allocation fails."""
    raise MemoryError("cannot allocate")


def environment(payload: dict, emit: Emit) -> dict:
    """Return the named environment variables as the child sees them."""
    return {name: os.environ.get(name) for name in payload["names"]}


def chatty(payload: dict, emit: Emit) -> dict:
    """Write ``mb`` megabytes to stdout and to stderr."""
    line = "x" * 1023 + "\n"
    for _ in range(payload["mb"] * 1024):
        sys.stdout.write(line)
        sys.stderr.write(line)
    sys.stderr.write("the end\n")
    return {"ok": True}


def numpy_values(payload: dict, emit: Emit) -> dict:
    """Emit and return numpy scalars and arrays."""
    import numpy as np

    emit("sample", {"f": np.float32(1.5), "i": np.int64(7), "b": np.bool_(True), "a": np.arange(3)})
    return {"matrix": np.eye(2), "mean": np.float64(0.25)}


def bad_emit(payload: dict, emit: Emit) -> dict:
    """Emit something JSON cannot carry."""
    emit("sample", {"x": object()})
    return {}


def torch_threads(payload: dict, emit: Emit) -> dict:
    """Import torch and report its intra-op thread count."""
    import torch

    return {"threads": torch.get_num_threads(), "sum": float(torch.ones(4).sum())}


def raise_signal(payload: dict, emit: Emit) -> dict:
    """Send this process the named signal (SIGINT becomes KeyboardInterrupt)."""
    signal.raise_signal(signal.Signals[payload["signal"]])
    time.sleep(5)
    return {}
