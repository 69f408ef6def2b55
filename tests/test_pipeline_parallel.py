"""Suggestions computed in worker processes equal those computed in-process, row for row."""

import json
import sqlite3

from annotator.ingest.base import ReadOptions
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
        found[workers] = [json.loads(r[0]) for r in sqlite3.connect(db).execute(
            "SELECT s.spans FROM units u LEFT JOIN suggestions s ON s.unit_id = u.id AND s.suggester = 'news-rules'"
            " WHERE u.text = 'Whitcombe declined to comment.' ORDER BY u.id")]
    for workers in (1, 2):
        assert len(found[workers]) == 30
        assert all(spans and spans[0]["label"] == "PERSON" and spans[0]["end"] == 9 for spans in found[workers]), workers
