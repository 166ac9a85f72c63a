"""TensorFlow side of :mod:`showdown.devx.debug`: probes and tracing counts under ``tf.function``.

``function`` is ``tf.function`` and ``xla`` is ``tf.function(jit_compile=True)``, as in the adapter.
A traced function is one graph: TensorFlow has no graph breaks. Python that is not a TensorFlow op
(a ``print``, a ``breakpoint()``) runs while the function is traced, not when the graph runs, so
the count of traces is what decides how often it fires; ``experimental_get_tracing_count`` gives it.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("tensorflow")  # its Keras backend and log level, before tensorflow or keras is imported

from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import tensorflow as tf  # noqa: E402

from showdown.devx.debug import Probe  # noqa: E402
from showdown.frameworks.base import MODES as _MODES  # noqa: E402
from showdown.frameworks.kerasnet import PROBES  # noqa: E402

MODES = _MODES["tensorflow"]
_COMPILE = {"function": {}, "xla": {"jit_compile": True}}


def reset() -> None:
    """Nothing to drop: every measurement makes its own ``tf.function``."""


def untraced(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` unchanged: ``tf.function`` only traces the function it wraps and what that calls."""
    return fn


def _wrap(fn: Callable[[tf.Tensor], tf.Tensor], mode: str) -> Callable[[tf.Tensor], tf.Tensor]:
    return fn if mode == "eager" else tf.function(fn, **_COMPILE[mode])


def probe(kind: str, mode: str) -> Probe:
    """A fresh probe model of ``kind``, called as-is (``eager``) or through ``tf.function``."""
    model = PROBES[kind]()
    x = tf.ones((3, 4))

    def infer(x: tf.Tensor) -> tf.Tensor:
        return model(x, training=False)

    run = _wrap(infer, mode)

    def report() -> dict[str, Any]:
        traces = run.experimental_get_tracing_count() if hasattr(run, "experimental_get_tracing_count") else None
        return {"traces": traces}

    return Probe(warmup=lambda: model(x, training=False), call=lambda: run(x), report=report)


def is_concrete(value: Any) -> bool:
    """Whether ``value`` is a tensor holding real data (an eager tensor, not a symbolic one)."""
    return isinstance(value, tf.Tensor) and not tf.is_symbolic_tensor(value)


def compilation(model: Any, batches: Sequence[Any]) -> dict[str, Any]:
    """Traces of the adapter's inference function after each batch.

    Args:
        model: An adapter-built model (``.net`` is the Keras model).
        batches: Adapter batches; only ``.x`` is used.

    Returns:
        ``graphs`` (traces after the first call), ``graph_breaks`` (0: a trace is one graph),
        ``break_reasons`` (empty) and ``compiles``, the tracing count after each batch.
    """
    net = model.net

    @tf.function
    def infer(x: tf.Tensor) -> tf.Tensor:
        return net(x, training=False)

    compiles = []
    for batch in batches:
        infer(batch.x)
        compiles.append(int(infer.experimental_get_tracing_count()))
    return {
        "graphs": compiles[0],
        "graph_breaks": 0,
        "break_events": 0,
        "break_reasons": [],
        "compiles": compiles,
        "tool": "tf.function experimental_get_tracing_count (a trace is one whole graph: no graph breaks exist)",
    }
