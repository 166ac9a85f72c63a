"""The protocol contract, run against every installed framework."""

from __future__ import annotations

import numpy as np
import pytest

from showdown.data import synthetic
from showdown.errors import ConfigError
from showdown.frameworks import base
from showdown.models import zoo
from showdown.models.spec import init_weights

WORKLOADS = zoo.WORKLOADS


def _setup(framework, workload, batch_size=4, seed=0):
    spec = zoo.build(workload, "tiny").without_dropout()
    weights = init_weights(spec, seed)
    model = framework.build(spec, weights)
    x, y = synthetic.batch(spec, batch_size, seed + 1)
    return spec, weights, model, framework.batch(x, y)


def test_adapter_implements_protocol(framework):
    assert isinstance(framework, base.Framework)
    assert framework.modes == base.MODES[framework.name]


def test_environment_reports_version_and_build(framework):
    env = framework.environment()
    assert env["version"][0].isdigit()
    for key in ("cuda_build", "intra_op_threads", "machine"):
        assert key in env


def test_configure_reports_threads_in_effect(framework):
    settings = framework.configure(threads=2, device="cpu", seed=0)
    assert settings["intra_op_threads"] == 2
    assert settings["dtype"] == "float32"


@pytest.mark.parametrize("workload", WORKLOADS)
def test_weights_round_trip_exactly(framework, workload):
    spec, weights, model, _ = _setup(framework, workload)
    back = framework.get_weights(model)
    assert set(back) == set(weights)
    for name, value in weights.items():
        np.testing.assert_array_equal(back[name], value, err_msg=name)
    trainable = framework.get_weights(model, trainable_only=True)
    assert set(trainable) == {p.name for p in spec.params() if p.trainable}


@pytest.mark.parametrize("workload", WORKLOADS)
def test_forward_gives_finite_logits(framework, workload):
    spec, _, model, batch = _setup(framework, workload)
    logits = framework.forward(model, batch)
    assert logits.shape == (4, spec.num_classes)
    assert logits.dtype == np.float32
    assert np.all(np.isfinite(logits))
    np.testing.assert_array_equal(framework.forward(model, batch), logits)


def test_batchnorm_train_mode_uses_batch_statistics(framework):
    _, weights, model, batch = _setup(framework, "cnn")
    eval_logits = framework.forward(model, batch, training=False)
    framework.load_weights(model, weights)
    train_logits = framework.forward(model, batch, training=True)
    assert np.max(np.abs(eval_logits - train_logits)) > 1e-3
    moved = framework.get_weights(model)["stem_bn.moving_mean"]
    assert not np.allclose(moved, weights["stem_bn.moving_mean"])


@pytest.mark.parametrize("workload", WORKLOADS)
def test_gradients_cover_every_trainable_tensor(framework, workload):
    spec, _, model, batch = _setup(framework, workload)
    loss, grads = framework.gradients(model, batch)
    assert np.isfinite(loss) and loss > 0
    shapes = {p.name: p.shape for p in spec.params() if p.trainable}
    assert {k: v.shape for k, v in grads.items()} == shapes
    assert all(np.any(g != 0) for g in grads.values())


def test_gradient_matches_finite_difference(framework):
    spec, weights, model, batch = _setup(framework, "mlp")
    _, grads = framework.gradients(model, batch)
    name, idx, h = "head.kernel", (3, 2), 1e-2
    losses = []
    for sign in (1, -1):
        w = {k: v.copy() for k, v in weights.items()}
        w[name][idx] += sign * h
        framework.load_weights(model, w)
        losses.append(framework.gradients(model, batch)[0])
    numeric = (losses[0] - losses[1]) / (2 * h)
    np.testing.assert_allclose(grads[name][idx], numeric, rtol=2e-2, atol=1e-4)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_lowers_the_loss(framework, optimizer):
    spec, _, model, batch = _setup(framework, "mlp", batch_size=16)
    before = framework.gradients(model, batch)[0]
    step = framework.train_step(model, framework.optimizer(model, base.OptimizerSpec(optimizer, lr=0.01)))
    losses = [framework.scalar(step(batch)) for _ in range(20)]
    framework.sync()
    assert losses[0] == pytest.approx(before, rel=1e-5)
    assert losses[-1] < 0.7 * losses[0]


def test_every_mode_agrees_with_eager(framework):
    spec, weights, model, batch = _setup(framework, "mlp", batch_size=8)
    expected = framework.forward(model, batch)
    for mode in framework.modes:
        logits = np.asarray(framework.predict(model, mode)(batch))
        np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5, err_msg=mode)


def test_a_predictor_made_before_training_sees_the_trained_weights(framework):
    # time to accuracy makes its predictor once and evaluates with it after every epoch
    _, weights, model, batch = _setup(framework, "mlp", batch_size=8)
    predictors = {m: framework.predict(model, m) for m in framework.modes}
    before = {m: framework.numpy(p(batch)) for m, p in predictors.items()}
    step = framework.train_step(model, framework.optimizer(model, base.OptimizerSpec("sgd", lr=0.5)))
    for _ in range(3):
        step(batch)
    trained = framework.forward(model, batch)
    assert not np.allclose(trained, before[framework.modes[0]], atol=1e-3)
    for m, predict in predictors.items():
        np.testing.assert_allclose(framework.numpy(predict(batch)), trained, rtol=1e-5, atol=1e-5, err_msg=m)
    framework.load_weights(model, weights)  # and loaded weights, too
    for m, predict in predictors.items():
        np.testing.assert_allclose(framework.numpy(predict(batch)), before[m], rtol=1e-5, atol=1e-5, err_msg=m)


def test_compiled_training_step_matches_eager(framework):
    mode = framework.modes[-1]  # torch: compiled, tensorflow: xla
    spec, weights, model, batch = _setup(framework, "mlp", batch_size=8)
    curves = {}
    for m in ("eager", mode):
        framework.load_weights(model, weights)
        step = framework.train_step(model, framework.optimizer(model, base.OptimizerSpec("sgd")), m)
        curves[m] = [framework.scalar(step(batch)) for _ in range(3)]
    np.testing.assert_allclose(curves[mode], curves["eager"], rtol=1e-4)


def test_unknown_mode_is_a_clear_error(framework):
    _, _, model, _ = _setup(framework, "mlp")
    with pytest.raises(ConfigError, match=r"unknown mode for .*'turbo': choose from eager"):
        framework.predict(model, "turbo")


def test_missing_weights_are_named(framework):
    spec, weights, model, _ = _setup(framework, "mlp")
    del weights["head.bias"]
    with pytest.raises(ConfigError, match="head.bias"):
        framework.load_weights(model, weights)


def test_layout_is_recorded(framework):
    layout = framework.layout(zoo.build("cnn", "tiny"))
    assert ("NCHW" in layout) or ("NHWC" in layout)


def test_callables_set_training_state_on_every_call(framework):
    _, weights, model, batch = _setup(framework, "cnn")
    predict = framework.predict(model)
    step = framework.train_step(model, framework.optimizer(model, base.OptimizerSpec("sgd", lr=1e-9)))
    expected = framework.forward(model, batch, training=False)
    step(batch)  # training mode: moves the running statistics
    moved = framework.get_weights(model)["stem_bn.moving_mean"]
    assert not np.allclose(moved, weights["stem_bn.moving_mean"])
    logits = framework.numpy(predict(batch))  # back to inference mode: running statistics, no update
    assert np.array_equal(framework.get_weights(model)["stem_bn.moving_mean"], moved)
    assert logits.shape == expected.shape and not np.array_equal(logits, expected)
    step(batch)
    assert not np.array_equal(framework.get_weights(model)["stem_bn.moving_mean"], moved)
