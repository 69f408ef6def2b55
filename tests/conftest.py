"""Shared fixtures: real SQLite files in a temporary directory, the seed article, a CLI runner."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_87993ede4d9d2e1d.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path) -> Store:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def dump_db(path: Path) -> list[str]:
    """Every row of every table, as text: compare two of these to prove nothing changed."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when the corpus is not there."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not available")
    return p
