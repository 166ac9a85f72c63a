"""ONNX Runtime: running ONNX artifacts, and ONNX Runtime's own int8 quantization of them.

Imports onnxruntime (and onnx for quantization) only; shared by the ONNX paths of both frameworks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort


class Runner:
    """One ONNX model in an ``InferenceSession`` on the CPU execution provider."""

    def __init__(self, artifact: str | Path, info: dict[str, Any]) -> None:
        options = ort.SessionOptions()
        threads = info.get("threads")
        if threads:
            options.intra_op_num_threads = int(threads)
            options.inter_op_num_threads = int(threads)
        self.session = ort.InferenceSession(str(artifact), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.transpose = info.get("input_layout") == "NCHW"

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits for canonical-layout input ``x``."""
        if self.transpose and x.ndim == 4:
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return np.asarray(self.session.run(None, {self.input: x.astype(np.float32)})[0], dtype=np.float32)


def runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load ``artifact`` (see :mod:`showdown.deploy.paths` for the contract)."""
    return Runner(artifact, info)


def version() -> str:
    """ONNX Runtime's version."""
    return ort.__version__


def quantize_dynamic(source: str | Path, target: str | Path) -> Path:
    """Dynamic-range int8: int8 weights, activations quantized on the fly (ONNX Runtime's tool)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic as _quantize

    _quantize(str(source), str(target), weight_type=QuantType.QInt8)
    return Path(target)


class _Calibration:
    """Feeds calibration examples one batch at a time to ONNX Runtime's static quantizer."""

    def __init__(self, name: str, data: np.ndarray, batch: int) -> None:
        self._batches: Iterator[np.ndarray] = iter([data[i : i + batch] for i in range(0, len(data), batch)])
        self.name = name

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {self.name: batch.astype(np.float32)}

    def rewind(self) -> None:  # pragma: no cover - not used by a single pass
        pass


def quantize_static(source: str | Path, target: str | Path, calibration: np.ndarray, *, input_layout: str = "NHWC", batch: int = 32) -> Path:
    """Static int8 (QDQ) with activation ranges from ``calibration`` (canonical-layout examples).

    Args:
        source: The float ONNX model.
        target: Where to write the quantized model.
        calibration: Representative inputs in the canonical layout.
        input_layout: The model's input layout; ``NCHW`` inputs are transposed from NHWC.
        batch: Calibration batch size (the model's batch axis must accept it).
    """
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static as _quantize

    data = calibration
    if input_layout == "NCHW" and data.ndim == 4:
        data = np.ascontiguousarray(data.transpose(0, 3, 1, 2))
    name = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    _quantize(
        str(source), str(target), _Calibration(name, data, batch),
        quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
    )
    return Path(target)
