"""A cell's config: what the parent plans, the store keeps and the child process reads.

The plan (:mod:`showdown.runner.plan`) and its rounds (:mod:`showdown.runner.rounds`) build one
:class:`CellConfig` per cell; it crosses the process boundary as JSON (:meth:`CellConfig.to_dict`,
the fields that are set) and the child's scenario function reads it back with
:meth:`CellConfig.of`, which refuses a key no field has. The store keeps the same JSON with the
cell, so a stored cell's config reads back the same way.

Fields a scenario does not use stay None; each scenario applies its own defaults for them.
This module imports nothing heavy: it is read in the parent, which never imports a framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from showdown.errors import ConfigError


@dataclass(frozen=True)
class CellConfig:
    """One cell's settings. Only ``scenario`` is required."""

    scenario: str
    # what is measured
    framework: str | None = None
    workload: str | None = None
    preset: str = "default"
    mode: str | None = None
    batch_size: int | None = None
    # where and how
    device: str = "cpu"
    threads: int | None = None
    inter_op_threads: int | None = None
    seed: int = 0
    budget_s: float | None = None  # the sampler's measuring seconds outside rounds
    timeout_s: float | None = None  # a deploy cell's limit for the runtime's own process
    tensorboard: str | None = None  # train and accuracy: this cell's TensorBoard directory
    # accuracy
    seeds: tuple[int, ...] | None = None
    target: float | None = None
    max_epochs: int | None = None
    # deploy and footprint
    path: str | None = None
    train_epochs: int | None = None
    source_cache: str | None = None
    runtime: str | None = None
    # coldstart, dynamic and footprint: fresh interpreters, passes or imports
    repeats: int | None = None
    repeat_timeout_s: float | None = None
    # serve
    loadgen_scenario: str | None = None
    latency_bound_ms: float | None = None
    duration_ms: int | None = None
    max_probes: int | None = None
    # devx
    modes: tuple[str, ...] | None = None
    timing: bool | None = None
    # a round's process (see :func:`showdown.runner.rounds.round_config`)
    round: int | None = None
    order: int | None = None
    window_s: float | None = None
    warmup_steps: int | None = None
    process: str | None = None
    part: int | None = None
    session: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set (not None), as JSON-able values: what the child and the store get."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], scenario: str | None = None) -> CellConfig:
        """Read a config from JSON; lists become tuples.

        Args:
            data: The JSON form.
            scenario: The scenario the reader runs: it fills a missing ``scenario``.

        Raises:
            ConfigError: For a key no field has (naming it and the valid ones), or no scenario.
        """
        names = [f.name for f in fields(cls)]
        for key in data:
            if key not in names:
                raise ConfigError(f"unknown cell config key {key!r}: choose from {', '.join(names)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        if not values.setdefault("scenario", scenario):
            raise ConfigError(f"a cell config needs a scenario, got {dict(data)!r:.120}")
        return cls(**values)

    @classmethod
    def of(cls, value: CellConfig | Mapping[str, Any], scenario: str | None = None) -> CellConfig:
        """``value`` itself when it is a config, else read from its JSON form (:meth:`from_dict`).

        Raises:
            ConfigError: As :meth:`from_dict` does, and when ``scenario`` is given and the config is another scenario's.
        """
        cfg = value if isinstance(value, cls) else cls.from_dict(value, scenario)
        if scenario is not None and cfg.scenario != scenario:
            raise ConfigError(f"a {scenario} cell got the config of a {cfg.scenario!r} cell")
        return cfg


def stored(cells: Iterable[tuple[str, CellConfig]]) -> list[tuple[str, dict[str, Any]]]:
    """``(key, config)`` pairs as the store takes them: each config in its JSON form."""
    return [(key, config.to_dict()) for key, config in cells]
