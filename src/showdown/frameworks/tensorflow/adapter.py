"""TensorFlow adapter (Keras 3 on the TensorFlow backend): the only module that imports tensorflow.

Each spec layer becomes the Keras layer a TensorFlow user would write, assembled with the
functional API. Images run in NHWC, TensorFlow's native layout, so inputs need no conversion.
A stride-2 convolution with symmetric padding is ``ZeroPadding2D`` + a ``valid`` convolution,
because Keras's ``same`` pads asymmetrically when the stride does not divide the kernel.
Modes: ``eager`` (the step runs op by op), ``function`` (``tf.function``), ``xla``
(``tf.function(jit_compile=True)``).
"""

from __future__ import annotations

import os

from showdown.frameworks.base import prepare

prepare("tensorflow")  # its Keras backend and log level, before tensorflow or keras is imported

import platform  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from showdown.errors import ConfigError  # noqa: E402
from showdown.frameworks.base import MODES, OptimizerSpec, check_backend, check_mode, read_bindings, write_bindings  # noqa: E402
from showdown.models import spec as S  # noqa: E402

check_backend("tensorflow")  # Keras reports the backend it really runs on


def _same(a: np.ndarray) -> np.ndarray:
    return a


@dataclass
class Binding:
    """Ties one canonical tensor to a Keras variable."""

    variable: keras.Variable
    to_native: Callable[[np.ndarray], np.ndarray] = _same
    from_native: Callable[[np.ndarray], np.ndarray] = _same
    trainable: bool = True

    def read(self) -> np.ndarray:
        return np.array(self.from_native(np.asarray(self.variable.numpy())))

    def write(self, value: np.ndarray) -> None:
        self.variable.assign(np.ascontiguousarray(self.to_native(value)))


class PositionalEmbedding(keras.layers.Layer):
    """Adds a learned (time, features) table to its input."""

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.table = self.add_weight(shape=tuple(input_shape[-2:]), initializer="zeros", name="table")

    def call(self, x: Any) -> Any:
        return x + self.table


def _key(name: str) -> str:
    return name.replace(".", "_")


class Builder:
    """Applies spec layers to a symbolic Keras tensor, collecting one binding per canonical tensor."""

    def __init__(self) -> None:
        self.bindings: dict[str, Binding] = {}
        self._pending: list[Callable[[], None]] = []

    def chain(self, layers: tuple[S.Layer, ...], x: Any, shape: S.Shape) -> tuple[Any, S.Shape]:
        for layer in layers:
            x = getattr(self, "_" + type(layer).__name__.lower())(layer, x, shape)
            shape = layer.output_shape(shape)
        return x, shape

    def _bind(self, name: str, variable: keras.Variable, to: Callable = _same, back: Callable = _same, trainable: bool = True) -> None:
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


@dataclass
class Batch:
    x: tf.Tensor
    y: tf.Tensor | None


class Scalars:
    """TensorBoard scalars through ``tf.summary``: a file writer and ``tf.summary.write``.

    ``tf.summary.scalar`` is implemented by the separate tensorboard package; the record it writes,
    a float32 scalar tensor tagged for TensorBoard's scalars plugin, is written here with
    TensorFlow's own op, so nothing beyond TensorFlow is needed.
    """

    _METADATA = tf.compat.v1.SummaryMetadata(plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name="scalars"))

    def __init__(self, logdir: str) -> None:
        self._writer = tf.summary.create_file_writer(logdir)

    def scalar(self, tag: str, value: float, step: int) -> None:
        with self._writer.as_default(), tf.device("/CPU:0"):
            tf.summary.write(tag, tf.constant(float(value), tf.float32), step=int(step), metadata=self._METADATA)

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


_COMPILE = {"eager": None, "function": {}, "xla": {"jit_compile": True}}


def _wrap(fn: Callable, mode: str) -> Callable:
    options = _COMPILE[mode]
    return fn if options is None else tf.function(fn, **options)


class Adapter:
    """The TensorFlow side of the :class:`~showdown.frameworks.base.Framework` protocol."""

    name = "tensorflow"
    modes = MODES["tensorflow"]

    def __init__(self) -> None:
        self.device = "/CPU:0"

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        try:  # only possible before TensorFlow's runtime starts
            if threads:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
            if inter_op_threads:
                tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
        except RuntimeError:
            pass
        gpus = tf.config.list_physical_devices("GPU")
        if device == "cuda" and not gpus:
            raise ConfigError("device 'cuda' is not available to tensorflow (no GPU build or no GPU): use --device cpu")
        if device == "cpu" and gpus:
            tf.config.set_visible_devices([], "GPU")
        self.device = "/GPU:0" if device == "cuda" else "/CPU:0"
        keras.utils.set_random_seed(seed)
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        inter = tf.config.threading.get_inter_op_parallelism_threads()
        return {
            "intra_op_threads": intra or os.cpu_count(),  # 0 means "all cores" to TensorFlow
            "inter_op_threads": inter or "auto",
            "device": device,
            "dtype": keras.config.floatx(),
        }

    def environment(self) -> dict[str, Any]:
        build = dict(tf.sysconfig.get_build_info())
        x86 = platform.machine() in ("x86_64", "AMD64")
        return {
            "version": tf.__version__,
            "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "cuda_build": build.get("cuda_version"),
            "cudnn": build.get("cudnn_version"),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1" if x86 else "0") != "0",
            "xla": True,
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
            "gpu": [d.name for d in tf.config.list_physical_devices("GPU")] or None,
            "machine": platform.machine(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("TF_", "KERAS", "OMP_"))},
        }

    def layout(self, spec: S.ModelSpec) -> str:
        if spec.is_image:
            return "NHWC (canonical layout, no conversion)"
        return "(batch, time, features)" if len(spec.input_shape) == 2 else "(batch, features)"

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        builder = Builder()
        with tf.device(self.device):
            inputs = keras.Input(shape=spec.input_shape, name="inputs")
            outputs, _ = builder.chain(spec.layers, inputs, spec.input_shape)
            net = keras.Model(inputs, outputs, name=f"{spec.workload}_{spec.preset}")
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model = Model(net, builder.bindings, spec, loss)
        self.load_weights(model, weights)
        return model

    def native(self, model: Model) -> Any:
        return model.net

    def load_weights(self, model: Model, weights: Mapping[str, np.ndarray]) -> None:
        write_bindings(model.bindings, weights)

    def get_weights(self, model: Model, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        return read_bindings(model.bindings, trainable_only)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        with tf.device(self.device):
            tx = tf.identity(tf.convert_to_tensor(x))
            ty = tf.identity(tf.convert_to_tensor(y)) if y is not None else None
        return Batch(tx, ty)

    def forward(self, model: Model, batch: Batch, *, training: bool = False) -> np.ndarray:
        return np.asarray(model.net(batch.x, training=training))

    def gradients(self, model: Model, batch: Batch) -> tuple[float, dict[str, np.ndarray]]:
        names = [n for n, b in model.bindings.items() if b.trainable]
        with tf.GradientTape() as tape:
            loss = model.loss(batch.y, model.net(batch.x, training=True))
        grads = tape.gradient(loss, model.trainable)
        out = {}
        for name, g in zip(names, grads):
            b = model.bindings[name]
            out[name] = np.array(b.from_native(np.asarray(g))) if g is not None else np.zeros_like(b.read())
        return float(loss), out

    def optimizer(self, model: Model, spec: OptimizerSpec) -> keras.optimizers.Optimizer:
        if spec.name == "sgd":
            opt = keras.optimizers.SGD(learning_rate=spec.lr, momentum=spec.momentum)
        else:
            opt = keras.optimizers.Adam(learning_rate=spec.lr, beta_1=spec.beta_1, beta_2=spec.beta_2, epsilon=spec.epsilon)
        opt.build(model.trainable)
        return opt

    def train_step(self, model: Model, optimizer: keras.optimizers.Optimizer, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        variables = model.trainable

        def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                loss = model.loss(y, model.net(x, training=True))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        compiled = _wrap(step, mode)
        return lambda batch: compiled(batch.x, batch.y)

    def predict(self, model: Model, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        compiled = _wrap(lambda x: model.net(x, training=False), mode)
        return lambda batch: compiled(batch.x)

    def scalar(self, value: Any) -> float:
        return float(value)

    def numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def sync(self) -> None:
        if self.device != "/CPU:0":
            tf.test.experimental.sync_devices()

    def scalar_writer(self, logdir: str) -> Scalars:
        return Scalars(logdir)

    def device_memory(self, *, reset: bool = False) -> dict[str, int] | None:
        if self.device == "/CPU:0":
            return None
        name = self.device.strip("/")  # "GPU:0"
        if reset:
            tf.config.experimental.reset_memory_stats(name)
        info = tf.config.experimental.get_memory_info(name)
        return {"current_bytes": int(info["current"]), "peak_bytes": int(info["peak"])}
