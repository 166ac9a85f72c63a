"""PyTorch, as the parent process knows it: the description every per-framework table derives from.

The modules beside this one import torch; this one imports nothing heavy.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, PathInfo, Runtime

_ORT = "showdown.runtimes.onnxruntime:runner"
_ET = "showdown.runtimes.executorch:runner"
_ORT_NEEDS = ("onnx", "onnxruntime", "onnxscript")
_ORT_PIP = "pip install onnx onnxruntime onnxscript"
_ET_PIP = "pip install executorch"

CONTENDER = Contender(
    name="torch",
    package=__name__,
    modes=("eager", "compiled"),
    # PyTorch runs eagerly unless the user compiles
    default_mode="eager",
    imports=("torch",),
    requirement="torch==2.13.0",
    distributions=("torch",),
    footprint=Runtime("torch", "import torch", ("torch",)),
    edge_runtime="executorch",
    paths=(
        PathInfo("torchscript", "torch", "torch", ".deploy:export_torchscript", ".deploy:torchscript_runner", requires=("torch",)),
        PathInfo("torch-export", "torch", "torch", ".deploy:export_program", ".deploy:program_runner", requires=("torch",)),
        PathInfo("aoti", "torch", "torch", ".deploy:export_aoti", ".deploy:aoti_runner", requires=("torch",), install="a C++ compiler (g++) on PATH"),
        PathInfo("onnx-ort", "torch", "onnxruntime", ".deploy:export_onnx", _ORT, requires=_ORT_NEEDS, install=_ORT_PIP),
        PathInfo("onnx-ort-int8-dynamic", "torch", "onnxruntime", ".deploy:export_onnx_int8_dynamic", _ORT, "int8-dynamic", _ORT_NEEDS, _ORT_PIP),
        PathInfo("onnx-ort-int8-static", "torch", "onnxruntime", ".deploy:export_onnx_int8_static", _ORT, "int8-static", _ORT_NEEDS, _ORT_PIP),
        PathInfo("executorch-xnnpack", "torch", "executorch", ".deploy:export_executorch", _ET, requires=("executorch",), install=_ET_PIP),
        PathInfo("executorch-xnnpack-int8", "torch", "executorch", ".deploy:export_executorch_int8", _ET, "int8-static", ("executorch",), _ET_PIP),
    ),
    # torch's SummaryWriter is built on the tensorboard package
    scalar_writer_needs=("tensorboard",),
    colours={"": "#d6452a", "eager": "#d6452a", "compiled": "#8c1d04"},
    # a round's process on a 2-core Intel Xeon VM took ~2-3 s with a 1 s window, import included;
    # in a quick run on a 2-core AMD EPYC VM a varying-shapes process (one fresh pass, eager) took
    # 5.7-7.0 s, a time-to-accuracy process (one seed) 4.5-6.0 s
    process_s=2.5,
    scenario_process_s={"dynamic": 6.5, "accuracy": 5.5},
    quick=True,
)
