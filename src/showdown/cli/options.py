"""Argument helpers shared by the commands: list options validated against their choices."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from showdown.errors import ConfigError, positive_int, unknown


def split(values: Sequence[str] | None) -> list[str]:
    """Flatten ``--opt a,b --opt c`` and ``--opt a b`` into ``[a, b, c]``, dropping blanks."""
    out: list[str] = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def choices(kind: str, values: Sequence[str] | None, valid: Sequence[str], default: Sequence[str] | None = None) -> list[str]:
    """Validate a list option; every value must be one of ``valid``.

    Args:
        kind: What the values name, for the error message.
        values: Raw option values (may hold comma-separated lists).
        valid: Allowed values.
        default: Used when no value was given (all of ``valid`` when None).

    Returns:
        The values, de-duplicated, in the order given.

    Raises:
        ConfigError: Naming the first unknown value and the valid ones.
    """
    items = split(values)
    if not items:
        return list(default if default is not None else valid)
    for item in items:
        if item not in valid:
            raise unknown(kind, item, valid)
    return list(dict.fromkeys(items))


def positive_ints(kind: str, values: Sequence[str] | None, default: Sequence[int]) -> list[int]:
    """Validate a list of positive integers (batch sizes, say)."""
    items = split(values)
    if not items:
        return list(default)
    return list(dict.fromkeys(positive_int(kind, v) for v in items))


def add_json(parser: argparse.ArgumentParser) -> None:
    """The ``--json`` flag every reporting command has."""
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of tables")


def threads_option(value: str | None) -> int | None:
    """Parse ``--threads`` (None keeps each framework's default)."""
    return None if value is None else positive_int("thread count", value)


def require_device(device: str) -> str:
    """Validate ``--device``."""
    from showdown.frameworks.base import DEVICES

    if device not in DEVICES:
        raise unknown("device", device, DEVICES)
    return device


__all__ = ["ConfigError", "add_json", "choices", "positive_ints", "require_device", "split", "threads_option"]


def add_db(parser: argparse.ArgumentParser) -> None:
    """The ``--db`` option (default: $SHOWDOWN_DB or ./showdown-results/showdown.sqlite)."""
    parser.add_argument("--db", help="results database (default: $SHOWDOWN_DB or ./showdown-results/showdown.sqlite)")


def open_store(args: argparse.Namespace, *, create: bool = True):
    """Open the database named by ``--db`` (or the default)."""
    from showdown.store import Store

    return Store.open(args.db, create=create)


def seconds(kind: str, value: str | None) -> float | None:
    """Parse a positive number of seconds (None stays None)."""
    if value is None:
        return None
    try:
        result = float(value)
    except ValueError:
        raise ConfigError(f"{kind} must be a number of seconds, got {value!r}") from None
    if not result > 0:
        raise ConfigError(f"{kind} must be positive, got {value}")
    return result


def duration(kind: str, value: str | None) -> float | None:
    """Parse a duration: ``90``, ``90s``, ``10m`` or ``1.5h`` (None stays None); returns seconds."""
    if value is None:
        return None
    text = value.strip().lower()
    scale = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(text[-1:], None)
    number = text[:-1] if scale else text
    try:
        result = float(number) * (scale or 1.0)
    except ValueError:
        raise ConfigError(f"{kind} must be a duration like 90s, 10m or 1h, got {value!r}") from None
    if not result > 0:
        raise ConfigError(f"{kind} must be positive, got {value}")
    return result


def frameworks(args: argparse.Namespace, default: Sequence[str] | None = None) -> tuple[str, ...]:
    """The ``--frameworks`` option (else ``default``, else every contender), validated and checked to be installed (nothing is imported)."""
    from showdown.frameworks.base import FRAMEWORKS, require

    names = tuple(choices("framework", args.frameworks, FRAMEWORKS, default))
    for name in names:
        require(name)
    return names


def run_plan(args: argparse.Namespace, plan, data, show) -> int:
    """Store a new run of ``plan``, execute it with a progress bar, print ``show(data(store, run_id))`` (or the data as JSON)."""
    import sys

    from showdown.report import terminal
    from showdown.runner import execute

    store = open_store(args)
    run_id = execute.start(store, plan, sys.argv[1:])
    print(f"run {run_id}: {len(store.pending_cells(run_id))} cells, results in {store.path}", file=sys.stderr)
    with terminal.progress(len(store.pending_cells(run_id))) as advance:
        execute.execute(store, run_id, plan, on_progress=advance)
    if args.json:
        terminal.dump_json(data(store, run_id))
    else:
        show(data(store, run_id))
        print(f"\nrun {run_id}: results in {store.path}")
    return 0


def frameworks_help(prefix: str = "", default: str = "all of them") -> str:
    """``--frameworks`` help naming the registered contenders (read off their light descriptions)."""
    from showdown.frameworks.registry import FRAMEWORKS

    return f"{prefix}{', '.join(FRAMEWORKS)} (default: {default})"


def quick_help() -> str:
    """What the quick suite measures by default, for ``run --frameworks``."""
    from showdown.frameworks.registry import QUICK

    return f"quick suite: {', '.join(QUICK)}; full suite: every installed one"


def modes_help() -> str:
    """``--modes`` help: the modes, each run of them followed by the contenders that have it unless every one does."""
    from itertools import groupby

    from showdown.frameworks.registry import ALL_MODES, MODES

    def owners(mode: str) -> str:
        having = [f for f, modes in MODES.items() if mode in modes]
        return "" if len(having) == len(MODES) else f" ({', '.join(having)})"

    listed = ", ".join(", ".join(group) + who for who, group in ((w, list(g)) for w, g in groupby(ALL_MODES, key=owners)))
    return f"{listed}; CONTENDER:MODE for one contender only (keras-torch:eager)"
