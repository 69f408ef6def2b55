"""The test infrastructure for the PostgreSQL engine: a throwaway cluster per test process,
a fresh database per test, the one ``db`` fixture over both engines."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from conftest import query

from annotator.store.dialect import display_url, is_postgres, translate


def test_db_fixture_gives_each_engine_a_fresh_database(db, engine):
    assert is_postgres(db) == (engine == "postgresql")
    if engine == "sqlite":
        assert not os.path.exists(db)
        return
    assert query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    assert query(db, "SELECT current_user, ?::int + 1", (41,)) == [("postgres", 42)]


@pytest.mark.postgresql
def test_each_postgres_test_gets_its_own_database(pg_db):
    import pg_cluster

    name = urlsplit(pg_db).path.lstrip("/")
    assert query(pg_db, "SELECT current_database()") == [(name,)]
    assert query(pg_db, "SELECT count(*) FROM pg_database WHERE datname = ?", (name,)) == [(1,)]
    # the server never runs as root (PostgreSQL refuses to): as root it runs as `postgres`
    pid = int((pg_cluster.cluster().data / "postmaster.pid").read_text().split()[0])
    uid = os.stat(f"/proc/{pid}").st_uid
    if os.geteuid() == 0:
        assert uid != 0
    else:
        assert uid == os.geteuid()


def test_sqlite_statements_said_in_postgres_words():
    assert translate("INSERT OR IGNORE INTO span_labels (layer, label) VALUES (?, ?)") == (
        "INSERT INTO span_labels (layer, label) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id", True, False)
    assert translate("INSERT INTO decisions (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET a = excluded.a") == (
        "INSERT INTO decisions (a) VALUES (%s) ON CONFLICT (a) DO UPDATE SET a = excluded.a", False, False)
    assert translate("SELECT (SELECT MIN(id) FROM u WHERE d = ?1), (SELECT MAX(id) FROM u WHERE d = ?1)")[0] == (
        "SELECT (SELECT MIN(id) FROM u WHERE d = %(p1)s), (SELECT MAX(id) FROM u WHERE d = %(p1)s)")
    assert translate("SELECT 1 FROM d CROSS JOIN u ON u.id = d.unit_id WHERE +d.x = :d AND s LIKE '5%'")[0] == (
        "SELECT 1 FROM d JOIN u ON u.id = d.unit_id WHERE d.x = %(d)s AND s LIKE '5%%'")
    assert translate("INSERT INTO annotations (a) VALUES (?)", returning=False)[0] == (
        "INSERT INTO annotations (a) VALUES (%s)")
    assert display_url("postgresql://ann:secret@db.example:5433/proj") == "postgresql://ann@db.example:5433/proj"


def test_both_engines_have_the_same_migrations():
    from annotator.store import pg_schema
    from annotator.store.migrations import known_names

    assert list(pg_schema.MIGRATIONS) == known_names()
