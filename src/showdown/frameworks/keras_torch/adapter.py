"""Keras 3 on PyTorch: the spec's Keras model, trained and run by Keras's own trainer on torch.

The model is :mod:`showdown.frameworks.kerasnet`'s, the one the TensorFlow contender builds. A step
is what ``fit`` runs per batch: the model's ``train_function`` after ``compile`` (the loss computed
by Keras's compiled loss, the update by the Keras optimizer), so Keras's own overhead is measured.
Gradients for the parity check come from torch's autograd on the Keras variables, which on this
backend are ``torch.nn.Parameter`` s. Threads, devices, memory and TensorBoard are torch's.

With ``jit_compile=True`` torch.compile (torch 2.13) fails to trace Keras's compiled loss while it
builds itself on its first call ("exception table entry start instruction has no offset", from
``keras/src/trainers/compile_utils.py``); the loss is built with one eager call before the step is
compiled, which Keras's ``fit`` would also do on its first batch with ``jit_compile=False``.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-torch")  # KERAS_BACKEND=torch before keras is imported

from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from showdown.frameworks.base import MODES, check_backend, check_mode  # noqa: E402
from showdown.frameworks.kerasnet import KerasOnBackend, Model, build  # noqa: E402
from showdown.frameworks.torch.adapter import TorchRuntime  # noqa: E402
from showdown.models import spec as S  # noqa: E402

check_backend("keras-torch")  # Keras reports the backend it really runs on


@dataclass
class Batch:
    x: torch.Tensor
    y: torch.Tensor | None


class Adapter(KerasOnBackend, TorchRuntime):
    """The Keras-on-PyTorch side of the :class:`~showdown.frameworks.base.Framework` protocol."""

    name = "keras-torch"
    modes = MODES["keras-torch"]

    def environment(self) -> dict[str, Any]:
        return {**super().environment(), "torch": torch.__version__}

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        # Keras on torch picks its own device (CUDA where there is one) unless told: --device decides
        with keras.device(self.device.type):
            return build(spec, weights)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        with keras.device(self.device.type):
            tx = keras.ops.convert_to_tensor(np.ascontiguousarray(x))
            ty = keras.ops.convert_to_tensor(y) if y is not None else None
        return Batch(tx, ty)

    def gradients(self, model: Model, batch: Batch) -> tuple[float, dict[str, np.ndarray]]:
        variables = model.trainable
        for v in variables:
            v.value.grad = None
        loss = model.loss(batch.y, model.net(batch.x, training=True))
        loss.backward()
        out = {}
        for (name, b), v in zip(((n, b) for n, b in model.bindings.items() if b.trainable), variables):
            g = v.value.grad
            out[name] = np.array(b.from_native(g.detach().cpu().numpy())) if g is not None else np.zeros_like(b.read())
        return float(loss.detach()), out

    def train_step(self, model: Model, optimizer: keras.optimizers.Optimizer, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        net, jit = model.net, mode == "jit"

        def step(batch: Batch) -> Any:
            # (re)compiled when another callable compiled the model since: compile() drops the step
            if net.train_function is None or net.optimizer is not optimizer or net.jit_compile != jit:
                net.compile(optimizer=optimizer, loss=model.loss, jit_compile=jit)
                with torch.no_grad():  # see the module's docstring: Keras's loss builds itself eagerly first
                    net.compute_loss(x=batch.x, y=batch.y, y_pred=net(batch.x, training=False))
                net.make_train_function()
            net.reset_metrics()  # the loss returned is this step's, not a running mean
            return net.train_function([(batch.x, batch.y)])["loss"]

        return step

    def predict(self, model: Model, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        net, jit = model.net, mode == "jit"

        def run(batch: Batch) -> Any:
            if net.predict_function is None or net.jit_compile != jit:
                net.compile(optimizer=getattr(net, "optimizer", None), loss=model.loss, jit_compile=jit)
                net.make_predict_function()
            return net.predict_function([(batch.x,)])

        return run
