"""``showdown run --tensorboard DIR`` as a user runs it: real processes, real event files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tb_events import event_files, read_scalars

from showdown.frameworks import base
from showdown.runner.plan import logdir
from contenders import INSTALLED

WRITERS = tuple(f for f in INSTALLED if base.scalar_writer_missing(f) is None)
# cheap cells: tiny mlp, short budgets, one mode each for train; accuracy runs in each framework's default mode
ARGS = ["--scenarios", "train", "accuracy", "--rounds", "0", "--workloads", "mlp", "--modes", "eager", "--preset", "tiny", "--cell-budget", "0.3", "--threads", "1"]


def showdown(*args: str, db: Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [*args, "--db", str(db)]
    command = ["-c", f"{code}; from showdown.cli.main import main; sys.exit(main({argv!r}))"] if code else ["-m", "showdown", *argv]
    return subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.skipif(not WRITERS, reason="no installed framework can write TensorBoard scalars here")
def test_every_training_cell_of_both_frameworks_logs_its_scalars(tmp_path):
    tb = tmp_path / "tb" / "nested"  # created by the run
    result = showdown("run", *ARGS, "--frameworks", *WRITERS, "--tensorboard", str(tb), "--json", db=tmp_path / "r.sqlite")
    assert result.returncode == 0, result.stderr
    assert f"TensorBoard: tensorboard --logdir {tb}" in result.stderr.splitlines()
    cells = {c["key"]: c for c in json.loads(result.stdout)["cells"]}
    assert all(c["status"] == "ok" for c in cells.values())
    assert {k.split("/")[1] for k in cells} == set(WRITERS)
    logged = {p.name for p in tb.iterdir()}
    assert logged == {os.path.basename(logdir(str(tb), k)) for k in cells}
    for key, cell in cells.items():
        where = Path(logdir(str(tb), key))
        if key.startswith("train/"):
            scalars = read_scalars(where)
            assert set(scalars) == {"step_time_ms"} and len(event_files(where)) == 1
            assert [s for s, _ in scalars["step_time_ms"]] == list(range(cell["summaries"]["step_time"]["n"]))
        else:
            runs = cell["result"]["runs"]
            assert sorted(p.name for p in where.iterdir()) == [f"seed{r['seed']}" for r in runs]
            for run in runs:
                scalars = read_scalars(where / f"seed{run['seed']}")
                assert set(scalars) == {"test_accuracy", "train_loss", "seconds"}
                assert [s for s, _ in scalars["test_accuracy"]] == list(range(1, run["epochs"] + 1))


@pytest.mark.skipif(not WRITERS, reason="no installed framework can write TensorBoard scalars here")
def test_the_final_message_says_how_to_open_tensorboard(tmp_path):
    tb = tmp_path / "tb dir"
    few = ["--scenarios", "train", "--rounds", "0", "--workloads", "mlp", "--modes", "eager", "--preset", "tiny", "--cell-budget", "0.1", "--threads", "1"]
    result = showdown("run", *few, "--frameworks", WRITERS[0], "--tensorboard", str(tb), db=tmp_path / "r.sqlite")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("run ") and lines[-1] == f"TensorBoard: tensorboard --logdir '{tb}'"


def test_an_existing_file_is_refused_before_anything_runs(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a directory")
    result = showdown("run", "--tensorboard", str(taken), db=tmp_path / "r.sqlite")
    assert result.returncode == 2
    assert result.stderr.strip() == f"showdown: error: TensorBoard directory {str(taken)!r} exists and is not a directory"
    assert not (tmp_path / "r.sqlite").exists()


@pytest.mark.skipif(not WRITERS, reason="no installed framework can write TensorBoard scalars here")
def test_a_directory_that_cannot_be_made_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "file").write_text("")
    under = tmp_path / "file" / "tb"
    result = showdown("run", "--frameworks", *WRITERS, "--tensorboard", str(under), db=tmp_path / "r.sqlite")
    assert result.returncode == 2
    assert result.stderr.strip() == f"showdown: error: cannot create TensorBoard directory {str(under)!r}: Not a directory"
    assert not (tmp_path / "r.sqlite").exists()


def test_a_missing_tensorboard_package_is_named_before_anything_runs(tmp_path):
    if "torch" not in INSTALLED:
        pytest.skip("needs torch")
    hide = "import sys; sys.modules['tensorboard'] = None"
    result = showdown("run", "--frameworks", "torch", "--tensorboard", str(tmp_path / "tb"), db=tmp_path / "r.sqlite", code=hide)
    assert result.returncode == 2
    assert result.stderr.strip() == "showdown: error: TensorBoard logging from torch needs the package 'tensorboard': pip install tensorboard"
    assert not (tmp_path / "tb").exists() and not (tmp_path / "r.sqlite").exists()


def test_help_names_the_option():
    result = subprocess.run([sys.executable, "-m", "showdown", "run", "--help"], capture_output=True, text=True, timeout=60)
    assert "--tensorboard DIR" in result.stdout
    assert "write TensorBoard scalars of training cells under DIR" in " ".join(result.stdout.split())
