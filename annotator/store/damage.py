"""SQLite's word for a database file damaged on disk, for the CLI's one-line message (only
the store speaks SQLite)."""

from __future__ import annotations

import sqlite3


def is_damaged_database(exc: BaseException) -> bool:
    """Whether ``exc`` says the database file is damaged ("malformed", "not a database"):
    SQLite raises these as plain DatabaseError; locks, constraints and misuse have
    subclasses of their own and are not damage."""
    return type(exc) is sqlite3.DatabaseError
