"""Adjudication logic: compare annotators' versions of a unit, tell unanimous units from
disagreements, and build gold from one version or from a majority merge.

A span's identity is ``(start, end, label, layer)``; a relation's is its key. A span in a
version is *agreed* when every annotator who accepted the unit has it, and *disputed*
otherwise; a span is *missing* from a version when another accepting annotator has it and
this one does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.models import Annotation, Gold, Relation, Span

SpanKey = tuple[int, int, str, str]
AGREED = "agreed"
DISPUTED = "disputed"
MISSING = "missing"


def span_keys(annotation: Annotation) -> frozenset[SpanKey]:
    """The identities of an annotation's spans."""
    return frozenset(s.key for s in annotation.spans)


def is_unanimous(annotations: Sequence[Annotation]) -> bool:
    """True when two or more annotators gave the same answer, spans and relations."""
    if len(annotations) < 2:
        return False
    first = annotations[0]
    rels = frozenset(r.key for r in first.relations)
    return all(
        a.answer == first.answer and span_keys(a) == span_keys(first)
        and frozenset(r.key for r in a.relations) == rels
        for a in annotations[1:]
    )


@dataclass
class Comparison:
    """Who has which span on one unit."""

    versions: list[Annotation]
    votes: dict[SpanKey, list[str]] = field(default_factory=dict)
    spans: dict[SpanKey, Span] = field(default_factory=dict)

    @property
    def accepting(self) -> list[str]:
        """Annotators whose answer was accept."""
        return [a.annotator for a in self.versions if a.answer == "accept"]

    @property
    def unanimous(self) -> bool:
        """Every annotator gave the same version."""
        return is_unanimous(self.versions)

    def status(self, key: SpanKey) -> str:
        """``agreed`` when every accepting annotator has the span, else ``disputed``."""
        return AGREED if len(self.votes.get(key, [])) >= len(self.accepting) else DISPUTED

    def missing(self, annotator: str) -> list[SpanKey]:
        """Spans other accepting annotators have and ``annotator`` has not."""
        mine = {k for k, who in self.votes.items() if annotator in who}
        return sorted(k for k in self.votes if k not in mine)

    def union(self) -> list[Span]:
        """Every span any accepting annotator has, sorted by position."""
        return [self.spans[k] for k in sorted(self.votes, key=lambda k: (k[0], k[1], k[3], k[2]))]


def compare(annotations: Sequence[Annotation]) -> Comparison:
    """Count, for each span, the accepting annotators who marked it."""
    comp = Comparison(list(annotations))
    for a in annotations:
        if a.answer != "accept":
            continue
        for s in a.spans:
            k = s.key
            comp.votes.setdefault(k, []).append(a.annotator)
            comp.spans.setdefault(k, s.model_copy(update={"source": None, "score": None}))
    return comp


def _drop_entity_overlaps(spans: list[Span], votes: dict[SpanKey, int]) -> list[Span]:
    """Keep non-overlapping entity spans, preferring more votes, then longer, then earlier."""
    ents = sorted((s for s in spans if s.layer == "entities"),
                  key=lambda s: (-votes.get(s.key, 0), -(s.end - s.start), s.start))
    kept: list[Span] = []
    for s in ents:
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    others = [s for s in spans if s.layer != "entities"]
    return sorted(kept + others, key=lambda s: (s.start, s.end, s.layer, s.label))


def majority(annotations: Sequence[Annotation]) -> tuple[list[Span], list[Relation]]:
    """Spans and relations that more than half of the accepting annotators marked (entity
    overlaps resolved by votes); relations only when both their spans are kept."""
    comp = compare(annotations)
    n = len(comp.accepting)
    if n == 0:
        return [], []
    counts = {k: len(v) for k, v in comp.votes.items()}
    spans = _drop_entity_overlaps([comp.spans[k] for k, c in counts.items() if 2 * c > n], counts)
    refs = {(s.start, s.end, s.label) for s in spans}
    rel_votes: dict[tuple, list[Relation]] = {}
    for a in annotations:
        if a.answer == "accept":
            for r in {r.key: r for r in a.relations}.values():
                rel_votes.setdefault(r.key, []).append(r)
    relations = [
        rs[0] for key, rs in sorted(rel_votes.items())
        if 2 * len(rs) > n and key[0] in refs and key[1] in refs
    ]
    return spans, relations


def gold_from_version(annotation: Annotation, adjudicator: str) -> Gold:
    """Gold that copies one annotator's version."""
    return Gold(
        unit_id=annotation.unit_id, answer=annotation.answer,
        spans=[s.model_copy(update={"source": None, "score": None}) for s in annotation.spans],
        relations=list(annotation.relations), adjudicator=adjudicator, sources=[annotation.annotator],
    )


def gold_from_unanimous(annotations: Sequence[Annotation], adjudicator: str) -> Gold:
    """Gold for a unit everyone agreed on (ValueError if they did not)."""
    if not is_unanimous(annotations):
        raise ValueError("the annotators do not agree on this unit")
    gold = gold_from_version(annotations[0], adjudicator)
    return gold.model_copy(update={"sources": sorted(a.annotator for a in annotations)})


def gold_from_merge(unit_id: int, annotations: Sequence[Annotation], spans: Sequence[Span],
                    relations: Sequence[Relation], adjudicator: str) -> Gold:
    """Gold from a merged (and possibly edited) set of spans; relations whose spans were
    dropped are dropped too; sources are the annotators who had any of the chosen spans."""
    refs = {(s.start, s.end, s.label) for s in spans}
    kept = [r for r in relations if (r.head.start, r.head.end, r.head.label) in refs
            and (r.child.start, r.child.end, r.child.label) in refs]
    keys = {s.key for s in spans}
    sources = sorted({a.annotator for a in annotations if span_keys(a) & keys}) or sorted(
        a.annotator for a in annotations)
    return Gold(unit_id=unit_id, answer="accept", spans=list(spans), relations=kept,
                adjudicator=adjudicator, sources=sources)


def all_relations(annotations: Sequence[Annotation]) -> list[Relation]:
    """The union of every accepting annotator's relations."""
    seen: dict[tuple, Relation] = {}
    for a in annotations:
        if a.answer == "accept":
            for r in a.relations:
                seen.setdefault(r.key, r)
    return [seen[k] for k in sorted(seen)]
