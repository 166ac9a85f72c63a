"""A framework-neutral model description and its seeded weights.

A :class:`ModelSpec` is a sequence of layers whose shapes and parameters are known without any
framework. Weights are drawn once, in numpy, in a *canonical layout*; each framework adapter converts
them to its native layout when it loads them and back when it reads them out:

==================  ==========================  =============================================
layer / parameter   canonical layout            why
==================  ==========================  =============================================
Dense kernel        (in, out)                   x @ W, as Keras stores it
Conv2d kernel       (kh, kw, in, out)  (HWIO)   Keras's layout; PyTorch needs OIHW
LSTM kernels        (in, 4H), (H, 4H)           gate order i, f, g(c), o — the same in both
LSTM bias           (4H,)                       one bias per gate (PyTorch's second one is held at 0)
Attention wq/wk/wv  (D, D) with heads major     columns ``h * head_dim + j``
Attention wo        (D, D)                      rows ``h * head_dim + j``
==================  ==========================  =============================================

Inputs are canonical too: images are NHWC, sequences are (batch, time, features).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Union

import numpy as np

from showdown.errors import ConfigError

Shape = tuple[int, ...]
ACTIVATIONS = ("relu", "gelu", "tanh")


@dataclass(frozen=True)
class Param:
    """One named tensor of a model: a trainable parameter or a state buffer."""

    name: str
    shape: Shape
    kind: str  # kernel | bias | gamma | beta | moving_mean | moving_var | table
    fan_in: int = 1
    trainable: bool = True


def _check_activation(activation: str | None) -> None:
    if activation is not None and activation not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {activation!r}: choose from {', '.join(ACTIVATIONS)}")


@dataclass(frozen=True)
class Dense:
    """Affine map over the last axis, with an optional activation."""

    name: str
    units: int
    activation: str | None = None
    use_bias: bool = True

    def __post_init__(self) -> None:
        _check_activation(self.activation)

    def output_shape(self, shape: Shape) -> Shape:
        return (*shape[:-1], self.units)

    def params(self, shape: Shape) -> list[Param]:
        fan_in = shape[-1]
        out = [Param(f"{self.name}.kernel", (fan_in, self.units), "kernel", fan_in)]
        if self.use_bias:
            out.append(Param(f"{self.name}.bias", (self.units,), "bias", fan_in))
        return out


@dataclass(frozen=True)
class Conv2d:
    """2-D convolution over NHWC input with symmetric zero padding."""

    name: str
    filters: int
    kernel: int = 3
    stride: int = 1
    padding: int = 1
    use_bias: bool = False

    def output_shape(self, shape: Shape) -> Shape:
        h, w, _ = shape
        size = lambda n: (n + 2 * self.padding - self.kernel) // self.stride + 1  # noqa: E731
        return (size(h), size(w), self.filters)

    def params(self, shape: Shape) -> list[Param]:
        fan_in = self.kernel * self.kernel * shape[-1]
        out = [Param(f"{self.name}.kernel", (self.kernel, self.kernel, shape[-1], self.filters), "kernel", fan_in)]
        if self.use_bias:
            out.append(Param(f"{self.name}.bias", (self.filters,), "bias", fan_in))
        return out


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalisation over the channel (last canonical) axis.

    ``momentum`` follows PyTorch's convention: running = (1 - momentum) * running + momentum * batch.
    """

    name: str
    momentum: float = 0.1
    eps: float = 1e-5

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self, shape: Shape) -> list[Param]:
        c = (shape[-1],)
        return [
            Param(f"{self.name}.gamma", c, "gamma"),
            Param(f"{self.name}.beta", c, "beta"),
            Param(f"{self.name}.moving_mean", c, "moving_mean", trainable=False),
            Param(f"{self.name}.moving_var", c, "moving_var", trainable=False),
        ]


@dataclass(frozen=True)
class LayerNorm:
    """Layer normalisation over the last axis."""

    name: str
    eps: float = 1e-5

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self, shape: Shape) -> list[Param]:
        return [Param(f"{self.name}.gamma", (shape[-1],), "gamma"), Param(f"{self.name}.beta", (shape[-1],), "beta")]


@dataclass(frozen=True)
class Activation:
    """An element-wise non-linearity."""

    kind: str

    def __post_init__(self) -> None:
        _check_activation(self.kind)

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self, shape: Shape) -> list[Param]:
        return []


@dataclass(frozen=True)
class GlobalAvgPool:
    """Mean over the spatial axes of NHWC input (images) or the time axis (sequences)."""

    def output_shape(self, shape: Shape) -> Shape:
        return (shape[-1],)

    def params(self, shape: Shape) -> list[Param]:
        return []


@dataclass(frozen=True)
class Residual:
    """``post(body(x) + shortcut(x))``; an empty shortcut is the identity."""

    name: str
    body: tuple[Layer, ...]
    shortcut: tuple[Layer, ...] = ()
    post: str | None = "relu"

    def output_shape(self, shape: Shape) -> Shape:
        out = _chain_shape(self.body, shape)
        if _chain_shape(self.shortcut, shape) != out:
            raise ConfigError(f"residual {self.name!r}: body gives {out}, shortcut {_chain_shape(self.shortcut, shape)}")
        return out

    def params(self, shape: Shape) -> list[Param]:
        return _chain_params(self.body, shape) + _chain_params(self.shortcut, shape)


@dataclass(frozen=True)
class LSTM:
    """A stack of LSTM layers over (batch, time, features); returns the last step's hidden state."""

    name: str
    units: int
    layers: int = 1

    def output_shape(self, shape: Shape) -> Shape:
        return (self.units,)

    def params(self, shape: Shape) -> list[Param]:
        out: list[Param] = []
        n_in, h = shape[-1], self.units
        for i in range(self.layers):
            out += [
                Param(f"{self.name}.{i}.kernel", (n_in, 4 * h), "kernel", n_in),
                Param(f"{self.name}.{i}.recurrent_kernel", (h, 4 * h), "kernel", h),
                Param(f"{self.name}.{i}.bias", (4 * h,), "bias", h),
            ]
            n_in = h
        return out


@dataclass(frozen=True)
class PositionalEmbedding:
    """Adds a learned table of shape (time, features) to a sequence."""

    name: str

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self, shape: Shape) -> list[Param]:
        return [Param(f"{self.name}.table", tuple(shape[-2:]), "table")]


@dataclass(frozen=True)
class TransformerBlock:
    """A pre-norm encoder block: x + MHA(LN(x)), then x + MLP(LN(x)) with a GELU MLP.

    Attention projections have no bias (the key bias has an identically zero gradient, which
    adaptive optimisers turn into noise; many current encoders drop them all).
    """

    name: str
    heads: int
    mlp_dim: int
    eps: float = 1e-5
    dropout: float = 0.0

    def output_shape(self, shape: Shape) -> Shape:
        if shape[-1] % self.heads:
            raise ConfigError(f"transformer block {self.name!r}: width {shape[-1]} is not divisible by {self.heads} heads")
        return shape

    def params(self, shape: Shape) -> list[Param]:
        d = shape[-1]
        n = self.name
        attn = [Param(f"{n}.attn.{w}", (d, d), "kernel", d) for w in ("wq", "wk", "wv", "wo")]
        return [
            *LayerNorm(f"{n}.ln1").params(shape),
            *attn,
            *LayerNorm(f"{n}.ln2").params(shape),
            *Dense(f"{n}.mlp1", self.mlp_dim).params(shape),
            *Dense(f"{n}.mlp2", d).params((*shape[:-1], self.mlp_dim)),
        ]


Layer = Union[
    Dense, Conv2d, BatchNorm, LayerNorm, Activation, GlobalAvgPool, Residual, LSTM, PositionalEmbedding, TransformerBlock
]


def _chain_shape(layers: tuple[Layer, ...], shape: Shape) -> Shape:
    for layer in layers:
        shape = layer.output_shape(shape)
    return shape


def _chain_params(layers: tuple[Layer, ...], shape: Shape) -> list[Param]:
    out: list[Param] = []
    for layer in layers:
        out += layer.params(shape)
        shape = layer.output_shape(shape)
    return out


@dataclass(frozen=True)
class ModelSpec:
    """A whole classifier: input shape (no batch axis, canonical layout), layers, classes.

    Attributes:
        workload: The zoo family this spec belongs to (``mlp``, ``cnn``, ...).
        preset: The size preset it was built with.
        input_shape: One example's shape; NHWC images are (H, W, C), sequences (T, F).
        num_classes: Width of the logits.
        layers: The layers in order; the last one must produce ``(num_classes,)``.
    """

    workload: str
    preset: str
    input_shape: Shape
    num_classes: int
    layers: tuple[Layer, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        out = _chain_shape(self.layers, self.input_shape)
        if out != (self.num_classes,):
            raise ConfigError(f"{self.workload}/{self.preset}: layers end in shape {out}, expected ({self.num_classes},)")

    @property
    def is_image(self) -> bool:
        """Whether the input is an NHWC image (framework layouts differ for these)."""
        return len(self.input_shape) == 3

    def params(self) -> list[Param]:
        """Every named tensor, in a fixed order."""
        return _chain_params(self.layers, self.input_shape)

    def walk(self) -> Iterator[Layer]:
        """Every layer, nested ones included, depth first."""
        yield from _walk(self.layers)

    def without_dropout(self) -> ModelSpec:
        """The same spec with every dropout rate at zero (parity needs deterministic training)."""
        return replace(self, layers=tuple(_no_dropout(layer) for layer in self.layers))

    def parameter_count(self) -> int:
        """The number of trainable scalars."""
        return sum(int(np.prod(p.shape)) for p in self.params() if p.trainable)


def _walk(layers: tuple[Layer, ...]) -> Iterator[Layer]:
    for layer in layers:
        yield layer
        if isinstance(layer, Residual):
            yield from _walk(layer.body)
            yield from _walk(layer.shortcut)


def _no_dropout(layer: Layer) -> Layer:
    if isinstance(layer, TransformerBlock):
        return replace(layer, dropout=0.0)
    if isinstance(layer, Residual):
        return replace(layer, body=tuple(map(_no_dropout, layer.body)), shortcut=tuple(map(_no_dropout, layer.shortcut)))
    return layer


def init_weights(spec: ModelSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """Draw every tensor of ``spec`` from ``seed`` in the canonical layout (float32).

    Kernels are He-uniform; biases, norm offsets and running statistics get small random values
    rather than zeros so that a parameter loaded into the wrong place shows up in parity checks.

    Args:
        spec: The model.
        seed: Seed of numpy's generator; the same seed gives the same weights everywhere.

    Returns:
        Canonical name -> array.
    """
    rng = np.random.default_rng(seed)
    return {p.name: _draw(rng, p).astype(np.float32) for p in spec.params()}


def _draw(rng: np.random.Generator, p: Param) -> np.ndarray:
    if p.kind == "kernel":
        bound = math.sqrt(6.0 / p.fan_in)
        return rng.uniform(-bound, bound, p.shape)
    if p.kind == "gamma":
        return 1.0 + 0.1 * rng.standard_normal(p.shape)
    if p.kind == "moving_var":
        return rng.uniform(0.5, 1.5, p.shape)
    if p.kind == "table":
        return 0.02 * rng.standard_normal(p.shape)
    return 0.05 * rng.standard_normal(p.shape)  # bias, beta, moving_mean
