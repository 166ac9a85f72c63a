"""The mistakes catalog written as a JAX user writes it, with Flax NNX and optax (see :mod:`showdown.devx.catalog`).

Modes: ``eager``, each operation dispatched as it comes, and ``jit``, where the user compiles what
they call with ``nnx.jit``: the model's call for inference mistakes, the whole ``train_step``
(``nnx.value_and_grad`` and ``optimizer.update``) for training mistakes, as Flax's guides write it.
The model is an argument of the compiled function, never a closure: ``nnx.jit`` carries an argument's
state updates (batch statistics, dropout counters) back to the module, and refuses to mutate a
closed-over one. A module is compiled as ``nnx.jit(type(model).__call__)`` bound to the module: the
same program as ``@nnx.jit def predict(model, x): return model(x)``, without a function of this file
between the user's call and Flax (the traceback's innermost frame here is then the call, as it is
for ``torch.compile(model)`` and ``tf.function(model)``). No mistake reuses another's compiled
code, and compilations are counted by ``jax.monitoring``'s compile events for the user's function.

Each function carries ``# FAULT`` on the line a reviewer would circle; :mod:`showdown.devx.probe`
checks whether the innermost traceback frame in this file is that line. Fixes (``@BATTERY.fix``)
compute the right answer eagerly from the same seeds.

Nearest-analogue notes (JAX is functional, so some mistakes take another form):

- ``grads-not-reset``: gradients are return values, so there is no buffer that keeps them. The
  nearest real mistake is gradient accumulation whose running sum is never reset after the update,
  which sums every step's gradients as a missing ``zero_grad()`` does.
- ``grads-not-recorded``: nothing records; ``nnx.value_and_grad`` differentiates the function it is
  given. The mistake is the forward pass computed outside that function, so the loss does not
  depend on the weights it is differentiated by.
- ``inplace-autograd``: arrays are immutable. The in-place write is the NumPy habit of assigning
  into a preallocated buffer (``probs[:] = ...``) inside the differentiated function.
- ``eval-mode-forgotten``: Flax's ``BatchNorm`` and ``Dropout`` start in training mode (batch
  statistics, dropout on) until ``model.eval()``; the mistake is written as in the other batteries.
"""

from __future__ import annotations

import functools
import time
import types
from collections import Counter
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from showdown.devx.catalog import Battery, Outcome, Skipped, Stage
from showdown.frameworks.base import MODES, check_mode

LABELS = (3, 1, 0, 7, 9, 2, 5, 4)
SHAPES = tuple(range(2, 8))
_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: Counter[str] = Counter()  # backend compilations since the last _fresh, by function name


def _count_compile(event: str, seconds: float, **kw: Any) -> None:
    if event == _COMPILE_EVENT:
        _compiles[str(kw.get("fun_name", ""))] += 1


jax.monitoring.register_event_duration_secs_listener(_count_compile)


def _fresh(mode: str) -> None:
    """Check the mode and forget the compile counts of earlier mistakes.

    Compiled code is not shared between mistakes: each compiles functions of its own (see
    :func:`_compiled`). JAX's caches of single operations stay warm, as in a user's session
    (clearing them all before each mistake doubled the battery's time).
    """
    check_mode("jax", mode)
    _compiles.clear()


BATTERY = Battery("jax", jax.__version__, MODES["jax"], prepare=_fresh, loggers=("jax", "flax"))


def _compiled(fn: Any, mode: str) -> Any:
    """``fn`` under ``nnx.jit`` in ``jit`` mode; a module's call is compiled with the module as its argument."""
    if mode != "jit":
        return fn
    if isinstance(fn, nnx.Module):
        return functools.partial(nnx.jit(_fresh_copy(type(fn).__call__)), fn)
    return nnx.jit(fn)


def _fresh_copy(function: Any) -> Any:
    """A new function object running ``function``'s code (Flax's frames, Flax's name).

    jax.jit caches compiled code per callable, and a class's ``__call__`` is shared by every mistake
    that builds the same layer: a copy keeps one mistake's compilations out of another's.
    """
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def _compile_counts(mode: str, name: str) -> dict[str, int]:
    """Compilations of the user's function ``name`` under ``jit`` (0 in eager), and of everything.

    Eager JAX compiles each operation once per new shape (``backend_compiles`` counts those too); what is
    compiled there is JAX's, not the user's program.
    """
    mine = _compiles[f"jit({name})"] if mode == "jit" else 0
    return {"compiles": mine, "backend_compiles": sum(_compiles.values())}


def _data(*shape: int, seed: int = 0, scale: float = 1.0) -> jax.Array:
    rng = np.random.default_rng(seed)
    return jnp.asarray((rng.standard_normal(shape) * scale).astype(np.float32))


def _labels(n: int = 8) -> jax.Array:
    return jnp.asarray(LABELS[:n])


def _out(*arrays: Any, **detail: Any) -> Outcome:
    value = tuple(np.asarray(a[...] if isinstance(a, nnx.Variable) else a) for a in arrays)
    return Outcome(value[0] if len(value) == 1 else value, detail)


def _dense(units: int, inputs: int, **kw: Any) -> nnx.Linear:
    return nnx.Linear(inputs, units, rngs=nnx.Rngs(0), **kw)


def _flatten(x: jax.Array) -> jax.Array:
    return x.reshape(x.shape[0], -1)


def _cnn(channels: int, side: int, filters: int) -> nnx.Sequential:
    rngs = nnx.Rngs(0)
    return nnx.Sequential(nnx.Conv(channels, filters, (3, 3), padding="SAME", rngs=rngs), nnx.relu, _flatten,
                          nnx.Linear(filters * side * side, 10, rngs=rngs))


def _bn_net() -> nnx.Sequential:
    rngs = nnx.Rngs(params=0, dropout=1)
    return nnx.Sequential(nnx.Linear(20, 16, rngs=rngs), nnx.BatchNorm(16, rngs=rngs), nnx.relu,
                          nnx.Dropout(0.5, rngs=rngs), nnx.Linear(16, 10, rngs=rngs))


def _sgd(model: nnx.Module) -> nnx.Optimizer:
    return nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)


def _xent(logits: jax.Array, y: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _fixed_step(model: nnx.Module, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> None:
    grads = nnx.grad(lambda m: _xent(m(x), y))(model)
    optimizer.update(model, grads)


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
    optimizer = _sgd(model)

    def train_step(model: nnx.Linear, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
        loss, grads = nnx.value_and_grad(lambda m: optax.softmax_cross_entropy_with_integer_labels(m(x), y).mean())(model)  # FAULT
        optimizer.update(model, grads)
        return loss

    train_step = _compiled(train_step, mode)
    labels = jnp.asarray([3, 12, 0, 7])  # the data has 13 classes; the model was built for 10
    at("first-call")
    loss = train_step(model, optimizer, _data(4, 20), labels)
    return _out(model.kernel, loss)


@BATTERY.fault("batch-size-mismatch")
def batch_size_mismatch(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    optimizer = _sgd(model)

    def train_step(model: nnx.Linear, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
        loss, grads = nnx.value_and_grad(lambda m: optax.softmax_cross_entropy_with_integer_labels(m(x), y).mean())(model)  # FAULT
        optimizer.update(model, grads)
        return loss

    train_step = _compiled(train_step, mode)
    x, labels = _data(8, 20), _labels(6)  # labels sliced from the wrong batch
    at("first-call")
    loss = train_step(model, optimizer, x, labels)
    return _out(model.kernel, loss)


@BATTERY.fault("log-zero-nan")
def log_zero_nan(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)

    def loss_of(model: nnx.Linear, x: jax.Array, y: jax.Array) -> jax.Array:
        probs = nnx.softmax(model(x))
        return -jnp.mean(jnp.sum(jax.nn.one_hot(y, 10) * jnp.log(probs), axis=1))  # FAULT

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(model, _data(8, 20, scale=1000.0), _labels()))


@BATTERY.fix("log-zero-nan")
def log_zero_nan_fixed() -> Outcome:
    return _out(_xent(_dense(10, 20)(_data(8, 20, scale=1000.0)), _labels()))


@BATTERY.fault("eval-mode-forgotten")
def eval_mode_forgotten(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_bn_net(), mode)
    at("first-call")
    return _out(predict(_data(8, 20, seed=1)))  # FAULT: Flax modules start in training mode; no model.eval()


@BATTERY.fix("eval-mode-forgotten")
def eval_mode_forgotten_fixed() -> Outcome:
    model = _bn_net()
    model.eval()
    return _out(model(_data(8, 20, seed=1)))


@BATTERY.fault("grads-not-reset")
def grads_not_reset(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    optimizer = _sgd(model)
    grad_of = _compiled(lambda model, x, y: nnx.grad(lambda m: _xent(m(x), y))(model), mode)
    total = None  # a running sum of gradients, as for accumulation over micro-batches
    for step in range(3):
        at("first-call" if step == 0 else "later")
        grads = grad_of(model, _data(8, 20, seed=step), _labels())
        total = grads if total is None else jax.tree.map(jnp.add, total, grads)
        optimizer.update(model, total)  # FAULT: the sum is applied, and never reset after the update
    return _out(model.kernel)


@BATTERY.fix("grads-not-reset")
def grads_not_reset_fixed() -> Outcome:
    model = _dense(10, 20)
    optimizer = _sgd(model)
    for step in range(3):
        _fixed_step(model, optimizer, _data(8, 20, seed=step), _labels())
    return _out(model.kernel)


@BATTERY.fault("grads-not-recorded")
def grads_not_recorded(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    optimizer = _sgd(model)

    def train_step(model: nnx.Linear, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
        logits = model(x)  # FAULT: computed outside the function that is differentiated
        loss, grads = nnx.value_and_grad(lambda m: _xent(logits, y))(model)
        optimizer.update(model, grads)
        return loss

    train_step = _compiled(train_step, mode)
    at("first-call")
    train_step(model, optimizer, _data(8, 20), _labels())
    return _out(model.kernel)


@BATTERY.fault("inplace-autograd")
def inplace_autograd(mode: str, at: Stage) -> Outcome:
    w = _data(20, 10, seed=3, scale=0.1)
    probs = jnp.zeros((8, 10))  # a buffer reused across steps
    tx = optax.sgd(0.1)
    state = tx.init(w)

    def loss_of(w: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        e = jnp.exp(x @ w)
        probs[:] = e / e.sum(axis=1, keepdims=True)  # FAULT: JAX arrays cannot be written in place
        return -jnp.log(jnp.take_along_axis(probs, y[:, None], axis=1)).mean()

    grad_of = _compiled(jax.grad(loss_of), mode)
    at("first-call")
    updates, state = tx.update(grad_of(w, _data(8, 20), _labels()), state)
    return _out(optax.apply_updates(w, updates))


@BATTERY.fix("inplace-autograd")
def inplace_autograd_fixed() -> Outcome:
    w = _data(20, 10, seed=3, scale=0.1)

    def loss_of(w: jax.Array) -> jax.Array:
        e = jnp.exp(_data(8, 20) @ w)
        p = e / e.sum(axis=1, keepdims=True)
        return -jnp.log(jnp.take_along_axis(p, _labels()[:, None], axis=1)).mean()

    tx = optax.sgd(0.1)
    updates, _ = tx.update(jax.grad(loss_of)(w), tx.init(w))
    return _out(optax.apply_updates(w, updates))


@BATTERY.fault("side-effect-in-compiled")
def side_effect_in_compiled(mode: str, at: Stage) -> Outcome:
    model = _dense(10, 20)
    batch_sizes: list[int] = []

    def predict(model: nnx.Linear, x: jax.Array) -> jax.Array:
        batch_sizes.append(x.shape[0])  # FAULT: a Python side effect inside the compiled function
        return model(x)

    predict = _compiled(predict, mode)
    for call in range(3):
        at("first-call" if call == 0 else "later")
        predict(model, _data(8, 20, seed=call))
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes), **_compile_counts(mode, "predict")})


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

    def predict(model: nnx.Linear, x: jax.Array) -> jax.Array:
        logits = model(x)
        if logits.sum() > 0:  # FAULT: Python branches on an array's value
            return nnx.relu(logits)
        return -logits

    predict = _compiled(predict, mode)
    x = _data(8, 20)
    at("first-call")
    first = predict(model, x)
    at("later")
    second = predict(model, -x)
    return _out(first, second, **_compile_counts(mode, "predict"))


@BATTERY.fix("data-dependent-control-flow")
def data_dependent_control_flow_fixed() -> Outcome:
    model = _dense(10, 20, use_bias=False)

    def predict(x: jax.Array) -> jax.Array:
        logits = model(x)
        return jnp.where(logits.sum() > 0, nnx.relu(logits), -logits)

    x = _data(8, 20)
    return _out(predict(x), predict(-x))


@BATTERY.fault("shape-change-recompile")
def shape_change_recompile(mode: str, at: Stage) -> Outcome:
    predict = _compiled(_dense(10, 20), mode)
    seconds = []
    for i, n in enumerate(SHAPES):
        at("first-call" if i == 0 else "later")
        start = time.perf_counter()
        jax.block_until_ready(predict(_data(n, 20)))  # FAULT: a new batch size on every call
        seconds.append(round(time.perf_counter() - start, 4))
    counts = _compile_counts(mode, "__call__")
    return Outcome(counts["compiles"] > len(SHAPES) / 2, {"shapes": len(SHAPES), "call_seconds": seconds, **counts})


@BATTERY.fix("shape-change-recompile")
def shape_change_recompile_fixed() -> Outcome:
    return Outcome(False, {"shapes": len(SHAPES), "compiles": 0})


@BATTERY.fault("embedding-out-of-range")
def embedding_out_of_range(mode: str, at: Stage) -> Outcome:
    embed = _compiled(nnx.Embed(10, 4, rngs=nnx.Rngs(0)), mode)
    tokens = jnp.asarray([[1, 12, 3]])  # token 12 never made it into the 10-token vocabulary
    at("first-call")
    return _out(embed(tokens))  # FAULT


def _gpu() -> jax.Device:
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if not gpus:
        raise Skipped(f"no GPU: jax.devices() lists only {sorted({d.platform for d in jax.devices()})}")
    return gpus[0]


@BATTERY.fault("device-mismatch")
def device_mismatch(mode: str, at: Stage) -> Outcome:
    with jax.default_device(_gpu()):
        predict = _compiled(_dense(10, 20), mode)
    x = jax.device_put(_data(8, 20), jax.devices("cpu")[0])
    at("first-call")
    return _out(predict(x))  # FAULT


@BATTERY.fix("device-mismatch")
def device_mismatch_fixed() -> Outcome:
    with jax.default_device(_gpu()):
        return _out(_dense(10, 20)(_data(8, 20)))


@BATTERY.fault("softmax-into-logits-loss")
def softmax_into_logits_loss(mode: str, at: Stage) -> Outcome:
    model = nnx.Sequential(_dense(10, 20), nnx.softmax)

    def loss_of(model: nnx.Sequential, x: jax.Array, y: jax.Array) -> jax.Array:
        return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()  # FAULT: the loss applies softmax itself

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(model, _data(8, 20), _labels()))


@BATTERY.fix("softmax-into-logits-loss")
def softmax_into_logits_loss_fixed() -> Outcome:
    return _out(_xent(_dense(10, 20)(_data(8, 20)), _labels()))


@BATTERY.fault("regression-target-shape")
def regression_target_shape(mode: str, at: Stage) -> Outcome:
    model = _dense(1, 20)
    targets = _data(8, seed=1)  # one target per example, shape (8,)

    def loss_of(model: nnx.Linear, x: jax.Array, y: jax.Array) -> jax.Array:
        return optax.squared_error(model(x), y).mean()  # FAULT: (8, 1) against (8,)

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(model, _data(8, 20), targets))


@BATTERY.fix("regression-target-shape")
def regression_target_shape_fixed() -> Outcome:
    model = _dense(1, 20)
    return _out(optax.squared_error(model(_data(8, 20))[:, 0], _data(8, seed=1)).mean())
