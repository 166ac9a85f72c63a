"""Deployment paths: routes from a model in one framework to a running artifact in a runtime.

A path is exported in a process of its source framework (``exporter``) and run in a fresh
process that imports only its target runtime (``runner``), so load time, latency and memory
belong to the runtime alone. This module imports nothing heavy: it is the registry the parent
validates names against.

Exporter contract — ``exporter(model, spec, out_dir, calibration) -> dict``, called in the source
framework's process with the adapter's model handle (``model.module`` for torch, ``model.net``
for tensorflow), the :class:`~showdown.models.spec.ModelSpec`, an empty folder, and float32
calibration inputs in the canonical layout (digits training examples). It writes the artifact in
``out_dir`` and returns ``{"artifact": str(path), "input_layout": "NHWC"|"NCHW"|..., ...notes}``;
it raises on failure (the message is recorded verbatim).

Runner contract — ``runner(artifact, info) -> Runner`` where ``info`` is the exporter's dict;
``Runner.run(x: np.ndarray) -> np.ndarray`` takes canonical-layout float32 input of any batch size
the artifact accepts and returns logits as float32 numpy.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from showdown.errors import unknown


@dataclass(frozen=True)
class PathInfo:
    """One deployment path and what it needs."""

    name: str
    framework: str
    runtime: str
    exporter: str  # "module:function", imported in the source framework's process
    runner: str  # "module:function", imported in a process holding only the runtime
    quantization: str | None = None  # int8-dynamic | int8-static | int8-full | float16
    requires: tuple[str, ...] = ()  # import names the export and run need
    install: str = ""  # what to pip install when one is missing
    batch_sizes: tuple[int, ...] = (1, 32)  # some artifacts are exported for a fixed batch

    def missing(self) -> list[str]:
        """Import names among ``requires`` that are not installed (checked without importing)."""
        return [name for name in self.requires if importlib.util.find_spec(name.split(".")[0]) is None]


_T = "showdown.frameworks.torch_deploy"
_F = "showdown.frameworks.tensorflow_deploy"
_ORT = "showdown.runtimes.onnxruntime:runner"
_LITERT = "showdown.runtimes.litert:runner"
_ET = "showdown.runtimes.executorch:runner"
_ORT_PIP = "pip install onnx onnxruntime onnxscript"

PATHS: dict[str, PathInfo] = {
    p.name: p
    for p in (
        PathInfo("torchscript", "torch", "torch", f"{_T}:export_torchscript", f"{_T}:torchscript_runner", requires=("torch",)),
        PathInfo("torch-export", "torch", "torch", f"{_T}:export_program", f"{_T}:program_runner", requires=("torch",)),
        PathInfo("aoti", "torch", "torch", f"{_T}:export_aoti", f"{_T}:aoti_runner", requires=("torch",), install="a C++ compiler (g++) on PATH"),
        PathInfo("onnx-ort", "torch", "onnxruntime", f"{_T}:export_onnx", _ORT, requires=("onnx", "onnxruntime", "onnxscript"), install=_ORT_PIP),
        PathInfo("onnx-ort-int8-dynamic", "torch", "onnxruntime", f"{_T}:export_onnx_int8_dynamic", _ORT, "int8-dynamic", ("onnx", "onnxruntime", "onnxscript"), _ORT_PIP),
        PathInfo("onnx-ort-int8-static", "torch", "onnxruntime", f"{_T}:export_onnx_int8_static", _ORT, "int8-static", ("onnx", "onnxruntime", "onnxscript"), _ORT_PIP),
        PathInfo("executorch-xnnpack", "torch", "executorch", f"{_T}:export_executorch", _ET, requires=("executorch",), install="pip install executorch"),
        PathInfo("executorch-xnnpack-int8", "torch", "executorch", f"{_T}:export_executorch_int8", _ET, "int8-static", ("executorch",), "pip install executorch"),
        PathInfo("savedmodel", "tensorflow", "tensorflow", f"{_F}:export_savedmodel", f"{_F}:savedmodel_runner", requires=("tensorflow",)),
        PathInfo("litert", "tensorflow", "litert", f"{_F}:export_litert", _LITERT, requires=("ai_edge_litert",), install="pip install ai-edge-litert"),
        PathInfo("litert-int8-dynamic", "tensorflow", "litert", f"{_F}:export_litert_int8_dynamic", _LITERT, "int8-dynamic", ("ai_edge_litert",), "pip install ai-edge-litert"),
        PathInfo("litert-int8-full", "tensorflow", "litert", f"{_F}:export_litert_int8_full", _LITERT, "int8-full", ("ai_edge_litert",), "pip install ai-edge-litert"),
        PathInfo("litert-fp16", "tensorflow", "litert", f"{_F}:export_litert_fp16", _LITERT, "float16", ("ai_edge_litert",), "pip install ai-edge-litert"),
        PathInfo("tf-onnx-ort", "tensorflow", "onnxruntime", f"{_F}:export_onnx", _ORT, requires=("tf2onnx", "onnx", "onnxruntime"), install="pip install tf2onnx onnx onnxruntime"),
        PathInfo("tf-onnx-ort-int8-dynamic", "tensorflow", "onnxruntime", f"{_F}:export_onnx_int8_dynamic", _ORT, "int8-dynamic", ("tf2onnx", "onnx", "onnxruntime"), "pip install tf2onnx onnx onnxruntime"),
        PathInfo("tf-onnx-ort-int8-static", "tensorflow", "onnxruntime", f"{_F}:export_onnx_int8_static", _ORT, "int8-static", ("tf2onnx", "onnx", "onnxruntime"), "pip install tf2onnx onnx onnxruntime"),
    )
}
RUNTIMES = ("torch", "tensorflow", "onnxruntime", "litert", "executorch")


def get(name: str) -> PathInfo:
    """The path called ``name``, or the standard error naming the valid ones."""
    if name not in PATHS:
        raise unknown("deployment path", name, PATHS)
    return PATHS[name]
