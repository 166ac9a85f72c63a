"""Keras-on-JAX side of :mod:`showdown.devx.debug`: probes and compile counts under ``jit_compile``.

``jit`` is Keras's ``compile(jit_compile=True)``, which on this backend runs the predict step through
``jax.jit``: the step is traced once per input shape into one XLA computation, with no graph breaks,
and Python in the model's ``call`` runs while it is traced, not when it runs.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-jax")  # KERAS_BACKEND=jax before keras is imported

from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402

from showdown.devx.debug import Probe  # noqa: E402
from showdown.frameworks.base import MODES as _MODES  # noqa: E402
from showdown.frameworks.jaxruntime import is_concrete, reset, traced, untraced  # noqa: E402
from showdown.frameworks.kerasnet import PROBES  # noqa: E402

MODES = _MODES["keras-jax"]
__all__ = ["MODES", "compilation", "is_concrete", "probe", "reset", "untraced"]


def probe(kind: str, mode: str) -> Probe:
    """A fresh probe model of ``kind``, called as-is (``eager``) or by Keras's jit-compiled predict step."""
    model = PROBES[kind]()
    x = keras.ops.ones((3, 4))
    model.compile(jit_compile=mode == "jit")
    return Probe(warmup=lambda: model(x, training=False), call=lambda: model.predict_on_batch(x))


def compilation(model: Any, batches: Sequence[Any]) -> dict[str, Any]:
    """Graphs and compiles of the Keras model's stateless call under ``jax.jit``."""
    net = model.net
    net.jax_state_sync()
    trainable = [v.value for v in net.trainable_variables]
    frozen = [v.value for v in net.non_trainable_variables]
    return traced(lambda x: net.stateless_call(trainable, frozen, x, training=False)[0], batches,
                  "jax.jit of the Keras model's stateless call; the jitted function's cache size for compiles")
