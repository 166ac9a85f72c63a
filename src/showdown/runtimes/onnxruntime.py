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


def saturates(cpuinfo: str | Path = "/proc/cpuinfo", machine: str | None = None) -> bool:
    """Whether this CPU's int8 kernels can saturate: an x86-64 CPU without VNNI.

    There ONNX Runtime multiplies u8 by s8 with ``vpmaddubsw``, whose int16 sums can overflow
    (its quantization guide says so, and names 7-bit weights, ``reduce_range``, as the remedy).
    Measured on a 2-core AMD EPYC VM with AVX2 and no VNNI: dynamic int8 of the digits MLP agreed
    with eager PyTorch on 95 % of argmaxes, with a deviation of 25 % of the logit scale; with
    ``reduce_range``, 99.5 % and 1.4 %. An x86-64 CPU whose flags cannot be read counts as
    saturating.
    """
    import platform

    if (machine or platform.machine()).lower() not in ("x86_64", "amd64"):
        return False
    try:
        flags = next((line for line in Path(cpuinfo).read_text().splitlines() if line.startswith("flags")), "").split()
    except OSError:
        return True
    return not ({"avx512_vnni", "avx_vnni"} & set(flags)) if flags else True


def quantizer_settings() -> dict[str, Any]:
    """The settings :func:`quantize_dynamic` and :func:`quantize_static` use on this CPU, for the artifact's info."""
    if saturates():
        return {"reduce_range": True, "reduce_range_why": "x86-64 without VNNI: 7-bit weights, as u8×s8 int16 sums can saturate here"}
    return {"reduce_range": False}


def quantize_dynamic(source: str | Path, target: str | Path) -> Path:
    """Dynamic-range int8: int8 weights, activations quantized on the fly (ONNX Runtime's tool);
    7-bit weights where this CPU's kernels can saturate (:func:`saturates`)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic as _quantize

    _quantize(str(source), str(target), weight_type=QuantType.QInt8, reduce_range=saturates())
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
    """Static int8 (QDQ) with activation ranges from ``calibration`` (canonical-layout examples);
    7-bit weights where this CPU's kernels can saturate (:func:`saturates`).

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
        quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, reduce_range=saturates(),
    )
    return Path(target)
