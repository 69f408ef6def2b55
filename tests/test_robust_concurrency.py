"""Many annotators on one database file at once: nothing lost, nothing doubled, never "locked".

Each worker is a separate process (spawn) that labels like the UI: either through the labelling
UI's own session (``annotator.tui.session.LabelSession.decide``: commit the decision and claim
the next unit in one transaction) or through the store calls beneath it (``Store.next_units``,
``Store.add_annotation``), durable mode.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from pathlib import Path

import pytest
from conftest import query

from annotator.models import Annotation, Document, Span, Unit
from annotator.store import open_store
from annotator.store.dialect import is_postgres

DATASET = "crowd"


def make_units(db: str | Path, n_units: int, overlap: int, per_doc: int = 200) -> None:
    """A dataset of ``n_units`` one-sentence units in documents of ``per_doc`` units."""
    store = open_store(db)
    ds = store.ensure_dataset(DATASET, overlap=overlap)
    with store.write():
        for d in range(0, n_units, per_doc):
            sentences = [f"Sentence {i} was said by Kim in Seoul." for i in range(d, min(d + per_doc, n_units))]
            text = " ".join(sentences)
            units, pos = [], 0
            for i, s in enumerate(sentences):
                units.append(Unit(position=i, text=s, start=pos, end=pos + len(s)))
                pos += len(s) + 1
            store.insert_document(ds, Document(title=f"doc {d}", text=text), units)
    store.close()


def label_worker(db: str, name: str, decisions: int, out: mp.Queue) -> None:
    """One annotator: take the next unit of the queue, commit a decision, repeat."""
    errors: list[str] = []
    done: list[int] = []
    try:
        store = open_store(db, durable=True)
        for _ in range(decisions):
            units = store.next_units(DATASET, name, limit=1)
            if not units:
                break
            u = units[0]
            assert u.id is not None
            spans = [Span(start=u.text.index("Kim"), end=u.text.index("Kim") + 3, label="PERSON")]
            store.add_annotation(Annotation(unit_id=u.id, annotator=name, answer="accept", spans=spans,
                                            time_spent=0.1))
            done.append(u.id)
        store.close()
    except BaseException as e:  # report everything: the test asserts there is nothing
        errors.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    out.put((name, done, errors))


def session_worker(db: str, name: str, decisions: int, out: mp.Queue) -> None:
    """One annotator through the labelling UI's own session object (what a key press calls)."""
    errors: list[str] = []
    done: list[int] = []
    try:
        from annotator.tui.session import LabelSession

        store = open_store(db, durable=True)
        session = LabelSession(store, store.require_dataset(DATASET), name)
        view = session.start()
        for _ in range(decisions):
            if view is None:
                break
            u = view.unit
            assert u.id is not None
            spans = [m.span for m in view.marks]
            session.decide("accept", spans, list(view.relations))
            done.append(u.id)
            view = session.current
        store.close()
    except BaseException as e:
        errors.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    out.put((name, done, errors))


def run_annotators(db: str | Path, n_proc: int, decisions: int, worker: object = label_worker,
                   prefix: str = "ann") -> dict[str, tuple[list[int], list[str]]]:
    """Start ``n_proc`` annotator processes at once and collect what each one committed."""
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(str(db), f"{prefix}{i:02d}", decisions, out)) for i in range(n_proc)]
    for p in procs:
        p.start()
    results: dict[str, tuple[list[int], list[str]]] = {}
    deadline = time.monotonic() + 900
    while len(results) < n_proc and time.monotonic() < deadline:
        name, done, errors = out.get(timeout=deadline - time.monotonic())
        results[name] = (done, errors)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, f"annotator process {p.pid} exited with {p.exitcode}"
    return results


def check_database(db: str | Path, results: dict[str, tuple[list[int], list[str]]], overlap: int) -> None:
    """Every decision a worker committed is stored exactly once; the queue honoured overlap."""
    errors = [e for _, errs in results.values() for e in errs]
    assert not errors, errors[0]
    assert not any("locked" in e for e in errors)
    committed = sum(len(done) for done, _ in results.values())
    assert query(db, "SELECT COUNT(*) FROM annotations") == [(committed,)]
    dup = query(db, "SELECT unit_id, annotator, COUNT(*) FROM annotations GROUP BY unit_id, annotator"
                    " HAVING COUNT(*) > 1")
    assert dup == [], f"{len(dup)} (unit, annotator) pairs decided twice, e.g. {dup[:3]}"
    assert query(db, "SELECT COUNT(*) FROM decisions") == [(committed,)]
    for name, (done, _) in results.items():
        stored = {r[0] for r in query(db, "SELECT unit_id FROM annotations WHERE annotator = ?", (name,))}
        assert stored == set(done), f"{name}: committed {len(done)}, stored {len(stored)}"
        assert len(done) == len(set(done)), f"{name} was handed the same unit twice"
    if overlap:
        over = query(db, "SELECT unit_id, COUNT(*) FROM decisions GROUP BY unit_id HAVING COUNT(*) > ?", (overlap,))
        assert over == [], f"units decided by more than {overlap} annotators: {over[:3]}"
    if is_postgres(str(db)):
        with open_store(str(db), create=False) as store:
            assert store.integrity_check() == "ok"
    else:
        assert query(db, "PRAGMA integrity_check") == [("ok",)]
        assert query(db, "PRAGMA journal_mode") == [("wal",)]


def test_four_annotators_share_a_file(db: str) -> None:
    """Small and quick: 4 processes x 100 decisions, each unit to at most 2 annotators."""
    make_units(db, 300, overlap=2)  # room for everyone: 600 slots, 400 decisions
    results = run_annotators(db, 4, 100)
    check_database(db, results, overlap=2)
    assert sum(len(d) for d, _ in results.values()) == 400


def test_four_annotators_through_the_ui_session(db: str) -> None:
    make_units(db, 300, overlap=2)
    results = run_annotators(db, 4, 100, session_worker)
    check_database(db, results, overlap=2)
    assert sum(len(d) for d, _ in results.values()) == 400


@pytest.mark.slow
def test_sixteen_annotators_thousand_decisions_each(db: str) -> None:
    """16 processes x 1,000 durable decisions on one database (each engine) through the UI's
    session (the code a key press runs: commit the decision and claim the next unit): all
    16,000 stored once, none duplicated, no "database is locked"."""
    make_units(db, 10_000, overlap=2)  # 20,000 slots for 16,000 decisions
    t0 = time.perf_counter()
    results = run_annotators(db, 16, 1_000, session_worker)
    elapsed = time.perf_counter() - t0
    check_database(db, results, overlap=2)
    assert {n: len(d) for n, (d, _) in results.items()} == {f"ann{i:02d}": 1_000 for i in range(16)}
    print(f"16 x 1000 durable decisions in {elapsed:.1f} s ({16_000 / elapsed:.0f}/s)")


def quitter_worker(db: str, name: str, decisions: int, out: mp.Queue) -> None:
    """An annotator who opens the labelling session (its first unit is leased) and quits at
    once; quitting releases what the session held."""
    errors: list[str] = []
    try:
        from annotator.tui.session import LabelSession

        store = open_store(db, durable=True)
        session = LabelSession(store, store.require_dataset(DATASET), name)
        assert session.start() is not None
        store.claim_unit(DATASET, name, 7)  # and one least-sure-first unit
        store.release(DATASET, name)
        store.close()
    except BaseException as e:
        errors.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    out.put((name, [], errors))


def decisions_per_unit(db: str | Path) -> dict[int, int]:
    return dict(query(db, "SELECT unit_id, COUNT(*) FROM decisions GROUP BY unit_id"))


def test_overlap_one_processes_split_every_unit(db: str) -> None:
    """Three annotator processes on overlap 1 label until nothing is left: no unit decided
    twice, none left undecided."""
    make_units(db, 240, overlap=1)
    results = run_annotators(db, 3, 10_000)
    check_database(db, results, overlap=1)
    assert decisions_per_unit(db) == {i: 1 for i in range(1, 241)}


def test_overlap_two_quitters_strand_nothing(db: str) -> None:
    """On overlap 2, annotators who open the screen and quit at once take nothing with them:
    the three who stay bring every unit to exactly two decisions."""
    make_units(db, 150, overlap=2)
    quit_results = run_annotators(db, 2, 0, quitter_worker, prefix="quitter")
    assert not [e for _, errs in quit_results.values() for e in errs]
    results = run_annotators(db, 3, 10_000, session_worker)
    check_database(db, results, overlap=2)
    assert decisions_per_unit(db) == {i: 2 for i in range(1, 151)}
