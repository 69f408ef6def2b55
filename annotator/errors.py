"""Errors meant for the person at the terminal: one line, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.models import Gold


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


class GoldTaken(UserError):
    """Gold was to replace what a reviewer saw standing on a unit, and another gold stands
    there now: a second lead took gold on it since (nothing was written)."""

    def __init__(self, unit_id: int, standing: Gold) -> None:
        self.unit_id = unit_id
        self.standing = standing
        super().__init__(f"unit {unit_id}: {standing.adjudicator} took gold on it since it was read; nothing"
                         " written (read it again to replace it)")
