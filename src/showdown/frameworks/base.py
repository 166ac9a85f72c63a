"""The one protocol every framework adapter implements, and the registry of contenders.

Scenarios talk to a framework only through :class:`Framework`. A model, an optimizer and a batch
are opaque handles owned by the adapter; numbers cross the boundary as numpy arrays in the spec's
canonical layout (see :mod:`showdown.models.spec`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from showdown.errors import ConfigError, unknown
from showdown.models.spec import ModelSpec

# The registry (light: the parent reads it without importing numpy or a framework) lives in
# :mod:`showdown.frameworks.registry`; its names are re-exported here.
from showdown.frameworks.registry import (
    ALL_MODES,
    CONTENDERS,
    DEFAULT_MODE,
    FRAMEWORKS,
    HEAVY_MODULES,
    MODES,
    QUICK,
    SCALAR_WRITER_NEEDS,
    check_backend,
    check_mode,
    check_name,
    contender_env,
    contender,
    installed,
    is_installed,
    owner,
    part,
    prepare,
    require,
    require_scalar_writer,
    resolve,
    scalar_writer_missing,
)

OPTIMIZERS = ("sgd", "adam")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer both frameworks build identically.

    SGD: ``v = momentum * v + g; p -= lr * v`` (PyTorch's form; Keras's ``v = m*v - lr*g; p += v``
    is the same sequence). Adam: standard bias-corrected Adam; Keras applies ``epsilon`` after the
    bias correction of the second moment, PyTorch before, a difference of order ``epsilon``.
    """

    name: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise unknown("optimizer", self.name, OPTIMIZERS)
        if not self.lr > 0:
            raise ConfigError(f"learning rate must be positive, got {self.lr}")


class ScalarWriter(Protocol):
    """Writes scalars to a TensorBoard event file through the framework's own summary writer."""

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Record ``value`` under ``tag`` at ``step``."""
        ...

    def close(self) -> None:
        """Flush what is written to disk and close the event file."""
        ...


@runtime_checkable
class Framework(Protocol):
    """What a scenario may ask of a framework. One adapter module implements it per framework."""

    name: str
    modes: tuple[str, ...]

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        """Apply threads, device and seeds before any work; return the settings actually in effect."""
        ...

    def environment(self) -> dict[str, Any]:
        """Version, build flags (oneDNN, MKL, CUDA, ...), threads and devices, as a JSON-able dict."""
        ...

    def layout(self, spec: ModelSpec) -> str:
        """The native data layout this adapter runs ``spec`` in, and the conversion it applies."""
        ...

    def build(self, spec: ModelSpec, weights: Mapping[str, np.ndarray]) -> Any:
        """Build ``spec`` natively and load ``weights`` (canonical layout) into it."""
        ...

    def native(self, model: Any) -> Any:
        """The framework's own model object (``nn.Module``, ``keras.Model``), for exporters."""
        ...

    def load_weights(self, model: Any, weights: Mapping[str, np.ndarray]) -> None:
        """Overwrite every parameter and state buffer of ``model`` from canonical weights."""
        ...

    def get_weights(self, model: Any, *, trainable_only: bool = False) -> dict[str, np.ndarray]:
        """Read the model's tensors back, converted to the canonical layout."""
        ...

    def batch(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """Move a canonical batch onto the device in the native layout (done before timing)."""
        ...

    def forward(self, model: Any, batch: Any, *, training: bool = False) -> np.ndarray:
        """Logits for ``batch`` as numpy; ``training`` selects batch statistics and dropout."""
        ...

    def gradients(self, model: Any, batch: Any) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy loss in training mode and the gradient of every trainable tensor."""
        ...

    def optimizer(self, model: Any, spec: OptimizerSpec) -> Any:
        """A native optimizer over the model's trainable tensors."""
        ...

    def train_step(self, model: Any, optimizer: Any, mode: str = "eager") -> Callable[[Any], Any]:
        """A callable doing one forward, backward and optimizer step on a batch in ``mode``.

        Each call runs in training mode (batch statistics, dropout), whatever ran before it. It
        returns the loss as a native scalar (not synchronised); :meth:`scalar` reads it.
        """
        ...

    def predict(self, model: Any, mode: str = "eager") -> Callable[[Any], Any]:
        """A callable computing inference logits of a batch in ``mode`` (native, not synchronised).

        Each call runs in inference mode (running statistics, no dropout).
        """
        ...

    def scalar(self, value: Any) -> float:
        """Read a native scalar (waits for the device)."""
        ...

    def numpy(self, value: Any) -> np.ndarray:
        """Copy a native array (logits, say) to host memory as numpy."""
        ...

    def sync(self) -> None:
        """Wait until queued device work is done (a no-op on CPU)."""
        ...

    def device_memory(self, *, reset: bool = False) -> dict[str, int] | None:
        """The accelerator allocator's current and peak bytes (None on CPU); ``reset`` restarts the peak."""
        ...

    def scalar_writer(self, logdir: str) -> ScalarWriter:
        """A writer of TensorBoard scalars into a new event file under ``logdir`` (created if missing).

        Raises:
            FrameworkUnavailable: When a package the framework's writer needs is not installed
                (see :data:`SCALAR_WRITER_NEEDS`).
        """
        ...


class Binding(Protocol):
    """An adapter's tie between one canonical tensor and its native storage."""

    trainable: bool

    def read(self) -> np.ndarray: ...

    def write(self, value: np.ndarray) -> None: ...


def same(a: np.ndarray) -> np.ndarray:
    """The identity layout conversion, for a native tensor already in the canonical layout."""
    return a


@dataclass
class VariableBinding:
    """A :class:`Binding` to one native variable through its layout conversions.

    A framework's subclass says how to get the variable's value as an array and set it from one.
    """

    variable: Any
    to_native: Callable[[np.ndarray], np.ndarray] = same
    from_native: Callable[[np.ndarray], np.ndarray] = same
    trainable: bool = True

    def get(self) -> np.ndarray:
        raise NotImplementedError

    def set(self, value: np.ndarray) -> None:
        raise NotImplementedError

    def read(self) -> np.ndarray:
        return np.array(self.from_native(self.get()))

    def write(self, value: np.ndarray) -> None:
        self.set(np.ascontiguousarray(self.to_native(value)))


def write_bindings(bindings: Mapping[str, Binding], weights: Mapping[str, np.ndarray]) -> None:
    """Load canonical ``weights`` through an adapter's bindings, naming any tensor that is missing."""
    missing = sorted(set(bindings) - set(weights))
    if missing:
        raise ConfigError(f"weights lack {len(missing)} tensors, first {missing[0]!r}")
    for name, binding in bindings.items():
        binding.write(weights[name])


def read_bindings(bindings: Mapping[str, Binding], trainable_only: bool = False) -> dict[str, np.ndarray]:
    """Read every (or every trainable) tensor back in the canonical layout."""
    return {n: b.read() for n, b in bindings.items() if b.trainable or not trainable_only}


__all__ = [
    "ALL_MODES", "CONTENDERS", "DEFAULT_MODE", "DEVICES", "FRAMEWORKS", "HEAVY_MODULES", "MODES", "OPTIMIZERS", "QUICK",
    "SCALAR_WRITER_NEEDS", "Binding", "Framework", "VariableBinding", "OptimizerSpec", "ScalarWriter", "check_backend", "check_mode",
    "check_name", "contender", "contender_env", "installed", "is_installed", "load", "owner", "part", "prepare",
    "read_bindings", "require", "require_scalar_writer", "resolve", "same", "scalar_writer_missing", "write_bindings",
]


def load(name: str) -> Framework:
    """Import the adapter of ``name`` and return it. Only child processes should call this."""
    return part(name, "adapter").Adapter()
