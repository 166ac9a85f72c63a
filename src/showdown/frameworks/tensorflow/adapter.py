"""TensorFlow adapter (Keras 3 on the TensorFlow backend): the only module that imports tensorflow.

Each spec layer becomes the Keras layer a TensorFlow user would write, assembled with the
functional API (:mod:`showdown.frameworks.kerasnet`, shared with the Keras contenders on other
backends). Images run in NHWC, TensorFlow's native layout, so inputs need no conversion.
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
from showdown.frameworks.base import MODES, check_backend, check_mode  # noqa: E402
from showdown.frameworks.kerasnet import KerasAdapter, Model, build  # noqa: E402
from showdown.frameworks.tfsummary import Scalars  # noqa: E402
from showdown.models import spec as S  # noqa: E402

check_backend("tensorflow")  # Keras reports the backend it really runs on


@dataclass
class Batch:
    x: tf.Tensor
    y: tf.Tensor | None


_COMPILE = {"eager": None, "function": {}, "xla": {"jit_compile": True}}


def _wrap(fn: Callable, mode: str) -> Callable:
    options = _COMPILE[mode]
    return fn if options is None else tf.function(fn, **options)


class Adapter(KerasAdapter):
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
        info = dict(tf.sysconfig.get_build_info())
        x86 = platform.machine() in ("x86_64", "AMD64")
        return {
            "version": tf.__version__,
            "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "cuda_build": info.get("cuda_version"),
            "cudnn": info.get("cudnn_version"),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1" if x86 else "0") != "0",
            "xla": True,
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
            "gpu": [d.name for d in tf.config.list_physical_devices("GPU")] or None,
            "machine": platform.machine(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("TF_", "KERAS", "OMP_"))},
        }

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        with tf.device(self.device):
            return build(spec, weights)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        with tf.device(self.device):
            tx = tf.identity(tf.convert_to_tensor(x))
            ty = tf.identity(tf.convert_to_tensor(y)) if y is not None else None
        return Batch(tx, ty)

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
