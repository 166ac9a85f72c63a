"""Runtime adapters: each module imports only its runtime, so a process that runs an exported
artifact holds that runtime and the model, nothing else.

:data:`RUNTIMES` describes the runtimes that are not a contender's own framework (each contender
describes its own, see :class:`showdown.frameworks.contender.Contender`); this module imports none.
"""

from __future__ import annotations

from showdown.frameworks.contender import Runtime

RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        Runtime("onnxruntime", "import onnxruntime", ("onnxruntime",)),
        Runtime("litert", "from ai_edge_litert.interpreter import Interpreter", ("ai-edge-litert",)),
        # ExecuTorch's Python runtime imports torch and torchao (its bindings need torch tensors)
        Runtime("executorch", "from executorch.runtime import Runtime", ("executorch", "torch", "torchao")),
    )
}
