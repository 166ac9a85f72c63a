"""showdown: PyTorch or TensorFlow, measured on your machine with the same model on both sides."""

from __future__ import annotations

__version__ = "0.1.0"
