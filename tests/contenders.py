"""The contenders the tests measure in this process, and the others.

The test process measures the contenders the quick suite measures (PyTorch and TensorFlow): they
share one process, TensorFlow's Keras backend included. Every other installed contender — Keras on
another backend (a process holds one: Keras reads ``KERAS_BACKEND`` once, when first imported), or
JAX — runs the contract suite and its scalar writer's tests in a pytest process of its own, and a
run through the command line (``tests/frameworks/test_other_backends.py``), which keeps the suite's
time in bounds as contenders are added. ``SHOWDOWN_TEST_FRAMEWORKS`` (comma-separated) chooses the
contenders a process measures instead.
"""

from __future__ import annotations

import os

from showdown.frameworks import base

SELECT_ENV = "SHOWDOWN_TEST_FRAMEWORKS"


def _shares_the_test_process(name: str) -> bool:
    return name in base.QUICK


_chosen = [n.strip() for n in os.environ.get(SELECT_ENV, "").split(",") if n.strip()]
#: The contenders SHOWDOWN_TEST_FRAMEWORKS names (empty when it is not set).
CHOSEN: tuple[str, ...] = tuple(_chosen)
#: The installed contenders this test process measures.
INSTALLED: tuple[str, ...] = tuple(n for n in base.installed() if (n in _chosen if _chosen else _shares_the_test_process(n)))
#: The installed contenders that need a process of their own.
OTHERS: tuple[str, ...] = tuple(n for n in base.installed() if not _shares_the_test_process(n))
