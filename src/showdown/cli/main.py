"""Entry point of the ``showdown`` command.

Each command lives in its own module with ``register(subparsers)`` and ``run(args)``; the modules
import nothing heavy at module level, so ``showdown --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from showdown import __version__

# command name -> module under showdown.cli (kept in the order --help shows them)
COMMANDS: dict[str, str] = {
    "run": "run",
    "runs": "runs",
    "show": "show",
    "compare": "compare",
    "export": "export",
    "deploy": "deploy",
    "devx": "devx",
    "claims": "claims",
    "advise": "advise",
    "report": "report",
    "parity": "parity",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the full command-line parser (imports only the light command modules)."""
    parser = _Parser(
        prog="showdown",
        description="PyTorch or TensorFlow? Measured on your machine, same model on both sides.",
    )
    parser.add_argument("--version", action="version", version=f"showdown {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        importlib.import_module(f"showdown.cli.{module}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    ShowdownError becomes one line on stderr and exit code 2; the traceback is shown only with
    ``SHOWDOWN_DEBUG=1``.
    """
    from showdown.errors import ShowdownError

    debug = os.environ.get("SHOWDOWN_DEBUG") == "1"
    try:
        parser = build_parser()  # help texts read the contenders' descriptions: a bad registration fails here
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except ShowdownError as exc:
        if debug:
            raise
        print(f"showdown: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        print("showdown: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
