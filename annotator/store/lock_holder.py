"""Who holds a database's write lock, in words for the one waiting for it.

A writer that waits says who it waits for, so that a lead whose import sits stopped in
another terminal, or a ``sqlite3`` shell left inside a transaction, is found and not guessed
at:

- **SQLite** (same machine): in WAL mode the write lock is a POSIX lock on byte 120 of the
  ``-shm`` file (SQLite's ``WAL_WRITE_LOCK``); Linux lists every such lock, with the pid of
  the process holding it, in ``/proc/locks``. The process's command line and whether it is
  stopped (Ctrl+Z, ``kill -STOP``, a debugger) come from ``/proc/PID``.
- **PostgreSQL**: the session holding the advisory write lock, from ``pg_locks`` and
  ``pg_stat_activity``; every annotator session names itself (``application_name``:
  :func:`application_name`) with its client's pid and host.

Elsewhere (no ``/proc``, no right to read another role's session) there is no name to give:
``None``, and the waiter says the database is busy as before.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.store.connection import Connection

#: The byte of the ``-shm`` file SQLite's WAL write lock is (``WALINDEX_LOCK_OFFSET`` + 0).
SQLITE_WAL_WRITE_BYTE = 120
PROC = Path("/proc")


def application_name() -> str:
    """What a PostgreSQL session of this process calls itself (at most 63 bytes, the server's
    limit): the client's pid and host, what another writer needs to find it."""
    return f"annotator pid {os.getpid()} on {socket.gethostname()}"[:63]


def process_alive(host: str, pid: int) -> bool:
    """Whether process ``pid`` of ``host`` still runs; True when that cannot be told (another
    host, or no right to signal it): then how long it has not been heard from decides."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class LockHolder:
    """Who holds the write lock: ``who`` ("pid 4321", or a PostgreSQL session's name), what it
    runs, whether it is a stopped process of this machine, and (PostgreSQL) how long its
    transaction has been open."""

    who: str
    command: str = ""
    stopped_pid: int | None = None
    detail: str = ""

    def short(self) -> str:
        """A few words for a status line."""
        return f"{self.who}{' (stopped)' if self.stopped_pid else ''} holds the write lock"

    def __str__(self) -> str:
        text = self.who + (f" ({self.command})" if self.command else "") + " holds the write lock"
        if self.detail:
            text += f" ({self.detail})"
        if self.stopped_pid:
            text += f", stopped: `kill -CONT {self.stopped_pid}` (or `fg` in its terminal) lets it go on"
        return text


def write_lock_holder(store: Connection) -> LockHolder | None:
    """Who holds ``store``'s database write lock now (None: nobody, or it cannot be told)."""
    try:
        if store.engine == "postgresql":
            return _postgres_holder(store)
        return _sqlite_holder(store.path)
    except Exception:  # noqa: BLE001 - a name is a courtesy: never a reason to fail a wait
        return None


def _sqlite_holder(path: str, proc: Path = PROC) -> LockHolder | None:
    try:
        st = os.stat(path + "-shm")
        locks = (proc / "locks").read_text()
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in locks.splitlines():
        # "1: POSIX  ADVISORY  WRITE 4321 fe:00:2146725 120 120" (a waiter's line has "->")
        fields = line.split()
        if len(fields) < 8 or fields[1] != "POSIX" or fields[3] != "WRITE" or fields[5] != device:
            continue
        start, end = int(fields[6]), fields[7]
        if start <= SQLITE_WAL_WRITE_BYTE and (end == "EOF" or SQLITE_WAL_WRITE_BYTE <= int(end)):
            return local_process(int(fields[4]), proc)
    return None


def local_process(pid: int, proc: Path = PROC) -> LockHolder:
    """Process ``pid`` of this machine: its command (shortened) and whether it is stopped."""
    return LockHolder(f"pid {pid}" + (" (this process)" if pid == os.getpid() else ""), _command(pid, proc),
                      pid if _stopped(pid, proc) else None)


def _command(pid: int, proc: Path) -> str:
    try:
        argv = [a for a in (proc / str(pid) / "cmdline").read_bytes().decode("utf-8", "replace").split("\0") if a]
    except OSError:
        return ""
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and not argv[1].startswith("-"):
        argv = argv[1:]  # a console script run by its interpreter: the script's name
    words = [Path(a).name if "/" in a and "://" not in a else a for a in argv]  # files by their names
    text = " ".join(" ".join(words).split())  # a `python -c` program's lines on one line
    return text if len(text) <= 60 else text[:59] + "…"


def _stopped(pid: int, proc: Path) -> bool:
    """Whether ``pid`` is stopped (state ``T``, or ``t``: stopped by a debugger)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:][:1] in ("T", "t")


def _postgres_holder(store: Connection) -> LockHolder | None:
    from annotator.store.dialect import WRITE_LOCK_KEY

    row = store._one(
        "SELECT a.application_name, a.state, EXTRACT(EPOCH FROM now() - a.xact_start) AS open_s,"
        " a.client_addr::text AS addr, a.pid = pg_backend_pid() AS mine"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ?::oid AND l.objsubid = 1"
        " LIMIT 1", (WRITE_LOCK_KEY,))
    if row is None:
        return None
    who = row["application_name"] or (f"a session from {row['addr']}" if row["addr"] else "another session")
    if row["mine"]:
        who += " (this session)"
    parts = []
    if row["open_s"] is not None:
        parts.append(f"its transaction open {float(row['open_s']):.0f} s")
    if row["state"] == "idle in transaction":
        parts.append("waiting for its client")
    return LockHolder(who, detail=", ".join(parts))
