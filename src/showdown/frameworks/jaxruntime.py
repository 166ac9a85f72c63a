"""Threads, devices, synchronisation, memory and TensorBoard as JAX does them.

The native JAX contender and Keras on its JAX backend share these: both run on JAX's runtime (XLA).
JAX dispatches work asynchronously on every backend, the CPU included: a call returns before its
result is computed. The callables an adapter hands out therefore remember their last output
(:meth:`JaxRuntime.keep`), and :meth:`JaxRuntime.sync` waits for it; work on one device runs in
the order it was dispatched, so the last output being ready means all of it is.

Threads: XLA's CPU runtime runs every computation on one pool of threads, one per core, and runs
independent operations concurrently on that same pool, so it has no separate inter-op setting.
One thread is possible (``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1``, set here before the runtime starts); another count than one or
every core is not, and the settings report the pool as it is, which the fairness manifest flags.
"""

from __future__ import annotations

import os
import platform
from typing import Any

import jax

from showdown.errors import ConfigError, FrameworkUnavailable
from showdown.frameworks.base import scalar_writer_missing

_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _started() -> bool:
    from jax._src import xla_bridge  # whether a backend exists yet decides whether XLA_FLAGS still count

    return bool(getattr(xla_bridge, "_backends", None))


def _cuda_build() -> str | None:
    """The CUDA release of the installed jaxlib CUDA plugin, if any (``jax-cuda12-plugin`` gives 12)."""
    import importlib.metadata

    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("jax-cuda") and name.endswith("-plugin"):
            return name[len("jax-cuda"):-len("-plugin")]
    return None


def limit_threads(threads: int | None) -> None:
    """Run XLA's CPU pool on one thread when ``threads`` is 1 and the runtime has not started (else no change)."""
    if threads == 1 and not _started():
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_ONE_THREAD}".strip()


def _pool_threads() -> int:
    if _ONE_THREAD in os.environ.get("XLA_FLAGS", ""):
        return 1
    from showdown.measure.fairness import default_threads

    return default_threads()


class Scalars:
    """TensorBoard scalars through ``flax.metrics.tensorboard.SummaryWriter``, which writes with ``tf.summary``."""

    def __init__(self, logdir: str, name: str) -> None:
        reason = scalar_writer_missing(name)
        if reason:
            raise FrameworkUnavailable(reason)
        from flax.metrics.tensorboard import SummaryWriter

        self._writer = SummaryWriter(logdir)

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._writer.scalar(tag, float(value), int(step))

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


class JaxRuntime:
    """The runtime half of the :class:`~showdown.frameworks.base.Framework` protocol on JAX."""

    name: str

    def __init__(self) -> None:
        self.device: Any = None  # the CPU until configured: looking a device up starts the runtime
        self._last: Any = None

    def configure(self, *, threads: int | None = None, inter_op_threads: int | None = None, device: str = "cpu", seed: int = 0) -> dict[str, Any]:
        limit_threads(threads)
        if device == "cuda":
            gpus = [d for d in jax.devices() if d.platform == "gpu"]
            if not gpus:
                raise ConfigError(f"device 'cuda' is not available to {self.name} (no CUDA jaxlib or no GPU): use --device cpu")
            self.device = gpus[0]
        else:
            self.device = jax.devices("cpu")[0]
        jax.config.update("jax_default_device", self.device)
        pool = _pool_threads()
        return {"intra_op_threads": pool, "inter_op_threads": pool, "device": device, "dtype": "float32"}

    def environment(self) -> dict[str, Any]:
        import jaxlib

        gpu = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        return {
            "version": jax.__version__,
            "jax": jax.__version__,
            "jaxlib": jaxlib.__version__,
            "backend": jax.default_backend(),
            "cuda_build": _cuda_build(),
            "intra_op_threads": _pool_threads(),
            "inter_op_threads": _pool_threads(),
            "gpu": gpu or None,
            "machine": platform.machine(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("XLA_", "JAX_", "KERAS", "OMP_"))},
        }

    def keep(self, value: Any) -> Any:
        """Remember ``value`` as the latest work dispatched, for :meth:`sync`; return it."""
        self._last = value
        return value

    def sync(self) -> None:
        if self._last is not None:
            jax.block_until_ready(self._last)
            self._last = None

    def scalar(self, value: Any) -> float:
        return float(value)

    def numpy(self, value: Any) -> Any:
        import numpy as np

        return np.asarray(value)

    def scalar_writer(self, logdir: str) -> Scalars:
        return Scalars(logdir, self.name)

    def device_memory(self, *, reset: bool = False) -> dict[str, int] | None:
        """The device allocator's bytes; JAX cannot restart its peak, so ``peak_bytes`` is since the process began."""
        if self.device is None or self.device.platform == "cpu":
            return None
        stats = self.device.memory_stats() or {}
        return {"current_bytes": int(stats.get("bytes_in_use", 0)), "peak_bytes": int(stats.get("peak_bytes_in_use", 0))}


def traced(fn: Any, batches: Any, tool: str, *args: Any) -> dict[str, Any]:
    """Graphs and compiles of ``jax.jit(fn)`` called on ``args`` and each batch's ``.x``: a debug module's ``compilation``.

    ``jax.jit`` traces the whole function into one XLA computation per input shape, so there are no
    graph breaks; Python in the function (a ``print``) runs while it is traced, not when it runs.
    The count is the jitted function's cache of compiled shapes after each call.
    """
    jitted = jax.jit(fn)
    compiles = []
    for batch in batches:
        jax.block_until_ready(jitted(*args, batch.x))
        compiles.append(int(jitted._cache_size()))
    return {"graphs": compiles[0], "graph_breaks": 0, "break_events": 0, "break_reasons": [], "compiles": compiles, "tool": tool}


def is_concrete(value: Any) -> bool:
    """Whether ``value`` is an array holding real data (not a tracer seen while ``jit`` traces)."""
    return isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer)


def reset() -> None:
    """Forget every compiled function, so that the next call traces and compiles afresh."""
    jax.clear_caches()


def untraced(fn: Any) -> Any:
    """``fn`` unchanged: ``jit`` traces only the function it wraps and what that calls with tracers."""
    return fn
