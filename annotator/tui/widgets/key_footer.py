"""KeyFooter: Textual's Footer that shows the keys even while the app has no focus.

In a browser (``annotator serve``) the app starts without focus until the first click, and
Textual's Footer skips drawing its keys then, leaving the key line blank."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """The key line, drawn whether or not the app has focus."""

    def bindings_changed(self, screen: Screen) -> None:
        """Redraw the keys for ``screen`` (Footer waits for app focus; this does not)."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
