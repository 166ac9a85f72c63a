"""Parity: proof that every contender runs the same model.

The first framework is the reference (PyTorch by default); each other one is compared with it.
For each workload, every framework builds the spec from the same seeded weights and, in its own
child process, computes on the same inputs: logits in eval and in train mode, the loss, the
gradient of every trainable tensor, and the trainable tensors after 10 steps of SGD with momentum
and of Adam (a different batch each step). The steps run in the contender's default mode, the one a
run trains in unless told (the contract suite checks that every other mode agrees with eager); for
JAX that is ``jit``, where an eager step retraces the LSTM's scan on every call (48 s against 13 s
for the tiny LSTM's parity on a 2-core AMD EPYC VM). The parent compares the arrays tensor by tensor.

The error of a tensor is ``max|a - b|`` (absolute) and that divided by ``max(max|a|, max|b|)``
(relative to the tensor's scale, so elements near zero do not inflate it). A check passes when
the worst tensor's relative error is within the check's tolerance.

Adam runs with ``epsilon = 1e-12``: PyTorch adds epsilon to ``sqrt(v_hat)`` while Keras adds it
to ``sqrt(v)`` and folds the bias correction into the step size, so the same epsilon is a
different number in the two updates. At 1e-8 that alone moves parameters by up to ~1e-3 of their
scale in 10 steps (measured on the tiny CNN); at 1e-12 it falls below float32 rounding and the
check tests everything else.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from showdown.errors import CellError, ParityError

SEED = 0
BATCH = 8
STEPS = 10
SGD = {"name": "sgd", "lr": 0.01, "momentum": 0.9}
ADAM = {"name": "adam", "lr": 1e-3, "epsilon": 1e-12}

# check -> (tolerance on the scale-relative error, what it compares)
CHECKS: dict[str, tuple[float, str]] = {
    "forward-eval": (1e-5, "logits in inference mode (running BatchNorm statistics)"),
    "forward-train": (1e-5, "logits in training mode (batch statistics; dropout off)"),
    "loss": (1e-5, "mean cross-entropy in training mode"),
    "gradients": (1e-4, "gradient of every trainable tensor"),
    "sgd-10": (1e-3, "trainable tensors after 10 SGD+momentum steps"),
    "adam-10": (1e-3, "trainable tensors after 10 Adam steps"),
}


@dataclass(frozen=True)
class CheckResult:
    """One workload × check comparison of a framework (``against``) with the reference."""

    workload: str
    check: str
    max_abs: float
    max_rel: float
    tolerance: float
    worst_tensor: str
    passed: bool
    failing_tensors: tuple[str, ...] = ()
    against: str = ""


@dataclass(frozen=True)
class ParityReport:
    """Every check of every workload for each framework against the first, plus what each side reported about itself."""

    frameworks: tuple[str, ...]
    preset: str
    results: tuple[CheckResult, ...]
    sides: dict[str, dict[str, Any]]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "frameworks": list(self.frameworks),
            "preset": self.preset,
            "passed": self.passed,
            "tolerances": {k: v[0] for k, v in CHECKS.items()},
            "results": [asdict(r) for r in self.results],
            "sides": self.sides,
        }


# --- child side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What one framework's parity child computes, and where it leaves the arrays."""

    framework: str
    workloads: tuple[str, ...]
    preset: str
    out_dir: str
    batch: int = BATCH
    threads: int | None = None
    device: str = "cpu"


def cell(payload: dict[str, Any], emit: Callable[[str, dict], None]) -> dict[str, Any]:
    """Child-process entry: compute every parity array for one framework and save them as .npz.

    Args:
        payload: A :class:`Job` as JSON.
        emit: Progress channel to the parent.

    Returns:
        Paths of the saved arrays per workload, the layouts, settings and environment.
    """
    from showdown.frameworks import base

    job = Job(**{**payload, "workloads": tuple(payload["workloads"])})
    fw = base.load(job.framework)
    settings = fw.configure(threads=job.threads, device=job.device, seed=SEED)
    files, layouts = {}, {}
    mode = base.DEFAULT_MODE[fw.name]
    for workload in job.workloads:
        spec = _spec(workload, job.preset)
        arrays = _arrays(fw, spec, job.batch, mode)
        path = Path(job.out_dir) / f"{fw.name}-{workload}.npz"
        np.savez(path, **arrays)
        files[workload], layouts[workload] = str(path), fw.layout(spec)
        emit("progress", {"framework": fw.name, "workload": workload})
    return {"files": files, "layouts": layouts, "step_mode": mode, "settings": settings, "environment": fw.environment()}


def _spec(workload: str, preset: str) -> Any:
    from showdown.models import zoo

    return zoo.build(workload, preset).without_dropout()


def _arrays(fw: Any, spec: Any, batch_size: int, mode: str) -> dict[str, np.ndarray]:
    from showdown.data import synthetic
    from showdown.frameworks.base import OptimizerSpec
    from showdown.models.spec import init_weights

    weights = init_weights(spec, SEED)
    x, y = synthetic.batch(spec, batch_size, SEED + 1)
    model = fw.build(spec, weights)
    batch = fw.batch(x, y)
    out = {"forward-eval/logits": fw.forward(model, batch, training=False)}
    fw.load_weights(model, weights)  # a training-mode forward moves BatchNorm's running statistics
    out["forward-train/logits"] = fw.forward(model, batch, training=True)
    fw.load_weights(model, weights)
    loss, grads = fw.gradients(model, batch)
    out["loss/loss"] = np.float32(loss)
    out.update({f"gradients/{k}": v for k, v in grads.items()})
    steps = [fw.batch(*synthetic.batch(spec, batch_size, SEED + 100 + i)) for i in range(STEPS)]
    for check, opt in (("sgd-10", SGD), ("adam-10", ADAM)):
        fw.load_weights(model, weights)
        step = fw.train_step(model, fw.optimizer(model, OptimizerSpec(**opt)), mode)
        for b in steps:
            step(b)
        out.update({f"{check}/{k}": v for k, v in fw.get_weights(model, trainable_only=True).items()})
    return out


# --- parent side ------------------------------------------------------------------------------


def compare_arrays(workload: str, a: dict[str, np.ndarray], b: dict[str, np.ndarray], against: str = "") -> list[CheckResult]:
    """Compare two frameworks' parity arrays of one workload, check by check (``b`` is ``against``'s).

    Raises:
        ParityError: When the two sides did not produce the same tensors.
    """
    if set(a) != set(b):
        odd = sorted(set(a) ^ set(b))
        raise ParityError(f"{workload}: the frameworks produced different tensors, e.g. {odd[0]!r}")
    results = []
    for check, (tol, _) in CHECKS.items():
        keys = sorted(k for k in a if k.split("/", 1)[0] == check)
        errors = {k.split("/", 1)[1]: _error(a[k], b[k]) for k in keys}
        worst = max(errors, key=lambda k: errors[k][1])
        failing = tuple(k for k, (_, rel) in errors.items() if not rel <= tol)
        results.append(
            CheckResult(workload, check, max(e[0] for e in errors.values()), errors[worst][1], tol, worst, not failing, failing, against)
        )
    return results


def _error(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a64.shape != b64.shape:
        return float("inf"), float("inf")
    diff = float(np.max(np.abs(a64 - b64))) if a64.size else 0.0
    scale = max(float(np.max(np.abs(a64))) if a64.size else 0.0, float(np.max(np.abs(b64))) if b64.size else 0.0)
    return diff, (diff / scale if scale > 0 else diff)


def run(
    workloads: Sequence[str],
    preset: str = "tiny",
    *,
    frameworks: tuple[str, ...] = ("torch", "tensorflow"),
    batch: int = BATCH,
    threads: int | None = None,
    device: str = "cpu",
    timeout_s: float = 900,
    on_progress: Callable[[str, dict], None] | None = None,
) -> ParityReport:
    """Run each framework in a child process and compare each one after the first with the first.

    Args:
        workloads: Zoo workloads to check.
        preset: Size preset.
        frameworks: The reference, then the frameworks to compare with it (at least one).
        batch: Examples per batch.
        threads: Intra-op threads for each child (None: the framework's default).
        device: ``cpu`` or ``cuda``.
        timeout_s: Limit for each child.
        on_progress: Called with each progress message of a child.

    Returns:
        The report; see :attr:`ParityReport.passed`.

    Raises:
        CellError: When a child fails; the message carries its error.
    """
    from showdown.runner.isolate import run_cell

    with tempfile.TemporaryDirectory(prefix="showdown-parity-") as tmp:
        sides: dict[str, dict[str, Any]] = {}
        for name in frameworks:
            job = Job(name, tuple(workloads), preset, tmp, batch, threads, device)
            outcome = run_cell(f"{__name__}:cell", asdict(job), threads=threads, timeout_s=timeout_s, on_message=on_progress)
            if outcome.status != "ok" or outcome.result is None:
                raise CellError(f"parity for {name} failed ({outcome.status}): {_reason(outcome)}")
            sides[name] = outcome.result
        results: list[CheckResult] = []
        reference, *others = frameworks
        for other in others:
            for workload in workloads:
                a, b = (dict(np.load(sides[n]["files"][workload])) for n in (reference, other))
                results += compare_arrays(workload, a, b, other)
    for side in sides.values():
        side.pop("files")
    return ParityReport(frameworks, preset, tuple(results), sides)


def _reason(outcome: Any) -> str:
    if outcome.error:
        return f"{outcome.error.get('type')}: {outcome.error.get('message')}"
    tail = (outcome.stderr_tail or "").strip().splitlines()
    return tail[-1] if tail else f"exit status {outcome.exit_status}"
