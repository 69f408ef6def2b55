"""The connection and transaction plumbing of the store: opening a database file, its
PRAGMAs, migrations (with a backup before an upgrade), :meth:`Connection.write` transactions
(``BEGIN IMMEDIATE``) and the small query helpers every table module uses.

One connection per :class:`~annotator.store.Store`, shared by the threads of a process under
one re-entrant lock; SQLite's busy timeout makes a writer wait for another process's
transaction instead of failing.

A PostgreSQL connection can drop (the server restarts, the network goes): the store then
connects again by itself, with pauses growing to :data:`RECONNECT_MAX_PAUSE_S`, for up to
:data:`RECONNECT_TIMEOUT_S`. A statement outside any transaction that only reads is run again
on the new connection; anything else raises :class:`ConnectionLost`, which says whether a
commit may have happened (``commit_unknown``) so that the caller, which knows what it wrote,
checks before writing it again. No transaction is ever continued on a new connection.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import DatabaseError
from annotator.store.agreement_rows import Ids
from annotator.store.dialect import display_url, is_postgres
from annotator.store.schema import MIGRATION_SET, MIGRATIONS_TABLE, SHIPPED_MIGRATIONS

if TYPE_CHECKING:
    from typing import Self

    from sqlite_utils import Database

DEFAULT_DB = "annotator.db"
#: SQLite's own busy handler's bound, for statements other than a write's BEGIN (which waits
#: as long as it takes, or as long as a screen's ``set_busy_timeout`` says).
BUSY_TIMEOUT_S = 60.0
#: A writer waiting this long for the write lock says who holds it (:func:`tell_lock_waits`),
#: and again every :data:`LOCK_NOTE_EVERY_S`.
LOCK_NOTE_S = 3.0
LOCK_NOTE_EVERY_S = 60.0
#: How often a writer waiting for SQLite's write lock tries to take it (see ``_begin_sqlite``).
LOCK_POLL_S = 0.002
#: How long a sliced write (:meth:`Connection.sliced_writes`) may hold the write lock before
#: the next :meth:`Connection.checkpoint` commits it: well under the 100 ms every writer is
#: promised, so that another process's decision waits at most about this long.
SLICE_S = 0.04
#: WAL pages after which a sliced writer copies the log into the database (SQLite's default
#: is 1,000): fewer, larger checkpoints while an import commits every few tens of ms.
WAL_PAGES = 1000
#: Unit ids an import reserves at a time (its units are written after their suggestions).
UNIT_ID_BLOCK = 4096
#: How long a lost PostgreSQL connection is tried again before the store gives up (seconds).
RECONNECT_TIMEOUT_S = 120.0
#: Longest pause between two attempts to connect again (the pause doubles from 50 ms).
RECONNECT_MAX_PAUSE_S = 2.0
#: Statements that only read: run again after a reconnect when they were outside a transaction.
_READS = ("SELECT", "WITH", "PRAGMA", "EXPLAIN", "SHOW", "VALUES")
_WRITE_WORDS = (" INSERT ", " UPDATE ", " DELETE ", " FOR UPDATE", " FOR SHARE")


class ConnectionLost(DatabaseError):
    """The connection to the PostgreSQL server dropped while a transaction or a write was on
    its way; the transaction is gone. ``commit_unknown``: it dropped during a COMMIT (or a
    write outside a transaction), so the write may or may not be stored."""

    def __init__(self, message: str, *, commit_unknown: bool) -> None:
        super().__init__(message)
        self.commit_unknown = commit_unknown


def server_gone_message(exc: BaseException) -> str | None:
    """One line for a PostgreSQL connection that failed under a command (psycopg's
    ``OperationalError`` met outside the store's helpers, e.g. mid-way through a streamed
    read), None for any other error."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, (psycopg.OperationalError, psycopg.errors.IdleInTransactionSessionTimeout)):
        return None
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"connection to the database server lost ({reason}); run the command again"


#: The stores open in this process, for a Ctrl+Z to ask whether one holds the write lock.
_OPEN: weakref.WeakSet[Connection] = weakref.WeakSet()
#: A Ctrl+Z came while a store held the write lock: stop when the last one lets go of it.
_stop_asked = False


def _forget_in_child() -> None:
    """In a forked worker the parent's stores are copies it never writes with: a Ctrl+Z there
    stops it at once."""
    global _stop_asked
    _OPEN.clear()
    _stop_asked = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _stop_now() -> None:
    """Stop this process as the terminal's Ctrl+Z would have (the shell sees the job stopped)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        os.kill(os.getpid(), signal.SIGSTOP)  # only the main thread may change a handler
        return
    handler = signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signal.SIGTSTP)  # stops here until SIGCONT (fg, bg)
    finally:
        signal.signal(signal.SIGTSTP, handler)


def stop_when_free(*_: Any) -> None:
    """Stop this process (as Ctrl+Z does) now if none of its stores holds the write lock, or
    as soon as the last one lets go of it (:meth:`Connection._stop_if_asked`): stopped while
    holding it, a long job would stop every annotator's saves until it is continued. The
    ``SIGTSTP`` handler of :func:`stop_politely`."""
    global _stop_asked
    if _a_store_writes():
        _stop_asked = True
    else:
        _stop_now()


def _a_store_writes() -> bool:
    """Whether one of this process's stores holds the write lock now."""
    return any(c._holds_write_lock() for c in list(_OPEN))


@contextmanager
def stop_politely() -> Iterator[None]:
    """Inside the block, Ctrl+Z (``SIGTSTP``) waits for this process's stores to let go of
    the write lock (:func:`stop_when_free`). In the main thread only, where there is job
    control; elsewhere a plain block."""
    import signal

    if not hasattr(signal, "SIGTSTP") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTSTP, stop_when_free)
    try:
        yield
    finally:
        signal.signal(signal.SIGTSTP, before)


#: What a write waiting for the lock tells (:func:`tell_lock_waits`); None: it waits quietly.
_lock_wait_note: Callable[[str], None] | None = None


@contextmanager
def tell_lock_waits(note: Callable[[str], None]) -> Iterator[None]:
    """Inside the block, a write of any store that waits :data:`LOCK_NOTE_S` for another
    process's write lock passes ``note`` a line saying who holds it (the CLI prints it to
    stderr), then again every :data:`LOCK_NOTE_EVERY_S`, and goes on waiting. (A screen's
    writes wait a bounded time and say so themselves: they never get here.)"""
    global _lock_wait_note
    before, _lock_wait_note = _lock_wait_note, note
    try:
        yield
    finally:
        _lock_wait_note = before


def only_reads(sql: str) -> bool:
    """Whether ``sql`` is a statement that changes nothing (safe to run twice)."""
    head = sql.lstrip()[:8].upper()
    if not head.startswith(_READS):
        return False
    text = " " + " ".join(sql.upper().split()) + " "
    return not any(w in text for w in _WRITE_WORDS)


def default_db_path() -> str:
    """``$ANNOTATOR_DB`` or ``./annotator.db``."""
    return os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def _check_file(path: str, create: bool) -> None:
    """Refuse, with a one-line message, a path that is not (and cannot become) a database."""
    p = Path(path)
    if not p.exists() and not create:
        raise DatabaseError(f"{path}: no such database (import something first)")
    if p.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database file")
    # The file's header is checked through SQLite (see Connection), never with open(): closing
    # any other descriptor of the file drops every POSIX lock this process holds on it.


class Connection:
    """One open, migrated database connection and its transactions."""

    def __init__(self, path: str | Path, *, create: bool = True, durable: bool = True) -> None:
        self.path = str(path)
        #: "sqlite" (a file) or "postgresql" (a postgresql:// URL); see store/dialect.py
        self.engine = "postgresql" if is_postgres(self.path) else "sqlite"
        self._lock = threading.RLock()
        self._db: Database | None = None
        self._durable = durable
        #: write() blocks open on this connection; a connection lost inside a transaction
        #: (``_lost_in_txn``) is not replaced behind the back of the code that opened it
        self._depth = 0
        self._lost_in_txn = False
        self._shut = False  # close() was called: never connect again
        #: how many times a lost connection was replaced (PostgreSQL)
        self.reconnects = 0
        #: When the last statement that came back was sent (wall clock: a laptop's sleep counts;
        #: sent, not answered: a process stopped while the answer was on its way reads it later).
        self._sent_at = time.time()
        #: called (with the reason, on whichever thread) each time the server does not answer
        #: an attempt to connect again: a screen says it is waiting
        self.on_reconnect_wait: Callable[[str], None] | None = None
        #: called (with a line to show) when an import must wait for another import into the
        #: same dataset to finish (PostgreSQL)
        self.on_import_wait: Callable[[str], None] | None = None
        #: how long (ms) a write waits for another process's write lock before "database is
        #: locked" (a screen's short bound, session_queries.set_busy_timeout); None: as long as
        #: it takes, saying who holds it (:func:`tell_lock_waits`)
        self._busy_ms: int | None = None
        if self.engine == "postgresql":
            self._open_postgres(create, durable)
        else:
            self._open_sqlite(create, durable)
        # What a write transaction hands out, forgotten when it ends: ids of annotator names
        # and span labels (kept across transactions once committed), the id the next unit
        # gets, and the unit ids given by insert_document(defer_units=True) not yet written.
        self._ids = Ids(self._x)
        self._next_unit_id: int | None = None
        self._deferred: set[int] = set()
        # Sliced writes (an import): how long a transaction may be held, when it began; the
        # import being written (its id, the target dataset's id and name, the staging
        # dataset's id) and the block of unit ids it has reserved (next, last).
        self._slice_hold: float | None = None
        self._slice_began = 0.0
        self._import: tuple[int, int, int, str] | None = None
        self._unit_block: list[int] | None = None
        # PostgreSQL: sliced writes that are one transaction (an import), each slice holding
        # the write lock at session level; a second connection for what others must see at
        # once (the import's reserved unit ids and heartbeat, new name and label ids)
        self._one_transaction = False
        self._slice_locked = False
        self._side: Any = None
        #: the first unit id the running import reserved (every unit it adds has one as large)
        self._import_first_unit: int | None = None
        _OPEN.add(self)

    def _open_postgres(self, create: bool, durable: bool) -> None:
        """Connect to a PostgreSQL database (psycopg 3) and bring its schema up to date. The
        database itself must exist (the server's owner creates it); ``create`` only says whether
        an empty one gets the schema. ``durable=False`` commits without waiting for the disk."""
        import psycopg

        from annotator.store.dialect import PgConnection

        url, self.path = self.path, display_url(self.path)
        self._url = url
        try:
            self.conn = PgConnection(url)
            self.conn.on_lock_wait = self._note_lock_wait
        except psycopg.OperationalError as e:
            reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            raise DatabaseError(f"{self.path}: cannot connect ({reason})") from None
        try:
            if not durable:
                self.conn.raw.execute("SET synchronous_commit = off")
            if not create and not self._applied_migrations():
                raise DatabaseError(f"{self.path}: no annotator database here yet (import something first)")
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    # ------------------------------------------------------------------ a lost connection
    def _closed(self) -> bool:
        """Whether the PostgreSQL connection is gone (closed by a drop, not by :meth:`close`)."""
        return self.engine == "postgresql" and not self._shut and bool(self.conn.raw.closed)  # type: ignore[attr-defined]

    def _is_lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the PostgreSQL connection dropping (psycopg closes it then)."""
        if self.engine != "postgresql" or isinstance(exc, ConnectionLost):
            return False
        import psycopg

        # whatever psycopg calls it (the server ending an idle transaction's session is an
        # InternalError), an error that leaves the connection closed is the connection lost
        return isinstance(exc, psycopg.Error) and self._closed()

    def _lost(self, exc: BaseException, *, commit_unknown: bool) -> ConnectionLost:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._ended_for_silence(exc):
            from annotator.store.dialect import LOCK_HOLDER_SILENCE_MS

            commit_unknown = False  # ended before the COMMIT came: rolled back
            reason = (f"the server ended this session after it held the write lock {LOCK_HOLDER_SILENCE_MS / 1000:g} s"
                      " without a word, so that others could write: was the process stopped?")
        what = "the last write may or may not be stored" if commit_unknown else "the open transaction is lost"
        return ConnectionLost(f"{self.path}: connection to the server lost ({reason}); {what}",
                              commit_unknown=commit_unknown)

    def _ended_for_silence(self, exc: BaseException) -> bool:
        """Whether the server ended the session for sitting silent in its transaction (see
        :data:`~annotator.store.dialect.LOCK_HOLDER_SILENCE_MS`): psycopg says so, or reports
        only the closed socket, after a silence that long while this session held the lock."""
        from annotator.store.dialect import LOCK_HOLDER_SILENCE_MS

        if getattr(exc, "sqlstate", None) == "25P03":
            return True
        # often all that reaches the client is the closed socket: silent that long while
        # holding the lock, the session was ended for it
        return ((self._depth > 0 or self._slice_locked)
                and time.time() - self._sent_at >= LOCK_HOLDER_SILENCE_MS / 1000)

    def _in_transaction_now(self) -> bool:
        """Whether a transaction is (or was, when the connection dropped) open."""
        return (self._depth > 0 or self._slice_hold is not None or self._lost_in_txn
                or (not self._closed() and self.conn.in_transaction))

    def reconnect(self, timeout: float | None = None) -> None:
        """Replace a lost PostgreSQL connection: connect again, pausing longer each time, for up
        to ``timeout`` (default :data:`RECONNECT_TIMEOUT_S`); :class:`ConnectionLost` if the
        server never answers. What the lost transaction had handed out is forgotten."""
        if self.engine != "postgresql":
            return
        import psycopg

        from annotator.store.dialect import PgConnection

        with self._lock:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001 - it is gone either way
                pass
            deadline = time.monotonic() + (RECONNECT_TIMEOUT_S if timeout is None else timeout)
            pause = 0.05
            while True:
                try:
                    conn = PgConnection(self._url, connect_timeout=max(1, min(10, int(deadline - time.monotonic()))))
                    if not self._durable:
                        conn.raw.execute("SET synchronous_commit = off")
                    break
                except psycopg.OperationalError as e:
                    if time.monotonic() + pause > deadline:
                        raise self._lost(e, commit_unknown=False) from None
                    if self.on_reconnect_wait is not None:
                        self.on_reconnect_wait(str(e).strip().splitlines()[-1] if str(e).strip() else "no answer")
                    time.sleep(pause)
                    pause = min(pause * 2, RECONNECT_MAX_PAUSE_S)
            conn.text_factory = self.conn.text_factory  # type: ignore[attr-defined]
            if self._busy_ms is not None:
                conn.busy_timeout(self._busy_ms)
            conn.on_lock_wait = self._note_lock_wait
            self.conn = conn
            self._lost_in_txn = False
            self._forget_transaction()
            self.reconnects += 1

    def _ensure_connected(self) -> None:
        """Before a statement: replace a connection that dropped while nothing was open on it;
        one that dropped inside a transaction stays an error until a new transaction begins."""
        if self._closed():
            if self._in_transaction_now():
                raise ConnectionLost(f"{self.path}: connection to the server lost; the open transaction is lost",
                                     commit_unknown=False)
            self.reconnect()

    def _run(self, sql: str, call: Any) -> Any:
        """``call()`` (one statement, under the lock) on a live connection: a read outside a
        transaction is run again after a reconnect; any other statement whose connection drops
        raises :class:`ConnectionLost`."""
        if self.engine != "postgresql":
            return call()
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        while True:
            self._ensure_connected()
            in_txn = self._in_transaction_now()
            try:
                sent = time.time()
                out = call()
                self._sent_at = sent
                return out
            except Exception as e:
                if not self._is_lost(e):
                    raise
                if in_txn:
                    self._lost_in_txn = True
                    raise self._lost(e, commit_unknown=False) from None
                if not only_reads(sql):
                    raise self._lost(e, commit_unknown=True) from None
                if time.monotonic() > deadline:
                    raise self._lost(e, commit_unknown=False) from None
                self.reconnect(max(0.0, deadline - time.monotonic()))

    def _open_sqlite(self, create: bool, durable: bool) -> None:
        memory = self.path == ":memory:"
        if not memory:
            _check_file(self.path, create)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        self.conn = conn
        try:
            if not memory:
                try:
                    conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
                except sqlite3.DatabaseError as e:
                    if "file is not a database" in str(e):
                        conn.close()
                        raise DatabaseError(f"{self.path}: not an SQLite database") from None
                    raise
            old_level = conn.isolation_level
            conn.isolation_level = None  # PRAGMAs below may not run inside a transaction
            if not memory:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-65536")
            conn.isolation_level = old_level
            self._migrate()
        except sqlite3.DatabaseError as e:
            conn.close()
            raise DatabaseError(f"{self.path}: cannot be opened as a database ({e})") from None

    # ------------------------------------------------------------------ lifecycle
    @property
    def db(self) -> Database:
        """The sqlite-utils view of this connection (imported on first use: it is slow to
        import, and start-up to the first sentence must stay fast)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

    def _applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in the database, oldest first (plain SQL, so
        opening an up-to-date database needs no sqlite-utils import)."""
        if self.engine == "postgresql":
            from annotator.store import pg_schema

            return pg_schema.applied(self.conn, MIGRATION_SET)  # type: ignore[arg-type]
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        if not exists:
            return []
        rows = self.conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
        ).fetchall()
        return [r[0] for r in rows]

    def _migrate(self) -> None:
        applied = self._applied_migrations()
        if tuple(applied) == SHIPPED_MIGRATIONS and "annotator.store.migrations" not in sys.modules:
            return  # up to date: no need to load sqlite-utils and the migration code
        from annotator.store.migrations import known_names

        known = known_names()
        unknown = [n for n in applied if n not in known]
        if unknown:
            raise DatabaseError(
                f"{self.path}: written by a newer annotator (schema migration {unknown[-1]!r} "
                "is unknown to this version); upgrade annotator to open it"
            )
        if all(n in applied for n in known):
            return
        if self.engine == "postgresql":  # all in one transaction; backups are pg_dump's job
            from annotator.store import pg_schema

            with self._lock:
                pg_schema.migrate(self.conn, MIGRATION_SET)  # type: ignore[arg-type]
            return
        from annotator.store.migrations import migrations

        if applied and self.path != ":memory:":
            self._backup_before_upgrade(len(applied))
        with self._lock:
            migrations.apply(self.db)

    def _backup_before_upgrade(self, version: int) -> Path:
        """Copy the whole database aside before changing its schema."""
        target = Path(f"{self.path}.bak-v{version}")
        n = 1
        while target.exists():
            n += 1
            target = Path(f"{self.path}.bak-v{version}.{n}")
        dest = sqlite3.connect(str(target))
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        return target

    @property
    def schema_version(self) -> list[str]:
        return self._applied_migrations()

    def close(self) -> None:
        _OPEN.discard(self)
        with self._lock:
            self._shut = True
            self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_cache_size(self, kib: int) -> None:
        """Cap this connection's page cache at ``kib`` KiB."""
        with self._lock:
            self.conn.execute(f"PRAGMA cache_size=-{int(kib)}")

    def integrity_check(self) -> str:
        """SQLite's ``integrity_check`` ("ok" or what is wrong). PostgreSQL checks its own
        pages as it reads them: there, "ok" when every table of the schema can be read."""
        if self.engine == "postgresql":
            from annotator.store.copying import TABLES

            for table in TABLES:
                self._one(f"SELECT 1 FROM {table} LIMIT 1")
            return "ok"
        row = self._one("PRAGMA integrity_check")
        return str(next(iter(row.values()))) if row else "unknown"

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def write(self, *, rows_only: bool = False) -> Iterator[Self]:
        """One write transaction (``BEGIN IMMEDIATE``: SQLite's one writer; on PostgreSQL a
        transaction-level lock every such writer takes, see store/dialect.py); nested calls
        join the outer one. ``rows_only``: on PostgreSQL, no database-wide lock — the
        transaction must lock what it reads to decide (:meth:`_row_locks`); on SQLite the
        same as any write. Inside :meth:`sliced_writes` the transaction stays open when the
        block ends, for the next :meth:`checkpoint` to commit."""
        with self._lock:
            if self._depth == 0 and self._slice_hold is None and self._closed():
                self._lost_in_txn = False  # a new unit of work: the lost one was reported
                self.reconnect()
            elif self._closed():
                self._ensure_connected()  # raises: the transaction around this one is gone
            conn = self.conn
            if conn.in_transaction:
                if self._one_transaction and not self._slice_locked:
                    self._hold_slice()
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            unlocked = (rows_only or self._one_transaction) and self.engine == "postgresql"
            begin = "BEGIN DEFERRED" if unlocked else "BEGIN IMMEDIATE"
            if self.engine == "postgresql":
                self._run("SELECT 1", lambda: self.conn.execute(begin))  # BEGIN changes nothing: run again if lost
            else:
                self._begin_sqlite()
            conn = self.conn
            sliced = self._slice_hold is not None
            self._slice_began = time.monotonic()
            if self._one_transaction:
                self._hold_slice()
            self._depth += 1
            try:
                yield self
            except BaseException as e:
                lost = self._is_lost(e)
                self._rollback()
                if lost:
                    raise self._lost(e, commit_unknown=False) from None
                raise
            else:
                if sliced:
                    return
                self._next_unit_id = None
                if self._deferred:
                    missing = len(self._deferred)
                    self._rollback()
                    raise RuntimeError(f"{missing} units given ids by insert_document(defer_units=True) were never"
                                       " written with insert_units; the transaction was rolled back")
                self._commit(conn)
            finally:
                self._depth -= 1
                self._stop_if_asked()

    def _begin_sqlite(self) -> None:
        """``BEGIN IMMEDIATE``, trying again every :data:`LOCK_POLL_S` while another process
        holds the write lock: as long as it takes (saying who holds it after
        :data:`LOCK_NOTE_S`, see :func:`tell_lock_waits`), or for the screens' short busy
        timeout, after which "database is locked" is raised for them to say the database is
        busy. SQLite's own busy handler sleeps up to 100 ms between tries; an import that
        commits every 40 ms and begins again at once leaves a gap of a millisecond or two,
        which such tries seldom hit (a decision waited seconds)."""
        conn = self.conn
        bound_ms = self._busy_ms
        began = time.monotonic()
        next_note = began + LOCK_NOTE_S
        conn.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    now = time.monotonic()
                    if "locked" not in str(e) or (bound_ms is not None and now - began > bound_ms / 1000):
                        raise
                    if bound_ms is None and now >= next_note:
                        self._note_lock_wait(now - began)
                        next_note = now + LOCK_NOTE_EVERY_S
                    time.sleep(LOCK_POLL_S)
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000) if bound_ms is None else bound_ms}")

    def _note_lock_wait(self, waited_s: float) -> None:
        """Tell :func:`tell_lock_waits`' note that a write has waited ``waited_s`` for the
        write lock, and who holds it."""
        note = _lock_wait_note
        if note is None:
            return
        from annotator.store.lock_holder import write_lock_holder

        holder = write_lock_holder(self)
        note(f"{self.path}: waiting {waited_s:.0f} s for the write lock: {holder or 'another program holds it'}")

    def _commit(self, conn: Any) -> None:
        """COMMIT; a connection lost on the way is :class:`ConnectionLost` with
        ``commit_unknown`` (the server may have committed before it went)."""
        try:
            conn.execute("COMMIT")
        except Exception as e:
            if not self._is_lost(e):
                raise
            self._forget_transaction()
            raise self._lost(e, commit_unknown=True) from None
        self._stop_if_asked()

    # ------------------------------------------------------------------ Ctrl+Z
    def _holds_write_lock(self) -> bool:
        """Whether this store now holds what other writers wait for: a :meth:`write` block, a
        slice's session-level lock (PostgreSQL), or a sliced transaction kept open between
        blocks. Not a reader's snapshot (an export's), nor a PostgreSQL import's transaction
        between slices: nobody waits for those."""
        if self._shut:
            return False
        if self._one_transaction:
            return self._slice_locked
        return (self._slice_locked or self._depth > 0
                or (self._slice_hold is not None and not self._closed() and self.conn.in_transaction))

    def _stop_if_asked(self) -> None:
        """After letting go of the write lock: the Ctrl+Z that waited for it, if any."""
        global _stop_asked
        if _stop_asked and not _a_store_writes():
            _stop_asked = False
            _stop_now()

    def _rollback(self) -> None:
        if self._closed():  # the server ended the transaction with the connection (reported)
            self._lost_in_txn = False
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._forget_transaction()

    def _forget_transaction(self) -> None:
        """Forget what an ended (rolled back or lost) transaction handed out."""
        self._ids.clear()  # ids this transaction added are gone
        self._next_unit_id = None
        self._deferred.clear()
        self._unit_block = None

    @contextmanager
    def sliced_writes(self, hold_s: float | None = None, *, one_transaction: bool = False) -> Iterator[Self]:
        """Writes inside join one transaction, committed at each :meth:`checkpoint` that
        finds it held for ``hold_s`` or more, and at the end; an exception rolls back the
        open slice (what earlier slices committed stays: the caller writes where it is not
        visible, as an import does under its staging dataset, and removes it).

        ``one_transaction`` (PostgreSQL; ignored on SQLite): the slices are one transaction,
        committed only at the end, nothing of it seen by others before (MVCC); a checkpoint
        lets go of the write lock instead of committing, so other writers wait no longer
        than with commits. An exception rolls back everything. The unit ids it reserves, its
        heartbeat and the ids of new annotator names and span labels are written on a second
        connection, committed at once: other writers must see the first two, and must never
        wait for this transaction to add a name or a label they add too."""
        with self._lock:
            if self._depth == 0 and self._slice_hold is None and self._closed():
                self.reconnect()
        if self._slice_hold is not None or self.conn.in_transaction:
            raise RuntimeError("sliced_writes() cannot run inside another write")
        if one_transaction and self.engine == "postgresql":
            from annotator.store.dialect import PgConnection

            self._side = PgConnection(self._url)
            self._ids = Ids(self._side.execute)
            self._one_transaction = True
        self._slice_hold = SLICE_S if hold_s is None else hold_s
        # Many short commits: without an fsync each (WAL with synchronous=NORMAL is still
        # safe against a crash of the process; a power cut may lose the last slices, which
        # the caller must be able to redo, as an import redoes its file), then as it was.
        # PostgreSQL's equivalent: synchronous_commit off (a crash of the server loses the
        # last commits, never a commit in the middle). One transaction has one commit: durable.
        sqlite = self.engine != "postgresql"
        sync = None
        if sqlite:
            sync = self.conn.execute("PRAGMA synchronous").fetchone()[0]
            self.conn.execute("PRAGMA synchronous=NORMAL")
            auto = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            self.conn.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
        elif not self._one_transaction:
            sync = self.conn.raw.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[attr-defined]
            self.conn.raw.execute("SET synchronous_commit = off")  # type: ignore[attr-defined]
        try:
            yield self
        except BaseException:
            with self._lock:
                self._rollback()
                self._let_go_of_slice()
            raise
        else:
            if self._one_transaction:
                with self._lock:
                    try:
                        if self.conn.in_transaction:
                            self._commit(self.conn)
                    finally:
                        self._let_go_of_slice()
            else:
                self.checkpoint(force=True)
        finally:
            self._slice_hold = None
            if self._one_transaction:
                self._one_transaction = False
                self._ids = Ids(self._x)
                self._side.close()
                self._side = None
            if sqlite:
                self.conn.execute(f"PRAGMA synchronous={int(sync)}")
                self.conn.execute(f"PRAGMA wal_autocheckpoint={int(auto)}")
            elif sync is not None and not self._closed():
                self.conn.raw.execute(f"SET synchronous_commit = {sync}")  # type: ignore[attr-defined]

    def checkpoint(self, force: bool = False) -> None:
        """Commit the open slice of :meth:`sliced_writes` if it has been held long enough
        (or ``force``): call it where the rows written so far are whole (between documents)
        and before waiting for anything but the database."""
        conn = self.conn
        if self._slice_hold is None or not conn.in_transaction or (self._one_transaction and not self._slice_locked):
            return
        if not force and time.monotonic() - self._slice_began < self._slice_hold:
            return
        with self._lock:
            if self._one_transaction:
                if self._import is not None:
                    self._side.execute("UPDATE imports SET touched = ? WHERE id = ?", (time.time(), self._import[0]))
                self._let_go_of_slice()
                return
            if self._import is not None:
                self._x("UPDATE imports SET touched = ? WHERE id = ?", (time.time(), self._import[0]))
            self._commit(conn)
            self._next_unit_id = None

    def _hold_slice(self) -> None:
        """One transaction's next slice: take the write lock (session level) and start its clock."""
        self._slice_locked = True  # before: a Ctrl+Z in between must find the lock taken
        try:
            self._run("SELECT 1", self.conn.hold_writes)  # type: ignore[attr-defined]
        except BaseException:
            self._slice_locked = False
            raise
        self._slice_began = time.monotonic()

    def _let_go_of_slice(self) -> None:
        """End a slice of one transaction: let go of the write lock (gone anyway with a lost
        connection)."""
        if not self._slice_locked:
            return
        try:
            if not self._closed():
                self.conn.release_writes()  # type: ignore[attr-defined]
        except Exception as e:
            if not self._is_lost(e):
                raise
            self._lost_in_txn = True
            raise self._lost(e, commit_unknown=False) from None
        finally:
            self._slice_locked = False
            self._stop_if_asked()

    def _take_unit_ids(self, n: int) -> int:
        """The first of ``n`` new unit ids (inside a write). Ids are never below those an
        unfinished import has reserved; an import reserves blocks in its ``imports`` row,
        since it writes its units after their suggestions, in later transactions."""
        if self._import is not None:
            block = self._unit_block
            if block is None or block[0] + n - 1 > block[1]:
                first = self._first_free_unit_id()
                block = self._unit_block = [first, first + max(n, UNIT_ID_BLOCK) - 1]
                if self._import_first_unit is None:
                    self._import_first_unit = first
                (self._side or self.conn).execute("UPDATE imports SET unit_hi = ? WHERE id = ?", (block[1], self._import[0]))
            first = block[0]
            block[0] += n
            return first
        first = self._next_unit_id
        if first is None:
            first = self._first_free_unit_id()
        self._next_unit_id = first + n
        return first

    def _added_by_import(self, unit_id: int, dataset_id: int) -> bool:
        """Whether the unit is one the running import has added: staged under its staging
        dataset (SQLite), or given an id from its reservations (PostgreSQL, where it is written
        into the dataset itself, and the dataset's other units are older)."""
        if self._import is None:
            return False
        if self._one_transaction:
            return self._import_first_unit is not None and unit_id >= self._import_first_unit
        return dataset_id == self._import[2]

    def _new_ids(self, table: str, n: int) -> list[int]:
        """Ids for ``n`` new rows of ``table`` (inside a write), so that many rows go in as one
        bulk insert and their ids are known without reading them back: on SQLite the next
        ``n`` after the largest (the write lock is held until the rows are in), on PostgreSQL
        ``n`` values of the table's id sequence (which inserts without an id use too)."""
        if n <= 0:
            return []
        if self.engine == "postgresql":
            return self._run("nextval", lambda: self.conn.next_ids(table, n))  # type: ignore[attr-defined]
        first = int(self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]) + 1
        return list(range(first, first + n))

    def _first_free_unit_id(self) -> int:
        """One past the highest unit id written or reserved by a running import (two reads:
        SQLite's two-argument MAX is PostgreSQL's GREATEST)."""
        units = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM units").fetchone()[0]
        reserved = self.conn.execute("SELECT COALESCE(MAX(unit_hi), 0) FROM imports").fetchone()[0]
        return max(int(units), int(reserved)) + 1

    def _row_locks(self, alias: str, *, skip: bool) -> str:
        """The clause that makes a SELECT lock the rows it picks from table ``alias`` until
        the transaction ends: on PostgreSQL ``FOR UPDATE OF alias`` (``SKIP LOCKED``: passing
        over rows another transaction holds), nothing on SQLite, whose ``BEGIN IMMEDIATE``
        already holds the whole database."""
        if self.engine != "postgresql":
            return ""
        return f" FOR UPDATE OF {alias}" + (" SKIP LOCKED" if skip else "")

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`write` (or a read transaction) is open on this connection."""
        return self._depth > 0 or (not self._closed() and self.conn.in_transaction)

    # ------------------------------------------------------------------ query helpers
    def _q(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """All rows of a query, as dicts."""
        with self._lock:
            cur = self._run(sql, lambda: self.conn.execute(sql, params))
            cols = [d[0] for d in cur.description] if cur.description else []
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        """The first row of a query as a dict, None if there is none."""
        rows = self._q(sql, params)
        return rows[0] if rows else None

    def _x(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement; its cursor."""
        with self._lock:
            return self._run(sql, lambda: self.conn.execute(sql, params))

    def _x_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        with self._lock:
            self._run(sql, lambda: self.conn.executemany(sql, rows))

    def _bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many new rows: ``COPY`` on PostgreSQL, one prepared INSERT on SQLite."""
        with self._lock:
            if self.engine == "postgresql":
                self._run("COPY", lambda: self.conn.copy_rows(table, columns, rows))  # type: ignore[attr-defined]
                return
            cols = ", ".join(f'"{c}"' for c in columns)
            self.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", rows)

    def _tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query as plain tuples (no dict per row: the fast readers' form)."""
        with self._lock:
            return self._run(sql, lambda: self.conn.execute(sql, params)).fetchall()

    def _iter(self, sql: str, params: Sequence[Any], batch: int = 2000) -> Iterator[dict[str, Any]]:
        """Stream rows keyset-paginated on ``id`` so memory stays flat. ``sql`` must select
        an ``id`` column, have ``AND <alias>.id > ?`` then ``LIMIT ?`` as its last two
        parameters, and order by id."""
        after = -1
        while True:
            rows = self._q(sql, (*params, after, batch))
            if not rows:
                return
            yield from rows
            after = rows[-1]["id"]
            if len(rows) < batch:
                return
