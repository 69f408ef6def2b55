"""`annotator db copy`: a whole project from SQLite to PostgreSQL and back, checked by row
counts and by byte-identical `annotator export --format jsonl` on every side."""

from __future__ import annotations

import pytest
from conftest import SEED, query

from annotator.cli import cli
from annotator.models import Annotation, Gold, Span, Suggestion
from annotator.store import open_store
from annotator.store.copying import TABLES

pytestmark = pytest.mark.postgresql


def labelled_project(path: str, runner) -> None:
    """The seed article imported, decided by two annotators (with an undo), suggestions, gold."""
    r = runner.invoke(cli, ["import", str(SEED), "--db", path, "--dataset", "seed", "--quiet"])
    assert r.exit_code == 0, r.output
    with open_store(path) as s:
        s.ensure_dataset("empty", overlap=2)
        units = s.next_units("seed", "ann", limit=6)
        assert len(units) == 6
        for k, u in enumerate(units):
            spans = [Span(start=0, end=min(3, len(u.text)), label="ORG")] if k % 2 else []
            s.add_annotation(Annotation(unit_id=u.id, annotator="ann", answer="accept", spans=spans,
                                        time_spent=1.25 * k, meta={"k": k, "note": "é ✓"}))
            s.add_annotation(Annotation(unit_id=u.id, annotator="bob", answer="reject" if k % 3 else "accept"))
        s.undo_last("seed", "bob")
        s.put_suggestions([Suggestion(unit_id=units[0].id, suggester="manual", version="1",
                                      spans=[Span(start=0, end=2, label="GPE")])])
        s.set_gold(Gold(unit_id=units[1].id, adjudicator="lead", spans=[Span(start=0, end=3, label="ORG")],
                        sources=["ann"]))
        s.open_label_session("seed", "ann")  # a labelling screen open on it: not copied


def export_jsonl(runner, db: str, dataset: str = "seed") -> bytes:
    r = runner.invoke(cli, ["export", "--db", db, "--dataset", dataset, "--format", "jsonl", "-o", "-", "-q"])
    assert r.exit_code == 0, r.output
    assert r.stdout_bytes.count(b"\n") == 11  # 6 + 6 decisions, one undone
    return r.stdout_bytes


def every_row(db: str) -> dict[str, list[tuple]]:
    return {t: query(db, f"SELECT * FROM {t} ORDER BY {TABLES[t]}") for t in TABLES}


def test_sqlite_to_postgresql_and_back_is_the_same_project(runner, tmp_path, pg_db):
    first, back = str(tmp_path / "first.db"), str(tmp_path / "back.db")
    labelled_project(first, runner)
    r = runner.invoke(cli, ["db", "copy", first, pg_db])
    assert r.exit_code == 0, r.output
    assert "copied" in r.output and "export the same JSONL" in r.output
    r = runner.invoke(cli, ["db", "copy", pg_db, back, "-q"])
    assert r.exit_code == 0, r.output
    original = export_jsonl(runner, first)
    assert export_jsonl(runner, pg_db) == original
    assert export_jsonl(runner, back) == original
    rows = every_row(first)
    # every table was exercised, but imports, which holds rows only while an import runs
    assert all(rows[t] for t in TABLES if t != "imports"), [t for t in TABLES if not rows[t] and t != "imports"]
    rows["label_sessions"] = []  # what is open on the source is not the copy's
    assert every_row(pg_db) == rows
    assert every_row(back) == rows
    # new rows after the copy get new ids on PostgreSQL (its id sequences follow the copy)
    with open_store(pg_db) as s:
        u = s.iter_units("seed").__next__()
        new = s.add_annotation(Annotation(unit_id=u.id, annotator="cat", answer="accept"))
    assert new == max(r[0] for r in rows["annotations"]) + 1


def test_copy_refuses_a_database_that_is_not_empty(runner, tmp_path, pg_db):
    first = str(tmp_path / "first.db")
    labelled_project(first, runner)
    assert runner.invoke(cli, ["db", "copy", first, pg_db, "-q"]).exit_code == 0
    before = every_row(pg_db)
    r = runner.invoke(cli, ["db", "copy", first, pg_db, "-q"])
    assert r.exit_code == 3 and "is not empty" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert every_row(pg_db) == before
    r = runner.invoke(cli, ["db", "copy", str(tmp_path / "missing.db"), str(tmp_path / "x.db")])
    assert r.exit_code == 3 and "no such database" in r.output
