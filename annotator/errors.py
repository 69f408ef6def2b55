"""Errors meant for the person at the terminal: one line, no traceback."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Something the user can fix; the CLI prints it as one line and exits non-zero."""

    exit_code = 1


class InputError(UserError):
    """Bad input: names the file and, where it applies, the line."""

    exit_code = 2

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


class SchemeError(InputError):
    """An invalid label scheme file."""


class DatabaseError(UserError):
    """A database that cannot be used (newer version, not a database, locked for good)."""

    exit_code = 3
