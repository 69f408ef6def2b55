"""Varied datasets for the agreement tests, and the plain report (the oracle) of one."""

from __future__ import annotations

import random
from typing import Any

from annotator.agreement.report import dataset_report
from annotator.models import Annotation, Document, Span, Token, Unit
from annotator.store import Store
from annotator.tokens import token_spans

WORDS = ["Kim", "Jong", "Un", "met", "Moon", "in", "Seoul", "U.N.", "said,", "Mr.", "3.5%", "on", "Friday.",
         "Zoë", "東京", "don't", "Russia's", "(AP)", "—", "e-mail", "🚀", "x"]
ENT = ["PERSON", "GPE", "ORG", "DATE"]
CLAIM = ["SOURCE", "CUE", "CLAIM"]


def _entities(rnd: random.Random, n: int) -> list[Span]:
    """Non-overlapping entity spans inside ``n`` characters."""
    out: list[Span] = []
    pos = 0
    while pos < n - 1 and rnd.random() < 0.8:
        start = rnd.randrange(pos, n - 1)
        end = rnd.randrange(start + 1, min(n, start + 12) + 1)
        out.append(Span(start=start, end=end, label=rnd.choice(ENT)))
        pos = end + rnd.randrange(0, 3)
    return out


def _claims(rnd: random.Random, n: int) -> list[Span]:
    """Claim spans that may nest and overlap (two with the same offsets keep different labels)."""
    out: dict[tuple[int, int, str], Span] = {}
    for _ in range(rnd.randrange(0, 5)):
        start = rnd.randrange(0, n)
        end = rnd.randrange(start + 1, n + 1)
        lbl = rnd.choice(CLAIM)
        out[(start, end, lbl)] = Span(start=start, end=end, label=lbl, layer="claims")
    return list(out.values())


def _perturb(rnd: random.Random, spans: list[Span], n: int) -> list[Span]:
    """Another annotator's version: some spans dropped, relabelled or moved by a character."""
    out: list[Span] = []
    for s in spans:
        r = rnd.random()
        if r < 0.15:
            continue
        if r < 0.3:
            labels = ENT if s.layer == "entities" else CLAIM
            out.append(s.model_copy(update={"label": rnd.choice(labels)}))
        elif r < 0.45 and s.end < n:
            out.append(s.model_copy(update={"end": s.end + 1}))
        else:
            out.append(s)
    ents = sorted((s for s in out if s.layer == "entities"), key=lambda s: (s.start, s.end))
    kept: list[Span] = []
    for s in ents:  # keep entities apart after moving them
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    claims = {(s.start, s.end, s.label): s for s in out if s.layer == "claims"}
    return kept + list(claims.values())


def build(store: Store, seed: int, most: int = 4) -> None:
    """A varied dataset: documents of several units, 2 to ``most`` annotators (at most 5) who accept, reject or
    ignore, both layers, some units with stored tokens (one with none at all)."""
    rnd = random.Random(seed)
    ds = store.ensure_dataset("mix")
    names = ["ann", "bob", "cat", "dan", "eve"][: rnd.randrange(2, most + 1)]
    for d in range(rnd.randrange(1, 4)):
        texts = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(1, 9))) for _ in range(rnd.randrange(1, 5))]
        units = []
        pos = 0
        for i, t in enumerate(texts):
            tokens = None
            if rnd.random() < 0.2:
                tokens = [Token(text=t[a:b], start=a, end=b) for a, b in token_spans(t)]
                if rnd.random() < 0.3:
                    tokens = tokens[:1]  # stored tokens need not be the tokenizer's
            units.append(Unit(text=t, start=pos, end=pos + len(t), position=i, tokens=tokens))
            pos += len(t) + 1
        title = rnd.choice(["", "same title", f"title {d}"])
        store.insert_document(ds, Document(text=" ".join(texts), title=title,
                                           external_id=rnd.choice([None, f"doc-{d}"])), units)
    for u in store.iter_units("mix"):
        n = len(u.text)
        base = _entities(rnd, n) + _claims(rnd, n)
        for name in names:
            r = rnd.random()
            if r < 0.1:
                continue
            answer = "accept" if r < 0.8 else ("reject" if r < 0.9 else "ignore")
            spans = _perturb(rnd, base, n) if answer == "accept" else []
            store.add_annotation(Annotation(unit_id=u.id or 0, annotator=name, answer=answer, spans=spans))


def plain(store: Store, layer: str, labels: list[str] | None) -> dict[str, Any]:
    """The report by the plain path: pydantic units and annotations through dataset_report."""
    ds = store.require_dataset("mix")

    def name(doc_id: int | None) -> str:
        doc = store.get_document(doc_id) if doc_id is not None else None
        return (doc.external_id or doc.title or f"document {doc_id}") if doc else str(doc_id)

    report = dataset_report(store.iter_annotations("mix"), layer, name, 3, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


