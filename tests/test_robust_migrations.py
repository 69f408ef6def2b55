"""Schema upgrades: an older database opens and upgrades (after a backup); a newer one is refused."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.errors import DatabaseError
from annotator.models import Annotation, Document, Unit
from annotator.store import migrations as mig
from annotator.store import open_store
from annotator.store.schema import SHIPPED_MIGRATIONS


def write_v1_database(path: Path) -> None:
    """A database exactly as the first schema (m001 only) leaves it, with a decision in it."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    only_first = Migrations(mig.MIGRATION_SET)
    only_first(name="m001_initial")(mig.m001_initial)
    db = Database(path)
    only_first.apply(db)
    now = time.time()
    db.execute("INSERT INTO datasets (name, scheme, overlap, created) VALUES ('old', 'news', 1, ?)", (now,))
    db.execute(
        "INSERT INTO documents (dataset_id, content_hash, text, created) VALUES (1, 'h', 'Kim spoke.', ?)", (now,)
    )
    db.execute(
        "INSERT INTO units (dataset_id, document_id, position, start, \"end\", text, input_hash)"
        " VALUES (1, 1, 0, 0, 10, 'Kim spoke.', 7)"
    )
    db.execute(
        "INSERT INTO annotations (unit_id, dataset_id, annotator, answer, spans, created)"
        " VALUES (1, 1, 'alice', 'accept', '[{\"start\":0,\"end\":3,\"label\":\"PERSON\"}]', ?)",
        (now,),
    )
    db.execute("INSERT INTO decisions VALUES (1, 'alice', 1, 1, 'accept')")
    db.conn.commit()
    db.close()


@pytest.fixture
def later_migration() -> Iterator[str]:
    """Register a second migration (as a future release would) for the length of one test."""
    name = "m_robust_test_later"

    @mig.migrations(name=name)
    def later(db):  # type: ignore[no-untyped-def]
        db.execute("ALTER TABLE annotations ADD COLUMN robust_note TEXT")
        db.execute("CREATE TABLE robust_later (x INTEGER)")

    try:
        yield name
    finally:
        mig.migrations._migrations.pop()


def test_older_database_upgrades_after_a_backup(tmp_path: Path, later_migration: str) -> None:
    db = tmp_path / "old.db"
    write_v1_database(db)
    store = open_store(db)
    assert store.schema_version[-1] == later_migration
    # the old decision survived and is still the current one
    ann = store.current_annotation(1, "alice")
    assert ann is not None and ann.answer == "accept" and ann.spans[0].label == "PERSON"
    # the upgraded schema is usable: a new decision goes through the normal path
    store.add_annotation(Annotation(unit_id=1, annotator="bob", answer="reject"))
    assert {a.annotator for a in store.current_annotations(1)} == {"alice", "bob"}
    cols = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(annotations)")]
    assert "robust_note" in cols
    store.close()
    backup = tmp_path / "old.db.bak-v1"
    assert backup.exists(), "no backup taken before the upgrade"
    b = sqlite3.connect(backup)
    assert [r[0] for r in b.execute("SELECT name FROM _sqlite_migrations")] == ["m001_initial"]
    assert b.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 1
    assert "robust_note" not in [r[1] for r in b.execute("PRAGMA table_info(annotations)")]
    assert b.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    b.close()
    # opening again does not upgrade (nor back up) twice
    open_store(db).close()
    assert not (tmp_path / "old.db.bak-v1.2").exists()


def test_older_database_upgrades_through_the_cli(tmp_path: Path, later_migration: str) -> None:
    db = tmp_path / "old.db"
    write_v1_database(db)
    result = CliRunner().invoke(cli, ["stats", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old.db.bak-v1").exists()
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM _sqlite_migrations")]
    assert names == [*SHIPPED_MIGRATIONS, later_migration]


def test_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    store = open_store(db)
    ds = store.ensure_dataset("d")
    store.insert_document(ds, Document(text="Kim spoke."), [Unit(text="Kim spoke.", start=0, end=10)])
    store.close()
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, 'm999_from_the_future', '2099')",
        (mig.MIGRATION_SET,),
    )
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(DatabaseError) as err:
        open_store(db)
    assert "newer" in str(err.value) and "m999_from_the_future" in str(err.value)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("new.db.bak*"))
    result = CliRunner().invoke(cli, ["stats", "--db", str(db)])
    assert result.exit_code != 0
    assert "newer annotator" in result.output
    assert "Traceback" not in result.output
