"""What every measurement cell does in its child process: set up the framework, build the workload,
stream samples to the parent.

A cell's payload is its config (see :mod:`showdown.runner.plan`): ``framework``, ``workload``,
``preset``, ``mode``, ``batch_size``, ``threads``, ``inter_op_threads``, ``device``, ``seed``,
``budget_s``, plus scenario-specific keys. Samples go to the parent as ``emit("samples", {...})``
messages as soon as they are measured, so a cell killed half-way still leaves what it measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Emit = Callable[[str, dict], None]


@dataclass
class Workbench:
    """A configured framework with one workload built from the spec's seeded weights."""

    fw: Any
    spec: Any
    weights: dict
    model: Any
    settings: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """Settings in effect, layout and environment: what the fairness manifest is made of."""
        return {
            "settings": self.settings,
            "layout": self.fw.layout(self.spec),
            "environment": self.fw.environment(),
            "parameters": self.spec.parameter_count(),
        }


def configure(payload: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Load and configure the payload's framework (threads and device before any work)."""
    from showdown.frameworks import base

    fw = base.load(payload["framework"])
    settings = fw.configure(
        threads=payload.get("threads"),
        inter_op_threads=payload.get("inter_op_threads"),
        device=payload.get("device", "cpu"),
        seed=payload.get("seed", 0),
    )
    return fw, settings


def workbench(payload: dict[str, Any], *, input_shape: tuple[int, ...] | None = None, dropout: bool = True) -> Workbench:
    """Configure the framework and build the payload's workload from seeded spec weights.

    Args:
        payload: The cell config.
        input_shape: Override the preset's input shape (digits, say).
        dropout: Keep the spec's dropout (False zeroes it).
    """
    from showdown.models import zoo
    from showdown.models.spec import init_weights

    fw, settings = configure(payload)
    spec = zoo.build(payload["workload"], payload.get("preset", "default"), input_shape=input_shape)
    if not dropout:
        spec = spec.without_dropout()
    weights = init_weights(spec, payload.get("seed", 0))
    return Workbench(fw, spec, weights, fw.build(spec, weights), settings)


def sample_stream(emit: Emit, metric: str, unit: str) -> Callable[[str, float], None]:
    """An ``on_sample(phase, value)`` callback that streams each sample to the parent."""

    def on_sample(phase: str, value: float) -> None:
        emit("samples", {"metric": metric, "phase": phase, "unit": unit, "values": [float(value)]})

    return on_sample


def emit_samples(emit: Emit, metric: str, values: list[float], unit: str, phase: str = "measure") -> None:
    """Send several samples of one metric at once."""
    emit("samples", {"metric": metric, "phase": phase, "unit": unit, "values": [float(v) for v in values]})
