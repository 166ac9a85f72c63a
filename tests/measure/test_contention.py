"""Other processes' CPU time during a block, from /proc/stat minus this process and its children."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from showdown.measure import contention as C

BUSY = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end: pass\n"
# spins until it has used {s} s of CPU, however long a loaded machine makes that take
BUSY_CPU = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"
needs_proc = pytest.mark.skipif(C.machine_busy_s() is None, reason="needs Linux /proc/stat")


def stat_file(path: Path, user: int, system: int, idle: int, steal: int = 0) -> Path:
    # cpu user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(f"cpu  {user} 0 {system} {idle} 7 1 1 {steal} 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n")
    return path


def test_busy_time_counts_user_system_irq_and_not_idle(tmp_path):
    import os

    hz = os.sysconf("SC_CLK_TCK")
    assert C.machine_busy_s(stat_file(tmp_path / "stat", 300, 100, 5000, steal=40)) == pytest.approx((300 + 100 + 2) / hz)
    assert C.machine_steal_s(tmp_path / "stat") == pytest.approx(40 / hz)
    assert C.machine_busy_s(tmp_path / "missing") is None
    (tmp_path / "odd").write_text("intr 1 2 3\n")
    assert C.machine_busy_s(tmp_path / "odd") is None


def test_share_is_others_seconds_over_wall_time_and_cpus(tmp_path, monkeypatch):
    import os

    hz = os.sysconf("SC_CLK_TCK")
    stat = stat_file(tmp_path / "stat", 0, 0, 0)
    clock = iter([10.0, 14.0])
    monkeypatch.setattr(C, "own_cpu_s", iter([1.0, 2.0]).__next__)  # this run used 1 s meanwhile
    with C.Contention(stat, clock=lambda: next(clock)) as others:
        stat_file(stat, int(2.5 * hz), int(0.5 * hz), 0, steal=int(0.8 * hz))  # the machine was busy 3 s; other guests took 0.8 s
        others.cpus = 2
    assert others.wall_s == 4.0 and others.other_cpu_s == pytest.approx(2.0) and others.run_cpu_s == 1.0
    assert others.other_share == pytest.approx(2.0 / (4.0 * 2)) and others.steal_share == pytest.approx(0.8 / (4.0 * 2))
    assert others.to_dict() == {"other_cpu_s": others.other_cpu_s, "run_cpu_s": 1.0, "steal_s": others.steal_s, "wall_s": 4.0, "cpus": 2,
                                "other_share": others.other_share, "steal_share": others.steal_share}


def test_short_blocks_and_unreadable_stat_give_no_share(tmp_path):
    with C.Contention(tmp_path / "missing") as others:
        pass
    assert others.other_cpu_s is None and others.other_share is None and others.steal_s is None
    with C.Contention(stat_file(tmp_path / "stat", 0, 0, 0)) as quick:
        pass
    assert quick.other_cpu_s is not None and quick.other_share is None  # under a second: ticks too coarse


@needs_proc
def test_a_process_outside_the_run_is_counted_and_a_waited_child_is_not():
    spin = 1.5
    outsider = subprocess.Popen([sys.executable, "-c", BUSY.format(s=spin + 1.0)])
    try:
        time.sleep(0.3)  # let it start spinning
        with C.Contention() as others:
            time.sleep(spin)
        assert others.other_cpu_s >= 0.5 * spin  # it spun one CPU for the whole block (other work only adds)
        assert others.run_cpu_s < 0.5 * spin  # this process slept
    finally:
        outsider.kill()
        outsider.wait()
    with C.Contention() as own:
        subprocess.run([sys.executable, "-c", BUSY_CPU.format(s=spin)], check=True)
    # the child's spin is this run's own work, whatever else the machine was doing meanwhile
    assert own.run_cpu_s >= 0.95 * spin
