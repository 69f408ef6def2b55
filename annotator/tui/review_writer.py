"""The review screen's one writer: a thread that stores gold decisions and undos in the order
they were made (the labelling screen's :mod:`~annotator.tui.session_writer` pattern).

Pure Python (no Textual): the screen submits jobs and gets events back through ``notify``
(called on the writer thread; the screen posts them as messages). A busy database is not an
error: the job waits, a :class:`~annotator.tui.session_writer.Busy` event says so, and it is
tried again with a growing pause. :meth:`GoldWriter.close` waits for what is pending.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from annotator.models import Gold, Unit
from annotator.store.session_queries import is_busy_error, set_busy_timeout
from annotator.tui.review_session import ReviewSession
from annotator.tui.session_writer import DEFAULT_BUSY_TIMEOUT_S, MAX_BACKOFF_S, Busy, Failed

T = TypeVar("T")


@dataclass
class WriteGold:
    """Store one gold decision."""

    seq: int
    gold: Gold


@dataclass
class UndoGold:
    """Revert the adjudicator's latest standing gold."""

    seq: int


@dataclass
class GoldSaved:
    """A gold decision is committed."""

    seq: int
    gold: Gold


@dataclass
class GoldUndone:
    """An undo is committed: ``unit`` lost its latest gold (None: nothing to undo);
    ``has_gold`` says whether an older gold of it stands again."""

    seq: int
    unit: Unit | None
    has_gold: bool


def retry_busy(operation: Callable[[], T], on_busy: Callable[[int, BaseException], None]) -> T:
    """Run ``operation`` until it gets past a busy database, pausing longer each time;
    ``on_busy(attempt, error)`` is called before each pause."""
    delay, attempt = 0.05, 0
    while True:
        try:
            return operation()
        except Exception as e:
            if not is_busy_error(e):
                raise
            attempt += 1
            on_busy(attempt, e)
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)


class GoldWriter:
    """One writer thread and its job queue for one review session."""

    def __init__(self, session: ReviewSession, notify: Callable[[object], None], *,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.session = session
        self.notify = notify
        self.busy_timeout_s = busy_timeout_s
        self._jobs: queue.Queue[object] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="annotator-gold-writer", daemon=True)
        self._started = False
        self._closed = threading.Event()

    @property
    def pending(self) -> int:
        """Gold decisions and undos submitted and not committed (or failed) yet."""
        with self._lock:
            return self._pending

    def submit(self, job: WriteGold | UndoGold) -> None:
        """Queue ``job`` after everything submitted before it."""
        if self._closed.is_set():
            raise RuntimeError("the gold writer is closed")
        with self._lock:
            self._pending += 1
        if not self._started:
            self._started = True
            self._thread.start()
        self._jobs.put(job)

    def close(self, timeout: float | None = None) -> bool:
        """Stop after every queued job is done; True when the thread finished in ``timeout``."""
        self._closed.set()
        if not self._started:
            return True
        self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            set_busy_timeout(self.session.store, self.busy_timeout_s)
        except Exception as e:  # reported; the jobs below are still tried
            self.notify(Failed(None, f"cannot set the busy timeout: {e}"))
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                event = self._do(job)
            except Exception as e:
                with self._lock:
                    self._pending -= 1
                self.notify(Failed(job, str(e)))
                continue
            with self._lock:
                self._pending -= 1
            self.notify(event)

    def _busy(self, job: object) -> Callable[[int, BaseException], None]:
        return lambda attempt, e: self.notify(Busy(job, attempt, self.pending, str(e)))

    def _do(self, job: object) -> Any:
        session = self.session
        if isinstance(job, WriteGold):
            return GoldSaved(job.seq, retry_busy(lambda: session.write_gold(job.gold), self._busy(job)))
        if isinstance(job, UndoGold):
            def undo() -> tuple[Unit | None, bool]:
                unit = session.revert_gold()
                return unit, unit is not None and unit.id is not None and session.store.get_gold(unit.id) is not None
            unit, has_gold = retry_busy(undo, self._busy(job))
            return GoldUndone(job.seq, unit, has_gold)
        raise TypeError(f"unknown job {job!r}")


__all__ = ["GoldSaved", "GoldUndone", "GoldWriter", "UndoGold", "WriteGold", "retry_busy"]
