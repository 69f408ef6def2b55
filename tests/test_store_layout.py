"""The store's layout (issue 15 point 4): one reader of current decisions, and nothing outside
``store/`` reaching into a store's connection, lock or query helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.models import Annotation, Document, Span, Unit
from annotator.store import Store
from annotator.store.decisions import DECISION_FIELDS
from annotator.store.rows import DECISION_COLUMNS, JSONL_PART_COLUMNS, iter_decision_rows, jsonl_part_batches
from conftest import ROOT

#: A store object's connection, lock, sqlite-utils view or query helpers (``store.conn``,
#: ``self.store._lock``, ``_worker_store._q(`` ...).
PRIVATE = re.compile(r"\w*store\w*\.(conn|_conn|_lock|db|_q|_one|_x|_x_many|_iter|_tuples)\b", re.IGNORECASE)


def test_nothing_outside_the_store_touches_its_connection() -> None:
    offenders = []
    for path in sorted((ROOT / "annotator").rglob("*.py")):
        rel = path.relative_to(ROOT / "annotator").as_posix()
        if rel.startswith("store/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if PRIVATE.search(code):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def two_documents(store: Store) -> tuple[list[int], list[int]]:
    """Two documents of 5 units; alice decides every unit, bob the odd ones (bob rejects
    the last), carol the first of each document."""
    ds = store.ensure_dataset("d", overlap=0)
    docs = []
    for d in range(2):
        sentences = [f"Doc {d} Kim said {i} things." for i in range(5)]
        units, pos = [], 0
        for i, s in enumerate(sentences):
            units.append(Unit(position=i, text=s, start=pos, end=pos + len(s)))
            pos += len(s) + 1
        doc_id = store.insert_document(ds, Document(title=f"t{d}", text=" ".join(sentences), external_id=f"e{d}"),
                                       units)
        docs.append([u.id for u in store.document_units(doc_id)])
    for ids in docs:
        for k, u in enumerate(ids):
            store.add_annotation(Annotation(unit_id=u, annotator="alice", answer="accept",
                                            spans=[Span(start=6, end=9, label="PERSON")]))
            if k % 2:
                store.add_annotation(Annotation(unit_id=u, annotator="bob", answer="reject" if k == 3 else "accept"))
            if k == 0:
                store.add_annotation(Annotation(unit_id=u, annotator="carol", answer="ignore"))
    return docs[0], docs[1]


def naive(store: Store, **f) -> list[tuple[int, str]]:
    """(unit, annotator) of every current decision passing the filters, from per-unit reads."""
    out = []
    for unit in store.iter_units("d"):
        if f.get("document_id") is not None and unit.document_id != f["document_id"]:
            continue
        lo, hi = f.get("unit_range") or (-1, 1 << 60)
        if not lo <= unit.id < hi:
            continue
        for a in store.current_annotations(unit.id):
            if f.get("annotator") not in (None, a.annotator) or (f.get("answers") and a.answer not in f["answers"]):
                continue
            out.append((unit.id, a.annotator))
    return out


@pytest.mark.parametrize("batch", [1, 2, 3, 4000])
@pytest.mark.parametrize("filters", [
    {}, {"annotator": "bob"}, {"answers": ["accept"]}, {"answers": ["reject", "ignore"]},
    {"annotator": "alice", "answers": ["accept"]}, "doc1", "range", "doc0-alice",
])
def test_one_reader_gives_every_current_decision_in_order(store: Store, filters, batch: int) -> None:
    doc0, doc1 = two_documents(store)
    ds_id = store.require_dataset("d").id
    if filters == "doc1":
        filters = {"document_id": store.get_unit(doc1[0]).document_id}
    elif filters == "range":
        filters = {"unit_range": (doc0[3], doc1[2])}
    elif filters == "doc0-alice":
        filters = {"document_id": store.get_unit(doc0[0]).document_id, "annotator": "alice"}
    expected = naive(store, **filters)
    assert expected  # every case selects something
    batches = list(store.current_decisions(ds_id, ("unit_id", "annotator", "answer"), batch=batch, **filters))
    assert all(0 < len(b) <= batch for b in batches)
    assert [(r[0], r[1]) for b in batches for r in b] == expected
    # the thin readers over it agree
    assert [(r[0], r[9]) for r in iter_decision_rows(store, ds_id, batch=batch, **filters)] == expected
    assert [(r[0], r[1]) for b in jsonl_part_batches(store, ds_id, batch=batch, **filters) for r in b] == expected
    if "unit_range" not in filters:
        name_filters = {k: v for k, v in filters.items()}
        got = [(u.id, a.annotator) for u, a in store.iter_annotations("d", batch=batch, **name_filters)]
        assert got == expected


def test_one_reader_columns(store: Store) -> None:
    doc0, _ = two_documents(store)
    ds_id = store.require_dataset("d").id
    (first, *_), *_ = store.current_decisions(ds_id, DECISION_COLUMNS)
    row = dict(zip(DECISION_COLUMNS, first))
    unit = store.get_unit(doc0[0])
    ann = store.current_annotation(doc0[0], "alice")
    assert row["unit_id"] == unit.id and row["text"] == unit.text and row["document_id"] == unit.document_id
    assert row["annotator"] == "alice" and row["answer"] == "accept" and '"PERSON"' in row["spans"]
    assert row["created"] == ann.created and row["doc_external_id"] == "e0" and row["doc_title"] == "t0"
    (parts, *_), *_ = jsonl_part_batches(store, ds_id)
    assert parts[0] == unit.id and parts[1] == "alice" and all(isinstance(p, bytes) for p in parts[2:5])
    assert parts[2].startswith(b'{"text":' + json.dumps(unit.text).encode() + b',"tokens":[{"text":')
    assert len(parts) == len(JSONL_PART_COLUMNS) and set(DECISION_COLUMNS) | set(JSONL_PART_COLUMNS) <= set(DECISION_FIELDS)
    with pytest.raises(ValueError, match="start with unit_id"):
        next(store.current_decisions(ds_id, ("annotator", "unit_id")))
    with pytest.raises(ValueError, match="include annotator"):
        next(store.current_decisions(ds_id, ("unit_id", "answer")))


def test_iter_annotations_shares_one_unit_per_unit(store: Store) -> None:
    doc0, _ = two_documents(store)
    pairs = [(u, a) for u, a in store.iter_annotations("d") if u.id == doc0[1]]
    assert [a.annotator for _, a in pairs] == ["alice", "bob"]
    assert pairs[0][0] is pairs[1][0] and pairs[0][0].dataset == "d"
    assert pairs[0][1] == store.current_annotation(doc0[1], "alice")


def test_store_init_is_only_the_union_of_its_parts() -> None:
    text = (ROOT / "annotator" / "store" / "__init__.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 80
    assert "SELECT" not in text and "sqlite3" not in text
    for module in ("connection", "caches", "datasets", "units", "suggestions", "decisions", "gold", "leases",
                   "stats"):
        assert (Path(ROOT / "annotator" / "store" / f"{module}.py")).is_file()
