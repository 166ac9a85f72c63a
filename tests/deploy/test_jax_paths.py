"""The deployment paths of native JAX and Keras on JAX: export, run through the path's runner, compare.

These contenders run in a process of their own (``tests/contenders.py``): this file measures the
ones its process does, so ``tests/frameworks/test_other_backends.py`` runs it in the JAX and the
Keras-on-JAX processes. Each workload is built at the ``tiny`` preset for digits' input shapes with
seeded weights; the reference is the contender's eval-mode logits. Tolerances, against the largest
reference logit ``scale``:

* float32 artifacts: max abs deviation <= 1e-5;
* dynamic-range int8: max abs deviation <= 0.15 * scale and argmax agreement >= 90 % on the 450
  digits test inputs (the converter leaves kernels under 1,024 weights in float32).

Every comparison runs at batch 1 and batch 32 on one runner, so the resize between them is tested.
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

from contenders import INSTALLED
from showdown.data import digits
from showdown.deploy import paths
from showdown.frameworks import base
from showdown.frameworks.base import resolve
from showdown.models import zoo
from showdown.models.spec import ModelSpec, init_weights

OWNERS = ("jax", "keras-jax")
PATHS = [p for p in paths.PATHS.values() if p.framework in OWNERS and p.framework in INSTALLED]
pytestmark = pytest.mark.skipif(not PATHS, reason="measured in the JAX and the Keras-on-JAX processes (tests/frameworks/test_other_backends.py)")
FLOAT_ATOL = 1e-5
INT8_REL = 0.15
INT8_AGREEMENT = 0.90


@dataclass(frozen=True)
class Source:
    """One contender's workload: its native model, its spec, the inputs and the reference logits."""

    native: Any
    spec: ModelSpec
    x: np.ndarray
    logits: np.ndarray


@cache
def source(framework: str, workload: str) -> Source:
    fw = base.load(framework)
    fw.configure(threads=2, device="cpu", seed=0)
    spec = zoo.build(workload, "tiny", input_shape=digits.input_shape(workload)).without_dropout()
    model = fw.build(spec, init_weights(spec))
    x = digits.load(workload).x_test
    logits = np.asarray(fw.numpy(fw.predict(model, "eager")(fw.batch(x))))
    return Source(fw.native(model), spec, x, logits)


def expected_workaround(path: paths.PathInfo, workload: str) -> str | None:
    """The findings: Keras's SavedModel of an LSTM on JAX assigns its (uint32) seed generators' state."""
    if path.framework == "keras-jax" and path.runtime == "litert" and workload == "lstm":
        return "tfl.assign_variable"
    return None


# Keras's SavedModel export is the TensorFlow contender's call, checked there on every workload; here
# on the image and the recurrent model (a TensorFlow process loading each takes seconds)
_WORKLOADS = {"keras-jax-savedmodel": ("cnn", "lstm")}
CASES = [(p, w) for p in PATHS for w in _WORKLOADS.get(p.name, zoo.WORKLOADS)]


@pytest.mark.parametrize(("path", "workload"), CASES, ids=[f"{p.name}-{w}" for p, w in CASES])
def test_export_runs_and_matches_the_source_model(path: paths.PathInfo, workload: str, tmp_path: Path) -> None:
    if path.missing():
        pytest.skip(f"needs {', '.join(path.missing())}")
    src = source(path.framework, workload)
    info = resolve(path.exporter)(src.native, src.spec, tmp_path, np.empty(0, np.float32))
    assert Path(info["artifact"]).exists() and str(tmp_path) in info["artifact"]
    assert info["input_layout"] == ("NHWC" if workload == "cnn" else "NF" if workload == "mlp" else "NTF")
    assert info["exporter"] and "batch_sizes" not in info
    expected = expected_workaround(path, workload)
    assert (expected is None and "workarounds" not in info) or expected in info["workarounds"][0]
    runner = resolve(path.runner)(info["artifact"], {**info, "threads": 2})
    scale = float(np.abs(src.logits).max())
    for batch in (1, 32, 1):
        got = runner.run(src.x[:batch])
        assert got.dtype == np.float32 and got.shape == (batch, 10)
        if path.quantization is None:
            np.testing.assert_allclose(got, src.logits[:batch], rtol=0, atol=FLOAT_ATOL)
        else:
            assert np.abs(got - src.logits[:batch]).max() <= INT8_REL * scale
    if path.quantization:
        outputs = np.concatenate([runner.run(src.x[i : i + 32]) for i in range(0, len(src.x), 32)])
        agreement = np.mean(outputs.argmax(-1) == src.logits.argmax(-1))
        assert agreement >= INT8_AGREEMENT, f"argmax agreement {agreement:.3f}"


@pytest.mark.skipif("jax" not in INSTALLED, reason="measured in the JAX process")
def test_stablehlo_artifact_is_lowered_for_the_cpu_with_a_symbolic_batch(tmp_path: Path) -> None:
    from jax import export

    src = source("jax", "mlp")
    info = resolve(paths.get("jax-stablehlo").exporter)(src.native, src.spec, tmp_path, np.empty(0, np.float32))
    exported = export.deserialize(bytearray(Path(info["artifact"]).read_bytes()))
    assert info["platforms"] == ["cpu"] == list(exported.platforms)
    assert not isinstance(exported.in_avals[0].shape[0], int)  # the batch: a symbolic dimension
    assert exported.in_avals[0].shape[1:] == src.spec.input_shape


@pytest.mark.skipif("jax" not in INSTALLED, reason="measured in the JAX process")
def test_stablehlo_runner_loads_with_jax_alone() -> None:
    code = "import sys, showdown.runtimes.stablehlo; print(*('flax' in sys.modules, 'tensorflow' in sys.modules, 'jax' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
