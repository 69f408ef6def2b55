"""Training records and the spaCy Docs built from them.

Which units are truth (gold where adjudicated, otherwise accepted annotations) is decided by
the service :mod:`annotator.gold`; this module takes the records it returns.

Docs are built from the unit's own tokens (``Unit.token_list()``), so a CoNLL unit keeps its
exact tokens and spans map onto tokens by index, never by re-tokenising. Entities go to
``doc.ents``; claim-layer spans (CLAIM, SOURCE, CUE) to ``doc.spans["claims"]``. The
formats helper's DocBin exporter is the place for ``spacy train`` users; this module builds
the Docs the training loop needs (and can write them as a DocBin too).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.models import Relation, Span, Token, Unit
from annotator.tokens import covering_tokens

CLAIMS_KEY = "claims"


@dataclass
class Record:
    """One training unit: its text and tokens and the spans taken as truth."""

    unit: Unit
    spans: list[Span]
    origin: str = "gold"  # 'gold' or the annotator whose accepted decision it is
    tokens: list[Token] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.tokens:
            self.tokens = self.unit.token_list()


#: At most this many units are held out for scoring: beyond it the score is steady enough and
#: the units are better spent on training (and each epoch's scoring stays short).
MAX_EVAL_UNITS = 2000


def split_records(records: Sequence[Record], eval_split: float, seed: int = 0,
                  max_eval: int | None = MAX_EVAL_UNITS) -> tuple[list[Record], list[Record]]:
    """(train, eval): whole documents go to eval when there are at least five documents,
    otherwise single units; at most ``max_eval`` units (whole documents: at least one) are
    held out; deterministic for a seed."""
    if eval_split <= 0 or len(records) < 2:
        return list(records), []
    docs = sorted({r.unit.document_id for r in records}, key=lambda d: d or 0)
    rng = random.Random(seed)
    if len(docs) >= 5:
        rng.shuffle(docs)
        n_eval = max(1, round(len(docs) * eval_split))
        if max_eval is not None:
            size: dict[Any, int] = {}
            for r in records:
                size[r.unit.document_id] = size.get(r.unit.document_id, 0) + 1
            total = 0
            for k, d in enumerate(docs[:n_eval]):
                total += size[d]
                if total > max_eval and k > 0:
                    n_eval = k
                    break
        held = set(docs[:n_eval])
        train = [r for r in records if r.unit.document_id not in held]
        dev = [r for r in records if r.unit.document_id in held]
        if train and dev:
            return train, dev
    idx = list(range(len(records)))
    rng.shuffle(idx)
    n_eval = min(len(records) - 1, max(1, round(len(records) * eval_split)), max_eval or len(records))
    held_idx = set(idx[:n_eval])
    return (
        [r for i, r in enumerate(records) if i not in held_idx],
        [r for i, r in enumerate(records) if i in held_idx],
    )


def span_token_range(tokens: Sequence[Token], span: Span) -> tuple[int, int] | None:
    """Half-open token range ``[i, j)`` covering ``span`` (its token indices when they agree
    with its offsets, otherwise every token it touches)."""
    ts, te = span.token_start, span.token_end
    if ts is not None and te is not None and te < len(tokens):
        if tokens[ts].start == span.start and tokens[te].end == span.end:
            return ts, te + 1
    cov = covering_tokens(tokens, span.start, span.end)
    return (cov[0], cov[1] + 1) if cov else None


def make_doc(vocab: Any, tokens: Sequence[Token]) -> Any:
    """A spaCy Doc with exactly these tokens (a space after a token when text follows a gap)."""
    from spacy.tokens import Doc

    words = [t.text for t in tokens] or [""]
    spaces = [i + 1 < len(tokens) and tokens[i].end < tokens[i + 1].start for i in range(len(tokens))] or [False]
    return Doc(vocab, words=words, spaces=spaces)


def non_overlapping(ranges: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest of overlapping token ranges (then the earliest), as spaCy's filter_spans."""
    chosen: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for s, e, label in sorted(ranges, key=lambda r: (-(r[1] - r[0]), r[0])):
        if any(i in taken for i in range(s, e)):
            continue
        chosen.append((s, e, label))
        taken.update(range(s, e))
    return sorted(chosen)


def label_ranges(record: Record, labels: Iterable[str], layer: str) -> list[tuple[int, int, str]]:
    """Token ranges of the record's spans with one of ``labels`` on ``layer``."""
    wanted = set(labels)
    out = []
    for span in record.spans:
        if span.layer != layer or span.label not in wanted:
            continue
        rng = span_token_range(record.tokens, span)
        if rng:
            out.append((rng[0], rng[1], span.label))
    return out


def ner_example(nlp: Any, record: Record, labels: Iterable[str], layer: str, predicted: Any = None) -> Any:
    """An Example whose reference ``doc.ents`` are the record's (non-overlapping) spans with
    ``labels`` on ``layer``: the training signal for one ``ner`` component. ``predicted``
    is the input Doc (already through the pipeline's feature components), made when None."""
    from spacy.tokens import Span as SpacySpan
    from spacy.training import Example

    if predicted is None:
        predicted = make_doc(nlp.vocab, record.tokens)
    reference = make_doc(nlp.vocab, record.tokens)
    ents = [SpacySpan(reference, s, e, label=lab) for s, e, lab in non_overlapping(label_ranges(record, labels, layer))]
    reference.set_ents(ents, default="outside")
    return Example(predicted, reference)


def gold_doc(vocab: Any, record: Record) -> Any:
    """A Doc carrying the record's truth: entities in ``doc.ents``, claims in ``doc.spans['claims']``."""
    from spacy.tokens import Span as SpacySpan

    doc = make_doc(vocab, record.tokens)
    ents = non_overlapping(label_ranges(record, {s.label for s in record.spans}, "entities"))
    doc.set_ents([SpacySpan(doc, s, e, label=lab) for s, e, lab in ents], default="outside")
    claims = label_ranges(record, {s.label for s in record.spans}, "claims")
    doc.spans[CLAIMS_KEY] = [SpacySpan(doc, s, e, label=lab) for s, e, lab in sorted(claims)]
    return doc


def write_docbin(records: Iterable[Record], path: Path) -> int:
    """Write the records as a spaCy DocBin (for ``spacy train``); returns how many docs."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    db = DocBin(store_user_data=False)
    n = 0
    for r in records:
        db.add(gold_doc(nlp.vocab, r))
        n += 1
    db.to_disk(path)
    return n


def doc_spans(doc: Any, tokens: Sequence[Token], source: str | None = None,
              scores: dict[tuple[int, int, str], float] | None = None) -> list[Span]:
    """The doc's entities and claim spans as unit :class:`Span` objects (unit offsets, by
    token index, so a Doc built with :func:`make_doc` maps back exactly)."""
    out: list[Span] = []
    groups: list[tuple[str, Iterable[Any]]] = [("entities", doc.ents)]
    if CLAIMS_KEY in doc.spans:
        groups.append(("claims", doc.spans[CLAIMS_KEY]))
    for layer, spans in groups:
        for sp in spans:
            if sp.start >= len(tokens) or sp.end <= sp.start:
                continue
            end = min(sp.end, len(tokens)) - 1
            score = scores.get((sp.start, sp.end, sp.label_)) if scores else None
            out.append(Span(
                start=tokens[sp.start].start, end=tokens[end].end, label=sp.label_, layer=layer,  # type: ignore[arg-type]
                token_start=sp.start, token_end=end, source=source, score=score,
            ))
    return out
