import sqlite3

import pytest
from conftest import migrations_table, query

from annotator.errors import DatabaseError
from annotator.models import Annotation, Document, Gold, Span, Suggestion, Unit
from annotator.store import open_store
from annotator.store.migrations import known_names


def add_doc(store, ds, text="One. Two. Three.", n=3):
    units = [Unit(text=p, start=text.index(p), end=text.index(p) + len(p), position=i)
             for i, p in enumerate(text.split(" ")[:n])]
    return store.insert_document(ds, Document(text=text, title="t"), units)


def test_wal_and_migrations_recorded(store, db, engine):
    if engine == "sqlite":
        assert query(db, "PRAGMA journal_mode")[0][0] == "wal"
    names = [r[0] for r in query(
        db, f"SELECT name FROM {migrations_table(db)} WHERE migration_set = 'annotator' ORDER BY id")]
    assert names == known_names() == store.schema_version


def test_newer_database_refused(db):
    open_store(db).close()
    query(db, f"INSERT INTO {migrations_table(db)} (migration_set, name, applied_at) "
              "VALUES ('annotator', 'm999_from_the_future', '2030-01-01')")
    with pytest.raises(DatabaseError, match="newer annotator"):
        open_store(db)


def test_not_a_database_refused(tmp_path):
    p = tmp_path / "x.db"
    p.write_text("hello, not sqlite")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        open_store(p)
    with pytest.raises(DatabaseError, match="no such database"):
        open_store(tmp_path / "missing.db", create=False)


def test_opening_a_store_never_opens_the_file_outside_sqlite(db_path, monkeypatch):
    """Closing any descriptor of a database file drops every POSIX lock the process holds on
    it, so a second Store opened beside a live one must not read the file with open()."""
    import builtins

    open_store(db_path).close()
    seen: list[str] = []
    real_open = builtins.open

    def spying_open(file, *args, **kwargs):
        seen.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spying_open)
    first = open_store(db_path)
    second = open_store(db_path)
    second.close()
    first.close()
    assert str(db_path) not in seen


def test_document_reimport_is_idempotent(store):
    ds = store.ensure_dataset("d")
    assert add_doc(store, ds) is not None
    assert add_doc(store, ds) is None
    assert store.count_units("d") == 3
    other = store.ensure_dataset("e")
    assert add_doc(store, other) is not None  # same text, another dataset


def test_insert_document_gives_the_unit_objects_their_ids(store, db):
    ds = store.ensure_dataset("d")
    add_doc(store, ds, "Zero. One.", n=2)
    units = [Unit(text="Two.", start=0, end=4), Unit(text="Three.", start=5, end=11, position=1)]
    doc_id = store.insert_document(ds, Document(text="Two. Three."), units)
    stored = query(db, "SELECT id, document_id, text FROM units WHERE document_id = ? ORDER BY position", (doc_id,))
    assert [(u.id, u.document_id, u.text) for u in units] == stored
    assert [u.id for u in units] == [3, 4] and {u.dataset for u in units} == {"d"}


def test_deferred_units_are_written_later_with_their_parts(store, db):
    from annotator.record_parts import unit_parts

    ds = store.ensure_dataset("d")
    a = [Unit(text="Kim spoke.", start=0, end=10)]
    b = [Unit(text="Moon left.", start=0, end=10)]
    with store.write():
        first = store.insert_document(ds, Document(text="Kim spoke."), a, defer_units=True)
        second = store.insert_document(ds, Document(text="Moon left."), b, defer_units=True)
        assert (a[0].id, b[0].id) == (1, 2)  # the second document's units come after the first's
        for units, doc_id in ((b, second), (a, first)):  # written out of order
            store.insert_units(ds, units, [unit_parts(text=u.text, offsets=None, unit_id=u.id, document_id=doc_id,
                                                      external_id=None, title="", position=0, start=0, end=10,
                                                      meta={}) for u in units])
    assert query(db, "SELECT id, document_id, text FROM units ORDER BY id") == [
        (1, first, "Kim spoke."), (2, second, "Moon left.")]
    assert query(db, "SELECT COUNT(*) FROM unit_extents WHERE token_bounds IS NOT NULL") == [(2,)]
    assert query(db, "SELECT COUNT(*) FROM units WHERE export_head IS NULL") == [(0,)]


def test_deferred_units_never_written_roll_the_transaction_back(store, db):
    ds = store.ensure_dataset("d")
    add_doc(store, ds)
    with pytest.raises(RuntimeError, match="never written"):
        with store.write():
            store.insert_document(ds, Document(text="Kim spoke."), [Unit(text="Kim spoke.", end=10)],
                                  defer_units=True)
    assert query(db, "SELECT COUNT(*) FROM documents") == [(1,)]  # only the first, committed one
    with pytest.raises(RuntimeError, match="inside Store.write"):
        store.insert_document(ds, Document(text="Moon."), [Unit(text="Moon.", end=5)], defer_units=True)
    with pytest.raises(RuntimeError, match="was not given its id"):
        with store.write():
            store.insert_units(ds, [Unit(id=99, text="x", end=1)], [(b"", None, None)])
    assert query(db, "SELECT COUNT(*) FROM units") == [(3,)]


def test_annotations_are_append_only_and_undo_keeps_history(store, db):
    ds = store.ensure_dataset("d")
    add_doc(store, ds)
    u1, u2 = store.next_units("d", "ann", limit=2)
    store.add_annotation(Annotation(unit_id=u1.id, annotator="ann", answer="accept",
                                    spans=[Span(start=0, end=3, label="ORG")]))
    store.add_annotation(Annotation(unit_id=u2.id, annotator="ann", answer="reject"))
    assert store.undo_last("d", "ann").id == u2.id
    assert store.current_annotation(u2.id, "ann") is None
    assert store.current_annotation(u1.id, "ann").spans[0].label == "ORG"
    rows = store.history(u2.id)
    assert [r["answer"] for r in rows] == ["reject", "undo"] and rows[1]["reverts"] == rows[0]["id"]
    # a second undo reverts the decision before
    assert store.undo_last("d", "ann").id == u1.id
    assert store.current_annotation(u1.id, "ann") is None
    with pytest.raises(Exception, match="append-only"):  # sqlite3.IntegrityError / psycopg.errors.RaiseException
        query(db, "UPDATE annotations SET answer = 'accept'")
    with pytest.raises(Exception, match="append-only"):
        query(db, "DELETE FROM annotations")
    assert query(db, "SELECT answer FROM annotations ORDER BY id") == [("accept",), ("reject",), ("undo",), ("undo",)]


def test_redecide_then_undo_restores_previous_decision(store):
    ds = store.ensure_dataset("d")
    add_doc(store, ds)
    (u,) = store.next_units("d", "ann", limit=1)
    store.add_annotation(Annotation(unit_id=u.id, annotator="ann", answer="accept"))
    store.add_annotation(Annotation(unit_id=u.id, annotator="ann", answer="reject"))
    store.undo_last("d", "ann")
    assert store.current_annotation(u.id, "ann").answer == "accept"


def test_queue_honours_overlap_and_resumes(store):
    ds = store.ensure_dataset("d", overlap=1)
    add_doc(store, ds)
    a = store.next_units("d", "alice", limit=2)
    b = store.next_units("d", "bob", limit=5)
    assert {u.id for u in a}.isdisjoint({u.id for u in b})
    assert len(a) + len(b) == 3
    # alice restarts: her undecided units come back first
    assert [u.id for u in store.next_units("d", "alice", limit=2)] == [u.id for u in a]
    store.set_dataset("d", overlap=2)
    c = store.next_units("d", "carol", limit=5)
    assert len(c) == 3  # every unit has one annotator, room for a second
    assert store.next_units("d", "dave", limit=5) == []


def test_overlap_zero_means_everyone(store):
    ds = store.ensure_dataset("d", overlap=0)
    add_doc(store, ds)
    for name in ("a", "b", "c"):
        assert len(store.next_units("d", name, limit=10)) == 3


def test_suggestions_replace_per_suggester(store):
    ds = store.ensure_dataset("d")
    add_doc(store, ds)
    (u,) = store.next_units("d", "a")
    store.put_suggestions([Suggestion(unit_id=u.id, suggester="rules", version="1",
                                      spans=[Span(start=0, end=3, label="ORG")])])
    store.put_suggestions([Suggestion(unit_id=u.id, suggester="rules", version="2",
                                      spans=[Span(start=0, end=2, label="GPE")])])
    (s,) = store.get_suggestions(u.id)
    assert s.version == "2" and s.spans[0].label == "GPE"


def test_gold_history_and_undo(store):
    ds = store.ensure_dataset("d")
    add_doc(store, ds)
    (u,) = store.next_units("d", "a")
    store.set_gold(Gold(unit_id=u.id, adjudicator="lead", spans=[Span(start=0, end=3, label="ORG")], sources=["a"]))
    store.set_gold(Gold(unit_id=u.id, adjudicator="lead", spans=[]))
    assert store.get_gold(u.id).spans == []
    store.undo_gold("d", "lead")
    assert store.get_gold(u.id).spans[0].label == "ORG"
    assert [g.unit_id for _, g in store.iter_gold("d")] == [u.id]


def test_iter_annotations_streams_in_batches(store):
    ds = store.ensure_dataset("d", overlap=0)
    text = " ".join(f"S{i}." for i in range(50))
    add_doc(store, ds, text, n=50)
    for name in ("a", "b"):
        for u in store.next_units("d", name, limit=50):
            store.add_annotation(Annotation(unit_id=u.id, annotator=name, answer="accept"))
    got = list(store.iter_annotations("d", batch=7))
    assert len(got) == 100
    assert len(list(store.iter_annotations("d", annotator="a", batch=7))) == 50
    assert store.annotators("d") == ["a", "b"]


def test_backup_before_upgrade(db_path, monkeypatch):
    open_store(db_path).close()
    from annotator.store import migrations as mig

    @mig.migrations(name="m_test_extra")
    def extra(db):
        db.execute("CREATE TABLE extra_test (x INTEGER)")

    try:
        s = open_store(db_path)
        assert "m_test_extra" in s.schema_version
        from annotator.store.schema import SHIPPED_MIGRATIONS

        shipped = len(SHIPPED_MIGRATIONS)
        backup = db_path.with_name(db_path.name + f".bak-v{shipped}")
        assert backup.exists()
        assert sqlite3.connect(backup).execute(
            "SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == shipped
        s.close()
    finally:
        mig.migrations._migrations.pop()


def test_shipped_migration_names_match_the_migration_code():
    import subprocess
    import sys

    from sqlite_utils.migrations import Migrations

    from annotator.store.schema import MIGRATIONS_TABLE, SHIPPED_MIGRATIONS

    assert SHIPPED_MIGRATIONS == tuple(known_names())
    assert MIGRATIONS_TABLE == Migrations.migrations_table
    # opening an up-to-date database does not load sqlite-utils (start-up budget)
    code = ("import sys, annotator.store as s; st = s.open_store(sys.argv[1]); st.close(); "
            "st = s.open_store(sys.argv[1]); print('sqlite_utils' in sys.modules)")
    import tempfile, os
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "x.db")
        subprocess.run([sys.executable, "-c", "import annotator.store as s; s.open_store(__import__('sys').argv[1])", db], check=True)
        out = subprocess.run([sys.executable, "-c", code, db], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_claim_unit_honours_overlap_and_decisions(store):
    ds = store.ensure_dataset("d", overlap=1)
    add_doc(store, ds)
    u1, u2, u3 = [u.id for u in store.iter_units("d")]
    assert store.claim_unit("d", "alice", u3) is True
    assert store.claim_unit("d", "alice", u3) is True  # already hers
    assert store.claim_unit("d", "bob", u3) is False  # overlap 1: taken
    store.add_annotation(Annotation(unit_id=u3, annotator="alice", answer="accept"))
    assert store.claim_unit("d", "alice", u3) is False  # decided
    assert store.claim_unit("d", "alice", 9999) is False
    # the ordinary queue no longer hands u3 to anyone else
    assert u3 not in [u.id for u in store.next_units("d", "bob", limit=5)]
