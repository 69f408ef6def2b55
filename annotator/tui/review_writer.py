"""The review screen's one writer: a thread that stores gold decisions and undos in the order
they were made (the labelling screen's :mod:`~annotator.tui.session_writer` pattern).

Pure Python (no Textual): the screen submits jobs and gets events back through ``notify``
(called on the writer thread; the screen posts them as messages). A busy database is not an
error: the job waits, a :class:`~annotator.tui.session_writer.Busy` event says so, and it is
tried again with a growing pause; so is a lost connection to a PostgreSQL server (the store
connects again by itself). When the connection dropped during the COMMIT of a gold decision,
the writer first looks whether it is stored (by unit, adjudicator and ``created``, fixed
before the first attempt), so nothing is stored twice; an undo cut off that way is reported,
not tried again (it could revert a second gold). :meth:`GoldWriter.close` waits for what is
pending.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from annotator.errors import GoldTaken
from annotator.models import Gold, Unit
from annotator.store.label_sessions import ReviewerRow
from annotator.store.session_queries import set_busy_timeout
from annotator.tui.review_session import ReviewSession
from annotator.tui.session_writer import DEFAULT_BUSY_TIMEOUT_S, NOT_STORED, Busy, Failed, retry_busy


@dataclass
class WriteGold:
    """Store one gold decision in place of the gold ``replaces`` (its id, None for none) that
    stood when the unit was read."""

    seq: int
    gold: Gold
    replaces: int | None = None


@dataclass
class UndoGold:
    """Revert the adjudicator's latest standing gold."""

    seq: int


@dataclass
class Present:
    """Record the unit this screen shows now (:meth:`GoldWriter.present` queues it)."""


@dataclass
class Leave:
    """This screen quits: remove its record."""


@dataclass
class Reviewers:
    """The other leads' review screens open on the dataset, and the unit each shows; the units
    whose gold was taken or reverted since last asked (whether each has gold now)."""

    others: list[ReviewerRow]
    gold: dict[int, bool]


@dataclass
class GoldSaved:
    """A gold decision is committed."""

    seq: int
    gold: Gold


@dataclass
class GoldRefused:
    """Nothing was written: another lead took gold on the unit (``standing``) since it was
    read here."""

    seq: int
    gold: Gold
    standing: Gold


@dataclass
class GoldUndone:
    """An undo is committed: ``unit`` lost its latest gold (None: nothing to undo);
    ``has_gold`` says whether an older gold of it stands again."""

    seq: int
    unit: Unit | None
    has_gold: bool


class GoldWriter:
    """One writer thread and its job queue for one review session."""

    def __init__(self, session: ReviewSession, notify: Callable[[object], None], *,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.session = session
        self.notify = notify
        self.busy_timeout_s = busy_timeout_s
        self._jobs: queue.Queue[object] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0  # gold decisions and undos
        self._queued = 0  # every job, the screen's records too
        self._thread = threading.Thread(target=self._run, name="annotator-gold-writer", daemon=True)
        self._started = False
        self._closed = threading.Event()
        self._written: set[int] = set()  # gold ids stored here: a later gold here may replace them
        self._showing: int | None = None  # the unit to record as shown (:meth:`present`)
        self._present_queued = False

    @property
    def pending(self) -> int:
        """Gold decisions and undos submitted and not committed (or failed) yet."""
        with self._lock:
            return self._pending

    @property
    def idle(self) -> bool:
        """Every job submitted is done (the screen's records too)."""
        with self._lock:
            return not self._queued

    def submit(self, job: WriteGold | UndoGold | Present | Leave) -> None:
        """Queue ``job`` after everything submitted before it."""
        if self._closed.is_set():
            raise RuntimeError("the gold writer is closed")
        with self._lock:
            self._pending += isinstance(job, (WriteGold, UndoGold))
            self._queued += 1
        if not self._started:
            self._started = True
            self._thread.start()
        self._jobs.put(job)

    def present(self, unit_id: int | None) -> None:
        """Record, after what is pending, that the screen shows ``unit_id``: one write for the
        latest unit, however many the lead passed meanwhile (nothing once the writer is closed)."""
        if self._closed.is_set():
            return
        with self._lock:
            self._showing = unit_id
            queued, self._present_queued = self._present_queued, True
        if not queued:
            self.submit(Present())

    def close(self, timeout: float | None = None) -> bool:
        """Stop after every queued job is done; True when the thread finished in ``timeout``."""
        self._closed.set()
        if not self._started:
            return True
        self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        store = self.session.store
        try:
            set_busy_timeout(store, self.busy_timeout_s)
        except Exception as e:  # reported; the jobs below are still tried
            self.notify(Failed(None, f"cannot set the busy timeout: {e}"))
        store.on_reconnect_wait = lambda reason: self.notify(
            Busy(None, 0, self.pending, f"the database server does not answer ({reason})", reconnecting=True))
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                event = self._do(job)
            except Exception as e:
                event = Failed(job, str(e))
            with self._lock:
                self._pending -= isinstance(job, (WriteGold, UndoGold))
                self._queued -= 1
            if event is not None:
                self.notify(event)

    def _busy(self, job: object) -> Callable[[int, BaseException], None]:
        return lambda attempt, e: self.notify(Busy.of(job, attempt, self.pending, e, self.session.store))

    def _do(self, job: object) -> Any:
        session = self.session
        if isinstance(job, WriteGold):
            gold = job.gold
            if gold.created is None:
                gold.created = time.time()  # fixed now: how a retry finds gold already stored

            def stored() -> object:
                current = session.store.get_gold(gold.unit_id)
                if current is None or current.created != gold.created or current.adjudicator != gold.adjudicator:
                    return NOT_STORED
                gold.id = current.id
                return gold

            replaces = {job.replaces} | self._written
            try:
                saved = retry_busy(lambda: session.write_gold(gold, replaces), self._busy(job), stored)
            except GoldTaken as e:
                return GoldRefused(job.seq, gold, e.standing)
            if saved.id is not None:
                self._written.add(saved.id)
            return GoldSaved(job.seq, saved)
        if isinstance(job, Present):
            with self._lock:
                self._present_queued = False
                unit_id = self._showing
            return Reviewers(*retry_busy(lambda: session.present(unit_id), self._busy(job)))
        if isinstance(job, Leave):
            retry_busy(session.leave, self._busy(job))
            return None
        if isinstance(job, UndoGold):
            def undo() -> tuple[Unit | None, bool]:
                unit = session.revert_gold()
                return unit, unit is not None and unit.id is not None and session.store.get_gold(unit.id) is not None
            unit, has_gold = retry_busy(undo, self._busy(job))
            return GoldUndone(job.seq, unit, has_gold)
        raise TypeError(f"unknown job {job!r}")


__all__ = ["GoldSaved", "GoldUndone", "GoldWriter", "UndoGold", "WriteGold", "retry_busy"]
