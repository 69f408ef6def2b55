"""Shared fixtures: real databases (an SQLite file in a temporary directory, or a fresh
database in a throwaway PostgreSQL cluster, see pg_cluster.py), the seed article, a CLI runner.

``db`` is the one fixture for storage tests: parametrized over both engines, it gives what
``--db`` takes (a file path, or a ``postgresql://`` URL). ``query`` and ``dump_db`` read any of
them, so a test asserts on stored rows the same way on both engines."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.store import Store, open_store
from annotator.store.dialect import is_postgres

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_87993ede4d9d2e1d.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pg_database() -> Iterator[str]:
    """A fresh database in this process's throwaway cluster (URL), dropped afterwards; the
    test skips, with one line saying why, where PostgreSQL cannot run."""
    import pg_cluster

    try:
        cluster = pg_cluster.cluster()
    except pg_cluster.Unavailable as e:
        pytest.skip(f"PostgreSQL unavailable: {e}")
    name = cluster.create_database()
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each engine: what `--db` takes."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
    else:
        yield from pg_database()


@pytest.fixture
def pg_db() -> Iterator[str]:
    """A new, empty PostgreSQL database only (tests of what SQLite does not have)."""
    yield from pg_database()


@pytest.fixture
def engine(db: str) -> str:
    return "postgresql" if is_postgres(db) else "sqlite"


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def query(db: str | Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one statement, committed, on either engine (SQL in SQLite's words, as the store
    writes it), on a connection of its own."""
    db = str(db)
    if is_postgres(db):
        import psycopg

        from annotator.store.dialect import translate

        text, _, _ = translate(sql, returning=False)
        with psycopg.connect(db, autocommit=True) as conn:
            cur = conn.execute(text, params)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []
    conn = sqlite3.connect(db)
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def query_dicts(db: str | Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """:func:`query` with each row as a dict of its columns."""
    db = str(db)
    if is_postgres(db):
        import psycopg
        from psycopg.rows import dict_row

        from annotator.store.dialect import translate

        with psycopg.connect(db, autocommit=True, row_factory=dict_row) as conn:
            return list(conn.execute(translate(sql, returning=False)[0], params).fetchall())
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def migrations_table(db: str | Path) -> str:
    """Where each engine records the schema migrations applied."""
    return "annotator_migrations" if is_postgres(str(db)) else "_sqlite_migrations"


@pytest.fixture(scope="session")
def format_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brat fixtures (``brat_flat/``, ``brat_polnear/``) and ``mini.conll``, written once
    under pytest's temporary directory (which pytest removes, also in xdist workers)."""
    import shutil

    from brat_fixtures import brat_fixtures

    root = brat_fixtures(tmp_path_factory.mktemp("fixtures"))
    shutil.copy(ROOT / "tests" / "fixtures" / "formats" / "mini.conll", root / "mini.conll")
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def dump_db(path: str | Path) -> list[str]:
    """Every row of every table, as text: compare two of these to prove nothing changed."""
    if is_postgres(str(path)):
        import psycopg

        out = []
        with psycopg.connect(str(path), autocommit=True) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
            for t in tables:
                out.extend(f"{t}: {row!r}" for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2'))
        return out
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
