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


@pytest.fixture(autouse=True)
def _grouped_on_one_worker(request: pytest.FixtureRequest) -> None:
    """Under ``--dist loadgroup``, fail a grouped test that xdist did not tag with its group.

    xdist tags each ``xdist_group`` test by suffixing its node id with ``@<group>`` in the worker,
    and the scheduler keeps a group on one worker only by that suffix. A pytest that ignores the
    tag (9.2 with xdist 3.8) silently spreads a group, and its expensive module fixture, over every
    worker: this makes that visible.
    """
    config, item = request.config, request.node
    if (hasattr(config, "workerinput") and config.getvalue("loadgroup")
            and item.get_closest_marker("xdist_group") and "@" not in item.nodeid):
        pytest.fail(f"--dist loadgroup: xdist did not tag {item.nodeid} with its group; this pytest "
                    "and pytest-xdist do not work together (see the test extra in pyproject.toml)")
