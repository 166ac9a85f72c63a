"""The mistakes catalog as a Keras 3 user writes it on the JAX backend (see :mod:`showdown.devx.catalog`).

Sixteen mistakes go through Keras's trainer and are :mod:`showdown.frameworks.kerasmistakes`'s,
the same code as on every backend: ``compile(jit_compile=False)`` in mode ``eager``,
``compile(jit_compile=True)`` in mode ``jit`` (on this backend, ``jax.jit`` of the trainer's
``predict_step``, ``train_step`` and ``test_step``, whose compilations ``jax.monitoring`` counts).
The three gradient mistakes need a loop the user writes, and are written here as Keras's guide to
a training loop from scratch in JAX writes one: the model run by ``stateless_call`` inside the
function ``jax.value_and_grad`` differentiates, the update by the optimizer's ``stateless_apply``,
the step under ``jax.jit`` in mode ``jit``.

Nearest-analogue notes (on JAX, gradients are return values, as in the JAX battery):

- ``grads-not-reset``: gradient accumulation whose running sum is never reset after the update.
- ``grads-not-recorded``: the forward pass computed outside the differentiated function.
- ``inplace-autograd``: the softmax written into a ``keras.Variable`` buffer with ``assign`` inside
  the differentiated function, as the TensorFlow battery writes it.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-jax")  # KERAS_BACKEND=jax before keras is imported

from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

from showdown.devx.catalog import Outcome, Skipped, Stage  # noqa: E402
from showdown.frameworks import kerasmistakes as K  # noqa: E402
from showdown.frameworks.base import check_backend  # noqa: E402

check_backend("keras-jax")

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_STEPS = ("jit(predict_step)", "jit(train_step)", "jit(test_step)")  # the functions Keras's trainer compiles
_compiles: Counter[str] = Counter()  # backend compilations since the mistake began, by function name


def _count_compile(event: str, seconds: float, **kw: Any) -> None:
    if event == _COMPILE_EVENT:
        _compiles[str(kw.get("fun_name", ""))] += 1


jax.monitoring.register_event_duration_secs_listener(_count_compile)


def _compile_counts(mode: str) -> dict[str, int]:
    """Compilations of the trainer's steps under ``jit`` (0 in eager), and of everything (eager ops too)."""
    mine = sum(_compiles[name] for name in _STEPS) if mode == "jit" else 0
    return {"compiles": mine, "backend_compiles": sum(_compiles.values())}


def _gpu() -> str:
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if not gpus:
        raise Skipped(f"no GPU: jax.devices() lists only {sorted({d.platform for d in jax.devices()})}")
    return "gpu:0"


BATTERY = K.battery("keras-jax", f"keras {keras.__version__}, jax {jax.__version__}", compile_counts=_compile_counts,
                    gpu=_gpu, forget=lambda mode: _compiles.clear(), loggers=("jax",))


def _compiled(fn: Any, mode: str) -> Any:
    return jax.jit(fn) if mode == "jit" else fn


def _loss_and_grad(model: keras.Model) -> Any:
    def loss_of(trainable: list, non_trainable: list, x: Any, y: Any) -> Any:
        logits, _ = model.stateless_call(trainable, non_trainable, x, training=True)
        return K.xent(y, logits)

    return jax.value_and_grad(loss_of)


def _state(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> tuple[list, list, list]:
    optimizer.build(model.trainable_variables)
    return ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables],
            [v.value for v in optimizer.variables])


@BATTERY.fault("grads-not-reset")
def grads_not_reset(mode: str, at: Stage) -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    trainable, non_trainable, opt_vars = _state(model, optimizer)
    grad_of = _compiled(_loss_and_grad(model), mode)
    total = None  # a running sum of gradients, as for accumulation over micro-batches
    for step in range(3):
        at("first-call" if step == 0 else "later")
        _, grads = grad_of(trainable, non_trainable, K.data(8, 20, seed=step), K.labels())
        total = grads if total is None else jax.tree.map(jnp.add, total, grads)
        trainable, opt_vars = optimizer.stateless_apply(opt_vars, total, trainable)  # FAULT: the sum is never reset
    return K.out(trainable[0])


@BATTERY.fix("grads-not-reset")
def grads_not_reset_fixed() -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    trainable, non_trainable, opt_vars = _state(model, optimizer)
    for step in range(3):
        _, grads = _loss_and_grad(model)(trainable, non_trainable, K.data(8, 20, seed=step), K.labels())
        trainable, opt_vars = optimizer.stateless_apply(opt_vars, grads, trainable)
    return K.out(trainable[0])


@BATTERY.fault("grads-not-recorded")
def grads_not_recorded(mode: str, at: Stage) -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    trainable, non_trainable, opt_vars = _state(model, optimizer)

    def train_step(trainable: list, opt_vars: list, x: Any, y: Any) -> tuple[list, list]:
        logits, _ = model.stateless_call(trainable, non_trainable, x)  # FAULT: outside the differentiated function
        _, grads = jax.value_and_grad(lambda t: K.xent(y, logits))(trainable)
        return optimizer.stateless_apply(opt_vars, grads, trainable)

    train_step = _compiled(train_step, mode)
    at("first-call")
    trainable, opt_vars = train_step(trainable, opt_vars, K.data(8, 20), K.labels())
    return K.out(trainable[0])


@BATTERY.fault("inplace-autograd")
def inplace_autograd(mode: str, at: Stage) -> Outcome:
    w = jnp.asarray(K.data(20, 10, seed=3, scale=0.1))
    probs = keras.Variable(jnp.zeros((8, 10)))  # a buffer reused across steps
    optimizer = K.sgd()
    optimizer.build([keras.Variable(w)])
    opt_vars = [v.value for v in optimizer.variables]

    def loss_of(w: Any, x: Any, y: Any) -> Any:
        e = ops.exp(ops.matmul(x, w))
        probs.assign(e / ops.sum(e, axis=1, keepdims=True))  # FAULT: assign writes a variable, out of the traced function
        return -ops.mean(ops.log(ops.take_along_axis(probs.value, ops.expand_dims(y, 1), axis=1)))

    grad_of = _compiled(jax.grad(loss_of), mode)
    at("first-call")
    grads = grad_of(w, K.data(8, 20), K.labels())
    (w,), _ = optimizer.stateless_apply(opt_vars, [grads], [w])
    return K.out(w)


@BATTERY.fix("inplace-autograd")
def inplace_autograd_fixed() -> Outcome:
    w = jnp.asarray(K.data(20, 10, seed=3, scale=0.1))

    def loss_of(w: Any) -> Any:
        e = ops.exp(ops.matmul(K.data(8, 20), w))
        p = e / ops.sum(e, axis=1, keepdims=True)
        return -ops.mean(ops.log(ops.take_along_axis(p, ops.expand_dims(K.labels(), 1), axis=1)))

    return K.out(w - 0.1 * jax.grad(loss_of)(w))
