"""The labelling screen: one unit, its context, spans, labels, progress and the keys.

Every binding has a stable ``id`` so that users can remap it (see :mod:`annotator.config`).
The screen does no database work on its own thread: decisions, undos and unit claims go in
order to the session's :class:`~annotator.tui.session_writer.SessionWriter` (one writer
connection in a thread, retrying while another process holds the lock), which posts back what
it committed; reads (jump, filter, progress) run in thread workers that post messages. Units
are claimed a few ahead, so the next one shows at once; the status line says "saving…" until
the writer confirms a decision is committed, then "saved".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.widgets import Static

from annotator.models import LABEL_KEYS, Annotation, Span
from annotator.tui.binding_order import KeepBindingOrder
from annotator.tui.editor import UnitEditor
from annotator.tui.guidelines import Guidelines
from annotator.tui.session import LabelSession, QueueFilter, UnitView
from annotator.tui.session_writer import (
    DEFAULT_BUSY_TIMEOUT_S, Announce, Busy, Decide, Failed, Fetch, Fetched, Lost, Renew, SameName, Saved,
    SessionWriter, Undo, Undone,
)
from annotator.tui.widgets.key_footer import KeyFooter
from annotator.tui.widgets.label_bar import LabelBar, label_bar_text
from annotator.tui.widgets.span_list import SpanList, span_rows
from annotator.tui.widgets.span_text import SpanText
from annotator.tui.widgets.status_bar import StatusBar, progress_text, status_text

#: Actions that only make sense while a unit is on screen.
_UNIT_ACTIONS = frozenset({
    "accept", "reject", "ignore", "move", "extend", "label", "delete_span", "next_span",
    "link", "clear",
})
#: How often the leases on the units this screen holds are renewed (a lease lasts 10 minutes).
RENEW_EVERY_S = 120.0
#: How often done / total is counted again, so that other annotators' work shows in the total.
RECOUNT_EVERY_S = 30.0
#: Units claimed ahead of the one on screen, so that the next one shows at once (few: on an
#: overlap-1 dataset they are held from the other annotators meanwhile).
PREFETCH = 2


@dataclass
class Decided:
    """A decision made in this session: its unit's view (with the editor as it was) and what
    was stored, so that undo brings back the annotator's own version at once."""

    view: UnitView
    annotation: Annotation


def _label_bindings() -> list[BindingType]:
    """``1``..``9``, ``0`` and the scheme letters: label the selection with the layer's labels."""
    return [
        Binding(d, f"label('{d}')", f"Label {d}", show=False, id=f"label-{d}")
        for d in LABEL_KEYS
    ]


class LabelScreen(KeepBindingOrder, Screen[None]):
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
        Binding("G", "guidelines", "Guidelines", show=False, id="guidelines",
                tooltip="Read the annotation guidelines (the line under the labels names it)"),
        Binding("H", "history", "History", show=False, id="history",
                tooltip="Your recent decisions; reopen one to change it (the line under the labels names it)"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    class WriterEvent(Message):
        """Something the session writer did (posted from its thread)."""

        def __init__(self, event: object) -> None:
            super().__init__()
            self.event = event

    class UnitRead(Message):
        """A unit read by a worker for a jump or a filter (None: nothing to show)."""

        def __init__(self, view: UnitView | None, message: str, kind: str) -> None:
            super().__init__()
            self.view = view
            self.message = message
            self.kind = kind

    def __init__(self, session: LabelSession, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        super().__init__()
        self.session = session
        self.editor: UnitEditor | None = None
        self.overlay = True
        self.active_layer = "entities"
        self._was_empty = False
        self._shown: dict[str, object] = {}
        self.writer = SessionWriter(session, lambda event: self.post_message(self.WriterEvent(event)),
                                    busy_timeout_s=busy_timeout_s)
        self.ready: deque[UnitView] = deque()  # claimed units to show next, in order
        self.asked = 0  # units asked of the writer and not answered yet
        self.exhausted = False  # the writer found no more units in the queue
        self.decided: list[Decided] = []  # this session's decisions, for undo
        self._seq = 0
        self._undo_from_database: set[int] = set()  # undo seqs whose unit the writer reads back
        self.saving: dict[int, int] = {}  # decision/undo seq -> unit id, until committed
        self.save_note = Text("")
        self.told_stopped: set[int] = set()  # stopped lock holders already told of
        self.stopped_notice: Notification | None = None  # shown until the writer gets through
        self._fresh: int | None = None  # the unit on screen, just taken from the claimed queue, untouched
        self._warned_lost: set[int] = set()  # units on screen someone else holds now, warned of
        self._told_same_name: set[int] = set()  # other screens under this name, warned of
        self.quitting = False
        self.saved_events: list[Saved] = []  # kept for the benchmark (key press -> committed row)
        self.keep_saved_events = False

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
                yield Static(id="guide")
            yield SpanList(id="spans")
        yield StatusBar(id="status")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        """Ask the writer for the first units of the queue (resuming where this annotator
        stopped); they show as soon as it has claimed them."""
        self.query_one(SpanText).focus()
        self.writer.start()
        self._load(None)
        self._top_up()
        self.writer.submit(Announce())
        self.call_after_refresh(self.count_progress)
        self.set_interval(RENEW_EVERY_S, self._renew_leases)
        self.set_interval(RECOUNT_EVERY_S, self.count_progress)

    def _renew_leases(self) -> None:
        """Keep the leases on the unit on screen and those claimed ahead while this runs."""
        held = [v.unit.id for v in [self.session.current, *self.ready] if v is not None and v.unit.id is not None]
        if not self.quitting:  # with nothing held, it still says this screen is open
            self.writer.submit(Renew(held))

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def count_progress(self) -> None:
        """Count done / total off the UI thread (a full count is slow on a million units), and
        look whether the guidelines changed meanwhile."""
        done, total, epoch = self.session.count_progress()
        self.app.call_from_thread(self._progress_counted, done, total, epoch)
        guidelines = self.session.read_guidelines()
        if guidelines.version != self.session.guidelines.version:
            self.app.call_from_thread(self._guidelines_changed, guidelines)

    def _guidelines_changed(self, guidelines: Guidelines) -> None:
        """The lead edited the guidelines file or named another: say so once; the decisions
        from now on record the new version (they recorded the one this screen had shown)."""
        if guidelines.version == self.session.guidelines.version:
            return
        self.session.guidelines = guidelines
        said = f"{guidelines.problem}: the scheme's descriptions stand in" if guidelines.problem else "press G to read them"
        self.notify(f"now {guidelines.version}: {said}; your decisions from now on record this version",
                    title="the guidelines changed", severity="warning" if guidelines.problem else "information",
                    timeout=20)

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
        """Make ``view`` the unit being edited (with its edits if it was put aside) and draw."""
        self.session.current = view
        if view is None:
            self.editor = None
        else:
            view.shown_at = self.session.clock()
            if view.editor is None:
                view.editor = UnitEditor(
                    view.unit.text, view.tokens, self.session.scheme, view.marks, view.relations,
                    layer=self.active_layer,
                )
                if view.previous_answer:
                    view.editor.message = f"already {view.previous_answer}ed by you"
            self.editor = view.editor
            if self.editor.layer != self.active_layer:
                self.editor.toggle_layer()
        self._draw_all()
        if (view is None) != self._was_empty:
            self._was_empty = view is None
            self.refresh_bindings()

    def _put_aside(self) -> None:
        """Put the unit on screen back at the front of the queue, edits and all."""
        view = self.session.current
        if view is not None:
            self.ready.appendleft(view)
        self.session.current = None

    def _show_next(self) -> None:
        """Show the next unit: of the filter (read in a worker) or of the claimed queue."""
        if self.session.queue_filter is not None:
            self._load(None)
            self.read_filtered()
            return
        self._load_from_queue()

    def _load_from_queue(self) -> None:
        """Show the next claimed unit (or none), noting it as just taken from the queue and
        untouched, and claim more."""
        view = self.ready.popleft() if self.ready else None
        self._load(view)
        self._fresh = view.unit.id if view is not None and view.editor is not None and view.editor.version == 0 \
            and view.previous_answer is None else None
        self._top_up()

    def _top_up(self) -> None:
        """Ask the writer to claim units until ``PREFETCH`` are ready."""
        want = PREFETCH - len(self.ready) - self.asked
        if want > 0 and not self.exhausted and not self.quitting:
            self.asked += want
            # the units held (the one just shown from the queue and those ahead) are checked
            # first: a lead may have given them back and someone else taken them
            ahead = [v.unit.id for v in self.ready if v.unit.id is not None]
            current = self.session.current
            if current is not None and current.unit.id == self._fresh:
                ahead.insert(0, self._fresh)
            self.writer.submit(Fetch(want, ahead=ahead))

    @property
    def settled(self) -> bool:
        """Nothing on its way: no decision unsaved, no claim or read in flight (for tests)."""
        return not self.saving and not self.writer.pending and not self.asked and not any(
            w.is_running for w in self.workers if w.group in ("jump", "filter"))

    @property
    def waiting_for_unit(self) -> bool:
        """No unit on screen yet, but one may come (claims or a read in flight)."""
        return self.session.current is None and (
            self.asked > 0 or self.session.queue_filter is not None
        )

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
            if self.waiting_for_unit:
                done = Text("Loading the next unit\u2026", style="dim")
            else:
                done = Text("Nothing left to label in this queue. ", style="bold")
                done.append("Press q to quit, Backspace to undo the last decision, Ctrl+P for commands.")
            self._set("#labels", done)
            self.query_one(SpanText).show("", [], [], [], session.scheme)
            self._set("#spans", Text(""))
            self._set("#guide", Text(""))
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
        self._set("#guide", self._guide_text())

    def _draw_cursor(self) -> None:
        """Redraw after a cursor move (spans unchanged): cheap."""
        ed = self.editor
        if ed is None:
            return
        self.query_one(SpanText).move_cursor(
            ed.cursor, ed.selection if ed.anchor is not None else None, ed.pending_link
        )
        self._set("#spans", span_rows(ed.text, ed.marks, ed.relations, ed.scheme, ed.layer, self._current_span()))
        self._set("#guide", self._guide_text())

    def _draw_status(self) -> None:
        """Redraw progress and the latest message."""
        s = self.session
        message = (self.editor.message if self.editor else "") or s.message
        self._set("#status", status_text(
            progress_text(s.done, s.total, s.rate_per_hour, s.seconds_left, s.progress_known), message,
            self.save_note,
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
        """Queue ``answer`` for the unit on screen (the writer commits it, in order) and show
        the next unit at once."""
        ed, view = self.editor, self.session.current
        if ed is None or view is None or self.quitting:
            return
        spans, relations = ed.result()
        ann = self.session.annotation_for(view, answer, spans, relations)
        self._seq += 1
        self.saving[self._seq] = ann.unit_id
        self.writer.submit(Decide(self._seq, ann))
        self.decided.append(Decided(view, ann))
        if view.previous_answer is None:
            s = self.session
            s.done += 1
            s.total = max(s.total, s.done)
            s.progress_epoch += 1
        self._note_saving()
        self.exhausted = False
        self._show_next()

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
        """Revert the previous decision and show its unit again, as the annotator left it
        (spans and links); each further undo goes one decision further back."""
        if self.quitting:
            return
        self._seq += 1
        self.saving[self._seq] = -1
        self.writer.submit(Undo(self._seq))
        self._note_saving()
        if not self.decided:  # a decision of an earlier session: shown when the writer has it
            self._undo_from_database.add(self._seq)
            self.session.message = "undoing\u2026"
            self._draw_status()
            return
        last = self.decided.pop()
        self.saving[self._seq] = last.annotation.unit_id
        if last.view.previous_answer is None:
            self.session.done = max(0, self.session.done - 1)
            self.session.progress_epoch += 1
        if last.annotation.answer == "accept" and last.view.editor is not None:
            last.view.editor.confirm_all()  # what was accepted is the annotator's own now
        self._put_aside()
        self._load(last.view)
        self.session.message = f"undid {last.annotation.answer} on unit {last.annotation.unit_id}"
        self._draw_status()

    # ------------------------------------------------------------------ what the writer did
    def _note_saving(self) -> None:
        """``saving…`` while decisions are on their way to the database, ``saved`` after."""
        n = len(self.saving)
        if n:
            self.save_note = Text(f"saving{f' {n}' if n > 1 else ''}\u2026", style="dim")
        else:
            self.save_note = Text("saved", style="dim green")

    @on(WriterEvent)
    def _writer_event(self, message: WriterEvent) -> None:
        """Adopt what the writer committed, claimed, or is waiting for."""
        event = message.event
        if not isinstance(event, (Busy, Failed)):
            self._withdraw_stopped_notice()
        if isinstance(event, Saved):
            self.saving.pop(event.seq, None)
            if self.keep_saved_events:
                self.saved_events.append(event)
            self._note_saving()
        elif isinstance(event, Undone):
            self.saving.pop(event.seq, None)
            self._note_saving()
            remote = event.seq in self._undo_from_database
            self._undo_from_database.discard(event.seq)
            if event.view is None:
                self.session.message = "nothing to undo"
            elif remote:
                # a decision of an earlier session: its version came from the database
                if event.view.previous_answer is None:
                    self.session.done = max(0, self.session.done - 1)
                    self.session.progress_epoch += 1
                self._put_aside()
                self._load(event.view)
                self.session.message = f"undid {event.answer} on unit {event.view.unit.id}"
        elif isinstance(event, Fetched):
            self.asked = max(0, self.asked - event.asked)
            if not event.views:
                self.exhausted = True
            self.ready.extend(event.views)
            if self.session.current is None and self.session.queue_filter is None and self.ready:
                self._load_from_queue()
        elif isinstance(event, Lost):
            self._lost(set(event.unit_ids))
        elif isinstance(event, SameName):
            self._same_name(event)
        elif isinstance(event, Busy):
            what = (f"{event.waiting} decision{'s' if event.waiting != 1 else ''} waiting"
                    if event.waiting else "the next units wait")
            self.save_note = Text(event.note(what), style="dim yellow")
            story = event.stopped_holder(self.told_stopped)
            if story:
                self._withdraw_stopped_notice()
                self.stopped_notice = Notification(story, "database busy", "warning", timeout=30)
                self.app.post_message(Notify(self.stopped_notice))
        elif isinstance(event, Failed):
            self._writer_failed(event)
        if self.quitting and not self.writer.pending:
            self.app.exit()
            return
        if self.quitting:
            self.session.message = f"saving {self.writer.pending} decisions\u2026 (quits when they are stored)"
        self._draw_all()

    def _lost(self, gone: set[int]) -> None:
        """Units handed to this screen went to someone else (``annotator dataset release``, then
        another annotator's claim): those claimed ahead and not yet opened leave the queue, so
        nobody labels them beyond the overlap; the unit on screen is skipped if it has just come
        from the queue untouched, else it stays, with a warning (once)."""
        kept = deque(v for v in self.ready if v.unit.id not in gone or v.editor is not None)
        dropped = len(self.ready) - len(kept)
        self.ready = kept
        view = self.session.current
        uid = view.unit.id if view is not None else None
        if view is not None and uid in gone and view.previous_answer is None:
            said = f"unit {uid} was given back (`annotator dataset release`) and someone else holds it now"
            if uid == self._fresh and view.editor is not None and view.editor.version == 0:
                self.notify(f"{said}: skipped", title="unit skipped", timeout=8)
                self._show_next()
                return
            if uid not in self._warned_lost:  # once: the lease renewal asks again every few minutes
                self._warned_lost.add(uid or 0)
                self.notify(f"{said}: deciding it adds a decision beyond the dataset's overlap",
                            title="unit given back", severity="warning", timeout=15)
        if dropped:
            self._top_up()

    def _same_name(self, event: SameName) -> None:
        """Another screen is open under this one's name (once per screen): they take the same
        units, so the later decision on a unit replaces the earlier."""
        new = [o for o in event.others if o.id not in self._told_same_name]
        if not new:
            return
        self._told_same_name.update(o.id for o in new)
        name = self.session.annotator
        self.notify(f"another screen labels {self.session.dataset.name} as {name} ({'; '.join(map(str, new))}). "
                    f"Both take the same units, and the later decision on a unit replaces the earlier. If that is "
                    f"someone else, one of you should quit and start again with --annotator NAME "
                    f"(in the browser: ?annotator=NAME).", title=f"{name} is labelling elsewhere too",
                    severity="warning", timeout=30)

    def _withdraw_stopped_notice(self) -> None:
        """Take down the notification about a stopped lock holder once the writer got through
        (the holder went on or was ended): it would otherwise stay its 30 s, telling to free a
        lock nobody holds. Textual (pinned) has no public call to take one toast down."""
        if self.stopped_notice is not None:
            self.app._unnotify(self.stopped_notice)
            self.stopped_notice = None

    def _writer_failed(self, event: Failed) -> None:
        """A job failed for good (not a busy database): say so; a decision's unit comes back."""
        job = event.job
        if isinstance(job, Decide):
            self.saving.pop(job.seq, None)
            self.decided = [d for d in self.decided if d.annotation is not job.annotation]
            back = next((v for v in [self.session.current, *self.ready] if v and v.unit.id == job.annotation.unit_id), None)
            self.session.message = f"decision on unit {job.annotation.unit_id} NOT saved: {event.error}"
            if back is None:
                self.session.message += " (jump to it to decide again)"
        elif isinstance(job, Undo):
            self.saving.pop(job.seq, None)
            self.session.message = f"undo NOT saved: {event.error}"
        elif isinstance(job, Fetch):
            self.asked = 0
            self.session.message = f"cannot claim units: {event.error}"
        elif isinstance(job, Announce):  # labelling goes on; only a second screen under this name goes untold
            self.session.message = f"cannot record this screen: {event.error}"
        else:
            self.session.message = event.error
        self._note_saving()

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
        """Show unit ``unit_id`` (read in a worker); the unit on screen waits, edits and all,
        and comes back next."""
        self.read_jump(unit_id)

    @work(thread=True, exclusive=True, group="jump", exit_on_error=False)
    def read_jump(self, unit_id: int) -> None:
        """Read unit ``unit_id`` off the UI thread."""
        view = self.session.jump_view(unit_id)
        message = "" if view is not None else f"no unit {unit_id} in dataset {self.session.dataset.name}"
        self.post_message(self.UnitRead(view, message, "jump"))

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def read_filtered(self) -> None:
        """Read the next unit matching the queue filter off the UI thread."""
        view, message = self.session.filter_view()
        self.post_message(self.UnitRead(view, message, "filter"))

    @on(UnitRead)
    def _unit_read(self, message: UnitRead) -> None:
        """Show a unit a worker read, or fall back to the queue."""
        if message.message:
            self.session.message = message.message
        if message.kind == "jump":
            if message.view is not None:
                self._put_aside()
                self._load(message.view)
            else:
                self._draw_status()
            return
        if message.view is not None:
            self._load(message.view)
        else:  # nothing (more) matches: the filter is cleared, back to the queue
            self._show_next()

    def set_filter(self, queue_filter: QueueFilter | None) -> None:
        """Filter the queue (None: back to the plain queue); the unit on screen waits."""
        self._put_aside()
        self.session.use_filter(queue_filter)
        self._show_next()

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
                # the status line is one line: the error and where the log is go in a
                # notification too, which wraps
                self.session.message = f"training failed: {status.get('error', '')}"
                self.notify(f"{status.get('error', '')}\nlog: {status.get('log', '')}", title="training failed",
                            severity="error", timeout=60)
        elif state == "training":
            self.session.message = (
                f"training: epoch {status.get('epoch', 0)}/{status.get('epochs', '?')}, "
                f"score {status.get('score', 0) or 0:.3f}"
            )
        self._draw_status()

    def on_unmount(self) -> None:
        """Stop training; wait for the writer to store what is pending."""
        self.session.stop_training()
        self.writer.close()

    def action_history(self) -> None:
        """List this annotator's recent decisions; choosing one reopens its unit."""
        from annotator.tui.history_screen import HistoryScreen

        self.app.push_screen(HistoryScreen(self.session, self.jump_to))

    def action_guidelines(self) -> None:
        """Open the guidelines (the dataset's Markdown file, or the scheme's descriptions)."""
        from annotator.tui.guidelines_screen import GuidelinesScreen

        self.app.push_screen(GuidelinesScreen(self.session.guidelines))

    def _guide_text(self) -> Text:
        """The description of the label under the cursor (or being applied), else a hint."""
        span = self._current_span()
        label = span.label if span is not None else None
        if label is None:
            return Text("G guide \u00b7 H history", style="dim")
        lab = next((x for x in self.session.scheme.labels(self.active_layer) if x.name == label), None)
        out = Text()
        out.append(label, style=f"bold {self.session.scheme.color_of(label)}")
        out.append(f" \u2014 {lab.description if lab and lab.description else '(no description)'}", style="italic")
        out.append("  G guide \u00b7 H history", style="dim")
        return out

    def action_help(self) -> None:
        """Open the help screen."""
        from annotator.tui.help_screen import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_quit(self) -> None:
        """Quit once every decision is committed ("saving N decisions…" until then)."""
        if not self.writer.pending:
            self.app.exit()
            return
        self.quitting = True
        self.session.message = f"saving {self.writer.pending} decisions\u2026 (quits when they are stored)"
        self._draw_status()
