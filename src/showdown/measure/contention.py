"""How much CPU other processes used while a cell ran: the machine's busy time from /proc/stat
minus this process's and its reaped children's CPU time.

On a small machine other work distorts timings badly (an oversubscribed OpenMP pool slows
10–40×), and the load average cannot tell: its one-minute window mostly holds the previous
cell's own child. Wrap the cell (child process started *and waited for* inside the block), and
the difference is what nobody of this run used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

_STAT = Path("/proc/stat")
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice
_BUSY_FIELDS = (0, 1, 2, 5, 6)  # guest time is already counted in user; idle and iowait are not busy
_STEAL_FIELD = 7  # time a virtual machine's CPUs were running someone else (the hypervisor's other guests)
#: A cell shares the machine noticeably when others took more than this share of its CPUs.
BUSY_SHARE = 0.25


def machine_busy_s(stat: Path = _STAT) -> float | None:
    """CPU seconds all processes have spent since boot, over every CPU (None off Linux)."""
    times = _cpu_times(stat)
    return None if times is None else sum(times[i] for i in _BUSY_FIELDS if i < len(times))


def machine_steal_s(stat: Path = _STAT) -> float | None:
    """CPU seconds since boot that the hypervisor gave this machine's CPUs to other guests."""
    times = _cpu_times(stat)
    return None if times is None else (times[_STEAL_FIELD] if _STEAL_FIELD < len(times) else 0.0)


def _cpu_times(stat: Path) -> list[float] | None:
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return [int(f) / hz for f in fields[1:]]


def own_cpu_s() -> float:
    """CPU seconds of this process and of every child it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Contention:
    """Context manager: CPU seconds others used while the block ran, and their share of the CPUs.

    After exit, ``to_dict()`` gives ``other_cpu_s``, ``run_cpu_s`` (this process and the children
    it reaped), ``steal_s`` (on a virtual machine: CPU time the hypervisor gave other guests),
    ``wall_s``, ``cpus``, and ``other_share`` and ``steal_share`` (those seconds over wall time ×
    CPUs, 0 to 1); what comes from /proc/stat is None where it is unreadable.
    /proc/stat counts in clock ticks (``SC_CLK_TCK``, usually 100 a second per CPU), too coarse
    for short blocks: the shares of a block under a second are left None.
    """

    def __init__(self, stat: Path = _STAT, clock: Callable[[], float] = time.monotonic) -> None:
        self._stat, self._clock = stat, clock
        self.other_cpu_s: float | None = None
        self.run_cpu_s: float | None = None
        self.steal_s: float | None = None
        self.wall_s: float | None = None
        self.cpus = os.cpu_count() or 1

    def __enter__(self) -> Contention:
        self._busy, self._steal = machine_busy_s(self._stat), machine_steal_s(self._stat)
        self._own, self._t = own_cpu_s(), self._clock()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.wall_s = self._clock() - self._t
        busy, self.run_cpu_s = machine_busy_s(self._stat), own_cpu_s() - self._own
        if busy is not None and self._busy is not None:
            self.other_cpu_s = max(0.0, (busy - self._busy) - self.run_cpu_s)
        steal = machine_steal_s(self._stat)
        if steal is not None and self._steal is not None:
            self.steal_s = steal - self._steal

    @property
    def other_share(self) -> float | None:
        """Other processes' share of the machine's CPU capacity during the block."""
        return self._share(self.other_cpu_s)

    @property
    def steal_share(self) -> float | None:
        """The hypervisor's other guests' share of this machine's CPU capacity during the block."""
        return self._share(self.steal_s)

    def _share(self, seconds: float | None) -> float | None:
        if seconds is None or not self.wall_s or self.wall_s < 1.0:
            return None
        return min(1.0, seconds / (self.wall_s * self.cpus))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {"other_cpu_s": self.other_cpu_s, "run_cpu_s": self.run_cpu_s, "steal_s": self.steal_s, "wall_s": self.wall_s, "cpus": self.cpus,
                "other_share": self.other_share, "steal_share": self.steal_share}
