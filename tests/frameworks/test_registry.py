from __future__ import annotations

import subprocess
import sys

import pytest

from showdown.errors import ConfigError, FrameworkUnavailable
from showdown.frameworks import base


def test_unknown_framework_names_the_choices():
    with pytest.raises(ConfigError, match="unknown framework 'mxnet': choose from torch, tensorflow, keras-torch"):
        base.check_name("mxnet")


def test_check_mode_uses_per_framework_modes():
    assert base.check_mode("tensorflow", "xla") == "xla"
    with pytest.raises(ConfigError, match="choose from eager, compiled"):
        base.check_mode("torch", "xla")


def test_missing_framework_gives_install_command():
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from showdown.frameworks import base\n"
        "try:\n    base.require('tensorflow')\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith(FrameworkUnavailable.__name__)
    assert "pip install 'tensorflow-cpu==2.21.*'" in out


def test_registry_does_not_import_frameworks():
    code = "import sys; from showdown.frameworks import base; base.installed(); print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
