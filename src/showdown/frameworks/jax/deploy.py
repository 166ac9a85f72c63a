"""Native JAX's deployment paths: serialized StableHLO (``jax.export``) and LiteRT through ``jax2tf``.

Every exporter follows the contract of :mod:`showdown.deploy.paths`: it takes the adapter's
inference view of the Flax module (``fw.native(model)``: batch statistics and no dropout), the
spec, an empty folder and float32 calibration inputs in the canonical layout (Flax's own layouts:
NHWC images), writes the artifact and returns its info dict. Choices made here, and why:

* Both paths start from one pure function of the input: the module split once into its graph and
  its weights, the weights made plain arrays (``nnx.as_pure``) that the traced function closes
  over, so they become constants of the lowered program. Closing over the live ``Variable`` s
  instead fails under ``jax.jit`` for the LSTM: ``nnx.scan`` refuses graph nodes of another trace.
* **StableHLO** is ``jax.export.export`` of the jitted function with a symbolic batch dimension,
  serialized with ``Exported.serialize()``; :mod:`showdown.runtimes.stablehlo` loads it with JAX
  alone (no Flax, no model code). It is lowered for the CPU only, which the info records.
* **LiteRT** lowers the same function to a ``tf.function`` with ``jax2tf.convert`` (a dynamic
  batch through ``polymorphic_shapes``, no gradient) and converts it with TensorFlow's converter to
  builtin operators (:mod:`showdown.frameworks.tflite`). ``jax2tf`` embeds the StableHLO in one
  ``XlaCallModule`` op, which the converter lowers to LiteRT operators. Dynamic-range int8 is the
  same conversion with ``Optimize.DEFAULT``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from showdown.deploy.paths import input_layout
from showdown.frameworks.jax.adapter import merged_call
from showdown.models.spec import ModelSpec

Info = dict[str, Any]


def _pure(module: nnx.Module) -> Callable[[jax.Array], jax.Array]:
    """``x -> logits`` of ``module`` with its weights as plain arrays the function closes over."""
    graphdef, state = nnx.split(module)
    weights = nnx.as_pure(state)
    call = merged_call(graphdef)
    return lambda x: call(weights, x)


# --------------------------------------------------------------------------- StableHLO


def export_stablehlo(module: nnx.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """``jax.export`` of the jitted inference function, batch dimension symbolic, serialized.

    Args:
        module: The adapter's inference view of the Flax module.
        spec: Its spec.
        out_dir: An empty folder for ``model.stablehlo``.
        calibration: Unused (float export).

    Returns:
        The info dict, with the platforms it was lowered for and its calling convention version.
    """
    from jax import export

    (batch,) = export.symbolic_shape("batch")
    exported = export.export(jax.jit(_pure(module)))(jax.ShapeDtypeStruct((batch, *spec.input_shape), jnp.float32))
    path = Path(out_dir) / "model.stablehlo"
    path.write_bytes(exported.serialize())
    return {
        "artifact": str(path),
        "input_layout": input_layout(spec),
        "exporter": "jax.export.export (serialized StableHLO)",
        "platforms": list(exported.platforms),
        "calling_convention_version": int(exported.calling_convention_version),
    }


# --------------------------------------------------------------------------- LiteRT


def _litert(module: nnx.Module, spec: ModelSpec, out_dir: str | Path, setting: str, notes: Info) -> Info:
    """Write ``model.tflite``, converted with :mod:`showdown.frameworks.tflite`'s ``setting`` (imported
    here: the StableHLO path does not pay for TensorFlow)."""
    from showdown.frameworks import tflite

    path = Path(out_dir) / "model.tflite"
    path.write_bytes(tflite.convert(tflite.from_jax(_pure(module), spec.input_shape), getattr(tflite, setting)))
    return {
        "artifact": str(path),
        "input_layout": input_layout(spec),
        "exporter": "jax2tf.convert + tf.lite.TFLiteConverter.from_saved_model",
        "source": "jitted inference function, weights as constants",
        "supported_ops": "TFLITE_BUILTINS",
        **notes,
    }


def export_litert(module: nnx.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Float32 LiteRT model through ``jax2tf`` (see the module docstring).

    Raises:
        Exception: The converter's own error when the lowered program has an operator it cannot map.
    """
    return _litert(module, spec, out_dir, "float32", {"weights": "float32"})


def export_litert_int8_dynamic(module: nnx.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Dynamic-range LiteRT model through ``jax2tf``: int8 weights, activations quantized on the fly."""
    return _litert(module, spec, out_dir, "dynamic_range", {"weights": "int8", "io_dtype": "float32"})
