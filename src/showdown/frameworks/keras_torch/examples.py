"""The zoo's workloads as a Keras 3 user writes them, run here on Keras's PyTorch backend, for the code-size comparison.

Multi-backend Keras code does not change with the backend: the models and the training step (Keras's
own trainer, ``compile`` then ``train_on_batch``) are :mod:`showdown.frameworks.kerasexamples`'s,
the same text the other Keras contenders count. :mod:`showdown.devx.codesize` reads them there.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-torch")  # KERAS_BACKEND=torch before keras is imported

from showdown.frameworks.kerasexamples import (  # noqa: E402, F401 - read by the code-size counter where defined
    MODELS, SOURCES, PositionalEmbedding, build, cnn, compile_for_training, conv_bn, encoder_block, loss_fn, lstm, mlp,
    parameter_count, residual_block, train_once, train_step, transformer,
)
