"""TensorFlow's deployment paths: SavedModel, LiteRT (float32, int8, float16) and ONNX via tf2onnx.

Every exporter follows the contract of :mod:`showdown.deploy.paths`: it takes the adapter's Keras
model (``model.net``), the spec, an empty folder and float32 calibration inputs in the canonical
layout, writes the artifact and returns its info dict. Converter failures propagate with the
converter's own message. Choices made here, and why:

* **SavedModel** is Keras 3's own ``Model.export(format="tf_saved_model")``: one ``serve``
  endpoint, dynamic batch, run by :mod:`showdown.runtimes.savedmodel` through ``tf.saved_model.load``.
* **LiteRT** converts with ``tf.lite.TFLiteConverter.from_saved_model`` from a SavedModel whose
  serving signature is the *frozen* inference function (variables folded into constants), to
  builtin operators only, with a dynamic batch: the ``ai_edge_litert`` interpreter that runs the
  artifact has no Flex delegate, so ``SELECT_TF_OPS`` would convert and then fail to prepare.
  Keras 3's LSTM is a ``tf.while_loop`` over a TensorList whose element shape holds the batch;
  with a dynamic batch the converter cannot lower it to builtins ("Lowering tensor list ops is
  failed"), so a recurrent model that fails is converted again from a copy with ``unroll=True``
  (same weights), recorded under ``workarounds``. Fixed batch sizes would also convert the loop
  (a ``WHILE`` op), but TF 2.21's calibrator then crashes the process (SIGSEGV) on full-integer
  quantization, and each batch size would need its own file; unrolling has neither problem.
  Freezing gives the converter constants, not variables: an unfrozen loop keeps its weights as
  resource variables that nothing initializes in the ``.tflite`` file.
* **LiteRT int8-full** is strict full-integer: ``TFLITE_BUILTINS_INT8`` only, int8 input and
  output, activation ranges from ``calibration``; the runner quantizes inputs and dequantizes
  logits with the tensors' scale and zero point. An operator without an int8 kernel fails the
  conversion rather than silently staying float (that would be ``int8-dynamic``'s territory).
* **ONNX** uses ``tf2onnx.convert.from_function`` on the inference ``tf.function`` with a dynamic
  batch rather than Keras 3's ``Model.export(format="onnx")``: that export makes the same call but
  passes no custom op handlers, and when tf2onnx skips an operator it still writes the file, which
  ONNX Runtime then refuses to load. tf2onnx 1.17 has no ``Erfc``, which Keras's exact GELU uses;
  it is rewritten as ``1 - Erf`` and recorded under ``workarounds``. Any other unsupported
  operator raises with tf2onnx's error log and the ONNX checker's message.
"""

from __future__ import annotations

from showdown.frameworks.base import prepare

prepare("tensorflow")  # its Keras backend and log level, before tensorflow or keras is imported

import logging  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from showdown.deploy.paths import input_layout  # noqa: E402
from showdown.errors import ShowdownError  # noqa: E402
from showdown.frameworks import kerasnet, tflite  # noqa: E402
from showdown.models.spec import ModelSpec  # noqa: E402

Info = dict[str, Any]
ONNX_OPSET = 17  # tf2onnx 1.17 defaults to 15 and maps up to 18


def _inference(model: Any, spec: ModelSpec) -> Any:
    """The eval-mode forward as a ``tf.function`` over a dynamic batch of canonical inputs."""
    signature = tf.TensorSpec([None, *spec.input_shape], tf.float32, name="inputs")
    return tf.function(lambda x: model(x, training=False), input_signature=[signature])


# --------------------------------------------------------------------------- SavedModel


def export_savedmodel(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Keras 3's SavedModel export: one ``serve`` endpoint with a dynamic batch (calibration unused)."""
    return kerasnet.export_savedmodel(model, spec, out_dir, "keras.Model.export(format='tf_saved_model')")


# --------------------------------------------------------------------------- LiteRT


def _tflite_bytes(model: Any, spec: ModelSpec, configure: tflite.Configure) -> bytes:
    """Convert the frozen inference function (dynamic batch) to builtin operators."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    return tflite.convert(convert_variables_to_constants_v2(_inference(model, spec).get_concrete_function()), configure)


def _litert(model: Any, spec: ModelSpec, out_dir: str | Path, configure: tflite.Configure, notes: Info) -> Info:
    """Write ``model.tflite``; a recurrent model that fails to convert is retried unrolled."""
    path = Path(out_dir) / "model.tflite"
    info = {
        "artifact": str(path),
        "input_layout": input_layout(spec),
        "exporter": "tf.lite.TFLiteConverter.from_saved_model",
        "source": "frozen inference tf.function",
        "supported_ops": "TFLITE_BUILTINS",
        **notes,
    }
    try:
        data = _tflite_bytes(model, spec, configure)
    except Exception as first:
        unrolled = kerasnet.unrolled(model)
        if unrolled is None:
            raise
        try:
            data = _tflite_bytes(unrolled, spec, configure)
        except Exception as again:
            raise again from first
        info["workarounds"] = [f"recurrent layers unrolled (unroll=True) after the converter refused the loop: {tflite.error_line(first)}"]
    path.write_bytes(data)
    return info


def export_litert(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Float32 LiteRT model (see the module docstring for the conversion route).

    Args:
        model: The adapter's Keras model.
        spec: Its spec.
        out_dir: An empty folder for ``model.tflite``.
        calibration: Unused (float export).

    Returns:
        The info dict; ``workarounds`` says when recurrent layers had to be unrolled, and why.

    Raises:
        Exception: The converter's own error when no conversion succeeds.
    """
    return _litert(model, spec, out_dir, tflite.float32, {"weights": "float32"})


def export_litert_int8_dynamic(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Dynamic-range LiteRT model: int8 weights, activations quantized on the fly (``Optimize.DEFAULT``).

    The converter leaves weight tensors under 1,024 elements in float32, so a small model (the
    ``tiny`` transformer, whose largest kernel is 16 x 32) comes out unchanged.
    """
    return _litert(model, spec, out_dir, tflite.dynamic_range, {"weights": "int8", "io_dtype": "float32"})


def export_litert_int8_full(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Full-integer LiteRT model: int8 weights, activations, input and output.

    Activation ranges come from ``calibration``, fed one example at a time. The runner quantizes
    inputs and dequantizes outputs.
    """
    notes = {"weights": "int8", "io_dtype": "int8", "supported_ops": "TFLITE_BUILTINS_INT8", "calibration_examples": len(calibration)}
    return _litert(model, spec, out_dir, tflite.full_integer(calibration), notes)


def export_litert_fp16(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """Float16-weight LiteRT model (computation in float32 where the kernel has no float16 path)."""
    return _litert(model, spec, out_dir, tflite.float16, {"weights": "float16", "io_dtype": "float32"})


# --------------------------------------------------------------------------- ONNX


@contextmanager
def _logged_errors(name: str) -> Iterator[list[str]]:
    """Collect the ERROR records of logger ``name`` (tf2onnx logs skipped ops instead of raising)."""
    lines: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


def _erfc_handler(rewritten: list[str]) -> Callable[..., None]:
    """A tf2onnx handler for ``Erfc`` (already retyped ``Erf``): appends ``1 - Erf(x)``."""

    def handle(ctx: Any, node: Any, name: str, args: Any) -> None:
        from tf2onnx import utils

        dtype = utils.map_onnx_to_numpy_type(ctx.get_dtype(node.input[0]))
        one = ctx.make_const(utils.make_name(f"{name}_one"), np.array(1, dtype=dtype))
        ctx.insert_new_node_on_output("Sub", node.output[0], name=utils.make_name(f"{name}_erfc"), inputs=[one.output[0], node.output[0]])
        rewritten.append(name)

    return handle


def _to_onnx(model: Any, spec: ModelSpec, path: Path, rewrite_erfc: bool) -> list[str]:
    """Convert with tf2onnx, check the result; returns the names of rewritten Erfc nodes."""
    import onnx
    import tf2onnx

    rewritten: list[str] = []
    handlers = {"Erfc": (_erfc_handler(rewritten), ["Erf"])} if rewrite_erfc else None
    fn = _inference(model, spec)
    with _logged_errors("tf2onnx") as errors:
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=fn.input_signature, opset=ONNX_OPSET, custom_op_handlers=handlers, output_path=str(path))
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as exc:
        raise ShowdownError(" | ".join([*errors, str(exc).strip()])) from exc
    return rewritten


def export_onnx(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray, *, rewrite_erfc: bool = True) -> Info:
    """ONNX through tf2onnx, dynamic batch, canonical (NHWC) input; run by ONNX Runtime.

    Args:
        model: The adapter's Keras model.
        spec: Its spec.
        out_dir: An empty folder for ``model.onnx``.
        calibration: Unused (float export).
        rewrite_erfc: Rewrite ``Erfc`` (no tf2onnx handler) as ``1 - Erf``; False shows the failure.

    Returns:
        The info dict, with ``opset`` and any ``workarounds`` applied.

    Raises:
        ShowdownError: tf2onnx's error log and the ONNX checker's message when the model is invalid.
    """
    path = Path(out_dir) / "model.onnx"
    rewritten = _to_onnx(model, spec, path, rewrite_erfc)
    info: Info = {"artifact": str(path), "input_layout": input_layout(spec), "exporter": "tf2onnx.convert.from_function", "opset": ONNX_OPSET}
    if rewritten:
        info["workarounds"] = [f"tf2onnx has no Erfc (Keras exact GELU): {len(rewritten)} node(s) rewritten as 1 - Erf"]
    return info


def _onnx_quantized(model: Any, spec: ModelSpec, out_dir: str | Path, quantize: Callable[[Path, Path], Any], quantizer: str) -> Info:
    with tempfile.TemporaryDirectory(prefix="showdown-onnx-") as tmp:
        info = export_onnx(model, spec, tmp, np.empty(0, np.float32))
        target = Path(out_dir) / "model.int8.onnx"
        quantize(Path(info["artifact"]), target)
    from showdown.runtimes.onnxruntime import quantizer_settings

    return {**info, "artifact": str(target), "quantizer": quantizer, **quantizer_settings()}


def export_onnx_int8_dynamic(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """tf2onnx export, then ONNX Runtime's dynamic int8 quantization (int8 weights)."""
    from showdown.runtimes import onnxruntime as ortq

    return _onnx_quantized(model, spec, out_dir, ortq.quantize_dynamic, "onnxruntime.quantization.quantize_dynamic (QInt8 weights)")


def export_onnx_int8_static(model: Any, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray) -> Info:
    """tf2onnx export, then ONNX Runtime's static int8 (QDQ) with ranges from ``calibration``."""
    from showdown.runtimes import onnxruntime as ortq

    def quantize(source: Path, target: Path) -> Path:
        return ortq.quantize_static(source, target, calibration, input_layout=input_layout(spec))

    info = _onnx_quantized(model, spec, out_dir, quantize, "onnxruntime.quantization.quantize_static (QDQ, QInt8)")
    return {**info, "calibration_examples": len(calibration)}
