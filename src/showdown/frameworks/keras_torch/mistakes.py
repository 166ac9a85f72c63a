"""The mistakes catalog as a Keras 3 user writes it on the PyTorch backend (see :mod:`showdown.devx.catalog`).

Sixteen mistakes go through Keras's trainer and are :mod:`showdown.frameworks.kerasmistakes`'s,
the same code as on every backend: ``compile(jit_compile=False)`` in mode ``eager``,
``compile(jit_compile=True)`` in mode ``jit`` (on this backend, ``torch.compile`` of the trainer's
step). The three gradient mistakes need a loop the user writes, and are written here as Keras's
guide to a training loop from scratch in PyTorch writes one: the Keras model called on the batch,
``model.zero_grad()``, ``loss.backward()``, the gradients read from each variable's torch tensor and
applied by the Keras optimizer under ``torch.no_grad()``. In mode ``jit`` the forward pass is
``torch.compile(model)``, as in the PyTorch battery. Dynamo's caches and counters are reset before
each mistake.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-torch")  # KERAS_BACKEND=torch before keras is imported

from typing import Any  # noqa: E402

import keras  # noqa: E402
import torch  # noqa: E402
from keras import ops  # noqa: E402

from showdown.devx.catalog import Outcome, Skipped, Stage  # noqa: E402
from showdown.frameworks import kerasmistakes as K  # noqa: E402
from showdown.frameworks.base import check_backend  # noqa: E402

check_backend("keras-torch")


def _forget(mode: str) -> None:
    if mode == "jit":
        from torch import _dynamo  # imported only when compiling: it takes seconds

        _dynamo.reset()
        _dynamo.utils.counters.clear()


def _compile_counts(mode: str) -> dict[str, int]:
    """Dynamo's graphs and graph breaks since the mistake began (zeros in eager)."""
    if mode != "jit":
        return {"compiles": 0, "graph_breaks": 0}
    from torch._dynamo.utils import counters

    return {"compiles": int(counters["stats"]["unique_graphs"]), "graph_breaks": int(sum(counters["graph_break"].values()))}


def _gpu() -> str:
    if not torch.cuda.is_available():
        raise Skipped("no GPU: torch.cuda.is_available() is False")
    return "cuda:0"


BATTERY = K.battery("keras-torch", f"keras {keras.__version__}, torch {torch.__version__}", compile_counts=_compile_counts,
                    gpu=_gpu, forget=_forget, loggers=("torch",))


def _forward(model: keras.Model, mode: str) -> Any:
    return torch.compile(model) if mode == "jit" else model


def _apply(optimizer: keras.optimizers.Optimizer, variables: list[keras.Variable]) -> None:
    """The gradients ``backward`` left on each variable's torch tensor, applied by the Keras optimizer."""
    with torch.no_grad():
        optimizer.apply([v.value.grad for v in variables], variables)


def _update(model: keras.Model, optimizer: keras.optimizers.Optimizer, loss: torch.Tensor) -> None:
    """The guide's update: gradients cleared, computed by ``backward`` and applied."""
    model.zero_grad()
    loss.backward()
    _apply(optimizer, model.trainable_weights)


@BATTERY.fault("grads-not-reset")
def grads_not_reset(mode: str, at: Stage) -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    forward = _forward(model, mode)
    for step in range(3):
        at("first-call" if step == 0 else "later")
        loss = K.xent(K.labels(), forward(K.data(8, 20, seed=step), training=True))
        loss.backward()  # FAULT: model.zero_grad() never called, so gradients add up across steps
        _apply(optimizer, model.trainable_weights)
    return K.out(model.trainable_variables[0])


@BATTERY.fix("grads-not-reset")
def grads_not_reset_fixed() -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    for step in range(3):
        _update(model, optimizer, K.xent(K.labels(), model(K.data(8, 20, seed=step), training=True)))
    return K.out(model.trainable_variables[0])


@BATTERY.fault("grads-not-recorded")
def grads_not_recorded(mode: str, at: Stage) -> Outcome:
    model, optimizer = K.dense(10, 20), K.sgd()
    forward = _forward(model, mode)
    at("first-call")
    with torch.no_grad():
        logits = forward(K.data(8, 20), training=True)  # FAULT: computed where autograd records nothing
    _update(model, optimizer, K.xent(K.labels(), logits))
    return K.out(model.trainable_variables[0])


@BATTERY.fault("inplace-autograd")
def inplace_autograd(mode: str, at: Stage) -> Outcome:
    w = keras.Variable(K.data(20, 10, seed=3, scale=0.1))
    optimizer = K.sgd()

    def loss_of(x: Any, y: Any) -> Any:
        e = ops.exp(ops.matmul(x, w))
        e /= ops.sum(e, axis=1, keepdims=True)  # FAULT: exp's output, which its gradient needs, changed in place
        return -ops.mean(ops.log(ops.take_along_axis(e, ops.expand_dims(y, 1), axis=1)))

    loss_of = torch.compile(loss_of) if mode == "jit" else loss_of
    at("first-call")
    loss = loss_of(ops.convert_to_tensor(K.data(8, 20)), ops.convert_to_tensor(K.labels()))
    loss.backward()
    _apply(optimizer, [w])
    return K.out(w)


@BATTERY.fix("inplace-autograd")
def inplace_autograd_fixed() -> Outcome:
    w = keras.Variable(K.data(20, 10, seed=3, scale=0.1))
    e = ops.exp(ops.matmul(ops.convert_to_tensor(K.data(8, 20)), w))
    p = e / ops.sum(e, axis=1, keepdims=True)
    loss = -ops.mean(ops.log(ops.take_along_axis(p, ops.expand_dims(ops.convert_to_tensor(K.labels()), 1), axis=1)))
    loss.backward()
    _apply(K.sgd(), [w])
    return K.out(w)
