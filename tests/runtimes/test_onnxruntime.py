"""ONNX Runtime's int8 settings: 7-bit weights exactly where the CPU's int8 kernels can saturate."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

from showdown.runtimes import onnxruntime as R  # noqa: E402


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    return path


@pytest.mark.parametrize(("flags", "machine", "expected"), [
    ("fpu sse4_2 avx avx2 fma", "x86_64", True),  # AVX2 without VNNI: u8×s8 sums in int16 can overflow
    ("fpu avx2 avx512f avx512_vnni", "x86_64", False),
    ("fpu avx2 avx_vnni", "AMD64", False),
    ("fp asimd asimddp", "aarch64", False),  # another instruction set: other kernels
])
def test_saturation_follows_the_cpu_flags(tmp_path, flags, machine, expected):
    assert R.saturates(_cpuinfo(tmp_path, flags), machine) is expected


def test_an_unreadable_x86_cpu_counts_as_saturating(tmp_path):
    assert R.saturates(tmp_path / "missing", "x86_64") is True


def test_the_artifact_says_which_setting_this_cpu_got():
    settings = R.quantizer_settings()
    assert settings["reduce_range"] is R.saturates()
    assert ("reduce_range_why" in settings) is settings["reduce_range"]
