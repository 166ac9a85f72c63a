"""The mistakes catalog written as a TensorFlow/Keras user writes it (see :mod:`showdown.devx.catalog`).

Modes: ``eager``; ``function``, where the user wraps what they call in ``tf.function`` (the model for
inference mistakes, the whole ``train_step`` with its ``GradientTape`` and ``apply_gradients`` for
training mistakes, as TensorFlow's guides do); ``xla``, the same with ``jit_compile=True``.
``keras.backend.clear_session()`` runs before each mistake, so layer names in messages do not depend
on the order mistakes run in.

Each function carries ``# FAULT`` on the line a reviewer would circle; :mod:`showdown.devx.probe`
checks whether the innermost traceback frame in this file is that line. Fixes (``@BATTERY.fix``)
compute the right answer eagerly from the same seeds.

Nearest-analogue notes (TensorFlow cannot make these mistakes the way PyTorch can):

- ``grads-not-reset``: ``tape.gradient`` returns fresh gradients, and there is no ``.grad`` buffer
  to forget to clear. The nearest real mistake is gradient state carried across steps: one
  ``GradientTape`` opened around the whole training loop. Because the tape must span the loop, only
  the loss is compiled here (as in the PyTorch battery), and the tape and optimizer stay eager.
- ``inplace-autograd``: tensors are immutable; the in-place write is ``tf.Variable.assign`` inside the
  tape, into a buffer the loss then reads. ``assign`` is not differentiable, so the gradient is None.
- ``eval-mode-forgotten``: a Keras model called without ``training=`` runs in inference mode outside
  ``fit``; the mistake is written as PyTorch users make it (no mode stated), and Keras's default decides.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("tensorflow")  # its Keras backend and log level, before tensorflow or keras is imported

import time  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from showdown.devx.catalog import Battery, Outcome, Skipped, Stage  # noqa: E402
from showdown.frameworks.base import MODES, check_mode  # noqa: E402

LABELS = (3, 1, 0, 7, 9, 2, 5, 4)
SHAPES = tuple(range(2, 8))


def _fresh(mode: str) -> None:
    """Check the mode, forget Keras's global state (layer name counters) and seed."""
    check_mode("tensorflow", mode)
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)


BATTERY = Battery("tensorflow", tf.__version__, MODES["tensorflow"], prepare=_fresh, loggers=("tensorflow", "absl"))


def _compiled(fn: Any, mode: str) -> Any:
    return fn if mode == "eager" else tf.function(fn, jit_compile=mode == "xla")


def _data(*shape: int, seed: int = 0, scale: float = 1.0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant((rng.standard_normal(shape) * scale).astype(np.float32))


def _labels(n: int = 8) -> tf.Tensor:
    return tf.constant(LABELS[:n])


def _out(*tensors: Any, **detail: Any) -> Outcome:
    value = tuple(np.asarray(t) for t in tensors)
    return Outcome(value[0] if len(value) == 1 else value, detail)


def _traces(fn: Any) -> int:
    """How many times a ``tf.function`` traced (0 for a plain Python callable)."""
    return int(fn.experimental_get_tracing_count()) if hasattr(fn, "experimental_get_tracing_count") else 0


def _dense(units: int, inputs: int, **kw: Any) -> keras.Model:
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(units, **kw)])


def _cnn(channels: int, side: int, filters: int) -> keras.Model:
    return keras.Sequential([
        keras.Input((side, side, channels)),
        keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])


def _bn_net() -> keras.Model:
    return keras.Sequential([
        keras.Input((20,)), keras.layers.Dense(16), keras.layers.BatchNormalization(), keras.layers.ReLU(),
        keras.layers.Dropout(0.5), keras.layers.Dense(10),
    ])


def _sgd(variables: list) -> keras.optimizers.Optimizer:
    opt = keras.optimizers.SGD(learning_rate=0.1)
    opt.build(variables)
    return opt


_xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@BATTERY.fault("dense-feature-size")
def dense_feature_size(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_dense(10, 100), mode)
    images = _data(8, 784)  # flattened 28x28 images
    at("first-call")
    return _out(predict(images))  # FAULT


@BATTERY.fault("conv-channels")
def conv_channels(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_cnn(3, 16, 8), mode)
    images = _data(2, 16, 16, 4)  # RGBA images kept their alpha channel
    at("first-call")
    return _out(predict(images))  # FAULT


@BATTERY.fault("missing-batch-dim")
def missing_batch_dim(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_cnn(3, 8, 4), mode)
    image = _data(8, 8, 3)  # one HWC image
    at("first-call")
    return _out(predict(image))  # FAULT


@BATTERY.fault("float64-input")
def float64_input(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_dense(10, 100), mode)
    features = np.random.default_rng(0).random((8, 100))
    at("first-call")
    return _out(predict(features))  # FAULT


@BATTERY.fix("float64-input")
def float64_input_fixed() -> Outcome:
    return _out(_dense(10, 100)(np.random.default_rng(0).random((8, 100)).astype(np.float32)))


@BATTERY.fault("int-input")
def int_input(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_dense(10, 100), mode)
    pixels = np.random.default_rng(0).integers(0, 256, (8, 100))
    at("first-call")
    return _out(predict(pixels))  # FAULT


@BATTERY.fix("int-input")
def int_input_fixed() -> Outcome:
    return _out(_dense(10, 100)(np.random.default_rng(0).integers(0, 256, (8, 100)).astype(np.float32)))


@BATTERY.fault("label-out-of-range")
def label_out_of_range(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    opt = _sgd(model.trainable_variables)

    def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = _xent(y, model(x, training=True))  # FAULT
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    train_step = _compiled(train_step, mode)
    labels = tf.constant([3, 12, 0, 7])  # the data has 13 classes; the model was built for 10
    at("first-call")
    loss = train_step(_data(4, 20), labels)
    return _out(model.trainable_variables[0], loss)


@BATTERY.fault("batch-size-mismatch")
def batch_size_mismatch(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    opt = _sgd(model.trainable_variables)

    def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = _xent(y, model(x, training=True))  # FAULT
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    train_step = _compiled(train_step, mode)
    x, labels = _data(8, 20), _labels(6)  # labels sliced from the wrong batch
    at("first-call")
    loss = train_step(x, labels)
    return _out(model.trainable_variables[0], loss)


@BATTERY.fault("log-zero-nan")
def log_zero_nan(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)

    def loss_of(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        probs = tf.nn.softmax(model(x))
        return -tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, 10) * tf.math.log(probs), axis=1))  # FAULT

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20, scale=1000.0), _labels()))


@BATTERY.fix("log-zero-nan")
def log_zero_nan_fixed() -> Outcome:
    model = _dense(10, 20)
    return _out(_xent(_labels(), model(_data(8, 20, scale=1000.0))))


@BATTERY.fault("eval-mode-forgotten")
def eval_mode_forgotten(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_bn_net(), mode)
    at("first-call")
    return _out(predict(_data(8, 20, seed=1)))  # FAULT: no mode stated


@BATTERY.fix("eval-mode-forgotten")
def eval_mode_forgotten_fixed() -> Outcome:
    return _out(_bn_net()(_data(8, 20, seed=1), training=False))


@BATTERY.fault("grads-not-reset")
def grads_not_reset(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    opt = _sgd(model.trainable_variables)
    loss_of = _compiled(lambda x, y: _xent(y, model(x, training=True)), mode)
    with tf.GradientTape() as tape:  # FAULT: one tape for the whole loop, never renewed
        for step in range(3):
            at("first-call" if step == 0 else "later")
            loss = loss_of(_data(8, 20, seed=step), _labels())
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return _out(model.trainable_variables[0])


@BATTERY.fix("grads-not-reset")
def grads_not_reset_fixed() -> Outcome:
    model = _dense(10, 20)
    opt = _sgd(model.trainable_variables)
    for step in range(3):
        with tf.GradientTape() as tape:
            loss = _xent(_labels(), model(_data(8, 20, seed=step), training=True))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return _out(model.trainable_variables[0])


@BATTERY.fault("grads-not-recorded")
def grads_not_recorded(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    opt = _sgd(model.trainable_variables)

    def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        logits = model(x, training=True)  # FAULT: computed before the tape starts recording
        with tf.GradientTape() as tape:
            loss = _xent(y, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    train_step = _compiled(train_step, mode)
    at("first-call")
    train_step(_data(8, 20), _labels())
    return _out(model.trainable_variables[0])


@BATTERY.fault("inplace-autograd")
def inplace_autograd(mode: str, at: Stage) -> Outcome:
    w = tf.Variable(_data(20, 10, seed=3, scale=0.1))
    probs = tf.Variable(tf.zeros((8, 10)))  # a buffer reused across steps
    opt = _sgd([w])

    def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            e = tf.exp(x @ w)
            probs.assign(e / tf.reduce_sum(e, axis=1, keepdims=True))  # FAULT: assign is not differentiable
            loss = -tf.reduce_mean(tf.math.log(tf.gather(probs, y, batch_dims=1)))
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        return loss

    train_step = _compiled(train_step, mode)
    at("first-call")
    train_step(_data(8, 20), _labels())
    return _out(w)


@BATTERY.fix("inplace-autograd")
def inplace_autograd_fixed() -> Outcome:
    w = tf.Variable(_data(20, 10, seed=3, scale=0.1))
    opt = _sgd([w])
    with tf.GradientTape() as tape:
        e = tf.exp(_data(8, 20) @ w)
        p = e / tf.reduce_sum(e, axis=1, keepdims=True)
        loss = -tf.reduce_mean(tf.math.log(tf.gather(p, _labels(), batch_dims=1)))
    opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    return _out(w)


@BATTERY.fault("side-effect-in-compiled")
def side_effect_in_compiled(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    batch_sizes: list[int] = []

    def predict(x: tf.Tensor) -> tf.Tensor:
        batch_sizes.append(x.shape[0])  # FAULT: a Python side effect inside the compiled function
        return model(x)

    predict = _compiled(predict, mode)
    for call in range(3):
        at("first-call" if call == 0 else "later")
        predict(_data(8, 20, seed=call))
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes), "traces": _traces(predict)})


@BATTERY.fix("side-effect-in-compiled")
def side_effect_in_compiled_fixed() -> Outcome:
    model = _dense(10, 20)
    batch_sizes = []
    for call in range(3):
        x = _data(8, 20, seed=call)
        model(x)
        batch_sizes.append(x.shape[0])
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes)})


@BATTERY.fault("data-dependent-control-flow")
def data_dependent_control_flow(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20, use_bias=False)

    def predict(x: tf.Tensor) -> tf.Tensor:
        logits = model(x)
        if tf.reduce_sum(logits) > 0:  # FAULT: Python branches on a tensor's value
            return tf.nn.relu(logits)
        return -logits

    predict = _compiled(predict, mode)
    x = _data(8, 20)
    at("first-call")
    first = predict(x)
    at("later")
    second = predict(-x)
    return _out(first, second, traces=_traces(predict))


@BATTERY.fix("data-dependent-control-flow")
def data_dependent_control_flow_fixed() -> Outcome:
    model = _dense(10, 20, use_bias=False)

    def predict(x: tf.Tensor) -> tf.Tensor:
        logits = model(x)
        return tf.where(tf.reduce_sum(logits) > 0, tf.nn.relu(logits), -logits)

    x = _data(8, 20)
    return _out(predict(x), predict(-x))


@BATTERY.fault("shape-change-recompile")
def shape_change_recompile(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_dense(10, 20), mode)
    seconds = []
    for i, n in enumerate(SHAPES):
        at("first-call" if i == 0 else "later")
        start = time.perf_counter()
        predict(_data(n, 20))  # FAULT: a new batch size on every call
        seconds.append(round(time.perf_counter() - start, 4))
    traces = _traces(predict)
    return Outcome(traces > len(SHAPES) / 2, {"shapes": len(SHAPES), "compiles": traces, "call_seconds": seconds})


@BATTERY.fix("shape-change-recompile")
def shape_change_recompile_fixed() -> Outcome:
    return Outcome(False, {"shapes": len(SHAPES), "compiles": 0})


@BATTERY.fault("embedding-out-of-range")
def embedding_out_of_range(mode: str, at: Stage) -> Outcome:
    embed = _compiled(keras.Sequential([keras.Input((3,), dtype="int32"), keras.layers.Embedding(10, 4)]), mode)
    tokens = tf.constant([[1, 12, 3]])  # token 12 never made it into the 10-token vocabulary
    at("first-call")
    return _out(embed(tokens))  # FAULT


@BATTERY.fault("device-mismatch")
def device_mismatch(mode: str, at: Stage) -> Outcome:
    if not tf.config.list_physical_devices("GPU"):
        raise Skipped("no GPU: tf.config.list_physical_devices('GPU') is empty")
    with tf.device("/GPU:0"):
        predict = _compiled(_dense(10, 20), mode)
    with tf.device("/CPU:0"):
        x = _data(8, 20)
    at("first-call")
    return _out(predict(x))  # FAULT


@BATTERY.fix("device-mismatch")
def device_mismatch_fixed() -> Outcome:
    with tf.device("/GPU:0"):
        return _out(_dense(10, 20)(_data(8, 20)))


@BATTERY.fault("softmax-into-logits-loss")
def softmax_into_logits_loss(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20, activation="softmax")

    def loss_of(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        return _xent(y, model(x))  # FAULT: from_logits=True applies softmax again

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20), _labels()))


@BATTERY.fix("softmax-into-logits-loss")
def softmax_into_logits_loss_fixed() -> Outcome:
    return _out(_xent(_labels(), _dense(10, 20)(_data(8, 20))))


@BATTERY.fault("regression-target-shape")
def regression_target_shape(mode: str, at: Stage) -> Outcome:
    model = _dense(1, 20)
    mse = keras.losses.MeanSquaredError()
    targets = _data(8, seed=1)  # one target per example, shape (8,)

    def loss_of(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        return mse(y, model(x))  # FAULT: (8,) against (8, 1)

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20), targets))


@BATTERY.fix("regression-target-shape")
def regression_target_shape_fixed() -> Outcome:
    model = _dense(1, 20)
    return _out(keras.losses.MeanSquaredError()(tf.reshape(_data(8, seed=1), (-1, 1)), model(_data(8, 20))))
