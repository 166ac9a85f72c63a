"""A cell's config: built by the plan, carried as JSON, read back by the child, with bad keys refused."""

from __future__ import annotations

import json

import pytest

from showdown.errors import ConfigError
from showdown.runner import plan as P
from showdown.runner.config import CellConfig, stored


def test_every_planned_config_survives_the_trip_through_json():
    plan = P.suite("full", workloads=("cnn",), threads=2, tensorboard="/tmp/tb")
    cells = plan.cells() + list(P.suite("quick", threads=2).sides().items())
    assert {c.scenario for _, c in cells} == set(P.SCENARIOS)
    for key, config in cells:
        carried = json.loads(json.dumps(config.to_dict()))
        assert CellConfig.of(carried, config.scenario) == config, key
    # the store gets the JSON form, without the fields that are not set
    (key, first), *_ = stored(plan.cells())
    assert key.startswith("train/") and None not in first.values() and first["threads"] == 2


def test_a_child_refuses_a_key_no_field_has_and_another_scenarios_config():
    with pytest.raises(ConfigError, match=r"unknown cell config key 'batchsize': choose from scenario, framework, workload, preset, mode, batch_size"):
        CellConfig.of({"scenario": "train", "batchsize": 32})
    with pytest.raises(ConfigError, match="a train cell got the config of a 'infer' cell"):
        CellConfig.of({"scenario": "infer", "batch_size": 32}, "train")
    with pytest.raises(ConfigError, match="a cell config needs a scenario"):
        CellConfig.of({"batch_size": 32})
    # a reader that knows its scenario fills it in; tuples come back from JSON lists
    assert CellConfig.of({"seeds": [0, 1]}, "accuracy") == CellConfig("accuracy", seeds=(0, 1))


def test_a_config_is_frozen():
    with pytest.raises(AttributeError):
        CellConfig("train").mode = "eager"  # type: ignore[misc]
