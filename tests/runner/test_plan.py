from __future__ import annotations

import pytest

from showdown.errors import ConfigError
from showdown.runner import plan as P


def test_quick_suite_covers_both_frameworks_in_rounds_within_a_budget():
    plan = P.suite("quick", threads=2)
    assert plan.workloads == ("cnn",) and plan.rounds == 12 and plan.time_budget_s == 570
    sides = plan.sides()
    cells = dict(plan.cells())
    for fw in ("torch", "tensorflow"):
        for wl in plan.workloads:
            for scenario in ("train", "infer", "dynamic", "coldstart", "accuracy"):
                assert any(k.startswith(f"{scenario}/{fw}/{wl}/") for k in sides), (scenario, fw, wl)
    assert not any(k.startswith(("accuracy/", "dynamic/")) for k in cells)
    assert "train/torch/cnn/default/eager/bs32" in sides and not any(k.startswith("train/") for k in cells)
    assert "infer/tensorflow/cnn/default/function/bs1" in sides and "coldstart/tensorflow/cnn/default/eager" in sides
    assert not any("/compiled/" in k or "/xla/" in k for k in (*cells, *sides))


def test_quick_suite_without_rounds_measures_every_side_in_one_cell_and_has_no_budget():
    plan = P.suite("quick", rounds=0, workloads=("mlp", "cnn", "lstm", "transformer"), threads=2)
    assert plan.rounds == 0 and plan.time_budget_s is None and plan.sides() == {}
    cells = dict(plan.cells())
    for scenario in ("train", "infer", "dynamic", "accuracy", "coldstart"):
        for wl in ("mlp", "cnn", "lstm", "transformer"):
            assert any(k.startswith(f"{scenario}/torch/{wl}/") for k in cells), (scenario, wl)


def test_a_quick_plan_without_rounded_scenarios_has_no_rounds():
    plan = P.suite("quick", scenarios=("deploy", "devx"))
    assert plan.rounds == 0 and plan.time_budget_s is None
    with pytest.raises(ConfigError, match="bounds the rounds"):
        P.suite("quick", rounds=0, time_budget_s=600.0)


def test_modes_are_per_framework():
    plan = P.suite("full")
    assert plan.modes_of("torch") == ("eager", "compiled")
    assert plan.modes_of("tensorflow") == ("eager", "function", "xla")
    keys = [k for k, _ in plan.cells()]
    assert "train/torch/mlp/default/compiled/bs16" in keys and "train/torch/mlp/default/xla/bs16" not in keys
    assert len(keys) == len(set(keys))


def test_cell_config_is_the_payload():
    key, cfg = P.suite("quick", rounds=0, threads=3).cells()[0]
    assert key.startswith("train/")
    assert cfg.threads == 3 and cfg.scenario == "train" and cfg.batch_size == 32


def test_plan_round_trips_through_a_dict():
    plan = P.suite("quick", workloads=("mlp",), threads=2)
    assert P.Plan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"workloads": ("resnet",)}, "unknown workload 'resnet': choose from mlp, cnn, lstm, transformer"),
        ({"scenarios": ("fly",)}, "unknown scenario 'fly': choose from train, infer, serve, dynamic, accuracy, coldstart, deploy, footprint, devx"),
        ({"frameworks": ("torch",), "modes": ("xla",)}, "unknown mode 'xla': choose from compiled, eager"),
        ({"modes": ("compiled",)}, "no mode of tensorflow selected: tensorflow has eager, function, xla"),
        ({"modes": ("eager", "torch:xla")}, "unknown mode of torch 'xla': choose from eager, compiled"),
        ({"modes": ("eager", "jax:jit")}, "mode 'jax:jit' names 'jax', which this plan does not measure: its contenders are torch, tensorflow"),
        ({"train_batch_sizes": (0,)}, "batch size must be a positive integer, got 0"),
        ({"device": "tpu"}, "unknown device 'tpu': choose from cpu, cuda"),
        ({"budget_s": -1.0}, "time budget must be positive, got -1.0"),
    ],
)
def test_bad_plans_name_the_value(overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        P.suite("quick", **overrides)


def test_unknown_suite():
    with pytest.raises(ConfigError, match="unknown suite 'medium': choose from quick, full"):
        P.suite("medium")


def test_dynamic_cells_are_per_mode_without_a_batch_size():
    plan = P.suite("full", frameworks=("torch", "tensorflow"), workloads=("mlp",), dynamic_repeats=5)
    cells = {k: c for k, c in plan.cells() if k.startswith("dynamic/")}
    assert set(cells) == {
        "dynamic/torch/mlp/default/eager", "dynamic/torch/mlp/default/compiled",
        "dynamic/tensorflow/mlp/default/eager", "dynamic/tensorflow/mlp/default/function", "dynamic/tensorflow/mlp/default/xla",
    }
    cfg = cells["dynamic/tensorflow/mlp/default/xla"]
    assert cfg.scenario == "dynamic" and cfg.mode == "xla" and cfg.repeats == 5
    assert cfg.batch_size is None and "batch_size" not in cfg.to_dict()
    assert P.TARGETS["dynamic"] == "showdown.scenarios.dynamic:cell"


def test_dynamic_follows_the_selected_modes_and_defaults_to_four_repeats():
    plan = P.suite("quick", scenarios=("dynamic",), workloads=("cnn",), rounds=0, modes=("eager", "function"))
    keys = ["dynamic/torch/cnn/default/eager", "dynamic/tensorflow/cnn/default/eager", "dynamic/tensorflow/cnn/default/function"]
    assert [k for k, _ in plan.cells()] == keys
    assert all(c.repeats == 4 for _, c in plan.cells())
    # the quick suite measures each framework's default mode, in rounds, unless the modes are chosen
    rounded = P.suite("quick", scenarios=("dynamic",), workloads=("cnn",))
    assert rounded.rounds and rounded.cells() == [] and sorted(rounded.sides()) == [keys[2], keys[0]]
    assert P.suite("full", workloads=("cnn",)).dynamic_default_modes is False
    assert {"dynamic", "devx"} <= set(P.suite("quick").scenarios) and "dynamic" in P.suite("full").scenarios


def test_dynamic_repeats_must_be_positive():
    with pytest.raises(ConfigError, match="dynamic repeats must be a positive integer, got 0"):
        P.suite("quick", dynamic_repeats=0)


def test_quick_suite_measures_each_chosen_contender_in_its_default_mode():
    plan = P.suite("quick", frameworks=("torch", "tensorflow", "keras-jax", "jax"), scenarios=("train",), rounds=0)
    modes = {(c.framework, c.mode) for _, c in plan.cells()}
    # JAX's default is jit, which the quick suite's own modes (eager, function) leave out
    assert {("keras-jax", "jit"), ("jax", "jit"), ("torch", "eager"), ("tensorflow", "function")} <= modes
    assert ("torch", "compiled") not in modes
    assert P.suite("quick", frameworks=("torch",), scenarios=("train",), rounds=0).modes == ("eager",)
    # keras-torch's default is eager: jit is named for the JAX contenders only, so it does not spread to keras-torch
    both = P.suite("quick", frameworks=("keras-torch", "jax"), scenarios=("train",), rounds=0)
    assert both.modes == ("eager", "jax:jit")
    assert both.modes_of("keras-torch") == ("eager",) and both.modes_of("jax") == ("eager", "jit")


def test_a_mode_can_be_named_for_one_contender():
    plan = P.Plan(frameworks=("torch", "tensorflow", "keras-torch"), modes=("eager", "tensorflow:function", "torch:compiled"))
    assert [plan.modes_of(f) for f in plan.frameworks] == [("eager", "compiled"), ("eager", "function"), ("eager",)]
    keys = [k for k, c in plan.cells() if c.scenario == "train"]
    assert "train/torch/cnn/default/compiled/bs32" in keys and not any("keras-torch/cnn/default/jit" in k for k in keys)
    # a plan stored and read back keeps them
    assert P.Plan.from_dict(plan.to_dict()).modes_of("torch") == ("eager", "compiled")
