"""The mistakes catalog written as a Keras 3 user writes it on any backend: what the Keras contenders share.

Multi-backend Keras code is the same text on every backend, and the Keras contenders (``keras-jax``,
``keras-torch``) are Keras's own trainer, so most mistakes are written once here with Keras's API:
a model ``compile``-d with ``jit_compile`` off (mode ``eager``) or on (mode ``jit``), then called
through the trainer's compiled functions (``predict_on_batch``, ``train_on_batch``,
``test_on_batch``), with a loss given to ``compile`` and a subclassed ``keras.Model`` where the user
writes the forward pass. Three mistakes cannot be made through the trainer, which computes, applies
and forgets gradients itself (grads-not-reset, grads-not-recorded, inplace-autograd): each
contender's ``mistakes`` module writes them as Keras's guide to a training loop from scratch on its
backend does, and registers them beside these with :func:`battery`.

``keras.backend.clear_session()`` runs before each mistake, so layer names in messages do not
depend on the order mistakes run in. Each function carries ``# FAULT`` on the line a reviewer would
circle; :mod:`showdown.devx.probe` checks whether the innermost traceback frame in this file is
that line. Fixes compute the right answer eagerly from the same seeds.

Notes on what Keras decides:

- ``eval-mode-forgotten``: the model is called directly for predictions with no ``training=``, as
  the other batteries write it; Keras's default (inference) decides, and the call is eager in both
  modes because Keras compiles only its trainer's functions.
- ``float64-input`` and ``int-input``: the trainer converts NumPy input to the model's dtype.
- ``side-effect-in-compiled``: the subclassed model is built (``model.build``) before it is compiled,
  so only the three predictions can append. Where the trainer runs the model's ``call`` more often
  than once per prediction, in eager mode too, the side effects differ from the calls and the
  mistake is silent in that mode.

Import this module after the contender's environment is set (its ``mistakes`` module calls
:func:`showdown.frameworks.registry.prepare` first): Keras reads its backend when first imported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from showdown.devx.catalog import Battery, Correct, Faulty, Outcome, Stage
from showdown.frameworks.base import MODES, check_mode

LABELS = (3, 1, 0, 7, 9, 2, 5, 4)
SHAPES = tuple(range(2, 8))

_FAULTY: dict[str, Faulty] = {}
_CORRECT: dict[str, Correct] = {}


def _unset(*args: Any) -> Any:
    raise RuntimeError("kerasmistakes: build the battery with battery() before running a mistake")


#: The backend's count of compilations since the last mistake began, by mode (set by :func:`battery`).
_compile_counts: Callable[[str], dict[str, int]] = _unset
#: The backend's GPU as a Keras device name, or raises ``Skipped`` (set by :func:`battery`).
_gpu: Callable[[], str] = _unset


def battery(contender: str, version: str, *, compile_counts: Callable[[str], dict[str, int]],
            gpu: Callable[[], str], forget: Callable[[str], None] = lambda mode: None,
            loggers: tuple[str, ...] = ()) -> Battery:
    """A contender's battery holding the mistakes written here; it registers its own three beside them.

    Args:
        contender: The Keras contender's registry name; its modes are the battery's.
        version: Keras's and the backend's versions, recorded with every observation.
        compile_counts: The mode -> compilations since the mistake began (``"compiles"``, and
            any counter of the backend's worth keeping); zeros in eager.
        gpu: The backend's first GPU as a Keras device name; raises ``Skipped`` when there is none.
        forget: Called with the mode before each mistake, after Keras's session is cleared: resets
            the backend's compile caches and counters.
        loggers: Logger names whose warnings the probe records.
    """
    global _compile_counts, _gpu
    _compile_counts, _gpu = compile_counts, gpu

    def fresh(mode: str) -> None:
        check_mode(contender, mode)
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        forget(mode)

    shared = Battery(contender, version, MODES[contender], prepare=fresh, loggers=("keras", *loggers))
    shared.faulty.update(_FAULTY)
    shared.correct.update(_CORRECT)
    return shared


def _fault(mistake_id: str) -> Callable[[Faulty], Faulty]:
    def register(fn: Faulty) -> Faulty:
        _FAULTY[mistake_id] = fn
        return fn

    return register


def _fix(mistake_id: str) -> Callable[[Correct], Correct]:
    def register(fn: Correct) -> Correct:
        _CORRECT[mistake_id] = fn
        return fn

    return register


def data(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Seeded standard-normal float32 data, as NumPy: what a Keras user feeds the trainer."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def labels(n: int = 8) -> np.ndarray:
    return np.asarray(LABELS[:n])


def out(*tensors: Any, **detail: Any) -> Outcome:
    """An outcome of backend tensors, Keras variables or arrays, compared as NumPy."""
    value = tuple(ops.convert_to_numpy(t.value if isinstance(t, keras.Variable) else t) for t in tensors)
    return Outcome(value[0] if len(value) == 1 else value, detail)


def dense(units: int, inputs: int, **kw: Any) -> keras.Model:
    return keras.Sequential([keras.Input((inputs,)), layers.Dense(units, **kw)])


def _cnn(channels: int, side: int, filters: int) -> keras.Model:
    return keras.Sequential([
        keras.Input((side, side, channels)),
        layers.Conv2D(filters, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
    ])


def _bn_net() -> keras.Model:
    return keras.Sequential([
        keras.Input((20,)), layers.Dense(16), layers.BatchNormalization(), layers.ReLU(), layers.Dropout(0.5), layers.Dense(10),
    ])


def _compiled(model: keras.Model, mode: str, **kw: Any) -> keras.Model:
    """``model`` compiled for Keras's trainer, its step functions jit-compiled in ``jit`` mode."""
    model.compile(jit_compile=mode == "jit", **kw)
    return model


def sgd() -> keras.optimizers.Optimizer:
    return keras.optimizers.SGD(learning_rate=0.1)


xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _trainer(model: keras.Model, mode: str, loss: Any = xent) -> keras.Model:
    return _compiled(model, mode, optimizer=sgd(), loss=loss)


@_fault("dense-feature-size")
def dense_feature_size(mode: str, at: Stage) -> Outcome:
    model = _compiled(dense(10, 100), mode)
    images = data(8, 784)  # flattened 28x28 images
    at("first-call")
    return out(model.predict_on_batch(images))  # FAULT


@_fault("conv-channels")
def conv_channels(mode: str, at: Stage) -> Outcome:
    model = _compiled(_cnn(3, 16, 8), mode)
    images = data(2, 16, 16, 4)  # RGBA images kept their alpha channel
    at("first-call")
    return out(model.predict_on_batch(images))  # FAULT


@_fault("missing-batch-dim")
def missing_batch_dim(mode: str, at: Stage) -> Outcome:
    model = _compiled(_cnn(3, 8, 4), mode)
    image = data(8, 8, 3)  # one HWC image
    at("first-call")
    return out(model.predict_on_batch(image))  # FAULT


@_fault("float64-input")
def float64_input(mode: str, at: Stage) -> Outcome:
    model = _compiled(dense(10, 100), mode)
    features = np.random.default_rng(0).random((8, 100))
    at("first-call")
    return out(model.predict_on_batch(features))  # FAULT


@_fix("float64-input")
def float64_input_fixed() -> Outcome:
    return out(dense(10, 100)(np.random.default_rng(0).random((8, 100)).astype(np.float32)))


@_fault("int-input")
def int_input(mode: str, at: Stage) -> Outcome:
    model = _compiled(dense(10, 100), mode)
    pixels = np.random.default_rng(0).integers(0, 256, (8, 100))
    at("first-call")
    return out(model.predict_on_batch(pixels))  # FAULT


@_fix("int-input")
def int_input_fixed() -> Outcome:
    return out(dense(10, 100)(np.random.default_rng(0).integers(0, 256, (8, 100)).astype(np.float32)))


@_fault("label-out-of-range")
def label_out_of_range(mode: str, at: Stage) -> Outcome:
    model = _trainer(dense(10, 20), mode)
    targets = np.asarray([3, 12, 0, 7])  # the data has 13 classes; the model was built for 10
    at("first-call")
    loss = model.train_on_batch(data(4, 20), targets)  # FAULT
    return out(model.trainable_variables[0], loss)


@_fault("batch-size-mismatch")
def batch_size_mismatch(mode: str, at: Stage) -> Outcome:
    model = _trainer(dense(10, 20), mode)
    x, targets = data(8, 20), labels(6)  # labels sliced from the wrong batch
    at("first-call")
    loss = model.train_on_batch(x, targets)  # FAULT
    return out(model.trainable_variables[0], loss)


@_fault("log-zero-nan")
def log_zero_nan(mode: str, at: Stage) -> Outcome:
    def cross_entropy(y: Any, logits: Any) -> Any:
        probs = ops.softmax(logits)
        return -ops.mean(ops.sum(ops.one_hot(ops.cast(y, "int32"), 10) * ops.log(probs), axis=1))  # FAULT

    model = _trainer(dense(10, 20), mode, loss=cross_entropy)
    at("first-call")
    return out(model.test_on_batch(data(8, 20, scale=1000.0), labels()))


@_fix("log-zero-nan")
def log_zero_nan_fixed() -> Outcome:
    return out(xent(labels(), dense(10, 20)(data(8, 20, scale=1000.0))))


@_fault("eval-mode-forgotten")
def eval_mode_forgotten(mode: str, at: Stage) -> Outcome:
    model = _compiled(_bn_net(), mode)
    at("first-call")
    return out(model(data(8, 20, seed=1)))  # FAULT: no mode stated


@_fix("eval-mode-forgotten")
def eval_mode_forgotten_fixed() -> Outcome:
    return out(_bn_net()(data(8, 20, seed=1), training=False))


@_fault("side-effect-in-compiled")
def side_effect_in_compiled(mode: str, at: Stage) -> Outcome:
    batch_sizes: list[int] = []

    class Recording(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dense = layers.Dense(10)

        def call(self, x: Any) -> Any:
            batch_sizes.append(x.shape[0])  # FAULT: a Python side effect inside the compiled function
            return self.dense(x)

    model = Recording()
    model.build((None, 20))  # built before it is compiled, so building appends nothing
    _compiled(model, mode)
    for call in range(3):
        at("first-call" if call == 0 else "later")
        model.predict_on_batch(data(8, 20, seed=call))
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes), **_compile_counts(mode)})


@_fix("side-effect-in-compiled")
def side_effect_in_compiled_fixed() -> Outcome:
    model = dense(10, 20)
    batch_sizes = []
    for call in range(3):
        x = data(8, 20, seed=call)
        model(x)
        batch_sizes.append(x.shape[0])
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes)})


class _Branching(keras.Model):
    """A subclassed model whose forward pass branches in Python on its logits' sum."""

    def __init__(self) -> None:
        super().__init__()
        self.dense = layers.Dense(10, use_bias=False)

    def call(self, x: Any) -> Any:
        logits = self.dense(x)
        if ops.sum(logits) > 0:  # FAULT: Python branches on a tensor's value
            return ops.relu(logits)
        return -logits


@_fault("data-dependent-control-flow")
def data_dependent_control_flow(mode: str, at: Stage) -> Outcome:
    model = _compiled(_Branching(), mode)
    x = data(8, 20)
    at("first-call")
    first = model.predict_on_batch(x)
    at("later")
    second = model.predict_on_batch(-x)
    return out(first, second, **_compile_counts(mode))


@_fix("data-dependent-control-flow")
def data_dependent_control_flow_fixed() -> Outcome:
    model = dense(10, 20, use_bias=False)

    def predict(x: np.ndarray) -> Any:
        logits = model(x)
        return ops.where(ops.sum(logits) > 0, ops.relu(logits), -logits)

    x = data(8, 20)
    return out(predict(x), predict(-x))


@_fault("shape-change-recompile")
def shape_change_recompile(mode: str, at: Stage) -> Outcome:
    model = _compiled(dense(10, 20), mode)
    seconds = []
    for i, n in enumerate(SHAPES):
        at("first-call" if i == 0 else "later")
        start = time.perf_counter()
        model.predict_on_batch(data(n, 20))  # FAULT: a new batch size on every call
        seconds.append(round(time.perf_counter() - start, 4))
    counts = _compile_counts(mode)
    return Outcome(counts["compiles"] > len(SHAPES) / 2, {"shapes": len(SHAPES), "call_seconds": seconds, **counts})


@_fix("shape-change-recompile")
def shape_change_recompile_fixed() -> Outcome:
    return Outcome(False, {"shapes": len(SHAPES), "compiles": 0})


@_fault("embedding-out-of-range")
def embedding_out_of_range(mode: str, at: Stage) -> Outcome:
    model = _compiled(keras.Sequential([keras.Input((3,), dtype="int32"), layers.Embedding(10, 4)]), mode)
    tokens = np.asarray([[1, 12, 3]])  # token 12 never made it into the 10-token vocabulary
    at("first-call")
    return out(model.predict_on_batch(tokens))  # FAULT


@_fault("device-mismatch")
def device_mismatch(mode: str, at: Stage) -> Outcome:
    gpu = _gpu()
    with keras.device(gpu):
        model = _compiled(dense(10, 20), mode)
    with keras.device("cpu:0"):
        x = ops.convert_to_tensor(data(8, 20))
    at("first-call")
    return out(model.predict_on_batch(x))  # FAULT


@_fix("device-mismatch")
def device_mismatch_fixed() -> Outcome:
    with keras.device(_gpu()):
        return out(dense(10, 20)(data(8, 20)))


@_fault("softmax-into-logits-loss")
def softmax_into_logits_loss(mode: str, at: Stage) -> Outcome:
    model = _trainer(dense(10, 20, activation="softmax"), mode)  # FAULT: the loss is told to expect logits
    at("first-call")
    return out(model.test_on_batch(data(8, 20), labels()))


@_fix("softmax-into-logits-loss")
def softmax_into_logits_loss_fixed() -> Outcome:
    return out(xent(labels(), dense(10, 20)(data(8, 20))))


@_fault("regression-target-shape")
def regression_target_shape(mode: str, at: Stage) -> Outcome:
    model = _trainer(dense(1, 20), mode, loss=keras.losses.MeanSquaredError())
    targets = data(8, seed=1)  # one target per example, shape (8,)
    at("first-call")
    return out(model.test_on_batch(data(8, 20), targets))  # FAULT: (8,) against (8, 1)


@_fix("regression-target-shape")
def regression_target_shape_fixed() -> Outcome:
    return out(keras.losses.MeanSquaredError()(data(8, seed=1).reshape(-1, 1), dense(1, 20)(data(8, 20))))
