"""Time to accuracy, in process, on every installed framework (tiny presets, digits)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from tb_events import read_scalars

from showdown.data import digits
from showdown.errors import ConfigError
from showdown.frameworks import base
from showdown.models import zoo
from showdown.models.spec import init_weights
from showdown.runner.plan import DEFAULT_MODE
from showdown.scenarios import accuracy
from showdown.runner.config import CellConfig
from contenders import INSTALLED

SEEDS = [0, 1]


def _payload(framework: str, workload: str = "mlp", **extra) -> dict:
    return {"framework": framework, "workload": workload, "preset": "tiny", "mode": DEFAULT_MODE[framework], "threads": 2, **extra}


@functools.cache
def _mlp(framework: str) -> tuple[dict, list[tuple[str, dict]]]:
    messages: list[tuple[str, dict]] = []
    result = accuracy.cell(_payload(framework, seeds=SEEDS), lambda kind, data: messages.append((kind, data)))
    return result, messages


def _samples(messages, metric):
    return [d for k, d in messages if k == "samples" and d["metric"] == metric]


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_mlp_tiny_reaches_the_default_target_for_every_seed(framework):
    result, _ = _mlp(framework)
    assert result["target"] == accuracy.TARGETS["mlp"] and result["target_source"] == "default"
    assert (result["converged"], result["failed"], result["failed_seeds"]) == (2, 0, [])
    for run in result["runs"]:
        assert run["converged"] and 1 <= run["epochs"] <= accuracy.MAX_EPOCHS
        assert len(run["curve"]) == run["epochs"]
        assert 0 < run["train_seconds"] < run["seconds"] and run["eval_seconds"] > 0
        assert run["curve"][-1]["seconds"] == run["seconds"]
    assert result["median_s"] == pytest.approx(np.median([r["seconds"] for r in result["runs"]]))
    assert result["mlperf_mean_s"] is None  # fewer than 5 runs
    assert result["environment"]["version"] and result["parameters"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_curves_climb_to_the_target_and_loss_falls(framework):
    result, _ = _mlp(framework)
    for run in result["runs"]:
        acc = [p["accuracy"] for p in run["curve"]]
        seconds = [p["seconds"] for p in run["curve"]]
        assert acc[-1] >= result["target"] > max(acc[:-1], default=0.0)  # stops at the first epoch that reaches it
        assert acc[-1] - acc[0] > 0.2 and np.mean(acc[-3:]) > np.mean(acc[:3])
        assert all(b > a for a, b in zip(seconds, seconds[1:]))
        assert run["curve"][-1]["loss"] < run["curve"][0]["loss"]


@pytest.mark.slow
@pytest.mark.parametrize("framework", INSTALLED)
def test_samples_stream_one_time_per_converged_seed_and_every_epoch(framework):
    result, messages = _mlp(framework)
    times = _samples(messages, "time_to_accuracy")
    assert [d["values"][0] for d in times] == [r["seconds"] for r in result["runs"]]
    assert {d["unit"] for d in times} == {"s"} and {d["phase"] for d in times} == {"measure"}
    assert [d["values"][0] for d in _samples(messages, "epochs_to_accuracy")] == [r["epochs"] for r in result["runs"]]
    for run in result["runs"]:
        curve = [d["values"][0] for d in _samples(messages, "test_accuracy") if d["phase"] == f"seed{run['seed']}"]
        assert curve == [p["accuracy"] for p in run["curve"]]


def test_shuffle_order_comes_from_the_seed_alone():
    a, b = accuracy.shuffle_orders(3, 100, 4), accuracy.shuffle_orders(3, 100, 4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(np.array_equal(np.sort(x), np.arange(100)) for x in a)
    assert not np.array_equal(a[0], a[1])  # a fresh order every epoch
    assert not np.array_equal(a[0], accuracy.shuffle_orders(4, 100, 1)[0])
    assert accuracy.schedule_digest(a) == accuracy.schedule_digest(b) != accuracy.schedule_digest(a[::-1])


def test_every_batch_is_full_and_every_epoch_sees_every_example():
    n, size = 100, 32
    orders = accuracy.shuffle_orders(0, n, 4)
    schedule = accuracy.batch_schedule(orders, size)
    assert len(schedule) == 3
    assert all(len(batch) == size for epoch in schedule for batch in epoch)
    seen = []
    for number, epoch in enumerate(schedule, 1):
        seen += [i for batch in epoch for i in batch]
        assert set(orders[number - 1]) <= set(seen[(number - 1) * n :])  # the epoch ends once its order is done
    stream = np.concatenate(orders)
    assert np.array_equal(seen, stream[: len(seen)]) and len(seen) - 3 * n < size
    with pytest.raises(ConfigError):
        accuracy.batch_schedule(orders, n + 1)


@pytest.mark.slow
def test_both_frameworks_train_on_the_same_order(both):
    digests = [{r["seed"]: r["schedule_digest"] for r in _mlp(name)[0]["runs"]} for name in both]
    assert digests[0] == digests[1] and len(set(digests[0].values())) == len(SEEDS)


@pytest.mark.parametrize("framework", INSTALLED)
def test_an_unreachable_target_is_recorded_as_a_failure(framework):
    messages: list[tuple[str, dict]] = []
    result = accuracy.cell(_payload(framework, seeds=[0], target=1.01, max_epochs=2), lambda k, d: messages.append((k, d)))
    assert (result["converged"], result["failed"], result["failed_seeds"]) == (0, 1, [0])
    assert result["median_s"] is None and result["runs"][0]["epochs"] == 2
    assert not _samples(messages, "time_to_accuracy") and not _samples(messages, "epochs_to_accuracy")
    assert len(_samples(messages, "test_accuracy")) == 2


@pytest.mark.parametrize("framework", INSTALLED)
def test_in_a_round_an_unreachable_target_counts_its_seconds_as_a_lower_bound(framework):
    messages: list[tuple[str, dict]] = []
    result = accuracy.cell(_payload(framework, seeds=[2], target=1.01, max_epochs=2, round=3), lambda k, d: messages.append((k, d)))
    assert result["censored"] and result["failed_seeds"] == [2] and result["median_s"] is None
    [sent] = _samples(messages, "time_to_accuracy")
    assert sent["phase"] == "measure" and sent["values"] == [pytest.approx(result["runs"][0]["seconds"])]
    assert len(result["canary_s"]) == 2 and min(result["canary_s"]) > 0  # the machine's speed just before and after the run
    reached = accuracy.cell(_payload(framework, seeds=[0], round=1, max_epochs=40), lambda k, d: None)
    assert reached["converged"] == 1 and reached["censored"] is False


@pytest.mark.slow
def test_training_and_evaluation_switch_state_between_epochs(framework):
    """BatchNorm's running statistics move in every training epoch, and evaluation uses them."""
    spec = zoo.build("cnn", "tiny", input_shape=digits.input_shape("cnn"))
    model = framework.build(spec, init_weights(spec, 0))
    split = digits.load("cnn")
    test = [framework.batch(split.x_test)]
    snapshots, checks = [], []

    def emit(kind, data):
        snapshots.append(framework.get_weights(model)["stem_bn.moving_mean"])
        logits = framework.forward(model, test[0], training=False)
        checks.append((data["values"][0], float(np.mean(logits.argmax(-1) == split.y_test))))

    cfg = accuracy.Settings("cnn", DEFAULT_MODE[framework.name], 1.01, "payload", (0,), 2, 32)
    accuracy.train_to_target(framework, model, split, test, 0, cfg, emit)
    assert len(snapshots) == 2 and not np.allclose(snapshots[0], snapshots[1])
    assert all(emitted == pytest.approx(independent) for emitted, independent in checks)


def test_mlperf_mean_drops_the_fastest_and_slowest():
    assert accuracy.mlperf_mean([5.0, 1.0, 3.0, 2.0, 4.0]) == pytest.approx(3.0)
    assert accuracy.mlperf_mean([5.0, None, 3.0, 2.0, 4.0]) == pytest.approx(4.0)  # None is the slowest
    assert accuracy.mlperf_mean([5.0, None, 3.0, None, 4.0]) is None
    assert accuracy.mlperf_mean([1.0, 2.0, 3.0, 4.0]) is None


def test_settings_validate_and_default():
    cfg = accuracy.Settings.of(CellConfig("accuracy", workload="lstm"))
    assert (cfg.target, cfg.target_source, cfg.seeds, cfg.max_epochs) == (accuracy.TARGETS["lstm"], "default", accuracy.DEFAULT_SEEDS, accuracy.MAX_EPOCHS)
    for bad in ({"seeds": []}, {"seeds": [0.5]}, {"target": 0}, {"max_epochs": 0}, {"batch_size": -1}):
        with pytest.raises(ConfigError):
            accuracy.Settings.of(CellConfig.of({"workload": "mlp", **bad}, "accuracy"))


@pytest.mark.parametrize("framework", INSTALLED)
def test_tensorboard_gets_each_runs_curve_per_seed(framework, tmp_path):
    reason = base.scalar_writer_missing(framework)
    if reason:
        pytest.skip(reason)
    result = accuracy.cell(_payload(framework, seeds=[0, 1], target=1.01, max_epochs=2, tensorboard=str(tmp_path)), lambda k, d: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed0", "seed1"]
    for run in result["runs"]:
        scalars = read_scalars(tmp_path / f"seed{run['seed']}")
        assert set(scalars) == {"test_accuracy", "train_loss", "seconds"}
        for tag, key in (("test_accuracy", "accuracy"), ("train_loss", "loss"), ("seconds", "seconds")):
            assert [s for s, _ in scalars[tag]] == [p["epoch"] for p in run["curve"]] == [1, 2]
            np.testing.assert_allclose([v for _, v in scalars[tag]], [p[key] for p in run["curve"]], rtol=1e-6)  # float32
