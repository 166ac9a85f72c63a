"""ExecuTorch: running ``.pte`` programs with the ExecuTorch runtime's Python bindings.

Footprint note: this is not a torch-free runtime in Python. The pip wheel's bindings import
``torch`` first (to load ``libtorch``), ``executorch.runtime`` pulls in the ``executorch.exir``
package (and with it torchao), and ``Method.execute`` accepts only ``torch.Tensor`` inputs (a
numpy array is refused: "Unsupported python type"). So a process running this path holds torch
as well; an on-device C++ deployment would not. Measured on this project's 2-core dev machine
(executorch 1.5.1, torch 2.13 CPU, warm file cache): ``import executorch.runtime`` loads 2,963
modules in 5.2 s, against 1,143 modules in 1.5 s for ``import torch`` and 184 in 0.12 s for
``import onnxruntime`` (``python -c "import sys, time; t = time.perf_counter(); import X;
print(time.perf_counter() - t, len(sys.modules))"``).

Artifacts are exported for fixed batch sizes, one method per size (see
:mod:`showdown.frameworks.torch.deploy`); ``info["methods"]`` maps batch size to method name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from showdown.errors import ConfigError


class Runner:
    """One ExecuTorch program with a loaded method per exported batch size."""

    def __init__(self, artifact: str | Path, info: dict[str, Any]) -> None:
        from executorch.runtime import Runtime

        if info.get("threads"):
            _set_threads(int(info["threads"]))
        self.layout = info.get("input_layout")
        self.program = Runtime.get().load_program(Path(artifact))
        names = info.get("methods") or {"": "forward"}
        self.methods = {(int(b) if b else None): self.program.load_method(name) for b, name in names.items()}

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits for canonical-layout input ``x``; its batch must be one the program was exported for.

        Raises:
            ConfigError: For a batch size with no method.
        """
        method = self.methods.get(len(x), self.methods.get(None))
        if method is None:
            sizes = ", ".join(str(b) for b in self.methods)
            raise ConfigError(f"this ExecuTorch program was exported for batch sizes {sizes}, got a batch of {len(x)}")
        return np.asarray(method.execute((_tensor(x, self.layout),))[0].numpy(), dtype=np.float32)


def _tensor(x: np.ndarray, layout: str | None) -> Any:
    """``x`` as a torch tensor in the program's layout with plain C-order strides.

    ExecuTorch infers a tensor's dim order from its strides, so a transposed numpy view with a
    size-1 axis (whose stride is arbitrary) can be read as channels-last and fail or, with more
    channels, silently compute garbage; a fresh C-order copy has unambiguous strides.
    """
    import torch  # the bindings take only torch tensors

    if layout == "NCHW" and x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    return torch.from_numpy(np.array(x, dtype=np.float32, order="C", copy=True))


def _set_threads(threads: int) -> None:
    """Size the XNNPACK threadpool (the bindings' only control over it)."""
    from executorch.extension.pybindings import portable_lib

    portable_lib._unsafe_reset_threadpool(threads)


def runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load ``artifact`` (see :mod:`showdown.deploy.paths` for the contract)."""
    return Runner(artifact, info)


def version() -> str:
    """ExecuTorch's version."""
    from executorch.version import __version__

    return __version__
