"""A run's measurements, indexed the way claims and the advisor ask for them.

The parent never imports a framework: everything here reads the store. Framework comparisons
pair each framework's cells under one of three *pairings*:

* ``default`` — each framework as its users run it by default (PyTorch eager, Keras's
  ``tf.function``; :data:`showdown.runner.plan.DEFAULT_MODE`);
* ``best`` — each framework's fastest measured mode for that condition;
* ``eager`` — both in eager mode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from showdown.runner.plan import DEFAULT_MODE
from showdown.store import CellRecord, Store

PAIRINGS = ("default", "best", "eager")


@dataclass
class RunView:
    """The ok cells of one run, with cached sample and summary access."""

    store: Store
    run_id: str

    def __post_init__(self) -> None:
        self.cells = [c for c in self.store.cells(self.run_id) if c.status == "ok"]
        self.all_cells = self.store.cells(self.run_id)
        self._summaries = {(s.cell_id, s.metric): s.stats for s in self.store.summaries(self.run_id)}
        self._samples: dict[tuple[int, str], list[float]] = {}

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
        """The measure-phase samples of one metric of a cell (cached)."""
        key = (cell.id, metric)
        if key not in self._samples:
            self._samples[key] = self.store.sample_values(cell.id, metric, "measure")
        return self._samples[key]

    def stats(self, cell: CellRecord, metric: str) -> dict[str, Any] | None:
        """The stored summary of one metric of a cell (None when not summarised)."""
        return self._summaries.get((cell.id, metric))

    def median(self, cell: CellRecord, metric: str) -> float | None:
        """The stored summary's median, else the samples' median, else None."""
        stats = self._summaries.get((cell.id, metric))
        if stats and stats.get("median") is not None:
            return float(stats["median"])
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
    """``stats.compare`` of a pair's samples (a: first framework), or None without samples."""
    from showdown.measure.stats import compare

    a, b = view.samples(pair.a, metric), view.samples(pair.b, metric)
    if not a or not b:
        return None
    na, nb = pair.names
    return compare(a, b, name_a=na, name_b=nb, lower_is_better=lower).to_dict()


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
