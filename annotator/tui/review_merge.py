"""Merge and edit: the majority version of a unit in the labelling screen's editor
(:class:`~annotator.tui.editor.UnitEditor` and its widgets), to fix boundaries, labels and
links before it is saved as gold.

The editing keys are the labelling screen's own bindings (same ids, so a remapped key is
remapped here too); ``a``/Enter saves the result as gold, ``x`` saves the unit as rejected,
``O`` takes another version's span under the cursor, Escape clears the selection or, with
none, goes back without saving. The screen returns what to save; the review screen writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from annotator.agreement.adjudicate import SpanKey
from annotator.models import Relation, Scheme, Span
from annotator.tui.binding_order import KeepBindingOrder
from annotator.tui.editor import Mark, UnitEditor
from annotator.tui.label_screen import LabelScreen
from annotator.tui.review_session import ReviewItem
from annotator.tui.widgets.key_footer import KeyFooter
from annotator.tui.widgets.label_bar import LabelBar, label_bar_text
from annotator.tui.widgets.span_list import SpanList, span_rows
from annotator.tui.widgets.span_text import SpanText

#: The labelling screen's editing bindings that the merge editor shares (by id).
EDITING_IDS = frozenset({
    "cursor-left", "cursor-right", "select-left", "select-right", "cursor-home", "cursor-end",
    "delete-span", "next-span", "previous-span", "toggle-layer", "link", "toggle-overlay",
})


def _editing_bindings() -> list[BindingType]:
    return [b for b in LabelScreen.BINDINGS if isinstance(b, Binding) and b.id is not None
            and (b.id in EDITING_IDS or b.id.startswith("label-"))]


@dataclass
class MergeResult:
    """What the adjudicator decided in the merge editor."""

    answer: str
    spans: list[Span]
    relations: list[Relation]


class MergeScreen(KeepBindingOrder, Screen[MergeResult | None]):
    """Edit the majority version of a unit into its gold."""

    BINDINGS: list[BindingType] = [
        Binding("a,enter", "save", "Save gold", id="merge-save", priority=True),
        Binding("x", "reject", "Reject", id="merge-reject", tooltip="Save the unit's gold as rejected"),
        Binding("O", "other", "Other's span", id="merge-other",
                tooltip="Take another version's span under the cursor"),
        *_editing_bindings(),
        Binding("escape", "cancel", "Back", id="merge-cancel",
                tooltip="Clear the selection; with none, back to review without saving"),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(self, item: ReviewItem, scheme: Scheme, spans: list[Span], relations: list[Relation],
                 layer: str = "entities") -> None:
        super().__init__()
        self.item = item
        self.scheme = scheme
        tokens = item.unit.token_list()
        self.editor = UnitEditor(item.unit.text, tokens, scheme, [Mark(s) for s in spans], relations, layer=layer)
        self.votes: dict[SpanKey, list[str]] = item.comparison.votes
        self.overlay = True

    def compose(self) -> ComposeResult:
        """Header, the editable text, labels, votes, the span list, a status line, the keys."""
        yield Static(id="merge-header")
        yield SpanText(id="text")
        yield LabelBar(id="labels")
        yield Static(id="merge-votes")
        yield SpanList(id="spans")
        yield Static(id="merge-status")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        """Draw, with the cursor on the first token."""
        self.query_one(SpanText).focus()
        self.editor.message = "the majority version: fix it, then a / Enter saves it as gold"
        self._draw()

    # ------------------------------------------------------------ drawing
    def _current_span(self) -> Span | None:
        ed = self.editor
        hits = ed.marks_at(ed.cursor) if ed.tokens else []
        return hits[0].span if hits else None

    def _others(self) -> list[Span]:
        """Spans of the current layer in some version and not in the editor, by position."""
        mine = {s.key for s in self.editor.spans()}
        return [s for s in self.item.comparison.union() if s.layer == self.editor.layer and s.key not in mine]

    def _votes_text(self) -> Text:
        """Who marked the span under the cursor, and what other versions have that this lacks."""
        n = len(self.item.comparison.accepting)
        out = Text(no_wrap=True, overflow="ellipsis")
        span = self._current_span()
        if span is not None:
            who = self.votes.get(span.key, [])
            out.append(f"{span.label} “{self.editor.text[span.start:span.end]}”: ", style="bold")
            out.append(f"{len(who)} of {n} ({', '.join(who)})" if who else "added here", style="italic")
        others = self._others()
        if others:
            if out.plain:
                out.append("\n")
            out.append("others (O takes one): ", style="bold #fbc02d")
            out.append("; ".join(f"“{self.editor.text[s.start:s.end]}” {s.label} ({','.join(self.votes.get(s.key, []))})"
                                 for s in others))
        return out

    def _draw(self) -> None:
        """Redraw everything from the editor."""
        ed = self.editor
        header = Text()
        header.append(" merge ", style="bold reverse")
        header.append(f" unit {self.item.unit.id} · {ed.layer.upper()} layer · "
                      f"majority of {len(self.item.comparison.accepting)} versions")
        self.query_one("#merge-header", Static).update(header)
        self.query_one(SpanText).show(
            ed.text, ed.tokens, ed.marks, ed.relations, self.scheme, layer=ed.layer, overlay=self.overlay,
            cursor=ed.cursor if ed.tokens else None, selection=ed.selection if ed.anchor is not None else None,
            pending=ed.pending_link,
        )
        self.query_one(LabelBar).update(label_bar_text(self.scheme, ed.layer))
        self.query_one(SpanList).update(span_rows(ed.text, ed.marks, ed.relations, self.scheme, ed.layer,
                                                  self._current_span()))
        self.query_one("#merge-votes", Static).update(self._votes_text())
        self.query_one("#merge-status", Static).update(Text(ed.message, style="italic"))
        ed.message = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Link keys only in the claims layer."""
        if action in {"link", "toggle_overlay"} and self.editor.layer != "claims":
            return False
        return True

    # ------------------------------------------------------------ editing (the labelling keys)
    def action_move(self, delta: int) -> None:
        """Move the token cursor."""
        self.editor.move(delta)
        self._draw()

    def action_extend(self, delta: int) -> None:
        """Extend the selection."""
        self.editor.move(delta, extend=True)
        self._draw()

    def action_move_to(self, index: int) -> None:
        """Cursor to the first (0) or last (-1) token."""
        if self.editor.tokens:
            self.editor.move_to(index if index >= 0 else len(self.editor.tokens) - 1)
            self._draw()

    def action_label(self, key: str) -> None:
        """Label the selection with the layer's label for ``key``."""
        label = self.editor.label_for_key(key)
        if label is None:
            self.editor.message = f"no {self.editor.layer} label on key {key}"
        else:
            self.editor.label_selection(label)
        self._draw()

    def action_delete_span(self) -> None:
        """Remove the span under the cursor."""
        self.editor.delete_at_cursor()
        self._draw()

    def action_next_span(self, delta: int) -> None:
        """Jump to the next (or previous) span."""
        self.editor.jump_span(delta)
        self._draw()

    def action_toggle_layer(self) -> None:
        """Switch between the entities and the claims layer."""
        self.editor.toggle_layer()
        self.refresh_bindings()
        self._draw()

    def action_toggle_overlay(self) -> None:
        """Show or hide the entities under the claims."""
        self.overlay = not self.overlay
        self._draw()

    def action_link(self) -> None:
        """Mark a claims span; the second mark links it to the first."""
        self.editor.link()
        self._draw()

    def action_other(self) -> None:
        """Put another version's span under the cursor in (the next one on each press)."""
        ed = self.editor
        if not ed.tokens:
            return
        tok = ed.tokens[ed.cursor]
        here = [s for s in self._others() if s.start < tok.end and tok.start < s.end]
        if not here:
            ed.message = "no other version has a span here"
            self._draw()
            return
        span = here[0]
        cover = [i for i, t in enumerate(ed.tokens) if t.start < span.end and span.start < t.end]
        ed.move_to(cover[0])
        ed.move_to(cover[-1], extend=True)
        ed.label_selection(span.label)
        ed.move_to(cover[0])
        ed.message = f"took {span.label} “{ed.text[span.start:span.end]}” ({', '.join(self.votes.get(span.key, []))})"
        self._draw()

    def on_span_text_token_pressed(self, message: SpanText.TokenPressed) -> None:
        """Mouse: a click moves the cursor, a drag extends the selection."""
        self.editor.move_to(message.token, extend=message.extend)
        self._draw()

    # ------------------------------------------------------------ leaving
    def action_save(self) -> None:
        """Save the edited version as the unit's gold."""
        spans, relations = self.editor.result()
        self.dismiss(MergeResult("accept", spans, relations))

    def action_reject(self) -> None:
        """Save the unit's gold as rejected (no spans)."""
        self.dismiss(MergeResult("reject", [], []))

    def action_cancel(self) -> None:
        """Clear the selection or a half-made link; with neither, back without saving."""
        ed = self.editor
        if ed.anchor is not None or ed.pending_link is not None:
            ed.clear_selection()
            self._draw()
        else:
            self.dismiss(None)

    def action_help(self) -> None:
        """The keys of this screen."""
        from annotator.tui.review_screen import ReviewHelpScreen

        self.app.push_screen(ReviewHelpScreen(self))
