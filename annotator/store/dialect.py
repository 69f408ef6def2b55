"""What differs between the store's two engines, and nothing else.

The store's SQL is written once, in SQLite's words (``?`` placeholders, ``INSERT OR IGNORE``,
``BEGIN IMMEDIATE``, ``lastrowid``). On SQLite it runs as written. On PostgreSQL (≥ 14, through
psycopg 3) :class:`PgConnection` offers the same few calls the store makes on a ``sqlite3``
connection — ``execute``, ``executemany``, ``in_transaction``, ``close`` — and says each
statement in PostgreSQL's words (:func:`translate`, once per distinct statement):

- ``?`` → ``%s``; ``?1`` (SQLite's numbered parameter) and ``:name`` → ``%(name)s``;
- ``INSERT OR IGNORE INTO …`` → ``INSERT INTO … ON CONFLICT DO NOTHING``;
- an ``INSERT`` into a table with an ``id`` column gets ``RETURNING id``, which the cursor
  hands back as ``lastrowid``;
- SQLite's planner hints go: ``CROSS JOIN … ON`` (a join order for SQLite) → ``JOIN … ON``,
  unary ``+column`` (keeps SQLite off an index) → ``column``;
- ``group_concat(blob, '')`` → ``string_agg(blob, ''::bytea)`` and ``group_concat(x)`` →
  ``string_agg(x::text, ',')``: every aggregate of one query sees the rows in the same order,
  and the readers of packed columns check that order (they sort, or read row by row);
- ``text_factory = bytes`` (text read back as UTF-8 bytes, as the packed readers want) is
  kept by the cursor;
- ``BEGIN IMMEDIATE`` (SQLite's one writer at a time) → ``BEGIN`` plus a transaction-level
  advisory lock that every writer of the database takes, so writers queue as they do on
  SQLite and ids given as ``MAX(id) + 1`` stay unique; work handed out to many annotators
  takes row locks instead (``FOR UPDATE SKIP LOCKED``), see the store's leases;
- ``BEGIN DEFERRED`` (what :meth:`Connection.write` opens for ``rows_only`` work, the lease
  claims) → ``BEGIN`` without that lock: the claim locks the unit rows it takes with
  ``FOR UPDATE SKIP LOCKED``, so annotators claiming at once pass each other by;
- a plain ``BEGIN`` (a reader's snapshot) → ``BEGIN ISOLATION LEVEL REPEATABLE READ``;
- SQLite ``PRAGMA``s (journal, cache) mean nothing to PostgreSQL: no-ops, but for
  ``PRAGMA busy_timeout=N``: a ``BEGIN IMMEDIATE`` then waits at most N ms for the write lock
  (``lock_timeout``, for that lock only) and raises :class:`WriteLockBusy`, as SQLite says
  "database is locked" (a screen sets a short one, to say the database is busy and try
  again); without it a writer waits for the lock as long as it takes, saying now and then
  who holds it (store/lock_holder.py).

Binary columns are ``BLOB`` on SQLite and ``BYTEA`` on PostgreSQL (both read back as
``bytes``); bulk loads use ``COPY`` on PostgreSQL (:meth:`PgConnection.copy_rows`). Only
``store/`` imports this module, and only this module and ``store/pg_schema.py`` import psycopg.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from annotator.store.lock_holder import application_name

POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_BUSY_TIMEOUT = re.compile(r"PRAGMA\s+busy_timeout\s*=\s*(\d+)\s*$", re.IGNORECASE)
#: Tables whose rows get their ``id`` from the database; an insert into one returns it.
ID_TABLES = frozenset({"datasets", "documents", "units", "suggestions", "annotations", "gold", "annotator_ids",
                       "span_labels", "imports", "label_sessions"})
#: Rows per fetch of :meth:`PgConnection.stream` (one round trip each).
STREAM_ROWS = 20_000
#: From how many rows :meth:`PgConnection.executemany` sends an upsert as one statement.
BULK_MIN_ROWS = 200
#: The advisory lock key every PostgreSQL writer takes (SQLite's single write lock).
WRITE_LOCK_KEY = 0x616E6E6F  # "anno"
#: With a dataset's id, the advisory lock an import into that dataset holds throughout (two
#: 32-bit keys: a key space apart from the write lock's).
IMPORT_LOCK_KEY = 0x696D7074  # "impt"
#: How long a session holding the write lock may sit silent inside its transaction before the
#: server ends it (``idle_in_transaction_session_timeout``; its transaction rolled back, the lock
#: let go). A writer holds the lock for tens of milliseconds: one silent this long has stopped
#: (a debugger, a laptop put to sleep, a network gone), and every other writer would wait for
#: it. (Not a ``COPY`` waiting for its rows: the server waits for those as for a statement's
#: own work, and ends it only when the network says the client is gone, see
#: :data:`SESSION_SETTINGS`.) In milliseconds.
LOCK_HOLDER_SILENCE_MS = 20_000
#: Set on every session: the server asks a quiet client's machine whether it is still there
#: after 10 s, then every 5 s, and gives up after 3 unanswered asks (or 25 s of data it sent
#: that nobody acknowledged): a client whose machine went to sleep or off the network is ended
#: within about half a minute, whatever it held, instead of after the system's two hours.
#: (Over TCP only; a Unix socket's peer cannot vanish like that.)
SESSION_SETTINGS = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3",
                    "tcp_user_timeout": "25000"}


def is_postgres(target: object) -> bool:
    """Whether ``--db`` names a PostgreSQL database (a ``postgresql://`` URL) rather than a file."""
    return isinstance(target, str) and target.startswith(POSTGRES_PREFIXES)


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


#: An upsert of one row of parameters, in PostgreSQL's words (table, columns, conflict clause):
#: :meth:`PgConnection.executemany` sends many of them as one statement.
_UPSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^()]*)\)\s*VALUES\s*\(\s*%s(?:\s*,\s*%s)*\s*\)\s*"
                     r"(ON\s+CONFLICT\b.*)$", re.I | re.S)
_CONFLICT_TARGET = re.compile(r"ON\s+CONFLICT\s*\(([^()]*)\)", re.I)
_INSERT = re.compile(r"^\s*INSERT\s+(OR\s+IGNORE\s+)?INTO\s+(\w+)", re.I)
_PLUS_HINT = re.compile(r"(?<=[\s(,])\+(?=[A-Za-z_])")
_CONCAT_BYTES = re.compile(r"\bgroup_concat\(([^()]*(?:\([^()]*\))?[^()]*), ''\)", re.I)
_CONCAT_TEXT = re.compile(r"\bgroup_concat\(([^(),]*(?:\([^()]*\))?[^(),]*)\)", re.I)
_CROSS_JOIN = re.compile(r"\bCROSS\s+JOIN\b", re.I)


@lru_cache(maxsize=1024)
def translate(sql: str, returning: bool = True) -> tuple[str, bool, bool]:
    """(PostgreSQL statement, whether it returns the new row's id, whether its parameters
    are named) for one SQLite statement; ``returning=False`` for ``executemany``."""
    out: list[str] = []
    named = False
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):  # a string or a quoted name: copied as it is ('' / "" escape themselves)
            j = sql.index(c, i + 1) if c in sql[i + 1:] else n - 1
            out.append(sql[i:j + 1].replace("%", "%%"))
            i = j + 1
        elif c == "?":
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            if j > i + 1:
                out.append(f"%(p{sql[i + 1:j]})s")
                named = True
            else:
                out.append("%s")
            i = j
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (i == 0 or sql[i - 1] != ":"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1:j]})s")
            named = True
            i = j
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    text = _CROSS_JOIN.sub("JOIN", _PLUS_HINT.sub("", text))
    text = _CONCAT_BYTES.sub(r"string_agg(\1, ''::bytea)", text)
    text = _CONCAT_TEXT.sub(r"string_agg((\1)::text, ',')", text)
    returns_id = False
    m = _INSERT.match(text)
    if m:
        if m.group(1):
            text = text[:m.start(1)] + text[m.end(1):]
            text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if returning and m.group(2).lower() in ID_TABLES and not re.search(r"\bRETURNING\b", text, re.I):
            text = text.rstrip().rstrip(";") + " RETURNING id"
            returns_id = True
    return text, returns_id, named


def _params(params: Sequence[Any] | Mapping[str, Any], named: bool) -> Sequence[Any] | Mapping[str, Any]:
    if named and not isinstance(params, Mapping):
        return {f"p{k}": v for k, v in enumerate(params, 1)}
    return params


class PgCursor:
    """The part of a ``sqlite3.Cursor`` the store uses, over a psycopg cursor."""

    __slots__ = ("_cur", "lastrowid", "_as_bytes")

    def __init__(self, cur: Any, lastrowid: int | None = None, as_bytes: bool = False) -> None:
        self._cur = cur
        self.lastrowid = lastrowid
        self._as_bytes = as_bytes

    def _row(self, row: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if row is None or not self._as_bytes:
            return row
        return tuple(v.encode() if isinstance(v, str) else v for v in row)

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount if self._cur is not None else -1

    @property
    def description(self) -> Any:
        return self._cur.description if self._cur is not None else None

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._cur is None or self._cur.description is None:
            return None
        return self._row(self._cur.fetchone())

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._cur is None or self._cur.description is None:
            return []
        rows = self._cur.fetchall()
        return [self._row(r) for r in rows] if self._as_bytes else rows  # type: ignore[misc]

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._cur is None or self._cur.description is None:
            return []
        rows = self._cur.fetchmany(size)
        return [self._row(r) for r in rows] if self._as_bytes else rows  # type: ignore[misc]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class WriteLockBusy(Exception):
    """Another session held the write lock longer than this connection's ``PRAGMA
    busy_timeout`` (SQLite's "database is locked"): nothing was done, the write can be tried
    again unchanged."""


class PgConnection:
    """A psycopg 3 connection (autocommit: transactions are the store's explicit ``BEGIN`` …
    ``COMMIT``) that takes the store's SQLite statements, see the module docstring."""

    engine = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        import psycopg

        self.url = url
        self.text_factory: type = str  # sqlite3's switch: ``bytes`` reads text as UTF-8 bytes
        self.raw = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        settings = {**SESSION_SETTINGS, "application_name": application_name()}
        # and the server's own bounds: lock_timeout, put back by a write once it has the lock;
        # idle_in_transaction_session_timeout, put back by release_writes
        row = self.raw.execute("SELECT " + ", ".join(f"set_config('{k}', %s, false)" for k in settings)
                               + ", current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout')",
                               list(settings.values())).fetchone()
        self._lock_bound, self._idle_bound = str(row[-2]), str(row[-1])
        self._types: dict[str, dict[str, str]] = {}  # column types by table, for bulk upserts
        self._row_security: dict[str, bool] = {}  # whether row-level security applies, by table
        #: ms a BEGIN IMMEDIATE waits for the write lock (0: as long as it takes), and the
        #: server's own lock_timeout, put back once the lock is taken (PRAGMA busy_timeout)
        self._busy_ms = 0
        #: told (seconds waited) each time a write's unbounded wait for the lock is cut to say
        #: who holds it (the store's Connection._note_lock_wait)
        self.on_lock_wait: Callable[[float], None] | None = None

    # -- the sqlite3.Connection calls the store makes
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> PgCursor:
        head = sql.lstrip()[:16].upper()
        if head.startswith("PRAGMA"):
            busy = _BUSY_TIMEOUT.match(sql.strip())
            if busy:
                self.busy_timeout(int(busy.group(1)))
            return PgCursor(None)
        if head.startswith("BEGIN"):
            mode = sql.upper()
            self.begin(immediate="IMMEDIATE" in mode, rows="DEFERRED" in mode)
            return PgCursor(None)
        text, returns_id, named = translate(sql)
        cur = self.raw.cursor()
        try:
            cur.execute(text, _params(params, named))  # always parsed, so '%%' becomes '%'
        except Exception as e:
            raise self._refused(e) from None
        if returns_id:
            row = cur.fetchone() if cur.rowcount else None
            return PgCursor(cur, int(row[0]) if row else None)
        return PgCursor(cur, as_bytes=self.text_factory is bytes)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        text, _, named = translate(sql, returning=False)
        if not named and self.in_transaction:
            rows = rows if isinstance(rows, list) else list(rows)
            if len(rows) >= BULK_MIN_ROWS and (m := _UPSERT.match(text)):
                done = self._bulk_upsert(m.group(1), m.group(2), m.group(3), rows)
                if done is not None:
                    return done
        rows = [_params(r, named) for r in rows] if named else rows if isinstance(rows, list) else list(rows)
        cur = self.raw.cursor()
        try:
            if len(rows) == 1:
                cur.execute(text, rows[0])
            else:
                cur.executemany(text, rows)
                if self.in_transaction:
                    # psycopg ends a pipeline (executemany's) with a flush request after the sync,
                    # which stops the server's idle-in-transaction clock until the next statement
                    # (LOCK_HOLDER_SILENCE_MS would never end a writer stopped right here)
                    self.raw.execute("SELECT 1")
        except Exception as e:
            raise self._refused(e) from None
        return PgCursor(cur)

    def _bulk_upsert(self, table: str, columns: str, conflict: str, rows: list[Sequence[Any]]) -> PgCursor | None:
        """An upsert of many rows as one statement and one round trip: the rows sent as one
        array per column, ``INSERT … SELECT * FROM unnest(…) ON CONFLICT …`` (a round trip per
        row costs more than the row). None when two rows of the batch have the same conflict
        key (one statement may not change a row twice): the caller then runs them one by one."""
        names = [c.strip() for c in columns.split(",")]
        target = _CONFLICT_TARGET.match(conflict)
        if target and "DO UPDATE" in conflict.upper():
            key = [names.index(c.strip()) for c in target.group(1).split(",") if c.strip() in names]
            if len({tuple(r[k] for k in key) for r in rows}) != len(rows):
                return None
        types = self._column_types(table)
        arrays = ", ".join(f"%s::{types[n.strip(chr(34))]}[]" for n in names)
        cur = self.raw.cursor()
        try:
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {conflict}",
                        [list(col) for col in zip(*rows)])
        except Exception as e:
            raise self._refused(e) from None
        return PgCursor(cur)

    def _column_types(self, table: str) -> dict[str, str]:
        """Column name → SQL type of ``table`` (read once per connection)."""
        types = self._types.get(table)
        if types is None:
            types = self._types[table] = dict(self.raw.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
        return types

    def _refused(self, e: Exception) -> Exception:
        """A write this role may not make (``insufficient_privilege``: a missing grant, or a row
        that row-level security refuses) as the one-line :class:`~annotator.errors.DatabaseError`
        the CLI prints; any other error as it is."""
        import psycopg

        if not isinstance(e, psycopg.errors.InsufficientPrivilege):
            return e
        from annotator.errors import DatabaseError

        message = (e.diag.message_primary or str(e)).strip()
        return DatabaseError(f"{display_url(self.url)}: refused for role {self.raw.info.user!r}: {message}"
                             " (`annotator db grant` gives roles their rights)")

    def begin(self, *, immediate: bool, rows: bool = False) -> None:
        """A transaction: ``immediate`` takes the database's write lock at once, as SQLite's
        ``BEGIN IMMEDIATE`` does (held until COMMIT or ROLLBACK); ``rows`` (``BEGIN
        DEFERRED``) takes no such lock: the transaction locks the rows it claims
        (``FOR UPDATE``); otherwise a reader's snapshot (``REPEATABLE READ``)."""
        if immediate:
            self._begin_writing()
        elif rows:
            self.raw.execute("BEGIN")
        else:
            self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")

    def _begin_writing(self) -> None:
        """``BEGIN`` and the write lock, with the silence bound, waiting for the lock as
        :meth:`_take_write_lock` says. The bounds are the transaction's own (``set_config``'s
        ``is_local``)."""
        self._take_write_lock(
            lambda: self.raw.execute("BEGIN"), "pg_advisory_xact_lock",
            ", set_config('idle_in_transaction_session_timeout', %s, true)", (str(LOCK_HOLDER_SILENCE_MS),),
            lambda: self.raw.execute("ROLLBACK"), self._busy_ms)

    def _take_write_lock(self, start: Callable[[], object], lock: str, also: str, also_params: tuple[str, ...],
                         undo: Callable[[], object], bound_ms: int) -> None:
        """``start()``, then take the write lock with ``lock`` (an advisory lock function) and
        ``also`` (more of the same statement's target list). The wait is bounded by
        ``bound_ms`` (then ``undo()`` and :class:`WriteLockBusy`); without one it is cut
        every :data:`~annotator.store.connection.LOCK_NOTE_S` (then every minute), ``undo()``
        run, :attr:`on_lock_wait` told, and begun again. The lock timeout is put back in the
        statement that takes the lock (a target list runs left to right), so the rest of the
        transaction waits for row locks as the server says."""
        import time

        import psycopg

        from annotator.store.connection import LOCK_NOTE_EVERY_S, LOCK_NOTE_S

        began = time.monotonic()
        step_ms = bound_ms or int(LOCK_NOTE_S * 1000)
        while True:
            start()
            try:
                self.raw.execute(f"SELECT set_config('lock_timeout', %s, true), {lock}(%s),"
                                 f" set_config('lock_timeout', %s, true){also}",
                                 (str(step_ms), WRITE_LOCK_KEY, self._lock_bound, *also_params))
                return
            except psycopg.errors.LockNotAvailable:
                undo()
                if bound_ms:
                    raise WriteLockBusy(f"database is locked: another writer held the write lock {bound_ms} ms"
                                        ) from None
            if self.on_lock_wait is not None:
                self.on_lock_wait(time.monotonic() - began)
            step_ms = int(LOCK_NOTE_EVERY_S * 1000)

    def busy_timeout(self, ms: int) -> None:
        """``PRAGMA busy_timeout=ms``: how long :meth:`begin` waits for the write lock (0: as
        long as it takes)."""
        self._busy_ms = ms

    def commit(self) -> None:
        """End the open transaction, if any (sqlite3's ``commit``)."""
        if self.in_transaction:
            self.raw.execute("COMMIT")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()

    # -- PostgreSQL only
    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = STREAM_ROWS) -> Iterator[list[tuple[Any, ...]]]:
        """All rows of one query in batches (lists) of ``batch``, from a server-side cursor on
        a connection of its own (one ``REPEATABLE READ`` snapshot, read-only; this connection
        and its threads are left alone), in PostgreSQL's binary format (no hex text of
        ``bytea`` to decode). A thread fetches the next batch while the caller works on this
        one, so the server's work and the caller's overlap. (What keyset pages cost on SQLite —
        a short query per batch — costs more here: PostgreSQL does not carry a row-comparison
        bound over to the other side of a join, so each page re-read the joined table from
        its start.)"""
        import queue
        import threading

        import psycopg

        text, _, named = translate(sql, returning=False)
        as_bytes = self.text_factory is bytes
        ready: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def fetch() -> None:
            try:
                with psycopg.connect(self.url, autocommit=False) as conn:
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    with conn.cursor(name="annotator_stream", binary=True) as cur:
                        cur.itersize = batch
                        cur.execute(text, _params(params, named))
                        while not stop.is_set() and (rows := cur.fetchmany(batch)):
                            if as_bytes:
                                rows = [tuple(v.encode() if isinstance(v, str) else v for v in r) for r in rows]
                            ready.put(rows)
                    conn.rollback()
                ready.put(None)
            except BaseException as e:  # handed to the reader, raised there
                ready.put(e)

        worker = threading.Thread(target=fetch, name="annotator-stream", daemon=True)
        worker.start()
        try:
            while (got := ready.get()) is not None:
                if isinstance(got, BaseException):
                    raise got
                yield got
        finally:
            stop.set()
            while worker.is_alive():  # let a fetch blocked on the full queue finish
                try:
                    ready.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk-load rows with ``COPY … FROM STDIN``; returns how many. PostgreSQL refuses
        ``COPY FROM`` where row-level security applies to this role (a lead who is not the
        table's owner, see store/roles.py): there the rows go in as one prepared INSERT."""
        cols = ", ".join(f'"{c}"' for c in columns)
        secured = self._row_security.get(table)
        if secured is None:
            secured = self._row_security[table] = bool(
                self.raw.execute("SELECT row_security_active(%s)", (table,)).fetchone()[0])
        if secured:
            rows = list(rows)
            self.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", rows)
            return len(rows)
        n = 0
        with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    def hold_writes(self) -> None:
        """Take the write lock that ``BEGIN IMMEDIATE`` takes, at session level: it stays held
        across statements, and across COMMIT and ROLLBACK, until :meth:`release_writes` (an
        import written as one transaction holds it one slice at a time). While it is held, a
        silence of :data:`LOCK_HOLDER_SILENCE_MS` inside the transaction ends the session."""
        if self.raw.execute("SELECT pg_try_advisory_lock(%s), set_config('idle_in_transaction_session_timeout', %s,"
                            " false)", (WRITE_LOCK_KEY, str(LOCK_HOLDER_SILENCE_MS))).fetchone()[0]:
            return
        # taken by another session: wait as a write does, each step in a savepoint, so that the
        # import's transaction keeps what it wrote
        self._take_write_lock(lambda: self.raw.execute("SAVEPOINT annotator_write_lock"), "pg_advisory_lock", "", (),
                              lambda: (self.raw.execute("ROLLBACK TO SAVEPOINT annotator_write_lock"),
                                       self.raw.execute("RELEASE SAVEPOINT annotator_write_lock")), 0)
        self.raw.execute("RELEASE SAVEPOINT annotator_write_lock")

    def release_writes(self) -> None:
        """Let go of :meth:`hold_writes`' lock; the session's silence bound is again what the
        server sets (between slices an import waits for its own work, however long that takes)."""
        self.raw.execute("SELECT pg_advisory_unlock(%s), set_config('idle_in_transaction_session_timeout', %s, false)",
                         (WRITE_LOCK_KEY, self._idle_bound))

    def hold_imports(self, dataset_id: int, *, wait: bool = True) -> bool:
        """Hold the right to import into dataset ``dataset_id`` until :meth:`release_imports`
        (or the connection ends), once no other import into it runs: ``wait`` for that, or
        say (False) that one does."""
        if wait:
            self.raw.execute("SELECT pg_advisory_lock(%s, %s)", (IMPORT_LOCK_KEY, dataset_id))
            return True
        row = self.raw.execute("SELECT pg_try_advisory_lock(%s, %s)", (IMPORT_LOCK_KEY, dataset_id)).fetchone()
        return bool(row and row[0])

    def try_imports(self, dataset_id: int) -> bool:
        """Inside a transaction: whether no import into dataset ``dataset_id`` runs (and none
        can start before this transaction ends)."""
        row = self.raw.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (IMPORT_LOCK_KEY, dataset_id)).fetchone()
        return bool(row and row[0])

    def release_imports(self, dataset_id: int) -> None:
        self.raw.execute("SELECT pg_advisory_unlock(%s, %s)", (IMPORT_LOCK_KEY, dataset_id))

    def next_ids(self, table: str, n: int) -> list[int]:
        """``n`` new ids of ``table``'s identity sequence, in one round trip."""
        return [int(r[0]) for r in self.raw.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, n)).fetchall()]

    def vacuum_analyze(self) -> None:
        """``VACUUM ANALYZE`` the database (outside any transaction): the planner's statistics,
        and the visibility map that lets a count read an index alone."""
        self.raw.execute("VACUUM ANALYZE")

    def table_exists(self, name: str) -> bool:
        row = self.raw.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        return bool(row and row[0])

    def reset_id_sequences(self, tables: Iterable[str]) -> None:
        """After rows were written with explicit ids (a copy), make each table's next id follow
        its largest."""
        for table in tables:
            self.raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def database_missing(target: str) -> bool:
    """Whether ``--db`` names an SQLite file that does not exist (a PostgreSQL database is
    looked for when connecting)."""
    from pathlib import Path

    return not is_postgres(target) and target != ":memory:" and not Path(target).exists()


def sibling_database(url: str, name: str, *, fresh: bool = False) -> str:
    """The URL of the database ``name`` on the server of ``url`` (same user, host, options),
    created empty if it does not exist (``url``'s role needs CREATEDB for that); ``fresh``
    drops and recreates one that does."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def drop_database(url: str, server: str) -> None:
    """Drop the database ``url`` names (its sessions ended first), connected through
    ``server``, another database of the same server (one cannot drop the database one is in)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_bytes(url: str) -> int:
    """What the database ``url`` names takes on disk (``pg_database_size``: tables, indexes,
    TOAST; not the server's shared WAL)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0
