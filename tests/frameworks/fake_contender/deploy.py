"""The fake contender's one deployment path: PyTorch's TorchScript exporter and runner."""

from __future__ import annotations

from showdown.frameworks.torch.deploy import export_torchscript as export
from showdown.frameworks.torch.deploy import torchscript_runner as runner

__all__ = ["export", "runner"]
