"""The console every terminal table prints to."""

from __future__ import annotations

import sys

from rich.console import Console


def console_for_tables() -> Console:
    """A rich console for tables on stdout."""
    # a pipe or a log file gets a wide table rather than rich's 80-column fallback
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)
