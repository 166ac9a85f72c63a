"""LiteRT conversion with TensorFlow's converter, for every contender that converts through TensorFlow.

TensorFlow converts its Keras model's frozen inference function; native JAX converts its model
lowered by ``jax2tf`` (:func:`from_jax`): each hands :func:`convert` a concrete function over a
dynamic batch. Keras on JAX hands :func:`convert_saved_model` the SavedModel Keras exported. Each
passes one of the ``configure`` settings here (float32, dynamic-range int8, float16 weights, full
integer). Imports tensorflow, not keras, so a process running Keras on
another backend can use it.

The function is saved as a SavedModel's serving signature and converted with
``TFLiteConverter.from_saved_model`` to builtin operators only: the ``ai_edge_litert`` interpreter
that runs the artifact has no Flex delegate, so ``SELECT_TF_OPS`` would convert and then fail to
prepare.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

Configure = Callable[[Any], None]  # sets options on a TFLiteConverter


def convert(function: Any, configure: Configure) -> bytes:
    """The ``.tflite`` bytes of ``function`` (a concrete ``tf.function``) converted to builtin operators.

    Raises:
        Exception: The converter's own error (see :func:`error_line` for its gist).
    """
    with tempfile.TemporaryDirectory(prefix="showdown-litert-") as tmp:
        tf.saved_model.save(tf.Module(), tmp, signatures=function)
        return convert_saved_model(tmp, configure)


def from_jax(fn: Callable[[Any], Any], input_shape: tuple[int, ...]) -> Any:
    """``fn`` (a JAX function of a float32 batch) lowered by ``jax2tf`` to a concrete ``tf.function``.

    The batch dimension is dynamic (``polymorphic_shapes``) and no gradient is kept. ``jax2tf``
    embeds ``fn``'s StableHLO in one ``XlaCallModule`` op, which the converter lowers to LiteRT
    operators; what ``fn`` closes over becomes constants.
    """
    from jax.experimental import jax2tf

    lowered = jax2tf.convert(fn, polymorphic_shapes=["(b, ...)"], with_gradient=False)
    signature = tf.TensorSpec([None, *input_shape], tf.float32, name="inputs")
    return tf.function(lowered, input_signature=[signature], autograph=False).get_concrete_function()


def convert_saved_model(path: str, configure: Configure) -> bytes:
    """The ``.tflite`` bytes of the SavedModel at ``path`` (its serving signature), builtin operators only."""
    converter = tf.lite.TFLiteConverter.from_saved_model(str(path))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    configure(converter)
    return converter.convert()


def error_line(exc: BaseException, limit: int = 400) -> str:
    """The converter's last ``error:`` line (the others repeat it behind long MLIR locations)."""
    lines = [line.strip() for line in str(exc).splitlines() if "error:" in line]
    last = lines[-1] if lines else str(exc).strip()
    return last[last.rfind("error:") :][:limit]


def float32(converter: Any) -> None:
    """No option: float32 weights and activations."""


def dynamic_range(converter: Any) -> None:
    """Int8 weights, activations quantized on the fly (``Optimize.DEFAULT`` without calibration).

    The converter leaves weight tensors under 1,024 elements in float32, so a small model's
    artifact may come out unchanged.
    """
    converter.optimizations = [tf.lite.Optimize.DEFAULT]


def float16(converter: Any) -> None:
    """Float16 weights (computation in float32 where a kernel has no float16 path)."""
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]


def full_integer(calibration: np.ndarray) -> Configure:
    """Strict full-integer: int8 operators only, int8 input and output, ranges from ``calibration``."""

    def configure(converter: Any) -> None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: _representative(calibration)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8

    return configure


def _representative(calibration: np.ndarray) -> Iterator[list[np.ndarray]]:
    """The calibration examples, one per step (batch 1)."""
    for example in calibration.astype(np.float32):
        yield [example[None]]
