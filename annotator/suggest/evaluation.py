"""Score suggestions against gold: precision, recall and F1 per label, as the field reports them.

- **exact**: a predicted span counts when a gold span has the same start, end and label.
- **overlap** (span-level, lenient, as BBC Citron's evaluation matches spans): a predicted
  span is a true positive when it overlaps a gold span of the same label, a false positive
  when it overlaps none; a gold span that no prediction of its label overlaps is a false
  negative. (Counted from each side, like Citron's ``get_*_match_metrics``.)
- **token-overlap** (token-wise, as PolNeAR's agreement and Citron's token "overlap" scores
  are reported): the tokens a label covers in the prediction against the tokens it covers in
  the gold, per unit.
- **attribution** (claims layer, Citron's "all quote spans"): an attribution is a CLAIM span
  with the CUE spans linked to it by ``cue-of`` and the SOURCE spans linked by ``source-of``.
  *exact*: a predicted attribution counts when a gold one has the same CLAIM, the same CUEs
  and the same SOURCEs (no source on both sides matches); *overlap*: when a gold one's
  CLAIM, CUEs and SOURCEs each overlap the prediction's (an empty side matches only empty).
- **units right**: the share of units whose predicted spans (of the evaluated labels) are
  exactly the gold spans — the units that need a single keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.metrics import PRF
from annotator.models import Relation, Span, Unit
from annotator.suggest.text import unit_tokens


#: The P/R/F1 counter (shared with training's scores).
Counts = PRF


@dataclass
class Report:
    """Accumulated scores over many units."""

    labels: tuple[str, ...]
    exact: dict[str, Counts] = field(default_factory=dict)
    overlap: dict[str, Counts] = field(default_factory=dict)  # token-overlap
    span_overlap: dict[str, Counts] = field(default_factory=dict)
    attribution_exact: Counts = field(default_factory=Counts)
    attribution_overlap: Counts = field(default_factory=Counts)
    attributions_gold: int = 0
    units: int = 0
    units_right: int = 0
    units_with_gold_spans: int = 0

    def __post_init__(self) -> None:
        """Start every evaluated label at zero."""
        for label in self.labels:
            self.exact.setdefault(label, Counts())
            self.overlap.setdefault(label, Counts())
            self.span_overlap.setdefault(label, Counts())

    @property
    def scores_attributions(self) -> bool:
        """Whether the claims labels CLAIM, CUE and SOURCE are all evaluated."""
        return set(ATTRIBUTION_LABELS) <= set(self.labels)

    def add_unit(self, unit: Unit, predicted: Iterable[Span], gold: Iterable[Span],
                 predicted_relations: Iterable[Relation] = (), gold_relations: Iterable[Relation] = ()) -> None:
        """Score one unit's predicted spans (and attribution relations) against its gold."""
        wanted = set(self.labels)
        pred = {(s.start, s.end, s.label) for s in predicted if s.label in wanted}
        gold_set = {(s.start, s.end, s.label) for s in gold if s.label in wanted}
        self.units += 1
        if gold_set:
            self.units_with_gold_spans += 1
        if pred == gold_set:
            self.units_right += 1
        for label in self.labels:
            p = {(a, b) for a, b, lab in pred if lab == label}
            g = {(a, b) for a, b, lab in gold_set if lab == label}
            c = self.exact[label]
            both = len(p & g)
            c.tp += both
            c.fp += len(p) - both
            c.fn += len(g) - both
            _count_overlaps(self.span_overlap[label], sorted(p), sorted(g))
        if self.scores_attributions:
            pa = attributions(predicted_relations)
            ga = attributions(gold_relations)
            self.attributions_gold += len(ga)
            _count_matches(self.attribution_exact, pa, ga, lambda x, y: x == y)
            _count_matches(self.attribution_overlap, pa, ga, _attributions_overlap)
        if not pred and not gold_set:
            return
        toks = unit_tokens(unit)
        for label in self.labels:
            pt = _token_set(toks.starts, toks.ends, [(a, b) for a, b, lab in pred if lab == label])
            gt = _token_set(toks.starts, toks.ends, [(a, b) for a, b, lab in gold_set if lab == label])
            c = self.overlap[label]
            both = len(pt & gt)
            c.tp += both
            c.fp += len(pt) - both
            c.fn += len(gt) - both

    def total(self, kind: str, labels: Sequence[str] | None = None) -> Counts:
        """Micro-averaged counts over ``labels`` (default: all evaluated labels)."""
        table = {"exact": self.exact, "overlap": self.overlap, "span_overlap": self.span_overlap}[kind]
        out = Counts()
        for label in labels or self.labels:
            if label in table:
                out.add(table[label])
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        out = {
            "units": self.units,
            "units_with_gold_spans": self.units_with_gold_spans,
            "units_right": self.units_right,
            "units_right_share": round(self.units_right / self.units, 4) if self.units else 0.0,
            "labels": list(self.labels),
            "exact": {"overall": self.total("exact").as_dict(), **{k: v.as_dict() for k, v in self.exact.items()}},
            "token_overlap": {
                "overall": self.total("overlap").as_dict(), **{k: v.as_dict() for k, v in self.overlap.items()}
            },
            "overlap": {
                "overall": self.total("span_overlap").as_dict(),
                **{k: v.as_dict() for k, v in self.span_overlap.items()},
            },
        }
        if self.scores_attributions:
            out["attribution"] = {"exact": self.attribution_exact.as_dict(),
                                  "overlap": self.attribution_overlap.as_dict(), "gold": self.attributions_gold}
        return out

    def table(self) -> str:
        """A plain-text table for the terminal."""
        rows = [f"{'label':<10} {'exact P':>8} {'R':>7} {'F1':>7}   {'overlap P':>9} {'R':>7} {'F1':>7}   "
                f"{'token P':>8} {'R':>7} {'F1':>7}   {'gold':>6}"]
        for label in (*self.labels, "overall"):
            e = self.total("exact") if label == "overall" else self.exact[label]
            v = self.total("span_overlap") if label == "overall" else self.span_overlap[label]
            o = self.total("overlap") if label == "overall" else self.overlap[label]
            rows.append(
                f"{label:<10} {e.precision:>8.3f} {e.recall:>7.3f} {e.f1:>7.3f}   "
                f"{v.precision:>9.3f} {v.recall:>7.3f} {v.f1:>7.3f}   "
                f"{o.precision:>8.3f} {o.recall:>7.3f} {o.f1:>7.3f}   {e.tp + e.fn:>6}"
            )
        if self.scores_attributions:
            for name, c in (("attrib.", self.attribution_exact), ("attrib.~", self.attribution_overlap)):
                rows.append(f"{name:<10} {c.precision:>8.3f} {c.recall:>7.3f} {c.f1:>7.3f}   "
                            f"{'':>9} {'':>7} {'':>7}   {'':>8} {'':>7} {'':>7}   {self.attributions_gold:>6}")
            rows.append("attrib. = CUE, SOURCE and CLAIM all exact and linked; attrib.~ = all three overlapping")
        share = self.units_right / self.units if self.units else 0.0
        rows.append(f"units entirely right: {self.units_right}/{self.units} ({share:.1%})")
        return "\n".join(rows)


def _token_set(starts: list[int], ends: list[int], spans: list[tuple[int, int]]) -> set[int]:
    """Indices of the tokens that overlap any of ``spans``."""
    out: set[int] = set()
    if not spans:
        return out
    for k, (s, e) in enumerate(zip(starts, ends)):
        for a, b in spans:
            if s < b and e > a:
                out.add(k)
                break
    return out


#: The span labels of an attribution (claims layer).
ATTRIBUTION_LABELS = ("CLAIM", "CUE", "SOURCE")

#: One attribution: (CLAIM (start, end), CUEs, SOURCEs), each a sorted tuple of (start, end).
Attribution = tuple[tuple[int, int], tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


def attributions(relations: Iterable[Relation]) -> list[Attribution]:
    """The attributions a unit's relations describe: each CLAIM that a ``cue-of`` or
    ``source-of`` relation points at, with its linked CUE and SOURCE spans."""
    cues: dict[tuple[int, int], set[tuple[int, int]]] = {}
    sources: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for r in relations:
        if r.child.label != "CLAIM":
            continue
        claim = (r.child.start, r.child.end)
        if r.label == "cue-of" and r.head.label == "CUE":
            cues.setdefault(claim, set()).add((r.head.start, r.head.end))
            sources.setdefault(claim, set())
        elif r.label == "source-of" and r.head.label == "SOURCE":
            sources.setdefault(claim, set()).add((r.head.start, r.head.end))
            cues.setdefault(claim, set())
    return [(claim, tuple(sorted(cues[claim])), tuple(sorted(sources[claim]))) for claim in sorted(cues)]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _sides_overlap(xs: tuple[tuple[int, int], ...], ys: tuple[tuple[int, int], ...]) -> bool:
    """Both empty, or every span of each side overlaps some span of the other."""
    if not xs or not ys:
        return not xs and not ys
    return all(any(_overlaps(x, y) for y in ys) for x in xs) and all(any(_overlaps(x, y) for x in xs) for y in ys)


def _attributions_overlap(p: Attribution, g: Attribution) -> bool:
    return _overlaps(p[0], g[0]) and _sides_overlap(p[1], g[1]) and _sides_overlap(p[2], g[2])


def _count_matches(c: Counts, pred: Sequence[Any], gold: Sequence[Any], match: Any) -> None:
    """Citron's counting: a prediction that matches some gold item is a true positive, one
    that matches none a false positive; a gold item that no prediction matches is a false
    negative."""
    for p in pred:
        if any(match(p, g) for g in gold):
            c.tp += 1
        else:
            c.fp += 1
    for g in gold:
        if not any(match(p, g) for p in pred):
            c.fn += 1


def _count_overlaps(c: Counts, pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> None:
    """Span-level overlap counts (see the module docstring)."""
    _count_matches(c, pred, gold, _overlaps)
