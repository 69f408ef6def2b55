"""Per-label scores of predicted spans against truth: exact and token-overlap P/R/F1.

- **exact**: a predicted span counts when a true span has the same tokens, label and layer.
- **token-overlap**: per unit, the tokens a label covers in the prediction against the
  tokens it covers in the truth (token-wise, as PolNeAR reports agreement).

The same definitions as ``annotator evaluate`` (``annotator.suggest.evaluation``), computed
on token indices so that they need no re-tokenising.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from annotator.metrics import PRF as _PRF


class PRF(_PRF):
    """The shared P/R/F1 counter, reported with short keys (``p``, ``r``, ``f1``)."""

    def as_dict(self, short: bool = True) -> dict[str, float | int]:
        return super().as_dict(short=short)


TokenSpan = tuple[int, int, str, str]  # token start, token end (exclusive), label, layer


@dataclass
class Scores:
    """Exact and token-overlap counts per (layer, label)."""

    exact: dict[tuple[str, str], PRF] = field(default_factory=dict)
    overlap: dict[tuple[str, str], PRF] = field(default_factory=dict)
    units: int = 0

    def add(self, predicted: Iterable[TokenSpan], truth: Iterable[TokenSpan]) -> None:
        """Score one unit's predicted spans against its true spans."""
        self.units += 1
        pred, gold = set(predicted), set(truth)
        for key in {(s[3], s[2]) for s in pred | gold}:
            p = {s for s in pred if (s[3], s[2]) == key}
            g = {s for s in gold if (s[3], s[2]) == key}
            self.exact.setdefault(key, PRF()).add(PRF(len(p & g), len(p - g), len(g - p)))
            pt = {i for s in p for i in range(s[0], s[1])}
            gt = {i for s in g for i in range(s[0], s[1])}
            self.overlap.setdefault(key, PRF()).add(PRF(len(pt & gt), len(pt - gt), len(gt - pt)))

    def labels(self) -> list[tuple[str, str]]:
        """Every (layer, label) seen, sorted."""
        return sorted(self.exact)

    def total(self, kind: str = "exact", layer: str | None = None, labels: Iterable[str] | None = None) -> PRF:
        """Micro-averaged counts over a layer (or all) and optionally some labels."""
        table = self.exact if kind == "exact" else self.overlap
        wanted = set(labels) if labels is not None else None
        out = PRF()
        for (lay, lab), c in table.items():
            if (layer is None or lay == layer) and (wanted is None or lab in wanted):
                out.add(c)
        return out

    def main(self, content_labels: Iterable[str] = ("CLAIM",)) -> float:
        """One number to pick the best epoch by: the mean of entity exact F1 and, for claims,
        the mean of CUE/SOURCE exact F1 and CLAIM token-overlap F1 (layers present only)."""
        parts: list[float] = []
        content = set(content_labels)
        if any(lay == "entities" for lay, _ in self.exact):
            parts.append(self.total("exact", "entities").f1)
        claim_labels = {lab for lay, lab in self.exact if lay == "claims"}
        if claim_labels - content:
            parts.append(self.total("exact", "claims", claim_labels - content).f1)
        if claim_labels & content:
            parts.append(self.total("overlap", "claims", claim_labels & content).f1)
        return sum(parts) / len(parts) if parts else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Per-label exact and overlap measures, by layer."""
        out: dict[str, Any] = {}
        for lay, lab in self.labels():
            out.setdefault(lay, {})[lab] = {
                "exact": self.exact[(lay, lab)].as_dict(), "overlap": self.overlap[(lay, lab)].as_dict(),
            }
        out["main"] = round(self.main(), 4)
        out["units"] = self.units
        return out

    def table(self) -> str:
        """A plain-text table: label, exact P/R/F1, token-overlap F1, support."""
        lines = [f"{'layer':<9} {'label':<12} {'P':>6} {'R':>6} {'F1':>6} {'tokF1':>6} {'n':>6}"]
        for lay, lab in self.labels():
            e, o = self.exact[(lay, lab)], self.overlap[(lay, lab)]
            lines.append(f"{lay:<9} {lab:<12} {e.precision:6.3f} {e.recall:6.3f} {e.f1:6.3f} {o.f1:6.3f} {e.tp + e.fn:6d}")
        for lay in sorted({lay for lay, _ in self.exact}):
            e, o = self.total("exact", lay), self.total("overlap", lay)
            lines.append(f"{lay:<9} {'(all)':<12} {e.precision:6.3f} {e.recall:6.3f} {e.f1:6.3f} {o.f1:6.3f} {e.tp + e.fn:6d}")
        return "\n".join(lines)
