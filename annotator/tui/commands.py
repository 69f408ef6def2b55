"""The command palette (Ctrl+P): jump to a unit, find units by text, filter the queue,
switch layer, change theme.

One :class:`LabelCommands` provider holds every command, each named with a prefix
(``filter: label PERSON``). Typing a number (``12``, ``jump 12``, ``jump to unit 12``)
offers ``unit: jump to unit 12``, and ``filter: document 12`` unless the words say jump;
``find: Zelensky`` (or ``find Zelensky``) lists the units whose text contains it (read off the
UI thread).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from annotator.store.session_queries import find_units
from annotator.tui.session import QueueFilter

#: "find: TEXT" or "find TEXT"
_FIND = re.compile(r"^\s*find\b:?\s*(.*)$", re.IGNORECASE)
#: "jump 12", "jump to unit 12", "go to 12", "unit 12"
_JUMP = re.compile(r"^\s*(jump|go|goto|unit)\b", re.IGNORECASE)


class LabelCommands(Provider):
    """Commands of the labelling screen."""

    async def startup(self) -> None:
        """Collect the dataset's suggesters once per palette opening (off the UI thread)."""
        from annotator.tui.label_screen import LabelScreen

        screen = self.screen
        self._screen = screen if isinstance(screen, LabelScreen) else None
        self._suggesters: list[str] = []
        if self._screen is not None:
            session = self._screen.session
            rows = await asyncio.to_thread(session.store.suggesters, session.dataset.name)
            self._suggesters = sorted({name for name, _version, _n in rows})

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name, callback, help) for every static command."""
        screen = self._screen
        if screen is None:
            return []
        cmds: list[tuple[str, Callable[[], object], str]] = [
            ("layer: entities", partial(screen.set_layer, "entities"), "Label entities"),
            ("layer: claims", partial(screen.set_layer, "claims"), "Label claims: CLAIM, SOURCE, CUE and their links"),
            ("view: toggle entities under claims", screen.action_toggle_overlay, "Show or hide entity colours in the claims layer"),
            ("filter: clear", partial(screen.set_filter, None), "Back to the plain queue"),
            ("find: TEXT", lambda: None, "Type find: and some words to list the units that contain them"),
            ("train: start a model from this dataset's gold (in the background)", screen.start_training,
             "When it finishes, its suggestions apply to units nobody has labelled yet"),
            ("report: the lead's report on this dataset", self._open_report,
             "Progress, agreement per pair and label, annotator quality, review order, suggestions"),
        ]
        scheme = screen.session.scheme
        for layer in ("entities", "claims"):
            for name in scheme.label_names(layer):
                cmds.append((f"filter: label {name}", partial(screen.set_filter, QueueFilter(label=name)),
                             f"Only units with a suggested {name}"))
        for name in self._suggesters:
            cmds.append((f"filter: suggester {name}", partial(screen.set_filter, QueueFilter(suggester=name)),
                         f"Only units {name} made suggestions for"))
        for theme in sorted(self.app.available_themes):
            cmds.append((f"theme: {theme}", partial(setattr, self.app, "theme", theme), "Change the colours"))
        return cmds

    def _open_report(self) -> None:
        """Open the lead's report screen on this dataset (built off the UI thread)."""
        from annotator.tui.report_screen import ReportScreen

        if self._screen is not None:
            session = self._screen.session
            self.app.push_screen(ReportScreen(str(session.store.path), session.dataset.name))

    def _numbered(self, query: str) -> list[tuple[str, Callable[[], object], str]]:
        """Commands that take the number typed in the query ("12", "jump 12", "go to unit 12")."""
        screen = self._screen
        match = re.search(r"\d+", query)
        if screen is None or not match or _FIND.match(query):
            return []
        n = int(match.group())
        jump = (f"unit: jump to unit {n}", partial(screen.jump_to, n), "Show this unit")
        if _JUMP.match(query):
            return [jump]
        return [jump, (f"filter: document {n}", partial(screen.set_filter, QueueFilter(document_id=n)),
                       "Only units of this document")]

    async def _found(self, query: str) -> list[tuple[str, Callable[[], object], str]]:
        """``find: TEXT``: jump commands for the units whose text contains TEXT."""
        screen = self._screen
        match = _FIND.match(query)
        if screen is None or not match or not match.group(1).strip():
            return []
        needle = match.group(1).strip()
        session = screen.session
        found = await asyncio.to_thread(find_units, session.store, session.dataset.name, needle)
        out: list[tuple[str, Callable[[], object], str]] = []
        for unit_id, text in found:
            at = text.lower().find(needle.lower())
            snippet = text[max(0, at - 30):at + len(needle) + 30] if at >= 0 else text[:60]
            out.append((f"find: unit {unit_id} \u2014 {snippet}", partial(screen.jump_to, unit_id),
                        f"Show unit {unit_id}"))
        if not out:
            out.append((f"find: no unit contains {needle!r}", lambda: None, "Nothing to show"))
        return out

    async def discover(self) -> Hits:
        """The commands shown before anything is typed."""
        for name, callback, help_text in self._commands()[:4]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands matching ``query``."""
        matcher = self.matcher(query)
        for name, callback, help_text in self._numbered(query):
            yield Hit(1.0, matcher.highlight(name), callback, text=name, help=help_text)
        for rank, (name, callback, help_text) in enumerate(await self._found(query)):
            yield Hit(1.0 - rank / 1000, Text(name), callback, text=name, help=help_text)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
