"""Run one framework's mistakes battery and record, for each mistake and mode, what the user would see.

Framework-neutral: the battery is found by name (``showdown.frameworks.<framework>.mistakes``) and
never branched on. A child process per framework calls :func:`run_battery` and sends the
observations back as :meth:`Observation.to_dict`; :func:`score` works on stored observations.

Status:
    ``raised``: the faulty code raised. ``silent``: it returned a wrong result (a mistake with no right
    result returned anything, or the result differs from the fix's reference answer). ``ok``: it
    returned the reference answer. ``skipped``: the mistake cannot be staged here (no GPU).
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import re
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from showdown.devx.catalog import CATALOG, Battery, Mistake, Outcome, Skipped, Stage, mistake
from showdown.errors import ConfigError
from showdown.frameworks.base import check_mode, part

RTOL, ATOL = 1e-4, 1e-5  # compiled numerics may reorder float sums; every wrong result is far off
MAX_WARNINGS, WARNING_CHARS = 20, 2000
EARLY = ("build", "first-call")
_TUPLES = ("evidence", "evidence_found", "fault_lines", "warnings")


@dataclass(frozen=True)
class Observation:
    """What one faulty program did in one framework and mode. Every field is JSON-able.

    Attributes:
        framework, version, mistake, mode: What ran.
        status: ``raised``, ``silent``, ``ok`` or ``skipped``.
        stage: For ``raised``: the stage the error surfaced in (``build``, ``first-call``, ``later``).
        exception: Qualified type of the exception, e.g. ``torch._dynamo.exc.TorchRuntimeError``.
        message: ``str(exception)`` verbatim (for ``skipped``: the reason); message_length its length.
        evidence: The catalog's tokens; evidence_found the alternatives found in the message.
        names_evidence: Every evidence token was found in the message.
        fault_lines: Lines marked ``# FAULT`` in the faulty function's source.
        points_at_fault: The innermost traceback frame in the battery's file is a fault line.
        message_cites_fault: The message itself cites ``file, line N`` of a fault line.
        user_frame: ``file:line`` of that innermost frame; user_code its source line.
        internal_frames: Traceback frames below that frame (inside the framework).
        should_raise: Copied from the catalog (an error is the only right behaviour).
        warnings: Python warnings and framework log records (level WARNING+) seen while it ran,
            each cut to 2000 characters, at most 20.
        warning_names_evidence: Some warning names every evidence token.
        seconds: Wall time of the faulty code (compilation included).
        detail: Facts from the battery (compile counts, timings) and, when it returned, a summary
            of its value, the reference's, and their largest absolute difference.
    """

    framework: str
    version: str
    mistake: str
    mode: str
    status: str
    stage: str | None = None
    exception: str | None = None
    message: str | None = None
    message_length: int = 0
    evidence: tuple[str, ...] = ()
    evidence_found: tuple[str, ...] = ()
    names_evidence: bool = False
    fault_lines: tuple[int, ...] = ()
    points_at_fault: bool = False
    message_cites_fault: bool = False
    user_frame: str | None = None
    user_code: str | None = None
    internal_frames: int = 0
    should_raise: bool = True
    warnings: tuple[str, ...] = ()
    warning_names_evidence: bool = False
    seconds: float = 0.0
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """This observation as plain JSON-able types (tuples become lists)."""
        out = asdict(self)
        for name in _TUPLES:
            out[name] = list(out[name])
        out["detail"] = dict(self.detail)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        """Rebuild an observation from :meth:`to_dict` output (e.g. read back from the store).

        Raises:
            ConfigError: When ``data`` has keys an observation does not know.
        """
        known = {f.name for f in fields(cls)}
        extra = sorted(set(data) - known)
        if extra:
            raise ConfigError(f"unknown observation fields: {', '.join(extra)}")
        values = dict(data)
        for name in _TUPLES:
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


def load_battery(framework: str) -> Battery:
    """Import ``framework``'s ``mistakes`` module and return its ``BATTERY``.

    Raises:
        ConfigError: Unknown framework. FrameworkUnavailable: Framework not installed.
    """
    return part(framework, "mistakes").BATTERY


def find_evidence(text: str, evidence: Sequence[str]) -> tuple[str, ...]:
    """The first alternative of each evidence token that ``text`` contains (see ``Mistake.evidence``)."""
    found = []
    for token in evidence:
        for alternative in token.split("|"):
            if _contains(text, alternative):
                found.append(alternative)
                break
    return tuple(found)


def _contains(text: str, token: str) -> bool:
    if token.isdigit():
        return re.search(rf"(?<!\d){token}(?!\d)", text) is not None
    return token.lower() in text.lower()


def fault_lines(fn: Any) -> tuple[int, ...]:
    """Line numbers of the ``# FAULT`` comments within ``fn``'s source (nested functions included)."""
    lines, start = inspect.getsourcelines(fn)
    return tuple(start + i for i, line in enumerate(lines) if "# FAULT" in line)


@dataclass(frozen=True)
class _Frames:
    user_frame: str | None
    user_code: str | None
    points_at_fault: bool
    internal_frames: int


def _frames(error: BaseException, path: str, faults: tuple[int, ...]) -> _Frames:
    frames = traceback.extract_tb(error.__traceback__)
    mine = [i for i, f in enumerate(frames) if os.path.realpath(f.filename) == path]
    if not mine:
        return _Frames(None, None, False, len(frames))
    frame = frames[mine[-1]]
    where = f"{os.path.basename(path)}:{frame.lineno}"
    return _Frames(where, (frame.line or "").strip(), frame.lineno in faults, len(frames) - mine[-1] - 1)


def _cites(message: str, path: str, faults: tuple[int, ...]) -> bool:
    pattern = re.escape(os.path.basename(path)) + r"""["']?(?:, line |:)(\d+)"""
    return any(int(m.group(1)) in faults for m in re.finditer(pattern, message))


class _Handler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.name}: {record.getMessage()}")


@contextmanager
def _recording(loggers: Iterable[str]) -> Iterator[list[str]]:
    """Collect Python warnings and WARNING+ records of ``loggers`` into the yielded list."""
    sink: list[str] = []
    handler = _Handler(sink)
    targets = [logging.getLogger(name) for name in loggers]
    for target in targets:
        target.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield sink
        sink[:0] = [f"{w.category.__name__}: {w.message}" for w in caught]
    finally:
        for target in targets:
            target.removeHandler(handler)


def _summary(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_summary(v) for v in value]
    array = np.asarray(value)
    if array.size == 1:
        item = array.item()
        return item if not isinstance(item, float) or math.isfinite(item) else str(item)
    head = [float(v) if math.isfinite(v) else str(v) for v in array.ravel()[:4].astype(float)]
    return {"shape": list(array.shape), "dtype": str(array.dtype), "nan": int(np.isnan(array.astype(float)).sum()), "head": head}


def difference(value: Any, reference: Any) -> float:
    """Largest absolute difference between two outcome values; inf when shapes differ, nan for NaN.

    Values are equal for the probe when :func:`same` holds, not when this is 0.
    """
    if isinstance(value, tuple) or isinstance(reference, tuple):
        if not (isinstance(value, tuple) and isinstance(reference, tuple)) or len(value) != len(reference):
            return math.inf
        diffs = [difference(v, r) for v, r in zip(value, reference)]
        return math.nan if any(map(math.isnan, diffs)) else max(diffs, default=0.0)
    a, b = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    if a.shape != b.shape:
        return math.inf
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def same(value: Any, reference: Any) -> bool:
    """Whether an outcome equals the reference (``np.allclose`` with rtol 1e-4, atol 1e-5, per element)."""
    if isinstance(value, tuple) or isinstance(reference, tuple):
        return (isinstance(value, tuple) and isinstance(reference, tuple) and len(value) == len(reference)
                and all(same(v, r) for v, r in zip(value, reference)))
    a, b = np.asarray(value), np.asarray(reference)
    return a.shape == b.shape and bool(np.allclose(a.astype(float), b.astype(float), rtol=RTOL, atol=ATOL, equal_nan=True))


def _clip(messages: list[str]) -> tuple[str, ...]:
    kept = [m if len(m) <= WARNING_CHARS else m[:WARNING_CHARS] + f" [... {len(m) - WARNING_CHARS} more characters]" for m in messages]
    if len(kept) > MAX_WARNINGS:
        kept = kept[:MAX_WARNINGS] + [f"[... {len(kept) - MAX_WARNINGS} more warnings]"]
    return tuple(kept)


def probe(framework: str, mistake_id: str, mode: str, *, reference: Outcome | None = None) -> Observation:
    """Run one faulty program in ``mode`` in this process and record what happened.

    Args:
        framework: Registry name of the framework (installed).
        mistake_id: An id from :data:`showdown.devx.catalog.CATALOG`.
        mode: One of the framework's modes.
        reference: The fix's outcome, when the caller already computed it (it does not depend on mode).

    Returns:
        The observation.

    Raises:
        ConfigError: Unknown framework, mode or mistake, or a battery without this mistake.
    """
    check_mode(framework, mode)
    m = mistake(mistake_id)
    battery = load_battery(framework)
    if m.id not in battery.faulty:
        raise ConfigError(f"the {framework} battery lacks mistake {m.id!r}")
    fn = battery.faulty[m.id]
    base = {"framework": framework, "version": battery.version, "mistake": m.id, "mode": mode,
            "evidence": m.evidence, "should_raise": m.should_raise}
    stage, error, outcome = Stage(), None, None
    with _recording(battery.loggers) as seen:
        start = time.perf_counter()
        try:
            outcome = battery.run_faulty(m.id, mode, stage)
        except Skipped as skip:
            return Observation(status="skipped", message=str(skip), message_length=len(str(skip)), **base)
        except Exception as caught:  # noqa: BLE001 - whatever the framework raises is the observation
            error = caught
        seconds = time.perf_counter() - start
    logs = _clip(seen)
    warned = any(len(find_evidence(w, m.evidence)) == len(m.evidence) for w in logs)
    base.update(warnings=logs, warning_names_evidence=warned, seconds=round(seconds, 4))
    if error is not None:
        return _raised(base, m, error, fn, stage)
    return _returned(base, m, battery, outcome, reference)


def _raised(base: dict[str, Any], m: Mistake, error: Exception, fn: Any, stage: Stage) -> Observation:
    path = os.path.realpath(inspect.getsourcefile(fn) or "")
    faults = fault_lines(fn)
    message = str(error)
    found = find_evidence(message, m.evidence)
    frames = _frames(error, path, faults)
    return Observation(
        status="raised", stage=stage.current, exception=f"{type(error).__module__}.{type(error).__qualname__}",
        message=message, message_length=len(message), evidence_found=found, names_evidence=len(found) == len(m.evidence),
        fault_lines=faults, points_at_fault=frames.points_at_fault, message_cites_fault=_cites(message, path, faults),
        user_frame=frames.user_frame, user_code=frames.user_code, internal_frames=frames.internal_frames, **base,
    )


def _returned(base: dict[str, Any], m: Mistake, battery: Battery, outcome: Any, reference: Outcome | None) -> Observation:
    if not isinstance(outcome, Outcome):
        raise ConfigError(f"{battery.framework} battery: {m.id} returned {type(outcome).__name__}, not an Outcome")
    detail: dict[str, Any] = {"outcome": dict(outcome.detail), "value": _summary(outcome.value)}
    if m.should_raise:
        status = "silent"  # no right result exists, so any result is wrong
    else:
        reference = reference or battery.reference(m.id)
        status = "ok" if same(outcome.value, reference.value) else "silent"
        diff = difference(outcome.value, reference.value)
        detail.update(reference=_summary(reference.value), reference_detail=dict(reference.detail),
                      max_abs_difference=diff if math.isfinite(diff) else str(diff))
    return Observation(status=status, fault_lines=fault_lines(battery.faulty[m.id]), detail=detail, **base)


def run_battery(framework: str, modes: Sequence[str] | None = None) -> list[Observation]:
    """Probe every catalog mistake in every mode, in this process (run it in a child per framework).

    Args:
        framework: Registry name of an installed framework.
        modes: Modes to run; all of the battery's modes when None.

    Returns:
        Observations in mode order, then catalog order.
    """
    for mode in modes or ():
        check_mode(framework, mode)
    battery = load_battery(framework)
    modes = tuple(modes) if modes is not None else battery.modes
    references: dict[str, Outcome] = {}
    out = []
    for mode in modes:
        for m in CATALOG:
            ref = None
            if not m.should_raise and m.id in battery.correct and m.requires is None:
                ref = references.get(m.id) or references.setdefault(m.id, battery.reference(m.id))
            out.append(probe(framework, m.id, mode, reference=ref))
    return out


WEIGHTS = {"raised": 1.0, "names_evidence": 1.0, "points_at_fault": 1.0, "early": 0.5, "warned": 0.5}
MAX_POINTS = WEIGHTS["raised"] + WEIGHTS["names_evidence"] + WEIGHTS["points_at_fault"] + WEIGHTS["early"]
FORMULA = (
    "per mistake: raised -> 1 + 1 if the message names every evidence token + 1 if the innermost traceback "
    "frame in the user's file is the # FAULT line + 0.5 if it surfaced at build or first call; "
    "ok -> 3.5 (right result, nothing to debug); silent -> 0, or 0.5 if a warning named every evidence token; "
    "skipped -> not counted. Per framework and mode: total / (3.5 x counted mistakes)."
)


def points(obs: Observation | Mapping[str, Any]) -> float | None:
    """The points one observation earns under :data:`FORMULA` (None when skipped)."""
    o = obs if isinstance(obs, Observation) else Observation.from_dict(obs)
    if o.status == "skipped":
        return None
    if o.status == "ok":
        return MAX_POINTS
    if o.status == "silent":
        return WEIGHTS["warned"] * o.warning_names_evidence
    return (WEIGHTS["raised"] + WEIGHTS["names_evidence"] * o.names_evidence
            + WEIGHTS["points_at_fault"] * o.points_at_fault + WEIGHTS["early"] * (o.stage in EARLY))


def score(observations: Iterable[Observation | Mapping[str, Any]]) -> dict[str, Any]:
    """Score observations per framework and mode.

    Per mistake, an error earns 1 for raising, +1 when its message names every evidence token of
    the catalog entry, +1 when the innermost traceback frame in the faulty program's file is its
    ``# FAULT`` line, and +0.5 when it surfaced at build or first call (3.5 at most). A correct
    result (``ok``) earns the full 3.5; a wrong result with no error (``silent``) earns 0, or 0.5
    when a warning named every evidence token; ``skipped`` is left out. A group's score is its total
    over 3.5 times its counted mistakes.

    Args:
        observations: :class:`Observation` objects or their :meth:`~Observation.to_dict` dicts.

    Returns:
        ``{"formula", "weights", "max_per_mistake", "groups"}``; ``groups`` maps ``"framework/mode"``
        to ``{"framework", "mode", "version", "points", "max", "fraction", "counts", "rows"}``, where
        each row holds every input of the formula (status, stage, names_evidence, points_at_fault,
        warning_names_evidence) and the points it earned, so the score can be recomputed.
    """
    groups: dict[str, dict[str, Any]] = {}
    for item in observations:
        o = item if isinstance(item, Observation) else Observation.from_dict(item)
        g = groups.setdefault(f"{o.framework}/{o.mode}", {
            "framework": o.framework, "mode": o.mode, "version": o.version, "points": 0.0, "max": 0.0,
            "counts": {s: 0 for s in ("raised", "silent", "ok", "skipped")}, "rows": [],
        })
        p = points(o)
        g["counts"][o.status] += 1
        g["rows"].append({"mistake": o.mistake, "status": o.status, "stage": o.stage, "names_evidence": o.names_evidence,
                          "points_at_fault": o.points_at_fault, "warning_names_evidence": o.warning_names_evidence, "points": p})
        if p is not None:
            g["points"] += p
            g["max"] += MAX_POINTS
    for g in groups.values():
        g["fraction"] = round(g["points"] / g["max"], 4) if g["max"] else None
    return {"formula": FORMULA, "weights": dict(WEIGHTS), "max_per_mistake": MAX_POINTS, "groups": groups}
