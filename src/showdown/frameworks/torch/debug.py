"""PyTorch side of :mod:`showdown.devx.debug`: probes and graph reports under ``torch.compile``.

``compiled`` is ``torch.compile`` with its default backend (inductor), as a user would call it.
The graph report uses TorchDynamo's own tools: ``torch._dynamo.explain`` for graphs and breaks, the
graph-break counter for the reasons, and ``torch.compile`` with a backend that only counts the
graphs Dynamo hands it (running them eagerly) for recompiles: whether a graph is compiled again is
decided by Dynamo's guards, not by the backend, so the count is the one inductor would see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch._dynamo.utils import counters
from torch._subclasses.fake_tensor import is_fake

from showdown.devx.debug import MARKER, Probe
from showdown.frameworks.base import MODES as _MODES

MODES = _MODES["torch"]


class PrintProbe(nn.Module):
    """A linear layer whose forward prints a marker."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print(MARKER)
        return self.linear(x)


class BreakpointProbe(nn.Module):
    """A linear layer whose forward calls ``breakpoint()``."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        breakpoint()
        return self.linear(x)


_PROBES = {"print": PrintProbe, "breakpoint": BreakpointProbe}


def reset() -> None:
    """Drop Dynamo's compiled code and counters, so the next measurement starts cold."""
    torch._dynamo.reset()
    counters.clear()


def untraced(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with Dynamo disabled in it: Dynamo would otherwise trace any Python function called
    from a compiled frame after a graph break (``pdb`` escapes this by living in the stdlib)."""
    return torch.compiler.disable(fn, recursive=True)


def _short(reason: str) -> str:
    """A Dynamo break reason up to its first hint, on one line."""
    kept = []
    for line in str(reason).strip().splitlines():
        if line.strip().startswith(("Hint:", "Developer debug context:", "For more details")):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)


def _break_events() -> tuple[int, list[str]]:
    events = counters.get("graph_break", {})
    return int(sum(events.values())), sorted(_short(r) for r in events)


def probe(kind: str, mode: str) -> Probe:
    """A fresh probe model of ``kind``, called as-is (``eager``) or through ``torch.compile``."""
    model = _PROBES[kind]()
    x = torch.ones(3, 4)
    net = torch.compile(model) if mode == "compiled" else model

    def report() -> dict[str, Any]:
        count, reasons = _break_events()
        return {"graph_breaks": count, "break_reasons": reasons}

    return Probe(warmup=lambda: model(x), call=lambda: net(x), report=report)


def is_concrete(value: Any) -> bool:
    """Whether ``value`` is a tensor holding real data (not a fake tensor being traced)."""
    return isinstance(value, torch.Tensor) and not is_fake(value)


def compilation(model: Any, batches: Sequence[Any]) -> dict[str, Any]:
    """Graphs and breaks (from ``explain`` on the first batch), then compiles after each batch.

    Args:
        model: An adapter-built model (``.module`` is the ``nn.Module``), run in eval mode.
        batches: Adapter batches; only ``.x`` is used.

    Returns:
        See :func:`dynamo_compilation`.
    """
    return dynamo_compilation(model.module.eval(), batches)


def dynamo_compilation(fn: Callable[[Any], Any], batches: Sequence[Any], tool: str = "torch._dynamo.explain; torch.compile(backend=<graph counter>) for compiles") -> dict[str, Any]:
    """What Dynamo makes of ``fn(x)``: graphs and breaks on the first batch, then compiles after each.

    Returns:
        ``graphs`` and ``graph_breaks`` as ``explain`` reports them, ``break_events`` and
        ``break_reasons`` from Dynamo's graph-break counter (which also sees breaks that make
        ``explain`` find no graph at all), ``op_count``, ``compiles`` after each batch and ``tool``.
    """
    with torch.no_grad():
        explained = torch._dynamo.explain(fn)(batches[0].x)
    events, reasons = _break_events()
    reasons = sorted({*reasons, *(_short(r.reason) for r in explained.break_reasons)})
    reset()
    compiled_graphs = 0

    def counting(gm: torch.fx.GraphModule, example_inputs: list[Any]) -> Any:
        nonlocal compiled_graphs
        compiled_graphs += 1
        return gm.forward

    net = torch.compile(fn, backend=counting)
    compiles = []
    with torch.no_grad():
        for batch in batches:
            net(batch.x)
            compiles.append(compiled_graphs)
    return {
        "graphs": int(explained.graph_count),
        "graph_breaks": int(explained.graph_break_count),
        "break_events": events,
        "break_reasons": reasons,
        "op_count": int(explained.op_count),
        "compiles": compiles,
        "tool": tool,
    }
