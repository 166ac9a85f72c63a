"""Every TensorFlow deployment path on every workload: export, run through the path's runner, compare.

Each workload is built at the ``tiny`` preset for digits' input shapes with seeded weights; the
reference is the Keras model's eval-mode logits. Tolerances, against the largest reference logit
``scale`` (1 to 5 here):

* float32 artifacts: max abs deviation <= 1e-5 (observed <= 1.5e-6);
* float16 weights: max abs deviation <= 1e-2 (observed <= 3.3e-3);
* int8 artifacts: max abs deviation <= 0.15 * scale (observed <= 0.085 * scale) and argmax
  agreement >= 90 % on the 450 digits test inputs (observed >= 95.8 %).

Every comparison runs at batch 1 and batch 32, on one runner, so the resize between them is tested.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from showdown.data import digits
from showdown.deploy import paths
from showdown.frameworks import base
from showdown.frameworks.base import resolve
from showdown.models import zoo
from showdown.models.spec import ModelSpec, init_weights

pytestmark = pytest.mark.skipif(not base.is_installed("tensorflow"), reason="needs tensorflow")

TF_PATHS = [p for p in paths.PATHS.values() if p.framework == "tensorflow"]
FLOAT_ATOL = 1e-5
FLOAT16_ATOL = 1e-2
INT8_REL = 0.15
INT8_AGREEMENT = 0.90
CALIBRATION = 256  # what the deploy scenario passes: the first 256 training examples


@dataclass(frozen=True)
class Source:
    """One workload's Keras model, its inputs and its reference logits."""

    spec: ModelSpec
    net: Any
    x: np.ndarray
    logits: np.ndarray
    calibration: np.ndarray


@cache
def source(workload: str) -> Source:
    fw = base.load("tensorflow")
    fw.configure(threads=2, device="cpu", seed=0)
    spec = zoo.build(workload, "tiny", input_shape=digits.input_shape(workload))
    net = fw.build(spec, init_weights(spec)).net
    split = digits.load(workload)
    logits = np.asarray(net(split.x_test, training=False))
    return Source(spec, net, split.x_test, logits, split.x_train[:CALIBRATION])



def export(path: paths.PathInfo, workload: str, out: Path, **options: Any) -> dict[str, Any]:
    src = source(workload)
    return resolve(path.exporter)(src.net, src.spec, out, src.calibration, **options)


def outputs(runner: Any, x: np.ndarray) -> np.ndarray:
    """Logits in batches of 32 (the last batch is shorter: a third batch size for the runner)."""
    return np.concatenate([runner.run(x[i : i + 32]) for i in range(0, len(x), 32)])


def expected_workaround(path: paths.PathInfo, workload: str) -> str | None:
    """The findings: what each converter cannot do as-is, and what the exporter does about it."""
    if path.runtime == "litert" and workload == "lstm":
        return "Lowering tensor list ops is failed"  # Keras 3's LSTM loop at a dynamic batch
    if path.runtime == "onnxruntime" and workload == "transformer":
        return "Erfc"  # Keras's exact GELU; tf2onnx 1.17 has no handler for it
    return None


def check_bound(path: paths.PathInfo, got: np.ndarray, want: np.ndarray, scale: float) -> None:
    if path.quantization is None:
        np.testing.assert_allclose(got, want, rtol=0, atol=FLOAT_ATOL)
    elif path.quantization == "float16":
        np.testing.assert_allclose(got, want, rtol=0, atol=FLOAT16_ATOL)
    else:
        assert np.abs(got - want).max() <= INT8_REL * scale


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
@pytest.mark.parametrize("path", TF_PATHS, ids=[p.name for p in TF_PATHS])
def test_export_runs_and_matches_the_keras_model(path: paths.PathInfo, workload: str, tmp_path: Path) -> None:
    if path.missing():
        pytest.skip(f"needs {', '.join(path.missing())}")
    info = export(path, workload, tmp_path)
    assert Path(info["artifact"]).exists() and str(tmp_path) in info["artifact"]
    assert info["input_layout"] == ("NHWC" if workload == "cnn" else "NF" if workload == "mlp" else "NTF")
    assert info["exporter"] and "batch_sizes" not in info  # every artifact takes any batch size
    expected = expected_workaround(path, workload)
    assert (expected is None and "workarounds" not in info) or expected in info["workarounds"][0]
    src = source(workload)
    runner = resolve(path.runner)(info["artifact"], {**info, "threads": 2})
    scale = float(np.abs(src.logits).max())
    for batch in (1, 32, 1):
        got = runner.run(src.x[:batch])
        assert got.dtype == np.float32 and got.shape == (batch, 10)
        check_bound(path, got, src.logits[:batch], scale)
    if path.quantization and path.quantization.startswith("int8"):
        if path.runtime == "onnxruntime":  # 7-bit weights exactly where this CPU's int8 kernels saturate
            from showdown.runtimes.onnxruntime import saturates

            assert info["reduce_range"] is saturates()
        agreement = np.mean(outputs(runner, src.x).argmax(-1) == src.logits.argmax(-1))
        assert agreement >= INT8_AGREEMENT, f"argmax agreement {agreement:.3f}"


def test_litert_int8_full_has_integer_io_that_the_runner_converts(tmp_path: Path) -> None:
    from ai_edge_litert.interpreter import Interpreter

    info = export(paths.get("litert-int8-full"), "cnn", tmp_path)
    interpreter = Interpreter(model_path=info["artifact"])
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    assert info["io_dtype"] == "int8" and info["supported_ops"] == "TFLITE_BUILTINS_INT8"


def test_tf2onnx_cannot_export_exact_gelu_without_the_erfc_rewrite(tmp_path: Path) -> None:
    """A finding: tf2onnx 1.17 has no handler for Erfc, which Keras's exact GELU lowers to."""
    from showdown.errors import ShowdownError

    with pytest.raises(ShowdownError, match="Erfc") as caught:
        export(paths.get("tf-onnx-ort"), "transformer", tmp_path, rewrite_erfc=False)
    assert "is not supported" in str(caught.value) and "No Op registered for Erfc" in str(caught.value)


def test_litert_interpreter_has_no_flex_delegate(tmp_path: Path) -> None:
    """Why the exporter keeps to builtin ops: SELECT_TF_OPS converts but ai_edge_litert cannot run it."""
    import tensorflow as tf

    from showdown.frameworks.tensorflow.deploy import _inference
    from showdown.runtimes import litert

    src = source("lstm")
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_inference(src.net, src.spec).get_concrete_function()], src.net)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    converter._experimental_lower_tensor_list_ops = False
    artifact = tmp_path / "flex.tflite"
    artifact.write_bytes(converter.convert())
    runner = litert.runner(artifact, {})
    with pytest.raises(RuntimeError, match="Select TensorFlow op"):
        runner.run(src.x[:1])


def test_litert_runner_does_not_import_tensorflow() -> None:
    code = "import sys, showdown.runtimes.litert; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
