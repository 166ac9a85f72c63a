"""Runtime footprint: what a runtime costs before it runs a model.

For each runtime: the installed size of its distributions (every file pip installed for them,
shared libraries included, read from the packages' RECORD files), the time a fresh interpreter
takes to import it, and the resident memory of that interpreter after the import (median over
a few fresh processes). Distributions the runtime needs at import time count towards it: the
ExecuTorch Python runtime, for example, is measured with what it imports.
"""

from __future__ import annotations

import importlib.metadata
import json
import statistics
import subprocess
import sys
from typing import Any

from showdown.errors import unknown
from showdown.frameworks.base import CONTENDERS, HEAVY_MODULES
from showdown.frameworks.contender import Runtime
from showdown.runtimes import RUNTIMES as _OTHER_RUNTIMES

#: Every runtime by name: each contender's own (its framework), then the runtimes of its paths.
RUNTIMES: dict[str, Runtime] = {**{c.footprint.name: c.footprint for c in CONTENDERS.values()}, **_OTHER_RUNTIMES}

_PROBE = """
import json, os, sys, time
os.environ.update({env})
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
rss = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
heavy = sorted(m for m in {heavy} if m in sys.modules)
print("SHOWDOWN " + json.dumps({{"import_s": elapsed, "rss": rss, "modules": heavy}}))
"""


def installed_bytes(distributions: tuple[str, ...]) -> dict[str, int]:
    """Bytes on disk of each installed distribution among ``distributions``."""
    sizes = {}
    for name in distributions:
        try:
            files = importlib.metadata.files(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        sizes[name] = sum(_file_size(f) for f in files)
    return sizes


def _file_size(f: Any) -> int:
    try:
        return f.locate().stat().st_size
    except OSError:
        return 0


def _probe(runtime: Runtime) -> dict[str, Any]:
    code = _PROBE.format(statement=runtime.statement, env=dict(runtime.env), heavy=(*HEAVY_MODULES, "numpy"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    for line in out.stdout.splitlines():
        if line.startswith("SHOWDOWN "):
            return json.loads(line[len("SHOWDOWN ") :])
    raise RuntimeError(f"import failed: {(out.stderr.strip().splitlines() or ['no output'])[-1]}")


def measure(runtime: str, repeats: int = 3) -> dict[str, Any]:
    """Size, import time and memory after import of ``runtime``.

    Args:
        runtime: One of :data:`RUNTIMES`.
        repeats: Fresh processes to time the import in.

    Returns:
        ``installed_bytes`` (per distribution and total), ``import_s`` (one per process),
        median import time, median RSS after import, and the heavy modules the import pulled in.
    """
    if runtime not in RUNTIMES:
        raise unknown("runtime", runtime, RUNTIMES)
    sizes = installed_bytes(RUNTIMES[runtime].distributions)
    probes = [_probe(RUNTIMES[runtime]) for _ in range(repeats)]
    return {
        "runtime": runtime,
        "installed_bytes": sizes,
        "installed_total_bytes": sum(sizes.values()),
        "import_s": [p["import_s"] for p in probes],
        "import_median_s": statistics.median(p["import_s"] for p in probes),
        "rss_after_import_bytes": statistics.median(p["rss"] for p in probes),
        "pulls_in": probes[0]["modules"],
    }
