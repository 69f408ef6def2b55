"""An import writes in bulk (a group of documents per statement, a batch of units, decisions and
suggestions per few statements) and publishes by primary-key ranges; on both engines it must
store exactly what writing one row at a time stored: repeated documents added once, their
decisions compared with the latest one (queued or stored), nothing left of a file that fails,
and a document another import published meanwhile left behind with its rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import annotator.pipeline as pipeline
from annotator.errors import DatabaseError, InputError
from annotator.ingest.base import ReadOptions, Source
from annotator.models import Annotation, Document, Unit
from annotator.pipeline import SourcePlan, import_sources
from annotator.store import open_store
from tests.conftest import dump_db, query


def _doccano(path: Path, records: list[tuple[str, list[list[object]]]]) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for text, label in records:
            out.write(json.dumps({"text": text, "label": label}) + "\n")
    return path


def _records(n: int) -> list[tuple[str, list[list[object]]]]:
    """``n`` records where every fifth repeats an earlier text: with the same label (skipped),
    a different one (a new current decision), or none; far back (written long before) or near
    (still in the same group or batch)."""
    out: list[tuple[str, list[list[object]]]] = []
    for k in range(n):
        if k % 5 == 4:
            back = 1 if k % 3 == 0 else (40 if k % 3 == 1 else 900)
            text, label = out[max(0, k - back)]
            variant = (k // 5) % 3
            if variant == 1:
                label = [[0, 3, "ORG"]]  # a different decision on the same unit
            elif variant == 2:
                label = []  # an empty decision (accept with no spans)
            out.append((text, label))
        else:
            out.append((f"Kim {k} met Moon in Seoul.", [[0, 3, "PERSON"]]))
    return out


def _expected(records: list[tuple[str, list[list[object]]]], current: dict[str, str] | None = None
              ) -> tuple[int, int, dict[str, str]]:
    """(distinct texts, annotation rows added, the current label of each text) as one row at a
    time stores them, from the ``current`` labels of an earlier import."""
    current = dict(current or {})
    rows = 0
    for text, label in records:
        key = json.dumps(sorted(map(tuple, label)))
        if current.get(text) != key:
            rows += 1
            current[text] = key
    return len(current), rows, current


@pytest.mark.parametrize("workers", [1, 2])
def test_repeated_documents_add_their_decisions_as_one_row_at_a_time_would(db, tmp_path, monkeypatch, workers):
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters

    monkeypatch.setattr(pipeline, "SUGGEST_BATCH", 64)  # many batches, some in worker processes
    monkeypatch.setattr(pipeline, "DOCUMENT_GROUP", 16)
    monkeypatch.setattr(pipeline, "WRITE_ROWS", 7)  # a batch's rows in several writes, a pair's decisions across two
    records = _records(3000)
    path = _doccano(tmp_path / "rep.jsonl", records)
    distinct, rows, current = _expected(records)
    store = open_store(db)
    ds = store.ensure_dataset("rep")
    summary = import_sources(store, [SourcePlan(Source(path), "doccano")], ds, options=ReadOptions(),
                             suggesters=list(build_suggesters(load_scheme("news"))), workers=workers)
    assert (summary.documents, summary.units, summary.duplicates) == (distinct, distinct, len(records) - distinct)
    assert summary.annotations == rows
    assert query(db, "SELECT COUNT(*) FROM annotations")[0][0] == rows
    assert query(db, "SELECT COUNT(*) FROM decisions")[0][0] == distinct
    assert query(db, "SELECT COUNT(*) FROM units WHERE dataset_id = ?", (ds.id,))[0][0] == distinct
    stored = {unit.text: json.dumps(sorted((s.start, s.end, s.label) for s in ann.spans))
              for unit, ann in store.iter_annotations("rep")}
    assert stored == current
    # every unit has its suggestions and caches, written once
    assert query(db, "SELECT COUNT(*) FROM unit_extents")[0][0] == distinct
    assert query(db, "SELECT COUNT(DISTINCT unit_id) FROM suggestions")[0][0] == distinct
    assert query(db, "SELECT COUNT(*) FROM units WHERE export_head IS NULL")[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM annotations WHERE export_part IS NULL")[0][0] == 0
    # importing it again adds no document, and only the decisions that differ from the current ones
    _, rows_again, current = _expected(records, current)
    assert 0 < rows_again < rows
    again = import_sources(store, [SourcePlan(Source(path), "doccano")], ds, options=ReadOptions())
    assert (again.documents, again.annotations) == (0, rows_again)
    assert query(db, "SELECT COUNT(*) FROM annotations")[0][0] == rows + rows_again
    stored = {unit.text: json.dumps(sorted((s.start, s.end, s.label) for s in ann.spans))
              for unit, ann in store.iter_annotations("rep")}
    assert stored == current
    store.close()


def test_a_file_failing_late_leaves_the_database_as_it_was(db, tmp_path, monkeypatch):
    import annotator.store.connection as connection

    monkeypatch.setattr(connection, "SLICE_S", 0.0)  # a commit at every checkpoint
    monkeypatch.setattr(pipeline, "DOCUMENT_GROUP", 8)
    store = open_store(db)
    ds = store.ensure_dataset("d")
    import_sources(store, [SourcePlan(Source(_doccano(tmp_path / "good.jsonl", _records(40))), "doccano")], ds)
    before = dump_db(db)
    records = _records(600) + [("The end.", [[0, 99, "ORG"]])]
    bad = _doccano(tmp_path / "bad.jsonl", records)
    with pytest.raises(InputError) as err:
        import_sources(store, [SourcePlan(Source(bad), "doccano")], ds)
    assert err.value.line == len(records)
    assert dump_db(db) == before
    store.close()


def test_a_document_published_meanwhile_by_another_writer_stays_behind_with_its_rows(tmp_path):
    """SQLite: an import's committed slices are staged, and moved at the end."""
    db = str(tmp_path / "test.db")
    store = open_store(db)
    ds = store.ensure_dataset("d")
    texts = [f"Sentence number {k}." for k in range(50)]
    with store.importing(ds, "test") as staging:
        placed = store.insert_documents(staging, [(Document(text=t), [Unit(text=t, end=len(t))]) for t in texts])
        assert [added for _, added in placed] == [True] * 50
        units = [store.document_units(doc_id)[0] for doc_id, _ in placed]
        store.add_annotations([Annotation(unit_id=u.id or 0, annotator="imp", answer="accept") for u in units])
        store.checkpoint(force=True)  # the slice committed: the other writer need not wait
        other = open_store(db)  # another writer adds one of the same texts to the dataset itself
        with other.write():
            other.insert_document(ds, Document(text=texts[7]), [Unit(text=texts[7], end=len(texts[7]))])
        other.close()
    assert store.count_units("d") == 50
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 50
    assert sorted(u.text for u in store.iter_units("d")) == sorted(texts)
    # the staged copy's decision went with it; the other 49 were published with their units
    assert query(db, "SELECT COUNT(*) FROM decisions WHERE dataset_id = ?", (ds.id,))[0][0] == 49
    assert query(db, "SELECT COUNT(*) FROM annotations")[0][0] == 49
    assert query(db, "SELECT COUNT(*) FROM imports")[0][0] == 0
    assert [d.name for d in store.list_datasets()] == ["d"]
    store.close()


def test_insert_documents_finds_repeats_in_the_dataset_and_in_the_same_call(store):
    ds = store.ensure_dataset("d")
    with store.write():
        first = store.insert_document(ds, Document(text="Kim spoke."), [Unit(text="Kim spoke.", end=10)])
    docs = [(Document(text=t), [Unit(text=t, end=len(t))]) for t in ("Moon left.", "Kim spoke.", "Moon left.", "Lee won.")]
    with store.write():
        placed = store.insert_documents(ds, docs)
    assert [added for _, added in placed] == [True, False, False, True]
    assert placed[1][0] == first and placed[2][0] == placed[0][0]
    assert len({doc_id for doc_id, _ in placed}) == 3
    assert [u.text for u in store.iter_units("d")] == ["Kim spoke.", "Moon left.", "Lee won."]
    assert docs[0][1][0].id is not None and docs[2][1][0].id is None  # a repeat's units are not written


def test_add_annotations_keeps_history_and_the_last_decision_per_pair(store):
    ds = store.ensure_dataset("d")
    units = [Unit(text="Kim spoke.", end=10)]
    with store.write():
        store.insert_document(ds, Document(text="Kim spoke."), units)
    uid = units[0].id or 0
    ids = store.add_annotations([Annotation(unit_id=uid, annotator="a", answer="accept"),
                                 Annotation(unit_id=uid, annotator="b", answer="reject"),
                                 Annotation(unit_id=uid, annotator="a", answer="ignore")])
    assert len(set(ids)) == 3 and ids == sorted(ids)
    assert [r["answer"] for r in store.history(uid)] == ["accept", "reject", "ignore"]
    assert {a.annotator: a.answer for a in store.current_annotations(uid)} == {"a": "ignore", "b": "reject"}
    assert store.add_annotation(Annotation(unit_id=uid, annotator="a", answer="accept")) > ids[-1]
    assert store.current_annotation(uid, "a").answer == "accept"


@pytest.mark.postgresql
def test_a_writer_adding_documents_during_an_import_into_that_dataset_is_told_to_wait(pg_db):
    """PostgreSQL: the import's rows are one uncommitted transaction; a writer adding a
    document to the same dataset would wait for it while holding the write lock the import
    needs, so it is refused in one line instead, and the import goes on whole."""
    store = open_store(pg_db)
    ds = store.ensure_dataset("d")
    texts = [f"Sentence number {k}." for k in range(50)]
    with store.importing(ds, "test") as target:
        assert target.id == ds.id  # written in place, no staging dataset
        placed = store.insert_documents(target, [(Document(text=t), [Unit(text=t, end=len(t))]) for t in texts])
        store.checkpoint(force=True)
        other = open_store(pg_db)
        with pytest.raises(DatabaseError, match="an import into dataset 'd' is running"):
            with other.write():
                other.insert_document(ds, Document(text=texts[7]), [Unit(text=texts[7], end=len(texts[7]))])
        with other.write():  # another dataset is another matter
            other.insert_document(other.ensure_dataset("e"), Document(text=texts[7]), [Unit(text=texts[7], end=len(texts[7]))])
        other.close()
        units = [store.document_units(doc_id)[0] for doc_id, _ in placed]
        store.add_annotations([Annotation(unit_id=u.id or 0, annotator="imp", answer="accept") for u in units])
    assert store.count_units("d") == 50
    assert query(pg_db, "SELECT COUNT(*) FROM decisions WHERE dataset_id = ?", (ds.id,))[0][0] == 50
    assert query(pg_db, "SELECT COUNT(*) FROM imports")[0][0] == 0
    assert [d.name for d in store.list_datasets()] == ["d", "e"]
    store.close()


def test_a_decision_an_import_adds_to_a_unit_already_there_ends_its_lease(db):
    """The decisions a file brings for units already in the dataset hold those units now: the
    annotator's lease on one goes, as when they decide it on screen (on PostgreSQL, where the
    import writes into the dataset itself, as on SQLite, where it stages its own units)."""
    store = open_store(db)
    ds = store.ensure_dataset("d")
    old, new = "An old sentence.", "A new sentence."
    with store.importing(ds, "one") as target:
        store.insert_documents(target, [(Document(text=old), [Unit(text=old, end=len(old))])])
    (held,) = store.next_units("d", "alice", limit=1)
    assert query(db, "SELECT unit_id, annotator FROM leases") == [(held.id, "alice")]
    with store.importing(ds, "two") as target:
        placed = store.insert_documents(target, [(Document(text=t), [Unit(text=t, end=len(t))]) for t in (old, new)])
        assert [added for _, added in placed] == [False, True]
        fresh = store.document_units(placed[1][0])[0]
        store.add_annotations([Annotation(unit_id=held.id or 0, annotator="alice", answer="accept"),
                               Annotation(unit_id=fresh.id or 0, annotator="alice", answer="accept")])
    assert query(db, "SELECT COUNT(*) FROM leases")[0][0] == 0
    assert sorted(query(db, "SELECT unit_id FROM decisions WHERE annotator = 'alice'")) == sorted(
        [(held.id,), (fresh.id,)])
    store.close()
