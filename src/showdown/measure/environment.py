"""The machine and software a run measured on, and how two runs' environments differ.

Framework versions are not collected here (that would import a framework); each adapter
reports its own and the caller merges them in as ``env["frameworks"][name]["version"]``.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Version of the dict layout ``collect`` returns.
SCHEMA_VERSION = 1
#: Fields ``differences`` compares by default; ``*`` matches every key at that level.
DEFAULT_KEYS = (
    "cpu.model", "cpu.flags", "cpu.logical_cores", "cpu.physical_cores", "cpu.usable_cores",
    "os.system", "os.release", "python.implementation", "python.version", "numpy.version",
    "gpu", "hostname_hash", "env", "frameworks.*.version",
)
_ML_FLAGS = frozenset({"fma", "f16c", "sse4_1", "sse4_2", "neon", "bf16", "i8mm", "fphp",
                       "dotprod", "sme", "sme2"})
_ML_FLAG_PREFIXES = ("avx", "amx", "asimd", "sve")
_ENV_PREFIXES = ("OMP_", "MKL_", "OPENBLAS_", "BLIS_", "KMP_", "GOTO_", "TF_", "XLA_", "CUDA_",
                 "NVIDIA_", "TORCH_", "PYTORCH_", "DNNL_", "ONEDNN_", "KERAS_", "JAX_")
_ENV_NAMES = frozenset({"VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "LD_PRELOAD"})
_SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL", re.IGNORECASE)
_NVIDIA_SMI_QUERY = ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"]


def collect() -> dict[str, Any]:
    """Describe this machine and interpreter, without importing any framework.

    Returns:
        A JSON-ready dict with keys ``schema``, ``cpu`` (model, flags, logical_cores,
        physical_cores, usable_cores, quota_cores), ``os``, ``python``, ``memory_total_bytes``,
        ``hostname_hash``, ``numpy`` (version, blas, threadpools), ``env`` and ``gpu`` (a
        list of dicts from nvidia-smi, or None). Unknown values are None.
    """
    return {
        "schema": SCHEMA_VERSION,
        "cpu": cpu_info(),
        "os": {"system": platform.system(), "release": platform.release(),
               "version": platform.version(), "machine": platform.machine()},
        "python": {"implementation": platform.python_implementation(),
                   "version": platform.python_version(), "executable": sys.executable},
        "memory_total_bytes": _memory_total(),
        "hostname_hash": hashlib.sha256(socket.gethostname().encode()).hexdigest()[:16],
        "numpy": numpy_info(),
        "env": relevant_env(),
        "gpu": gpus(),
    }


def cpu_info() -> dict[str, Any]:
    """CPU model, ML-relevant instruction-set flags and core counts.

    Returns:
        A dict: ``model``, ``flags`` (sorted; AVX*, AMX*, FMA, SSE4, NEON/ASIMD, SVE, ...),
        ``logical_cores``, ``physical_cores`` (None if unknown), ``usable_cores`` (this
        process's CPU affinity) and ``quota_cores`` (cgroup v2 CPU quota, None if unlimited).
    """
    fields = _cpuinfo_fields()
    flags = (fields.get("flags") or fields.get("Features") or "").split()
    return {
        "model": fields.get("model name") or fields.get("Hardware") or platform.processor()
        or platform.machine() or None,
        "flags": sorted({f for f in flags if f in _ML_FLAGS or f.startswith(_ML_FLAG_PREFIXES)}),
        "logical_cores": os.cpu_count(),
        "physical_cores": _physical_cores(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "quota_cores": _cgroup_quota_cores(),
    }


def numpy_info() -> dict[str, Any]:
    """numpy's version, the BLAS it was built against and, if threadpoolctl is installed,
    the thread pools actually loaded.

    Returns:
        A dict: ``version``, ``blas`` (name/version from the build config, or None) and
        ``threadpools`` (list of dicts, or None without threadpoolctl).
    """
    import numpy

    return {"version": numpy.__version__, "blas": _numpy_blas(numpy),
            "threadpools": _threadpools()}


def relevant_env() -> dict[str, str]:
    """Environment variables that change how ML libraries run (threads, devices, XLA, ...).

    Returns:
        Name to value, sorted by name; names that look like secrets are left out.
    """
    return {k: v for k, v in sorted(os.environ.items())
            if (k.startswith(_ENV_PREFIXES) or k in _ENV_NAMES) and not _SECRET.search(k)}


def gpus(timeout_s: float = 5.0) -> list[dict[str, str]] | None:
    """Ask nvidia-smi for the GPUs' name, total memory and driver version.

    Args:
        timeout_s: How long nvidia-smi may take.

    Returns:
        One dict per GPU (``name``, ``memory_total``, ``driver_version``), or None when
        nvidia-smi is absent, fails or times out.
    """
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, *_NVIDIA_SMI_QUERY], capture_output=True, text=True,
                             timeout=timeout_s, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    rows = [[c.strip() for c in line.split(",")] for line in out.splitlines() if line.strip()]
    return [dict(zip(("name", "memory_total", "driver_version"), r)) for r in rows if len(r) == 3]


def differences(
    env_a: Mapping[str, Any], env_b: Mapping[str, Any], keys: Iterable[str] = DEFAULT_KEYS
) -> list[str]:
    """Name the key fields in which two environments differ.

    Keys are dotted paths into the dicts; ``*`` matches every key present at that level in
    either dict (``frameworks.*.version``). Where both values are dicts the comparison goes
    down into them, so ``env`` yields one line per differing variable.

    Args:
        env_a: The first environment (from ``collect``, plus ``frameworks``).
        env_b: The second environment.
        keys: The dotted paths to compare.

    Returns:
        Lines such as ``cpu.model: Intel Xeon 8375C vs AMD EPYC 7R13`` in key order; a value
        absent on one side reads ``(missing)``. Empty when nothing differs.
    """
    lines: list[str] = []
    for key in keys:
        for path, a, b in _expand(env_a, env_b, key.split(".")):
            lines.extend(_diff_lines(path, a, b))
    return lines


_MISSING = object()


def _expand(a: Any, b: Any, parts: list[str], prefix: str = "") -> Iterable[tuple[str, Any, Any]]:
    """Yield ``(path, value_a, value_b)`` for every concrete path a key pattern matches."""
    if not parts:
        yield prefix, a, b
        return
    head, rest = parts[0], parts[1:]
    names = sorted(set(_keys(a)) | set(_keys(b))) if head == "*" else [head]
    for name in names:
        path = f"{prefix}.{name}" if prefix else name
        yield from _expand(_get(a, name), _get(b, name), rest, path)


def _diff_lines(path: str, a: Any, b: Any) -> list[str]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return [line for name in sorted(set(a) | set(b))
                for line in _diff_lines(f"{path}.{name}", a.get(name, _MISSING),
                                        b.get(name, _MISSING))]
    if a is _MISSING and b is _MISSING or a == b:
        return []
    if path.endswith("flags") and isinstance(a, list) and isinstance(b, list):
        # one model name can hide two instruction sets (AVX-512 and VNNI, or AVX2 only)
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        return [f"{path}: only in the first {', '.join(only_a) or '(none)'}; only in the second {', '.join(only_b) or '(none)'}"]
    return [f"{path}: {_show(a)} vs {_show(b)}"]


def _keys(value: Any) -> list[str]:
    return list(value) if isinstance(value, Mapping) else []


def _get(value: Any, name: str) -> Any:
    return value.get(name, _MISSING) if isinstance(value, Mapping) else _MISSING


def _show(value: Any) -> str:
    return "(missing)" if value is _MISSING else str(value)


def _cpuinfo_fields() -> dict[str, str]:
    """First occurrence of each ``key : value`` line in /proc/cpuinfo ({} elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def _physical_cores() -> int | None:
    """Distinct (package, core) pairs in sysfs topology; None where that is not readable."""
    cores = set()
    for topo in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/topology"):
        try:
            cores.add(((topo / "physical_package_id").read_text().strip(),
                       (topo / "core_id").read_text().strip()))
        except OSError:
            return None
    return len(cores) or None


def _cgroup_quota_cores() -> float | None:
    """CPU quota of this cgroup (v2 ``cpu.max``) in cores, or None when unlimited/unknown."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else round(int(quota) / int(period), 2)
    except (OSError, ValueError):
        return None


def _memory_total() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _numpy_blas(numpy: Any) -> dict[str, Any] | None:
    try:
        config = numpy.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
    except Exception:  # numpy < 1.25 has no mode="dicts"; the layout is not a contract
        return None
    return {k: blas.get(k) for k in ("name", "version", "openblas configuration")
            if blas.get(k) is not None}


def _threadpools() -> list[dict[str, Any]] | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer",
            "architecture")
    return [{k: pool.get(k) for k in keep if k in pool} for pool in threadpool_info()]
