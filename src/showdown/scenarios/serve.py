"""Serve: MLPerf-style inference under the official MLPerf LoadGen (``pip install mlcommons-loadgen``).

LoadGen decides when queries arrive and times them; showdown provides the system under test (SUT):
one worker thread in front of ``fw.predict(model, mode)``. LoadGen's issue callback queues samples;
the worker takes up to ``batch_size`` of them, runs a native batch, and reports them complete.
Native batches are built before the test for each power of two below ``batch_size`` and for
``batch_size``; ``n`` queued samples run the smallest that holds them (padding, as bucketed servers
do). Inputs are synthetic and already in memory: no copy is timed, and the values, which do not
change the cost of these dense models, are not gathered per query.

- ``offline``: LoadGen issues every sample at once; the worker runs full batches. Reported:
  samples per second and latency percentiles (each sample's time from the start of the test to
  its completion, so the p99 is about the run's length).
- ``server``: one-sample queries arrive as a Poisson process at a target rate; the worker batches
  whatever is queued. At most ``max_probes`` runs look for the highest rate LoadGen calls VALID
  (p99 under ``latency_bound_ms``): from half the calibrated batch throughput, double or halve
  until a valid and an invalid rate bracket the answer, then bisect geometrically.

The harness's own cost: the same scenario against a null SUT (the same queue and worker, no model).

What LoadGen does that shapes the numbers:

- Server validity includes *early stopping*: the p99 must be vouched for with 99% confidence, which
  needs at least 459 queries with none late, 662 with one. A probe lasts
  ``max(duration_ms, SERVER_MIN_QUERIES / rate)``, so slow models make long probes.
- Offline issues ``1.1 × offline_expected_qps × min_duration`` samples and is INVALID if they finish
  before ``min_duration``; the expected rate is the calibrated one with a margin, and an early
  finish is run once more at the rate it measured.
- Latency counts from the *scheduled* issue time, so delays of LoadGen's issuing thread (it needs
  Python's GIL to call the SUT) count against the SUT, as in any Python server.
"""

from __future__ import annotations

import collections
import json
import math
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from showdown.errors import ConfigError, FrameworkUnavailable, positive_int, unknown
from showdown.runner.config import CellConfig
from showdown.scenarios.common import Emit, emit_samples, workbench

SCENARIOS = ("offline", "server")
SERVER_MIN_QUERIES = 662  # LoadGen's early stopping vouches for a p99 with one late query among 662
QSL_SIZE = 1024  # sample indices LoadGen draws from; the SUT ignores them (see the module docstring)
CALIBRATION_S = 0.3  # at most this long timing each calibration batch
MAX_PROBES = 5
OFFLINE_MARGIN = 1.25  # offline_expected_qps over the expected rate: too few samples make a run INVALID
PRECISION = 1.15  # the search stops when the failing rate is within this factor of the passing one


@dataclass(frozen=True)
class ServeConfig:
    """The scenario-specific part of a serve cell's payload, validated."""

    scenario: str
    batch_size: int = 1
    mode: str = "eager"
    latency_bound_ms: float = 100.0
    duration_ms: int = 2000
    max_probes: int = MAX_PROBES
    budget_s: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise unknown("loadgen scenario", self.scenario, SCENARIOS)
        positive_int("batch size", self.batch_size)
        positive_int("duration (ms)", self.duration_ms)
        positive_int("probe count", self.max_probes)
        if not self.latency_bound_ms > 0:
            raise ConfigError(f"latency bound must be a positive number of ms, got {self.latency_bound_ms!r}")

    @classmethod
    def of(cls, cfg: CellConfig) -> ServeConfig:
        """The serve fields of a cell config, with the defaults above for those not set."""
        return cls(
            scenario=cfg.loadgen_scenario or "offline",
            batch_size=cfg.batch_size or 1,
            mode=cfg.mode or "eager",
            latency_bound_ms=float(cfg.latency_bound_ms or 100.0),
            duration_ms=cfg.duration_ms or 2000,
            max_probes=cfg.max_probes or MAX_PROBES,
            budget_s=cfg.budget_s,
            seed=cfg.seed,
        )


# --- child side -------------------------------------------------------------------------------


def cell(payload: CellConfig | dict[str, Any], emit: Emit) -> dict[str, Any]:
    """Child-process entry: run one LoadGen scenario against one framework and workload.

    Args:
        payload: The common cell keys (``framework``, ``workload``, ``preset``, ``mode``,
            ``batch_size``, ``threads``, ``inter_op_threads``, ``device``, ``seed``, ``budget_s``)
            plus ``loadgen_scenario`` (``offline`` or ``server``), ``latency_bound_ms`` (server
            p99 bound, default 100), ``duration_ms`` (LoadGen's minimum duration per run,
            default 2000) and optionally ``max_probes`` (server search runs, default 5).
        emit: Channel to the parent; samples stream as they are measured.

    Returns:
        ``scenario``, ``config``, ``results`` (per scenario, see :func:`offline` and
        :func:`server`), ``calibration``, ``loadgen_overhead``, ``loadgen_version`` and
        ``workbench`` (settings, layout, environment).

    Raises:
        FrameworkUnavailable: When mlperf_loadgen is not installed.
        ConfigError: When a payload value is invalid.
    """
    lg = import_loadgen()
    cell_config = CellConfig.of(payload, "serve")
    config = ServeConfig.of(cell_config)
    started = time.monotonic()
    wb = workbench(cell_config)
    sut = _Sut.prepare(wb, config)
    calibration = sut.calibrate()
    runner = _LoadGen(lg, config, sut)
    if config.scenario == "offline":
        results, overhead = offline(runner, calibration, emit)
    else:
        deadline = None if config.budget_s is None else started + float(config.budget_s)
        results, overhead = server(runner, calibration, emit, deadline)
    return {
        "scenario": config.scenario,
        "config": asdict(config),
        "results": results,
        "calibration": calibration,
        "loadgen_overhead": overhead,
        "loadgen_version": runner.version,
        "workbench": wb.describe(),
    }


def import_loadgen() -> Any:
    """Import MLPerf LoadGen, or raise the standard error naming its pip package."""
    try:
        import mlperf_loadgen
    except ImportError as exc:
        raise FrameworkUnavailable("mlperf_loadgen is not installed: pip install mlcommons-loadgen") from exc
    return mlperf_loadgen


class _Sut:
    """Pre-built native batches and the predict callable the worker runs them with."""

    def __init__(self, fw: Any, predict: Callable[[Any], Any], batches: dict[int, Any]) -> None:
        self.fw, self.predict, self.batches = fw, predict, batches
        self.sizes = sorted(batches)

    @classmethod
    def prepare(cls, wb: Any, config: ServeConfig) -> _Sut:
        from showdown.data import synthetic

        x, _ = synthetic.batch(wb.spec, config.batch_size, config.seed + 1)
        sizes = {2**i for i in range(config.batch_size.bit_length()) if 2**i < config.batch_size} | {config.batch_size}
        batches = {n: wb.fw.batch(x[:n]) for n in sorted(sizes)}
        return cls(wb.fw, wb.fw.predict(wb.model, config.mode), batches)

    def bucket(self, n: int) -> int:
        """The smallest pre-built batch size holding ``n`` samples."""
        return next(size for size in self.sizes if size >= n)

    def run(self, size: int) -> None:
        """Compute one pre-built batch and wait for it."""
        self.predict(self.batches[size])
        self.fw.sync()

    def calibrate(self) -> dict[str, float]:
        """Warm every batch size up (compiled modes trace per shape), then time sizes 1 and largest.

        Returns:
            ``latency_1_s`` and ``latency_batch_s``: median seconds per call, and ``batch_size``.
        """
        for size in self.sizes:
            for _ in range(3):
                self.run(size)
        largest = self.sizes[-1]
        return {"latency_1_s": self._median(1), "latency_batch_s": self._median(largest), "batch_size": largest}

    def _median(self, size: int) -> float:
        times: list[float] = []
        end = time.perf_counter() + CALIBRATION_S
        while len(times) < 5 or (time.perf_counter() < end and len(times) < 200):
            start = time.perf_counter()
            self.run(size)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


class _Worker:
    """The SUT LoadGen talks to: a queue of samples and one thread serving it in batches."""

    def __init__(self, lg: Any, sut: _Sut, null: bool = False) -> None:
        self.lg, self.sut, self.null = lg, sut, null
        self.pending: collections.deque = collections.deque()
        self.ready = threading.Condition()
        self.stopping = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, name="showdown-sut", daemon=True)

    def issue(self, samples: Sequence[Any]) -> None:
        with self.ready:
            self.pending.extend(samples)
            self.ready.notify()

    def flush(self) -> None:
        """LoadGen's end-of-test call; every issued sample is completed by then or soon after."""

    def __enter__(self) -> _Worker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.ready:
            self.stopping = True
            self.ready.notify()
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error

    def _serve(self) -> None:
        limit = self.sut.sizes[-1]
        while True:
            with self.ready:
                while not self.pending and not self.stopping:
                    self.ready.wait()
                if not self.pending:
                    return
                group = [self.pending.popleft() for _ in range(min(limit, len(self.pending)))]
            if not self.null and self.error is None:
                self._compute(len(group))
            self.lg.QuerySamplesComplete([self.lg.QuerySampleResponse(s.id, 0, 0) for s in group])

    def _compute(self, n: int) -> None:
        # LoadGen waits for every sample it issued, so a failure must not stop the worker: the rest
        # are completed unserved and the error is raised from __exit__ once the test has ended.
        try:
            self.sut.run(self.sut.bucket(n))
        except BaseException as exc:  # noqa: BLE001
            self.error = exc


class _LoadGen:
    """Builds TestSettings, runs LoadGen against the SUT or the null SUT, and reads its log."""

    def __init__(self, lg: Any, config: ServeConfig, sut: _Sut) -> None:
        self.lg, self.config, self.sut = lg, config, sut
        self.version = "unknown"  # until a log names it

    def offline(self, expected_qps: float, *, null: bool = False) -> dict[str, Any]:
        settings = self._settings(self.lg.TestScenario.Offline)
        settings.offline_expected_qps = float(expected_qps)
        settings.min_query_count = 1
        return self._test(settings, null)

    def server(self, rate: float, *, null: bool = False) -> dict[str, Any]:
        settings = self._settings(self.lg.TestScenario.Server)
        settings.server_target_qps = float(rate)
        settings.server_target_latency_ns = int(self.config.latency_bound_ms * 1e6)
        settings.min_query_count = SERVER_MIN_QUERIES
        return self._test(settings, null)

    def _settings(self, scenario: Any) -> Any:
        settings = self.lg.TestSettings()
        settings.scenario = scenario
        settings.mode = self.lg.TestMode.PerformanceOnly
        settings.min_duration_ms = int(self.config.duration_ms)
        return settings

    def _test(self, settings: Any, null: bool) -> dict[str, Any]:
        lg = self.lg
        with tempfile.TemporaryDirectory(prefix="showdown-loadgen-") as tmp, _Worker(lg, self.sut, null) as worker:
            sut = lg.ConstructSUT(worker.issue, worker.flush)
            qsl = lg.ConstructQSL(QSL_SIZE, QSL_SIZE, _ignore, _ignore)
            try:
                # A missing audit file in our own folder: a stray audit.config in the cwd would
                # turn the run into a compliance test.
                lg.StartTestWithLogSettings(sut, qsl, settings, self._log_settings(tmp), str(Path(tmp) / "audit.config"))
            finally:
                lg.DestroyQSL(qsl)
                lg.DestroySUT(sut)
            log = read_detail_log(Path(tmp) / "mlperf_log_detail.txt")
        self.version = log.get("loadgen_version", self.version)
        return run_record(log)

    def _log_settings(self, outdir: str) -> Any:
        output, settings = self.lg.LogOutputSettings(), self.lg.LogSettings()
        output.outdir, output.copy_summary_to_stdout = outdir, False
        settings.log_output, settings.enable_trace = output, False
        return settings


def _ignore(indices: Sequence[int]) -> None:
    """QSL load/unload: the samples are already in memory."""


# --- LoadGen's log ----------------------------------------------------------------------------


def read_detail_log(path: Path) -> dict[str, Any]:
    """``mlperf_log_detail.txt`` as ``{key: last value}``, plus ``errors`` and ``warnings`` lists."""
    log: dict[str, Any] = {"errors": [], "warnings": []}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith(":::MLLOG "):
            continue
        entry = json.loads(line[len(":::MLLOG ") :])
        log[entry["key"]] = entry.get("value")
        meta = entry.get("metadata") or {}
        for flag, bucket in (("is_error", "errors"), ("is_warning", "warnings")):
            if meta.get(flag):
                log[bucket].append(str(entry.get("value")))
    return log


def run_record(log: dict[str, Any]) -> dict[str, Any]:
    """The figures of one LoadGen run, in seconds and samples per second, from its detail log."""
    latency = {}
    for key, value in log.items():
        if key.startswith("result_") and key.endswith("_latency_ns"):
            name = key[len("result_") : -len("_latency_ns")]  # min, mean, max or 99.00_percentile
            latency[f"p{float(name.split('_')[0]):g}" if name.endswith("_percentile") else name] = value / 1e9
    return {
        "valid": log.get("result_validity") == "VALID",
        "samples_per_s": log.get("result_samples_per_second", log.get("result_completed_samples_per_sec")),
        "scheduled_samples_per_s": log.get("result_scheduled_samples_per_sec"),
        "latency_s": latency,
        "queries": log.get("result_query_count"),
        "samples": log.get("effective_min_sample_count"),
        "overlatency_queries": log.get("result_overlatency_query_count"),
        "min_duration_met": log.get("result_min_duration_met"),
        "perf_constraints_met": log.get("result_perf_constraints_met"),
        "early_stopping_met": log.get("early_stopping_met"),
        "invalid_reason": (log.get("result_invalid_reason") or log.get("early_stopping_result") or "").strip(),
        "errors": log["errors"],
    }


# --- scenarios --------------------------------------------------------------------------------


def offline(runner: _LoadGen, calibration: dict[str, float], emit: Emit) -> tuple[dict, dict]:
    """Run the offline scenario, then the null SUT with the same sample count.

    Returns:
        ``(results, overhead)``. ``results``: ``throughput`` (samples/s), ``valid``,
        ``latency_s``, ``expected_qps``, ``attempts`` and LoadGen's ``run`` record.
        ``overhead``: see :func:`_overhead`.
    """
    expected = OFFLINE_MARGIN * calibration["batch_size"] / calibration["latency_batch_s"]
    run = runner.offline(expected)
    attempts = 1
    if not run["min_duration_met"] and run["samples_per_s"]:  # finished early: ask for more samples
        expected, attempts = OFFLINE_MARGIN * run["samples_per_s"], 2
        run = runner.offline(expected)
    throughput = run["samples_per_s"]
    emit_samples(emit, "offline_throughput", [throughput], "samples/s")
    null = runner.offline(expected, null=True)
    results = {
        "throughput": throughput, "valid": run["valid"], "latency_s": run["latency_s"],
        "expected_qps": expected, "attempts": attempts, "run": run,
    }
    per_sample = 1.0 / null["samples_per_s"]
    return results, _overhead(null, expected, per_query=per_sample, fraction=per_sample * throughput)


def server(runner: _LoadGen, calibration: dict[str, float], emit: Emit, deadline: float | None) -> tuple[dict, dict]:
    """Search for the highest server rate LoadGen calls VALID, then run the null SUT at it.

    Returns:
        ``(results, overhead)``. ``results``: ``best_qps`` (the highest valid rate, below every
        failing one; None when no probe was valid), ``latency_s`` (percentiles at it), ``probes``
        in the order run (``target_qps``, ``p99_s``, ``valid`` and LoadGen's ``run`` record),
        ``stopped`` (``converged``, ``max-probes`` or ``budget``, checked before each probe) and
        ``latency_bound_s``. ``overhead``: see :func:`_overhead`, at the best rate (else the
        lowest probed, else the planned first).
    """
    start = _sig(0.5 * calibration["batch_size"] / calibration["latency_batch_s"])
    probes, stopped = _search(runner, start, emit, deadline)
    best = max((p for p in probes if p["valid"]), key=lambda p: p["target_qps"], default=None)
    if best is not None:
        emit_samples(emit, "server_qps", [best["target_qps"]], "queries/s")
    real = best or min(probes, key=lambda p: p["target_qps"], default=None)
    rate = real["target_qps"] if real else start
    null = runner.server(rate, null=True)
    results = {
        "best_qps": best["target_qps"] if best else None,
        "latency_s": best["run"]["latency_s"] if best else None,
        "probes": probes,
        "stopped": stopped,
        "latency_bound_s": runner.config.latency_bound_ms / 1e3,
    }
    fraction = null["latency_s"]["p99"] / real["p99_s"] if real else None
    return results, _overhead(null, rate, per_query=null["latency_s"]["p50"], fraction=fraction)


def _search(runner: _LoadGen, rate: float, emit: Emit, deadline: float | None) -> tuple[list[dict], str]:
    """Double or halve from ``rate`` until a valid and an invalid rate bracket the answer, then bisect."""
    probes: list[dict] = []
    while len(probes) < runner.config.max_probes:
        probe_s = max(runner.config.duration_ms / 1e3, SERVER_MIN_QUERIES / rate) + 1.0  # LoadGen's minimums
        if deadline is not None and time.monotonic() + probe_s > deadline:
            return probes, "budget"
        probes.append(_probe(runner, rate, emit))
        passing, failing = _bracket(probes)
        if failing / max(passing, 1e-12) <= PRECISION:
            return probes, "converged"
        rate = _sig(2 * passing if failing == math.inf else failing / 2 if passing == 0 else math.sqrt(passing * failing))
    return probes, "max-probes"


def _bracket(probes: list[dict]) -> tuple[float, float]:
    """The lowest failing rate (inf if none) and the highest valid rate below it (0 if none).

    The search only probes between the two, so every valid probe ends up below every failing one.
    """
    failing = min((p["target_qps"] for p in probes if not p["valid"]), default=math.inf)
    passing = max((p["target_qps"] for p in probes if p["valid"] and p["target_qps"] < failing), default=0.0)
    return passing, failing


def _probe(runner: _LoadGen, rate: float, emit: Emit) -> dict[str, Any]:
    run = runner.server(rate)
    p99 = run["latency_s"]["p99"]
    emit_samples(emit, "server_p99", [p99], "s", phase=f"qps={rate:g}")
    emit("progress", {"scenario": "server", "target_qps": rate, "p99_s": p99, "valid": run["valid"]})
    return {"target_qps": rate, "p99_s": p99, "valid": run["valid"], "run": run}


def _overhead(null: dict[str, Any], rate: float, *, per_query: float, fraction: float | None) -> dict[str, Any]:
    """What the harness (LoadGen, the queue and the worker thread) costs without the model.

    Returns:
        ``per_query_s`` (offline: seconds per sample at the null SUT's rate; server: its median
        latency), ``fraction_of_result`` (offline: that over the real seconds per sample; server:
        the null SUT's p99 over the real p99 at the same rate), ``target_qps``, ``achieved_qps``,
        ``valid``, ``latency_s`` and LoadGen's ``run`` record of the null SUT.
    """
    return {
        "sut": "null", "per_query_s": per_query, "fraction_of_result": fraction, "target_qps": rate,
        "achieved_qps": null["samples_per_s"], "valid": null["valid"], "latency_s": null["latency_s"], "run": null,
    }


def _sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant figures, so probe labels are what was run."""
    return float(f"{x:.{digits}g}")
