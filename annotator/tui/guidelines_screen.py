"""The guidelines screen (``G``): the dataset's guidelines as Markdown, over the labelling."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from annotator.tui.guidelines import Guidelines


class GuidelinesScreen(ModalScreen[None]):
    """Read the guidelines; escape, G or q goes back."""

    BINDINGS = [Binding("escape,G,q", "close", "Close", id="guidelines-close")]

    def __init__(self, guidelines: Guidelines) -> None:
        super().__init__()
        self.guidelines = guidelines

    def compose(self) -> ComposeResult:
        """The Markdown and where it comes from."""
        with VerticalScroll(id="guidelines-box"):
            yield Markdown(self.guidelines.text, id="guidelines-text")
            yield Static(f"{self.guidelines.source} \u00b7 version {self.guidelines.version} "
                         "(stored on every decision) \u00b7 escape, G or q closes this", id="guidelines-source")

    def action_close(self) -> None:
        """Back to labelling."""
        self.dismiss()
