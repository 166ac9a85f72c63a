"""The spec as a Keras 3 functional model, on whichever backend Keras runs: what the Keras contenders share.

The TensorFlow contender and the Keras contenders on other backends (``keras-torch``, ...) build the
same Keras model from the spec with the same layers, bound to the spec's canonical tensors, so
weights load identically everywhere (Keras keeps one kernel layout on every backend: dense
``(in, out)``, conv ``HWIO``, LSTM gates ``i, f, c, o`` in one fused kernel). What differs per backend
— tensors, gradients, compilation, threads — stays in each contender's adapter.

Import this module only after the contender's environment is set (``KERAS_BACKEND``): its adapter
calls :func:`showdown.frameworks.registry.prepare` first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from showdown.devx.debug import MARKER
from showdown.frameworks.base import OptimizerSpec, VariableBinding, read_bindings, same, write_bindings
from showdown.models import spec as S


class Binding(VariableBinding):
    """Ties one canonical tensor to a Keras variable."""

    def get(self) -> np.ndarray:
        return np.asarray(self.variable.numpy())

    def set(self, value: np.ndarray) -> None:
        self.variable.assign(value)


class PositionalEmbedding(keras.layers.Layer):
    """Adds a learned (time, features) table to its input."""

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.table = self.add_weight(shape=tuple(input_shape[-2:]), initializer="zeros", name="table")

    def call(self, x: Any) -> Any:
        return x + self.table


def _key(name: str) -> str:
    return name.replace(".", "_")


class Builder:
    """Applies spec layers to a symbolic Keras tensor, collecting one binding per canonical tensor.

    A stride-2 convolution with symmetric padding is ``ZeroPadding2D`` + a ``valid`` convolution,
    because Keras's ``same`` pads asymmetrically when the stride does not divide the kernel.
    """

    def __init__(self) -> None:
        self.bindings: dict[str, Binding] = {}
        self._pending: list[Callable[[], None]] = []

    def chain(self, layers: tuple[S.Layer, ...], x: Any, shape: S.Shape) -> tuple[Any, S.Shape]:
        for layer in layers:
            x = getattr(self, "_" + type(layer).__name__.lower())(layer, x, shape)
            shape = layer.output_shape(shape)
        return x, shape

    def _bind(self, name: str, variable: keras.Variable, to: Callable = same, back: Callable = same, trainable: bool = True) -> None:
        self.bindings[name] = Binding(variable, to, back, trainable)

    def _dense(self, layer: S.Dense, x: Any, shape: S.Shape) -> Any:
        dense = keras.layers.Dense(layer.units, activation=layer.activation, use_bias=layer.use_bias, name=_key(layer.name))
        y = dense(x)
        self._bind(f"{layer.name}.kernel", dense.kernel)
        if layer.use_bias:
            self._bind(f"{layer.name}.bias", dense.bias)
        return y

    def _conv2d(self, layer: S.Conv2d, x: Any, shape: S.Shape) -> Any:
        if layer.stride == 1 and layer.padding == layer.kernel // 2:
            padding = "same"
        else:
            if layer.padding:
                x = keras.layers.ZeroPadding2D(layer.padding, name=_key(layer.name) + "_pad")(x)
            padding = "valid"
        conv = keras.layers.Conv2D(layer.filters, layer.kernel, layer.stride, padding, use_bias=layer.use_bias, name=_key(layer.name))
        y = conv(x)
        self._bind(f"{layer.name}.kernel", conv.kernel)
        if layer.use_bias:
            self._bind(f"{layer.name}.bias", conv.bias)
        return y

    def _batchnorm(self, layer: S.BatchNorm, x: Any, shape: S.Shape) -> Any:
        # Keras's momentum is the weight of the old running value; the spec uses PyTorch's convention.
        bn = keras.layers.BatchNormalization(momentum=1.0 - layer.momentum, epsilon=layer.eps, name=_key(layer.name))
        y = bn(x)
        self._bind(f"{layer.name}.gamma", bn.gamma)
        self._bind(f"{layer.name}.beta", bn.beta)
        self._bind(f"{layer.name}.moving_mean", bn.moving_mean, trainable=False)
        self._bind(f"{layer.name}.moving_var", bn.moving_variance, trainable=False)
        return y

    def _layernorm(self, layer: S.LayerNorm, x: Any, shape: S.Shape) -> Any:
        ln = keras.layers.LayerNormalization(epsilon=layer.eps, name=_key(layer.name))
        y = ln(x)
        self._bind(f"{layer.name}.gamma", ln.gamma)
        self._bind(f"{layer.name}.beta", ln.beta)
        return y

    def _activation(self, layer: S.Activation, x: Any, shape: S.Shape) -> Any:
        return keras.layers.Activation(layer.kind)(x)

    def _globalavgpool(self, layer: S.GlobalAvgPool, x: Any, shape: S.Shape) -> Any:
        pool = keras.layers.GlobalAveragePooling2D() if len(shape) == 3 else keras.layers.GlobalAveragePooling1D()
        return pool(x)

    def _residual(self, layer: S.Residual, x: Any, shape: S.Shape) -> Any:
        body, _ = self.chain(layer.body, x, shape)
        shortcut, _ = self.chain(layer.shortcut, x, shape)
        y = keras.layers.Add(name=_key(layer.name) + "_add")([body, shortcut])
        return keras.layers.Activation(layer.post)(y) if layer.post else y

    def _lstm(self, layer: S.LSTM, x: Any, shape: S.Shape) -> Any:
        for i in range(layer.layers):
            lstm = keras.layers.LSTM(layer.units, return_sequences=i < layer.layers - 1, name=f"{_key(layer.name)}_{i}")
            x = lstm(x)
            cell, n = lstm.cell, f"{layer.name}.{i}"
            self._bind(f"{n}.kernel", cell.kernel)
            self._bind(f"{n}.recurrent_kernel", cell.recurrent_kernel)
            self._bind(f"{n}.bias", cell.bias)
        return x

    def _positionalembedding(self, layer: S.PositionalEmbedding, x: Any, shape: S.Shape) -> Any:
        pos = PositionalEmbedding(name=_key(layer.name))
        y = pos(x)
        self._bind(f"{layer.name}.table", pos.table)
        return y

    def _transformerblock(self, layer: S.TransformerBlock, x: Any, shape: S.Shape) -> Any:
        d, n, k = shape[-1], layer.name, _key(layer.name)
        hd = d // layer.heads
        h = self._layernorm(S.LayerNorm(f"{n}.ln1", layer.eps), x, shape)
        mha = keras.layers.MultiHeadAttention(layer.heads, hd, use_bias=False, dropout=layer.dropout, name=k + "_attn")
        h = mha(h, h, h)
        for w, dense in (("wq", mha.query_dense), ("wk", mha.key_dense), ("wv", mha.value_dense)):
            self._bind(f"{n}.attn.{w}", dense.kernel, lambda a, hd=hd: a.reshape(d, -1, hd), lambda a: a.reshape(d, d))
        self._bind(f"{n}.attn.wo", mha.output_dense.kernel, lambda a, hd=hd: a.reshape(-1, hd, d), lambda a: a.reshape(d, d))
        x = keras.layers.Add()([x, keras.layers.Dropout(layer.dropout)(h)])
        h = self._layernorm(S.LayerNorm(f"{n}.ln2", layer.eps), x, shape)
        h = self._dense(S.Dense(f"{n}.mlp1", layer.mlp_dim, "gelu"), h, shape)
        h = keras.layers.Dropout(layer.dropout)(h)
        h = self._dense(S.Dense(f"{n}.mlp2", d), h, shape)
        return keras.layers.Add()([x, keras.layers.Dropout(layer.dropout)(h)])


@dataclass
class Model:
    """A built model: the Keras model plus its bindings to canonical names."""

    net: keras.Model
    bindings: dict[str, Binding]
    spec: S.ModelSpec
    loss: keras.losses.Loss

    @property
    def trainable(self) -> list[keras.Variable]:
        return [b.variable for b in self.bindings.values() if b.trainable]


def build(spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
    """Build ``spec`` as a Keras functional model and load the canonical ``weights`` into it."""
    builder = Builder()
    inputs = keras.Input(shape=spec.input_shape, name="inputs")
    outputs, _ = builder.chain(spec.layers, inputs, spec.input_shape)
    net = keras.Model(inputs, outputs, name=f"{spec.workload}_{spec.preset}")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = Model(net, builder.bindings, spec, loss)
    write_bindings(model.bindings, weights)
    return model


def layout(spec: S.ModelSpec) -> str:
    """Keras's layouts are the canonical ones on every backend."""
    if spec.is_image:
        return "NHWC (canonical layout, no conversion)"
    return "(batch, time, features)" if len(spec.input_shape) == 2 else "(batch, features)"


def export_savedmodel(model: keras.Model, spec: S.ModelSpec, out_dir: Any, exporter: str) -> dict[str, Any]:
    """Keras's own SavedModel export (``Model.export(format="tf_saved_model")``) into ``out_dir/savedmodel``.

    One ``serve`` endpoint with a dynamic batch, on whichever backend Keras runs (on JAX, through
    ``jax2tf``). Returns the info dict of :mod:`showdown.deploy.paths`, ``exporter`` naming the route.
    """
    from pathlib import Path

    from showdown.deploy.paths import input_layout

    path = Path(out_dir) / "savedmodel"
    model.export(str(path), format="tf_saved_model", verbose=False)
    return {"artifact": str(path), "input_layout": input_layout(spec), "exporter": exporter, "endpoint": "serve"}


def unrolled(model: keras.Model) -> keras.Model | None:
    """A copy of ``model`` with every recurrent layer unrolled (same weights), or None if it has none.

    Converters that cannot lower a recurrent loop over a dynamic batch take the unrolled copy.
    """
    if not any(isinstance(layer, keras.layers.RNN) for layer in model.layers):
        return None

    def clone(layer: Any) -> Any:
        config = layer.get_config()
        if isinstance(layer, keras.layers.RNN):
            config["unroll"] = True
        return layer.__class__.from_config(config)

    # clone_model compiles the copy as the model was compiled, which fails for a model compiled
    # without an optimizer (for predictions only: Keras 3.15's compile_from_config builds None)
    compiled, model.compiled = model.compiled, False
    try:
        copy = keras.models.clone_model(model, clone_function=clone)
    finally:
        model.compiled = compiled
    copy.set_weights(model.get_weights())
    return copy


def optimizer(model: Model, spec: OptimizerSpec) -> keras.optimizers.Optimizer:
    """The Keras optimizer of ``spec``, built over the model's trainable variables in Keras's order.

    Keras's trainer on JAX hands the optimizer its variables by position, in the order
    ``trainable_variables`` lists them (``stateless_apply``), so it is built in that order.
    """
    if spec.name == "sgd":
        opt = keras.optimizers.SGD(learning_rate=spec.lr, momentum=spec.momentum)
    else:
        opt = keras.optimizers.Adam(learning_rate=spec.lr, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
    opt.build(model.net.trainable_variables)
    return opt


class PrintProbe(keras.Model):
    """A dense layer whose ``call`` prints a marker (a debuggability probe, :mod:`showdown.devx.debug`)."""

    def __init__(self) -> None:
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x: Any) -> Any:
        print(MARKER)
        return self.dense(x)


class BreakpointProbe(keras.Model):
    """A dense layer whose ``call`` calls ``breakpoint()`` (a debuggability probe)."""

    def __init__(self) -> None:
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x: Any) -> Any:
        breakpoint()
        return self.dense(x)


PROBES = {"print": PrintProbe, "breakpoint": BreakpointProbe}


class KerasAdapter:
    """The parts of the :class:`~showdown.frameworks.base.Framework` protocol every Keras backend shares.

    Each Keras contender's adapter subclasses it and adds what its backend does its own way:
    configure, environment, batch, gradients, train_step, predict, sync, memory, scalar writer.
    """

    def layout(self, spec: S.ModelSpec) -> str:
        return layout(spec)

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        return build(spec, weights)

    def native(self, model: Model) -> Any:
        return model.net

    def load_weights(self, model: Model, weights: Mapping[str, np.ndarray]) -> None:
        write_bindings(model.bindings, weights)

    def get_weights(self, model: Model, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        return read_bindings(model.bindings, trainable_only)

    def optimizer(self, model: Model, spec: OptimizerSpec) -> keras.optimizers.Optimizer:
        return optimizer(model, spec)

    def forward(self, model: Model, batch: Any, *, training: bool = False) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(model.net(batch.x, training=training)))

    def numpy(self, value: Any) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(value))


class KerasOnBackend(KerasAdapter):
    """Keras on a backend other than TensorFlow: threads, seeds and versions from the backend's runtime.

    Subclassed together with that runtime (``Adapter(KerasOnBackend, JaxRuntime)``), which comes
    next in the method order and configures the backend; this adds Keras's seed and versions.
    """

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        settings = super().configure(threads=threads, inter_op_threads=inter_op_threads, device=device, seed=seed)  # type: ignore[misc]
        keras.utils.set_random_seed(seed)
        return {**settings, "dtype": keras.config.floatx()}

    def environment(self) -> dict[str, Any]:
        return {**super().environment(), "version": keras.__version__, "keras": keras.__version__, "keras_backend": keras.backend.backend()}  # type: ignore[misc]
