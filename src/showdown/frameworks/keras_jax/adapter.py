"""Keras 3 on JAX: the spec's Keras model, trained and run by Keras's own trainer on JAX.

The model is :mod:`showdown.frameworks.kerasnet`'s, the one the TensorFlow contender builds. On
this backend Keras's steps are pure functions of the model's state: ``train_function(state,
data)`` returns the new trainable, non-trainable, optimizer and metric values instead of
assigning them. A step here is what ``fit`` runs per batch: it keeps that state between calls and
puts it back into the Keras variables only when something reads them (weights, a forward pass,
gradients), as ``fit`` does at the end of an epoch (``jax_state_sync``). The loss tracker is
restarted each step, so the loss returned is the step's, not a running mean. Gradients for the
parity check come from ``jax.value_and_grad`` of the model's ``stateless_call``.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-jax")  # KERAS_BACKEND=jax before keras is imported

from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from showdown.errors import FrameworkUnavailable  # noqa: E402
from showdown.frameworks.base import MODES, OptimizerSpec, check_backend, check_mode, read_bindings, scalar_writer_missing, write_bindings  # noqa: E402
from showdown.frameworks.jaxruntime import JaxRuntime  # noqa: E402
from showdown.frameworks.kerasnet import KerasOnBackend, Model, build, optimizer  # noqa: E402
from showdown.models import spec as S  # noqa: E402

check_backend("keras-jax")  # Keras reports the backend it really runs on

_KINDS = ("trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables")


@dataclass
class Batch:
    x: jax.Array
    y: jax.Array | None


def _variables(net: keras.Model, kind: str) -> list[keras.Variable]:
    if kind == "optimizer_variables":
        return list(net.optimizer.variables) if getattr(net, "optimizer", None) is not None else []
    return list(getattr(net, kind))


def synced(net: keras.Model) -> keras.Model:
    """Put the state the steps hold back into ``net``'s variables (Keras's ``jax_state_sync``); return ``net``."""
    net.jax_state_sync()
    return net


def _state(net: keras.Model) -> dict[str, list[Any]]:
    """The state the steps pass on, taken from the variables when they hold the latest values."""
    if net._jax_state_synced or not getattr(net, "_jax_state", None):
        net._jax_state = {kind: [v.value for v in _variables(net, kind)] for kind in _KINDS}
        net._jax_state_synced = False
    # Keras tracks what is set on a model (lists become TrackedLists, which jax does not take)
    return {kind: list(values) for kind, values in net._jax_state.items()}


class Adapter(KerasOnBackend, JaxRuntime):
    """The Keras-on-JAX side of the :class:`~showdown.frameworks.base.Framework` protocol."""

    name = "keras-jax"
    modes = MODES["keras-jax"]

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        with jax.default_device(self.device or jax.devices("cpu")[0]):
            return build(spec, weights)

    def native(self, model: Model) -> keras.Model:
        """The Keras model, its variables holding the state the steps left (what is exported)."""
        return synced(model.net)

    def load_weights(self, model: Model, weights: Mapping[str, np.ndarray]) -> None:
        synced(model.net)  # the steps' state first, so the next step takes the values written here
        write_bindings(model.bindings, weights)

    def get_weights(self, model: Model, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        synced(model.net)
        return read_bindings(model.bindings, trainable_only)

    def optimizer(self, model: Model, spec: OptimizerSpec) -> keras.optimizers.Optimizer:
        synced(model.net)
        return optimizer(model, spec)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        device = self.device or jax.devices("cpu")[0]
        return Batch(jax.device_put(np.ascontiguousarray(x), device), jax.device_put(y, device) if y is not None else None)

    def forward(self, model: Model, batch: Batch, *, training: bool = False) -> np.ndarray:
        return np.asarray(synced(model.net)(batch.x, training=training))

    def gradients(self, model: Model, batch: Batch) -> tuple[float, dict[str, np.ndarray]]:
        net = synced(model.net)
        trainable = [v.value for v in net.trainable_variables]
        frozen = [v.value for v in net.non_trainable_variables]

        def loss(values: list[jax.Array]) -> jax.Array:
            logits, _ = net.stateless_call(values, frozen, batch.x, training=True)
            return model.loss(batch.y, logits)

        value, grads = jax.value_and_grad(loss)(trainable)
        by_variable = {id(v): g for v, g in zip(net.trainable_variables, grads)}
        out = {n: np.array(b.from_native(np.asarray(by_variable[id(b.variable)]))) for n, b in model.bindings.items() if b.trainable}
        return float(value), out

    def _compiled(self, model: Model, opt: keras.optimizers.Optimizer | None, jit: bool, train: bool) -> keras.Model:
        """``model``'s Keras model, (re)compiled when another callable compiled it since (compile drops the steps)."""
        net = model.net
        wanted = net.train_function if train else net.predict_function
        if wanted is None or net.jit_compile != jit or (train and net.optimizer is not opt):
            synced(net)  # the state of the steps compiled before, into the variables the new ones start from
            net.compile(optimizer=opt if train else getattr(net, "optimizer", None), loss=model.loss, jit_compile=jit)
            net.make_train_function() if train else net.make_predict_function()
        return net

    def train_step(self, model: Model, optimizer: keras.optimizers.Optimizer, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        jit = mode == "jit"

        def step(batch: Batch) -> Any:
            net = self._compiled(model, optimizer, jit, train=True)
            state = _state(net)
            metrics = [jnp.zeros_like(m) for m in state["metrics_variables"]]  # this step's loss, not a running mean
            logs, new = net.train_function(tuple(state[k] for k in _KINDS[:3]) + (metrics,), iter([(batch.x, batch.y)]))
            net._jax_state = dict(zip(_KINDS, new))
            return self.keep(logs["loss"])

        return step

    def predict(self, model: Model, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        jit = mode == "jit"

        def run(batch: Batch) -> Any:
            net = self._compiled(model, None, jit, train=False)
            state = _state(net)
            out, (trainable, frozen) = net.predict_function((state[_KINDS[0]], state[_KINDS[1]]), iter([(batch.x,)]))
            net._jax_state = {**state, _KINDS[0]: trainable, _KINDS[1]: frozen}
            return self.keep(out)

        return run

    def scalar_writer(self, logdir: str) -> Any:
        reason = scalar_writer_missing(self.name)
        if reason:
            raise FrameworkUnavailable(reason)
        from showdown.frameworks.tfsummary import Scalars

        return Scalars(logdir)
