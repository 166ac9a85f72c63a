"""Cold start: a fresh interpreter from its start to the first prediction, phase by phase.

The cell starts ``repeats`` fresh interpreters (``sys.executable``, one after another, each with
the cell's own environment, so thread variables carry over). Each runs :func:`probe`, which notes
``time.perf_counter()`` on its first line, then:

``import``
    imports the framework through its adapter (:func:`showdown.frameworks.base.load`);
``build``
    configures it (threads, device, seed), draws the spec's seeded weights and builds the model;
``first_call``
    makes one batch native, runs the mode's predict callable on it and reads the logits back
    into numpy (tracing or compilation, in modes that have them, happens here);
``second_call``
    runs the same prediction again: the warm cost, for comparison with the first. It is not
    necessarily steady state (some kernels warm up over several calls); ``infer`` measures that.

The probe prints its timestamps as one JSON line and exits. The cell measures ``total`` from just
before it starts the interpreter to the end of the first call, and derives
``interpreter = total - (import + build + first_call)``: the interpreter's start-up plus the
probe's own imports (numpy and showdown, which both frameworks need anyway), kept out of
``import`` so that it is the framework's import alone. ``time.perf_counter`` is
``CLOCK_MONOTONIC`` on Linux, one clock for every process, so the probe's timestamps and the
cell's line up; where they do not (checked on every repeat), ``total`` falls back to the time
until the process exited, less what the probe did after the first call (``clock: "process"``).

Only the first repeat can meet a cold disk: after it the framework's files sit in the OS page
cache, so later repeats are what a developer re-running a script sees. A start after a reboot,
or from a fresh container, is slower; every repeat is recorded so the first can be told apart.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from showdown.errors import CellError, positive_int
from showdown.runner.config import CellConfig
from showdown.scenarios import common

PHASES = ("total", "import", "build", "first_call", "second_call", "interpreter")
DEFAULT_REPEATS = 3
TIMEOUT_S = 300.0  # per fresh interpreter; the config field ``repeat_timeout_s``
MARKER = "showdown-coldstart "  # prefixes the probe's JSON line among whatever frameworks print
_BOOTSTRAP = "import time; t0 = time.perf_counter(); from showdown.scenarios.coldstart import probe; probe(t0)"


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``coldstart`` cell; it never imports a framework itself.

    Args:
        payload: ``framework``, ``workload``, ``preset``, ``mode`` (default ``eager``),
            ``batch_size`` (default 1), ``threads``, ``inter_op_threads``, ``device``, ``seed``,
            ``repeats`` (default :data:`DEFAULT_REPEATS`), ``repeat_timeout_s``.
        emit: Receives ``coldstart_<phase>`` samples (seconds) after each repeat.

    Returns:
        Per-phase medians, one record per repeat, and the settings, layout and environment the
        fresh interpreter reported.

    Raises:
        CellError: When a fresh interpreter fails, times out or prints no timings.
    """
    cfg = CellConfig.of(payload, "coldstart")
    # what the fresh interpreter builds and runs: the cell's model and settings, nothing about repeats
    job = CellConfig("coldstart", cfg.framework, cfg.workload, preset=cfg.preset, mode=cfg.mode or "eager", batch_size=cfg.batch_size or 1,
                     device=cfg.device, threads=cfg.threads, inter_op_threads=cfg.inter_op_threads, seed=cfg.seed)
    repeats = positive_int("repeats", DEFAULT_REPEATS if cfg.repeats is None else cfg.repeats)
    timeout_s = float(cfg.repeat_timeout_s or TIMEOUT_S)
    records, report = [], {}
    for index in range(repeats):
        report = spawn(job, timeout_s)
        record = {"repeat": index, **phases(report), "calls_agree": report["calls_agree"]}
        for phase in PHASES:
            common.emit_samples(emit, f"coldstart_{phase}", [record[phase]], "s")
        records.append(record)
    return {
        "repeats": repeats,
        "mode": job.mode,
        "batch_size": job.batch_size,
        "median_s": {p: statistics.median(r[p] for r in records) for p in PHASES},
        "records": records,
        "python": {"executable": sys.executable, "version": sys.version.split()[0]},
        **{k: report[k] for k in ("settings", "layout", "environment", "parameters")},
    }


def spawn(job: CellConfig, timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Run :func:`probe` in a fresh interpreter with this process's environment.

    Args:
        job: What the probe builds and runs (framework, workload, preset, mode, ...).
        timeout_s: Limit for the interpreter.

    Returns:
        The probe's report plus ``spawned`` and ``exited``: this process's clock just before the
        interpreter started and once it had exited.

    Raises:
        CellError: When the interpreter fails, times out or prints no report.
    """
    argv = [sys.executable, "-c", _BOOTSTRAP, json.dumps(job.to_dict())]
    spawned = time.perf_counter()
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s, env=dict(os.environ))
    except subprocess.TimeoutExpired as exc:
        raise CellError(f"cold start of {job.framework} did not finish in {timeout_s:.0f} s") from exc
    exited = time.perf_counter()
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise CellError(f"cold start of {job.framework} failed (exit status {proc.returncode}): {tail[0]}")
    return {**json.loads(lines[-1][len(MARKER) :]), "spawned": spawned, "exited": exited}


def phases(report: dict[str, Any]) -> dict[str, Any]:
    """Turn a probe's timestamps into phase durations (seconds).

    Args:
        report: What :func:`spawn` returned.

    Returns:
        The :data:`PHASES`, plus ``startup`` (interpreter start to the probe's first line),
        ``harness`` (the probe's imports), ``configure`` (part of ``build``), ``process_s``
        (start to exit, teardown included) and ``clock``.
    """
    t = report["stamps"]
    spawned, exited = report["spawned"], report["exited"]
    shared = spawned <= t["start"] <= t["first_call"] <= exited
    total = t["first_call"] - spawned if shared else (exited - spawned) - (t["done"] - t["first_call"])
    out = {
        "total": total,
        "import": t["imported"] - t["import"],
        "build": t["built"] - t["imported"],
        "first_call": t["first_call"] - t["built"],
        "second_call": t["second_call"] - t["first_call"],
        "startup": t["start"] - spawned if shared else None,
        "harness": t["import"] - t["start"],
        "configure": t["configured"] - t["imported"],
        "process_s": exited - spawned,
        "clock": "shared" if shared else "process",
    }
    out["interpreter"] = total - (out["import"] + out["build"] + out["first_call"])
    return out


def probe(start: float) -> None:
    """The fresh interpreter's side: time import, build and two predictions; print; exit.

    Args:
        start: ``time.perf_counter()`` taken on the interpreter's first line.
    """
    stamps = {"start": start}
    from showdown.frameworks import base  # with numpy: the harness, before the clock of ``import``
    from showdown.runner.config import CellConfig

    job = CellConfig.of(json.loads(sys.argv[1]), "coldstart")
    stamps["import"] = time.perf_counter()
    fw = base.load(str(job.framework))
    stamps["imported"] = time.perf_counter()
    report = _build_and_predict(fw, job, stamps)
    stamps["done"] = time.perf_counter()  # printing and exit are not on the probe's clock
    sys.stdout.write(MARKER + json.dumps(report, default=str) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: frameworks' exit handlers are slow and not measured


def _build_and_predict(fw: Any, job: CellConfig, stamps: dict[str, float]) -> dict[str, Any]:
    import numpy as np

    from showdown.data import synthetic
    from showdown.models import zoo
    from showdown.models.spec import init_weights

    settings = fw.configure(threads=job.threads, inter_op_threads=job.inter_op_threads, device=job.device, seed=job.seed)
    stamps["configured"] = time.perf_counter()
    spec = zoo.build(str(job.workload), job.preset)
    model = fw.build(spec, init_weights(spec, job.seed))
    stamps["built"] = time.perf_counter()
    batch = fw.batch(synthetic.batch(spec, int(job.batch_size or 1), job.seed)[0])
    predict = fw.predict(model, str(job.mode))
    first = np.asarray(predict(batch))  # a CPU read; the protocol has no device-to-host read for arrays
    stamps["first_call"] = time.perf_counter()
    second = np.asarray(predict(batch))
    stamps["second_call"] = time.perf_counter()
    return {
        "stamps": stamps,
        "calls_agree": bool(np.allclose(first, second, rtol=1e-5, atol=1e-6)),
        "settings": settings,
        "layout": fw.layout(spec),
        "environment": fw.environment(),
        "parameters": spec.parameter_count(),
    }
