"""LiteRT (formerly TensorFlow Lite): running ``.tflite`` artifacts with ``ai_edge_litert``.

Imports ``ai_edge_litert`` only, never tensorflow, so a process running an artifact holds the
LiteRT interpreter and the model alone. The input is resized, and the tensors re-allocated, only
when the batch size changes. Integer inputs and outputs (full-integer models) are quantized and
dequantized here with each tensor's own scale and zero point, so :meth:`Runner.run` always takes
and returns float32.

The pip package's interpreter has no Flex delegate: a model that needs ``SELECT_TF_OPS`` loads
but fails to prepare, which is why the exporter converts to builtin operators only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from showdown.errors import ConfigError


def _quantize(x: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    """Float input -> the tensor's dtype, through its (scale, zero point) when it is an integer."""
    dtype = detail["dtype"]
    if not np.issubdtype(dtype, np.integer):
        return x.astype(dtype, copy=False)
    scale, zero = detail["quantization"]
    limits = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zero, limits.min, limits.max).astype(dtype)


def _dequantize(y: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    """An output tensor as float32, undoing its integer quantization if it has one."""
    if not np.issubdtype(y.dtype, np.integer):
        return y.astype(np.float32, copy=False)
    scale, zero = detail["quantization"]
    return ((y.astype(np.int32) - zero) * scale).astype(np.float32)


class Runner:
    """A ``.tflite`` model in the LiteRT interpreter on the CPU (XNNPACK applies itself to float graphs).

    Args:
        artifact: The ``.tflite`` file.
        info: The exporter's dict; ``threads`` sets the interpreter's thread count (LiteRT's own
            default when absent).
    """

    def __init__(self, artifact: str | Path, info: dict[str, Any]) -> None:
        threads = info.get("threads")
        self.interpreter = Interpreter(model_path=str(artifact), num_threads=int(threads) if threads else None)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.batch = -1

    def _prepare(self, batch: int) -> None:
        if batch == self.batch:
            return
        if self.input["shape_signature"][0] == -1:
            self.interpreter.resize_tensor_input(self.input["index"], [batch, *self.input["shape"][1:]])
        elif batch != int(self.input["shape"][0]):
            raise ConfigError(f"this LiteRT model takes batch {self.input['shape'][0]} only, got {batch}")
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.batch = batch

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits (float32) for canonical-layout float32 input ``x``."""
        self._prepare(len(x))
        self.interpreter.set_tensor(self.input["index"], _quantize(np.ascontiguousarray(x), self.input))
        self.interpreter.invoke()
        return _dequantize(self.interpreter.get_tensor(self.output["index"]), self.output)


def runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load ``artifact`` (see :mod:`showdown.deploy.paths` for the contract)."""
    return Runner(artifact, info)


def version() -> str:
    """The ``ai_edge_litert`` package's version."""
    from importlib.metadata import version as _version

    return _version("ai-edge-litert")
