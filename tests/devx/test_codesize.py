"""Code size: the counter on inline source, and the hand-written examples proven to be the zoo's models."""

from __future__ import annotations

import importlib
import json
import math
import subprocess
import sys
import textwrap

import pytest

from showdown.data import synthetic
from showdown.devx import codesize
from showdown.errors import ConfigError
from showdown.frameworks import base
from showdown.models import zoo
from contenders import INSTALLED

PLAIN = """\
def add(x, y):
    total = x + y
    return total
"""
DOCUMENTED = '''\
def add(x, y):
    """Add two numbers.

    A docstring over several lines.
    """
    # a comment on its own line

    total = x + y  # a trailing comment
    return total
'''


def test_counts_statements_and_tokens():
    size = codesize.measure_text(PLAIN)
    # def add ( x , y ) :  |  total = x + y  |  return total
    assert size == {"logical_lines": 3, "tokens": 8 + 5 + 2, "lines": 3}


def test_docstrings_comments_and_blank_lines_do_not_count():
    plain, documented = codesize.measure_text(PLAIN), codesize.measure_text(DOCUMENTED)
    assert documented["logical_lines"] == plain["logical_lines"]
    assert documented["tokens"] == plain["tokens"]
    assert documented["lines"] == 7  # physical non-blank lines do see them


def test_class_and_method_docstrings_are_skipped_but_other_strings_count():
    bare = "class A:\n    def f(self):\n        return 'x'\n"
    documented = 'class A:\n    """Doc."""\n\n    def f(self):\n        """Doc."""\n        return \'x\'\n'
    assert codesize.measure_text(documented) == {**codesize.measure_text(bare), "lines": 5}
    with_string = "class A:\n    def f(self):\n        y = 'not a docstring'\n        return 'x'\n"
    assert codesize.measure_text(with_string)["tokens"] == codesize.measure_text(bare)["tokens"] + 3


def test_a_bracketed_statement_over_several_lines_is_one_logical_line():
    one = "model = build(a, b, c)\n"
    many = "model = build(\n    a,\n    b,\n    c\n)\n"
    assert codesize.measure_text(many)["logical_lines"] == codesize.measure_text(one)["logical_lines"] == 1
    assert codesize.measure_text(many)["tokens"] == codesize.measure_text(one)["tokens"] == 10
    assert codesize.measure_text(many)["lines"] == 5


def test_source_that_does_not_parse_is_a_config_error():
    with pytest.raises(ConfigError, match="does not parse"):
        codesize.measure_text("def f(:\n")


@pytest.fixture
def sample_module(tmp_path, monkeypatch):
    source = '''\
        """A module docstring."""
        import functools

        TABLE = {"w": ["f"], "train_step": ["step", "loss_fn"]}
        loss_fn = object()


        @functools.cache
        def f(x):
            """Doc."""
            return x


        def step(model):
            return model
    '''
    (tmp_path / "sample_examples_mod.py").write_text(textwrap.dedent(source).replace("TABLE", "SOURCES"))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "sample_examples_mod"


def test_object_sources_include_decorators_and_assignments(sample_module):
    sources = codesize.object_sources(sample_module, ["f", "loss_fn"])
    assert sources["f"].startswith("@functools.cache\ndef f(x):")
    assert sources["loss_fn"] == "loss_fn = object()\n"
    assert codesize.measure_objects(sample_module, ["f", "f"]) == {
        "logical_lines": 3,  # the decorator, the def, the return
        "tokens": 12,
        "lines": 4,
        "objects": ["f"],
    }
    assert "sample_examples_mod" not in sys.modules  # read, not imported


def test_source_table_and_missing_names(sample_module):
    assert codesize.source_table(sample_module) == {"w": ["f"], "train_step": ["step", "loss_fn"]}
    with pytest.raises(ConfigError, match="no top-level 'g'"):
        codesize.object_sources(sample_module, ["g"])
    with pytest.raises(ConfigError, match="no Python source"):
        codesize.module_path("showdown_no_such_module")


def test_imported_objects_and_table_are_read_where_they_are_defined(sample_module, tmp_path):
    (tmp_path / "sample_sharing_mod.py").write_text(
        "from sample_examples_mod import SOURCES, f as g, step\n\n\ndef own():\n    return 1\n")
    sources = codesize.object_sources("sample_sharing_mod", ["g", "step", "own"])
    assert sources["g"].startswith("@functools.cache\ndef f(x):")  # the alias names f's definition
    assert sources["step"] == "def step(model):\n    return model\n"
    assert codesize.source_table("sample_sharing_mod") == {"w": ["f"], "train_step": ["step", "loss_fn"]}
    with pytest.raises(ConfigError, match="sample_sharing_mod defines no top-level 'loss_fn'"):
        codesize.object_sources("sample_sharing_mod", ["loss_fn"])
    assert not {"sample_examples_mod", "sample_sharing_mod"} & set(sys.modules)  # read, not imported


@pytest.mark.parametrize("framework", [n for n, c in base.CONTENDERS.items() if c.has("examples")])
def test_code_size_covers_every_workload_with_positive_counts(framework):
    sizes = codesize.code_size(framework)
    assert list(sizes) == list(zoo.WORKLOADS)
    for size in sizes.values():
        model, step = size["parts"]["model"], size["parts"]["train_step"]
        for key in ("logical_lines", "tokens", "lines"):
            assert all(isinstance(s[key], int) and s[key] > 0 for s in (size, model, step))
            assert size[key] == model[key] + step[key]  # no object is shared between model and step
        assert size["logical_lines"] <= size["lines"] and size["logical_lines"] < size["tokens"]
        assert size["objects"] == model["objects"] + step["objects"]
    json.dumps(sizes)


def test_code_size_rejects_an_unknown_framework():
    with pytest.raises(ConfigError, match="unknown framework 'mxnet'"):
        codesize.code_size("mxnet")


def test_code_size_needs_no_framework_import():
    code = (
        "import sys\n"
        "from showdown.devx.codesize import code_size\n"
        "[code_size(f) for f in ('torch', 'tensorflow')]\n"
        "print(sorted({'torch', 'tensorflow', 'keras'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the examples are the zoo's architectures -------------------------------------------------


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
@pytest.mark.parametrize("framework", INSTALLED)
def test_example_parameter_counts_match_the_spec_at_every_preset(framework, workload):
    examples = importlib.import_module(codesize.examples_module(framework))
    # None: the constructor's defaults, which must be `default`; tiny: a preset's sizes passed in
    # (the large preset adds nothing these two do not check, and takes seconds to build)
    for preset in (None, "tiny"):
        counts = examples.parameter_count(examples.build(workload, preset))
        expected = zoo.build(workload, preset or "default").parameter_count()
        # torch's nn.LSTM has a second, redundant bias per gate; the spec (and Keras) have one
        assert counts["trainable"] - counts["redundant"] == expected, (preset, counts)
        size = zoo.SIZES[workload][preset or "default"]
        allowed = {0, 4 * size.width * size.depth} if workload == "lstm" else {0}  # one bias per gate per layer
        assert counts["redundant"] in allowed


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
@pytest.mark.parametrize("framework", INSTALLED)
def test_example_training_step_runs_on_a_tiny_batch(framework, workload):
    examples = importlib.import_module(codesize.examples_module(framework))
    spec = zoo.build(workload, "default")
    x, y = synthetic.batch(spec, 2, seed=0)
    result = examples.train_once(examples.build(workload), x, y)
    assert math.isfinite(result["loss"]) and result["loss"] > 0
    assert result["logits_shape"] == [2, spec.num_classes]


@pytest.mark.parametrize("framework", INSTALLED)
def test_every_counted_object_exists_in_the_imported_module(framework):
    examples = importlib.import_module(codesize.examples_module(framework))
    table = codesize.source_table(codesize.examples_module(framework))
    assert table == examples.SOURCES
    assert all(hasattr(examples, name) for names in table.values() for name in names)
