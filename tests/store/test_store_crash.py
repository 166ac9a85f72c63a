"""A writer killed with SIGKILL mid-stream loses nothing it had committed and leaves a sound file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from showdown.store import Store

BATCH = 100
# A child that never answers would otherwise block readline() forever.
pytestmark = pytest.mark.timeout(60)

# The child acknowledges each batch on stdout only after add_samples has returned (committed).
WRITER = f"""
import sys
from showdown.store import Store
store = Store.open(sys.argv[1])
run_id = store.create_run(suite="crash", argv=[], plan={{}}, environment={{}}, manifest={{}})
store.add_cells(run_id, [("train/torch/mlp/tiny/eager/bs1", {{}})])
cell = store.cells(run_id)[0]
store.start_cell(cell.id)
print(run_id, flush=True)
batch = 0
while True:
    store.add_samples(cell.id, "step_time", [float(batch * {BATCH} + i) for i in range({BATCH})], unit="s")
    batch += 1
    print(batch, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("acks_before_kill", [1, 15, 60])
def test_sigkill_mid_write_keeps_every_committed_sample(tmp_path: Path, acks_before_kill: int) -> None:
    path = tmp_path / "crash.sqlite"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        run_id = child.stdout.readline().strip()
        for _ in range(acks_before_kill):
            acked = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    with Store.open(path, create=False) as store:
        assert store.integrity_ok()
        (cell,) = store.pending_cells(run_id)
        assert cell.status == "running"
        values = store.sample_values(cell.id, "step_time")
        # Every acknowledged batch is there; a batch in flight at the kill is all there or all gone.
        assert len(values) >= acked * BATCH and len(values) % BATCH == 0
        assert values == [float(i) for i in range(len(values))]
        store.start_cell(cell.id)  # the resume path: the killed attempt's data goes
        assert store.samples(cell.id) == []
