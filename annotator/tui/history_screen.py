"""The history screen (``H``): this annotator's recent decisions; choosing one reopens its
unit with the annotator's own version (spans and links) to change it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.store.session_queries import recent_decisions
from annotator.tui.session import LabelSession

_ANSWER_STYLE = {"accept": "green", "reject": "red", "ignore": "yellow"}


def history_row(row: dict[str, Any], now: float) -> Text:
    """``accept  2m ago  GPE GPE  South Korea summoned …`` for one decision."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{row['answer']:<7}", style=_ANSWER_STYLE.get(row["answer"], ""))
    ago = max(0, int(now - (row["created"] or now)))
    when = f"{ago}s" if ago < 60 else f"{ago // 60}m" if ago < 3600 else f"{ago // 3600}h"
    out.append(f" {when + ' ago':>8}  ", style="dim")
    labels = " ".join(row["labels"]) or "\u2014"
    out.append(f"{labels[:14]:<14} ", style="bold")
    out.append(f"#{row['unit_id']} ", style="dim")
    text = row["text"]
    out.append(text if len(text) <= 30 else text[:29] + "\u2026")
    return out


class HistoryScreen(ModalScreen[None]):
    """Recent decisions of this annotator, newest first (read off the UI thread)."""

    BINDINGS = [Binding("escape,H,q", "close", "Close", id="history-close")]

    class Loaded(Message):
        """The rows a worker read."""

        def __init__(self, rows: list[dict[str, Any]]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, session: LabelSession, reopen: Callable[[int], None],
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.session = session
        self.reopen = reopen
        self.clock = clock or time.time
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        """A title, the list, a hint."""
        with Vertical(id="history-box"):
            yield Static(Text("Your recent decisions (newest first)", style="bold"))
            yield OptionList(id="history-list")
            yield Static(Text("enter reopens the unit with your version to change it \u00b7 escape closes",
                              style="dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.read_rows()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def read_rows(self) -> None:
        """Read the decisions off the UI thread."""
        session = self.session
        self.post_message(self.Loaded(recent_decisions(session.store, session.dataset.name, session.annotator)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        options = self.query_one(OptionList)
        options.clear_options()
        now = self.clock()
        if not self.rows:
            options.add_option(Option(Text("no decisions yet", style="dim"), disabled=True))
        options.add_options([Option(history_row(r, now), id=str(r["unit_id"])) for r in self.rows])
        if self.rows:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """Reopen the chosen unit."""
        if event.option.id is not None:
            self.dismiss()
            self.reopen(int(event.option.id))

    def action_close(self) -> None:
        """Back to labelling."""
        self.dismiss()
