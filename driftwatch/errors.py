"""One error class per seam.

The CLI turns any DriftwatchError into one line and exit code 2. Messages must be
safe to print: they name files, places and fixes, never values that might be secret.
"""

from __future__ import annotations


class DriftwatchError(Exception):
    """A problem the user can fix; its message is one printable line."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def printable(text: str) -> str:
    """`text` as one line of plain characters: a key or file name from hostile input may hold a
    newline, a line separator (\\x1e, \\u2028) or a terminal escape; each is shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ConfigError(DriftwatchError):
    """driftwatch.yaml is missing, unreadable or invalid."""


class AddressError(DriftwatchError):
    """An address or address glob does not parse."""


class CollectError(DriftwatchError):
    """A collector cannot run at all (as opposed to one resource NOT_CHECKED)."""


class InputFileError(DriftwatchError):
    """A test-config file (or other user input file) cannot be read or parsed."""


class BaselineError(DriftwatchError):
    """The baselines folder or one of its files is missing or invalid."""


class SnapshotError(DriftwatchError):
    """A snapshot folder is missing, invalid or was made with another key."""


class RenderError(DriftwatchError):
    """A report cannot be rendered or a saved result cannot be read."""


class ShardError(DriftwatchError):
    """A shard spec is invalid, or shard results do not add up to one whole run."""
