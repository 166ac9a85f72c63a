"""The workloads: four model families, each with size presets, built from spec layers.

``tiny`` is for tests (seconds on a laptop CPU), ``default`` for runs, ``large`` for machines with
time or a GPU. Every preset can be rebuilt for another input shape (the digits data set, say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from showdown.errors import unknown
from showdown.models.spec import (
    LSTM,
    Activation,
    BatchNorm,
    Conv2d,
    Dense,
    GlobalAvgPool,
    Layer,
    LayerNorm,
    ModelSpec,
    PositionalEmbedding,
    Residual,
    Shape,
    TransformerBlock,
)

WORKLOADS = ("mlp", "cnn", "lstm", "transformer")
PRESETS = ("tiny", "default", "large")


@dataclass(frozen=True)
class Size:
    """The knobs of one preset of one workload."""

    input_shape: Shape
    width: int
    depth: int
    heads: int = 1
    num_classes: int = 10


SIZES: dict[str, dict[str, Size]] = {
    # mlp: width = hidden units, depth = hidden layers
    "mlp": {
        "tiny": Size((64,), 32, 2),
        "default": Size((784,), 512, 3),
        "large": Size((3072,), 2048, 4),
    },
    # cnn: width = stem channels (doubled per stage), depth = stages of two residual blocks
    "cnn": {
        "tiny": Size((8, 8, 1), 8, 2),
        "default": Size((32, 32, 3), 16, 3),
        "large": Size((64, 64, 3), 64, 4),
    },
    # lstm: width = hidden units, depth = stacked layers; input is (time, features)
    "lstm": {
        "tiny": Size((8, 8), 16, 2),
        "default": Size((32, 32), 128, 2),
        "large": Size((128, 64), 512, 3),
    },
    # transformer: width = model dim, depth = encoder blocks; input is (time, features)
    "transformer": {
        "tiny": Size((8, 8), 16, 2, heads=2),
        "default": Size((64, 32), 128, 2, heads=4),
        "large": Size((128, 64), 512, 6, heads=8),
    },
}


def build(workload: str, preset: str = "default", *, input_shape: Shape | None = None, num_classes: int | None = None) -> ModelSpec:
    """Build the spec of ``workload`` at ``preset``.

    Args:
        workload: One of :data:`WORKLOADS`.
        preset: One of :data:`PRESETS`.
        input_shape: Override the preset's input shape (one example, canonical layout).
        num_classes: Override the number of classes.

    Returns:
        The model spec.

    Raises:
        ConfigError: For an unknown workload or preset.
    """
    if workload not in SIZES:
        raise unknown("workload", workload, WORKLOADS)
    if preset not in SIZES[workload]:
        raise unknown("preset", preset, PRESETS)
    size = SIZES[workload][preset]
    shape = tuple(input_shape) if input_shape is not None else size.input_shape
    classes = num_classes if num_classes is not None else size.num_classes
    layers = _BUILDERS[workload](size, shape, classes)
    return ModelSpec(workload, preset, shape, classes, tuple(layers))


def _mlp(size: Size, shape: Shape, classes: int) -> list[Layer]:
    hidden = [Dense(f"dense{i}", size.width, "relu") for i in range(size.depth)]
    return [*hidden, Dense("head", classes)]


def _block(name: str, channels: int, stride: int, in_channels: int) -> Residual:
    body = (
        Conv2d(f"{name}.conv1", channels, 3, stride, 1),
        BatchNorm(f"{name}.bn1"),
        Activation("relu"),
        Conv2d(f"{name}.conv2", channels, 3, 1, 1),
        BatchNorm(f"{name}.bn2"),
    )
    shortcut: tuple[Layer, ...] = ()
    if stride != 1 or channels != in_channels:
        shortcut = (Conv2d(f"{name}.down", channels, 1, stride, 0), BatchNorm(f"{name}.down_bn"))
    return Residual(name, body, shortcut, "relu")


def _cnn(size: Size, shape: Shape, classes: int) -> list[Layer]:
    layers: list[Layer] = [Conv2d("stem", size.width, 3, 1, 1), BatchNorm("stem_bn"), Activation("relu")]
    channels = size.width
    for stage in range(size.depth):
        out = size.width * 2**stage
        for i in range(2):
            stride = 2 if (stage > 0 and i == 0) else 1
            layers.append(_block(f"s{stage}b{i}", out, stride, channels))
            channels = out
    return [*layers, GlobalAvgPool(), Dense("head", classes)]


def _lstm(size: Size, shape: Shape, classes: int) -> list[Layer]:
    return [LSTM("lstm", size.width, size.depth), Dense("head", classes)]


def _transformer(size: Size, shape: Shape, classes: int) -> list[Layer]:
    blocks = [TransformerBlock(f"block{i}", size.heads, 2 * size.width, dropout=0.1) for i in range(size.depth)]
    return [
        Dense("embed", size.width),
        PositionalEmbedding("pos"),
        *blocks,
        LayerNorm("final_ln"),
        GlobalAvgPool(),
        Dense("head", classes),
    ]


_BUILDERS: dict[str, Callable[[Size, Shape, int], list[Layer]]] = {
    "mlp": _mlp,
    "cnn": _cnn,
    "lstm": _lstm,
    "transformer": _transformer,
}
