from __future__ import annotations

import pytest

from showdown.errors import ConfigError
from showdown.models import zoo


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
@pytest.mark.parametrize("preset", zoo.PRESETS)
def test_every_preset_builds(workload, preset):
    spec = zoo.build(workload, preset)
    assert spec.workload == workload and spec.num_classes == 10
    assert spec.parameter_count() > 0


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
def test_presets_grow(workload):
    counts = [zoo.build(workload, p).parameter_count() for p in zoo.PRESETS]
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_input_shape_override():
    assert zoo.build("cnn", "default", input_shape=(8, 8, 1)).input_shape == (8, 8, 1)
    assert zoo.build("mlp", "tiny", num_classes=3).num_classes == 3


def test_unknown_names_list_the_choices():
    with pytest.raises(ConfigError, match="unknown workload 'resnet': choose from mlp, cnn, lstm, transformer"):
        zoo.build("resnet")
    with pytest.raises(ConfigError, match="unknown preset 'huge': choose from tiny, default, large"):
        zoo.build("mlp", "huge")


def test_cnn_is_resnet_style():
    kinds = {type(layer).__name__ for layer in zoo.build("cnn", "tiny").walk()}
    assert {"Conv2d", "BatchNorm", "Residual", "GlobalAvgPool", "Dense"} <= kinds
