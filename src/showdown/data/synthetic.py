"""Seeded synthetic batches for throughput work: data lives in memory before timing starts."""

from __future__ import annotations

import numpy as np

from showdown.models.spec import ModelSpec


def batch(spec: ModelSpec, batch_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One batch of inputs and integer labels for ``spec``, in the canonical layout.

    Args:
        spec: The model the batch is for (its input shape and class count).
        batch_size: Number of examples.
        seed: Seed of numpy's generator.

    Returns:
        ``(x, y)``: float32 inputs of shape ``(batch_size, *spec.input_shape)`` drawn from a
        standard normal, and int64 labels in ``[0, spec.num_classes)``.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch_size, *spec.input_shape), dtype=np.float32)
    y = rng.integers(0, spec.num_classes, size=batch_size, dtype=np.int64)
    return x, y


def batches(spec: ModelSpec, batch_size: int, count: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` distinct batches (seeds ``seed``, ``seed + 1``, ...)."""
    return [batch(spec, batch_size, seed + i) for i in range(count)]
