from __future__ import annotations

import importlib.util

import pytest

from showdown.deploy import footprint, paths
from showdown.errors import ConfigError
from showdown.frameworks import base


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="needs onnxruntime")
def test_onnxruntime_footprint_is_measured_in_fresh_processes():
    result = footprint.measure("onnxruntime", repeats=2)
    assert result["installed_bytes"]["onnxruntime"] > 5 * 2**20  # its shared library alone is tens of MB
    assert len(result["import_s"]) == 2 and all(t > 0 for t in result["import_s"])
    assert result["rss_after_import_bytes"] > 10 * 2**20
    assert "torch" not in result["pulls_in"] and "tensorflow" not in result["pulls_in"]


def test_unknown_runtime():
    with pytest.raises(ConfigError, match="unknown runtime 'tvm': choose from torch, tensorflow, .*onnxruntime, litert, executorch"):
        footprint.measure("tvm")


def test_every_path_has_a_known_runtime_and_framework():
    for info in paths.PATHS.values():
        assert info.runtime in footprint.RUNTIMES and info.framework in base.FRAMEWORKS
        assert ":" in info.exporter and ":" in info.runner


def test_unknown_path_names_the_choices():
    with pytest.raises(ConfigError, match="unknown deployment path 'tflite-micro': choose from torchscript, torch-export"):
        paths.get("tflite-micro")


def test_missing_requirements_are_named_without_importing():
    info = paths.PathInfo("x", "torch", "onnxruntime", "m:f", "m:g", requires=("surely_not_installed_pkg",), install="pip install it")
    assert info.missing() == ["surely_not_installed_pkg"]
