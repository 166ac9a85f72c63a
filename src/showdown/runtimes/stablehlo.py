"""Serialized StableHLO: running ``jax.export`` artifacts with JAX alone.

``jax.export`` lowers a jitted function to StableHLO and serializes it with its calling convention
and the platforms it was lowered for. Loading it needs JAX and its XLA runtime only — not Flax,
optax, nor the code that built the model: :func:`jax.export.deserialize` gives back an
``Exported`` whose ``call`` runs it. The call is wrapped in ``jax.jit`` so that each batch size is
compiled once (the artifact's batch dimension is symbolic), and its output is copied to numpy,
which waits for JAX's asynchronous dispatch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax import export

from showdown.frameworks.jaxruntime import limit_threads


class Runner:
    """A serialized ``jax.export`` artifact called on the CPU.

    Args:
        artifact: The file ``Exported.serialize()`` wrote.
        info: The exporter's dict; ``threads`` of 1 runs XLA's pool on one thread (XLA has no other
            count than one or every core).
    """

    def __init__(self, artifact: str | Path, info: dict[str, Any]) -> None:
        limit_threads(info.get("threads"))
        self.exported = export.deserialize(bytearray(Path(artifact).read_bytes()))
        self.call = jax.jit(self.exported.call)

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits (float32) for canonical-layout float32 input ``x``."""
        return np.asarray(self.call(np.ascontiguousarray(x, np.float32)), dtype=np.float32)


def runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load ``artifact`` (see :mod:`showdown.deploy.paths` for the contract)."""
    return Runner(artifact, info)
