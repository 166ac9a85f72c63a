"""Tests of the fairness manifest."""

from __future__ import annotations

import json
import os

import pytest

from showdown.errors import ConfigError
from showdown.measure.fairness import Manifest, default_threads


def side(**overrides) -> dict:
    base = {"intra_op_threads": 2, "inter_op_threads": 1, "dtype": "float32",
            "device": "cpu", "layout": "NCHW", "version": "2.13.0", "build": {"mkldnn": True}}
    return {**base, **overrides}


def manifest(torch: dict, tensorflow: dict, **kwargs) -> Manifest:
    return Manifest(intra_op_threads=2, inter_op_threads=1, batch_sizes=[1, 32],
                    sides={"torch": torch, "tensorflow": tensorflow}, **kwargs)


def test_identical_sides_raise_no_flags():
    m = manifest(side(), side())
    assert m.flags() == [] and m.notes() == []


def test_thread_mismatch_is_flagged():
    m = manifest(side(), side(intra_op_threads=4))
    assert m.flags() == ["intra_op_threads: requested 2; torch=2, tensorflow=4"]


def test_sides_that_agree_but_ignore_the_request_are_flagged():
    m = manifest(side(dtype="bfloat16"), side(dtype="bfloat16"))
    assert m.flags() == ["dtype: requested float32; torch=bfloat16, tensorflow=bfloat16"]


def test_other_differing_and_missing_settings_are_flagged():
    tf = side(xla=True)
    del tf["inter_op_threads"]
    m = manifest(side(xla=False), tf)
    assert m.flags() == [
        "inter_op_threads: requested 1; torch=1, tensorflow=(not reported)",
        "xla: torch=False, tensorflow=True",
    ]


def test_versions_layouts_and_builds_are_notes_not_flags():
    m = manifest(side(), side(layout="NHWC", version="2.21.0", build={"onednn": True}))
    assert m.flags() == []
    notes = m.notes()
    assert [n.split(":")[0] for n in notes] == ["build", "layout", "version"]
    assert "layout: torch=NCHW, tensorflow=NHWC (each side's native layout; recorded, not hidden)" \
        in notes
    assert notes[2].startswith("version: torch=2.13.0, tensorflow=2.21.0")


def test_round_trip_through_json():
    m = manifest(side(), side(layout="NHWC"), dtype="float32", device="cpu",
                 data_in_memory=False)
    data = json.loads(json.dumps(m.to_dict()))
    assert data["batch_sizes"] == [1, 32]
    back = Manifest.from_dict(data)
    assert back == m and back.batch_sizes == (1, 32)
    assert back.sides["tensorflow"]["layout"] == "NHWC"


def test_manifest_is_immutable():
    m = manifest(side(), side())
    with pytest.raises(TypeError):
        m.sides["torch"]["intra_op_threads"] = 8  # type: ignore[index]
    with pytest.raises(AttributeError):
        m.dtype = "float16"  # type: ignore[misc]


@pytest.mark.parametrize("kwargs, message", [
    ({"dtype": "fp8"}, "unknown dtype 'fp8': choose from float32, float16, bfloat16, float64"),
    ({"device": "tpu"}, "unknown device 'tpu': choose from cpu, cuda"),
    ({"intra_op_threads": 0}, "intra_op_threads must be a positive integer, got 0"),
    ({"batch_sizes": ()}, "batch_sizes must be a non-empty sequence"),
    ({"batch_sizes": (8, 0)}, "batch size must be a positive integer, got 0"),
    ({"data_in_memory": "yes"}, "data_in_memory must be a bool"),
    ({"sides": {"torch": 3}}, "sides must map a framework name to a dict"),
])
def test_invalid_values_are_named(kwargs, message):
    args = {"intra_op_threads": 2, "inter_op_threads": 1, **kwargs}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Manifest(**args)


def test_from_dict_rejects_unknown_and_missing_keys():
    data = manifest(side(), side()).to_dict()
    with pytest.raises(ConfigError, match="unknown manifest key 'threads'"):
        Manifest.from_dict({**data, "threads": 4})
    del data["intra_op_threads"]
    with pytest.raises(ConfigError, match="invalid manifest"):
        Manifest.from_dict(data)


def test_default_threads_respects_affinity():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_threads() == expected >= 1
