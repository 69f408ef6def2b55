"""The merge: deterministic, priority by suggester then score, claims kept, relations pruned."""

from __future__ import annotations

import itertools

from annotator.models import Relation, Span, Suggestion, check_spans
from annotator.suggest import merge


def _s(a: int, b: int, label: str, source: str, score: float, layer: str = "entities") -> Span:
    return Span(start=a, end=b, label=label, layer=layer, source=source, score=score)  # type: ignore[arg-type]


TEXT = "Kim Jong Un met the National Intelligence Service chief in Seoul today."


def _inputs() -> list[Suggestion]:
    rules = Suggestion(unit_id=7, suggester="news-rules", spans=[
        _s(0, 3, "PERSON", "news-rules", 0.5), _s(20, 49, "ORG", "news-rules", 0.8), _s(59, 64, "GPE", "news-rules", 0.9),
    ])
    gaz = Suggestion(unit_id=7, suggester="gazetteer", spans=[_s(0, 11, "PERSON", "gazetteer", 0.95)])
    pats = Suggestion(unit_id=7, suggester="patterns", spans=[_s(59, 64, "LOC", "patterns", 1.0)])
    claim = _s(0, 55, "CLAIM", "claims", 0.6, "claims")
    src = _s(56, 58, "SOURCE", "claims", 0.6, "claims")
    claims = Suggestion(unit_id=7, suggester="claims", spans=[claim, src, _s(0, 11, "CLAIM", "claims", 0.1, "claims")],
                        relations=[Relation(head=src.ref, child=claim.ref, label="source-of"),
                                   Relation(head=_s(65, 70, "CUE", "x", 1, "claims").ref, child=claim.ref, label="cue-of")])
    return [rules, gaz, pats, claims]


def test_merge_resolves_overlaps_by_priority_and_keeps_sources() -> None:
    out = merge(_inputs())
    check_spans(TEXT, out.spans, out.relations)
    ents = [(TEXT[s.start : s.end], s.label, s.source, s.score) for s in out.spans if s.layer == "entities"]
    assert ents == [
        ("Kim Jong Un", "PERSON", "gazetteer", 0.95),
        ("National Intelligence Service", "ORG", "news-rules", 0.8),
        ("Seoul", "LOC", "patterns", 1.0),
    ]
    claims = [(s.start, s.end, s.label) for s in out.spans if s.layer == "claims"]
    assert claims == [(0, 11, "CLAIM"), (0, 55, "CLAIM"), (56, 58, "SOURCE")]  # claims may overlap entities
    # the cue-of relation points at a span nobody proposed: dropped
    assert [r.label for r in out.relations] == ["source-of"]
    assert out.unit_id == 7 and out.suggester == "merged"


def test_merge_is_independent_of_input_order() -> None:
    first = merge(_inputs()).model_dump_json()
    for perm in itertools.permutations(_inputs()):
        assert merge(list(perm)).model_dump_json() == first


def test_merge_of_nothing() -> None:
    out = merge([])
    assert out.spans == [] and out.relations == []
