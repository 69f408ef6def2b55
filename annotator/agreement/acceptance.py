"""Do the suggestions help? Each suggested span against the decision an annotator made on its
unit: accepted as it was (the same offsets and label in the decision), changed (a span of the
decision overlaps it, with other offsets or another label), or deleted (nothing overlaps it;
a rejected unit deletes every suggestion). Per suggester and label, and the time per unit
with and without edits (a decision is "as suggested" when its spans of the suggested layers
equal the suggestions')."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

SpanKey = tuple[int, int, str, str]  # start, end, label, layer

OUTCOMES = ("accepted", "changed", "deleted")


def classify(suggested: Iterable[SpanKey], decided: Iterable[SpanKey], answer: str) -> list[tuple[SpanKey, str]]:
    """Each suggested span with its outcome in the decision (see the module docstring)."""
    mine = set(decided) if answer == "accept" else set()
    out: list[tuple[SpanKey, str]] = []
    for span in suggested:
        s, e, _, layer = span
        if span in mine:
            out.append((span, "accepted"))
        elif any(d[3] == layer and d[0] < e and s < d[1] for d in mine):
            out.append((span, "changed"))
        else:
            out.append((span, "deleted"))
    return out


@dataclass
class Acceptance:
    """Outcomes of suggested spans per suggester and label, and seconds per decision with and
    without edits."""

    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # suggester -> label -> outcome
    seconds_as_suggested: list[float] = field(default_factory=list)
    seconds_edited: list[float] = field(default_factory=list)
    seconds_without_suggestions: list[float] = field(default_factory=list)

    def add(self, suggester: str, suggested: list[SpanKey], decided: list[SpanKey], answer: str) -> None:
        """One decision on a unit that ``suggester`` made ``suggested`` spans for."""
        per = self.counts.setdefault(suggester, {})
        for (_, _, label, _), outcome in classify(suggested, decided, answer):
            row = per.setdefault(label, dict.fromkeys(OUTCOMES, 0))
            row[outcome] += 1

    def add_time(self, seconds: float | None, suggested: list[SpanKey] | None, decided: list[SpanKey],
                 answer: str) -> None:
        """The time a decision took, filed by whether it kept the suggestions as they were."""
        if seconds is None:
            return
        if suggested is None:
            self.seconds_without_suggestions.append(seconds)
        elif answer == "accept" and set(suggested) == set(decided):
            self.seconds_as_suggested.append(seconds)
        else:
            self.seconds_edited.append(seconds)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form with shares per suggester and label."""
        def med(xs: list[float]) -> float | None:
            return round(statistics.median(xs), 3) if xs else None

        out: dict[str, object] = {}
        for sug, per in sorted(self.counts.items()):
            rows = {}
            for label, c in sorted(per.items()):
                n = sum(c.values())
                rows[label] = {**c, "spans": n, "accepted_share": round(c["accepted"] / n, 6) if n else None}
            out[sug] = rows
        return {"per_suggester": out,
                "seconds_per_unit": {"as_suggested": med(self.seconds_as_suggested),
                                     "edited": med(self.seconds_edited),
                                     "without_suggestions": med(self.seconds_without_suggestions),
                                     "decisions": {"as_suggested": len(self.seconds_as_suggested),
                                                   "edited": len(self.seconds_edited),
                                                   "without_suggestions": len(self.seconds_without_suggestions)}}}
