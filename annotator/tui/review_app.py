"""The review application and :func:`build_review_app`, the factory the CLI and tests share."""

from __future__ import annotations

from textual.app import App

from annotator.config import Config
from annotator.store import Store
from annotator.tui.review_screen import ReviewScreen
from annotator.tui.review_session import ReviewSession


class ReviewApp(App[None]):
    """Adjudicate one dataset's disagreements into gold."""

    CSS_PATH = "review.tcss"
    TITLE = "annotator review"

    def __init__(self, session: ReviewSession, config: Config | None = None) -> None:
        super().__init__()
        self.session = session
        self.config = config or Config()
        if self.config.theme and self.config.theme in self.available_themes:
            self.theme = self.config.theme
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))  # the same config file as the labelling UI

    def get_default_screen(self) -> ReviewScreen:
        """The review screen is the app."""
        return ReviewScreen(self.session)


def build_review_app(store: Store, dataset: str, adjudicator: str, config: Config | None = None) -> ReviewApp:
    """The review app for ``adjudicator`` on ``dataset`` (keys and theme from ``config``)."""
    return ReviewApp(ReviewSession(store, dataset, adjudicator), config)


__all__ = ["ReviewApp", "build_review_app"]
