"""Suggestions computed in worker processes equal those computed in-process, row for row."""

import json
import sqlite3

from annotator.ingest.base import ReadOptions
from annotator.store.suggestions import SUGGESTION_SHORTHAND
from annotator.pipeline import import_sources, plan_sources
from annotator.schemes import load_scheme
from annotator.store import open_store
from annotator.suggest import build_suggesters


def _corpus(tmp_path, n_docs=120):
    p = tmp_path / "c.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        for i in range(n_docs):
            text = (f"President Kim met Vladimir Putin in Moscow on Oct. {i % 28 + 1}, the ministry said. "
                    f"Seoul’s spy agency said that {i} troops were sent to Russia. "
                    f"The National Intelligence Service (NIS) released images. Talks resume in Geneva.")
            f.write(json.dumps({"text": text, "id": i}) + "\n")
    return p


def _rows(db):
    return sqlite3.connect(db).execute(
        "SELECT u.text, s.suggester, s.version, s.spans, s.relations FROM suggestions s"
        " JOIN units u ON u.id = s.unit_id ORDER BY u.id, s.suggester").fetchall()


def test_worker_processes_give_the_same_suggestions(tmp_path, monkeypatch):
    import annotator.pipeline as pipeline

    monkeypatch.setattr(pipeline, "SUGGEST_BATCH", 32)  # many batches, so the pool is used
    started = []
    real_pool = pipeline._SuggestBuffer._pool
    def pool(self):
        p = real_pool(self)
        started.append(p is not None)
        return p

    monkeypatch.setattr(pipeline._SuggestBuffer, "_pool", pool)
    corpus = _corpus(tmp_path)
    suggesters = build_suggesters(load_scheme("news"))
    results = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        store = open_store(db, durable=False)
        ds = store.ensure_dataset("d")
        plans, _ = plan_sources([str(corpus)])
        summary = import_sources(store, plans, ds, options=ReadOptions(), suggesters=suggesters, workers=workers)
        assert summary.units == 480 and summary.suggestions == 480
        store.close()
        results[workers] = _rows(db)
    assert any(started)  # the two-worker run really went through the process pool
    assert len(results[1]) > 480  # rules and claims both suggested
    assert results[1] == results[2]


def test_a_document_split_across_batches_keeps_the_suggesters_memory_of_it(tmp_path, monkeypatch):
    """A surname alone opening a sentence is a PERSON only because the full name came earlier
    in the same document. With batches smaller than a document, the two sentences would
    land in different batches, possibly in different processes: batches hold whole
    documents, so every process remembers."""
    import annotator.pipeline as pipeline

    monkeypatch.setattr(pipeline, "SUGGEST_BATCH", 16)
    corpus = tmp_path / "m.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for i in range(30):
            sents = [f"Reporters met Jonathan Whitcombe in hall {i}."]
            sents += [f"Sales rose {k} percent." for k in range(24)] + ["Whitcombe declined to comment."]
            f.write(json.dumps({"text": " ".join(sents), "id": i}) + "\n")
    found = {}
    for workers in (1, 2):
        db = tmp_path / f"m{workers}.db"
        store = open_store(db, durable=False)
        plans, _ = plan_sources([str(corpus)])
        import_sources(store, plans, store.ensure_dataset("d"), options=ReadOptions(),
                       suggesters=build_suggesters(load_scheme("news")), workers=workers)
        store.close()
        found[workers] = [json.loads(SUGGESTION_SHORTHAND.expand_text(r[0])) for r in sqlite3.connect(db).execute(
            "SELECT s.spans FROM units u LEFT JOIN suggestions s ON s.unit_id = u.id AND s.suggester = 'news-rules'"
            " WHERE u.text = 'Whitcombe declined to comment.' ORDER BY u.id")]
    for workers in (1, 2):
        assert len(found[workers]) == 30
        assert all(spans and spans[0]["label"] == "PERSON" and spans[0]["end"] == 9 for spans in found[workers]), workers


FORKED_IMPORT = """
import sys
import annotator.pipeline as pipeline
from annotator.ingest.base import ReadOptions
from annotator.pipeline import import_sources, plan_sources
from annotator.schemes import load_scheme
from annotator.store import open_store
from annotator.suggest import build_suggesters

pipeline.SUGGEST_BATCH = 32
methods = []
real_pool = pipeline._SuggestBuffer._pool
def pool(self):
    p = real_pool(self)
    methods.append(self.start_method)
    return p
pipeline._SuggestBuffer._pool = pool
store = open_store(sys.argv[2], durable=False)
plans, _ = plan_sources([sys.argv[1]])
import_sources(store, plans, store.ensure_dataset("d"), options=ReadOptions(),
               suggesters=build_suggesters(load_scheme("news")), workers=2)
store.close()
print(sorted(set(m for m in methods if m)))
"""


def test_workers_forked_from_a_single_threaded_import_give_the_same_suggestions(tmp_path):
    """``annotator import`` has one thread, so its workers are forked (they start at once,
    with the suggesters already loaded); run in a fresh interpreter, since pytest's own may
    have threads, and compare with the in-process import row for row."""
    import subprocess
    import sys

    corpus = _corpus(tmp_path)
    forked = tmp_path / "forked.db"
    out = subprocess.run([sys.executable, "-c", FORKED_IMPORT, str(corpus), str(forked)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['fork']"
    plain = tmp_path / "plain.db"
    store = open_store(plain, durable=False)
    plans, _ = plan_sources([str(corpus)])
    import_sources(store, plans, store.ensure_dataset("d"), options=ReadOptions(),
                   suggesters=build_suggesters(load_scheme("news")), workers=1)
    store.close()
    assert len(_rows(plain)) > 480 and _rows(forked) == _rows(plain)


def test_an_import_leaves_the_collector_thresholds_as_it_found_them(tmp_path):
    """An import collects young objects less often while it runs; after it, good or bad,
    the caller's process is as before."""
    import gc

    import pytest

    from annotator.errors import InputError

    before = gc.get_threshold()
    corpus = _corpus(tmp_path, n_docs=3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Fine."}\n{"text": 5}\n', encoding="utf-8")
    store = open_store(tmp_path / "g.db", durable=False)
    ds = store.ensure_dataset("d")
    seen = []
    import_sources(store, plan_sources([str(corpus)])[0], ds, options=ReadOptions(),
                   suggesters=build_suggesters(load_scheme("news")),
                   on_source=lambda plan, summary: seen.append(gc.get_threshold()))
    assert seen and seen[0] != before  # changed while importing
    assert gc.get_threshold() == before
    with pytest.raises(InputError):
        import_sources(store, plan_sources([str(bad)])[0], ds, options=ReadOptions())
    assert gc.get_threshold() == before
    store.close()
