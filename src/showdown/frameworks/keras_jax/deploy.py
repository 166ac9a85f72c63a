"""Keras on JAX's deployment paths: Keras's own SavedModel export, and LiteRT converted from it.

Every exporter follows the contract of :mod:`showdown.deploy.paths`: it takes the adapter's Keras
model (``fw.native(model)``, its variables holding the trained state), the spec, an empty folder and
float32 calibration inputs in the canonical layout, writes the artifact and returns its info dict.

* **SavedModel** is ``Model.export(format="tf_saved_model")``, the call a Keras user makes on any
  backend. On JAX, Keras lowers the model's stateless call with ``jax2tf`` into a TensorFlow
  graph (one ``XlaCallModule`` op holding the StableHLO) whose weights are TensorFlow variables,
  with a dynamic batch, so the artifact runs in TensorFlow without JAX. It needs TensorFlow
  installed next to JAX. TensorFlow's SavedModel runner runs it.
* **LiteRT** converts that SavedModel with TensorFlow's converter to builtin operators
  (:mod:`showdown.frameworks.tflite`); the converter lowers the StableHLO to LiteRT operators.
  The SavedModel of a model with an LSTM also holds the state of Keras's seed generators (``uint32``
  variables its graph assigns), which LiteRT has no variable type for. The model's
  ``stateless_call`` (weights as constants) lowered by ``jax2tf`` has no variables, but Keras's
  recurrent loop on JAX gathers its last step over the dynamic batch (``dynamic_gather``, which the
  converter cannot lower); a copy with the recurrent layers unrolled (same weights) has neither
  problem. So a recurrent model the converter refuses is converted that way, and ``workarounds``
  says so.
  Keras 3 has a LiteRT export of its own, but not on the JAX backend ("LiteRT export requires
  TensorFlow or PyTorch backend", Keras 3.15). Keras's ONNX export on JAX needs the separate
  ``jax2onnx`` package, which the default install does not include; it is not a path here.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("keras-jax")  # KERAS_BACKEND=jax before keras is imported

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from showdown.deploy.paths import input_layout  # noqa: E402
from showdown.frameworks import kerasnet  # noqa: E402
from showdown.models.spec import ModelSpec  # noqa: E402

Info = dict[str, Any]
EXPORTER = "keras.Model.export(format='tf_saved_model') on the JAX backend (jax2tf)"


def export_savedmodel(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Keras's SavedModel export on JAX: one ``serve`` endpoint with a dynamic batch (calibration unused)."""
    return kerasnet.export_savedmodel(model, spec, out_dir, EXPORTER)


def _stateless(model: Any) -> Any:
    """``x -> logits`` of ``model``'s ``stateless_call`` in inference, its weights closed over as arrays."""
    import jax.numpy as jnp

    trainable = [jnp.asarray(v.value) for v in model.trainable_variables]
    frozen = [jnp.asarray(v.value) for v in model.non_trainable_variables]
    return lambda x: model.stateless_call(trainable, frozen, x, training=False)[0]


def _litert(model: Any, spec: ModelSpec, out_dir: str | Path, setting: str, notes: Info) -> Info:
    """Convert Keras's SavedModel; where the converter refuses it, the stateless call lowered by ``jax2tf``."""
    from showdown.frameworks import tflite

    configure = getattr(tflite, setting)
    path = Path(out_dir) / "model.tflite"
    info = {"artifact": str(path), "input_layout": input_layout(spec), "exporter": f"{EXPORTER} + tf.lite.TFLiteConverter.from_saved_model",
            "supported_ops": "TFLITE_BUILTINS", **notes}
    with tempfile.TemporaryDirectory(prefix="showdown-keras-jax-") as tmp:
        export_savedmodel(model, spec, tmp, calibration=np.empty(0, np.float32))
        try:
            data = tflite.convert_saved_model(str(Path(tmp) / "savedmodel"), configure)
        except Exception as first:
            copy = kerasnet.unrolled(model)
            if copy is None:
                raise
            try:
                data = tflite.convert(tflite.from_jax(_stateless(copy), spec.input_shape), configure)
            except Exception as again:
                raise again from first
            info["exporter"] = "Model.stateless_call lowered by jax2tf.convert + tf.lite.TFLiteConverter.from_saved_model"
            info["workarounds"] = [f"the stateless call of a copy with its recurrent layers unrolled (same weights) converted, after the converter "
                                   f"refused Keras's SavedModel: {tflite.error_line(first)}"]
    path.write_bytes(data)
    return info


def export_litert(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Float32 LiteRT model converted from Keras's SavedModel (see the module docstring).

    Raises:
        Exception: The converter's own error when the lowered program has an operator it cannot map.
    """
    return _litert(model, spec, out_dir, "float32", {"weights": "float32"})


def export_litert_int8_dynamic(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Dynamic-range LiteRT model converted from Keras's SavedModel: int8 weights, activations quantized on the fly."""
    return _litert(model, spec, out_dir, "dynamic_range", {"weights": "int8", "io_dtype": "float32"})
