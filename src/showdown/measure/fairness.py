"""The fairness manifest: what a run asked both sides to use, and what each side really used.

Every setting that differs between sides is flagged; settings that are expected to differ
(versions, native layouts, build flags) are recorded as notes rather than hidden.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from showdown.errors import ConfigError, positive_int, unknown

DTYPES = ("float32", "float16", "bfloat16", "float64")
DEVICES = ("cpu", "cuda")
#: Side keys whose values legitimately differ between frameworks; reported by ``notes()``.
EXPECTED_TO_DIFFER = frozenset({"version", "layout", "build", "build_flags"})
# Side keys that restate a requested manifest field; a side that differs from the request
# is flagged even when both sides agree with each other.
_REQUESTED = ("intra_op_threads", "inter_op_threads", "dtype", "device")
_MISSING = "(not reported)"


@dataclass(frozen=True)
class Manifest:
    """Settings a run requested, plus what each side reported it actually used.

    Attributes:
        intra_op_threads: Threads inside one op, requested for both sides.
        inter_op_threads: Ops run in parallel, requested for both sides.
        dtype: Compute dtype, one of DTYPES.
        device: ``cpu`` or ``cuda``.
        batch_sizes: Batch sizes measured, all positive.
        data_in_memory: Whether input batches were prebuilt in memory (no input pipeline).
        sides: Framework name to the effective settings its child reported, e.g.
            ``{"intra_op_threads": 4, "layout": "NCHW", "dtype": "float32", "version": ...}``.
            Stored read-only.
    """

    intra_op_threads: int
    inter_op_threads: int
    dtype: str = "float32"
    device: str = "cpu"
    batch_sizes: tuple[int, ...] = (32,)
    data_in_memory: bool = True
    sides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        positive_int("intra_op_threads", self.intra_op_threads)
        positive_int("inter_op_threads", self.inter_op_threads)
        if self.dtype not in DTYPES:
            raise unknown("dtype", self.dtype, DTYPES)
        if self.device not in DEVICES:
            raise unknown("device", self.device, DEVICES)
        if isinstance(self.batch_sizes, (str, bytes)) or not self.batch_sizes:
            raise ConfigError(f"batch_sizes must be a non-empty sequence, "
                              f"got {self.batch_sizes!r}")
        sizes = tuple(positive_int("batch size", b) for b in self.batch_sizes)
        if not isinstance(self.data_in_memory, bool):
            raise ConfigError(f"data_in_memory must be a bool, got {self.data_in_memory!r}")
        object.__setattr__(self, "batch_sizes", sizes)
        object.__setattr__(self, "sides", _freeze_sides(self.sides))

    def flags(self) -> list[str]:
        """Every setting that is unfair between sides.

        A key is flagged when the sides report different values for it (a side that does not
        report it counts as different), or, for the requested settings (threads, dtype,
        device), when a side differs from what was requested. Keys in EXPECTED_TO_DIFFER
        are left to ``notes()``.

        Returns:
            Lines such as ``intra_op_threads: torch=2, tensorflow=4`` or
            ``intra_op_threads: requested 2; torch=4, tensorflow=4``, sorted by key.
        """
        lines = []
        for key in self._side_keys():
            if key in EXPECTED_TO_DIFFER:
                continue
            values = self._values(key)
            requested = getattr(self, key) if key in _REQUESTED else None
            off_request = requested is not None and any(v != requested for v in values.values())
            if off_request:
                lines.append(f"{key}: requested {requested}; {_listing(values)}")
            elif not _all_equal(values):
                lines.append(f"{key}: {_listing(values)}")
        return lines

    def notes(self) -> list[str]:
        """Expected differences (versions, native layouts, builds), recorded rather than hidden.

        Returns:
            Lines such as ``layout: torch=NCHW, tensorflow=NHWC (each side's native layout;
            recorded, not hidden)``, sorted by key; only keys whose values differ.
        """
        lines = []
        for key in self._side_keys():
            values = self._values(key)
            if key in EXPECTED_TO_DIFFER and not _all_equal(values):
                why = "each side's native layout" if key == "layout" else "expected to differ"
                lines.append(f"{key}: {_listing(values)} ({why}; recorded, not hidden)")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Return a plain, JSON-ready dict (``batch_sizes`` as a list)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["batch_sizes"] = list(self.batch_sizes)
        data["sides"] = {name: _thaw(side) for name, side in self.sides.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """Rebuild a Manifest from ``to_dict`` output.

        Args:
            data: The dict.

        Returns:
            The Manifest, validated.

        Raises:
            ConfigError: On unknown or missing keys or invalid values.
        """
        names = [f.name for f in fields(cls)]
        extra = sorted(set(data) - set(names))
        if extra:
            raise unknown("manifest key", extra[0], names)
        try:
            return cls(**{k: (tuple(v) if k == "batch_sizes" else v) for k, v in data.items()})
        except TypeError as exc:
            raise ConfigError(f"invalid manifest: {exc}") from exc

    def _side_keys(self) -> list[str]:
        return sorted({key for side in self.sides.values() for key in side})

    def _values(self, key: str) -> dict[str, Any]:
        return {name: side.get(key, _MISSING) for name, side in self.sides.items()}


def default_threads() -> int:
    """CPUs this process may run on: its affinity set where the OS has one, else cpu_count.

    Returns:
        At least 1. A cgroup CPU quota is not taken into account (see
        ``environment.cpu_info()["quota_cores"]``).
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _all_equal(values: Mapping[str, Any]) -> bool:
    first, *rest = values.values()
    return all(v == first for v in rest)


def _listing(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _freeze_sides(sides: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    if not isinstance(sides, Mapping) or not all(isinstance(s, Mapping) for s in sides.values()):
        raise ConfigError(f"sides must map a framework name to a dict, got {sides!r}")
    return MappingProxyType({str(name): MappingProxyType(dict(side))
                             for name, side in sides.items()})


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    return value
