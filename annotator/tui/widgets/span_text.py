"""SpanText: a unit's text with its spans highlighted, drawn line by line (Textual line API).

One widget for the whole sentence, never a widget per token: :func:`layout_text` wraps the
tokens into lines once per change and :meth:`SpanText.render_line` hands out cached strips.
Reusable by other screens (the review screen): call :meth:`SpanText.show` with the text,
tokens, spans (as :class:`~annotator.tui.editor.Mark`) and relations; pass ``cursor=None``
for a read-only view.

How spans look: confirmed spans have their label colour as background and a bold tag
(``PERSON``) after them; suggested spans have coloured, underlined text and an italic tag
with a question mark (``PERSON?``). In the claims layer a CLAIM's tag carries a number
(``CLAIM#1``) and its linked SOURCE/CUE point at it (``SOURCE→1``); the entities can be shown
under the claims, underlined with a lower-case tag (``overlay``, key v). Offsets are code points; cell widths
come from Rich, so CJK, emoji and combining marks line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from annotator.models import Relation, Scheme, Span, Token
from annotator.tokens import covering_tokens
from annotator.tui.editor import Mark

_INK = "#101010"
_WS = str.maketrans({"\n": " ", "\t": " ", "\r": " ", "\u2028": " ", "\u2029": " "})


@dataclass
class Atom:
    """A run of text on one line: a token, the gap before a token, or a span tag."""

    text: str
    start: int  # code-point offset of the first character (-1 for tags)
    token: int | None = None
    tag_style: Style | None = None

    @property
    def width(self) -> int:
        return cell_len(self.text)


@dataclass
class Line:
    """One display line: its atoms and, for hit-testing, the cells each token occupies."""

    atoms: list[Atom]
    hits: list[tuple[int, int, int]]  # (x0, x1 exclusive, token index)


def span_tags(
    marks: Sequence[Mark], relations: Sequence[Relation], layer: str, scheme: Scheme
) -> dict[tuple[int, int, str], str]:
    """Tag text per span key of ``layer``: the label, numbered/pointed for linked claims."""
    tags: dict[tuple[int, int, str], str] = {}
    claims = [m.span for m in marks if m.span.layer == layer and m.span.label == "CLAIM"]
    numbers = {(s.start, s.end, s.label): n for n, s in enumerate(claims, 1)}
    for m in marks:
        s = m.span
        if s.layer != layer:
            continue
        key = (s.start, s.end, s.label)
        text = s.label
        if key in numbers and layer == "claims":
            text += f"#{numbers[key]}"
        else:
            targets = sorted(
                numbers[(r.child.start, r.child.end, r.child.label)]
                for r in relations
                if (r.head.start, r.head.end, r.head.label) == key
                and (r.child.start, r.child.end, r.child.label) in numbers
            )
            if targets:
                text += "\u2192" + ",".join(map(str, targets))
        tags[key] = text + ("?" if m.suggested else "")
    return tags


def char_styles(
    text: str, marks: Sequence[Mark], layer: str, scheme: Scheme, overlay: bool
) -> list[Style | None]:
    """The style of every code point from the spans (shorter spans drawn over longer ones).

    In the claims layer with ``overlay``, entities stay visible inside claims: their text is
    underlined over the claim's colours (and in their own colour outside any claim)."""
    styles: list[Style | None] = [None] * len(text)
    shown = [m for m in marks if m.span.layer == layer]
    under = [m for m in marks if m.span.layer != layer] if overlay and layer == "claims" else []
    for m in sorted(shown, key=lambda m: -(m.span.end - m.span.start)):
        color = scheme.color_of(m.span.label)
        st = (
            Style(color=color, underline=True, bold=True) if m.suggested
            else Style(color=_INK, bgcolor=color)
        )
        for i in range(m.span.start, min(m.span.end, len(text))):
            styles[i] = st
    for m in under:
        own = Style(color=scheme.color_of(m.span.label), underline=True)
        for i in range(m.span.start, min(m.span.end, len(text))):
            here = styles[i]
            styles[i] = own if here is None else here + Style(underline=True, italic=True)
    return styles


def layout_text(
    text: str,
    tokens: Sequence[Token],
    tags_after: dict[int, list[tuple[str, Style]]],
    width: int,
) -> list[Line]:
    """Wrap tokens (with the tags that follow them) into lines of at most ``width`` cells.

    Lines break only at whitespace: tokens written without a space between them ("(",
    "Reuters", ")" or "said", ".") stay on one line with their tags, so that punctuation never
    starts a line. Only a word wider than the whole line is split."""
    width = max(4, width)
    words: list[tuple[Atom | None, list[Atom]]] = []  # (gap before, atoms that stay together)
    prev = 0
    for i, tok in enumerate(tokens):
        gap = text[prev:tok.start].translate(_WS)
        atoms = [Atom(text[tok.start:tok.end].translate(_WS), tok.start, token=i)]
        for tag, st in tags_after.get(i, []):
            atoms.append(Atom(" " + tag, -1, tag_style=st))
        if words and not (gap and gap.isspace()):  # glued to the token before: one word
            if gap:
                words[-1][1].append(Atom(gap, prev))
            words[-1][1].extend(atoms)
        else:
            words.append((Atom(" " if len(gap) > 1 else gap, prev) if gap else None, atoms))
        prev = tok.end
    lines: list[Line] = [Line([], [])]
    x = 0
    for gap, atoms in words:
        w = sum(a.width for a in atoms)
        line = lines[-1]
        if line.atoms and gap is not None and x + gap.width + w > width:
            lines.append(Line([], []))
            line, x = lines[-1], 0
            gap = None
        if gap is not None and line.atoms:
            line.atoms.append(gap)
            x += gap.width
        for atom in atoms:
            if atom.width > width:  # a very long token: split it across lines
                for k, ch in enumerate(atom.text):
                    cw = cell_len(ch)
                    if x + cw > width and line.atoms:
                        lines.append(Line([], []))
                        line, x = lines[-1], 0
                    piece = Atom(ch, atom.start + k if atom.start >= 0 else -1, atom.token, atom.tag_style)
                    line.atoms.append(piece)
                    if piece.token is not None:
                        line.hits.append((x, x + cw, piece.token))
                    x += cw
                continue
            if x + atom.width > width and line.atoms:
                lines.append(Line([], []))
                line, x = lines[-1], 0
            line.atoms.append(atom)
            if atom.token is not None:
                line.hits.append((x, x + atom.width, atom.token))
            x += atom.width
    return lines


class SpanText(Widget, can_focus=True):
    """A unit's text with spans by label colour, a token cursor and a selection."""

    DEFAULT_CSS = """
    SpanText { height: auto; min-height: 1; }
    """

    class TokenPressed(Message):
        """The mouse pressed (``extend=False``) or dragged over (``extend=True``) a token."""

        def __init__(self, token: int, extend: bool) -> None:
            self.token = token
            self.extend = extend
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.text = ""
        self.tokens: list[Token] = []
        self.marks: list[Mark] = []
        self.relations: list[Relation] = []
        self.scheme: Scheme | None = None
        self.span_layer = "entities"
        self.overlay = True
        self.cursor: int | None = None
        self.selection: tuple[int, int] | None = None
        self.pending: Span | None = None
        self._styles: list[Style | None] = []
        self._tags: dict[int, list[tuple[str, Style]]] = {}
        self._lines: list[Line] = []
        self._lines_width = -1
        self._strips: dict[int, Strip] = {}
        self._dragging = False

    # ------------------------------------------------------------------ state
    def show(
        self,
        text: str,
        tokens: Sequence[Token],
        marks: Sequence[Mark],
        relations: Sequence[Relation],
        scheme: Scheme,
        *,
        layer: str = "entities",
        overlay: bool = True,
        cursor: int | None = None,
        selection: tuple[int, int] | None = None,
        pending: Span | None = None,
    ) -> None:
        """Draw this text and spans; ``cursor``/``selection`` are token indices (or None)."""
        old_height = len(self._lines)
        self.text, self.tokens = text, list(tokens)
        self.marks, self.relations = list(marks), list(relations)
        self.scheme, self.span_layer, self.overlay = scheme, layer, overlay
        self.cursor, self.selection, self.pending = cursor, selection, pending
        self._styles = char_styles(text, self.marks, layer, scheme, overlay)
        self._tags = self._tag_positions()
        self._lines_width = -1
        self._strips.clear()
        width = self.size.width
        if width > 0:
            self._ensure_layout(width)
            self.refresh(layout=len(self._lines) != old_height)
        else:
            self.refresh(layout=True)

    def notify_style_update(self) -> None:
        """A new theme or style: the cached lines carry the old colours."""
        super().notify_style_update()
        self._strips.clear()

    def move_cursor(self, cursor: int | None, selection: tuple[int, int] | None, pending: Span | None = None) -> None:
        """Redraw only the cursor and selection (spans unchanged)."""
        self.cursor, self.selection, self.pending = cursor, selection, pending
        self._strips.clear()
        self.refresh()

    def _tag_positions(self) -> dict[int, list[tuple[str, Style]]]:
        """Tags keyed by the index of the last token of their span."""
        assert self.scheme is not None
        texts = span_tags(self.marks, self.relations, self.span_layer, self.scheme)
        out: dict[int, list[tuple[str, Style]]] = {}
        for m in self.marks:
            s = m.span
            if s.layer != self.span_layer or not self.tokens:
                continue
            cover = covering_tokens(self.tokens, s.start, s.end)
            if cover is None:
                continue
            color = self.scheme.color_of(s.label)
            st = (
                Style(color=color, italic=True) if m.suggested
                else Style(color=_INK, bgcolor=color, bold=True)
            )
            out.setdefault(cover[1], []).append((texts[(s.start, s.end, s.label)], st))
        if self.overlay and self.span_layer == "claims":  # entity tags, lower case, in their colour
            for m in self.marks:
                s = m.span
                if s.layer != "entities" or not self.tokens:
                    continue
                cover = covering_tokens(self.tokens, s.start, s.end)
                if cover is not None:
                    st = Style(color=self.scheme.color_of(s.label), italic=True)
                    out.setdefault(cover[1], []).insert(0, (s.label.lower() + ("?" if m.suggested else ""), st))
        return out

    def _ensure_layout(self, width: int) -> list[Line]:
        """The wrapped lines for ``width`` cells (cached)."""
        if width != self._lines_width:
            self._lines = layout_text(self.text, self.tokens, self._tags, width)
            self._lines_width = width
            self._strips.clear()
        return self._lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the wrapped text needs."""
        return max(1, len(self._ensure_layout(width)))

    def token_at(self, x: int, y: int) -> int | None:
        """The token drawn at content cell (x, y), or the nearest one on that line."""
        lines = self._ensure_layout(self.size.width or 80)
        if not lines:
            return None
        y = max(0, min(len(lines) - 1, y))
        hits = lines[y].hits
        if not hits:
            return None
        for x0, x1, tok in hits:
            if x < x1:
                return tok
        return hits[-1][2]

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        """One line of the wrapped text as a strip."""
        width = self.size.width
        base = self.visual_style.rich_style
        lines = self._ensure_layout(width)
        if y >= len(lines):
            return Strip.blank(width, base)
        strip = self._strips.get(y)
        if strip is None:
            strip = Strip(self._segments(lines[y], base)).adjust_cell_length(width, base)
            self._strips[y] = strip
        return strip

    def _overlay(self, token: int | None, start: int) -> Style | None:
        """Cursor / selection / pending-link style for a character of ``token``."""
        sel = self.selection
        if token is None:
            # a gap inside the selection is part of it
            if sel and sel[0] != sel[1] and self.tokens:
                if self.tokens[sel[0]].end <= start < self.tokens[sel[1]].start:
                    return Style(reverse=True)
            return None
        style: Style | None = None
        if self.pending is not None and self.pending.start <= start < self.pending.end:
            style = Style(italic=True, underline=True)
        if sel and sel[0] <= token <= sel[1]:
            style = (style or Style()) + Style(reverse=True)
        if token == self.cursor:
            style = (style or Style()) + Style(reverse=True, bold=True)
        return style

    def _segments(self, line: Line, base: Style) -> list[Segment]:
        """Segments of one line, merging characters that share a style."""
        segs: list[Segment] = []
        for atom in line.atoms:
            if atom.tag_style is not None:
                segs.append(Segment(atom.text, base + atom.tag_style))
                continue
            run_start = 0
            run_style: Style | None = None
            chars = atom.text
            for k in range(len(chars) + 1):
                if k < len(chars):
                    pos = atom.start + k
                    st = self._styles[pos] if 0 <= pos < len(self._styles) else None
                    ov = self._overlay(atom.token, pos)
                    full = base + st if st else base
                    if ov is not None:
                        full = full + ov
                else:
                    full = None
                if k == 0:
                    run_style = full
                    continue
                if full != run_style:
                    segs.append(Segment(chars[run_start:k], run_style))
                    run_start, run_style = k, full
        return segs

    # ------------------------------------------------------------------ mouse
    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Put the cursor on the clicked token and start a drag selection."""
        offset = event.get_content_offset(self)
        if offset is None or event.button != 1:
            return
        token = self.token_at(offset.x, offset.y)
        if token is None:
            return
        self._dragging = True
        self.capture_mouse()
        self.post_message(self.TokenPressed(token, extend=False))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Extend the selection while dragging."""
        if not self._dragging:
            return
        offset = event.get_content_offset_capture(self)
        token = self.token_at(offset.x, offset.y)
        if token is not None and token != self.cursor:
            self.post_message(self.TokenPressed(token, extend=True))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """End a drag."""
        if self._dragging:
            self._dragging = False
            self.capture_mouse(False)
