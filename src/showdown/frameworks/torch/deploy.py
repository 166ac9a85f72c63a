"""PyTorch's deployment paths: exporters, and the runners of the paths whose runtime is torch.

Each exporter follows the contract of :mod:`showdown.deploy.paths`: it takes the adapter's
``nn.Module`` (``Model.module``), the spec, an empty folder and canonical-layout calibration
inputs, writes one artifact and returns its info dict. Exporters put the module in eval mode for
the export (inference artifacts) and restore its mode afterwards. Failures are not wrapped: the
exporter's own exception reaches the caller, so its message is recorded verbatim.

Input layouts in the info dict: ``NCHW`` for images (runners transpose from the canonical NHWC),
``NTF`` for sequences (batch, time, features) and ``NF`` for flat vectors, which need no change.

Batch sizes: TorchScript, ``torch.export``, AOTInductor and ONNX artifacts take any batch size
(a dynamic batch dimension). ExecuTorch artifacts are exported for fixed batch sizes, one method
per size (``forward_b1``, ``forward_b32``) in one ``.pte`` (the mlp's and cnn's weights are stored
once; the unrolled lstm's are not: 83 KB for one method, 148 KB for two). A bounded dynamic batch lowered correctly for the mlp, lstm and transformer, but not for
the cnn (executorch 1.5.1: its planned input bound came out as 15 examples whatever maximum
``Dim`` declared, so batch 32 failed in ``set_inputs``); fixed sizes work for every workload.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from showdown.deploy import paths
from showdown.errors import ConfigError
from showdown.models.spec import ModelSpec

BATCH_SIZES = (1, 32)  # what fixed-batch (ExecuTorch) artifacts are exported for
_EXAMPLE_BATCH = 2  # batch of the example input for dynamic exports (1 would be specialised)
_CALIBRATION_BATCH = 32


# --------------------------------------------------------------------------- shared helpers


def input_layout(spec: ModelSpec) -> str:
    """The layout a torch artifact of ``spec`` takes: ``NCHW``, ``NTF`` or ``NF``."""
    return paths.input_layout(spec, channels_first=True)


def to_native(x: np.ndarray) -> torch.Tensor:
    """Canonical float32 input as a torch tensor in torch's layout, with plain C-order strides.

    The copy matters: ``np.ascontiguousarray`` of a transposed array with a size-1 axis (one
    channel, batch 1) keeps odd strides, which ExecuTorch reads as another dim order.
    """
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    return torch.from_numpy(np.array(x, dtype=np.float32, order="C", copy=True))


def _example(spec: ModelSpec, batch: int) -> torch.Tensor:
    shape = (batch, *spec.input_shape)
    generator = np.random.default_rng(0)
    return to_native(generator.random(shape, dtype=np.float32))


def _batch_dim() -> tuple[dict[int, Any]]:
    """``dynamic_shapes`` for a single input whose first axis is the batch."""
    return ({0: torch.export.Dim("batch", min=1)},)


@contextlib.contextmanager
def _eval(module: nn.Module) -> Iterator[nn.Module]:
    """Run the export in eval mode (running statistics, no dropout); restore the mode after."""
    training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(training)


def _info(artifact: Path, spec: ModelSpec, exporter: str, started: float, **notes: Any) -> dict[str, Any]:
    return {
        "artifact": str(artifact),
        "input_layout": input_layout(spec),
        "exporter": exporter,
        "export_s": round(time.perf_counter() - started, 3),
        "size_bytes": artifact.stat().st_size,
        "torch": torch.__version__,
        **notes,
    }


# --------------------------------------------------------------------------- torch runners


class Runner:
    """Runs a torch callable (scripted, exported or AOT-compiled) on canonical numpy input."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor], info: dict[str, Any]) -> None:
        if info.get("threads"):
            torch.set_num_threads(int(info["threads"]))
        self.fn = fn

    def run(self, x: np.ndarray) -> np.ndarray:
        """Logits for canonical-layout input ``x`` (any batch size) as float32 numpy."""
        with torch.inference_mode():
            out = self.fn(to_native(x))
        return out.detach().numpy().astype(np.float32, copy=False)


def export_torchscript(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """TorchScript by ``torch.jit.trace`` under ``no_grad`` then ``torch.jit.freeze``, saved as ``.pt``.

    Tracing, not scripting: ``torch.jit.script`` rejects ``nn.MultiheadAttention(bias=False)``
    (torch 2.13: "'NoneType' object has no attribute or method 'dtype'" on ``in_proj_bias``), and
    the zoo's models have no data-dependent control flow for a trace to lose. The trace is taken
    at batch 2 and checked by the tests at batch 1 and 32.

    Args:
        module: The adapter's ``nn.Module``.
        spec: The model's spec.
        out_dir: An empty folder for the artifact.
        calibration: Unused (float path).

    Returns:
        The info dict of :mod:`showdown.deploy.paths`.
    """
    started = time.perf_counter()
    path = Path(out_dir) / "model.pt"
    with _eval(module), torch.no_grad():
        traced = torch.jit.trace(module, (_example(spec, _EXAMPLE_BATCH),))
        frozen = torch.jit.freeze(traced.eval())
    torch.jit.save(frozen, str(path))
    return _info(path, spec, "torch.jit.trace + torch.jit.freeze", started)


def torchscript_runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load a TorchScript artifact with ``torch.jit.load``."""
    return Runner(torch.jit.load(str(artifact)).eval(), info)


def _export(module: nn.Module, spec: ModelSpec) -> torch.export.ExportedProgram:
    with _eval(module):
        return torch.export.export(module, (_example(spec, _EXAMPLE_BATCH),), dynamic_shapes=_batch_dim())


def export_program(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """A ``torch.export`` program with a dynamic batch dimension, saved by ``torch.export.save``.

    Args and Returns: as :func:`export_torchscript`.
    """
    started = time.perf_counter()
    path = Path(out_dir) / "model.pt2"
    torch.export.save(_export(module, spec), str(path))
    return _info(path, spec, "torch.export.export(dynamic batch) + torch.export.save", started)


def program_runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load a saved ``torch.export`` program and run its module (not compiled: the reference interpreter)."""
    return Runner(torch.export.load(str(artifact)).module(), info)


def export_aoti(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """AOTInductor: compile a ``torch.export`` program ahead of time to a ``.pt2`` package (needs g++).

    Args and Returns: as :func:`export_torchscript`.
    """
    started = time.perf_counter()
    path = Path(out_dir) / "model_aoti.pt2"
    from torch._inductor import aoti_compile_and_package

    aoti_compile_and_package(_export(module, spec), package_path=str(path))
    return _info(path, spec, "torch._inductor.aoti_compile_and_package(dynamic batch)", started)


def aoti_runner(artifact: str | Path, info: dict[str, Any]) -> Runner:
    """Load an AOTInductor package with ``torch._inductor.aoti_load_package``."""
    from torch._inductor import aoti_load_package

    return Runner(aoti_load_package(str(artifact)), info)


# --------------------------------------------------------------------------- ONNX (run by ONNX Runtime)


def _onnx(module: nn.Module, spec: ModelSpec, path: Path) -> dict[str, Any]:
    import onnx

    with _eval(module):
        torch.onnx.export(
            module, (_example(spec, _EXAMPLE_BATCH),), str(path), dynamo=True, external_data=False, verbose=False,
            input_names=["x"], output_names=["logits"], dynamic_shapes=_batch_dim(),
        )
    proto = onnx.load(str(path), load_external_data=False)
    return {"opset": next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)}


def export_onnx(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """ONNX from ``torch.onnx.export(dynamo=True)`` with a dynamic batch axis, for ONNX Runtime.

    Args and Returns: as :func:`export_torchscript`.
    """
    started = time.perf_counter()
    path = Path(out_dir) / "model.onnx"
    notes = _onnx(module, spec, path)
    return _info(path, spec, "torch.onnx.export(dynamo=True)", started, **notes)


def export_onnx_int8_dynamic(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """The float ONNX export, then ONNX Runtime's dynamic-range int8 quantization.

    Args and Returns: as :func:`export_torchscript`.
    """
    from showdown.runtimes.onnxruntime import quantize_dynamic, quantizer_settings

    started = time.perf_counter()
    source, path = Path(out_dir) / "model.float.onnx", Path(out_dir) / "model.int8.onnx"
    notes = _onnx(module, spec, source)
    quantize_dynamic(source, path)
    source.unlink()
    return _info(path, spec, "torch.onnx.export(dynamo=True) + onnxruntime quantize_dynamic(QInt8)", started, **notes, **quantizer_settings())


def export_onnx_int8_static(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None) -> dict[str, Any]:
    """The float ONNX export, then ONNX Runtime's static int8 (QDQ) quantization on ``calibration``.

    Args:
        module: The adapter's ``nn.Module``.
        spec: The model's spec.
        out_dir: An empty folder for the artifact.
        calibration: Representative canonical-layout inputs (required).

    Returns:
        The info dict, with ``calibration_examples``.

    Raises:
        ConfigError: When no calibration inputs are given.
    """
    data = _require_calibration(calibration, "onnx-ort-int8-static")
    from showdown.runtimes.onnxruntime import quantize_static, quantizer_settings

    started = time.perf_counter()
    source, path = Path(out_dir) / "model.float.onnx", Path(out_dir) / "model.int8.onnx"
    notes = _onnx(module, spec, source)
    quantize_static(source, path, data, input_layout=input_layout(spec), batch=_CALIBRATION_BATCH)
    source.unlink()
    exporter = "torch.onnx.export(dynamo=True) + onnxruntime quantize_static(QDQ, QInt8)"
    return _info(path, spec, exporter, started, calibration_examples=len(data), **notes, **quantizer_settings())


def _require_calibration(calibration: np.ndarray | None, path: str) -> np.ndarray:
    if calibration is None or len(calibration) == 0:
        raise ConfigError(f"path {path!r} needs calibration inputs (representative examples), got none")
    return np.asarray(calibration, dtype=np.float32)


# --------------------------------------------------------------------------- ExecuTorch (XNNPACK)


def _method(batch: int) -> str:
    return f"forward_b{batch}"


def _lower(programs: dict[str, torch.export.ExportedProgram], path: Path) -> dict[str, Any]:
    """Lower exported programs (one per method) to XNNPACK and write the ``.pte``."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import (
        XnnpackPartitioner,
    )
    from executorch.exir import to_edge_transform_and_lower

    edge = to_edge_transform_and_lower(programs, partitioner=[XnnpackPartitioner()])
    names = {getattr(n.target, "__name__", str(n.target)) for name in programs
             for n in edge.exported_program(name).graph.nodes if n.op == "call_function"}
    left = sorted(n for n in names if n not in ("executorch_call_delegate", "getitem"))
    with path.open("wb") as f:
        edge.to_executorch().write_to_file(f)
    return {"undelegated_ops": left}


def _fixed_batch_info(batch_sizes: Sequence[int]) -> dict[str, Any]:
    return {"batch_sizes": list(batch_sizes), "methods": {str(b): _method(b) for b in batch_sizes}}


def export_executorch(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None,
                      *, batch_sizes: Sequence[int] = BATCH_SIZES) -> dict[str, Any]:
    """ExecuTorch ``.pte`` lowered to XNNPACK, one static-shape method per batch size.

    Args:
        module: The adapter's ``nn.Module``.
        spec: The model's spec.
        out_dir: An empty folder for the artifact.
        calibration: Unused (float path).
        batch_sizes: The batch sizes to export a method for.

    Returns:
        The info dict, with ``batch_sizes``, ``methods`` (batch size -> method name) and
        ``undelegated_ops`` (edge ops left to ExecuTorch's portable kernels).
    """
    started = time.perf_counter()
    path = Path(out_dir) / "model.pte"
    with _eval(module):
        programs = {_method(b): torch.export.export(module, (_example(spec, b),)) for b in batch_sizes}
    notes = _lower(programs, path)
    exporter = "torch.export + executorch.exir.to_edge_transform_and_lower(XnnpackPartitioner)"
    return _info(path, spec, exporter, started, **_fixed_batch_info(batch_sizes), **notes)


def _quantize_pt2e(module: nn.Module, spec: ModelSpec, calibration: np.ndarray) -> nn.Module:
    """PT2E static int8 with ExecuTorch's XNNPACKQuantizer (per-channel weights), calibrated in batches."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    with _eval(module):
        graph = torch.export.export(module, (_example(spec, _EXAMPLE_BATCH),), dynamic_shapes=_batch_dim()).module()
    prepared = prepare_pt2e(graph, quantizer)
    with torch.no_grad():
        for start in range(0, len(calibration), _CALIBRATION_BATCH):
            prepared(to_native(calibration[start : start + _CALIBRATION_BATCH]))
    return convert_pt2e(prepared)


def export_executorch_int8(module: nn.Module, spec: ModelSpec, out_dir: str | Path, calibration: np.ndarray | None = None,
                           *, batch_sizes: Sequence[int] = BATCH_SIZES) -> dict[str, Any]:
    """ExecuTorch ``.pte`` with PT2E static int8 (XNNPACKQuantizer), lowered to XNNPACK.

    Args:
        module: The adapter's ``nn.Module``.
        spec: The model's spec.
        out_dir: An empty folder for the artifact.
        calibration: Representative canonical-layout inputs (required).
        batch_sizes: The batch sizes to export a method for.

    Returns:
        As :func:`export_executorch`, plus ``calibration_examples``.

    Raises:
        ConfigError: When no calibration inputs are given.
    """
    data = _require_calibration(calibration, "executorch-xnnpack-int8")
    started = time.perf_counter()
    path = Path(out_dir) / "model_int8.pte"
    quantized = _quantize_pt2e(module, spec, data)
    programs = {_method(b): torch.export.export(quantized, (_example(spec, b),)) for b in batch_sizes}
    notes = _lower(programs, path)
    exporter = "torchao prepare_pt2e/convert_pt2e(XNNPACKQuantizer, per-channel) + to_edge_transform_and_lower(XnnpackPartitioner)"
    return _info(path, spec, exporter, started, calibration_examples=len(data), **_fixed_batch_info(batch_sizes), **notes)
