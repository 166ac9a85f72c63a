"""The one protocol every framework adapter implements, and the registry of adapters.

Scenarios talk to a framework only through :class:`Framework`. A model, an optimizer and a batch
are opaque handles owned by the adapter; numbers cross the boundary as numpy arrays in the spec's
canonical layout (see :mod:`showdown.models.spec`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from showdown.errors import ConfigError, FrameworkUnavailable, unknown
from showdown.models.spec import ModelSpec

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


# name -> (adapter module, import name of the framework, pip requirement for the error message)
REGISTRY: dict[str, tuple[str, str, str]] = {
    "torch": ("showdown.frameworks.torch", "torch", "torch==2.13.0"),
    "tensorflow": ("showdown.frameworks.tensorflow", "tensorflow", "tensorflow-cpu==2.21.*"),
}
FRAMEWORKS = tuple(REGISTRY)
# Execution modes, named per framework; known here so the parent can validate without importing.
MODES: dict[str, tuple[str, ...]] = {
    "torch": ("eager", "compiled"),
    "tensorflow": ("eager", "function", "xla"),
}

# The packages each adapter's scalar writer imports besides its framework (torch's SummaryWriter is
# built on the tensorboard package; TensorFlow's summary ops are its own), so the parent can check
# them before a run.
SCALAR_WRITER_NEEDS: dict[str, tuple[str, ...]] = {"torch": ("tensorboard",), "tensorflow": ()}


def check_name(name: str) -> str:
    """Return ``name`` if it is a known framework, else raise the standard error."""
    if name not in REGISTRY:
        raise unknown("framework", name, FRAMEWORKS)
    return name


def is_installed(name: str) -> bool:
    """Whether the framework's package can be imported, without importing it."""
    return importlib.util.find_spec(REGISTRY[check_name(name)][1]) is not None


def installed() -> tuple[str, ...]:
    """The known frameworks installed here, in registry order."""
    return tuple(n for n in FRAMEWORKS if is_installed(n))


def require(name: str) -> str:
    """Check that ``name`` is known and installed (no import); raise a clear error otherwise."""
    if not is_installed(name):
        raise FrameworkUnavailable(f"framework {name!r} is not installed: pip install '{REGISTRY[name][2]}'")
    return name


def scalar_writer_missing(name: str) -> str | None:
    """Why ``name`` cannot write TensorBoard scalars here (a missing package), or None; imports nothing."""
    missing = [m for m in SCALAR_WRITER_NEEDS[check_name(name)] if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return f"TensorBoard logging from {name} needs the package {missing[0]!r}: pip install {missing[0]}"


def require_scalar_writer(name: str) -> str:
    """Check that ``name`` can write TensorBoard scalars here (no import); raise a clear error otherwise."""
    reason = scalar_writer_missing(name)
    if reason:
        raise FrameworkUnavailable(reason)
    return name


def load(name: str) -> Framework:
    """Import the adapter of ``name`` and return it. Only child processes should call this."""
    require(name)
    module = importlib.import_module(REGISTRY[name][0])
    return module.Adapter()


def check_mode(framework: str, mode: str) -> str:
    """Return ``mode`` if ``framework`` has it, else raise naming the framework's modes."""
    if mode not in MODES[check_name(framework)]:
        raise unknown(f"mode for {framework}", mode, MODES[framework])
    return mode
