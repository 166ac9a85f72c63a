"""JAX adapter (Flax ``nnx`` modules, optax optimizers): the only module that imports flax.

Each spec layer becomes the ``flax.nnx`` module a JAX user would write (``nnx.Linear``, ``nnx.Conv``,
``nnx.BatchNorm``, ``nnx.OptimizedLSTMCell`` under ``nnx.RNN``, ``nnx.MultiHeadAttention``). Images
run in NHWC, the layout Flax's convolutions take, so inputs need no conversion. Weight layouts and
the conversion each needs from the spec's canonical one:

=======================  ==============================================================
tensor                   Flax's layout
=======================  ==============================================================
Dense kernel             ``(in, out)``: canonical, no conversion
Conv kernel              ``HWIO``: canonical, no conversion
LSTM kernels and bias    ``OptimizedLSTMCell``: ``dense_i`` ``(in, 4H)`` without bias, ``dense_h``
                         ``(H, 4H)`` with the one bias, gates split ``i, f, g, o``: canonical,
                         no conversion (the bias is ``dense_h``'s)
Attention q, k, v        ``(D, heads, head_dim)``: reshaped from ``(D, D)`` (heads major)
Attention output         ``(heads, head_dim, D)``: reshaped from ``(D, D)``
BatchNorm momentum       Flax's is the old value's weight: ``1 - momentum`` of the spec's
=======================  ==============================================================

Training and inference behaviour (batch statistics, dropout) is chosen the way Flax 0.12 does it:
two views of one model (``nnx.view``), sharing its variables, one with ``use_running_average`` and
``deterministic`` off, one with them on. Modes: ``eager`` calls the step as plain Python
(``nnx.value_and_grad`` traced on each call, each operation dispatched on its own); ``jit`` is the
step under ``nnx.jit``, called through ``nnx.cached_partial`` as Flax's guide to performance
advises for a step called many times with the same model and optimizer (it saves re-walking the
module graph on each call). The RNN's time loop is ``nnx.scan`` in both modes, as Flax builds it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from showdown.frameworks.base import MODES, OptimizerSpec, VariableBinding, check_mode, read_bindings, same, write_bindings
from showdown.frameworks.jaxruntime import JaxRuntime
from showdown.models import spec as S

_ACT: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "gelu": functools.partial(jax.nn.gelu, approximate=False),  # the exact GELU, as torch's and Keras's default
    "tanh": jnp.tanh,
}


class Binding(VariableBinding):
    """Ties one canonical tensor to an ``nnx.Variable``."""

    def get(self) -> np.ndarray:
        return np.asarray(self.variable[...])

    def set(self, value: np.ndarray) -> None:
        self.variable.value = jnp.asarray(value)


class Residual(nnx.Module):
    def __init__(self, body: nnx.Sequential, shortcut: nnx.Sequential, post: str | None) -> None:
        self.body, self.shortcut = body, shortcut
        self.post = post

    def __call__(self, x: jax.Array) -> jax.Array:
        y = self.body(x) + self.shortcut(x)
        return _ACT[self.post](y) if self.post else y


class LastStep(nnx.Module):
    """A stack of RNNs over (batch, time, features), returning the last step of the last one."""

    def __init__(self, rnns: list[nnx.RNN]) -> None:
        self.rnns = nnx.List(rnns)

    def __call__(self, x: jax.Array) -> jax.Array:
        for rnn in self.rnns:
            # the zero carry the cell would draw through its Rngs, given here: drawing bumps an RNG
            # counter, which a function traced by jax.jit around the merged model may not mutate
            zeros = jnp.zeros((x.shape[0], rnn.cell.hidden_features), x.dtype)
            x = rnn(x, initial_carry=(zeros, zeros))
        return jax.lax.index_in_dim(x, x.shape[1] - 1, axis=1, keepdims=False)


class PositionalEmbedding(nnx.Module):
    def __init__(self, length: int, dim: int) -> None:
        self.table = nnx.Param(jnp.zeros((length, dim)))

    def __call__(self, x: jax.Array) -> jax.Array:
        return x + self.table[...]


class EncoderBlock(nnx.Module):
    def __init__(self, dim: int, block: S.TransformerBlock, rngs: nnx.Rngs) -> None:
        self.ln1 = nnx.LayerNorm(dim, epsilon=block.eps, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(block.heads, dim, dim, dim, use_bias=False, dropout_rate=block.dropout, decode=False, rngs=rngs)
        self.ln2 = nnx.LayerNorm(dim, epsilon=block.eps, rngs=rngs)
        self.mlp1 = nnx.Linear(dim, block.mlp_dim, rngs=rngs)
        self.mlp2 = nnx.Linear(block.mlp_dim, dim, rngs=rngs)
        self.drop = nnx.Dropout(block.dropout, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = x + self.drop(self.attn(self.ln1(x)))
        h = self.drop(_ACT["gelu"](self.mlp1(self.ln2(x))))
        return x + self.drop(self.mlp2(h))


def _mean_over(axes: tuple[int, ...]) -> Callable[[jax.Array], jax.Array]:
    return lambda x: x.mean(axis=axes)


class Builder:
    """Turns spec layers into ``nnx`` modules, collecting one :class:`Binding` per canonical tensor."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.rngs = rngs
        self.bindings: dict[str, Binding] = {}

    def chain(self, layers: tuple[S.Layer, ...], shape: S.Shape) -> nnx.Sequential:
        modules = []
        for layer in layers:
            modules.append(getattr(self, "_" + type(layer).__name__.lower())(layer, shape))
            shape = layer.output_shape(shape)
        return nnx.Sequential(*modules)

    def _bind(self, name: str, variable: nnx.Variable, to: Callable = same, back: Callable = same, trainable: bool = True) -> None:
        self.bindings[name] = Binding(variable, to, back, trainable)

    def _linear(self, name: str, n_in: int, units: int, use_bias: bool = True) -> nnx.Linear:
        lin = nnx.Linear(n_in, units, use_bias=use_bias, rngs=self.rngs)
        self._bind(f"{name}.kernel", lin.kernel)
        if use_bias:
            self._bind(f"{name}.bias", lin.bias)
        return lin

    def _dense(self, layer: S.Dense, shape: S.Shape) -> Any:
        lin = self._linear(layer.name, shape[-1], layer.units, layer.use_bias)
        return nnx.Sequential(lin, _ACT[layer.activation]) if layer.activation else lin

    def _conv2d(self, layer: S.Conv2d, shape: S.Shape) -> nnx.Conv:
        p = layer.padding
        conv = nnx.Conv(shape[-1], layer.filters, (layer.kernel, layer.kernel), strides=layer.stride, padding=((p, p), (p, p)),
                        use_bias=layer.use_bias, rngs=self.rngs)
        self._bind(f"{layer.name}.kernel", conv.kernel)
        if layer.use_bias:
            self._bind(f"{layer.name}.bias", conv.bias)
        return conv

    def _batchnorm(self, layer: S.BatchNorm, shape: S.Shape) -> nnx.BatchNorm:
        bn = nnx.BatchNorm(shape[-1], momentum=1.0 - layer.momentum, epsilon=layer.eps, rngs=self.rngs)
        self._bind(f"{layer.name}.gamma", bn.scale)
        self._bind(f"{layer.name}.beta", bn.bias)
        self._bind(f"{layer.name}.moving_mean", bn.mean, trainable=False)
        self._bind(f"{layer.name}.moving_var", bn.var, trainable=False)
        return bn

    def _layernorm(self, layer: S.LayerNorm, shape: S.Shape) -> nnx.LayerNorm:
        ln = nnx.LayerNorm(shape[-1], epsilon=layer.eps, rngs=self.rngs)
        self._bind(f"{layer.name}.gamma", ln.scale)
        self._bind(f"{layer.name}.beta", ln.bias)
        return ln

    def _activation(self, layer: S.Activation, shape: S.Shape) -> Callable:
        return _ACT[layer.kind]

    def _globalavgpool(self, layer: S.GlobalAvgPool, shape: S.Shape) -> Callable:
        return _mean_over((1, 2) if len(shape) == 3 else (1,))

    def _residual(self, layer: S.Residual, shape: S.Shape) -> Residual:
        return Residual(self.chain(layer.body, shape), self.chain(layer.shortcut, shape), layer.post)

    def _lstm(self, layer: S.LSTM, shape: S.Shape) -> LastStep:
        rnns, n_in = [], shape[-1]
        for i in range(layer.layers):
            cell = nnx.OptimizedLSTMCell(n_in, layer.units, rngs=self.rngs)
            n = f"{layer.name}.{i}"
            self._bind(f"{n}.kernel", cell.dense_i.kernel)
            self._bind(f"{n}.recurrent_kernel", cell.dense_h.kernel)
            self._bind(f"{n}.bias", cell.dense_h.bias)
            rnns.append(nnx.RNN(cell))
            n_in = layer.units
        return LastStep(rnns)

    def _positionalembedding(self, layer: S.PositionalEmbedding, shape: S.Shape) -> PositionalEmbedding:
        pos = PositionalEmbedding(shape[-2], shape[-1])
        self._bind(f"{layer.name}.table", pos.table)
        return pos

    def _transformerblock(self, layer: S.TransformerBlock, shape: S.Shape) -> EncoderBlock:
        d, n = shape[-1], layer.name
        hd = d // layer.heads
        block = EncoderBlock(d, layer, self.rngs)
        for prefix, ln in (("ln1", block.ln1), ("ln2", block.ln2)):
            self._bind(f"{n}.{prefix}.gamma", ln.scale)
            self._bind(f"{n}.{prefix}.beta", ln.bias)
        for w, lin in (("wq", block.attn.query), ("wk", block.attn.key), ("wv", block.attn.value)):
            self._bind(f"{n}.attn.{w}", lin.kernel, lambda a: a.reshape(d, -1, hd), lambda a: a.reshape(d, d))
        self._bind(f"{n}.attn.wo", block.attn.out.kernel, lambda a: a.reshape(-1, hd, d), lambda a: a.reshape(d, d))
        for prefix, lin in (("mlp1", block.mlp1), ("mlp2", block.mlp2)):
            self._bind(f"{n}.{prefix}.kernel", lin.kernel)
            self._bind(f"{n}.{prefix}.bias", lin.bias)
        return block


_TRAINING = {"use_running_average": False, "deterministic": False}
_INFERENCE = {"use_running_average": True, "deterministic": True}


@dataclass
class Model:
    """A built model: the root module, a training and an inference view of it, and the bindings."""

    net: nnx.Sequential
    bindings: dict[str, Binding]
    spec: S.ModelSpec

    def __post_init__(self) -> None:
        self.training = nnx.view(self.net, raise_if_not_found=False, **_TRAINING)
        self.inference = nnx.view(self.net, raise_if_not_found=False, **_INFERENCE)

    def view(self, training: bool) -> nnx.Sequential:
        return self.training if training else self.inference


def merged_call(graphdef: Any) -> Callable[[Any, jax.Array], jax.Array]:
    """``(state, x) -> logits`` of the module ``graphdef`` describes: a pure function ``jax.jit`` traces once per shape."""
    return lambda state, x: nnx.merge(graphdef, state)(x)


@dataclass
class Batch:
    x: jax.Array
    y: jax.Array | None


def _loss(logits: jax.Array, y: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _train(module: nnx.Module, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
    loss, grads = nnx.value_and_grad(lambda m: _loss(m(x), y))(module)
    optimizer.update(module, grads)
    return loss


def _infer(module: nnx.Module, x: jax.Array) -> jax.Array:
    return module(x)


def _paths(module: nnx.Module) -> dict[int, tuple[Any, ...]]:
    return {id(node): path for path, node in nnx.iter_graph(module) if isinstance(node, nnx.Variable)}


class Adapter(JaxRuntime):
    """The JAX side of the :class:`~showdown.frameworks.base.Framework` protocol."""

    name = "jax"
    modes = MODES["jax"]

    def __init__(self) -> None:
        super().__init__()
        self.seed = 0  # seeds the dropout stream of the models it builds

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        settings = super().configure(threads=threads, inter_op_threads=inter_op_threads, device=device, seed=seed)
        self.seed = seed
        return settings

    def environment(self) -> dict[str, Any]:
        import flax

        return {**super().environment(), "flax": flax.__version__, "optax": optax.__version__}

    def layout(self, spec: S.ModelSpec) -> str:
        if spec.is_image:
            return "NHWC (canonical layout, no conversion)"
        return "(batch, time, features)" if len(spec.input_shape) == 2 else "(batch, features)"

    def build(self, spec: S.ModelSpec, weights: Mapping[str, np.ndarray]) -> Model:
        with jax.default_device(self.device or jax.devices("cpu")[0]):
            builder = Builder(nnx.Rngs(params=0, dropout=self.seed))
            model = Model(builder.chain(spec.layers, spec.input_shape), builder.bindings, spec)
            write_bindings(model.bindings, weights)
        return model

    def native(self, model: Model) -> Any:
        """The inference view of the Flax module (batch statistics, no dropout): what is exported."""
        return model.inference

    def load_weights(self, model: Model, weights: Mapping[str, np.ndarray]) -> None:
        write_bindings(model.bindings, weights)

    def get_weights(self, model: Model, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        return read_bindings(model.bindings, trainable_only)

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Batch:
        device = self.device or jax.devices("cpu")[0]
        tx = jax.device_put(np.ascontiguousarray(x), device)
        ty = jax.device_put(y, device) if y is not None else None
        return Batch(tx, ty)

    def forward(self, model: Model, batch: Batch, *, training: bool = False) -> np.ndarray:
        return np.asarray(model.view(training)(batch.x))

    def gradients(self, model: Model, batch: Batch) -> tuple[float, dict[str, np.ndarray]]:
        module = model.training
        loss, grads = nnx.value_and_grad(lambda m: _loss(m(batch.x), batch.y))(module)
        flat = dict(nnx.to_flat_state(grads))
        paths = _paths(module)
        out = {}
        for name, b in model.bindings.items():
            if b.trainable:
                g = flat[paths[id(b.variable)]]
                out[name] = np.array(b.from_native(np.asarray(g[...] if isinstance(g, nnx.Variable) else g)))
        return float(loss), out

    def optimizer(self, model: Model, spec: OptimizerSpec) -> nnx.Optimizer:
        if spec.name == "sgd":
            tx = optax.sgd(spec.lr, momentum=spec.momentum)
        else:
            tx = optax.adam(spec.lr, b1=spec.beta_1, b2=spec.beta_2, eps=spec.epsilon)
        return nnx.Optimizer(model.net, tx, wrt=nnx.Param)

    def train_step(self, model: Model, optimizer: nnx.Optimizer, mode: str = "eager") -> Callable[[Batch], Any]:
        check_mode(self.name, mode)
        if mode == "jit":
            step = nnx.cached_partial(nnx.jit(_train), model.training, optimizer)
        else:
            step = functools.partial(_train, model.training, optimizer)
        return lambda batch: self.keep(step(batch.x, batch.y))

    def predict(self, model: Model, mode: str = "eager") -> Callable[[Batch], Any]:
        """Logits of the inference view. Under ``jit``: ``jax.jit`` of a pure ``(state, x)`` call of
        the split module, as Flax's performance guide advises for a hot path (``nnx.jit`` walks the
        module's graph on every call to sync its state back; inference changes none of it). The
        state is split once: Flax 0.12's ``State`` holds the module's own ``Variable`` objects, so
        it sees every later training step and loaded weight (a contract test checks that it does)."""
        check_mode(self.name, mode)
        if mode == "jit":
            graphdef, state = nnx.split(model.inference)
            run = jax.jit(merged_call(graphdef))
            return lambda batch: self.keep(run(state, batch.x))
        infer = functools.partial(_infer, model.inference)
        return lambda batch: self.keep(infer(batch.x))
