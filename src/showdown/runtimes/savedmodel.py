"""TensorFlow SavedModels: running them with ``tf.saved_model.load``, without Keras.

A SavedModel holds its graph and weights; loading it needs TensorFlow only, whichever framework
wrote it (Keras on TensorFlow, or Keras on JAX through ``jax2tf``, whose graph holds the model as one
``XlaCallModule`` op that TensorFlow runs with XLA). This module imports tensorflow, never keras.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter, before its import

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def _set_threads(threads: Any) -> None:
    if not threads:
        return
    try:  # only possible before TensorFlow's runtime starts (a fresh runtime process)
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except RuntimeError:
        pass


class Runner:
    """A SavedModel loaded with ``tf.saved_model.load``, called through its serving endpoint.

    Args:
        artifact: The SavedModel's folder.
        info: The exporter's dict; ``endpoint`` names the function to call (``serve``), ``threads``
            sets TensorFlow's intra- and inter-op pools.
    """

    def __init__(self, artifact: str | Path, info: dict[str, Any]) -> None:
        _set_threads(info.get("threads"))
        self.loaded = tf.saved_model.load(str(artifact))
        self.serve = getattr(self.loaded, info.get("endpoint", "serve"))

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits (float32) for canonical-layout input ``x``."""
        return np.asarray(self.serve(tf.constant(x, tf.float32)), dtype=np.float32)


def runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load ``artifact`` (see :mod:`showdown.deploy.paths` for the contract)."""
    return Runner(artifact, info)
