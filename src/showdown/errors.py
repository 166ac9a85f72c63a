"""Typed errors. Library code raises these; only the CLI prints them."""

from __future__ import annotations

from collections.abc import Iterable


class ShowdownError(Exception):
    """Base of every error showdown raises on purpose.

    The CLI turns it into one line on stderr and exit code 2.
    """

    exit_code = 2


class ConfigError(ShowdownError, ValueError):
    """A user-supplied value is not valid (unknown name, bad number, bad path)."""


class FrameworkUnavailable(ShowdownError):
    """A framework was asked for but is not installed in this environment."""


class ParityError(ShowdownError):
    """The two frameworks disagree on a model that should be identical."""


class StoreError(ShowdownError):
    """The results database cannot be opened, read or written."""


class CellError(ShowdownError):
    """A measurement cell failed in its child process."""


def unknown(kind: str, value: object, choices: Iterable[str]) -> ConfigError:
    """Build the standard 'unknown X' error.

    Args:
        kind: What the value names, e.g. ``"workload"``.
        value: The value the user gave.
        choices: The valid values.

    Returns:
        A ConfigError reading ``unknown workload 'resnet': choose from mlp, cnn``.
    """
    return ConfigError(f"unknown {kind} {value!r}: choose from {', '.join(choices)}")


def positive_int(kind: str, value: object) -> int:
    """Parse ``value`` as a positive integer or raise a ConfigError naming it.

    Args:
        kind: What the value is, e.g. ``"batch size"``.
        value: An int or a string from the command line.

    Returns:
        The value as an int.

    Raises:
        ConfigError: When the value is not an integer or is below 1.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{kind} must be a positive integer, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+-").isdigit():
            raise ConfigError(f"{kind} must be a positive integer, got {value!r}")
        value = int(text)
    if not isinstance(value, int):
        raise ConfigError(f"{kind} must be a positive integer, got {value!r}")
    if value < 1:
        raise ConfigError(f"{kind} must be a positive integer, got {value}")
    return value
