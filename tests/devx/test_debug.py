"""Debuggability under compilation, pinned to what the installed versions were observed to do.

These tests assert behaviour, not just shape: if an upgrade changes how often a ``print`` fires
under compilation, or where a model breaks its graph, a test here fails and the finding (and any
report text built on it) must be looked at again. Figures observed with torch 2.13.0+cpu and
tensorflow-cpu 2.21.0 / Keras 3.15.1, jax 0.10.2 / flax 0.12.8 on CPU (the contenders other than torch
and tensorflow are tested in processes of their own, ``tests/frameworks/test_other_backends.py``):
``python -c "from showdown.devx.debug import debuggability; print(debuggability('torch', timing=False))"``.
"""

from __future__ import annotations

import functools
import json
import sys
from types import SimpleNamespace

import pytest

from showdown.devx import debug
from showdown.errors import ConfigError
from showdown.frameworks import base
from showdown.models import zoo
from contenders import INSTALLED

EVERY_CALL = [1, 1, 1]
FIRST_CALL_ONLY = [1, 0, 0]

# What each installed framework was observed to do; keyed by framework because these are findings
# about the frameworks, not branches in showdown.
EXPECTED = {
    "torch": {
        # A fresh module's first eager call runs forward once.
        "warmup": 1,
        # Dynamo breaks the graph at print/breakpoint and runs them in Python on every call, with
        # real tensors in scope; one graph break each.
        "print": {"eager": (EVERY_CALL, 0), "compiled": (EVERY_CALL, 1)},
        "breakpoint": {"eager": (EVERY_CALL, 0, True), "compiled": (EVERY_CALL, 1, True)},
        # (graphs, graph_breaks as explain reports them, break events, compiles after each call).
        # Shape change: one recompile, then Dynamo marks the batch dimension dynamic.
        # nn.LSTM: Dynamo refuses RNNs; explain reports 0 graphs and -1 (sic) breaks, and
        # torch.compile runs the whole adapter-built LSTM model eagerly (no graph compiled).
        "graphs": {
            "mlp": (1, 0, 0, [1, 1, 1, 2, 2, 2]),
            "cnn": (1, 0, 0, [1, 1, 1, 2, 2, 2]),
            "lstm": (0, -1, 1, [0, 0, 0, 0, 0, 0]),
            "transformer": (1, 0, 0, [1, 1, 1, 2, 2, 2]),
        },
        "lstm_reason": "Dynamo does not support RNN, GRU, or LSTM",
    },
    "tensorflow": {
        # A fresh Keras model's first call runs call() twice: a symbolic build pass, then the call.
        "warmup": 2,
        # tf.function runs Python once, while tracing, on symbolic tensors; later calls run the graph.
        "print": {"eager": (EVERY_CALL, None), "function": (FIRST_CALL_ONLY, 1), "xla": (FIRST_CALL_ONLY, 1)},
        "breakpoint": {
            "eager": (EVERY_CALL, None, True),
            "function": (FIRST_CALL_ONLY, 1, False),
            "xla": (FIRST_CALL_ONLY, 1, False),
        },
        # One graph per trace, no breaks; every new batch size retraces (no shape relaxation).
        "graphs": {w: (1, 0, 0, [1, 1, 1, 2, 3, 4]) for w in zoo.WORKLOADS},
        "lstm_reason": None,
    },
    # Keras 3.15.1 on torch: the Keras model as the tensorflow contender builds it; jit is torch.compile.
    "keras-torch": {
        "warmup": 2,
        # Dynamo breaks Keras's layer call five times around a print or breakpoint, and runs them
        # in Python on every call, with real tensors in scope
        "print": {"eager": (EVERY_CALL, 0), "jit": (EVERY_CALL, 5)},
        "breakpoint": {"eager": (EVERY_CALL, 0, True), "jit": (EVERY_CALL, 5, True)},
        # the CNN's functional model splits into 8 graphs ("mapping proxy affected by dictionary
        # mutation"); one recompile on a new shape, then the batch dimension is dynamic
        "graphs": {"mlp": (1, 0, 0, [1, 1, 1, 2, 2, 2]), "cnn": (8, 7, 12, [8] * 6), "lstm": (1, 0, 0, [1, 1, 1, 2, 2, 2]),
                   "transformer": (1, 0, 0, [1, 1, 1, 2, 2, 2])},
        "lstm_reason": None,
    },
    # Keras 3.15.1 on JAX 0.10.2: jit is jax.jit, which runs Python once, while tracing
    "keras-jax": {
        "warmup": 2,
        "print": {"eager": (EVERY_CALL, None), "jit": (FIRST_CALL_ONLY, None)},
        "breakpoint": {"eager": (EVERY_CALL, None, True), "jit": (FIRST_CALL_ONLY, None, False)},
        # one XLA computation per input shape: every new batch size compiles again
        "graphs": {w: (1, 0, 0, [1, 1, 1, 2, 3, 4]) for w in zoo.WORKLOADS},
        "lstm_reason": None,
    },
    # Flax 0.12.8 NNX: a module's first call runs forward once; nnx.jit traces like jax.jit
    "jax": {
        "warmup": 1,
        "print": {"eager": (EVERY_CALL, None), "jit": (FIRST_CALL_ONLY, None)},
        "breakpoint": {"eager": (EVERY_CALL, None, True), "jit": (FIRST_CALL_ONLY, None, False)},
        "graphs": {w: (1, 0, 0, [1, 1, 1, 2, 3, 4]) for w in zoo.WORKLOADS},
        "lstm_reason": None,
    },
}


def _compiler_count(report: dict) -> int | None:
    """The per-framework figure in a probe's compiler report: graph breaks, or traces."""
    return report.get("graph_breaks", report.get("traces"))


@functools.cache
def _report(framework: str) -> dict:
    return debug.debuggability(framework, timing=False)


@pytest.fixture(params=INSTALLED)
def framework(request: pytest.FixtureRequest) -> str:
    if request.param not in EXPECTED:
        pytest.skip(f"no observed behaviour recorded for {request.param}")
    return request.param


@pytest.mark.slow
def test_report_is_json_and_names_modes(framework):
    report = _report(framework)
    json.dumps(report)
    assert report["modes"] == list(base.MODES[framework])
    assert report["version"][0].isdigit()
    assert set(report["graphs"]) == set(zoo.WORKLOADS)


@pytest.mark.slow
def test_print_in_forward(framework):
    expected = EXPECTED[framework]
    for mode, (per_call, count) in expected["print"].items():
        seen = _report(framework)["print"][mode]
        assert seen["warmup"] == expected["warmup"], (mode, seen)
        assert seen["per_call"] == per_call and seen["fired"] == sum(per_call), (mode, seen)
        assert seen["error"] is None and seen["saw_values"] is None
        if count is not None:
            assert _compiler_count(seen["compiler"]) == count, (mode, seen)


@pytest.mark.slow
def test_breakpoint_in_forward(framework):
    expected = EXPECTED[framework]
    for mode, (per_call, count, saw_values) in expected["breakpoint"].items():
        seen = _report(framework)["breakpoint"][mode]
        assert seen["per_call"] == per_call and seen["error"] is None, (mode, seen)
        assert seen["saw_values"] is saw_values, (mode, seen)
        if count is not None:
            assert _compiler_count(seen["compiler"]) == count, (mode, seen)


@pytest.mark.slow
def test_graphs_breaks_and_recompiles_per_workload(framework):
    expected = EXPECTED[framework]
    for workload, (graphs, breaks, events, compiles) in expected["graphs"].items():
        seen = _report(framework)["graphs"][workload]
        observed = (seen["graphs"], seen["graph_breaks"], seen["break_events"], seen["compiles"])
        assert observed == (graphs, breaks, events, compiles), workload
        assert seen["batch_sizes"] == list(debug.SCHEDULE)
        # one reason per distinct break: Keras-on-torch's CNN breaks 12 times for one reason
        assert (0 < len(seen["break_reasons"]) <= events) if events else not seen["break_reasons"]
    reason = expected["lstm_reason"]
    if reason is not None:
        assert any(reason in r for r in _report(framework)["graphs"]["lstm"]["break_reasons"])


@pytest.mark.slow
def test_compile_time_first_and_steady_calls(framework):
    for mode in base.MODES[framework]:
        timing = debug.compile_time(framework, "mlp", mode, steady_calls=3)
        assert set(timing) == {"first_s", "steady_s"}
        assert all(isinstance(v, float) and v > 0 for v in timing.values()), (mode, timing)


def test_unknown_kind_or_mode_is_a_config_error(framework):
    with pytest.raises(ConfigError, match="unknown probe kind 'assert'"):
        debug.probe(framework, "assert", "eager")
    with pytest.raises(ConfigError, match="unknown mode for"):
        debug.probe(framework, "print", "turbo")


def test_an_unknown_framework_is_refused():
    with pytest.raises(ConfigError, match="unknown framework"):
        debug.debuggability("mxnet")


# --- the driver, on a fake framework module (no framework, no compiler) -----------------------


def _fake(fail_on: int | None = None) -> SimpleNamespace:
    """A debug module whose ``traced`` mode runs Python once, like a tracer, and whose calls may fail."""
    state = {"calls": 0}

    def probe(kind: str, mode: str) -> debug.Probe:
        def forward(x: int) -> int:
            if kind == "print":
                print(debug.MARKER)
            else:
                breakpoint()  # noqa: T100 - the probe
            return x

        def call() -> None:
            state["calls"] += 1
            if state["calls"] == fail_on:
                raise RuntimeError("boom\nsecond line")
            if mode == "eager" or state["calls"] == 1:
                forward(1)

        return debug.Probe(warmup=lambda: forward(1), call=call, report=lambda: {"traces": 1})

    return SimpleNamespace(
        MODES=("eager", "traced"), probe=probe, reset=lambda: None, untraced=lambda f: f, is_concrete=lambda v: v == 1
    )


@pytest.mark.parametrize("kind", debug.KINDS)
def test_driver_counts_hits_per_call(monkeypatch, kind):
    monkeypatch.setattr(debug, "module", lambda framework: _fake())
    hook, stdout = sys.breakpointhook, sys.stdout
    eager = debug.probe("fake", kind, "eager")
    traced = debug.probe("fake", kind, "traced")
    assert (eager["warmup"], eager["per_call"], eager["fired"], eager["error"]) == (1, EVERY_CALL, 3, None)
    assert (traced["per_call"], traced["fired"], traced["compiler"]) == (FIRST_CALL_ONLY, 1, {"traces": 1})
    assert eager["saw_values"] is (True if kind == "breakpoint" else None)
    assert sys.breakpointhook is hook and sys.stdout is stdout


def test_driver_records_the_first_error_and_stops(monkeypatch):
    monkeypatch.setattr(debug, "module", lambda framework: _fake(fail_on=2))
    seen = debug.probe("fake", "print", "eager")
    assert seen["per_call"] == [1] and seen["error"] == "RuntimeError: boom"
