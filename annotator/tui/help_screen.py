"""The help screen (``?``): every key of the labelling screen, as currently mapped."""

from __future__ import annotations

from dataclasses import replace

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from annotator.models import LABEL_KEYS

INTRO = (
    "Each sentence arrives with suggested spans (underlined, tag ending in ?). Fix them, then "
    "accept: the spans on screen become your labels. Select tokens with the arrows (Shift to "
    "extend) or the mouse, then press a label's number. In the claims layer (c) mark CLAIM, "
    "SOURCE and CUE; a lone CLAIM is linked automatically, otherwise put the cursor on one span, "
    "press l, move to the other and press l again. Every decision is saved at once; q quits and "
    "the next start resumes here."
)


def bindings_table(screen: Screen) -> Table:
    """A two-column table of key and description for ``screen``'s bindings (keymap applied)."""
    table = Table(show_header=True, header_style="bold", box=None, expand=True, pad_edge=False)
    table.add_column("key", style="bold cyan", no_wrap=True, min_width=12, max_width=18)
    table.add_column("what it does", ratio=1)
    table.add_column(Text("id (config [keys])"), style="dim", no_wrap=True)
    keys: dict[str, list[str]] = {}
    what: dict[str, str] = {}
    keymap = screen.app._keymap
    for b in screen.BINDINGS:
        if not isinstance(b, Binding) or not b.id:
            continue
        ident = "label" if b.id.startswith("label-") else b.id
        for key in keymap.get(b.id, b.key).split(","):
            keys.setdefault(ident, []).append(screen.app.get_key_display(replace(b, key=key.strip())))
        what[ident] = (
            "Label the selection with the layer's label of that number"
            if ident == "label" else b.tooltip or b.description or b.action
        )
    for ident, shown in keys.items():
        label = " / ".join(dict.fromkeys(shown))
        if ident == "label" and sorted(shown) == sorted(LABEL_KEYS):
            label = "1…9, 0, letters"
        table.add_row(Text(label), Text(what[ident]), Text("label-KEY" if ident == "label" else ident))
    table.add_row(Text("ctrl+p"), Text("Command palette: jump to a unit, find text, filter the queue, switch layer, theme"),
                  Text(""))
    return table


class HelpScreen(ModalScreen[None]):
    """All keys, with what they do."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close"),
    ]

    def __init__(self, label_screen: Screen) -> None:
        super().__init__()
        self.label_screen = label_screen

    def compose(self) -> ComposeResult:
        """An intro and the key table."""
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(bindings_table(self.label_screen), id="help-keys")
            yield Static(Text(INTRO), id="help-intro")
            yield Static(Text("escape, ? or q closes this", style="dim"))

    def action_close(self) -> None:
        """Back to labelling."""
        self.dismiss()
