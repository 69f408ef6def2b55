"""The editing state of one unit on screen: spans, token cursor, selection, layer, links.

Pure Python (no Textual) so that it is fast and unit-testable; the widgets only draw it.

Rules (what a Prodigy/INCEpTION user expects):
- the cursor is a token index; a selection runs from an anchor to the cursor (inclusive);
- labelling in the ``entities`` layer replaces every entity that overlaps the selection
  (entities never overlap); in the ``claims`` layer spans may overlap, and labelling the exact
  range of an existing claims span relabels it;
- a new SOURCE or CUE is linked to the unit's CLAIM automatically when there is exactly one
  CLAIM without such a link (and a new CLAIM to the one unlinked SOURCE/CUE); ``link`` makes or
  removes any other link by marking two spans in turn;
- deleting a span drops the relations that point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.models import Relation, Scheme, Span, SpanRef, Token
from annotator.tokens import covering_tokens

LAYERS: tuple[str, str] = ("entities", "claims")


@dataclass(frozen=True)
class Mark:
    """A span on screen and whether it is still only a suggestion."""

    span: Span
    suggested: bool = False


def _same_ref(span: Span, ref: SpanRef) -> bool:
    """Whether ``ref`` points at ``span``."""
    return span.start == ref.start and span.end == ref.end and span.label == ref.label


def clean_marks(text: str, marks: Sequence[Mark]) -> list[Mark]:
    """Drop marks past the text or duplicated, and overlapping entities (first kept)."""
    out: list[Mark] = []
    seen: set[tuple[int, int, str, str]] = set()
    taken: list[tuple[int, int]] = []
    for m in sorted(marks, key=lambda m: (m.suggested, -(m.span.score or 0.0), m.span.start)):
        s = m.span
        if s.end > len(text) or s.key in seen:
            continue
        if s.layer == "entities":
            if any(s.start < e and b < s.end for b, e in taken):
                continue
            taken.append((s.start, s.end))
        seen.add(s.key)
        out.append(m)
    out.sort(key=lambda m: (m.span.start, m.span.end, m.span.layer, m.span.label))
    return out


class UnitEditor:
    """Spans, relations, cursor and selection for the unit being labelled."""

    def __init__(
        self,
        text: str,
        tokens: Sequence[Token],
        scheme: Scheme,
        marks: Sequence[Mark] = (),
        relations: Sequence[Relation] = (),
        layer: str = "entities",
    ) -> None:
        self.text = text
        self.tokens = list(tokens)
        self.scheme = scheme
        self.marks: list[Mark] = clean_marks(text, marks)
        refs = {m.span.ref for m in self.marks}
        self.relations: list[Relation] = [r for r in relations if r.head in refs and r.child in refs]
        self.layer = layer if layer in LAYERS else "entities"
        self.cursor = 0
        self.anchor: int | None = None
        self.pending_link: Span | None = None
        self.version = 0
        self.message = ""

    # ------------------------------------------------------------------ cursor and selection
    def _changed(self) -> None:
        """Bump the version the renderers cache on."""
        self.version += 1

    @property
    def selection(self) -> tuple[int, int] | None:
        """Inclusive token range selected (the cursor token alone when nothing is extended)."""
        if not self.tokens:
            return None
        if self.anchor is None:
            return self.cursor, self.cursor
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def move(self, delta: int, extend: bool = False) -> None:
        """Move the cursor ``delta`` tokens; ``extend`` grows the selection instead of clearing it."""
        if not self.tokens:
            return
        self.move_to(self.cursor + delta, extend)

    def move_to(self, index: int, extend: bool = False) -> None:
        """Put the cursor on token ``index`` (clamped)."""
        if not self.tokens:
            return
        index = max(0, min(len(self.tokens) - 1, index))
        if extend:
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = None
        self.cursor = index
        self._changed()

    def clear_selection(self) -> None:
        """Forget the selection and any half-made link."""
        self.anchor = None
        self.pending_link = None
        self._changed()

    # ------------------------------------------------------------------ spans
    def spans(self, layer: str | None = None) -> list[Span]:
        """Spans on screen (both suggested and confirmed), optionally of one layer."""
        return [m.span for m in self.marks if layer is None or m.span.layer == layer]

    def label_for_key(self, key: str) -> str | None:
        """The label of the current layer bound to digit ``key`` (by hotkey, else by position)."""
        labels = self.scheme.labels(self.layer)
        for lab in labels:
            if lab.hotkey == key:
                return lab.name
        if key.isdigit():
            index = (int(key) - 1) % 10
            if index < len(labels):
                return labels[index].name
        return None

    def _token_span(self, i: int, j: int, label: str) -> Span:
        """A span covering tokens ``i``..``j`` in the current layer."""
        return Span(
            start=self.tokens[i].start, end=self.tokens[j].end, label=label, layer=self.layer,  # type: ignore[arg-type]
            token_start=i, token_end=j,
        )

    def _remove(self, doomed: Sequence[Mark]) -> None:
        """Remove marks and the relations that point at them."""
        gone = {m.span.key for m in doomed}
        refs = [m.span for m in doomed]
        self.marks = [m for m in self.marks if m.span.key not in gone]
        self.relations = [
            r for r in self.relations
            if not any(_same_ref(s, r.head) or _same_ref(s, r.child) for s in refs)
        ]
        if self.pending_link is not None and self.pending_link.key in gone:
            self.pending_link = None

    def label_selection(self, label: str) -> Span | None:
        """Label the selected tokens with ``label`` in the current layer; returns the new span."""
        sel = self.selection
        if sel is None:
            return None
        if label not in self.scheme.label_names(self.layer):
            self.message = f"{label} is not a {self.layer} label"
            return None
        span = self._token_span(*sel, label)
        same = [m for m in self.marks if m.span.key == span.key]
        if same:  # confirming a suggestion keeps where it came from
            span = same[0].span
        if self.layer == "entities":
            doomed = [
                m for m in self.marks
                if m.span.layer == "entities" and m.span.start < span.end and span.start < m.span.end
            ]
        else:
            doomed = [
                m for m in self.marks
                if m.span.layer == "claims" and m.span.start == span.start and m.span.end == span.end
            ]
        kept_rel = list(self.relations)
        self._remove(doomed)
        self.marks.append(Mark(span, suggested=False))
        self.marks.sort(key=lambda m: (m.span.start, m.span.end, m.span.layer, m.span.label))
        refs = {m.span.ref for m in self.marks}
        self.relations = [r for r in kept_rel if r.head in refs and r.child in refs]
        self.anchor = None
        if self.layer == "claims":
            self._auto_link(span)
        self.message = f"{label}: {self.text[span.start:span.end]}"
        self._changed()
        return span

    def marks_at(self, token: int, layer: str | None = None) -> list[Mark]:
        """Marks of ``layer`` (default: current) covering token ``token``, shortest first."""
        if not self.tokens:
            return []
        layer = layer or self.layer
        t = self.tokens[token]
        hits = [m for m in self.marks if m.span.layer == layer and m.span.start < t.end and t.start < m.span.end]
        return sorted(hits, key=lambda m: (m.span.end - m.span.start, m.span.start))

    def delete_at_cursor(self) -> Span | None:
        """Remove the (shortest) span of the current layer under the cursor."""
        hits = self.marks_at(self.cursor) if self.tokens else []
        if not hits:
            self.message = "no span under the cursor"
            return None
        self._remove([hits[0]])
        self.message = f"removed {hits[0].span.label}"
        self._changed()
        return hits[0].span

    def jump_span(self, delta: int = 1) -> Span | None:
        """Move the cursor to the first token of the next (``delta`` > 0) or previous span."""
        spans = self.spans(self.layer)
        if not spans or not self.tokens:
            return None
        starts = sorted({self._first_token(s) for s in spans})
        if delta > 0:
            after = [i for i in starts if i > self.cursor]
            target = after[0] if after else starts[0]
        else:
            before = [i for i in starts if i < self.cursor]
            target = before[-1] if before else starts[-1]
        self.move_to(target)
        hits = self.marks_at(target)
        return hits[0].span if hits else None

    def _first_token(self, span: Span) -> int:
        """The first token a span touches."""
        if span.token_start is not None and span.token_start < len(self.tokens):
            return span.token_start
        cover = covering_tokens(self.tokens, span.start, span.end)
        return cover[0] if cover else 0

    def confirm_all(self) -> None:
        """Make every suggested span on screen a confirmed one (as accepting does)."""
        self.marks = [m if not m.suggested else Mark(m.span, suggested=False) for m in self.marks]
        self._changed()

    def toggle_layer(self) -> str:
        """Switch between the entities and claims layers."""
        self.layer = "claims" if self.layer == "entities" else "entities"
        self.anchor = None
        self.pending_link = None
        self._changed()
        return self.layer

    # ------------------------------------------------------------------ relations
    def relation_label(self, a: Span, b: Span) -> tuple[str, Span, Span] | None:
        """The scheme's relation between two spans as (label, head, child), either order."""
        for rel in self.scheme.relations:
            if a.label == rel.head and b.label == rel.child:
                return rel.name, a, b
            if b.label == rel.head and a.label == rel.child:
                return rel.name, b, a
        return None

    def _auto_link(self, span: Span) -> None:
        """Link a new claims span to its only possible unlinked partner."""
        for rel in self.scheme.relations:
            if span.label == rel.head:
                partners = [s for s in self.spans("claims") if s.label == rel.child]
                linked = {r.child for r in self.relations if r.label == rel.name}
                if len(partners) == 1 and partners[0].ref not in linked:
                    self.relations.append(Relation(head=span.ref, child=partners[0].ref, label=rel.name))
            elif span.label == rel.child:
                partners = [s for s in self.spans("claims") if s.label == rel.head]
                linked = {r.head for r in self.relations if r.label == rel.name}
                free = [p for p in partners if p.ref not in linked]
                if len(free) == 1 and not any(
                    r.label == rel.name and r.child == span.ref for r in self.relations
                ):
                    self.relations.append(Relation(head=free[0].ref, child=span.ref, label=rel.name))

    def link(self) -> Relation | None:
        """Mark the span under the cursor; the second mark links (or unlinks) the two spans."""
        hits = self.marks_at(self.cursor, "claims") if self.tokens else []
        if not hits:
            self.message = "no claims span under the cursor to link"
            self._changed()
            return None
        here = hits[0].span
        if self.pending_link is None or self.pending_link.key == here.key:
            self.pending_link = None if self.pending_link is not None else here
            self.message = (
                f"link {here.label} \u2192 move to its partner and press link again"
                if self.pending_link else "link cancelled"
            )
            self._changed()
            return None
        found = self.relation_label(self.pending_link, here)
        self.pending_link = None
        if found is None:
            self.message = "those two spans cannot be linked in this scheme"
            self._changed()
            return None
        name, head, child = found
        rel = Relation(head=head.ref, child=child.ref, label=name)
        if rel.key in {r.key for r in self.relations}:
            self.relations = [r for r in self.relations if r.key != rel.key]
            self.message = f"unlinked {head.label} {name} {child.label}"
        else:
            self.relations.append(rel)
            self.message = f"linked {head.label} {name} {child.label}"
        self._changed()
        return rel

    # ------------------------------------------------------------------ result
    def result(self) -> tuple[list[Span], list[Relation]]:
        """The spans and relations to save, token indices filled in."""
        out: list[Span] = []
        for m in self.marks:
            s = m.span
            if (s.token_start is None or s.token_end is None) and self.tokens:
                cover = covering_tokens(self.tokens, s.start, s.end)
                if cover:
                    s = s.model_copy(update={"token_start": cover[0], "token_end": cover[1]})
            out.append(s)
        return out, list(self.relations)
