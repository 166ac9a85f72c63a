"""The fake contender's adapter: PyTorch's, under another name, eager only."""

from __future__ import annotations

import os

from showdown.frameworks.torch.adapter import Adapter as TorchAdapter

# its description's environment is set before this module is imported, in every process of it
assert os.environ.get("SHOWDOWN_FAKE_CONTENDER") == "1", "the fake contender's environment was not set"


class Adapter(TorchAdapter):
    """PyTorch eager, named ``fake``."""

    name = "fake"
    modes = ("eager",)
