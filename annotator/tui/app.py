"""The one application: :func:`build_app` opens it on the labelling screen, and
:func:`build_review_app` on the review screen (``annotator review``); the CLI and the tests
share both factories. Either way the configured keymap, the theme (kept when changed), the
command palette and ``?`` help apply."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from pathlib import Path

from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from annotator.config import Config, save_theme
from annotator.errors import InputError
from annotator.store import Store
from annotator.tui.commands import LabelCommands
from annotator.tui.help_screen import HelpScreen
from annotator.tui.label_screen import LabelScreen
from annotator.tui.review_session import ReviewSession
from annotator.tui.session import LabelSession, resolve_dataset
from annotator.tui.session_writer import DEFAULT_BUSY_TIMEOUT_S


def binding_ids() -> set[str]:
    """Every remappable binding id of the labelling UI."""
    ids = {b.id for b in LabelScreen.BINDINGS if getattr(b, "id", None)}  # type: ignore[union-attr]
    ids |= {b.id for b in HelpScreen.BINDINGS if getattr(b, "id", None)}  # type: ignore[union-attr]
    from annotator.tui.review_merge import MergeScreen
    from annotator.tui.review_screen import ReviewScreen  # one config file for both screens

    ids |= {b.id for b in [*ReviewScreen.BINDINGS, *MergeScreen.BINDINGS] if getattr(b, "id", None)}  # type: ignore[union-attr]
    return {i for i in ids if i}


class AnnotatorApp(App[None]):
    """Label units of one dataset as one annotator, or review (adjudicate) its disagreements."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {LabelCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, session: LabelSession | None, config: Config | None = None,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S, *, review: ReviewSession | None = None) -> None:
        super().__init__()
        if (session is None) == (review is None):
            raise ValueError("give a labelling session or a review session")
        self.session = session
        self.review = review
        self.busy_timeout_s = busy_timeout_s
        self.config = config or Config()
        if self.config.theme:
            if self.config.theme not in self.available_themes:
                known = ", ".join(sorted(self.available_themes))
                raise InputError(self.config.path or "config", f"field theme: unknown theme {self.config.theme!r} (known: {known})")
            self.theme = self.config.theme
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))

    def on_mount(self) -> None:
        """Remember a theme chosen while the app runs (palette) in the config file; end the
        session properly when the terminal goes away."""
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._hung_up)
        except (NotImplementedError, RuntimeError, AttributeError):  # no such signals here, or not the main thread
            pass

    def _hung_up(self) -> None:
        """The terminal closed (an SSH connection dropped, a window shut: SIGHUP) or the process
        was asked to end (SIGTERM): exit as ``q`` does, without waiting for a screen nobody
        sees. The screens' unmount stores every queued decision (waiting out a busy database)
        and gives back the units this annotator holds, instead of dying with them: units
        leased for ten minutes to nobody, a key press not yet committed lost."""
        self.exit()

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name == self.config.theme:
            return
        self.config.theme = theme.name
        try:
            where = save_theme(theme.name, Path(self.config.path) if self.config.path else None)
        except OSError as e:
            self.notify(f"theme not saved: {e}", severity="warning")
            return
        self.notify(f"theme {theme.name} saved in {where}", timeout=3)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save screenshots (palette: Screenshot) in the working directory, or the temp
        directory when that is not writable (Textual's default, ~/Downloads, often is missing)."""
        if path is None:
            path = os.getcwd() if os.access(os.getcwd(), os.W_OK) else tempfile.gettempdir()
        return super().deliver_screenshot(filename, path, time_format)

    def get_default_screen(self) -> Screen[None]:
        """The labelling screen, or the review screen for ``annotator review``."""
        if self.review is not None:
            from annotator.tui.review_screen import ReviewScreen

            return ReviewScreen(self.review, self.busy_timeout_s)
        assert self.session is not None
        return LabelScreen(self.session, self.busy_timeout_s)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """On a screen with a status line (review), say it there: toasts would cover its panels."""
        say = getattr(self.screen, "say", None)
        if callable(say):
            say(message, warning=severity != "information")
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    async def action_quit(self) -> None:
        """Quit (Ctrl+Q too) only once the screen's decisions (or gold) are stored."""
        from annotator.tui.review_screen import ReviewScreen

        screen = next((s for s in self.screen_stack if isinstance(s, (LabelScreen, ReviewScreen))), None)
        if screen is None:
            self.exit()
        else:
            screen.action_quit()


def build_app(
    store: Store,
    dataset: str | None = None,
    annotator: str = "annotator",
    *,
    config: Config | None = None,
    app_class: type[AnnotatorApp] = AnnotatorApp,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
) -> AnnotatorApp:
    """The labelling app for ``annotator`` on ``dataset`` (default: the newest dataset).
    ``busy_timeout_s``: how long one write waits for another process's lock before the
    screen says the database is busy and tries again (it never gives up)."""
    config = _checked(config)
    ds = resolve_dataset(store, dataset)
    return app_class(LabelSession(store, ds, annotator), config, busy_timeout_s)


def build_review_app(
    store: Store,
    dataset: str | None = None,
    adjudicator: str = "annotator",
    *,
    config: Config | None = None,
    order: str = "document",
    app_class: type[AnnotatorApp] = AnnotatorApp,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
) -> AnnotatorApp:
    """The app on the review screen for ``adjudicator`` on ``dataset`` (default: the newest),
    the queue in ``order`` (``document`` or ``contested``). The queue is read by the screen in
    a worker, after the app starts."""
    config = _checked(config)
    ds = resolve_dataset(store, dataset)
    return app_class(None, config, busy_timeout_s, review=ReviewSession(store, ds.name, adjudicator, order=order))


def _checked(config: Config | None) -> Config:
    """``config`` (default: the defaults), its key ids checked against the app's bindings."""
    config = config or Config()
    unknown = sorted(set(config.keys) - binding_ids())
    if unknown:
        raise InputError(
            config.path or "config", f"field keys.{unknown[0]}: unknown binding id "
            f"(known: {', '.join(sorted(binding_ids()))})",
        )
    return config


__all__ = ["AnnotatorApp", "binding_ids", "build_app", "build_review_app"]
