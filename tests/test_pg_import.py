"""An import on PostgreSQL: one transaction written straight into its dataset. Nothing of it
is seen, or committed, before it ends; other writers go on beside it, including a new label
and another import; two imports into one dataset take turns; a failed one leaves nothing."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import pytest
from conftest import query

from annotator.models import Annotation, Document, Span, Unit
from annotator.store import open_store
from tests.test_import_staged import doccano_corpus, import_cmd

pytestmark = pytest.mark.postgresql


def docs(prefix: str, n: int) -> list[tuple[Document, list[Unit]]]:
    texts = [f"{prefix} sentence number {k}." for k in range(n)]
    return [(Document(text=t), [Unit(text=t, end=len(t))]) for t in texts]


def in_thread(work, timeout: float = 10.0) -> tuple[threading.Thread, list]:  # type: ignore[no-untyped-def]
    """Run ``work`` in a thread; (the thread, [its result or exception]) after at most ``timeout``."""
    out: list = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as e:  # noqa: BLE001 - handed to the test
            out.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    return t, out


def test_an_import_is_one_transaction_and_other_writers_go_on_beside_it(pg_db):
    store = open_store(pg_db)
    news = store.ensure_dataset("news")
    with store.importing(news, "first") as target:
        store.insert_documents(target, docs("Old", 1))
    (old,) = [u.id for u in store.iter_units("news")]
    before = query(pg_db, "SELECT COUNT(*) FROM units")[0][0]
    with store.importing(news, "second") as target:
        assert target.id == news.id  # no staging dataset to move rows out of
        placed = store.insert_documents(target, docs("New", 30))
        new_units = [store.document_units(doc_id)[0].id for doc_id, _ in placed]
        store.add_annotations([Annotation(unit_id=u, annotator="importer", answer="accept",
                                          spans=[Span(start=0, end=3, label="FRESH")]) for u in new_units])
        store.checkpoint(force=True)  # lets go of the write lock; commits nothing
        # nothing of it is committed: not under the dataset, not under a staging one
        assert query(pg_db, "SELECT COUNT(*) FROM units")[0][0] == before
        assert query(pg_db, "SELECT COUNT(*) FROM annotations")[0][0] == 0
        # the unit ids it took are reserved where every writer sees them
        assert query(pg_db, "SELECT unit_hi FROM imports")[0][0] >= max(new_units)
        # an annotator labels with the label the import has just added, and does not wait
        other = open_store(pg_db)

        def label() -> float:
            began = time.monotonic()
            other.add_annotation(Annotation(unit_id=old, annotator="alice", answer="accept",
                                            spans=[Span(start=0, end=3, label="FRESH")]))
            return time.monotonic() - began
        thread, out = in_thread(label)  # waiting for the import would mean waiting for ever
        assert not thread.is_alive() and isinstance(out[0], float) and out[0] < 5, out
        # another import, into another dataset, runs whole meanwhile; its unit ids are its own
        more = other.ensure_dataset("more")

        def import_more() -> list[int]:
            with other.importing(more, "beside") as t:
                return [d for d, _ in other.insert_documents(t, docs("Beside", 5))]
        thread, out = in_thread(import_more)
        assert not thread.is_alive() and len(out[0]) == 5, out
        beside = [u.id for u in other.iter_units("more")]
        assert len(beside) == 5 and not set(beside) & set(new_units)
        other.close()
        store.insert_documents(target, docs("Later", 10))
    assert store.count_units("news") == 41 and store.count_units("more") == 5
    assert query(pg_db, "SELECT COUNT(*) FROM annotations WHERE annotator = 'importer'")[0][0] == 30
    # every row of the import was written once, by one transaction: no row moved, none dead
    assert query(pg_db, "SELECT COUNT(DISTINCT xmin::text) FROM units WHERE id = ANY(?)", (new_units,))[0][0] == 1
    assert query(pg_db, "SELECT COUNT(*) FROM imports")[0][0] == 0
    assert [d.name for d in store.list_datasets()] == ["news", "more"]
    assert query(pg_db, "SELECT COUNT(*) FROM datasets")[0][0] == 2  # staging datasets gone
    store.close()


def test_two_imports_into_one_dataset_take_turns_and_the_second_skips_what_the_first_added(pg_db):
    store, other = open_store(pg_db), open_store(pg_db)
    news = store.ensure_dataset("news")
    with store.importing(news, "first") as target:
        store.insert_documents(target, docs("Shared", 20))
        store.checkpoint(force=True)

        waited: list[str] = []
        other.on_import_wait = waited.append

        def second() -> list[bool]:
            with other.importing(other.ensure_dataset("news"), "second") as t:
                return [added for _, added in other.insert_documents(t, docs("Shared", 25))]
        thread, out = in_thread(second, timeout=1.5)
        assert thread.is_alive() and out == []  # waits for the first to end, and says so
        assert waited == ["another import into dataset 'news' is running: waiting for it to finish"]
    thread.join(20)
    assert out == [[False] * 20 + [True] * 5]
    assert store.count_units("news") == 25
    assert query(pg_db, "SELECT COUNT(*) FROM imports")[0][0] == 0
    store.close()
    other.close()


def test_a_failed_import_leaves_nothing_and_lets_go_of_its_locks(pg_db):
    store = open_store(pg_db)
    news = store.ensure_dataset("news")
    with pytest.raises(RuntimeError, match="bad line"):
        with store.importing(news, "bad") as target:
            store.insert_documents(target, docs("Doomed", 10))
            store.checkpoint(force=True)
            store.insert_documents(target, docs("Also doomed", 10))
            raise RuntimeError("bad line")
    assert query(pg_db, "SELECT COUNT(*) FROM units")[0][0] == 0
    assert query(pg_db, "SELECT COUNT(*) FROM documents")[0][0] == 0
    assert query(pg_db, "SELECT COUNT(*) FROM imports")[0][0] == 0
    assert query(pg_db, "SELECT COUNT(*) FROM datasets")[0][0] == 1
    assert query(pg_db, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0] == 0
    other = open_store(pg_db)  # the write lock and the dataset's import lock are free
    thread, out = in_thread(lambda: [a for _, a in other.insert_documents(news, docs("Doomed", 3))], timeout=5)
    assert out == [[True] * 3]
    other.close()
    store.close()


def test_a_killed_import_leaves_nothing_and_running_it_again_imports_it_whole(pg_db, tmp_path):
    """SIGKILL half-way: the server rolls the transaction back and lets go of its locks; the
    next import removes its record, and imports the file whole."""
    corpus = tmp_path / "pre.jsonl"
    distinct = doccano_corpus(corpus, 30_000)
    store = open_store(pg_db)
    store.ensure_dataset("big")
    store.close()
    proc = subprocess.Popen(import_cmd(pg_db, corpus, "big"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        reserved = 0
        while time.monotonic() < deadline and proc.poll() is None:
            reserved = query(pg_db, "SELECT COALESCE(MAX(unit_hi), 0) FROM imports")[0][0]
            if reserved >= 8192:  # a second block of unit ids: thousands of units written
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the import ended before it could be killed (unit ids up to {reserved})"
        assert query(pg_db, "SELECT COUNT(*) FROM units")[0][0] == 0  # all of it uncommitted
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    gone_by = time.monotonic() + 10
    while query(pg_db, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0] and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert query(pg_db, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0] == 0
    assert [query(pg_db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("documents", "units", "annotations")] == [0, 0, 0]
    assert query(pg_db, "SELECT COUNT(*) FROM imports")[0][0] == 1  # its record, until the next import
    r = subprocess.run(import_cmd(pg_db, corpus, "big"), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert [query(pg_db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("documents", "units", "decisions", "imports")] \
        == [distinct, distinct, distinct, 0]
    assert [r[0] for r in query(pg_db, "SELECT name FROM datasets")] == ["big"]
