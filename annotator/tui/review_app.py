"""The review application and :func:`build_review_app`, the factory the CLI and tests share."""

from __future__ import annotations

from textual.app import App

from annotator.store import Store
from annotator.tui.review_screen import ReviewScreen
from annotator.tui.review_session import ReviewSession


class ReviewApp(App[None]):
    """Adjudicate one dataset's disagreements into gold."""

    CSS_PATH = "review.tcss"
    TITLE = "annotator review"

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def get_default_screen(self) -> ReviewScreen:
        """The review screen is the app."""
        return ReviewScreen(self.session)


def build_review_app(store: Store, dataset: str, adjudicator: str) -> ReviewApp:
    """The review app for ``adjudicator`` on ``dataset``."""
    return ReviewApp(ReviewSession(store, dataset, adjudicator))


__all__ = ["ReviewApp", "build_review_app"]
