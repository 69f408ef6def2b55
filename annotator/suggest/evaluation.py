"""Score suggestions against gold: precision, recall and F1 per label, exact and token-overlap.

- **exact**: a predicted span counts when a gold span has the same start, end and label.
- **token-overlap** (token-wise, as PolNeAR's agreement is reported): the tokens a label
  covers in the prediction against the tokens it covers in the gold, per unit.
- **units right**: the share of units whose predicted spans (of the evaluated labels) are
  exactly the gold spans — the units that need a single keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.metrics import PRF
from annotator.models import Span, Unit
from annotator.suggest.text import unit_tokens


#: The P/R/F1 counter (shared with training's scores).
Counts = PRF


@dataclass
class Report:
    """Accumulated scores over many units."""

    labels: tuple[str, ...]
    exact: dict[str, Counts] = field(default_factory=dict)
    overlap: dict[str, Counts] = field(default_factory=dict)
    units: int = 0
    units_right: int = 0
    units_with_gold_spans: int = 0

    def __post_init__(self) -> None:
        """Start every evaluated label at zero."""
        for label in self.labels:
            self.exact.setdefault(label, Counts())
            self.overlap.setdefault(label, Counts())

    def add_unit(self, unit: Unit, predicted: Iterable[Span], gold: Iterable[Span]) -> None:
        """Score one unit's predicted spans against its gold spans."""
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
        table = self.exact if kind == "exact" else self.overlap
        out = Counts()
        for label in labels or self.labels:
            if label in table:
                out.add(table[label])
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "units": self.units,
            "units_with_gold_spans": self.units_with_gold_spans,
            "units_right": self.units_right,
            "units_right_share": round(self.units_right / self.units, 4) if self.units else 0.0,
            "labels": list(self.labels),
            "exact": {"overall": self.total("exact").as_dict(), **{k: v.as_dict() for k, v in self.exact.items()}},
            "token_overlap": {
                "overall": self.total("overlap").as_dict(), **{k: v.as_dict() for k, v in self.overlap.items()}
            },
        }

    def table(self) -> str:
        """A plain-text table for the terminal."""
        rows = [f"{'label':<10} {'exact P':>8} {'R':>7} {'F1':>7}   {'token P':>8} {'R':>7} {'F1':>7}   {'gold':>6}"]
        for label in (*self.labels, "overall"):
            e = self.total("exact") if label == "overall" else self.exact[label]
            o = self.total("overlap") if label == "overall" else self.overlap[label]
            rows.append(
                f"{label:<10} {e.precision:>8.3f} {e.recall:>7.3f} {e.f1:>7.3f}   "
                f"{o.precision:>8.3f} {o.recall:>7.3f} {o.f1:>7.3f}   {e.tp + e.fn:>6}"
            )
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
