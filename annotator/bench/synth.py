"""Synthetic news-like units, generated fast into a database through the Store.

Benchmarks reuse it (the UI latency benchmark, export, agreement): :func:`generate` writes
``n`` units as documents of ``per_doc`` sentences, in large transactions, and can attach
suggestions (spans whose offsets the generator knows exactly) to the first units. The text is
deterministic for a given seed. Run directly::

    .venv/bin/python -m annotator.bench.synth /tmp/bench.db 1000000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator

from annotator.models import Dataset, Document, Relation, Span, Suggestion, Unit
from annotator.store import Store, open_store

PEOPLE = [
    "Kim Jong Un", "Vladimir Putin", "Yoon Suk Yeol", "Kim Hong-kyun", "Olaf Scholz", "Zoë Martín",
    "Emmanuel Macron", "Narendra Modi", "Xi Jinping", "Joe Biden", "Ursula von der Leyen",
    "Recep Tayyip Erdoğan", "Antony Blinken", "Sergei Lavrov", "Fumio Kishida", "Luiz Inácio Lula da Silva",
]
ORGS = [
    "the foreign ministry", "Seoul's spy agency", "the United Nations", "NATO", "the Kremlin",
    "the European Commission", "Reuters", "the Defence Ministry", "the central bank", "Samsung",
    "the National Intelligence Service", "the World Health Organization", "Gazprom",
]
PLACES = [
    "Seoul", "Moscow", "Ukraine", "Pyongyang", "Russia", "North Korea", "South Korea", "Berlin",
    "Beijing", "Kyiv", "Tokyo", "東京", "Washington", "Brussels", "São Paulo", "New Delhi",
]
NORPS = ["North Korean", "Russian", "Ukrainian", "South Korean", "Chinese", "European", "American"]
DATES = ["on Monday", "on Friday", "last week", "in June", "on March 16, 2024", "this year", "overnight"]
VERBS = ["said", "told reporters", "warned", "announced", "claimed", "confirmed", "denied"]
THINGS = [
    "the deployment would escalate the war", "talks would resume soon", "troops had crossed the border",
    "prices rose 3.5% in October", "the accord broke no law", "the missile test failed 🚀",
    "sanctions would be tightened", "aid shipments had been delayed", "the summit was cancelled",
]
NUMBERS = ["1,500", "about 3,000", "12", "two", "16,985", "hundreds of"]
NOUNS = ["soldiers", "workers", "diplomats", "engineers", "protesters", "refugees"]


def _cap(text: str) -> str:
    """``text`` with its first character upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:]


def _sentence(rnd: random.Random) -> tuple[str, list[tuple[int, int, str, str]]]:
    """One sentence and its spans as (start, end, label, layer)."""
    pick = rnd.choice
    kind = rnd.randrange(4)
    if kind == 0:
        parts = [(pick(PEOPLE), "SOURCE"), (pick(VERBS), "CUE"), (pick(THINGS), "CLAIM"), (pick(DATES), "DATE")]
        joiners = [" ", " ", " ", "."]
    elif kind == 1:
        parts = [(pick(NUMBERS), "CARDINAL"), (pick(NORPS), "NORP"), (pick(NOUNS), None),
                 ("are in", None), (pick(PLACES), "GPE"), (", " + pick(ORGS), "ORG?"), (pick(VERBS), "CUE")]
        joiners = [" ", " ", " ", " ", "", " ", "."]
    elif kind == 2:
        parts = [(_cap(pick(ORGS)), "ORG"), ("summoned", None), (pick(PLACES) + "'s", "GPE's"),
                 ("ambassador to", None), (pick(PLACES), "GPE"), (pick(DATES), "DATE")]
        joiners = [" ", " ", " ", " ", " ", "."]
    else:
        parts = [("According to", "CUE"), (pick(ORGS), "SOURCE"), (",", None), (pick(THINGS), "CLAIM")]
        joiners = [" ", "", " ", "."]
    text_parts: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    pos = 0
    for (chunk, label), joiner in zip(parts, joiners):
        start = pos
        text_parts.append(chunk)
        text_parts.append(joiner)
        pos += len(chunk) + len(joiner)
        if label is None:
            continue
        if label == "GPE's":
            spans.append((start, start + len(chunk) - 2, "GPE", "entities"))
        elif label == "ORG?":
            spans.append((start + 2, start + len(chunk), "ORG", "entities"))
        elif label in ("SOURCE", "CUE", "CLAIM"):
            spans.append((start, start + len(chunk), label, "claims"))
        else:
            spans.append((start, start + len(chunk), label, "entities"))
    return _cap("".join(text_parts)), spans


def _claim_links(spans: list[Span]) -> list[Relation]:
    """source-of and cue-of links from a sentence's SOURCE and CUE to its CLAIM."""
    claim = next((s for s in spans if s.label == "CLAIM"), None)
    if claim is None:
        return []
    names = {"SOURCE": "source-of", "CUE": "cue-of"}
    return [Relation(head=s.ref, child=claim.ref, label=names[s.label]) for s in spans if s.label in names]


def sentences(n: int, seed: int = 0) -> Iterator[tuple[str, list[tuple[int, int, str, str]]]]:
    """``n`` deterministic sentences with their spans."""
    rnd = random.Random(seed)
    for _ in range(n):
        yield _sentence(rnd)


def generate(
    store: Store,
    n: int,
    *,
    dataset: str = "bench",
    per_doc: int = 20,
    suggest_first: int = 200,
    seed: int = 0,
    batch_docs: int = 2000,
) -> Dataset:
    """Write ``n`` synthetic units into ``dataset`` (created) and suggestions for the first ones."""
    ds = store.ensure_dataset(dataset)
    gen = sentences(n, seed)
    made = 0
    doc_no = 0
    pending: dict[int, list[tuple[int, list[tuple[int, int, str, str]]]]] = {}
    while made < n:
        with store.write():
            for _ in range(batch_docs):
                if made >= n:
                    break
                count = min(per_doc, n - made)
                texts: list[str] = []
                units: list[Unit] = []
                wanted: list[tuple[int, list[tuple[int, int, str, str]]]] = []
                pos = 0
                for i in range(count):
                    text, spans = next(gen)
                    units.append(Unit.model_construct(position=i, text=text, start=pos, end=pos + len(text),
                                                      tokens=None, meta={}))
                    if made + i < suggest_first:
                        wanted.append((i, spans))
                    texts.append(text)
                    pos += len(text) + 1
                doc = Document.model_construct(
                    title=f"Synthetic report {doc_no} (seed {seed})", text=" ".join(texts),
                    source="synthetic", external_id=f"synth-{seed}-{doc_no}", meta={},
                )
                doc_id = store.insert_document(ds, doc, units)
                doc_no += 1
                if doc_id is None:  # the same text was generated before: not new units
                    continue
                if wanted:
                    pending[doc_id] = wanted
                made += count
    sugs: list[Suggestion] = []
    for doc_id, wanted_spans in pending.items():
        by_position = dict(wanted_spans)
        for u in store.iter_units(dataset, document_id=doc_id):
            if u.position in by_position:
                spans = [Span(start=a, end=b, label=lab, layer=layer, source="synth", score=0.9)  # type: ignore[arg-type]
                         for a, b, lab, layer in by_position[u.position]]
                sugs.append(Suggestion(unit_id=u.id, suggester="synth", version="1", spans=spans,
                                       relations=_claim_links(spans)))
    if sugs:
        store.put_suggestions(sugs)
    return ds


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m annotator.bench.synth DB N``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db")
    parser.add_argument("n", type=int)
    parser.add_argument("--dataset", default="bench")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    store = open_store(args.db, durable=False)
    generate(store, args.n, dataset=args.dataset, seed=args.seed)
    store.close()
    dt = time.perf_counter() - t0
    print(f"{args.n:,} units into {args.db} in {dt:.1f} s ({args.n / dt:,.0f} units/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
