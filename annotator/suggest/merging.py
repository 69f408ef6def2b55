"""The deterministic merge of several suggesters' spans for one unit."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from annotator.models import Relation, Span, Suggestion

#: Which suggester wins an overlap between entities (higher first); unknown names rank 0.
PRIORITY: dict[str, int] = {"patterns": 50, "gazetteer": 30, "news-rules": 10}
MODEL_PRIORITY = 40


def priority(source: str | None) -> int:
    """How much an entity span from ``source`` is trusted in an overlap."""
    if source is None:
        return 0
    if source.startswith("model"):
        return MODEL_PRIORITY
    return PRIORITY.get(source, 0)


def _rank(span: Span) -> tuple[int, float, int, int, str, str]:
    """Sort key: trusted suggester, then score, then length, then position."""
    return (
        -priority(span.source), -(span.score if span.score is not None else 0.0),
        -(span.end - span.start), span.start, span.label, span.source or "",
    )


def merge_suggestions(suggestions: Sequence[Suggestion]) -> Suggestion:
    """Entities: the best non-overlapping set (suggester priority, then score, then
    length, then position); claims: all of them, duplicates dropped; relations whose two ends
    survive. The result does not depend on the order of ``suggestions``."""
    unit_id = next((s.unit_id for s in suggestions if s.unit_id is not None), None)
    with_ents = [sug for sug in suggestions if any(sp.layer == "entities" for sp in sug.spans)]
    chosen: list[Span] = []
    if len(with_ents) == 1:  # one suggester's entities never overlap each other
        chosen = [sp for sp in with_ents[0].spans if sp.layer == "entities"]
    elif with_ents:
        ends: list[int] = []
        starts: list[int] = []
        for sp in sorted((sp for sug in with_ents for sp in sug.spans if sp.layer == "entities"), key=_rank):
            k = bisect_right(starts, sp.start)
            if (k > 0 and ends[k - 1] > sp.start) or (k < len(starts) and starts[k] < sp.end):
                continue
            starts.insert(k, sp.start)
            ends.insert(k, sp.end)
            chosen.append(sp)
    claims: dict[tuple[int, int, str, str], Span] = {}
    claim_spans = [sp for sug in suggestions for sp in sug.spans if sp.layer == "claims"]
    if claim_spans:
        for sp in sorted(claim_spans, key=_rank):
            claims.setdefault(sp.key, sp)
    spans = sorted([*chosen, *claims.values()], key=lambda s: (s.start, s.end, s.layer, s.label))
    refs = {(s.start, s.end, s.label) for s in spans}
    relations: dict[tuple, Relation] = {}
    for sug in suggestions:
        for r in sug.relations:
            if (r.head.start, r.head.end, r.head.label) in refs and (r.child.start, r.child.end, r.child.label) in refs:
                relations.setdefault(r.key, r)
    version = "+".join(sorted(f"{s.suggester}@{s.version}" for s in suggestions))
    return Suggestion(
        unit_id=unit_id, suggester="merged", version=version or "1", spans=spans,
        relations=[relations[k] for k in sorted(relations)],
    )
