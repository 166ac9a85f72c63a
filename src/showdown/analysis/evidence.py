"""A run's measurements, indexed the way claims and the advisor ask for them.

The parent never imports a framework: everything here reads the store. Framework comparisons
pair each framework's cells under one of three *pairings*:

* ``default`` — each framework as its users run it by default (PyTorch eager, Keras's
  ``tf.function``; :data:`showdown.runner.plan.DEFAULT_MODE`);
* ``best`` — each framework's fastest measured mode for that condition;
* ``eager`` — both in eager mode.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from showdown.runner.plan import DEFAULT_MODE
from showdown.store import CellRecord, Store

PAIRINGS = ("default", "best", "eager")


@dataclass
class RunView:
    """The ok cells of one run, with cached sample and summary access.

    ``picks`` (see :meth:`resampled`) restricts a side measured in rounds to those rounds, with
    repeats, in :meth:`stats` and :meth:`median`; None takes every round.
    """

    store: Store
    run_id: str
    picks: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        from showdown.analysis.sides import merge

        self.all_cells = self.store.cells(self.run_id)
        # a side measured in rounds is one cell here; its processes are in self.sides
        self.sides = merge(self.all_cells)
        self.cells = self.sides.cells
        self._summaries = {(s.cell_id, s.metric): s.stats for s in self.store.summaries(self.run_id)}
        self._samples: dict[tuple[int, str], list[float]] = {}
        self._rounds: dict[tuple[int, str], dict[int, float]] = {}

    def resampled(self, picks: Iterable[int]) -> RunView:
        """The same run seen through a resample of its rounds (the caches are shared, nothing is reread)."""
        view = copy.copy(self)
        view.picks = tuple(picks)
        return view

    def round_numbers(self) -> list[int]:
        """Every round number of the run's sides measured in rounds, ascending (empty outside rounds)."""
        return sorted({m.config["round"] for group in self.sides.members.values() for m in group})

    def session_of(self) -> dict[int, int]:
        """Round → the session that measured it (``showdown run --append`` adds sessions; a round's cell without one is session 1)."""
        return {m.config["round"]: int(m.config.get("session") or 1) for group in self.sides.members.values() for m in group}

    def of(self, scenario: str, **match: Any) -> list[CellRecord]:
        """Ok cells of ``scenario`` whose config matches every ``key=value`` (a callable value is a predicate)."""
        out = []
        for c in self.cells:
            if c.config.get("scenario") != scenario:
                continue
            if all((v(c.config.get(k)) if callable(v) else c.config.get(k) == v) for k, v in match.items()):
                out.append(c)
        return out

    def samples(self, cell: CellRecord, metric: str) -> list[float]:
        """The measure-phase samples of one metric of a cell, or of all its rounds' processes (cached)."""
        key = (cell.id, metric)
        if key not in self._samples:
            members = self.sides.rounds_of(cell)
            if members:
                self._samples[key] = [v for m in members for v in self.store.sample_values(m.id, metric, "measure")]
            else:
                self._samples[key] = self.store.sample_values(cell.id, metric, "measure")
        return self._samples[key]

    def process_samples(self, cell: CellRecord, metric: str) -> list[list[float]]:
        """Each round's process samples of a side measured in rounds (empty otherwise)."""
        return [self.store.sample_values(m.id, metric, "measure") for m in self.sides.rounds_of(cell)]

    def rounds(self, cell: CellRecord, metric: str) -> dict[int, float]:
        """Round → process median of a side measured in rounds (empty otherwise)."""
        from showdown.analysis.sides import process_medians

        key = (cell.id, metric)
        if key not in self._rounds:
            self._rounds[key] = process_medians(self.store, self.sides, cell, metric, self._summaries)
        return self._rounds[key]

    def stats(self, cell: CellRecord, metric: str) -> dict[str, Any] | None:
        """The stored summary of one metric of a cell (None when not summarised).

        For a side measured in rounds: the geometric mean of its process medians as ``median``,
        with the t-interval over processes as ``ci_low``/``ci_high`` and the count as ``n``.
        """
        if self.sides.rounds_of(cell):
            by_round = self.rounds(cell, metric)
            picked = by_round.values() if self.picks is None else [by_round[r] for r in self.picks if r in by_round]
            return _over_processes(list(picked))
        return self._summaries.get((cell.id, metric))

    def median(self, cell: CellRecord, metric: str) -> float | None:
        """The stored summary's median, else the samples' median, else None."""
        stats = self.stats(cell, metric)
        if stats and stats.get("median") is not None:
            return float(stats["median"])
        if self.picks is not None and self.sides.rounds_of(cell):
            return None  # none of the picked rounds has this side
        values = sorted(self.samples(cell, metric))
        return values[len(values) // 2] if values else None

    def frameworks(self) -> list[str]:
        """Frameworks with at least one ok cell, in a stable order."""
        return sorted({c.config["framework"] for c in self.cells if c.config.get("framework")})


@dataclass(frozen=True)
class Pair:
    """Two cells measured under the same condition, one per framework."""

    condition: str
    a: CellRecord
    b: CellRecord

    @property
    def names(self) -> tuple[str, str]:
        """``("torch eager", "tensorflow function")``."""
        return tuple(f"{c.config['framework']} {c.config['mode']}" for c in (self.a, self.b))  # type: ignore[return-value]


def condition_of(config: dict[str, Any]) -> str:
    """A condition in words: ``cnn default bs32``."""
    parts = [config.get("workload"), config.get("preset")]
    if config.get("batch_size") is not None and config["scenario"] in ("train", "infer", "serve"):
        parts.append(f"bs{config['batch_size']}")
    return " ".join(str(p) for p in parts if p)


def pairs(view: RunView, cells: Iterable[CellRecord], fa: str, fb: str, pairing: str, metric: str, lower: bool = True) -> list[Pair]:
    """One pair per condition of ``cells`` that both frameworks measured, under ``pairing``."""
    groups: dict[str, dict[str, list[CellRecord]]] = defaultdict(lambda: defaultdict(list))
    for c in cells:
        groups[condition_of(c.config)][c.config["framework"]].append(c)
    out = []
    for condition, by_fw in groups.items():
        a, b = _pick(view, by_fw.get(fa, []), fa, pairing, metric, lower), _pick(view, by_fw.get(fb, []), fb, pairing, metric, lower)
        if a is not None and b is not None:
            label = condition if pairing == "default" else f"{condition} ({pairing} modes)"
            out.append(Pair(label, a, b))
    return out


def _pick(view: RunView, cells: list[CellRecord], framework: str, pairing: str, metric: str, lower: bool) -> CellRecord | None:
    if pairing == "default":
        chosen = [c for c in cells if c.config.get("mode") == DEFAULT_MODE.get(framework)]
    elif pairing == "eager":
        chosen = [c for c in cells if c.config.get("mode") == "eager"]
    else:
        scored = [(view.median(c, metric), c) for c in cells]
        scored = [(m, c) for m, c in scored if m is not None]
        chosen = [min(scored, key=lambda t: t[0] if lower else -t[0])[1]] if scored else []
    return chosen[0] if chosen else None


def compare_pair(view: RunView, pair: Pair, metric: str, lower: bool = True) -> dict[str, Any] | None:
    """A pair's comparison (a: first framework), or None without samples.

    Two sides measured in rounds are compared round by round, each process one observation
    (:func:`showdown.measure.paired.compare_rounds`, with the variance split and the canary's
    drift under ``paired``); otherwise ``stats.compare`` of the two cells' samples.
    """
    na, nb = pair.names
    if view.sides.rounds_of(pair.a) and view.sides.rounds_of(pair.b):
        from showdown.analysis.sides import canary_by_round
        from showdown.measure.paired import compare_rounds

        a, b = view.rounds(pair.a, metric), view.rounds(pair.b, metric)
        if not a.keys() & b.keys():
            return None
        out = compare_rounds(a, b, name_a=na, name_b=nb, lower_is_better=lower, samples_a=view.process_samples(pair.a, metric),
                             samples_b=view.process_samples(pair.b, metric), canary=canary_by_round(view.sides, pair.a, pair.b),
                             sessions=view.session_of()).to_dict()
        return _with_censored(out, view, pair, a.keys() & b.keys())
    from showdown.measure.stats import compare

    a, b = view.samples(pair.a, metric), view.samples(pair.b, metric)
    if not a or not b:
        return None
    return compare(a, b, name_a=na, name_b=nb, lower_is_better=lower).to_dict()


def _with_censored(out: dict[str, Any], view: RunView, pair: Pair, rounds: Iterable[int]) -> dict[str, Any]:
    """A paired comparison with the rounds whose value is a lower bound (a run that never reached its target) named in its text."""
    censored = {name: sorted(r for r in rounds if r in set(result_value(cell, "censored_rounds", default=[])))
                for name, cell in zip(pair.names, (pair.a, pair.b))}
    censored = {name: r for name, r in censored.items() if r}
    if not censored:
        return out
    limit = result_value(pair.a, "max_epochs")
    said = "; ".join(f"{name} did not reach the target in round{'s' if len(r) > 1 else ''} {', '.join(map(str, r))}" for name, r in censored.items())
    return {**out, "censored": censored,
            "text": f"{out['text']} ({said} within {limit} epochs: the seconds it trained for count, a lower bound on its time)"}


def _over_processes(medians: list[float]) -> dict[str, Any] | None:
    import math

    import numpy as np

    from showdown.measure.paired import t_interval

    if not medians:
        return None
    logs = np.log(np.asarray(medians, dtype=np.float64))
    low, high = t_interval(logs)
    centre = math.exp(float(logs.mean()))
    return {"median": centre, "ci_low": math.exp(low) if math.isfinite(low) else centre,
            "ci_high": math.exp(high) if math.isfinite(high) else centre, "n": len(medians), "over": "processes"}


def distinct(pairs_: Iterable[Pair]) -> list[Pair]:
    """Pairs with duplicates (the same two cells under another pairing) removed."""
    seen, out = set(), []
    for p in pairs_:
        if (p.a.id, p.b.id) not in seen:
            seen.add((p.a.id, p.b.id))
            out.append(p)
    return out


def result_value(cell: CellRecord, *path: str, default: Any = None) -> Any:
    """A nested value of a cell's result, ``default`` when any step is missing."""
    value: Any = cell.result or {}
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


Predicate = Callable[[Any], bool]
