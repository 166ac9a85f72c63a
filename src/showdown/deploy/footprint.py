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

# runtime -> (import statement, distributions that make up its install)
RUNTIMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "torch": ("import torch", ("torch",)),
    "tensorflow": ("import tensorflow", ("tensorflow-cpu", "tensorflow", "keras")),
    "onnxruntime": ("import onnxruntime", ("onnxruntime",)),
    "litert": ("from ai_edge_litert.interpreter import Interpreter", ("ai-edge-litert",)),
    # ExecuTorch's Python runtime imports torch and torchao (its bindings need torch tensors)
    "executorch": ("from executorch.runtime import Runtime", ("executorch", "torch", "torchao")),
}

_PROBE = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
rss = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
heavy = sorted(m for m in ("torch", "tensorflow", "keras", "numpy") if m in sys.modules)
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


def _probe(statement: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(statement=statement)], capture_output=True, text=True, timeout=300)
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
    statement, dists = RUNTIMES[runtime]
    sizes = installed_bytes(dists)
    probes = [_probe(statement) for _ in range(repeats)]
    return {
        "runtime": runtime,
        "installed_bytes": sizes,
        "installed_total_bytes": sum(sizes.values()),
        "import_s": [p["import_s"] for p in probes],
        "import_median_s": statistics.median(p["import_s"] for p in probes),
        "rss_after_import_bytes": statistics.median(p["rss"] for p in probes),
        "pulls_in": probes[0]["modules"],
    }
