"""Service: the review queue of a dataset — the units whose annotators' versions differ —
in the order a lead wants to adjudicate them, and why each unit is there.

Orders (``annotator review --order``):

- ``document`` (the default): unit order, as the units sit in their documents;
- ``contested``: the least certain unit first. Dawid–Skene (:mod:`annotator.agreement.quality`)
  is fitted over the overlap alone — per layer, every token some annotator labelled, as the
  token's label in each accepting version; and each unit's answer (accept / reject / ignore).
  A unit's *confidence* is the lowest posterior of the most likely value over its tokens and
  its answer: 1.0 when the model is sure what the truth is, near 1/k when it cannot tell
  (with a weak prior, :data:`CONFIDENCE_PRIOR`, so that a few units do not make it sure).

Why a unit is there (:class:`QueueEntry.reasons`), most contested first: each stretch of
text where versions differ, e.g. ``1 of 3 disagree on “Seoul” 31–36: GPE (ann, cat) vs ORG
(bob); confidence 0.41``, the answer when answers differ, and links when only links differ.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from annotator.agreement.adjudicate import SpanKey, compare, is_unanimous
from annotator.agreement.quality import dawid_skene
from annotator.agreement.report import group_by_unit
from annotator.agreement.spans import OUTSIDE, token_labels
from annotator.models import Annotation, Span, Unit
from annotator.store import Store

ORDERS = ("document", "contested")
LAYERS = ("entities", "claims")
#: Dawid–Skene prior (diagonal, off-diagonal pseudo-counts per confusion cell): every
#: annotator starts as if right twice for each time they chose any one wrong value, so a
#: small dataset does not make anyone look perfect (and every split look settled).
CONFIDENCE_PRIOR = (2.0, 1.0)
#: Longest quoted text in a reason (longer stretches are cut with "…").
QUOTE_CHARS = 32


@dataclass
class Disagreement:
    """One stretch (or the answer, or the links) on which versions differ."""

    text: str
    confidence: float | None = None

    def describe(self) -> str:
        """The reason as one line, with the model's confidence when there is one."""
        return self.text if self.confidence is None else f"{self.text}; confidence {self.confidence:.2f}"


@dataclass
class QueueEntry:
    """One unit of the review queue: its confidence (None: no model) and why it is there."""

    unit_id: int
    position: int
    confidence: float | None = None
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Every disagreement as a line, most contested first."""
        return [d.describe() for d in self.disagreements]

    @property
    def reason(self) -> str:
        """The headline reason (the most contested disagreement)."""
        return self.reasons[0] if self.disagreements else "versions differ"


@dataclass
class ReviewQueue:
    """The queued units in review order, the unanimous units, and which units have gold."""

    entries: list[QueueEntry]
    unanimous: list[int]
    gold: set[int]
    order: str = "document"


# ---------------------------------------------------------------- reasons (pure)
def _quote(text: str) -> str:
    return f"“{text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + '…'}”"


def _regions(keys: Iterable[SpanKey]) -> list[tuple[int, int]]:
    """Overlapping spans merged into stretches (start, end), in text order."""
    out: list[list[int]] = []
    for start, end, *_ in sorted(keys):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _reading(spans: Sequence[Span], start: int, end: int, text: str) -> str:
    """What one version says on the stretch: its labels (with their text when a span does not
    cover exactly the stretch), or ``none``."""
    inside = sorted((s for s in spans if s.start < end and start < s.end), key=lambda s: (s.start, s.end))
    if not inside:
        return "none"
    return " + ".join(s.label if (s.start, s.end) == (start, end) else f"{s.label} {_quote(text[s.start:s.end])}"
                      for s in inside)


def disagreements(unit: Unit, versions: Sequence[Annotation],
                  token_confidence: dict[str, list[float]] | None = None,
                  answer_confidence: float | None = None) -> list[Disagreement]:
    """Where the ``versions`` of ``unit`` differ, most contested first. ``token_confidence``:
    per layer, the model's confidence in each token's label (see :func:`build_review_queue`)."""
    out: list[Disagreement] = []
    answers = Counter(a.answer for a in versions)
    if len(answers) > 1:
        (top, n_top), *_ = answers.most_common()
        split = " vs ".join(f"{a} ({n})" for a, n in answers.most_common())
        out.append(Disagreement(f"{len(versions) - n_top} of {len(versions)} disagree on the answer: {split}",
                                answer_confidence))
    comp = compare(versions)
    accepting = [a for a in versions if a.answer == "accept"]
    m = len(accepting)
    tokens = [(t.start, t.end) for t in unit.token_list()]
    for layer in LAYERS:
        disputed = [k for k, who in comp.votes.items() if k[3] == layer and len(who) < m]
        for start, end in _regions(disputed):
            groups: dict[str, list[str]] = defaultdict(list)
            for a in accepting:
                groups[_reading([s for s in a.spans if s.layer == layer], start, end, unit.text)].append(a.annotator)
            ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] == "none", kv[0]))
            split = " vs ".join(f"{reading} ({', '.join(who)})" for reading, who in ranked)
            conf = None
            if token_confidence and token_confidence.get(layer):
                inside = [c for (ts, te), c in zip(tokens, token_confidence[layer]) if ts < end and start < te]
                conf = min(inside) if inside else None
            where = f"{_quote(unit.text[start:end])} {start}–{end}"
            out.append(Disagreement(f"{m - len(ranked[0][1])} of {m} disagree on {where}: {split}", conf))
    if not out and not is_unanimous(versions):
        links = Counter(frozenset(r.key for r in a.relations) for a in accepting)
        if len(links) > 1:
            out.append(Disagreement(f"{m - links.most_common(1)[0][1]} of {m} disagree on the links"))
    out.sort(key=lambda d: 2.0 if d.confidence is None else d.confidence)
    return out


# ---------------------------------------------------------------- the model
def _token_confidence(decided: list[tuple[Unit, list[Annotation]]], layer: str) -> dict[int, list[float]]:
    """Per unit (index into ``decided``), each token's confidence in ``layer``: the largest
    Dawid–Skene posterior of the token's label, 1.0 for tokens nobody labelled."""
    per_unit: dict[int, list[float]] = {}
    items: list[tuple[int, int]] = []
    rows: list[tuple[int, str, str]] = []
    for k, (unit, anns) in enumerate(decided):
        versions = {a.annotator: [(s.start, s.end, s.label) for s in a.spans if s.layer == layer]
                    for a in anns if a.answer == "accept"}
        if len(versions) < 2:
            continue
        tokens = [(t.start, t.end) for t in unit.token_list()]
        per_unit[k] = [1.0] * len(tokens)
        labels = {c: token_labels(tokens, spans) for c, spans in versions.items()}
        for t in range(len(tokens)):
            said = {c: labels[c][t] for c in labels}
            if set(said.values()) == {OUTSIDE}:
                continue
            item = len(items)
            items.append((k, t))
            rows += [(item, c, lbl) for c, lbl in said.items()]
    if not items:
        return per_unit
    classes = [OUTSIDE, *sorted({r[2] for r in rows} - {OUTSIDE})]
    coders = sorted({r[1] for r in rows})
    ci, ki = {c: i for i, c in enumerate(classes)}, {c: i for i, c in enumerate(coders)}
    arr = np.asarray([(i, ki[c], ci[v]) for i, c, v in rows], dtype=np.int64)
    model = dawid_skene(arr[:, 0], arr[:, 1], arr[:, 2], classes, coders, prior=CONFIDENCE_PRIOR)
    for (k, t), x in zip(items, model.posteriors.max(axis=1).tolist()):
        per_unit[k][t] = x
    return per_unit


def _answer_confidence(decided: list[tuple[Unit, list[Annotation]]]) -> dict[int, float]:
    """Per unit (index into ``decided``) with two or more decisions: the Dawid–Skene
    confidence in its answer."""
    rows = [(k, a.annotator, a.answer) for k, (_, anns) in enumerate(decided) if len(anns) >= 2 for a in anns]
    if not rows:
        return {}
    classes = sorted({r[2] for r in rows})
    coders = sorted({r[1] for r in rows})
    index = sorted({r[0] for r in rows})
    ii, ci, ki = ({x: i for i, x in enumerate(xs)} for xs in (index, classes, coders))
    arr = np.asarray([(ii[k], ki[c], ci[v]) for k, c, v in rows], dtype=np.int64)
    model = dawid_skene(arr[:, 0], arr[:, 1], arr[:, 2], classes, coders, prior=CONFIDENCE_PRIOR)
    return {k: float(x) for k, x in zip(index, model.posteriors.max(axis=1).tolist())}


def queue_from_decisions(decided: Sequence[tuple[Unit, list[Annotation]]], order: str = "document",
                         gold: Iterable[int] = (), include_done: bool = True) -> ReviewQueue:
    """The review queue over every decided unit's current decisions (pure: see
    :func:`build_review_queue`)."""
    if order not in ORDERS:
        raise ValueError(f"unknown review order {order!r} (known: {', '.join(ORDERS)})")
    decided = [(u, anns) for u, anns in decided if u.id is not None and len(anns) >= 2]
    has_gold = set(gold)
    tokens = {layer: _token_confidence(decided, layer) for layer in LAYERS}
    answers = _answer_confidence(decided)
    entries: list[QueueEntry] = []
    unanimous: list[int] = []
    for k, (unit, anns) in enumerate(decided):
        assert unit.id is not None
        if is_unanimous(anns):
            unanimous.append(unit.id)
            continue
        if not include_done and unit.id in has_gold:
            continue
        per_layer = {layer: tokens[layer][k] for layer in LAYERS if k in tokens[layer]}
        found = disagreements(unit, anns, per_layer, answers.get(k))
        known = [d.confidence for d in found if d.confidence is not None]
        entries.append(QueueEntry(unit.id, len(entries), min(known) if known else None, found))
    if order == "contested":
        entries.sort(key=lambda e: (1.0 if e.confidence is None else e.confidence, e.position))
    return ReviewQueue(entries, unanimous, {e.unit_id for e in entries} & has_gold, order)


def build_review_queue(store: Store, dataset: str, order: str = "document",
                       include_done: bool = True) -> ReviewQueue:
    """The review queue of ``dataset`` read from ``store``: every unit with two or more
    current decisions that differ, in ``order`` (see the module docstring). Reads every
    current decision once: run it off a screen's thread."""
    decided = [(u, anns) for u, anns in group_by_unit(store.iter_annotations(dataset))
               if u.id is not None and len(anns) >= 2]
    gold = {u.id for u, anns in decided
            if u.id is not None and not is_unanimous(anns) and store.get_gold(u.id) is not None}
    return queue_from_decisions(decided, order, gold, include_done)


__all__ = ["ORDERS", "Disagreement", "QueueEntry", "ReviewQueue", "build_review_queue", "disagreements",
           "queue_from_decisions"]
