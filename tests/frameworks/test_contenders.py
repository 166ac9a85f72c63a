"""Contenders come from their descriptions: a package the project does not know joins every table.

The fake contender (``tests/frameworks/fake_contender``) is registered only through
``SHOWDOWN_CONTENDERS``; no file of the project names it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from showdown.errors import ConfigError
from showdown.frameworks import registry
from showdown.frameworks.contender import Contender, Runtime
from showdown.runner import isolate

HERE = Path(__file__).parent
SRC = Path(registry.__file__).parents[1]
FAKE_ENV = {"SHOWDOWN_CONTENDERS": "fake_contender", "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}


def _python(code: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def showdown(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showdown", *args], capture_output=True, text=True, env={**os.environ, **FAKE_ENV}, timeout=timeout)


def test_no_file_of_the_project_names_the_fake_contender():
    names = ("fake_contender", '"fake"', "'fake'", "fake-torchscript")
    named = [p for p in SRC.rglob("*.py") if any(n in p.read_text(encoding="utf-8") for n in names)]
    assert named == []


def test_every_table_derives_from_the_registered_descriptions():
    code = """
import json
from showdown.frameworks import base
from showdown.deploy import paths, footprint
from showdown.analysis.dimensions import EDGE_RUNTIME
from showdown.report.svg import colour
from showdown.runner import estimate, plan
from showdown.cli import options
full = plan.suite("full", frameworks=("torch", "fake"))
print(json.dumps({
    "frameworks": base.FRAMEWORKS, "modes": base.MODES["fake"], "default": plan.DEFAULT_MODE["fake"],
    "path": paths.get("fake-torchscript").exporter, "runtimes": list(footprint.RUNTIMES), "edge": EDGE_RUNTIME["fake"],
    "colour": colour("fake eager bs32"), "process_s": estimate.default_process_s("fake", "train"),
    "help": options.frameworks_help(), "modes_help": options.modes_help(),
    "full_keys": [k for k, _ in full.cells() if "/fake/" in k or k.startswith("footprint/")],
    "installed": base.installed(),
}))
"""
    got = json.loads(_python(code, FAKE_ENV))
    assert got["frameworks"][:2] == ["torch", "tensorflow"] and got["frameworks"][-1] == "fake" and got["installed"][-1] == "fake"
    assert got["modes"] == ["eager"] and got["default"] == "eager"
    assert got["path"] == "fake_contender.deploy:export"  # relative to its own package
    assert "fake" in got["runtimes"] and got["edge"] == "executorch"
    assert got["colour"] == "#6a3d9a" and got["process_s"] == 2.5
    assert "fake" in got["help"] and got["modes_help"].startswith("eager, compiled (torch), function, xla (tensorflow)")
    keys = got["full_keys"]
    assert "train/fake/mlp/default/eager/bs16" in keys and "deploy/fake/mlp/default/fake-torchscript" in keys
    assert "footprint/fake" in keys and not any("/fake/" in k and "/compiled/" in k for k in keys)


def test_a_bad_registration_names_the_package():
    out = subprocess.run([sys.executable, "-m", "showdown", "run", "--frameworks", "torch"], capture_output=True, text=True,
                         env={**os.environ, "SHOWDOWN_CONTENDERS": "no_such_contender_pkg"}, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "contender package 'no_such_contender_pkg' (from SHOWDOWN_CONTENDERS) declares no CONTENDER" in out.stderr


def test_a_description_is_checked_when_it_is_made():
    fields = dict(package="x", imports=(), requirement="x", distributions=(), footprint=Runtime("x", "pass", ()))
    with pytest.raises(ConfigError, match="default mode 'jit' is not one of its modes eager"):
        Contender("x", modes=("eager",), default_mode="jit", colours={"": "#000000"}, **fields)
    with pytest.raises(ConfigError, match="colours need a base colour"):
        Contender("x", modes=("eager",), colours={"eager": "#000000"}, **fields)


@pytest.mark.slow
def test_the_fake_contender_is_checked_measured_deployed_and_reported(tmp_path):
    db = str(tmp_path / "fake.sqlite")
    parity = showdown("parity", "--frameworks", "torch", "fake", "--workloads", "mlp", "--json")
    assert parity.returncode == 0, parity.stderr[-2000:]
    assert json.loads(parity.stdout)["passed"] is True
    run = showdown("run", "--frameworks", "torch", "fake", "--workloads", "mlp", "--scenarios", "train", "--preset", "tiny",
                   "--rounds", "0", "--cell-budget", "0.3", "--threads", "2", "--db", db)
    assert run.returncode == 0, run.stderr[-2000:]
    shown = json.loads(showdown("show", "latest", "--db", db, "--json").stdout)
    cells = {c["key"]: c["status"] for c in shown["cells"]}
    assert cells == {"train/torch/mlp/tiny/eager/bs32": "ok", "train/fake/mlp/tiny/eager/bs32": "ok"}
    deploy = showdown("deploy", "--frameworks", "fake", "--workloads", "mlp", "--preset", "tiny", "--db", db, "--json", "--budget", "0.3")
    assert deploy.returncode == 0, deploy.stderr[-2000:]
    (path,) = json.loads(deploy.stdout)["paths"]
    assert path["path"] == "fake-torchscript" and path["status"] == "ok" and path["ran"]
    assert path["max_rel_deviation"] <= 1e-5 and path["argmax_agreement"] == 1.0
    report = showdown("report", "latest", "--db", db, "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr[-2000:]
    html = next((tmp_path / "report").rglob("*.html")).read_text(encoding="utf-8")
    assert "fake" in html


def test_a_tensorflow_process_runs_keras_on_tensorflow_whatever_the_shell_says(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    env = isolate.child_env(framework="tensorflow")
    assert env["KERAS_BACKEND"] == "tensorflow" and isolate.child_env()["KERAS_BACKEND"] == "torch"
    code = "from showdown.frameworks import base; print(base.load('tensorflow').environment()['keras_backend'])"
    assert _python(code, {"KERAS_BACKEND": "torch"}).strip() == "tensorflow"


def test_keras_already_on_another_backend_is_a_clear_error():
    code = ("import keras\nfrom showdown.frameworks import base\ntry:\n    base.load('tensorflow')\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    out = _python(code, {"KERAS_BACKEND": "torch"})
    assert out.startswith("ConfigError tensorflow needs Keras on the 'tensorflow' backend, but Keras here runs on 'torch'")
