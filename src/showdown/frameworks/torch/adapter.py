"""PyTorch adapter: the only module that imports torch.

Each spec layer becomes the native ``torch.nn`` module a PyTorch user would write (``nn.Conv2d``,
``nn.BatchNorm2d``, ``nn.LSTM``, ``nn.MultiheadAttention``, ...). Images run in NCHW, PyTorch's
default layout: inputs are transposed from the canonical NHWC when a batch is prepared, before any
timing. ``nn.LSTM`` has two biases per gate where Keras has one; the second (``bias_hh``) is held at
zero and frozen so both frameworks train the same parameters.
"""

from __future__ import annotations

import os
import platform
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showdown.errors import ConfigError, FrameworkUnavailable
from showdown.frameworks.base import MODES, OptimizerSpec, check_mode, read_bindings, same, scalar_writer_missing, write_bindings
from showdown.models import spec as S

_ACT = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}
_CONV_TO = (3, 2, 0, 1)  # HWIO -> OIHW
_CONV_FROM = (2, 3, 1, 0)  # OIHW -> HWIO


def _t(a: np.ndarray) -> np.ndarray:
    return a.T


@dataclass
class Binding:
    """Ties one canonical tensor to (a row slice of) a native parameter or buffer."""

    tensor: torch.Tensor
    to_native: Callable[[np.ndarray], np.ndarray] = same
    from_native: Callable[[np.ndarray], np.ndarray] = same
    rows: slice | None = None
    trainable: bool = True

    def _view(self, t: torch.Tensor) -> torch.Tensor:
        return t if self.rows is None else t[self.rows]

    def read(self) -> np.ndarray:
        return self.from_native(self._view(self.tensor.detach()).cpu().numpy()).copy()

    def write(self, value: np.ndarray) -> None:
        native = torch.from_numpy(np.ascontiguousarray(self.to_native(value)))
        with torch.no_grad():
            self._view(self.tensor).copy_(native)

    def grad(self) -> np.ndarray:
        g = self.tensor.grad
        if g is None:  # a parameter the loss does not reach has a zero gradient
            return np.zeros_like(self.read())
        return self.from_native(self._view(g.detach()).cpu().numpy()).copy()


class Residual(nn.Module):
    def __init__(self, body: nn.Module, shortcut: nn.Module, post: nn.Module) -> None:
        super().__init__()
        self.body, self.shortcut, self.post = body, shortcut, post

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post(self.body(x) + self.shortcut(x))


class LastStepLSTM(nn.Module):
    def __init__(self, lstm: nn.LSTM) -> None:
        super().__init__()
        self.lstm = lstm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return out[:, -1]


class MeanPool(nn.Module):
    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.dims)


class PositionalEmbedding(nn.Module):
    def __init__(self, length: int, dim: int) -> None:
        super().__init__()
        self.table = nn.Parameter(torch.zeros(length, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table


class EncoderBlock(nn.Module):
    def __init__(self, dim: int, block: S.TransformerBlock) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=block.eps)
        self.attn = nn.MultiheadAttention(dim, block.heads, dropout=block.dropout, bias=False, batch_first=True)
        self.ln2 = nn.LayerNorm(dim, eps=block.eps)
        self.mlp = nn.Sequential(
            nn.Linear(dim, block.mlp_dim), nn.GELU(), nn.Dropout(block.dropout), nn.Linear(block.mlp_dim, dim)
        )
        self.drop = nn.Dropout(block.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.drop(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop(self.mlp(self.ln2(x)))


class Builder:
    """Turns spec layers into modules, collecting one :class:`Binding` per canonical tensor."""

    def __init__(self) -> None:
        self.bindings: dict[str, Binding] = {}

    def chain(self, layers: tuple[S.Layer, ...], shape: S.Shape) -> tuple[nn.Module, S.Shape]:
        modules = []
        for layer in layers:
            modules.append(self.layer(layer, shape))
            shape = layer.output_shape(shape)
        return nn.Sequential(*modules), shape

    def layer(self, layer: S.Layer, shape: S.Shape) -> nn.Module:
        return getattr(self, "_" + type(layer).__name__.lower())(layer, shape)

    def _bind(self, name: str, tensor: torch.Tensor, to: Callable = same, back: Callable = same, **kw: Any) -> None:
        self.bindings[name] = Binding(tensor, to, back, **kw)

    def _dense(self, layer: S.Dense, shape: S.Shape) -> nn.Module:
        lin = nn.Linear(shape[-1], layer.units, bias=layer.use_bias)
        self._bind(f"{layer.name}.kernel", lin.weight, _t, _t)
        if layer.use_bias:
            self._bind(f"{layer.name}.bias", lin.bias)
        return nn.Sequential(lin, _ACT[layer.activation]()) if layer.activation else lin

    def _conv2d(self, layer: S.Conv2d, shape: S.Shape) -> nn.Module:
        conv = nn.Conv2d(shape[-1], layer.filters, layer.kernel, layer.stride, layer.padding, bias=layer.use_bias)
        self._bind(f"{layer.name}.kernel", conv.weight, lambda a: a.transpose(_CONV_TO), lambda a: a.transpose(_CONV_FROM))
        if layer.use_bias:
            self._bind(f"{layer.name}.bias", conv.bias)
        return conv

    def _batchnorm(self, layer: S.BatchNorm, shape: S.Shape) -> nn.Module:
        cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        bn = cls(shape[-1], eps=layer.eps, momentum=layer.momentum)
        self._bind(f"{layer.name}.gamma", bn.weight)
        self._bind(f"{layer.name}.beta", bn.bias)
        self._bind(f"{layer.name}.moving_mean", bn.running_mean, trainable=False)
        self._bind(f"{layer.name}.moving_var", bn.running_var, trainable=False)
        return bn

    def _layernorm(self, layer: S.LayerNorm, shape: S.Shape) -> nn.Module:
        ln = nn.LayerNorm(shape[-1], eps=layer.eps)
        self._bind(f"{layer.name}.gamma", ln.weight)
        self._bind(f"{layer.name}.beta", ln.bias)
        return ln

    def _activation(self, layer: S.Activation, shape: S.Shape) -> nn.Module:
        return _ACT[layer.kind]()

    def _globalavgpool(self, layer: S.GlobalAvgPool, shape: S.Shape) -> nn.Module:
        return MeanPool((2, 3) if len(shape) == 3 else (1,))

    def _residual(self, layer: S.Residual, shape: S.Shape) -> nn.Module:
        body, _ = self.chain(layer.body, shape)
        shortcut, _ = self.chain(layer.shortcut, shape)
        return Residual(body, shortcut, _ACT[layer.post]() if layer.post else nn.Identity())

    def _lstm(self, layer: S.LSTM, shape: S.Shape) -> nn.Module:
        lstm = nn.LSTM(shape[-1], layer.units, num_layers=layer.layers, batch_first=True)
        for i in range(layer.layers):
            self._bind(f"{layer.name}.{i}.kernel", getattr(lstm, f"weight_ih_l{i}"), _t, _t)
            self._bind(f"{layer.name}.{i}.recurrent_kernel", getattr(lstm, f"weight_hh_l{i}"), _t, _t)
            self._bind(f"{layer.name}.{i}.bias", getattr(lstm, f"bias_ih_l{i}"))
            hh = getattr(lstm, f"bias_hh_l{i}")
            with torch.no_grad():
                hh.zero_()
            hh.requires_grad_(False)
        return LastStepLSTM(lstm)

    def _positionalembedding(self, layer: S.PositionalEmbedding, shape: S.Shape) -> nn.Module:
        pos = PositionalEmbedding(shape[-2], shape[-1])
        self._bind(f"{layer.name}.table", pos.table)
        return pos

    def _transformerblock(self, layer: S.TransformerBlock, shape: S.Shape) -> nn.Module:
        d, n = shape[-1], layer.name
        block = EncoderBlock(d, layer)
        for prefix, ln in (("ln1", block.ln1), ("ln2", block.ln2)):
            self._bind(f"{n}.{prefix}.gamma", ln.weight)
            self._bind(f"{n}.{prefix}.beta", ln.bias)
        for i, w in enumerate(("wq", "wk", "wv")):  # in_proj_weight stacks q, k, v as (out, in)
            self._bind(f"{n}.attn.{w}", block.attn.in_proj_weight, _t, _t, rows=slice(i * d, (i + 1) * d))
        self._bind(f"{n}.attn.wo", block.attn.out_proj.weight, _t, _t)
        for prefix, lin in (("mlp1", block.mlp[0]), ("mlp2", block.mlp[3])):
            self._bind(f"{n}.{prefix}.kernel", lin.weight, _t, _t)
            self._bind(f"{n}.{prefix}.bias", lin.bias)
        return block


@dataclass
class Model:
    """A built model: the native module plus its bindings to canonical names."""

    module: nn.Module
    bindings: dict[str, Binding]
    spec: S.ModelSpec


@dataclass
class Batch:
    x: torch.Tensor
    y: torch.Tensor | None


class Scalars:
    """TensorBoard scalars through ``torch.utils.tensorboard.SummaryWriter``."""

    def __init__(self, logdir: str) -> None:
        self._writer = _summary_writer()(log_dir=logdir)

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._writer.add_scalar(tag, float(value), global_step=int(step))

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


def _summary_writer() -> type:
    reason = scalar_writer_missing("torch")
    if reason:
        raise FrameworkUnavailable(reason)
    if "tensorflow" not in sys.modules:
        # tensorboard does its file I/O through TensorFlow whenever TensorFlow is installed: seconds
        # of import, and its memory in this cell's peak, for nothing. This module name is
        # tensorboard's own switch to its bundled stand-in.
        sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:  # torch also refuses a tensorboard older than it supports
        raise FrameworkUnavailable(f"TensorBoard logging from torch is unavailable: {exc}") from exc
    return SummaryWriter


class TorchRuntime:
    """Threads, seeds, devices, synchronisation, memory and TensorBoard as PyTorch does them.

    The PyTorch adapter and the Keras-on-PyTorch contender share these: both run on torch's runtime.
    """

    def __init__(self) -> None:
        self.device = torch.device("cpu")

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        if threads:
            torch.set_num_threads(threads)
        if inter_op_threads:
            try:
                torch.set_num_interop_threads(inter_op_threads)
            except RuntimeError:  # already set or parallel work started; report what is in effect
                pass
        if device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' is not available to torch (no CUDA build or no GPU): use --device cpu")
        self.device = torch.device(device)
        torch.manual_seed(seed)
        return {
            "intra_op_threads": torch.get_num_threads(),
            "inter_op_threads": torch.get_num_interop_threads(),
            "device": device,
            "dtype": "float32",
        }

    def environment(self) -> dict[str, Any]:
        cuda = torch.cuda.is_available()
        return {
            "version": torch.__version__,
            "cuda_build": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if cuda else None,
            "mkldnn": torch.backends.mkldnn.is_available(),
            "mkl": torch.backends.mkl.is_available(),
            "openmp": torch.backends.openmp.is_available(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "intra_op_threads": torch.get_num_threads(),
            "inter_op_threads": torch.get_num_interop_threads(),
            "gpu": torch.cuda.get_device_name(0) if cuda else None,
            "machine": platform.machine(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("TORCH", "OMP_", "MKL_"))},
        }

    def scalar(self, value: Any) -> float:
        return float(value.item())

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def scalar_writer(self, logdir: str) -> Scalars:
        return Scalars(logdir)

    def device_memory(self, *, reset: bool = False) -> dict[str, int] | None:
        if self.device.type != "cuda":
            return None
        if reset:
            torch.cuda.reset_peak_memory_stats()
        return {
            "current_bytes": torch.cuda.memory_allocated(),
            "peak_bytes": torch.cuda.max_memory_allocated(),
            "peak_reserved_bytes": torch.cuda.max_memory_reserved(),
        }


class Adapter(TorchRuntime):
    """The PyTorch side of the :class:`~showdown.frameworks.base.Framework` protocol."""

    name = "torch"
    modes = MODES["torch"]

    def layout(self, spec: S.ModelSpec) -> str:
        if spec.is_image:
            return "NCHW (inputs transposed from canonical NHWC before timing; conv kernels HWIO->OIHW)"
        return "(batch, time, features)" if len(spec.input_shape) == 2 else "(batch, features)"

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        builder = Builder()
        with self.device:  # create every tensor on the device, so bindings keep pointing at them
            module, _ = builder.chain(spec.layers, spec.input_shape)
        model = Model(module, builder.bindings, spec)
        self.load_weights(model, weights)
        return model

    def native(self, model: Model) -> Any:
        return model.module

    def load_weights(self, model: Model, weights: Mapping[str, np.ndarray]) -> None:
        write_bindings(model.bindings, weights)

    def get_weights(self, model: Model, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        return read_bindings(model.bindings, trainable_only)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        if x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        tx = torch.from_numpy(np.ascontiguousarray(x)).to(self.device)
        ty = torch.from_numpy(y).to(self.device) if y is not None else None
        return Batch(tx, ty)

    def forward(self, model: Model, batch: Batch, *, training: bool = False) -> np.ndarray:
        model.module.train(training)
        with torch.no_grad():
            return model.module(batch.x).cpu().numpy()

    def gradients(self, model: Model, batch: Batch) -> tuple[float, dict[str, np.ndarray]]:
        model.module.train(True)
        model.module.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model.module(batch.x), batch.y)
        loss.backward()
        return float(loss.item()), {n: b.grad() for n, b in model.bindings.items() if b.trainable}

    def optimizer(self, model: Model, spec: OptimizerSpec) -> torch.optim.Optimizer:
        params = [p for p in model.module.parameters() if p.requires_grad]
        if spec.name == "sgd":
            return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum)
        return torch.optim.Adam(params, lr=spec.lr, betas=(spec.beta_1, spec.beta_2), eps=spec.epsilon)

    def train_step(self, model: Model, optimizer: torch.optim.Optimizer, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        module = model.module
        net = torch.compile(module) if mode == "compiled" else module

        def step(batch: Batch) -> torch.Tensor:
            if not module.training:  # one check per call, like Keras's training=True argument
                module.train(True)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(batch.x), batch.y)
            loss.backward()
            optimizer.step()
            return loss.detach()

        return step

    def predict(self, model: Model, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        module = model.module
        net = torch.compile(module) if mode == "compiled" else module

        def run(batch: Batch) -> torch.Tensor:
            if module.training:
                module.train(False)
            with torch.no_grad():
                return net(batch.x)

        return run

    def numpy(self, value: Any) -> np.ndarray:
        return value.detach().cpu().numpy()

