"""SpanList: the unit's spans as rows (label, text, where they came from) and their links."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from annotator.models import Relation, Scheme, Span
from annotator.tui.editor import Mark

#: Longest span text shown in a row before it is shortened with an ellipsis.
MAX_TEXT = 48


def _short(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def span_rows(
    text: str,
    marks: Sequence[Mark],
    relations: Sequence[Relation],
    scheme: Scheme,
    layer: str,
    current: Span | None = None,
) -> Text:
    """The rows of the span list as Rich text (no markup: user text cannot inject styles).

    One line per span, never wrapped: label, score, text, then where it came from; a row too
    long for the list is cut with an ellipsis at its end, so the score stays beside its label."""
    out = Text(no_wrap=True, overflow="ellipsis")
    shown = [m for m in marks if m.span.layer == layer]
    if not shown:
        out.append(f"no {'entity' if layer == 'entities' else 'claim'} spans yet \u2014 select tokens and press a label's number", style="dim")
        return out
    for n, m in enumerate(shown):
        s = m.span
        if n:
            out.append("\n")
        is_current = current is not None and s.key == current.key
        out.append("\u25b8 " if is_current else "  ", style="bold")
        out.append(f" {s.label} ", style=f"#101010 on {scheme.color_of(s.label)}" if not m.suggested
                   else f"bold underline {scheme.color_of(s.label)}")
        out.append(" ")
        if m.suggested:
            out.append(f"{s.score:.2f}? " if s.score is not None else "? ", style="dim italic")
        else:
            out.append("\u2713 ", style="dim")
        out.append(_short(text[s.start:s.end]), style="bold" if is_current else "")
        if m.suggested or s.source:
            out.append(f"  {s.source or 'suggested'}", style="dim italic" if m.suggested else "dim")
        for r in relations:
            if (r.child.start, r.child.end, r.child.label) == (s.start, s.end, s.label):
                out.append(f"\n      \u2190 {r.label}: ", style="dim")
                out.append(_short(text[r.head.start:r.head.end], 32), style=scheme.color_of(r.head.label))
    return out


class SpanList(Static):
    """The list of the current layer's spans under the text."""

    def show(
        self,
        text: str,
        marks: Sequence[Mark],
        relations: Sequence[Relation],
        scheme: Scheme,
        layer: str,
        current: Span | None = None,
    ) -> None:
        """Redraw the rows."""
        self.update(span_rows(text, marks, relations, scheme, layer, current))
