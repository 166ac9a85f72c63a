"""The registry of contenders, read off their light descriptions: every per-framework table.

Imports only the standard library and the contenders' ``__init__`` modules, so the parent process
(and ``showdown --help``) can read it without importing numpy or a framework. The contenders are
:data:`showdown.frameworks.BUILTIN` and the packages named in ``SHOWDOWN_CONTENDERS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from showdown.errors import ConfigError, FrameworkUnavailable, unknown
from showdown.frameworks import BUILTIN
from showdown.frameworks.contender import Contender

#: Packages of further contenders (comma-separated import names), registered after :data:`BUILTIN`.
CONTENDERS_ENV = "SHOWDOWN_CONTENDERS"


def _discover() -> dict[str, Contender]:
    packages = [*BUILTIN, *(p.strip() for p in os.environ.get(CONTENDERS_ENV, "").split(",") if p.strip())]
    found: dict[str, Contender] = {}
    for package in dict.fromkeys(packages):
        try:
            declared = importlib.import_module(package).CONTENDER
        except (ImportError, AttributeError) as exc:
            where = "" if package in BUILTIN else f" (from {CONTENDERS_ENV})"
            raise ConfigError(f"contender package {package!r}{where} declares no CONTENDER: {exc}") from exc
        if declared.name in found:
            raise ConfigError(f"contender {declared.name!r} is declared twice ({found[declared.name].package}, {package})")
        found[declared.name] = declared
    return found


#: Every contender's description, by name, in registration order.
CONTENDERS: dict[str, Contender] = _discover()
FRAMEWORKS = tuple(CONTENDERS)
# Execution modes, named per framework; known here so the parent can validate without importing.
MODES: dict[str, tuple[str, ...]] = {n: c.modes for n, c in CONTENDERS.items()}
#: The mode each framework's users train in by default (time to accuracy and cold start use it).
DEFAULT_MODE: dict[str, str] = {n: c.default_mode for n, c in CONTENDERS.items()}
#: Every mode of any contender, in registration order.
ALL_MODES: tuple[str, ...] = tuple(dict.fromkeys(m for c in CONTENDERS.values() for m in c.modes))
# The packages each adapter's scalar writer imports besides its framework (torch's SummaryWriter is
# built on the tensorboard package; TensorFlow's summary ops are its own), so the parent can check
# them before a run.
SCALAR_WRITER_NEEDS: dict[str, tuple[str, ...]] = {n: c.scalar_writer_needs for n, c in CONTENDERS.items()}
#: The contenders the quick suite measures by default.
QUICK: tuple[str, ...] = tuple(n for n, c in CONTENDERS.items() if c.quick)
#: The top-level modules any contender imports: a process that should hold none of them checks these.
HEAVY_MODULES: tuple[str, ...] = tuple(sorted({m for c in CONTENDERS.values() for m in c.imports}))


def contender(name: str) -> Contender:
    """The description of ``name``, or the standard error naming the known contenders."""
    return CONTENDERS[check_name(name)]


def check_name(name: str) -> str:
    """Return ``name`` if it is a known framework, else raise the standard error."""
    if name not in CONTENDERS:
        raise unknown("framework", name, FRAMEWORKS)
    return name


def is_installed(name: str) -> bool:
    """Whether the framework's packages can be imported, without importing them."""
    return all(importlib.util.find_spec(m) is not None for m in contender(name).imports)


def installed() -> tuple[str, ...]:
    """The known frameworks installed here, in registry order."""
    return tuple(n for n in FRAMEWORKS if is_installed(n))


def require(name: str) -> str:
    """Check that ``name`` is known and installed (no import); raise a clear error otherwise."""
    if not is_installed(name):
        raise FrameworkUnavailable(f"framework {name!r} is not installed: pip install {shlex.join(contender(name).requirement.split())}")
    return name


def scalar_writer_missing(name: str) -> str | None:
    """Why ``name`` cannot write TensorBoard scalars here (a missing package), or None; imports nothing."""
    missing = [m for m in SCALAR_WRITER_NEEDS[check_name(name)] if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return f"TensorBoard logging from {name} needs the package {missing[0]!r}: pip install {missing[0]}"


def require_scalar_writer(name: str) -> str:
    """Check that ``name`` can write TensorBoard scalars here (no import); raise a clear error otherwise."""
    reason = scalar_writer_missing(name)
    if reason:
        raise FrameworkUnavailable(reason)
    return name


def contender_env(name: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with what ``name``'s processes must see before an import.

    Its ``env`` overrides the user's (``KERAS_BACKEND`` decides what the contender is); its
    ``env_defaults`` fill in only what is unset.
    """
    c = contender(name)
    base = dict(os.environ if env is None else env)
    return {**c.env_defaults, **base, **c.env}


def prepare(name: str) -> Contender:
    """Set ``name``'s environment in this process before its modules are imported.

    Raises:
        ConfigError: When Keras is already imported here on another backend than the contender's
            (a process holds one Keras backend).
    """
    c = contender(name)
    for key, value in c.env_defaults.items():
        os.environ.setdefault(key, value)
    os.environ.update(c.env)
    check_backend(name)
    return c


def check_backend(name: str) -> None:
    """Raise unless Keras, where it is imported in this process, runs on ``name``'s backend."""
    c = contender(name)
    keras = sys.modules.get("keras")
    if c.backend is None or keras is None or not hasattr(keras, "backend"):
        return
    actual = keras.backend.backend()
    if actual != c.backend:
        raise ConfigError(f"{name} needs Keras on the {c.backend!r} backend, but Keras here runs on {actual!r} "
                          f"(KERAS_BACKEND is read once, when keras is first imported: use a fresh process)")


def part(name: str, part_name: str) -> ModuleType:
    """Import one of ``name``'s modules (``adapter``, ``deploy``, ...) with its environment set first.

    Only child processes (and tests) should call this: the modules import the framework.
    """
    require(name)
    return _import_as(name, contender(name).module(part_name))


def _import_as(name: str, module: str) -> ModuleType:
    """Import ``module`` with contender ``name``'s environment set first and its Keras backend checked after."""
    prepare(name)
    loaded = importlib.import_module(module)
    check_backend(name)
    return loaded


def owner(module: str) -> str | None:
    """The contender whose package holds ``module`` (an import name), or None."""
    return next((n for n, c in CONTENDERS.items() if c.owns(module)), None)


def resolve(target: str) -> Any:
    """The object a ``"module:attribute"`` target names, its owner's environment set before the import."""
    module, _, attr = target.partition(":")
    name = owner(module)
    return getattr(importlib.import_module(module) if name is None else _import_as(name, module), attr)


def check_mode(framework: str, mode: str) -> str:
    """Return ``mode`` if ``framework`` has it, else raise naming the framework's modes."""
    if mode not in MODES[check_name(framework)]:
        raise unknown(f"mode for {framework}", mode, MODES[framework])
    return mode
