"""The zoo's workloads as a TensorFlow/Keras user would write them by hand, for the code-size comparison.

The models are :mod:`showdown.frameworks.kerasexamples`'s, the Keras functional-API models every
Keras contender shares (its house rules and the one idiomatic difference from the spec are stated
there); this side adds the training step TensorFlow's guides write: ``GradientTape`` and
``apply_gradients`` under ``tf.function``. The objects named in :data:`SOURCES` are what
:mod:`showdown.devx.codesize` measures, read without importing this file (the imported models where
they are defined); everything below the "not counted" line only lets tests build and train them.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("tensorflow")  # its Keras backend and log level, before tensorflow or keras is imported

from typing import Any  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from showdown.frameworks.kerasexamples import (  # noqa: E402, F401 - the models every Keras contender shares
    MODELS, PositionalEmbedding, build, cnn, conv_bn, encoder_block, lstm, mlp, parameter_count, residual_block, transformer,
)

#: Top-level objects whose source counts for each workload: the model and the training step.
SOURCES = {
    "mlp": ["mlp"],
    "cnn": ["conv_bn", "residual_block", "cnn"],
    "lstm": ["lstm"],
    "transformer": ["PositionalEmbedding", "encoder_block", "transformer"],
    "train_step": ["loss_fn", "train_step"],
}


loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def train_step(model, optimizer, x, y):
    """One optimisation step on a batch; returns the loss tensor."""
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


# --- not counted: what tests need to build and train the examples ------------------------------

def train_once(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Run the counted :func:`train_step` once with SGD on a canonical batch.

    The optimizer's variables are built before the call: ``train_step`` is one ``tf.function``
    shared by every model, and a ``tf.function`` may create variables only on its first trace.

    Returns:
        ``{"loss": float, "logits_shape": [batch, classes]}`` (logits from an inference call).
    """
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    optimizer.build(model.trainable_variables)
    loss = train_step(model, optimizer, tf.constant(x), tf.constant(y))
    logits = model(tf.constant(x), training=False)
    return {"loss": float(loss), "logits_shape": [int(d) for d in logits.shape]}
