"""The canary: a fixed, small numpy task whose time tells the machine's own speed at a moment.

Each process of a round times it just before and just after its measuring window. Sorting is
single-threaded in numpy, so the canary does not depend on a framework's thread pool; what moves
it is the machine (frequency, other guests, caches). A run whose canary drifts cannot promise that
a rerun sees the same ratios.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

#: Values sorted per repetition: about 3 ms on a 2-core Intel Xeon VM, 0.45-0.65 ms on a 2-core AMD
#: EPYC VM (numpy's vectorised sort), which flips between those two speeds from one call to the next.
SIZE = 50_000
REPEATS = 5


def canary(size: int = SIZE, repeats: int = REPEATS) -> float:
    """Median seconds to sort a fixed array of ``size`` seeded floats, over ``repeats`` tries."""
    values = np.random.default_rng(0).random(size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.sort(values)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
