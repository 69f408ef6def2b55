"""The review screen: every annotator's version of a unit side by side, coloured by
agreement, why the unit is in the queue, and keys that take one version (1..9) or open the
majority version in the labelling editor (m, :mod:`annotator.tui.review_merge`) to make gold.

Colours: a span every accepting annotator marked has a green background (agreed), a span
only some marked has a red one (disputed), and text another annotator marked but this one
did not is underlined in yellow (missing), with the missing spans listed under the version.
The span-rendering widget of the labelling screen colours spans by label, so versions here
are drawn as Rich text instead; the legend line says what the colours mean.

No database work runs on the screen's thread: the queue and each unit are read in thread
workers that post messages, and gold is written by one
:class:`~annotator.tui.review_writer.GoldWriter` thread in the order it was decided. A busy
database shows on the status line and the work is retried; quitting waits until every gold
decision is stored. Messages go to the status line, never to toasts over the gold panel.
Two leads may review one dataset: a gold decision replaces only the gold its lead saw on the
unit, and one refused because the other lead took gold there since says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from annotator.agreement.adjudicate import AGREED, Comparison, SpanKey
from annotator.models import Annotation, Gold, Span
from annotator.review_queue import ReviewQueue
from annotator.tui.binding_order import KeepBindingOrder
from annotator.tui.help_screen import HelpScreen, bindings_table
from annotator.tui.review_merge import MergeResult, MergeScreen
from annotator.tui.review_session import ReviewItem, ReviewSession
from annotator.tui.review_writer import (
    GoldRefused,
    GoldSaved,
    GoldUndone,
    GoldWriter,
    Leave,
    Reviewers,
    UndoGold,
    WriteGold,
    retry_busy,
)
from annotator.tui.session_writer import DEFAULT_BUSY_TIMEOUT_S, Busy, Failed
from annotator.tui.widgets.key_footer import KeyFooter

AGREED_STYLE = "bold #ffffff on #2e7d32"
DISPUTED_STYLE = "bold #ffffff on #c62828"
MISSING_STYLE = "underline #fbc02d"
TAG_STYLE = "dim italic"
#: How often a review screen says where it is and learns where the other leads are (besides
#: each move); a screen silent for five minutes is taken for gone.
PRESENT_EVERY_S = 10.0


def render_version(text: str, spans: list[Span], comparison: Comparison, annotator: str | None,
                   layer: str) -> Text:
    """``text`` with ``spans`` of ``layer`` coloured by their agreement status, and the spans
    ``annotator`` is missing underlined."""
    own = [s for s in spans if s.layer == layer]
    missing: list[SpanKey] = []
    if annotator is not None:
        missing = [k for k in comparison.missing(annotator) if k[3] == layer]
    cuts = sorted({0, len(text), *(s.start for s in own), *(s.end for s in own),
                   *(k[0] for k in missing), *(k[1] for k in missing)})
    out = Text()
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in own if s.start <= a and b <= s.end]
        if covering:
            inner = min(covering, key=lambda s: s.end - s.start)
            style = AGREED_STYLE if comparison.status(inner.key) == AGREED else DISPUTED_STYLE
        elif any(k[0] <= a and b <= k[1] for k in missing):
            style = MISSING_STYLE
        else:
            style = ""
        out.append(text[a:b], style=style)
        for s in own:
            if s.end == b:
                out.append(f" {s.label}", style=TAG_STYLE)
    return out


def legend() -> Text:
    """What the colours of the versions mean."""
    out = Text("colours: ", style="dim")
    out.append(" agreed ", style=AGREED_STYLE)
    out.append(" ")
    out.append(" disputed ", style=DISPUTED_STYLE)
    out.append(" ")
    out.append("missing here", style=MISSING_STYLE)
    out.append("  ")
    out.append("LABEL", style=TAG_STYLE)
    out.append(" = the span's label", style="dim")
    return out


def missing_line(text: str, comparison: Comparison, annotator: str, layer: str) -> Text:
    """One line listing the spans others marked and ``annotator`` did not."""
    keys = [k for k in comparison.missing(annotator) if k[3] == layer]
    line = Text()
    if not keys:
        return line
    line.append("missing: ", style="bold #fbc02d")
    for i, k in enumerate(keys):
        if i:
            line.append("; ")
        who = ",".join(comparison.votes[k])
        line.append(f"“{text[k[0]:k[1]]}” {k[2]} ({who})")
    return line

REVIEW_INTRO = (
    "Each unit here has versions that differ. The line under the text says why it is in the "
    "queue (and how sure the Dawid-Skene estimate from the overlap is of the truth; "
    "--order contested shows the least sure first). Press a version's number to make it the "
    "unit's gold, or m to open the majority version in the labelling editor: fix boundaries "
    "(select tokens, press a label's number), labels and links, then a or Enter saves it as "
    "gold. Backspace reverts your latest gold. Every gold decision is saved in order; q quits "
    "once they are all stored. Another lead reviewing the same dataset is named in the header "
    "with the unit they are on; going on passes that unit, and gold another lead took on a unit "
    "after you read it is never replaced unseen."
)


class ReviewHelpScreen(HelpScreen):
    """The keys of the review screen (or its merge editor), as currently mapped."""

    def compose(self) -> ComposeResult:
        """An intro and the key table."""
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(bindings_table(self.label_screen), id="help-keys")
            yield Static(Text(REVIEW_INTRO), id="help-intro")
            yield Static(Text("escape, ? or q closes this", style="dim"))


def why_text(session: ReviewSession) -> Text:
    """Why the unit is in the queue: its most contested disagreement (and how many more)."""
    entry = session.current_entry
    out = Text()
    if entry is None:
        return out
    out.append("why: ", style="bold")
    out.append(entry.reason)
    more = len(entry.reasons) - 1
    if more > 0:
        out.append(f"  (+{more} more)", style="dim")
    return out


class ReviewCommands(Provider):
    """The review screen's palette commands (``review: most contested first`` …)."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        if not isinstance(screen, ReviewScreen):
            return []
        return [
            ("review: most contested first", partial(screen.set_order, "contested"),
             "Order the queue by the Dawid-Skene confidence in each unit's truth, least sure first"),
            ("review: document order", partial(screen.set_order, "document"),
             "The units as they sit in their documents"),
            ("layer: entities", partial(screen.set_layer, "entities"), "Show the entity spans"),
            ("layer: claims", partial(screen.set_layer, "claims"), "Show CLAIM, SOURCE and CUE spans"),
        ]

    async def discover(self) -> Hits:
        """The commands shown before anything is typed."""
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands matching ``query``."""
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)


class ReviewScreen(KeepBindingOrder, Screen[None]):
    """Adjudicate the units where annotators disagree."""

    COMMANDS = {ReviewCommands}

    BINDINGS: list[BindingType] = [
        *[Binding(str(d), f"take({d - 1})", "Take", id=f"take-{d}", tooltip=f"Take version {d} as gold")
          for d in range(1, 10)],
        Binding("m", "merge", "Merge", id="merge", tooltip="Edit the majority version into gold"),
        Binding("right,n", "move(1)", "Next", id="next"),
        Binding("left,p", "move(-1)", "Prev", id="previous", tooltip="Previous unit", show=False),
        Binding("backspace,u", "undo", "Undo", id="undo", tooltip="Revert the latest gold you wrote"),
        Binding("c", "toggle_layer", "Layer", id="toggle-layer"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    class QueueLoaded(Message):
        """The queue was read (``error``: it could not be)."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    class QueueReread(Message):
        """The queue was read again at its end (``queue`` None: it could not be, ``error`` says why)."""

        def __init__(self, queue: ReviewQueue | None, from_unit: int | None, quiet: bool, error: str = "") -> None:
            super().__init__()
            self.queue = queue
            self.from_unit = from_unit
            self.quiet = quiet
            self.error = error

    class ItemRead(Message):
        """A unit under review was read (``item`` None: it could not be)."""

        def __init__(self, unit_id: int, item: ReviewItem | None, error: str = "") -> None:
            super().__init__()
            self.unit_id = unit_id
            self.item = item
            self.error = error

    class WriterEvent(Message):
        """Something the gold writer (or a read worker, for ``Busy``) did, from its thread."""

        def __init__(self, event: object) -> None:
            super().__init__()
            self.event = event

    def __init__(self, session: ReviewSession, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        super().__init__()
        self.session = session
        self.span_layer: str | None = None
        self.item: ReviewItem | None = None
        self.writer = GoldWriter(session, lambda event: self.post_message(self.WriterEvent(event)),
                                 busy_timeout_s=busy_timeout_s)
        self._seq = 0
        self.saving: dict[int, int] = {}  # writer seq -> unit id (-1: an undo), until committed
        self.unsaved: dict[int, Gold] = {}  # unit id -> gold decided here and not committed yet
        self.save_note = Text("")
        self.told_stopped: set[int] = set()  # stopped lock holders already told of
        self.message = Text("")
        self.quitting = False
        self._keep_unit: int | None = None  # the unit to stay on when the queue is read again
        self.others: dict[str, int | None] = {}  # other leads reviewing this dataset -> the unit each shows
        self._told_presence = False  # a failure to record this screen was said
        self._chosen: int | None = None  # the unit the lead went to by ←/→ (or undo), not by going on
        self._rereading = False  # the queue is being read again at its end

    def compose(self) -> ComposeResult:
        """Header, the unit, why it is here, the versions side by side, the gold, the legend,
        the status line, the keys."""
        yield Static(id="review-header")
        yield Static(id="review-text")
        yield Static(id="review-why")
        with Horizontal(id="versions"):
            for i in range(1, 10):
                yield Static(classes="version", id=f"version-{i}")
        yield Static(id="review-gold")
        yield Static(legend(), id="review-legend")
        yield Static(id="review-status")
        yield KeyFooter(compact=True)

    @property
    def settled(self) -> bool:
        """Nothing on its way: the queue and the unit read, every gold decision stored (tests)."""
        uid = self.session.current_id
        return (self.session.loaded and not self.saving and self.writer.idle
                and (uid is None or (self.item is not None and self.item.unit.id == uid))
                and not any(w.is_running for w in self.workers))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer "N Take" only for the annotators this unit has, and "Layer" only when the unit
        has spans of both layers."""
        if action == "take" and parameters:
            index = parameters[0]
            return self.item is not None and isinstance(index, int) and index < len(self.item.versions)
        if action == "merge":
            return self.item is not None
        if action == "toggle_layer":  # only where there is another layer to see
            item = self.item
            return item is not None and len({s.layer for v in item.versions for s in v.spans} | {self.span_layer}) > 1
        return True

    def say(self, message: str, warning: bool = False) -> None:
        """Show ``message`` on the status line (toasts would cover the gold panel)."""
        self.message = Text(message, style="bold yellow" if warning else "italic")
        if self.is_mounted:
            self._draw_status()

    # ------------------------------------------------------------ reading (workers)
    def on_mount(self) -> None:
        """Read the queue off the screen's thread; the first unit without gold follows."""
        self.say("reading the review queue…")
        self._draw()
        self.load_queue()
        self.set_interval(PRESENT_EVERY_S, lambda: self.writer.present(self.session.current_id))

    def _busy_reading(self, attempt: int, error: BaseException) -> None:
        self.post_message(self.WriterEvent(Busy.of(None, attempt, self.writer.pending, error, self.session.store)))

    @work(thread=True, exclusive=True, group="review-queue", exit_on_error=False)
    def load_queue(self) -> None:
        """Read the queue (every current decision of the dataset) in a thread."""
        try:
            retry_busy(self.session.load, self._busy_reading)
        except Exception as e:  # shown on the status line
            self.post_message(self.QueueLoaded(f"cannot read the review queue: {e}"))
            return
        self.post_message(self.QueueLoaded())

    def look_for_more(self, quiet: bool = False) -> None:
        """At the end of the queue, read it again: annotators go on deciding while a lead
        reviews, and a unit whose versions came to differ since the queue was read joins it.
        ``quiet``: say nothing if none did (the status line keeps what the last gold said)."""
        if self._rereading or self.quitting or not self.session.loaded:
            return
        self._rereading = True
        self.reread_queue(self.session.current_id, quiet)

    @work(thread=True, group="review-reread", exit_on_error=False)
    def reread_queue(self, from_unit: int | None, quiet: bool) -> None:
        """Read the queue again in a thread; the screen adopts it (:meth:`_queue_reread`)."""
        try:
            queue = retry_busy(self.session.read_queue, self._busy_reading)
        except Exception as e:  # shown on the status line
            self.post_message(self.QueueReread(None, from_unit, quiet, f"cannot read the review queue again: {e}"))
            return
        self.post_message(self.QueueReread(queue, from_unit, quiet))

    @work(thread=True, group="review-read", exit_on_error=False)
    def read_item(self, unit_id: int) -> None:
        """Read one unit and its versions in a thread."""
        try:
            item = retry_busy(lambda: self.session.read_item(unit_id), self._busy_reading)
        except Exception as e:
            self.post_message(self.ItemRead(unit_id, None, f"cannot read unit {unit_id}: {e}"))
            return
        self.post_message(self.ItemRead(unit_id, item))

    @on(QueueLoaded)
    def _queue_loaded(self, message: QueueLoaded) -> None:
        if message.error:
            self.say(message.error, warning=True)
            self._draw()
            return
        if self._keep_unit is not None:
            self.session.go_to(self._keep_unit)
            self._keep_unit = None
        order = ", most contested first" if self.session.order == "contested" else ""
        n = self.session.total
        self.say(f"{n} unit{'s' if n != 1 else ''} to review{order}; {len(self.session.unanimous)} unanimous")
        self._show_current()

    @on(QueueReread)
    def _queue_reread(self, message: QueueReread) -> None:
        self._rereading = False
        if message.queue is None:
            self.say(message.error, warning=True)
            return
        if self.quitting or not self.session.loaded or message.queue.order != self.session.order:
            return  # a palette re-order reads it (or has read it) meanwhile
        # the reviewer who moved on meanwhile stays where they are
        joined = self.session.adopt(message.queue, pending=list(self.unsaved),
                                    go_to_joined=self.session.current_id == message.from_unit)
        open_ = self.session.total - self.session.done()
        if joined:
            self.say(f"{len(joined)} more unit{'s' if len(joined) != 1 else ''} to review: decided since the queue"
                     " was read")
        elif not message.quiet:
            self.say(f"end of the queue: {open_} of {self.session.total} without gold; nothing new decided since"
                     " it was read")
        self._show_current()

    @on(ItemRead)
    def _item_read(self, message: ItemRead) -> None:
        if message.unit_id != self.session.current_id:
            return  # the reviewer has moved on meanwhile
        if message.item is None:
            self.say(message.error, warning=True)
            return
        item = message.item
        if message.unit_id in self.unsaved:  # decided here, not committed yet
            item.gold = self.unsaved[message.unit_id]
        else:  # another lead may have taken (or reverted) gold on it since the queue was read
            self.session.mark(message.unit_id, item.gold is not None)
        self.item = item
        if self.span_layer is None:
            spans = [s for v in item.versions for s in v.spans]
            self.span_layer = "claims" if spans and all(s.layer == "claims" for s in spans) else "entities"
        self.refresh_bindings()
        self._draw()

    def _show_current(self) -> None:
        """Draw the position at once and read the unit now current."""
        uid = self.session.current_id
        if uid is None:
            self.item = None
            self.refresh_bindings()
        else:
            self.read_item(uid)
        if not self.quitting:
            self.writer.present(uid)
        self._draw()

    # ------------------------------------------------------------ drawing
    def _draw_status(self) -> None:
        """The save state and the latest message (the message first while quitting)."""
        parts = [self.message, self.save_note] if self.quitting else [self.save_note, self.message]
        line = Text(no_wrap=True, overflow="ellipsis")
        for part in parts:
            if part.plain:
                if line.plain:
                    line.append(" · ", style="dim")
                line.append_text(part)
        self.query_one("#review-status", Static).update(line)

    def _draw(self) -> None:
        """Draw header, why, versions and gold."""
        session = self.session
        header = self.query_one("#review-header", Static)
        panels = [self.query_one(f"#version-{i}", Static) for i in range(1, 10)]
        layer = self.span_layer or "entities"
        self._draw_status()
        if not session.loaded or session.current_id is None:
            for panel in panels:
                panel.display = False
            if not session.loaded:
                header.update(f"review · {escape(session.dataset)} · reading…")
                self.query_one("#review-text", Static).update(
                    Text("Reading the units where annotators disagree…", style="dim"))
            else:
                header.update(f"review · {escape(session.dataset)} · nothing to review "
                              f"({len(session.unanimous)} unanimous units)")
                self.query_one("#review-text", Static).update("No unit has versions that differ.")
            self.query_one("#review-why", Static).update("")
            self.query_one("#review-gold", Static).update("")
            return
        header.update(
            f"review · {escape(session.dataset)} · unit {session.position + 1}/{session.total}"
            f" · gold {session.done()}/{session.total} · {layer} · by {escape(session.adjudicator)}"
            + self._others_text()
        )
        self.query_one("#review-why", Static).update(why_text(session))
        item = self.item
        if item is None or item.unit.id != session.current_id:
            self.query_one("#review-text", Static).update(Text(f"reading unit {session.current_id}…", style="dim"))
            return
        self.query_one("#review-text", Static).update(Text(item.unit.text))
        self.query_one("#versions", Horizontal).set_class(
            len(item.versions) > 3 and self.size.width < 50 * len(item.versions), "-stacked")
        for i, panel in enumerate(panels):
            if i < len(item.versions):
                panel.update(self._version_body(i, item.versions[i], item, layer))
                panel.display = True
            else:
                panel.display = False
        gold = self.query_one("#review-gold", Static)
        if item.gold is None:
            keys = "1" if len(item.versions) == 1 else f"1..{min(len(item.versions), 9)}"
            gold.update(Text(f"gold: none yet — press {keys} to take a version, m to edit the majority", style="dim"))
        else:
            body = Text(f"gold ({item.gold.answer}, by {item.gold.adjudicator} from "
                        f"{', '.join(item.gold.sources)}): ", style="bold")
            body.append_text(render_version(item.unit.text, item.gold.spans, item.comparison, None, layer))
            gold.update(body)

    def _others_text(self) -> str:
        """`` · also carol (on 3/7)``: the other leads reviewing, and where each is."""
        if not self.others:
            return ""
        session, where = self.session, {}
        for name, u in self.others.items():
            at = session.position_of(u)
            where[name] = (" (ON THIS UNIT)" if u == session.current_id else "" if at is None
                           else f" (on {at + 1}/{session.total})")
        return " · also " + ", ".join(f"{escape(name)}{where[name]}" for name in sorted(self.others))

    def _version_body(self, i: int, version: Annotation, item: ReviewItem, layer: str) -> Text:
        """One annotator's version: title, coloured text, missing spans."""
        n = sum(1 for s in version.spans if s.layer == layer)
        chosen = item.gold is not None and item.gold.sources == [version.annotator]
        title = f"{i + 1} · {version.annotator} · {version.answer} · {n} span{'s' if n != 1 else ''}"
        body = Text(title + ("  ✓ gold" if chosen else ""), style="bold")
        body.append("\n")
        body.append_text(render_version(item.unit.text, version.spans, item.comparison, version.annotator, layer))
        miss = missing_line(item.unit.text, item.comparison, version.annotator, layer)
        if miss.plain:
            body.append("\n")
            body.append_text(miss)
        return body

    # ------------------------------------------------------------ deciding
    def _ready(self) -> ReviewItem | None:
        """The unit on screen, once it is read (None while reading or quitting)."""
        item = self.item
        if self.quitting or not self.session.loaded or item is None or item.unit.id != self.session.current_id:
            return None
        return item

    def _write(self, gold: Gold, item: ReviewItem, said: str) -> None:
        """Hand ``gold`` to the writer (to replace the gold read with ``item``, and no other),
        show it as decided at once, and go on."""
        self._seq += 1
        self.saving[self._seq] = gold.unit_id
        self.unsaved[gold.unit_id] = gold
        self.session.mark(gold.unit_id, True)
        self.writer.submit(WriteGold(self._seq, gold, item.read_gold_id))
        self._note_saving()
        self.say(said)
        before = self.session.position
        self.session.advance(passing={u for u in self.others.values() if u is not None})
        if self.session.position == before and self.item is not None:
            self.item.gold = gold  # the last unit: it stays on screen, with its new gold
        self._show_current()
        if self.session.position == before:
            self.look_for_more(quiet=True)

    def action_take(self, index: int) -> None:
        """Make version ``index`` the gold of this unit and go on."""
        item = self._ready()
        if item is None:
            return
        if index >= len(item.versions):
            self.say(f"there is no version {index + 1}", warning=True)
            return
        gold = self.session.gold_of_version(item, index)
        self._write(gold, item, f"gold from {', '.join(gold.sources)}")

    def action_merge(self) -> None:
        """Open the majority version in the labelling editor; what it saves becomes gold."""
        item = self._ready()
        if item is None or self.session.scheme is None:
            return
        spans, relations = self.session.merged(item)

        def saved(result: MergeResult | None) -> None:
            if result is None:
                self.say("merge cancelled: nothing saved")
                return
            if self.session.current_id != item.unit.id or self.quitting:
                return
            gold = self.session.gold_of_merge(item, result.spans, result.relations)
            if result.answer != "accept":
                gold = gold.model_copy(update={"answer": result.answer, "spans": [], "relations": []})
            self._write(gold, item, f"merged gold: {result.answer}, {len(gold.spans)} spans, {len(gold.relations)} links")

        self.app.push_screen(
            MergeScreen(item, self.session.scheme, spans, relations, self.span_layer or "entities"), saved)

    def set_order(self, order: str) -> None:
        """Read the queue again in ``order`` (``document`` or ``contested``), staying on this unit."""
        if not self.session.loaded or self.quitting:
            return
        self._keep_unit = self.session.current_id
        self.session.order = order
        self.session.loaded = False
        self.say("reading the review queue…")
        self.load_queue()

    def set_layer(self, layer: str) -> None:
        """Show the spans of ``layer``."""
        self.span_layer = layer
        self.refresh_bindings()
        self._draw()

    def action_move(self, delta: int) -> None:
        """Go to another unit of the queue."""
        if not self.session.loaded:
            return
        before = self.session.position
        self.session.move(delta)
        self._chosen = self.session.current_id
        if self.session.position != before:
            self._show_current()
        elif delta > 0:
            self.look_for_more()

    def action_undo(self) -> None:
        """Revert the latest gold written here (the writer does it after what is pending)."""
        if self.quitting or not self.session.loaded:
            return
        self._seq += 1
        self.saving[self._seq] = -1
        self.writer.submit(UndoGold(self._seq))
        self._note_saving()
        self.say("undoing…")

    def action_toggle_layer(self) -> None:
        """Switch between the entities and the claims layer."""
        self.set_layer("claims" if (self.span_layer or "entities") == "entities" else "entities")

    def action_help(self) -> None:
        """The keys, as mapped."""
        self.app.push_screen(ReviewHelpScreen(self))

    # ------------------------------------------------------------ what the writer did
    def _note_saving(self) -> None:
        n = len(self.saving)
        self.save_note = (Text(f"saving{f' {n}' if n > 1 else ''}…", style="dim") if n
                          else Text("saved", style="dim green") if self._seq else Text(""))

    @on(WriterEvent)
    def _writer_event(self, message: WriterEvent) -> None:
        event = message.event
        if isinstance(event, GoldSaved):
            self.saving.pop(event.seq, None)
            if self.unsaved.get(event.gold.unit_id) is event.gold:
                del self.unsaved[event.gold.unit_id]
            self._note_saving()
        elif isinstance(event, GoldRefused):
            self._refused(event)
        elif isinstance(event, Reviewers):
            self._reviewers(event)
        elif isinstance(event, GoldUndone):
            self.saving.pop(event.seq, None)
            self._note_saving()
            if event.unit is None or event.unit.id is None:
                self.say("nothing to undo", warning=True)
            else:
                uid = event.unit.id
                self.unsaved.pop(uid, None)
                self.session.mark(uid, event.has_gold)
                if self.session.go_to(uid):
                    self._chosen = uid
                    self.say(f"gold reverted on unit {uid}")
                    self.item = None
                    self._show_current()
                else:
                    self.say(f"gold reverted on unit {uid} (not in this queue)")
        elif isinstance(event, Busy):
            waiting = self.writer.pending
            what = (f"{waiting} gold waiting" if waiting
                    else "reading waits")
            self.save_note = Text(event.note(what), style="dim yellow")
            story = event.stopped_holder(self.told_stopped)
            if story:
                self.notify(story, title="database busy", severity="warning", timeout=30)
        elif isinstance(event, Failed):
            self._failed(event)
        if self.quitting:
            if not self.writer.pending:
                self.app.exit()
                return
            self.message = Text(f"quits when {self.writer.pending} gold decision(s) are stored…", style="italic")
        self._draw()

    def _reviewers(self, event: Reviewers) -> None:
        """The other leads reviewing this dataset, the unit each shows, and the gold taken or
        reverted since. A lead who opens is told; units with gold count as such (and going on
        passes them); the unit on screen is read again if its gold changed. A screen that came
        to the unit another lead is on by going on (at the start, or after gold), not by the
        lead's choice, goes on to the next unit without gold."""
        others = {r.adjudicator: r.unit_id for r in event.others if r.adjudicator != self.session.adjudicator}
        new = sorted(set(others) - set(self.others))
        self.others = others
        session = self.session
        uid, notes = session.current_id, []
        for unit_id, has_gold in event.gold.items():  # gold taken (or reverted) here or by another lead
            if unit_id not in self.unsaved:
                session.mark(unit_id, has_gold)
        if uid in event.gold and uid not in self.unsaved and self.item is not None:
            self.item = None  # its gold changed: read it again, showing what stands
            self._show_current()
        if new:
            notes.append(f"{' and '.join(new)} {'is' if len(new) == 1 else 'are'} reviewing {session.dataset} too:"
                         " going on passes the units another lead is on")
        if uid is not None and uid in others.values() and uid != self._chosen and uid not in self.unsaved:
            before = session.position
            session.advance(passing=set(others.values()) - {None})
            if session.current_id in session.gold_units or session.current_id == uid:
                session.position = before  # nothing open to go on to
            else:
                who = next(name for name, u in sorted(others.items()) if u == uid)
                notes.append(f"{who} is on unit {before + 1}/{session.total}: went on to unit"
                             f" {session.position + 1}/{session.total}")
                self.item = None
                self._show_current()
        if notes:
            self.say("; ".join(notes))

    def _refused(self, event: GoldRefused) -> None:
        """Another lead took gold on the unit since it was read here: nothing was written. The
        unit shows the gold that stands; taking a version there again replaces it, seen."""
        self.saving.pop(event.seq, None)
        self._note_saving()
        if not self.saving:  # not "saved" beside "NOT saved"
            self.save_note = Text("")
        uid = event.gold.unit_id
        if self.unsaved.get(uid) is event.gold:
            del self.unsaved[uid]
        self.session.mark(uid, True)
        standing = event.standing
        when = time.strftime("%H:%M", time.localtime(standing.created or time.time()))
        sources = f" from {', '.join(standing.sources)}" if standing.sources else ""
        what = f"{standing.adjudicator} took it at {when} ({standing.answer}{sources})"
        at = self.session.position_of(uid)
        where = f"unit {uid}" if at is None else f"unit {at + 1}/{self.session.total}"
        mine = f" from {', '.join(event.gold.sources)}" if event.gold.sources else ""
        here = self.session.current_id == uid  # still on it (the last unit): it shows what stands
        self.say(f"gold{mine} NOT saved on {where}: {what} since you read it; "
                 f"{'it shows here now' if here else 'go back'} and take again to replace it", warning=True)
        if here:
            self.item = None
            self._show_current()

    def _failed(self, event: Failed) -> None:
        """A write failed for good (not a busy database): say so; the unit loses its gold mark."""
        job = event.job
        if isinstance(job, WriteGold):
            self.saving.pop(job.seq, None)
            uid = job.gold.unit_id
            if self.unsaved.get(uid) is job.gold:
                del self.unsaved[uid]
                self.session.mark(uid, False)
            self.say(f"gold on unit {uid} NOT saved: {event.error}", warning=True)
        elif isinstance(job, UndoGold):
            self.saving.pop(job.seq, None)
            self.say(f"undo NOT saved: {event.error}", warning=True)
        elif job is not None:  # recording this screen for the other leads: reviewing goes on
            if not self._told_presence:
                self._told_presence = True
                self.say(f"other leads are not told of this screen: {event.error}", warning=True)
        else:
            self.say(event.error, warning=True)
        self._note_saving()

    # ------------------------------------------------------------ leaving
    def action_quit(self) -> None:
        """Quit once every gold decision is stored ("saving N…" until then)."""
        if not self.writer.pending:
            self.app.exit()
            return
        self.quitting = True
        self.say(f"quits when {self.writer.pending} gold decision(s) are stored…")

    def on_unmount(self) -> None:
        """Wait for the writer to store what is pending, and remove this screen's record (a
        few seconds at most for that: a record left behind is forgotten with its process)."""
        gold_pending = self.writer.pending
        self.writer.submit(Leave())
        self.writer.close(None if gold_pending else 3.0)
