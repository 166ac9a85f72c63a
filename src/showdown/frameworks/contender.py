"""What a contender is, declared without importing it: :class:`Contender` and its :class:`PathInfo` s.

Each contender's package (``showdown.frameworks.<name>``) declares one frozen :class:`Contender` in
its light ``__init__`` as ``CONTENDER``; every per-framework table (modes, default modes, install
hints, colours, deployment paths, edge runtimes, time estimates) is derived from these descriptions
by :mod:`showdown.frameworks.registry`. This module imports only the standard library, so the parent
process can read every description without importing a framework.

The package holds the same modules for every contender, imported only in child processes:
``adapter`` (the :class:`~showdown.frameworks.base.Framework` protocol, as ``Adapter``), ``deploy``
(the exporters and runners its paths name), ``mistakes`` (the mistakes battery, ``BATTERY``),
``examples`` (the hand-written models code size counts) and ``debug`` (the debuggability probes).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from showdown.errors import ConfigError

#: The modules every contender's package holds, by the part they play.
PARTS = ("adapter", "deploy", "mistakes", "examples", "debug")


@dataclass(frozen=True)
class PathInfo:
    """One deployment path and what it needs.

    ``exporter`` and ``runner`` are ``"module:function"`` targets; a module written ``.deploy`` is
    relative to the package of the contender that declares the path.
    """

    name: str
    framework: str
    runtime: str
    exporter: str  # "module:function", imported in the source framework's process
    runner: str  # "module:function", imported in a process holding only the runtime
    quantization: str | None = None  # int8-dynamic | int8-static | int8-full | float16
    requires: tuple[str, ...] = ()  # import names the export and run need
    install: str = ""  # what to pip install when one is missing
    batch_sizes: tuple[int, ...] = (1, 32)  # some artifacts are exported for a fixed batch

    def missing(self) -> list[str]:
        """Import names among ``requires`` that are not installed (checked without importing)."""
        return [name for name in self.requires if importlib.util.find_spec(name.split(".")[0]) is None]


@dataclass(frozen=True)
class Runtime:
    """A runtime whose footprint is measured: how to import it, and what its install is made of."""

    name: str
    statement: str  # the import a process running an artifact does
    distributions: tuple[str, ...]  # pip distributions whose files make up its install
    env: Mapping[str, str] = field(default_factory=dict)  # set before the import (a Keras backend)


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Contender:
    """One contender — a framework on a backend — as the parent process knows it.

    Attributes:
        name: The name used everywhere (CLI, database, report): ``torch``, ``keras-jax``.
        package: The package holding its modules (:data:`PARTS`).
        modes: Its execution modes, the first its users' default unless ``default_mode`` says.
        default_mode: The mode its users train in by default (time to accuracy, cold start).
        imports: Import names that must be installed (checked without importing).
        requirement: What to ``pip install`` when one is missing.
        distributions: Its pip distributions, the one whose version names it first.
        env: Environment set in its child processes before any of its modules is imported (overriding
            the user's: ``KERAS_BACKEND`` decides what the contender is).
        env_defaults: Environment set there only where the user has not set it (log levels).
        backend: The Keras backend its Keras must report (None: it does not use Keras).
        footprint: Its own runtime, as the footprint scenario imports it.
        edge_runtime: The runtime it deploys to small devices with (a footprint runtime name).
        paths: Its deployment paths.
        scalar_writer_needs: Packages its TensorBoard writer imports besides the framework.
        colours: ``#rrggbb`` per mode, ``""`` for the contender itself; its modes share one hue.
        process_s: Seconds a measuring process takes outside its window, when no history says.
        scenario_process_s: The same for scenarios whose process does more (``dynamic``, ``accuracy``).
        quick: Whether the quick suite measures it by default (the full suite measures every one).
    """

    name: str
    package: str
    modes: tuple[str, ...]
    imports: tuple[str, ...]
    requirement: str
    distributions: tuple[str, ...]
    footprint: Runtime
    colours: Mapping[str, str]
    default_mode: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    env_defaults: Mapping[str, str] = field(default_factory=dict)
    backend: str | None = None
    edge_runtime: str | None = None
    paths: tuple[PathInfo, ...] = ()
    scalar_writer_needs: tuple[str, ...] = ()
    process_s: float = 5.0
    scenario_process_s: Mapping[str, float] = field(default_factory=dict)
    quick: bool = False

    def __post_init__(self) -> None:
        if not self.modes:
            raise ConfigError(f"contender {self.name!r} declares no mode")
        object.__setattr__(self, "default_mode", self.default_mode or self.modes[0])
        if self.default_mode not in self.modes:
            raise ConfigError(f"contender {self.name!r}: default mode {self.default_mode!r} is not one of its modes {', '.join(self.modes)}")
        if "" not in self.colours:
            raise ConfigError(f"contender {self.name!r}: colours need a base colour under ''")
        for name in ("env", "env_defaults", "colours", "scenario_process_s"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "paths", tuple(self._absolute(p) for p in self.paths))
        for p in self.paths:
            if p.framework != self.name:
                raise ConfigError(f"contender {self.name!r} declares path {p.name!r} of {p.framework!r}")

    def module(self, part: str) -> str:
        """The import name of one of its modules (:data:`PARTS`)."""
        if part not in PARTS:
            raise ConfigError(f"unknown contender module {part!r}: choose from {', '.join(PARTS)}")
        return f"{self.package}.{part}"

    def has(self, part: str) -> bool:
        """Whether its package holds the module ``part`` (found without importing it)."""
        return importlib.util.find_spec(self.module(part)) is not None

    def owns(self, module: str) -> bool:
        """Whether ``module`` is one of this contender's modules."""
        return module == self.package or module.startswith(self.package + ".")

    def _absolute(self, path: PathInfo) -> PathInfo:
        def expand(target: str) -> str:
            return self.package + target if target.startswith(".") else target

        return replace(path, exporter=expand(path.exporter), runner=expand(path.runner))
