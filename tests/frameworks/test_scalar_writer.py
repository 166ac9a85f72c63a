"""Each framework's TensorBoard scalar writer, read back from the event file it leaves."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from tb_events import event_files, read_scalars

from showdown.errors import FrameworkUnavailable
from showdown.frameworks import base
from contenders import INSTALLED


def _writable(framework: base.Framework) -> None:
    reason = base.scalar_writer_missing(framework.name)
    if reason:
        pytest.skip(reason)


def test_scalars_round_trip_through_the_event_file(framework, tmp_path):
    _writable(framework)
    logdir = tmp_path / "not" / "yet" / "there"
    writer = framework.scalar_writer(str(logdir))
    losses = [2.5, 1.25, 0.625, 0.1]
    for step, loss in enumerate(losses):
        writer.scalar("loss", loss, step)
    writer.scalar("accuracy", 0.97, 7)
    writer.close()  # flushes: the file is complete as soon as close returns
    assert len(event_files(logdir)) == 1
    scalars = read_scalars(logdir)
    assert set(scalars) == {"loss", "accuracy"}
    assert [s for s, _ in scalars["loss"]] == [0, 1, 2, 3]
    np.testing.assert_allclose([v for _, v in scalars["loss"]], losses, rtol=1e-7)  # float32 holds these exactly
    assert scalars["accuracy"][0][0] == 7
    np.testing.assert_allclose(scalars["accuracy"][0][1], 0.97, rtol=1e-6)  # float32 rounding


def test_two_writers_in_one_directory_keep_both_files(framework, tmp_path):
    _writable(framework)
    for value in (1.0, 2.0):
        writer = framework.scalar_writer(str(tmp_path))
        writer.scalar("x", value, 0)
        writer.close()
    assert len(event_files(tmp_path)) == 2
    assert sorted(v for _, v in read_scalars(tmp_path)["x"]) == [1.0, 2.0]


def test_tensorflow_writes_without_the_tensorboard_package(monkeypatch, tmp_path):
    if "tensorflow" not in INSTALLED:
        pytest.skip("needs tensorflow")
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # find_spec says missing; import fails
    assert base.scalar_writer_missing("tensorflow") is None
    writer = base.load("tensorflow").scalar_writer(str(tmp_path))
    writer.scalar("x", 0.5, 3)
    writer.close()
    monkeypatch.undo()
    assert read_scalars(tmp_path) == {"x": [(3, 0.5)]}


def test_torch_without_tensorboard_names_the_package(monkeypatch, tmp_path):
    if "torch" not in INSTALLED:
        pytest.skip("needs torch")
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    message = "TensorBoard logging from torch needs the package 'tensorboard': pip install tensorboard"
    assert base.scalar_writer_missing("torch") == message
    with pytest.raises(FrameworkUnavailable, match=f"^{message}$"):
        base.require_scalar_writer("torch")
    with pytest.raises(FrameworkUnavailable, match=f"^{message}$"):
        base.load("torch").scalar_writer(str(tmp_path))
    assert not list(tmp_path.iterdir())
