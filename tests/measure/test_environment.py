"""Tests of environment collection and comparison."""

from __future__ import annotations

import copy
import json
import os
import socket
import stat
from pathlib import Path

import pytest

from showdown.measure import environment
from showdown.measure.environment import collect, differences


@pytest.fixture(scope="module")
def env() -> dict:
    return collect()


def test_collect_has_the_documented_keys(env):
    assert set(env) == {"schema", "cpu", "os", "python", "memory_total_bytes",
                        "hostname_hash", "numpy", "env", "gpu"}
    assert set(env["cpu"]) == {"model", "flags", "logical_cores", "physical_cores",
                               "usable_cores", "quota_cores"}
    assert env["cpu"]["logical_cores"] == os.cpu_count()
    assert env["python"]["version"].count(".") == 2
    assert env["numpy"]["version"] == __import__("numpy").__version__
    assert env["gpu"] is None or isinstance(env["gpu"], list)
    assert "frameworks" not in env
    json.dumps(env)  # stored as JSON


def test_collect_hides_the_hostname(env):
    assert len(env["hostname_hash"]) == 16
    assert socket.gethostname() not in json.dumps(env)


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="needs /proc")
def test_cpu_flags_are_the_ml_relevant_subset(env):
    flags = env["cpu"]["flags"]
    assert flags == sorted(flags)
    assert all(f.startswith(("avx", "amx", "asimd", "sve", "sse4", "fma", "f16c", "neon"))
               or f in ("bf16", "i8mm", "fphp", "dotprod", "sme", "sme2") for f in flags)
    assert "fpu" not in flags  # a generic flag is dropped
    assert env["memory_total_bytes"] > 0


def test_relevant_env_keeps_thread_settings_and_drops_secrets(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setenv("TF_API_TOKEN", "hunter2")
    monkeypatch.setenv("SHOWDOWN_UNRELATED", "x")
    found = environment.relevant_env()
    assert found["OMP_NUM_THREADS"] == "3" and found["CUDA_VISIBLE_DEVICES"] == "0"
    assert "TF_API_TOKEN" not in found and "SHOWDOWN_UNRELATED" not in found


def _fake_nvidia_smi(tmp_path: Path, monkeypatch, body: str) -> None:
    exe = tmp_path / "nvidia-smi"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_gpus_parses_nvidia_smi(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch,
                     "echo 'NVIDIA H100 80GB HBM3, 81559 MiB, 550.54.15'\n"
                     "echo 'NVIDIA H100 80GB HBM3, 81559 MiB, 550.54.15'")
    assert environment.gpus() == [{"name": "NVIDIA H100 80GB HBM3",
                                   "memory_total": "81559 MiB",
                                   "driver_version": "550.54.15"}] * 2


def test_gpus_is_none_when_nvidia_smi_fails_or_is_absent(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch, "echo 'No devices were found' >&2; exit 9")
    assert environment.gpus() is None
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert environment.gpus() is None


def test_differences_is_empty_for_the_same_environment(env):
    assert differences(env, copy.deepcopy(env)) == []


def test_differences_names_changed_fields(env):
    a, b = copy.deepcopy(env), copy.deepcopy(env)
    b["cpu"]["model"] = "AMD EPYC 7R13"
    b["os"]["version"] = "#2 SMP"  # not a key field by default
    b["env"]["OMP_NUM_THREADS"] = "2"
    a.pop("gpu")
    a["frameworks"] = {"torch": {"version": "2.12.0", "mode": "eager"}}
    b["frameworks"] = {"torch": {"version": "2.13.0", "mode": "compiled"},
                       "tensorflow": {"version": "2.21.0"}}
    lines = differences(a, b)
    assert f"cpu.model: {env['cpu']['model']} vs AMD EPYC 7R13" in lines
    assert "env.OMP_NUM_THREADS: (missing) vs 2" in lines
    assert "frameworks.torch.version: 2.12.0 vs 2.13.0" in lines
    assert "frameworks.tensorflow.version: (missing) vs 2.21.0" in lines
    assert f"gpu: (missing) vs {env['gpu']}" in lines
    assert not any(line.startswith(("os.version", "frameworks.torch.mode")) for line in lines)
    assert differences(a, b, keys=["cpu.model"]) == [lines[0]]


def test_differences_names_the_instruction_sets_behind_one_model_name(env):
    a, b = copy.deepcopy(env), copy.deepcopy(env)
    a["cpu"]["flags"] = ["avx", "avx2", "avx512_vnni", "avx512f", "fma"]
    b["cpu"]["flags"] = ["avx", "avx2", "fma"]
    assert differences(a, b) == ["cpu.flags: only in the first avx512_vnni, avx512f; only in the second (none)"]
