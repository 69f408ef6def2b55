"""The labelling application and :func:`build_app`, the factory the CLI and the tests share."""

from __future__ import annotations


from textual.app import App

from annotator.config import Config
from annotator.errors import InputError
from annotator.store import Store
from annotator.tui.commands import LabelCommands
from annotator.tui.help_screen import HelpScreen
from annotator.tui.label_screen import LabelScreen
from annotator.tui.session import LabelSession, resolve_dataset


def binding_ids() -> set[str]:
    """Every remappable binding id of the labelling UI."""
    ids = {b.id for b in LabelScreen.BINDINGS if getattr(b, "id", None)}  # type: ignore[union-attr]
    ids |= {b.id for b in HelpScreen.BINDINGS if getattr(b, "id", None)}  # type: ignore[union-attr]
    return {i for i in ids if i}


class AnnotatorApp(App[None]):
    """Label units of one dataset as one annotator."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {LabelCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, session: LabelSession, config: Config | None = None) -> None:
        super().__init__()
        self.session = session
        self.config = config or Config()
        if self.config.theme:
            if self.config.theme not in self.available_themes:
                known = ", ".join(sorted(self.available_themes))
                raise InputError(self.config.path or "config", f"field theme: unknown theme {self.config.theme!r} (known: {known})")
            self.theme = self.config.theme
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))

    def get_default_screen(self) -> LabelScreen:
        """The labelling screen is the app."""
        return LabelScreen(self.session)


def build_app(
    store: Store,
    dataset: str | None = None,
    annotator: str = "annotator",
    *,
    config: Config | None = None,
    app_class: type[AnnotatorApp] = AnnotatorApp,
) -> AnnotatorApp:
    """The labelling app for ``annotator`` on ``dataset`` (default: the newest dataset)."""
    config = config or Config()
    unknown = sorted(set(config.keys) - binding_ids())
    if unknown:
        raise InputError(
            config.path or "config", f"field keys.{unknown[0]}: unknown binding id "
            f"(known: {', '.join(sorted(binding_ids()))})",
        )
    ds = resolve_dataset(store, dataset)
    return app_class(LabelSession(store, ds, annotator), config)


__all__ = ["AnnotatorApp", "binding_ids", "build_app"]
