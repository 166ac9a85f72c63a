"""Parity, end to end through child processes, on every workload's tiny preset."""

from __future__ import annotations

import numpy as np
import pytest

from showdown.models import zoo
from showdown.scenarios import parity

# the tests share one module fixture: one worker computes it, once
pytestmark = pytest.mark.xdist_group("parity-report")


@pytest.fixture(scope="module")
def report(both):
    return parity.run(zoo.WORKLOADS, "tiny", frameworks=both, threads=2)


def test_every_check_of_every_workload_passes(report):
    failed = [(r.workload, r.check, r.worst_tensor, r.max_rel) for r in report.results if not r.passed]
    assert failed == []
    assert {(r.workload, r.check) for r in report.results} == {(w, c) for w in zoo.WORKLOADS for c in parity.CHECKS}


def test_eval_and_train_forward_are_both_checked(report):
    cnn = {r.check: r for r in report.results if r.workload == "cnn"}
    assert cnn["forward-eval"].max_rel <= 1e-5 and cnn["forward-train"].max_rel <= 1e-5
    assert cnn["gradients"].worst_tensor != "logits"


def test_sides_record_layouts_and_versions(report):
    layouts = {name: side["layouts"]["cnn"] for name, side in report.sides.items()}
    assert any("NCHW" in v for v in layouts.values()) and any("NHWC" in v for v in layouts.values())
    assert all(side["environment"]["version"] for side in report.sides.values())
    assert {n: side["step_mode"] for n, side in report.sides.items()} == {"torch": "eager", "tensorflow": "function"}
    assert report.to_dict()["passed"] is True


def test_a_mismatch_names_the_tensor():
    rng = np.random.default_rng(0)
    a = {"gradients/head.kernel": rng.standard_normal((4, 3)), "gradients/head.bias": rng.standard_normal(3)}
    for check in parity.CHECKS:
        if check != "gradients":
            a[f"{check}/t"] = rng.standard_normal(5)
    b = {k: v.copy() for k, v in a.items()}
    b["gradients/head.bias"][1] += 1e-2
    results = {r.check: r for r in parity.compare_arrays("mlp", a, b)}
    assert not results["gradients"].passed
    assert results["gradients"].failing_tensors == ("head.bias",)
    assert results["gradients"].worst_tensor == "head.bias"
    assert all(r.passed for c, r in results.items() if c != "gradients")


def test_transposed_weights_fail_parity():
    a = {f"{c}/w": np.arange(6.0).reshape(2, 3) for c in parity.CHECKS}
    b = {k: (v[::-1] if k.startswith("sgd") else v) for k, v in a.items()}
    results = {r.check: r for r in parity.compare_arrays("mlp", a, b)}
    assert not results["sgd-10"].passed and results["forward-eval"].passed
