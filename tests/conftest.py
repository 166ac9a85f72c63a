"""Shared fixtures: the contract suite runs once per installed framework this process can hold."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from contenders import INSTALLED  # noqa: E402 - the contenders this process measures (one Keras backend)
from showdown.frameworks import base  # noqa: E402


@pytest.fixture(scope="session", params=INSTALLED)
def framework(request: pytest.FixtureRequest) -> base.Framework:
    """Each installed framework's adapter, configured for 2 threads on the CPU."""
    fw = base.load(request.param)
    fw.configure(threads=2, device="cpu", seed=0)
    return fw


@pytest.fixture(scope="session")
def both() -> tuple[str, str]:
    """Skip unless both frameworks are installed."""
    if len(INSTALLED) < 2:
        pytest.skip("needs both torch and tensorflow")
    return INSTALLED[0], INSTALLED[1]
