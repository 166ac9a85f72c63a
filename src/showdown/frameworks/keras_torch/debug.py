"""Keras-on-PyTorch side of :mod:`showdown.devx.debug`: probes and graph counts under ``jit_compile``.

``jit`` is Keras's ``compile(jit_compile=True)``, which on this backend runs the predict step
through ``torch.compile``: Dynamo traces Keras's Python, so graph breaks and recompiles are Dynamo's
and are counted with its counters, as for PyTorch.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-torch")  # KERAS_BACKEND=torch before keras is imported

from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402

from showdown.devx.debug import Probe  # noqa: E402
from showdown.frameworks.base import MODES as _MODES  # noqa: E402
from showdown.frameworks.kerasnet import PROBES  # noqa: E402
from showdown.frameworks.torch.debug import _break_events, dynamo_compilation, is_concrete, reset, untraced  # noqa: E402

MODES = _MODES["keras-torch"]
__all__ = ["MODES", "compilation", "is_concrete", "probe", "reset", "untraced"]


def probe(kind: str, mode: str) -> Probe:
    """A fresh probe model of ``kind``, called as-is (``eager``) or by Keras's jit-compiled predict step."""
    model = PROBES[kind]()
    x = keras.ops.ones((3, 4))
    model.compile(jit_compile=mode == "jit")
    model.make_predict_function()

    def report() -> dict[str, Any]:
        count, reasons = _break_events()
        return {"graph_breaks": count, "break_reasons": reasons}

    return Probe(warmup=lambda: model(x, training=False), call=lambda: model.predict_function([(x,)]), report=report)


def compilation(model: Any, batches: Sequence[Any]) -> dict[str, Any]:
    """Graphs and breaks (from ``explain`` on the first batch), then compiles after each batch.

    Args:
        model: An adapter-built model (``.net`` is the Keras model), run in inference mode.
        batches: Adapter batches; only ``.x`` is used.

    Returns:
        As :func:`showdown.frameworks.torch.debug.dynamo_compilation`.
    """
    net = model.net
    return dynamo_compilation(lambda x: net(x, training=False), batches,
                              "torch._dynamo.explain; torch.compile(backend=<graph counter>) of the Keras model's call for compiles")
