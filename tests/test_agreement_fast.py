"""`annotator agree --dataset` reads raw rows and computes in numpy (agreement/fast.py); its
report must equal, value for value, the plain report built from pydantic units and
annotations (report.dataset_report) on varied data."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement.coding import coincidences, unit_value_counts
from annotator.agreement.fast import dense_value_counts, grouped_nominal_alpha, token_bounds
from annotator.agreement.reliability import Reliability
from annotator.agreement.report import dataset_report
from annotator.agreement.fast import fast_dataset_report
from annotator.store.agreement_rows import iter_agreement_rows
from annotator.models import Annotation, Document, Span, Token, Unit
from annotator.store import Store, open_store
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


def build(store: Store, seed: int) -> None:
    """A varied dataset: documents of several units, 2-4 annotators who accept, reject or
    ignore, both layers, some units with stored tokens (one with none at all)."""
    rnd = random.Random(seed)
    ds = store.ensure_dataset("mix")
    names = ["ann", "bob", "cat", "dan"][: rnd.randrange(2, 5)]
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


def fast(store: Store, layer: str, labels: list[str] | None = None) -> dict[str, Any]:
    """The report by the fast path (no fallback: a Fallback fails the test)."""
    ds = store.require_dataset("mix")
    report = fast_dataset_report(iter_agreement_rows(store, ds.id, batch=7), layer, 3, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


def plain(store: Store, layer: str, labels: list[str] | None) -> dict[str, Any]:
    """The report by the plain path: pydantic units and annotations through dataset_report."""
    ds = store.require_dataset("mix")

    def name(doc_id: int | None) -> str:
        doc = store.get_document(doc_id) if doc_id is not None else None
        return (doc.external_id or doc.title or f"document {doc_id}") if doc else str(doc_id)

    report = dataset_report(store.iter_annotations("mix"), layer, name, 3, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]),
       labels=st.sampled_from([None, ["PERSON", "GPE"], ["CLAIM", "SOURCE"], ["ORG"]]))
def test_fast_report_equals_plain_report(seed: int, layer: str, labels: list[str] | None) -> None:
    store = open_store(":memory:")
    try:
        build(store, seed)
        assert json.dumps(fast(store, layer, labels), indent=2) == json.dumps(plain(store, layer, labels), indent=2)
    finally:
        store.close()


def test_fast_report_equals_plain_report_on_a_larger_dataset() -> None:
    """Many documents (per-document alpha grouped in one pass) and every annotator."""
    store = open_store(":memory:")
    try:
        for seed in range(6):
            build(store, 1000 + seed)
        for layer in ("entities", "claims"):
            got = fast(store, layer)
            assert got["units_shared"] > 5 and len(got["tokens"]["per_document"]) > 3
            assert json.dumps(got) == json.dumps(plain(store, layer, None))
    finally:
        store.close()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,'’-:/\t\n\u00a0U.S1é🚀")), max_size=40))
def test_token_bounds_are_token_spans(text: str) -> None:
    starts: list[int] = []
    ends: list[int] = []
    n = token_bounds(text, starts, ends)
    assert list(zip(starts, ends)) == token_spans(text) and n == len(starts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-1, 4), min_size=3, max_size=3), min_size=0, max_size=30))
def test_dense_value_counts_equal_unit_value_counts(rows: list[list[int]]) -> None:
    matrix = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    units, coders = np.nonzero(matrix >= 0)
    rel = Reliability.from_codes(units, coders, matrix[units, coders], list(range(5)), ["a", "b", "c"], len(matrix))
    for got, want in zip(dense_value_counts(matrix), unit_value_counts(rel)):
        assert got.tolist() == want.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(-1, 3), min_size=3, max_size=3)), max_size=40))
def test_grouped_alpha_equals_alpha_of_each_subset(rows: list[tuple[int, list[int]]]) -> None:
    """Nominal alpha per group from one pass equals alpha of each group's own subset."""
    from annotator.agreement.coding import krippendorff_alpha

    groups = np.asarray([g for g, _ in rows], dtype=np.int64)
    matrix = np.asarray([r for _, r in rows], dtype=np.int64).reshape(-1, 3)
    units, coders = np.nonzero(matrix >= 0)
    rel = Reliability.from_codes(units, coders, matrix[units, coders], list(range(4)), ["a", "b", "c"], len(matrix))
    figs = grouped_nominal_alpha(*dense_value_counts(matrix), 4, groups, 4, 3)
    for g in range(4):
        want = krippendorff_alpha(rel.subset(groups[units] == g), "nominal", 3)
        assert figs[g].as_dict() == want.as_dict()
    assert coincidences(rel).n_units == sum(f.n_units for f in figs)
