"""Deployment paths: routes from a model in one framework to a running artifact in a runtime.

A path is exported in a process of its source framework (``exporter``) and run in a fresh
process that imports only its target runtime (``runner``), so load time, latency and memory
belong to the runtime alone. This module imports nothing heavy: it is the registry the parent
validates names against.

Exporter contract — ``exporter(model, spec, out_dir, calibration) -> dict``, called in the source
framework's process with the adapter's ``native(model)`` (the ``nn.Module``, the Keras model with
its trained state, native JAX's inference view of the Flax module), the :class:`~showdown.models.spec.ModelSpec`, an empty folder, and float32
calibration inputs in the canonical layout (digits training examples). It writes the artifact in
``out_dir`` and returns ``{"artifact": str(path), "input_layout": "NHWC"|"NCHW"|..., ...notes}``;
it raises on failure (the message is recorded verbatim).

Runner contract — ``runner(artifact, info) -> Runner`` where ``info`` is the exporter's dict;
``Runner.run(x: np.ndarray) -> np.ndarray`` takes canonical-layout float32 input of any batch size
the artifact accepts and returns logits as float32 numpy.
"""

from __future__ import annotations

from showdown.errors import unknown
from showdown.frameworks.base import CONTENDERS
from showdown.frameworks.contender import PathInfo
from showdown.models.spec import ModelSpec

__all__ = ["PATHS", "PathInfo", "get", "input_layout"]

#: Every contender's paths, in registration order (each contender declares its own).
PATHS: dict[str, PathInfo] = {p.name: p for c in CONTENDERS.values() for p in c.paths}


def get(name: str) -> PathInfo:
    """The path called ``name``, or the standard error naming the valid ones."""
    if name not in PATHS:
        raise unknown("deployment path", name, PATHS)
    return PATHS[name]


def input_layout(spec: ModelSpec, *, channels_first: bool = False) -> str:
    """The layout name an artifact of ``spec`` takes: ``NHWC`` (``NCHW`` when ``channels_first``), ``NTF`` or ``NF``."""
    if spec.is_image:
        return "NCHW" if channels_first else "NHWC"
    return "NTF" if len(spec.input_shape) == 2 else "NF"
