"""The processes of a cell's session: their summed memory, and killing all of them.

A cell runs in its own session, so everything it starts (a cold-start interpreter, a runtime
process) is found by session id in /proc and is killed with it. Linux only; elsewhere the
members are unknown and only the process group is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal

from showdown.measure.memory import rss_bytes


def kill_session(sid: int) -> None:
    """SIGKILL the child's process group and every other process left in its session."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(sid, signal.SIGKILL)
    for pid in session_members(sid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class SessionMemory:
    """Samples the summed RSS of the processes in the child's session."""

    RESCAN_EVERY = 10  # finding members scans all of /proc; reading known ones is cheap

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.members: list[int] = [sid]
        self.peak: int | None = None
        self._polls = 0

    def sample(self) -> int | None:
        """Read the current total RSS in bytes (None when /proc cannot tell)."""
        if self._polls % self.RESCAN_EVERY == 0:
            self.members = session_members(self.sid) or [self.sid]
        self._polls += 1
        sizes = [size for size in map(rss_bytes, self.members) if size is not None]
        if not sizes:
            return None
        total = sum(sizes)
        self.peak = total if self.peak is None else max(self.peak, total)
        return total


def session_members(sid: int) -> list[int]:
    """Pids in session ``sid`` (the child's own group included), from /proc."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    return [int(name) for name in names if name.isdigit() and _session_of(name) == sid]


def _session_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2 :].split()  # the command name may hold spaces
    return int(fields[3]) if len(fields) > 3 else None
