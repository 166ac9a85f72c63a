"""Read TensorBoard event files back in tests, whichever framework wrote them."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


def read_scalars(logdir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in the event files directly under ``logdir``, by tag, as ``(step, value)`` in file order.

    A scalar is either a ``simple_value`` (torch's SummaryWriter) or a rank-0 float tensor tagged
    for the scalars plugin (TensorFlow's summary ops).
    """
    out: dict[str, list[tuple[int, float]]] = {}
    for path in event_files(logdir):
        for event in _events(path):
            for value in event.summary.value:
                out.setdefault(value.tag, []).append((int(event.step), _number(value)))
    return out


def event_files(logdir: str | Path) -> list[Path]:
    """The event files directly under ``logdir``, oldest first."""
    return sorted(Path(logdir).glob("events.out.tfevents.*"))


def _events(path: Path) -> Iterator[Any]:
    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow as tf

        yield from tf.compat.v1.train.summary_iterator(str(path))
    else:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

        yield from EventFileLoader(str(path)).Load()


def _number(value: Any) -> float:
    if value.HasField("simple_value"):
        return float(value.simple_value)
    assert value.metadata.plugin_data.plugin_name == "scalars", value
    tensor = value.tensor
    assert not tensor.tensor_shape.dim, "not a scalar"
    if tensor.tensor_content:
        return float(np.frombuffer(tensor.tensor_content, np.float32)[0])
    return float(tensor.float_val[0])
