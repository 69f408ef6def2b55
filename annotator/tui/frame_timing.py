"""A labelling app that timestamps every frame it produces (for the UI benchmark).

:class:`FrameTimedApp` renders each compositor update to terminal bytes exactly as a real
terminal session would (only the final write is skipped when headless) and records
``time.perf_counter()`` when the frame is ready; :func:`send_key` injects a key the way the
terminal driver does, so latency = first frame after the key − the moment the key was sent.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata

from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.keys import _character_to_key, _get_unicode_name_from_key
from textual.screen import Screen

from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.span_text import SpanText


class FrameTimedApp(AnnotatorApp):
    """AnnotatorApp that records when each frame is ready and when the first sentence shows."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.frame_times: list[float] = []
        self.frame_bytes = 0
        self.first_sentence_at: float | None = None
        self.frame_event = asyncio.Event()

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        """Encode the frame for a terminal, timestamp it, then do what Textual does."""
        if renderable is not None and not self._batch_count:
            if isinstance(renderable, CompositorUpdate):
                self.frame_bytes += len(renderable.render_segments(self.console))
            now = time.perf_counter()
            self.frame_times.append(now)
            if self.first_sentence_at is None:
                try:
                    text = screen.query_one(SpanText)
                    if text.text and text.region.height:
                        self.first_sentence_at = now
                except Exception:
                    pass
            self.frame_event.set()
        super()._display(screen, renderable)


def send_key(app: AnnotatorApp, key: str) -> None:
    """Post ``key`` to the app as the terminal driver would."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)
