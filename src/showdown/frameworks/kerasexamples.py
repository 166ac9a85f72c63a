"""The zoo's workloads as a Keras 3 user writes them, on any backend: what the Keras contenders' examples share.

Multi-backend Keras code is the same text on every backend, so the models are written once here,
in the functional API and the style of the keras.io examples (helper functions that apply layers to
a tensor; a ``Layer`` subclass only where Keras has no built-in layer), with the ``default`` preset of
:mod:`showdown.models.zoo` as the defaults. The training step here is Keras's own trainer
(``compile``, then ``train_on_batch`` as ``fit`` runs it per batch), which the ``keras-jax`` and
``keras-torch`` contenders measure; the TensorFlow contender's examples import the models and write
their own ``GradientTape`` step. :mod:`showdown.devx.codesize` reads an imported object here, where
it is defined, so each contender that uses one counts it.

House rules, the same as in :mod:`showdown.frameworks.torch.examples`:

* no type annotations and no comments in the counted objects (docstrings are allowed: the counter
  skips them); imports are not counted;
* the spec's hyperparameters are matched exactly. The spec follows PyTorch's conventions, so this
  side spells out BatchNorm ``momentum=0.9, epsilon=1e-5`` and LayerNorm ``epsilon=1e-5`` (Keras's
  defaults are 0.99 and 1e-3): those arguments are the price of matching the spec, not of Keras.

One idiomatic difference is kept on purpose: stride-2 convolutions use ``padding="same"``, which in
Keras pads (0, 1) rather than PyTorch's (1, 1). Shapes and parameter counts are identical; outputs
differ by that one-pixel alignment. (The adapters, which need numerical parity, pad explicitly.)

Import this module after the contender's environment is set (its examples module calls
:func:`showdown.frameworks.registry.prepare` first): Keras reads its backend when first imported.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

from showdown.models.zoo import SIZES

#: Top-level objects whose source counts for each workload: the model and Keras's training step.
SOURCES = {
    "mlp": ["mlp"],
    "cnn": ["conv_bn", "residual_block", "cnn"],
    "lstm": ["lstm"],
    "transformer": ["PositionalEmbedding", "encoder_block", "transformer"],
    "train_step": ["loss_fn", "compile_for_training", "train_step"],
}


def mlp(in_features=784, hidden=512, depth=3, num_classes=10):
    """Three ReLU hidden layers of 512 over 784 inputs, and a linear head."""
    inputs = keras.Input((in_features,))
    x = inputs
    for _ in range(depth):
        x = layers.Dense(hidden, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


def conv_bn(x, filters, kernel_size=3, strides=1):
    """A bias-free convolution followed by batch normalisation."""
    x = layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False)(x)
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)


def residual_block(x, filters, strides=1):
    """Two 3x3 conv+BN with a residual connection; a 1x1 conv+BN shortcut when the shape changes."""
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = conv_bn(x, filters, 1, strides)
    y = layers.ReLU()(conv_bn(x, filters, 3, strides))
    y = conv_bn(y, filters)
    return layers.ReLU()(layers.Add()([y, shortcut]))


def cnn(input_shape=(32, 32, 3), width=16, stages=3, num_classes=10):
    """A small ResNet: stem, three stages of two blocks (16, 32, 64 channels), pool, linear head."""
    inputs = keras.Input(input_shape)
    x = layers.ReLU()(conv_bn(inputs, width))
    for stage in range(stages):
        for i in range(2):
            strides = 2 if stage > 0 and i == 0 else 1
            x = residual_block(x, width * 2**stage, strides)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


def lstm(input_shape=(32, 32), units=128, depth=2, num_classes=10):
    """Two stacked LSTM layers of 128 over (32 steps, 32 features); the last step feeds the head."""
    inputs = keras.Input(input_shape)
    x = inputs
    for i in range(depth):
        x = layers.LSTM(units, return_sequences=i < depth - 1)(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


class PositionalEmbedding(layers.Layer):
    """Adds a learned (time, features) table to a sequence."""

    def build(self, input_shape):
        self.table = self.add_weight(shape=input_shape[1:], initializer="zeros")

    def call(self, x):
        return x + self.table


def encoder_block(x, heads, mlp_dim, dropout=0.1):
    """Pre-norm encoder block: x + MHA(LN(x)), then x + MLP(LN(x)) with a GELU MLP."""
    h = layers.LayerNormalization(epsilon=1e-5)(x)
    h = layers.MultiHeadAttention(heads, x.shape[-1] // heads, dropout=dropout, use_bias=False)(h, h)
    x = x + layers.Dropout(dropout)(h)
    h = layers.LayerNormalization(epsilon=1e-5)(x)
    h = layers.Dense(mlp_dim, activation="gelu")(h)
    h = layers.Dense(x.shape[-1])(layers.Dropout(dropout)(h))
    return x + layers.Dropout(dropout)(h)


def transformer(input_shape=(64, 32), dim=128, depth=2, heads=4, num_classes=10, dropout=0.1):
    """Dense embedding, learned positions, two encoder blocks, final LayerNorm, mean pool, head."""
    inputs = keras.Input(input_shape)
    x = PositionalEmbedding()(layers.Dense(dim)(inputs))
    for _ in range(depth):
        x = encoder_block(x, heads, 2 * dim, dropout)
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def compile_for_training(model, optimizer):
    """Bind the loss and the optimizer once; Keras compiles its step on the first batch."""
    model.compile(optimizer=optimizer, loss=loss_fn)


def train_step(model, x, y):
    """One optimisation step on a batch, by Keras's trainer; returns the loss."""
    return model.train_on_batch(x, y)


# --- not counted: what tests need to build and train the examples ------------------------------

MODELS = {"mlp": mlp, "cnn": cnn, "lstm": lstm, "transformer": transformer}


def _kwargs(workload: str, preset: str) -> dict[str, Any]:
    size = SIZES[workload][preset]
    shape = size.input_shape
    return {
        "mlp": lambda: {"in_features": shape[0], "hidden": size.width, "depth": size.depth},
        "cnn": lambda: {"input_shape": shape, "width": size.width, "stages": size.depth},
        "lstm": lambda: {"input_shape": shape, "units": size.width, "depth": size.depth},
        "transformer": lambda: {"input_shape": shape, "dim": size.width, "depth": size.depth, "heads": size.heads},
    }[workload]()


def build(workload: str, preset: str | None = None) -> keras.Model:
    """The example model of ``workload``.

    Args:
        workload: A zoo workload.
        preset: A zoo preset whose sizes are passed to the builder; None keeps the builder's
            defaults, which are the ``default`` preset.
    """
    return MODELS[workload](**({} if preset is None else _kwargs(workload, preset)))


def parameter_count(model: keras.Model) -> dict[str, int]:
    """Trainable scalars; Keras's LSTM has one bias per gate like the spec, so none is redundant.

    Returns:
        ``{"trainable": n, "redundant": 0}``.
    """
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    return {"trainable": trainable, "redundant": 0}


def train_once(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Compile ``model`` with SGD and run the counted :func:`train_step` once on a canonical batch.

    Returns:
        ``{"loss": float, "logits_shape": [batch, classes]}`` (logits from an inference call).
    """
    compile_for_training(model, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
    loss = train_step(model, x, y)
    logits = model.predict_on_batch(x)
    return {"loss": float(loss), "logits_shape": [int(d) for d in logits.shape]}
