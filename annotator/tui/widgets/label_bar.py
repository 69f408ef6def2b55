"""LabelBar: the current layer's labels with their number keys, in their colours."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from annotator.models import LABEL_KEYS, Scheme


def label_keys(scheme: Scheme, layer: str) -> list[tuple[str, str]]:
    """(key, label) pairs for the number keys of ``layer`` (hotkey, else position)."""
    pairs: list[tuple[str, str]] = []
    for n, lab in enumerate(scheme.labels(layer)):
        key = lab.hotkey if lab.hotkey in LABEL_KEYS else (str((n + 1) % 10) if n < 10 else "")
        if key:
            pairs.append((key, lab.name))
    return pairs


def label_bar_text(scheme: Scheme, layer: str) -> Text:
    """``1 PERSON 2 ORG …`` in the labels' colours."""
    out = Text()
    for n, (key, name) in enumerate(label_keys(scheme, layer)):
        if n:
            out.append(" ")
        out.append(key, style="bold reverse")
        out.append(f" {name}", style=f"bold {scheme.color_of(name)}")
    return out


class LabelBar(Static):
    """One line (wrapping when narrow) of ``1 PERSON 2 ORG …``."""

    def show(self, scheme: Scheme, layer: str) -> None:
        """Redraw for ``layer``."""
        self.update(label_bar_text(scheme, layer))
