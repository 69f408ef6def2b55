"""The labelling screen: one unit, its context, spans, labels, progress and the keys.

Every binding has a stable ``id`` so that users can remap it (see :mod:`annotator.config`).
Decisions go through :class:`~annotator.tui.session.LabelSession`, which commits them to the
database before the next unit is loaded.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from annotator.models import LABEL_KEYS, Span
from annotator.tui.editor import UnitEditor
from annotator.tui.session import LabelSession, QueueFilter, UnitView
from annotator.tui.widgets.label_bar import LabelBar, label_bar_text
from annotator.tui.widgets.span_list import SpanList, span_rows
from annotator.tui.widgets.span_text import SpanText
from annotator.tui.widgets.status_bar import StatusBar, progress_text, status_text

#: Actions that only make sense while a unit is on screen.
_UNIT_ACTIONS = frozenset({
    "accept", "reject", "ignore", "move", "extend", "label", "delete_span", "next_span",
    "link", "clear",
})


def _label_bindings() -> list[BindingType]:
    """``1``..``9``, ``0`` and the scheme letters: label the selection with the layer's labels."""
    return [
        Binding(d, f"label('{d}')", f"Label {d}", show=False, id=f"label-{d}")
        for d in LABEL_KEYS
    ]


class LabelScreen(Screen[None]):
    """Label one unit at a time."""

    BINDINGS = [
        Binding("a,enter", "accept", "Accept", id="accept", tooltip="Accept the unit as shown"),
        Binding("x", "reject", "Reject", id="reject", tooltip="The unit is unusable"),
        Binding("space", "ignore", "Skip", id="ignore", tooltip="Ignore / skip this unit"),
        Binding("backspace", "undo", "Undo", id="undo", tooltip="Revert the previous decision"),
        Binding("left", "move(-1)", "Cursor left", show=False, id="cursor-left"),
        Binding("right", "move(1)", "Cursor right", show=False, id="cursor-right"),
        Binding("shift+left", "extend(-1)", "Extend selection left", show=False, id="select-left"),
        Binding("shift+right", "extend(1)", "Extend selection right", show=False, id="select-right"),
        Binding("home", "move_to(0)", "First token", show=False, id="cursor-home"),
        Binding("end", "move_to(-1)", "Last token", show=False, id="cursor-end"),
        *_label_bindings(),
        Binding("delete", "delete_span", "Delete span", show=False, id="delete-span", tooltip="Remove the span under the cursor"),
        Binding("tab", "next_span(1)", "Next span", show=False, id="next-span", priority=True),
        Binding("shift+tab", "next_span(-1)", "Previous span", show=False, id="previous-span", priority=True),
        Binding("c", "toggle_layer", "Layer", id="toggle-layer", tooltip="Switch between the entities and the claims layer"),
        Binding("l", "link", "Link", id="link", tooltip="Link a CLAIM with its SOURCE or CUE"),
        Binding("v", "toggle_overlay", "Entities under claims", show=False, id="toggle-overlay"),
        Binding("escape", "clear", "Clear selection", show=False, id="clear-selection"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, session: LabelSession) -> None:
        super().__init__()
        self.session = session
        self.editor: UnitEditor | None = None
        self.overlay = True
        self.active_layer = "entities"
        self._was_empty = False
        self._shown: dict[str, object] = {}

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        """Header, context and text on the left; spans on the right when wide."""
        yield Static(id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Static(id="title")
                yield Static(id="before", classes="context")
                yield SpanText(id="text")
                yield Static(id="after", classes="context")
                yield LabelBar(id="labels")
            yield SpanList(id="spans")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the first unit of the queue (resuming where this annotator stopped)."""
        self.query_one(SpanText).focus()
        self._load(self.session.start())
        self.call_after_refresh(self.count_progress)

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def count_progress(self) -> None:
        """Count done / total off the UI thread (a full count is slow on a million units)."""
        done, total, epoch = self.session.count_progress()
        self.app.call_from_thread(self._progress_counted, done, total, epoch)

    def _progress_counted(self, done: int, total: int, epoch: int) -> None:
        """Adopt the counts, or count again if a decision raced the count."""
        if self.session.set_progress(done, total, epoch):
            self._draw_status()
        else:
            self.count_progress()

    def on_resize(self) -> None:
        """Put the span list beside the text when there is room."""
        self.set_class(self.size.width >= 130, "-wide")

    # ------------------------------------------------------------------ drawing
    def _load(self, view: UnitView | None) -> None:
        """Make ``view`` the unit being edited and draw everything."""
        if view is None:
            self.editor = None
        else:
            self.editor = UnitEditor(
                view.unit.text, view.tokens, self.session.scheme, view.marks, view.relations, layer=self.active_layer,
            )
            if view.previous_answer:
                self.editor.message = f"already {view.previous_answer}ed by you"
        self._draw_all()
        if (view is None) != self._was_empty:
            self._was_empty = view is None
            self.refresh_bindings()

    def _set(self, selector: str, content: Text) -> None:
        """Update a Static only when its content changed (each update costs a relayout)."""
        if self._shown.get(selector) != content:
            self._shown[selector] = content
            self.query_one(selector, Static).update(content)

    def _draw_all(self) -> None:
        """Redraw every part of the screen from the session and editor."""
        session, ed, view = self.session, self.editor, self.session.current
        header = Text()
        header.append(" annotator ", style="bold reverse")
        header.append(f" {session.dataset.name} \u00b7 {session.annotator} \u00b7 ")
        header.append(f"{self.active_layer.upper()} layer", style="bold")
        if view is not None:
            header.append(f" \u00b7 unit {view.unit.id}", style="dim")
        if session.queue_filter:
            header.append(f" \u00b7 filter {session.queue_filter.describe()}", style="yellow")
        self._set("#header", header)
        if view is None or ed is None:
            self._set("#title", Text(""))
            self._set("#before", Text(""))
            self._set("#after", Text(""))
            done = Text("Nothing left to label in this queue. ", style="bold")
            done.append("Press q to quit, Backspace to undo the last decision, Ctrl+P for commands.")
            self._set("#labels", done)
            self.query_one(SpanText).show("", [], [], [], session.scheme)
            self._set("#spans", Text(""))
            self._draw_status()
            return
        self._set("#title", Text(view.title or "(untitled)", style="bold"))
        self._set("#before", Text(" ".join(u.text for u in view.before) or "\u2014"))
        self._set("#after", Text(" ".join(u.text for u in view.after) or "\u2014"))
        self._set("#labels", label_bar_text(session.scheme, self.active_layer))
        self._draw_text()
        self._draw_status()

    def _current_span(self) -> Span | None:
        """The span under the cursor in the current layer, if any."""
        ed = self.editor
        if ed is None or not ed.tokens:
            return None
        hits = ed.marks_at(ed.cursor)
        return hits[0].span if hits else None

    def _draw_text(self) -> None:
        """Redraw the text and the span list from the editor."""
        ed = self.editor
        if ed is None:
            return
        self.query_one(SpanText).show(
            ed.text, ed.tokens, ed.marks, ed.relations, ed.scheme, layer=ed.layer, overlay=self.overlay,
            cursor=ed.cursor if ed.tokens else None, selection=ed.selection if ed.anchor is not None else None,
            pending=ed.pending_link,
        )
        self._set("#spans", span_rows(ed.text, ed.marks, ed.relations, ed.scheme, ed.layer, self._current_span()))

    def _draw_cursor(self) -> None:
        """Redraw after a cursor move (spans unchanged): cheap."""
        ed = self.editor
        if ed is None:
            return
        self.query_one(SpanText).move_cursor(
            ed.cursor, ed.selection if ed.anchor is not None else None, ed.pending_link
        )
        self._set("#spans", span_rows(ed.text, ed.marks, ed.relations, ed.scheme, ed.layer, self._current_span()))

    def _draw_status(self) -> None:
        """Redraw progress and the latest message."""
        s = self.session
        message = (self.editor.message if self.editor else "") or s.message
        self._set("#status", status_text(
            progress_text(s.done, s.total, s.rate_per_hour, s.seconds_left, s.progress_known), message
        ))
        if self.editor:
            self.editor.message = ""
        s.message = ""

    # ------------------------------------------------------------------ which keys apply now
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim decision keys when the queue is empty; hide link keys outside the claims layer."""
        if action in _UNIT_ACTIONS and self.editor is None:
            return None if action in {"accept", "reject", "ignore"} else False  # None: shown dimmed
        if action in {"link", "toggle_overlay"} and self.active_layer != "claims":
            return False  # hidden
        return True

    # ------------------------------------------------------------------ decisions
    def _decide(self, answer: str) -> None:
        """Commit ``answer`` for the unit on screen, then show the next unit."""
        ed = self.editor
        if ed is None:
            return
        spans, relations = ed.result()
        self.session.decide(answer, spans, relations)
        self._load(self.session.current)

    def action_accept(self) -> None:
        """Accept the unit as shown: its spans (suggested or not) become this annotator's."""
        self._decide("accept")

    def action_reject(self) -> None:
        """Reject the unit as unusable."""
        self._decide("reject")

    def action_ignore(self) -> None:
        """Skip the unit (recorded as ignore)."""
        self._decide("ignore")

    def action_undo(self) -> None:
        """Revert the previous decision and show its unit again."""
        view = self.session.undo()
        if view is None:
            self._draw_status()
            return
        self._load(view)

    # ------------------------------------------------------------------ editing
    def action_move(self, delta: int) -> None:
        """Move the token cursor."""
        if self.editor:
            self.editor.move(delta)
            self._draw_cursor()

    def action_extend(self, delta: int) -> None:
        """Extend the selection."""
        if self.editor:
            self.editor.move(delta, extend=True)
            self._draw_cursor()

    def action_move_to(self, index: int) -> None:
        """Put the cursor on the first (0) or last (-1) token."""
        if self.editor and self.editor.tokens:
            self.editor.move_to(index if index >= 0 else len(self.editor.tokens) - 1)
            self._draw_cursor()

    def action_label(self, key: str) -> None:
        """Label the selection with the layer's label for number ``key``."""
        ed = self.editor
        if ed is None:
            return
        label = ed.label_for_key(key)
        if label is None:
            ed.message = f"no {ed.layer} label on key {key}"
        else:
            ed.label_selection(label)
        self._draw_text()
        self._draw_status()

    def action_delete_span(self) -> None:
        """Remove the span under the cursor."""
        if self.editor:
            self.editor.delete_at_cursor()
            self._draw_text()
            self._draw_status()

    def action_next_span(self, delta: int) -> None:
        """Jump to the next (or previous) span."""
        if self.editor:
            self.editor.jump_span(delta)
            self._draw_cursor()

    def action_toggle_layer(self) -> None:
        """Switch between the entities and the claims layer."""
        self.set_layer("claims" if self.active_layer == "entities" else "entities")

    def set_layer(self, layer: str) -> None:
        """Show and edit ``layer``."""
        self.active_layer = layer
        if self.editor and self.editor.layer != layer:
            self.editor.toggle_layer()
        self._draw_all()
        self.refresh_bindings()

    def action_toggle_overlay(self) -> None:
        """Show or hide the entities under the claims."""
        self.overlay = not self.overlay
        self._draw_text()

    def action_link(self) -> None:
        """Mark a claims span; the second mark links it to the first."""
        if self.editor:
            self.editor.link()
            self._draw_text()
            self._draw_status()

    def action_clear(self) -> None:
        """Clear the selection and any half-made link."""
        if self.editor:
            self.editor.clear_selection()
            self._draw_cursor()

    def on_span_text_token_pressed(self, message: SpanText.TokenPressed) -> None:
        """Mouse: a click moves the cursor, a drag extends the selection."""
        if self.editor:
            self.editor.move_to(message.token, extend=message.extend)
            self._draw_cursor()

    # ------------------------------------------------------------------ navigation
    def jump_to(self, unit_id: int) -> None:
        """Show unit ``unit_id``."""
        view = self.session.jump(unit_id)
        if view is None:
            self._draw_status()
            return
        self._load(view)

    def set_filter(self, queue_filter: QueueFilter | None) -> None:
        """Filter the queue (None: back to the plain queue)."""
        if queue_filter is None:
            self.session.clear_filter()
            self._load(self.session.advance())
        else:
            self._load(self.session.set_filter(queue_filter))

    def start_training(self) -> None:
        """Start training in a child process and watch it from here."""
        output = self.session.start_training()
        self.session.message = f"training started in the background -> {output}"
        self._draw_status()
        self._training_timer = self.set_interval(1.0, self._watch_training)

    def _watch_training(self) -> None:
        """Show the training's progress; when it is done, redraw with the new suggestions."""
        status = self.session.training_status() or {}
        state = status.get("state")
        if state in ("done", "failed"):
            self._training_timer.stop()
            if state == "done":
                # the unit on screen keeps its (possibly edited) marks; the next ones show the
                # new model's suggestions, which the child stored for every unlabelled unit
                self.session.message = f"new model ready (best {status.get('best', 0) or 0:.3f}); next units use it"
            else:
                self.session.message = f"training failed: {status.get('error', '')}"
        elif state == "training":
            self.session.message = (
                f"training: epoch {status.get('epoch', 0)}/{status.get('epochs', '?')}, "
                f"score {status.get('score', 0) or 0:.3f}"
            )
        self._draw_status()

    def on_unmount(self) -> None:
        self.session.stop_training()

    def action_help(self) -> None:
        """Open the help screen."""
        from annotator.tui.help_screen import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_quit(self) -> None:
        """Quit; every decision is already committed."""
        self.app.exit()
