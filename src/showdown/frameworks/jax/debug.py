"""JAX side of :mod:`showdown.devx.debug`: probes and compile counts under ``jit``.

``jit`` is ``nnx.jit``, as in the adapter. A jitted function is traced once per input shape into one
XLA computation: no graph breaks exist, and Python inside it (a ``print``, a ``breakpoint()``) runs
while it is traced, seeing tracers, not when the compiled computation runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
from flax import nnx

from showdown.devx.debug import MARKER, Probe
from showdown.frameworks.base import MODES as _MODES
from showdown.frameworks.jax.adapter import merged_call
from showdown.frameworks.jaxruntime import is_concrete, reset, traced, untraced

MODES = _MODES["jax"]
__all__ = ["MODES", "compilation", "is_concrete", "probe", "reset", "untraced"]


class PrintProbe(nnx.Module):
    """A linear layer whose ``__call__`` prints a marker."""

    def __init__(self) -> None:
        self.dense = nnx.Linear(4, 2, rngs=nnx.Rngs(0))

    def __call__(self, x: Any) -> Any:
        print(MARKER)
        return self.dense(x)


class BreakpointProbe(nnx.Module):
    """A linear layer whose ``__call__`` calls ``breakpoint()``."""

    def __init__(self) -> None:
        self.dense = nnx.Linear(4, 2, rngs=nnx.Rngs(0))

    def __call__(self, x: Any) -> Any:
        breakpoint()
        return self.dense(x)


_PROBES = {"print": PrintProbe, "breakpoint": BreakpointProbe}


def probe(kind: str, mode: str) -> Probe:
    """A fresh probe module of ``kind``, called as-is (``eager``) or through ``nnx.jit``."""
    model = _PROBES[kind]()
    x = jnp.ones((3, 4))
    run = nnx.jit(lambda m, x: m(x)) if mode == "jit" else (lambda m, x: m(x))
    return Probe(warmup=lambda: model(x), call=lambda: run(model, x))


def compilation(model: Any, batches: Sequence[Any]) -> dict[str, Any]:
    """Graphs and compiles of the model's inference view under ``jit`` (see :func:`~showdown.frameworks.jaxruntime.traced`)."""
    graphdef, state = nnx.split(model.inference)
    # the state goes in as an argument: Flax may not lift variables a trace closed over (nnx.RNN's scan)
    return traced(merged_call(graphdef), batches,
                  "jax.jit of the Flax model's inference call; the jitted function's cache size for compiles", state)
