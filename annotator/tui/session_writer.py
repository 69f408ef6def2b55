"""The labelling session's one writer: a thread with its own connection that takes decisions,
undos and unit claims from an in-order queue (datasette's one-writer pattern).

Pure Python (no Textual): the screen submits jobs and gets events back through ``notify``
(called on the writer thread; the screen posts them as messages). A busy database — another
process holding the write lock — is not an error: the job waits in order and is retried with
backoff, and a :class:`Busy` event says so. Nothing after it runs first, so decisions are
stored in the order they were made. :meth:`SessionWriter.close` waits for what is pending.

A lost connection to a PostgreSQL server (a restart) is waited out the same way: the store
connects again by itself (store/connection.py) and the job is run again. When the connection
dropped during the COMMIT, the writer first looks whether the decision (or undo) is stored —
a decision by its unit, annotator, answer and ``created`` time, fixed before the first
attempt; an undo by the row it reverts — so nothing is stored twice.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from annotator.models import Annotation
from annotator.store import Store
from annotator.store.connection import ConnectionLost
from annotator.store.label_sessions import LabelSessionRow
from annotator.store.lock_holder import LockHolder, write_lock_holder
from annotator.store.session_queries import (
    is_busy_error, latest_decision_id, reverted_unit, set_busy_timeout, stored_annotation_id,
)
from annotator.tui.session import LabelSession, UnitView

#: How long one attempt waits for the lock inside SQLite before the writer reports "busy"
#: and tries again (seconds); the screen's status line updates between attempts.
DEFAULT_BUSY_TIMEOUT_S = 1.0
#: Longest pause between two attempts (the pause doubles from 50 ms up to this).
T = TypeVar("T")
MAX_BACKOFF_S = 1.0
#: What a check for a write of unknown outcome returns when the write is not stored.
NOT_STORED = object()


# ---------------------------------------------------------------------- jobs
@dataclass
class Decide:
    """Store one decision."""

    seq: int
    annotation: Annotation
    submitted_at: float = field(default_factory=time.perf_counter)


@dataclass
class Undo:
    """Revert the latest standing decision of this annotator."""

    seq: int
    submitted_at: float = field(default_factory=time.perf_counter)


@dataclass
class Renew:
    """Extend the leases on the units the screen holds (shown or claimed ahead), report those
    gone to someone else (:class:`Lost`), and say the screen is still open (:class:`SameName`
    if others are open under its name)."""

    unit_ids: list[int]


@dataclass
class Announce:
    """Record this screen (``label_sessions``) and tell it of the others open under its name
    (:class:`SameName`); submitted after the first claim, so that the first unit does not wait."""


@dataclass
class Release:
    """Give back every unit this annotator holds undecided and remove this screen's record
    (the session is ending)."""


@dataclass
class Fetch:
    """Claim up to ``n`` more units of the queue and build their views; first check that the
    units claimed ahead (``ahead``) are still this annotator's (:class:`Lost` if not)."""

    n: int
    generation: int = 0
    ahead: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------- events
@dataclass
class Saved:
    """A decision is committed."""

    seq: int
    unit_id: int
    annotation_id: int
    submitted_at: float
    committed_at: float


@dataclass
class Undone:
    """An undo is committed; ``view`` carries the reverted version (None: nothing to undo)."""

    seq: int
    view: UnitView | None
    answer: str
    committed_at: float


@dataclass
class Fetched:
    """Units claimed for the screen, in queue order (fewer than asked: the queue is empty)."""

    views: list[UnitView]
    asked: int
    generation: int


@dataclass
class Lost:
    """Units handed to this screen that went to someone else (the lead gave them back with
    ``annotator dataset release`` and another annotator took them under the overlap)."""

    unit_ids: list[int]


@dataclass
class SameName:
    """Other screens open under this screen's name on its dataset (they take the same units)."""

    others: list[LabelSessionRow]


@dataclass
class Busy:
    """The database is locked by another writer, or (``reconnecting``) the connection to the
    server dropped and the store is connecting again; ``job`` waits and will be retried."""

    job: object
    attempt: int
    waiting: int
    error: str
    reconnecting: bool = False
    #: who holds the write lock, when that can be told
    holder: LockHolder | None = None

    @classmethod
    def of(cls, job: object, attempt: int, waiting: int, error: BaseException, store: Store | None) -> Busy:
        """The event for ``error`` (a busy database or a lost connection) met by a write to
        ``store``, with who holds the lock (read here, on the writer's thread)."""
        lost = isinstance(error, ConnectionLost)
        return cls(job, attempt, waiting, str(error), reconnecting=lost,
                   holder=None if lost or store is None else write_lock_holder(store))

    def stopped_holder(self, told: set[int]) -> str | None:
        """The whole story, once per stopped process (its pid added to ``told``), when the
        lock is held by a process of this machine that is stopped (Ctrl+Z in a shell that does
        not let it finish first, ``kill -STOP``, a debugger): a status line has no room to
        say how to let it go on."""
        pid = self.holder.stopped_pid if self.holder else None
        if pid is None or pid in told:
            return None
        told.add(pid)
        return str(self.holder)

    def note(self, what: str) -> str:
        """The status line's words: ``what`` waits, and why."""
        if self.reconnecting:
            return f"connection to the database server lost, reconnecting: {what}, retrying"
        return f"database busy: {what}, retrying; " + (self.holder.short() if self.holder else "another program is writing")


@dataclass
class Failed:
    """A job failed for a reason other than a busy database (reported, never raised)."""

    job: object
    error: str


class SessionWriter:
    """One writer thread and its job queue for one labelling session."""

    def __init__(
        self,
        session: LabelSession,
        notify: Callable[[object], None],
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        store: Store | None = None,
    ) -> None:
        """``session`` is the screen's session (read side); the writer builds its own session
        over ``store`` (default: the session's store)."""
        self.notify = notify
        self.busy_timeout_s = busy_timeout_s
        self._reader = session
        self._shared_store = store
        self.session: LabelSession | None = None
        self._jobs: queue.Queue[object] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0  # decisions and undos not committed yet
        self._screen_id: int | None = None  # this screen's label_sessions row
        self._thread = threading.Thread(target=self._run, name="annotator-writer", daemon=True)
        self._started = False
        self._closed = threading.Event()

    # ------------------------------------------------------------------ the screen's side
    def start(self) -> None:
        """Start the thread (idempotent)."""
        if not self._started:
            self._started = True
            self._thread.start()

    @property
    def pending(self) -> int:
        """Decisions and undos submitted and not committed yet."""
        with self._lock:
            return self._pending

    def submit(self, job: object) -> None:
        """Queue ``job`` after everything submitted before it."""
        if self._closed.is_set():
            raise RuntimeError("the session writer is closed")
        if isinstance(job, (Decide, Undo)):
            with self._lock:
                self._pending += 1
        self.start()
        self._jobs.put(job)

    def close(self, timeout: float | None = None) -> bool:
        """Stop after every queued job is done, then give back the units this session holds
        undecided (their leases end); True when the thread finished in ``timeout``."""
        if not self._started:
            self._closed.set()
            return True
        if not self._closed.is_set():
            self._closed.set()
            self._jobs.put(Release())
            self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------ the thread
    def _open(self) -> LabelSession:
        """The writer's own session (its own claims and undo bookkeeping) over the store.

        The store's one connection is shared with the read workers (its lock serialises them;
        the UI thread never touches it). A second connection in the same process is not safe
        today: ``Store.__init__`` reads the file header with Python's ``open()``, and closing
        that file drops every POSIX lock the process holds on the database, after which another
        process may delete the WAL under the open connection (sqlite.org/howtocorrupt.html 2.2).
        """
        reader = self._reader
        store = self._shared_store or reader.store
        set_busy_timeout(store, self.busy_timeout_s)
        store.on_reconnect_wait = lambda reason: self.notify(
            Busy(None, 0, self.pending, f"the database server does not answer ({reason})", reconnecting=True))
        session = LabelSession(store, reader.dataset, reader.annotator)
        session.scheme = reader.scheme
        session.priority = reader.priority  # the least-sure list set before the screen started
        session.handed = reader.handed
        return session

    def _run(self) -> None:
        try:
            self.session = self._open()
        except Exception as e:  # reported: the screen shows it, and the jobs below fail one by one
            self.notify(Failed(None, f"cannot write to the database: {e}"))
        while True:
            job = self._jobs.get()
            if job is None:
                break
            try:
                self._do(job)
            except Exception as e:
                if isinstance(job, (Decide, Undo)):
                    with self._lock:
                        self._pending -= 1
                self.notify(Failed(job, str(e)))

    def _do(self, job: object) -> None:
        session = self.session
        if session is None:
            raise RuntimeError("no database connection for writing")
        if isinstance(job, Decide):
            ann = job.annotation
            if ann.created is None:
                ann.created = time.time()  # fixed now: how a retry finds a decision already stored

            def stored() -> object:
                assert ann.created is not None
                found = stored_annotation_id(session.store, ann.unit_id, ann.annotator, ann.answer, ann.created)
                if found is None:
                    return NOT_STORED
                session.handed.discard(ann.unit_id)
                return found

            ann_id = self._retry(job, lambda: session.record(ann), stored)
            with self._lock:
                self._pending -= 1
            self.notify(Saved(job.seq, job.annotation.unit_id, ann_id, job.submitted_at, time.perf_counter()))
        elif isinstance(job, Undo):
            target = self._retry(job, lambda: latest_decision_id(session.store, session.dataset.name, session.annotator))

            def undone_already() -> object:
                unit_id = reverted_unit(session.store, target) if target is not None else None
                unit = session.store.get_unit(unit_id) if unit_id is not None else None
                return NOT_STORED if unit is None else session.view_after_undo(unit)

            undone = self._retry(job, session.undo_view, undone_already)
            with self._lock:
                self._pending -= 1
            view, answer = undone if undone is not None else (None, "")
            self.notify(Undone(job.seq, view, answer, time.perf_counter()))
        elif isinstance(job, Announce):
            self._screen_id, others = self._retry(job, lambda: session.store.open_label_session(
                session.dataset.name, session.annotator))
            self._report_same_name(others)
        elif isinstance(job, Fetch):
            if job.ahead:
                self._check_held(job, job.ahead)
            if self._screen_id is not None:  # a screen opened under this name since is known at once
                screen_id = self._screen_id
                self._report_same_name(self._retry(job, lambda: session.store.same_name_screens(
                    screen_id, session.dataset.name, session.annotator)))
            # one unit per claim, each posted as it comes: a claim that waits for a busy
            # database never holds back the units claimed before it
            for k in range(job.n):
                views = self._retry(job, lambda: session.fetch(1))
                if not views:  # the queue is empty: the rest of the request is answered too
                    self.notify(Fetched([], job.n - k, job.generation))
                    break
                self.notify(Fetched(views, 1, job.generation))
        elif isinstance(job, Renew):
            store = session.store
            lost = [unit_id for unit_id in job.unit_ids
                    if not self._retry(job, lambda unit_id=unit_id: store.renew(session.dataset.name,
                                                                               session.annotator, unit_id))]
            self._report_lost(lost)
            if self._screen_id is not None:
                screen_id = self._screen_id
                self._report_same_name(self._retry(job, lambda: store.touch_label_session(
                    screen_id, session.dataset.name, session.annotator)))
        elif isinstance(job, Release):
            self._retry(job, lambda: session.store.release(session.dataset.name, session.annotator))
            session.handed.clear()
            if self._screen_id is not None:
                screen_id = self._screen_id
                self._retry(job, lambda: session.store.close_label_session(screen_id))
        else:
            raise TypeError(f"unknown job {job!r}")

    def _check_held(self, job: Fetch, unit_ids: list[int]) -> None:
        """Tell the screen which of the units it holds ahead went to someone else; they are
        no longer handed to this session."""
        session = self.session
        assert session is not None
        held = set(self._retry(job, lambda: session.store.still_held(session.dataset.name, session.annotator,
                                                                      unit_ids)))
        self._report_lost([u for u in unit_ids if u not in held])

    def _report_same_name(self, others: list[LabelSessionRow]) -> None:
        """Other screens open under this screen's name (the screen says so once per screen)."""
        if others:
            self.notify(SameName(others))

    def _report_lost(self, lost: list[int]) -> None:
        """Units of this session someone else holds now: no longer handed to it; the screen is told."""
        if lost and self.session is not None:
            self.session.handed.difference_update(lost)
            self.notify(Lost(lost))

    def _retry(self, job: object, operation: Callable[[], Any], stored: Callable[[], object] | None = None) -> Any:
        """:func:`retry_busy` with each pause reported as :class:`Busy` for ``job``; a write
        whose COMMIT outcome is unknown and that has no ``stored`` check is run again."""
        store = self.session.store if self.session is not None else None
        return retry_busy(operation, lambda attempt, e: self.notify(Busy.of(job, attempt, self.pending, e, store)),
                          stored, rerun_when_unknown=True)


def retry_busy(operation: Callable[[], T], on_busy: Callable[[int, BaseException], None],
               stored: Callable[[], object] | None = None, *, rerun_when_unknown: bool = False) -> T:
    """Run ``operation`` until it gets past a busy database or a lost connection, pausing
    longer each time; ``on_busy(attempt, error)`` is called before each pause. After a
    connection lost during the COMMIT, ``stored`` tells whether the operation took effect (its
    result) or not (:data:`NOT_STORED`); without ``stored`` the loss is raised, or, with
    ``rerun_when_unknown``, the operation is run again."""
    delay, attempt = 0.05, 0
    while True:
        try:
            return operation()
        except Exception as e:
            lost = isinstance(e, ConnectionLost)
            if not (lost or is_busy_error(e)):
                raise
            attempt += 1
            on_busy(attempt, e)
            if lost and e.commit_unknown:  # type: ignore[attr-defined]
                if stored is not None:
                    found = retry_busy(stored, on_busy)  # a read: the store connects again first
                    if found is not NOT_STORED:
                        return found  # type: ignore[return-value]
                elif not rerun_when_unknown:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
