"""The mistakes battery: probe mechanics on a fake battery, and the behaviour each framework shows.

EXPECTED pins what each installed framework did with each mistake in each mode, as observed on
torch 2.13.0+cpu, tensorflow-cpu 2.21.0, Keras 3.15.1 (on TensorFlow, JAX and PyTorch) and jax 0.10.2
(flax 0.12.8, optax 0.2.8), Linux x86_64, 2 CPU cores, no GPU:
``(status, stage, names_evidence, points_at_fault)``. A framework upgrade that changes a behaviour
fails here instead of leaving a stale table in the report: re-run the battery, check the new
observation by hand, and update the row. Each contender's battery runs in its own child process (as
in production), all at once, for every installed contender whatever this test process selects: a
child sets its own Keras backend. About a minute in total on 2 cores; Keras on torch's ``jit`` mode
(another minute under ``torch.compile``) runs when SHOWDOWN_TEST_FRAMEWORKS names keras-torch.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from contenders import CHOSEN
from showdown.devx import probe
from showdown.devx.catalog import CATALOG, MISTAKE_IDS, Battery, Outcome, Skipped, Stage, mistake
from showdown.errors import ConfigError
from showdown.frameworks import base

#: The installed contenders that have a mistakes battery (each runs in a child of its own).
WITH_BATTERY = tuple(fw for fw in base.installed() if base.contender(fw).has("mistakes"))
# Keras on torch under torch.compile takes about 65 s of its battery's 80, too long for make test's
# budget beside the others: its jit mode runs when chosen (SHOWDOWN_TEST_FRAMEWORKS=keras-torch)
SELECTED_ONLY = {("keras-torch", "jit")}
#: The modes each battery runs in this test process.
MODES_RUN = {fw: tuple(m for m in base.MODES[fw] if (fw, m) not in SELECTED_ONLY or fw in CHOSEN) for fw in WITH_BATTERY}
# the tests share one module fixture: one worker computes it, once
pytestmark = pytest.mark.xdist_group("mistakes-batteries")

R, S, OK, SKIP = "raised", "silent", "ok", "skipped"
FIRST, LATER = "first-call", "later"
SILENT, FINE, SKIPPED = (S, None, False, False), (OK, None, False, False), (SKIP, None, False, False)

# (framework, mode, mistake) -> (status, stage, names_evidence, points_at_fault)
EXPECTED: dict[tuple[str, str, str], tuple[str, str | None, bool, bool]] = {}


def _pin(framework: str, rows: dict[str, tuple[tuple, ...]]) -> None:
    modes = base.MODES[framework]
    for mistake_id, cells in rows.items():
        for mode, cell in zip(modes, cells, strict=True):
            EXPECTED[(framework, mode, mistake_id)] = cell


_pin("torch", {  # modes: eager, compiled
    "dense-feature-size": ((R, FIRST, True, True), (R, FIRST, True, True)),
    "conv-channels": ((R, FIRST, True, True), (R, FIRST, True, True)),
    "missing-batch-dim": ((R, FIRST, False, True), (R, FIRST, False, True)),
    "float64-input": ((R, FIRST, True, True), (R, FIRST, True, True)),
    "int-input": ((R, FIRST, True, True), (R, FIRST, True, True)),
    "label-out-of-range": ((R, FIRST, True, True), (R, FIRST, False, False)),
    "batch-size-mismatch": ((R, FIRST, True, True), (R, FIRST, True, False)),
    "log-zero-nan": (SILENT, SILENT),
    "eval-mode-forgotten": (SILENT, SILENT),
    "grads-not-reset": (SILENT, SILENT),
    "grads-not-recorded": ((R, FIRST, True, False), (R, FIRST, True, False)),
    "inplace-autograd": ((R, FIRST, True, False), (R, FIRST, True, False)),
    "side-effect-in-compiled": (FINE, FINE),
    "data-dependent-control-flow": (FINE, FINE),
    "shape-change-recompile": (FINE, FINE),
    "embedding-out-of-range": ((R, FIRST, False, True), (R, FIRST, False, True)),
    "device-mismatch": (SKIPPED, SKIPPED),
    "softmax-into-logits-loss": (SILENT, SILENT),
    "regression-target-shape": (SILENT, SILENT),
})
_pin("tensorflow", {  # modes: eager, function, xla
    "dense-feature-size": ((R, FIRST, True, True),) * 3,
    "conv-channels": ((R, FIRST, True, True),) * 3,
    "missing-batch-dim": ((R, FIRST, True, True),) * 3,
    "float64-input": (FINE, FINE, FINE),
    "int-input": (FINE, FINE, FINE),
    "label-out-of-range": ((R, FIRST, True, True), (R, FIRST, True, False), SILENT),
    "batch-size-mismatch": ((R, FIRST, True, True), (R, FIRST, True, False), (R, FIRST, True, False)),
    "log-zero-nan": (SILENT, FINE, SILENT),
    "eval-mode-forgotten": (FINE, FINE, FINE),
    "grads-not-reset": ((R, LATER, True, False),) * 3,
    "grads-not-recorded": ((R, FIRST, True, False),) * 3,
    "inplace-autograd": ((R, FIRST, False, False),) * 3,
    "side-effect-in-compiled": (FINE, SILENT, SILENT),
    "data-dependent-control-flow": (FINE, FINE, FINE),
    "shape-change-recompile": (FINE, SILENT, SILENT),
    "embedding-out-of-range": ((R, FIRST, True, True), (R, FIRST, True, True), SILENT),
    "device-mismatch": (SKIPPED, SKIPPED, SKIPPED),
    "softmax-into-logits-loss": (FINE, FINE, FINE),
    "regression-target-shape": (FINE, FINE, FINE),
})
_pin("jax", {  # modes: eager, jit
    "dense-feature-size": ((R, FIRST, True, True),) * 2,
    "conv-channels": ((R, FIRST, True, True),) * 2,
    "missing-batch-dim": ((R, FIRST, False, True),) * 2,  # Flax's Conv takes an unbatched image; the dense layer refuses
    "float64-input": (FINE, FINE),  # float64 is off by default: the array becomes float32
    "int-input": (FINE, FINE),
    "label-out-of-range": (SILENT, SILENT),
    "batch-size-mismatch": ((R, FIRST, True, True),) * 2,
    "log-zero-nan": (SILENT, SILENT),
    "eval-mode-forgotten": (SILENT, SILENT),
    "grads-not-reset": (SILENT, SILENT),
    "grads-not-recorded": (SILENT, SILENT),
    "inplace-autograd": ((R, FIRST, True, True),) * 2,
    "side-effect-in-compiled": (FINE, SILENT),
    "data-dependent-control-flow": (FINE, (R, FIRST, True, True)),
    "shape-change-recompile": (FINE, SILENT),
    "embedding-out-of-range": (SILENT, SILENT),
    "device-mismatch": (SKIPPED, SKIPPED),
    "softmax-into-logits-loss": (SILENT, SILENT),
    "regression-target-shape": ((R, FIRST, True, True),) * 2,  # optax's squared_error checks the shapes
})
_pin("keras-jax", {  # modes: eager, jit
    "dense-feature-size": ((R, FIRST, True, True),) * 2,
    "conv-channels": ((R, FIRST, True, True),) * 2,
    "missing-batch-dim": ((R, FIRST, True, True),) * 2,
    "float64-input": (FINE, FINE),  # the trainer converts NumPy input to the model's dtype
    "int-input": (FINE, FINE),
    "label-out-of-range": (SILENT, SILENT),
    "batch-size-mismatch": ((R, FIRST, True, True),) * 2,  # Keras's loss checks the shapes
    "log-zero-nan": (SILENT, SILENT),
    "eval-mode-forgotten": (FINE, FINE),
    "grads-not-reset": (SILENT, SILENT),
    "grads-not-recorded": (SILENT, SILENT),
    "inplace-autograd": (FINE, FINE),  # assign takes the traced value: the gradient is right
    "side-effect-in-compiled": (SILENT, SILENT),  # 4 appends for 3 calls in eager, 2 under jit
    "data-dependent-control-flow": (FINE, (R, FIRST, True, False)),  # raised inside Keras's predict_step
    "shape-change-recompile": (FINE, SILENT),
    "embedding-out-of-range": (SILENT, SILENT),
    "device-mismatch": (SKIPPED, SKIPPED),
    "softmax-into-logits-loss": (SILENT, SILENT),
    "regression-target-shape": (FINE, FINE),  # Keras's loss brings both to one rank
})
_pin("keras-torch", {  # modes: eager, jit
    "dense-feature-size": ((R, FIRST, True, True),) * 2,
    "conv-channels": ((R, FIRST, True, True),) * 2,
    "missing-batch-dim": ((R, FIRST, True, True),) * 2,
    "float64-input": (FINE, FINE),
    "int-input": (FINE, FINE),
    "label-out-of-range": ((R, FIRST, True, True), (R, FIRST, False, True)),  # inductor's kernel names no label
    "batch-size-mismatch": ((R, FIRST, True, True),) * 2,
    "log-zero-nan": (SILENT, SILENT),
    "eval-mode-forgotten": (FINE, FINE),
    "grads-not-reset": (SILENT, SILENT),
    "grads-not-recorded": ((R, FIRST, True, False),) * 2,
    "inplace-autograd": ((R, FIRST, True, False),) * 2,
    "side-effect-in-compiled": (FINE, FINE),
    "data-dependent-control-flow": (FINE, FINE),
    "shape-change-recompile": (FINE, SILENT),
    "embedding-out-of-range": ((R, FIRST, False, True),) * 2,
    "device-mismatch": (SKIPPED, SKIPPED),
    "softmax-into-logits-loss": (SILENT, SILENT),
    "regression-target-shape": (FINE, FINE),
})
# Compilations the shape-change mistake triggered over 6 batch sizes (dynamo graphs / tf.function
# traces / backend compilations of the jitted call; for Keras, of the trainer's compiled steps).
EXPECTED_COMPILES = {("torch", "eager"): 0, ("torch", "compiled"): 2,
                     ("tensorflow", "eager"): 0, ("tensorflow", "function"): 6, ("tensorflow", "xla"): 6,
                     ("jax", "eager"): 0, ("jax", "jit"): 6,
                     ("keras-jax", "eager"): 0, ("keras-jax", "jit"): 6, ("keras-torch", "eager"): 0, ("keras-torch", "jit"): 4}

CHILD = """
import json, sys
from showdown.devx import probe

framework, path, modes = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
observations = probe.run_battery(framework, modes)
result = {"missing": probe.load_battery(framework).missing(), "observations": [o.to_dict() for o in observations]}
with open(path, "w") as f:
    json.dump(result, f)
"""


@pytest.fixture(scope="module")
def battery_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each installed framework's full battery, run in child processes at the same time."""
    folder = tmp_path_factory.mktemp("mistakes")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with contextlib.ExitStack() as logs:
        children = {
            fw: subprocess.Popen([sys.executable, "-c", CHILD, fw, str(folder / f"{fw}.json"), ",".join(MODES_RUN[fw])], env=env,
                                 stdout=logs.enter_context(open(folder / f"{fw}.log", "w")), stderr=subprocess.STDOUT)
            for fw in WITH_BATTERY
        }
        codes = {fw: child.wait(timeout=600) for fw, child in children.items()}
    runs = {}
    for fw, code in codes.items():
        tail = (folder / f"{fw}.log").read_text()[-3000:]
        assert code == 0, f"{fw} battery child exited with {code}:\n{tail}"
        runs[fw] = json.loads((folder / f"{fw}.json").read_text())
    return runs


@pytest.fixture(scope="module")
def observed(battery_runs: dict[str, dict]) -> dict[tuple[str, str, str], probe.Observation]:
    return {(o["framework"], o["mode"], o["mistake"]): probe.Observation.from_dict(o)
            for run in battery_runs.values() for o in run["observations"]}


# --- the catalog ---------------------------------------------------------------------------------


def test_catalog_has_at_least_15_distinct_mistakes():
    assert len(CATALOG) >= 15
    assert len(set(MISTAKE_IDS)) == len(MISTAKE_IDS)
    assert all(m.evidence and m.description for m in CATALOG)


def test_unknown_mistake_names_the_choices():
    with pytest.raises(ConfigError, match="unknown mistake 'typo': choose from dense-feature-size"):
        mistake("typo")


def test_probe_validates_before_importing_a_framework():
    with pytest.raises(ConfigError, match="unknown mode for torch 'jit'"):
        probe.probe("torch", "dense-feature-size", "jit")
    with pytest.raises(ConfigError, match="unknown mistake"):
        probe.probe("torch", "typo", "eager")


def test_evidence_matching_uses_alternatives_and_digit_boundaries():
    assert probe.find_evidence("got Double and Float", ("float64|double",)) == ("double",)
    assert probe.find_evidence("label 120 of 10", ("12",)) == ()
    assert probe.find_evidence("Target 12 is out of bounds.", ("12",)) == ("12",)
    assert probe.find_evidence("(8x784 and 100x10)", ("784", "100")) == ("784", "100")


# --- probe mechanics on a fake battery (no framework needed) ------------------------------------

FAKE = Battery("torch", "0+fake", ("eager", "compiled"), loggers=("showdown.tests.fake",))


@FAKE.fault("dense-feature-size")
def _fake_dense(mode: str, at: Stage) -> Outcome:
    at("build")
    at("first-call")
    raise ValueError("expected 100 features, got 784")  # FAULT


@FAKE.fault("grads-not-recorded")
def _fake_grads(mode: str, at: Stage) -> Outcome:
    at("first-call")
    x = 1  # FAULT
    at("later")
    return json.loads("{" * x)  # raises inside the json package: frames below the user's


@FAKE.fault("label-out-of-range")
def _fake_label(mode: str, at: Stage) -> Outcome:
    at("first-call")
    return Outcome(np.zeros(3))  # FAULT


@FAKE.fault("float64-input")
def _fake_float64(mode: str, at: Stage) -> Outcome:
    return Outcome(np.ones(3) + 1e-7)  # FAULT


@FAKE.fix("float64-input")
def _fake_float64_fixed() -> Outcome:
    return Outcome(np.ones(3))


@FAKE.fault("int-input")
def _fake_int(mode: str, at: Stage) -> Outcome:
    warnings.warn("casting int64 input")
    return Outcome((np.zeros(2), np.array(np.nan)))  # FAULT


@FAKE.fix("int-input")
def _fake_int_fixed() -> Outcome:
    return Outcome((np.zeros(2), np.array(1.0)))


@FAKE.fault("device-mismatch")
def _fake_device(mode: str, at: Stage) -> Outcome:
    raise Skipped("no GPU here")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Battery:
    monkeypatch.setattr(probe, "load_battery", lambda framework: FAKE)
    return FAKE


def test_probe_records_a_raise_that_points_at_the_fault(fake: Battery):
    o = probe.probe("torch", "dense-feature-size", "eager")
    assert (o.status, o.stage, o.names_evidence, o.points_at_fault) == ("raised", "first-call", True, True)
    assert o.exception == "builtins.ValueError" and o.message == "expected 100 features, got 784"
    assert o.user_code.endswith("# FAULT") and o.internal_frames == 0 and o.version == "0+fake"


def test_probe_records_the_stage_and_a_frame_away_from_the_fault(fake: Battery):
    o = probe.probe("torch", "grads-not-recorded", "eager")
    assert (o.status, o.stage, o.names_evidence, o.points_at_fault) == ("raised", "later", False, False)
    assert o.exception == "json.decoder.JSONDecodeError" and o.internal_frames >= 1
    assert o.user_code.startswith('return json.loads("{" * x)')


def test_probe_calls_any_result_of_a_must_raise_mistake_silent(fake: Battery):
    assert probe.probe("torch", "label-out-of-range", "compiled").status == "silent"


def test_probe_compares_with_the_fix(fake: Battery):
    assert probe.probe("torch", "float64-input", "eager").status == "ok"
    o = probe.probe("torch", "int-input", "eager")
    assert o.status == "silent" and o.detail["max_abs_difference"] == "nan"
    assert o.warnings == ("UserWarning: casting int64 input",) and o.warning_names_evidence


def test_probe_records_skips_with_their_reason(fake: Battery):
    o = probe.probe("torch", "device-mismatch", "eager")
    assert (o.status, o.message) == ("skipped", "no GPU here")


def test_fault_lines_come_from_the_source():
    lines = probe.fault_lines(_fake_dense)
    assert len(lines) == 1 and "# FAULT" in Path(__file__).read_text().splitlines()[lines[0] - 1]


def test_points_follow_the_formula():
    def obs(**kw: object) -> probe.Observation:
        return probe.Observation(framework="torch", version="x", mistake="m", mode="eager", **kw)

    assert probe.points(obs(status="raised", stage="first-call", names_evidence=True, points_at_fault=True)) == 3.5
    assert probe.points(obs(status="raised", stage="later")) == 1.0
    assert probe.points(obs(status="ok")) == 3.5
    assert probe.points(obs(status="silent")) == 0.0
    assert probe.points(obs(status="silent", warning_names_evidence=True)) == 0.5
    assert probe.points(obs(status="skipped")) is None


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ConfigError, match="unknown observation fields: colour"):
        probe.Observation.from_dict({"framework": "torch", "colour": "red"})


# --- the installed frameworks, pinned -----------------------------------------------------------

CELLS = sorted(k for k in EXPECTED if k[0] in WITH_BATTERY and k[1] in MODES_RUN[k[0]])


@pytest.mark.slow
@pytest.mark.parametrize("framework", WITH_BATTERY)
def test_battery_covers_the_catalog_and_every_mode(framework: str, battery_runs: dict, observed: dict):
    assert battery_runs[framework]["missing"] == []
    keys = {k for k in observed if k[0] == framework}
    assert keys == {(framework, mode, m.id) for mode in MODES_RUN[framework] for m in CATALOG}
    assert {k for k in EXPECTED if k[0] == framework} == {(framework, mode, m.id) for mode in base.MODES[framework] for m in CATALOG}, \
        "pin every cell of every mode in EXPECTED"


@pytest.mark.slow
@pytest.mark.parametrize("key", CELLS, ids=["/".join(k) for k in CELLS])
def test_observed_behaviour_matches_the_pinned_table(key: tuple[str, str, str], observed: dict):
    o = observed[key]
    got = (o.status, o.stage, o.names_evidence, o.points_at_fault)
    assert got == EXPECTED[key], (
        f"{'/'.join(key)} on {o.framework} {o.version} changed: {got} != pinned {EXPECTED[key]}; "
        f"message: {(o.message or '')[:500]!r}; detail: {o.detail}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(k for k in EXPECTED_COMPILES if k[0] in WITH_BATTERY and k[1] in MODES_RUN[k[0]]))
def test_shape_change_compile_counts(key: tuple[str, str], observed: dict):
    o = observed[(*key, "shape-change-recompile")]
    assert o.detail["outcome"]["compiles"] == EXPECTED_COMPILES[key]


@pytest.mark.slow
def test_score_recomputes_from_stored_dicts(observed: dict):
    observations = list(observed.values())
    stored = json.loads(json.dumps([o.to_dict() for o in observations]))
    assert [probe.Observation.from_dict(d) for d in stored] == observations
    result = probe.score(stored)
    assert result == probe.score(observations)
    for group in result["groups"].values():
        assert group["points"] == sum(r["points"] for r in group["rows"] if r["points"] is not None)
        assert group["max"] == probe.MAX_POINTS * sum(r["points"] is not None for r in group["rows"])
