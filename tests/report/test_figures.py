"""The report's plot builders on known rows: what each chart holds and in which unit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from showdown.report import figures as FIG
from showdown.report.svg import colour

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg_text: str) -> dict[str, str]:
    """Each bar's tooltip ("group · label: value") mapped to its fill."""
    root = ET.fromstring(svg_text)
    return {rect.find(f"{SVG}title").text: rect.get("fill") for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"}


def row(cell: str, compile_s: float, steps: float | None) -> dict:
    return {"cell": cell, "compile_s": compile_s, "eager_s": 0.01, "compiled_s": 0.008, "steps": steps}


def test_break_even_keeps_seconds_and_steps_apart():
    rows = [row("train/tensorflow/mlp/default/function/bs32", 0.4, 120.0),
            row("infer/torch/cnn/default/compiled/bs1", 9.5, 25_000.0),
            row("infer/tensorflow/lstm/default/xla/bs1", 0.3, None)]
    cost, steps = FIG.break_even(rows)
    assert (cost.id, steps.id) == ("break-even-cost", "break-even-steps")
    cost_bars, step_bars = _bars(cost.svg), _bars(steps.svg)
    assert set(cost_bars) == {"tensorflow function · train mlp bs32: 0.4", "torch compiled · infer cnn bs1: 9.5", "tensorflow xla · infer lstm bs1: 0.3"}
    assert set(step_bars) == {"tensorflow function · train mlp bs32: 120", "torch compiled · infer cnn bs1: 25k"}
    assert step_bars["torch compiled · infer cnn bs1: 25k"] == colour("torch compiled")
    assert "never pays off" in steps.caption and "infer lstm bs1 (tensorflow xla)" in steps.caption
    assert ">s<" in cost.svg and ">steps<" in steps.svg


def test_break_even_without_any_payoff_shows_only_the_cost():
    (cost,) = FIG.break_even([row("train/tensorflow/cnn/default/function/bs32", 0.5, None)])
    assert cost.id == "break-even-cost"
    assert FIG.break_even([]) == []
