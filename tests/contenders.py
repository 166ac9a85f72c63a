"""The contenders the tests use in one process, and the others.

A process holds one Keras backend: Keras reads ``KERAS_BACKEND`` once, when it is first imported.
The test process imports the TensorFlow contender's Keras, so the contenders measured in it are
those on TensorFlow's Keras backend or on none. ``SHOWDOWN_TEST_FRAMEWORKS`` (comma-separated)
chooses them instead, which is how the other contenders' tests run: in a pytest process of their
own (see ``tests/frameworks/test_other_backends.py``).
"""

from __future__ import annotations

import os

from showdown.frameworks import base

SELECT_ENV = "SHOWDOWN_TEST_FRAMEWORKS"


def _shares_the_test_process(name: str) -> bool:
    return base.contender(name).backend in (None, "tensorflow")


_chosen = [n.strip() for n in os.environ.get(SELECT_ENV, "").split(",") if n.strip()]
#: The installed contenders this test process measures.
INSTALLED: tuple[str, ...] = tuple(n for n in base.installed() if (n in _chosen if _chosen else _shares_the_test_process(n)))
#: The installed contenders that need a process of their own.
OTHERS: tuple[str, ...] = tuple(n for n in base.installed() if not _shares_the_test_process(n))
