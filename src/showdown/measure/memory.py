"""Resident memory of a process, from Linux's /proc; None wherever that is unavailable.

Peak tracking prefers the kernel's own high-water mark (VmHWM), reset through
``/proc/self/clear_refs``; where that reset is refused it falls back to a thread polling RSS,
which can miss a spike shorter than its interval.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Literal

from showdown.errors import unknown

Method = Literal["auto", "hwm", "sampling"]
METHODS = ("auto", "hwm", "sampling")
_PROC = Path("/proc")


def rss_bytes(pid: int | None = None) -> int | None:
    """Current resident set size of a process.

    Args:
        pid: Process id; None for this process.

    Returns:
        Bytes, or None when /proc cannot be read (not Linux, process gone, no permission).
    """
    return _status_kib("VmRSS", pid)


def peak_rss_bytes(pid: int | None = None) -> int | None:
    """Peak resident set size (VmHWM) since the process started or since ``reset_peak``.

    Args:
        pid: Process id; None for this process.

    Returns:
        Bytes, or None when /proc cannot be read.
    """
    return _status_kib("VmHWM", pid)


def reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (writes ``5`` to /proc/self/clear_refs).

    This is process-wide: anything else reading VmHWM in this process sees the reset too.

    Returns:
        Whether the kernel accepted the reset.
    """
    try:
        (_PROC / "self" / "clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakTracker:
    """Context manager measuring this process's peak RSS above the RSS at entry.

    With ``method="auto"`` it uses VmHWM after ``reset_peak`` when the reset works and a
    polling thread otherwise. After exit, ``peak_above_baseline`` holds the result in bytes
    (None when RSS cannot be read here) and ``method`` says which way it was measured.

    Example:
        >>> with PeakTracker() as tracker:
        ...     run_step()
        >>> tracker.peak_above_baseline
    """

    def __init__(self, method: Method = "auto", interval_s: float = 0.002) -> None:
        """Configure the tracker.

        Args:
            method: ``auto``, ``hwm`` (VmHWM only; falls back to sampling if the reset fails)
                or ``sampling`` (polling thread only).
            interval_s: Polling interval of the sampling thread.

        Raises:
            ConfigError: On an unknown method.
        """
        if method not in METHODS:
            raise unknown("peak-tracking method", method, METHODS)
        self._requested = method
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sampled_peak = 0
        self.method: str = "unavailable"
        self.baseline_bytes: int | None = None
        self.peak_bytes: int | None = None
        self.peak_above_baseline: int | None = None

    def __enter__(self) -> PeakTracker:
        self.baseline_bytes = rss_bytes()
        if self.baseline_bytes is None:
            return self
        if self._requested != "sampling" and reset_peak():
            self.method = "hwm"
            return self
        self.method = "sampling"
        self._sampled_peak = self.baseline_bytes
        self._thread = threading.Thread(target=self._poll, name="showdown-peak-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.baseline_bytes is None:
            return
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        self.peak_bytes = self._read_peak()
        if self.peak_bytes is not None:
            self.peak_above_baseline = max(0, self.peak_bytes - self.baseline_bytes)

    def _read_peak(self) -> int | None:
        if self.method == "hwm":
            return peak_rss_bytes()
        return max(self._sampled_peak, rss_bytes() or 0)

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            now = rss_bytes()
            if now is not None and now > self._sampled_peak:
                self._sampled_peak = now


def _status_kib(field: str, pid: int | None) -> int | None:
    """Read a ``kB`` field of /proc/<pid>/status, in bytes."""
    path = _PROC / ("self" if pid is None else str(pid)) / "status"
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None

