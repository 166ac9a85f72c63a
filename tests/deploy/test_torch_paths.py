"""Every PyTorch deployment path: export into a temporary folder, run through the path's runner
in this process, and compare with the source model's eval-mode logits on digits inputs.

Tolerances:
    float paths: max |runner - eager| <= 1e-4 x max(1, max |eager logit|), at batch 1 and 32
    (observed: <= 1.5e-6 on every path and workload).
    int8 paths: argmax agreement with eager >= 90 % on 448 digits test examples and
    max |runner - eager| <= 0.1 x max(1, max |eager logit|) (observed: agreement >= 97.7 %,
    deviation <= 2.5 % of the logit scale).

Cost on 2 cores: AOTInductor compiles C++ (7-20 s a model), so it runs on the mlp and cnn only
(the lstm and transformer compile and match too; see the deploy survey in the report).
ExecuTorch lowering takes 10-40 s a model; its mlp and cnn cases run by default, and the float
lstm (marked ``slow``); the float transformer and the int8 lstm and transformer are marked
``survey``, which the default run leaves out (``pytest -m survey`` runs them; ``showdown deploy``
measures and verifies every path on every workload).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from showdown.data import digits
from showdown.deploy import paths
from showdown.errors import ConfigError, ShowdownError
from showdown.frameworks import base
from showdown.frameworks.base import resolve
from showdown.models import zoo
from showdown.models.spec import ModelSpec, init_weights

FLOAT_TOL = 1e-4
INT8_AGREEMENT = 0.90
INT8_TOL = 0.1
CALIBRATION = 256  # digits training examples; static int8 calibration cost grows with it
WORKLOADS = zoo.WORKLOADS
LAYOUTS = {"mlp": "NF", "cnn": "NCHW", "lstm": "NTF", "transformer": "NTF"}

slow = pytest.mark.slow
survey = pytest.mark.survey


def _cases(path: str, workloads: tuple[str, ...], marks: tuple = ()) -> list[Any]:
    return [pytest.param(path, w, marks=marks, id=f"{path}-{w}") for w in workloads]


def _needs(path: str) -> list[Any]:
    missing = paths.get(path).missing()
    return [pytest.mark.skip(reason=f"needs {', '.join(missing)}")] if missing else []


FLOAT_CASES = [
    *_cases("torchscript", WORKLOADS),
    *_cases("torch-export", WORKLOADS),
    *_cases("aoti", ("mlp", "cnn")),
    *_cases("onnx-ort", WORKLOADS, tuple(_needs("onnx-ort"))),
    *_cases("executorch-xnnpack", ("mlp", "cnn"), tuple(_needs("executorch-xnnpack"))),
    *_cases("executorch-xnnpack", ("lstm",), (slow, *_needs("executorch-xnnpack"))),
    *_cases("executorch-xnnpack", ("transformer",), (slow, survey, *_needs("executorch-xnnpack"))),
]
INT8_CASES = [
    *_cases("onnx-ort-int8-dynamic", WORKLOADS, tuple(_needs("onnx-ort-int8-dynamic"))),
    *_cases("onnx-ort-int8-static", WORKLOADS, tuple(_needs("onnx-ort-int8-static"))),
    *_cases("executorch-xnnpack-int8", ("mlp", "cnn"), tuple(_needs("executorch-xnnpack-int8"))),
    *_cases("executorch-xnnpack-int8", ("lstm", "transformer"), (slow, survey, *_needs("executorch-xnnpack-int8"))),
]


@cache
def _model(workload: str) -> tuple[Any, ModelSpec]:
    adapter = base.load("torch")
    adapter.configure(threads=2, device="cpu", seed=0)
    spec = zoo.build(workload, "tiny", input_shape=digits.input_shape(workload))
    model = adapter.build(spec, init_weights(spec))
    model.module.eval()
    return model, spec



def _eager(module: Any, x: np.ndarray) -> np.ndarray:
    native = x.transpose(0, 3, 1, 2) if x.ndim == 4 else x
    with torch.inference_mode():
        return module(torch.from_numpy(np.array(native, copy=True))).numpy()


def _export(path: str, workload: str, out: Path) -> tuple[dict[str, Any], Any, Any]:
    """Export ``workload`` along ``path`` into ``out``; return the info, the runner and the model."""
    model, spec = _model(workload)
    info = paths.get(path)
    calibration = digits.load(workload).x_train[:CALIBRATION]
    result = resolve(info.exporter)(model.module, spec, out, calibration)
    _check_info(result, out, workload)
    return result, resolve(info.runner)(result["artifact"], result), model


def _check_info(info: dict[str, Any], out: Path, workload: str) -> None:
    artifact = Path(info["artifact"])
    assert artifact.is_file() and artifact.parent == out
    assert info["input_layout"] == LAYOUTS[workload]
    assert isinstance(info["exporter"], str) and info["exporter"]
    json.dumps(info)  # the info dict crosses process boundaries as JSON


def _scale(reference: np.ndarray) -> float:
    return max(1.0, float(np.abs(reference).max()))


@pytest.mark.parametrize(("path", "workload"), FLOAT_CASES)
def test_float_path_matches_eager(path: str, workload: str, tmp_path: Path) -> None:
    info, runner, model = _export(path, workload, tmp_path)
    x = digits.load(workload).x_test
    for batch in info.get("batch_sizes", (1, 32)):
        reference = _eager(model.module, x[:batch])
        got = runner.run(x[:batch])
        assert got.shape == reference.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, reference, rtol=0, atol=FLOAT_TOL * _scale(reference))


@pytest.mark.parametrize(("path", "workload"), INT8_CASES)
def test_int8_path_stays_close_to_eager(path: str, workload: str, tmp_path: Path) -> None:
    info, runner, model = _export(path, workload, tmp_path)
    if path.startswith("onnx-ort-int8"):  # 7-bit weights exactly where this CPU's int8 kernels saturate
        from showdown.runtimes.onnxruntime import saturates

        assert info["reduce_range"] is saturates()
    x = digits.load(workload).x_test
    assert runner.run(x[:1]).shape == (1, 10)
    usable = len(x) - len(x) % 32
    got = np.concatenate([runner.run(x[i : i + 32]) for i in range(0, usable, 32)])
    reference = _eager(model.module, x[:usable])
    agreement = float((got.argmax(1) == reference.argmax(1)).mean())
    assert agreement >= INT8_AGREEMENT, f"argmax agreement {agreement:.3f}"
    assert float(np.abs(got - reference).max()) <= INT8_TOL * _scale(reference)


@pytest.mark.parametrize("path", ["executorch-xnnpack"])
def test_fixed_batch_runner_rejects_other_batch_sizes(path: str, tmp_path: Path) -> None:
    pytest.importorskip("executorch")
    info, runner, _ = _export(path, "mlp", tmp_path)
    assert info["batch_sizes"] == [1, 32]
    with pytest.raises(ConfigError, match="exported for batch sizes 1, 32, got a batch of 5"):
        runner.run(digits.load("mlp").x_test[:5])


class _Branchy(torch.nn.Module):
    """Data-dependent control flow: what ``torch.export`` cannot capture."""

    def forward(self, x: Any) -> Any:
        if x.sum() > 0:
            return x[:, :10]
        return -x[:, :10]


@pytest.mark.parametrize(("path", "message"), [
    ("torch-export", "Could not guard on data-dependent expression"),
    ("onnx-ort", "Failed to export the model with torch.export"),
])
def test_exporter_errors_propagate_verbatim(path: str, message: str, tmp_path: Path) -> None:
    if paths.get(path).missing():
        pytest.skip(f"needs {', '.join(paths.get(path).missing())}")
    _, spec = _model("mlp")
    with pytest.raises(Exception, match=message) as raised:
        resolve(paths.get(path).exporter)(_Branchy(), spec, tmp_path, None)
    assert not isinstance(raised.value, ShowdownError)


@pytest.mark.parametrize("path", ["onnx-ort-int8-static", "executorch-xnnpack-int8"])
def test_static_int8_needs_calibration(path: str, tmp_path: Path) -> None:
    model, spec = _model("mlp")
    with pytest.raises(ConfigError, match="needs calibration inputs"):
        resolve(paths.get(path).exporter)(model.module, spec, tmp_path, None)
