"""A plan's TensorBoard directory: per-cell subdirectories for train and accuracy cells only."""

from __future__ import annotations

import os

import pytest

from showdown.errors import ConfigError
from showdown.runner import plan as P


def test_train_and_accuracy_cells_get_their_own_directory():
    cells = P.suite("quick", rounds=0, tensorboard="/tmp/tb", scenarios=("train", "infer", "accuracy", "coldstart")).cells()
    logged = {k: c.tensorboard for k, c in cells if c.tensorboard is not None}
    assert logged and {k.split("/")[0] for k in logged} == {"train", "accuracy"}
    assert all(c.scenario not in P.TENSORBOARD_SCENARIOS for k, c in cells if k not in logged)
    assert logged["train/torch/cnn/default/eager/bs32"] == os.path.join("/tmp/tb", "train-torch-cnn-default-eager-bs32")
    assert logged["accuracy/tensorflow/cnn/default/function"] == os.path.join("/tmp/tb", "accuracy-tensorflow-cnn-default-function")
    assert len(set(logged.values())) == len(logged)


def test_the_directory_is_in_no_key_and_off_by_default():
    keys = [k for k, _ in P.suite("quick").cells()]
    assert keys == [k for k, _ in P.suite("quick", tensorboard="/tmp/tb").cells()]
    assert not any(c.tensorboard for _, c in P.suite("quick").cells())


def test_the_directory_round_trips_with_the_plan():
    plan = P.suite("quick", tensorboard="/tmp/tb")
    assert P.Plan.from_dict(plan.to_dict()) == plan
    assert P.Plan.from_dict({k: v for k, v in plan.to_dict().items() if k != "tensorboard"}).tensorboard is None  # older runs


@pytest.mark.parametrize("bad", ["", "  ", 3, ["tb"]])
def test_a_directory_must_be_a_path(bad):
    with pytest.raises(ConfigError, match=r"^TensorBoard directory must be a path, got "):
        P.Plan(tensorboard=bad)
