"""Tiny labelled datasets the training tests write themselves (no shared data)."""

from __future__ import annotations

from annotator.models import Annotation, Document, Gold, Relation, Span, Unit
from annotator.store import Store
from annotator.train.config import Hyper

NAMES = [("Alice Smith", "PERSON"), ("Acme Corp", "ORG"), ("Bob Jones", "PERSON"), ("Paris", "GPE")]
TINY = Hyper(width=32, depth=2, embed_rows=500, learn_rate=0.005, batch_start=4, batch_stop=4, dropout=0.1)


def sentence(i: int) -> tuple[str, list[Span]]:
    """'<Name> said the plan <i> will work.' with an entity and a SOURCE/CUE/CLAIM triple."""
    name, label = NAMES[i % len(NAMES)]
    text = f"{name} said the plan {i} will work."
    n = len(name)
    claim = f"the plan {i} will work"
    spans = [
        Span(start=0, end=n, label=label, layer="entities"),
        Span(start=0, end=n, label="SOURCE", layer="claims"),
        Span(start=n + 1, end=n + 5, label="CUE", layer="claims"),
        Span(start=n + 6, end=n + 6 + len(claim), label="CLAIM", layer="claims"),
    ]
    return text, spans


def fill(store: Store, dataset: str = "news", n: int = 12, unlabelled: int = 3) -> list[int]:
    """``n`` one-sentence documents accepted by 'ann', then ``unlabelled`` more with no
    decision; returns all unit ids in order."""
    ds = store.ensure_dataset(dataset)
    ids: list[int] = []
    for i in range(n + unlabelled):
        text, spans = sentence(i)
        doc_id = store.insert_document(ds, Document(text=text, title=f"doc {i}"), [Unit(text=text, start=0, end=len(text))])
        assert doc_id is not None
        unit = store.document_units(doc_id)[0]
        assert unit.id is not None
        ids.append(unit.id)
        if i < n:
            links = [Relation(head=spans[1].ref, child=spans[3].ref, label="source-of"),
                     Relation(head=spans[2].ref, child=spans[3].ref, label="cue-of")]
            store.add_annotation(Annotation(unit_id=unit.id, annotator="ann", answer="accept", spans=spans, relations=links))
    return ids


def add_gold(store: Store, unit_id: int, spans: list[Span], answer: str = "accept") -> None:
    """Adjudicate a unit."""
    store.set_gold(Gold(unit_id=unit_id, spans=spans, answer=answer, adjudicator="lead"))  # type: ignore[arg-type]
