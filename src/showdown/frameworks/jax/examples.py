"""The zoo's workloads as a JAX user would write them by hand with Flax NNX, for the code-size comparison.

Each model is the ``default`` preset of :mod:`showdown.models.zoo` written the way Flax's own guides
write models: an ``nnx.Module`` subclass whose constructor takes the input sizes and an
``rngs`` keyword (Flax creates parameters eagerly, as PyTorch does), with the preset as the
defaults; plus one training step (``nnx.value_and_grad`` and ``optimizer.update`` under
``nnx.jit``). The objects named in :data:`SOURCES` are what :mod:`showdown.devx.codesize` measures,
read from this file without importing it; everything below the "not counted" line only lets tests
build and train them.

House rules, the same as in :mod:`showdown.frameworks.torch.examples`:

* no type annotations and no comments in the counted objects (docstrings are allowed: the counter
  skips them); imports are not counted;
* the spec's hyperparameters are matched exactly. The spec follows PyTorch's conventions, so this
  side spells out BatchNorm ``momentum=0.9`` (Flax's momentum weighs the old statistics: 0.99 by
  default), LayerNorm ``epsilon=1e-5`` (Flax's default is 1e-6) and the exact GELU
  (``approximate=False``; Flax's default is the tanh approximation).

As in the Keras examples, stride-2 convolutions keep Flax's default ``padding="SAME"``, which pads
(0, 1) rather than PyTorch's (1, 1): shapes and parameter counts are identical. ``train_step`` does
not switch the model to training mode: a Flax user calls ``model.train()`` once, outside the
compiled step (``train_once`` does).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from showdown.devx.codesize import module_kwargs

#: Top-level objects whose source counts for each workload: the model and the training step.
SOURCES = {
    "mlp": ["MLP"],
    "cnn": ["BasicBlock", "CNN"],
    "lstm": ["LSTMClassifier"],
    "transformer": ["EncoderBlock", "Transformer"],
    "train_step": ["train_step"],
}


class MLP(nnx.Module):
    """Three ReLU hidden layers of 512 over 784 inputs, and a linear head."""

    def __init__(self, in_features=784, hidden=512, depth=3, num_classes=10, *, rngs):
        self.layers = nnx.List([nnx.Linear(in_features if i == 0 else hidden, hidden, rngs=rngs) for i in range(depth)])
        self.head = nnx.Linear(hidden, num_classes, rngs=rngs)

    def __call__(self, x):
        for layer in self.layers:
            x = nnx.relu(layer(x))
        return self.head(x)


class BasicBlock(nnx.Module):
    """Two 3x3 conv+BN with a residual connection; a 1x1 conv+BN shortcut when the shape changes."""

    def __init__(self, in_channels, channels, strides=1, *, rngs):
        self.conv1 = nnx.Conv(in_channels, channels, (3, 3), strides, use_bias=False, rngs=rngs)
        self.bn1 = nnx.BatchNorm(channels, momentum=0.9, rngs=rngs)
        self.conv2 = nnx.Conv(channels, channels, (3, 3), use_bias=False, rngs=rngs)
        self.bn2 = nnx.BatchNorm(channels, momentum=0.9, rngs=rngs)
        self.shortcut = nnx.Sequential()
        if strides != 1 or in_channels != channels:
            self.shortcut = nnx.Sequential(nnx.Conv(in_channels, channels, (1, 1), strides, use_bias=False, rngs=rngs),
                                           nnx.BatchNorm(channels, momentum=0.9, rngs=rngs))

    def __call__(self, x):
        out = nnx.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return nnx.relu(out + self.shortcut(x))


class CNN(nnx.Module):
    """A small ResNet: stem, three stages of two blocks (16, 32, 64 channels), pool, linear head."""

    def __init__(self, in_channels=3, width=16, stages=3, num_classes=10, *, rngs):
        self.stem = nnx.Sequential(nnx.Conv(in_channels, width, (3, 3), use_bias=False, rngs=rngs),
                                   nnx.BatchNorm(width, momentum=0.9, rngs=rngs), nnx.relu)
        blocks, channels = [], width
        for stage in range(stages):
            for i in range(2):
                strides = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, width * 2**stage, strides, rngs=rngs))
                channels = width * 2**stage
        self.blocks = nnx.Sequential(*blocks)
        self.head = nnx.Linear(channels, num_classes, rngs=rngs)

    def __call__(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean(axis=(1, 2)))


class LSTMClassifier(nnx.Module):
    """Two stacked LSTM layers of 128 over (32 steps, 32 features); the last step feeds the head."""

    def __init__(self, in_features=32, hidden=128, num_layers=2, num_classes=10, *, rngs):
        self.layers = nnx.List([nnx.RNN(nnx.OptimizedLSTMCell(in_features if i == 0 else hidden, hidden, rngs=rngs))
                                for i in range(num_layers)])
        self.head = nnx.Linear(hidden, num_classes, rngs=rngs)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x[:, -1])


class EncoderBlock(nnx.Module):
    """Pre-norm encoder block: x + MHA(LN(x)), then x + MLP(LN(x)) with a GELU MLP."""

    def __init__(self, dim, heads, mlp_dim, dropout=0.1, *, rngs):
        self.ln1 = nnx.LayerNorm(dim, epsilon=1e-5, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(heads, dim, dropout_rate=dropout, use_bias=False, decode=False, rngs=rngs)
        self.ln2 = nnx.LayerNorm(dim, epsilon=1e-5, rngs=rngs)
        self.mlp1 = nnx.Linear(dim, mlp_dim, rngs=rngs)
        self.mlp2 = nnx.Linear(mlp_dim, dim, rngs=rngs)
        self.drop = nnx.Dropout(dropout, rngs=rngs)

    def __call__(self, x):
        x = x + self.drop(self.attn(self.ln1(x)))
        h = self.drop(nnx.gelu(self.mlp1(self.ln2(x)), approximate=False))
        return x + self.drop(self.mlp2(h))


class Transformer(nnx.Module):
    """Linear embedding, learned positions, two encoder blocks, final LayerNorm, mean pool, head."""

    def __init__(self, seq_len=64, in_features=32, dim=128, depth=2, heads=4, num_classes=10, dropout=0.1, *, rngs):
        self.embed = nnx.Linear(in_features, dim, rngs=rngs)
        self.pos = nnx.Param(jnp.zeros((seq_len, dim)))
        self.blocks = nnx.Sequential(*[EncoderBlock(dim, heads, 2 * dim, dropout, rngs=rngs) for _ in range(depth)])
        self.norm = nnx.LayerNorm(dim, epsilon=1e-5, rngs=rngs)
        self.head = nnx.Linear(dim, num_classes, rngs=rngs)

    def __call__(self, x):
        x = self.blocks(self.embed(x) + self.pos[...])
        return self.head(self.norm(x).mean(axis=1))


@nnx.jit
def train_step(model, optimizer, x, y):
    """One optimisation step on a batch; returns the loss array."""

    def loss_fn(model):
        return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss


# --- not counted: what tests need to build and train the examples ------------------------------

MODELS = {"mlp": MLP, "cnn": CNN, "lstm": LSTMClassifier, "transformer": Transformer}



def build(workload: str, preset: str | None = None) -> nnx.Module:
    """The example model of ``workload``, its parameters drawn from ``nnx.Rngs(0)``.

    Args:
        workload: A zoo workload.
        preset: A zoo preset whose sizes are passed to the constructor; None keeps the
            constructor's defaults, which are the ``default`` preset.
    """
    return MODELS[workload](**({} if preset is None else module_kwargs(workload, preset)), rngs=nnx.Rngs(0))


def parameter_count(model: nnx.Module) -> dict[str, int]:
    """Trainable scalars (``nnx.Param`` s); Flax's LSTM cell has one bias per gate like the spec.

    Returns:
        ``{"trainable": n, "redundant": 0}``.
    """
    trainable = sum(int(np.prod(p.shape)) for p in nnx.state(model, nnx.Param).flat_state().leaves)
    return {"trainable": trainable, "redundant": 0}


def train_once(model: nnx.Module, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Run the counted :func:`train_step` once with SGD on a canonical batch (NHWC images, as Flax takes).

    Returns:
        ``{"loss": float, "logits_shape": [batch, classes]}`` (logits from an ``eval()`` call).
    """
    model.train()
    optimizer = nnx.Optimizer(model, optax.sgd(0.01, momentum=0.9), wrt=nnx.Param)
    loss = train_step(model, optimizer, jnp.asarray(x), jnp.asarray(y))
    model.eval()
    logits = model(jnp.asarray(x))
    return {"loss": float(loss), "logits_shape": [int(d) for d in logits.shape]}
