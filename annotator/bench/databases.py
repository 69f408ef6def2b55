"""Where a benchmark's database lives: an SQLite file in the work folder, or, with
``annotator bench --db postgresql://…``, a database of its own on that server.

On PostgreSQL every benchmark run gets a fresh database (``annotator_bench_<pid>_<name>``,
created empty, dropped when the run ends), so no run measures on what another left behind.
SQLite files stay in the work folder and the large ones are reused between runs (building a
million units takes minutes), as they always were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.store.dialect import database_bytes, drop_database, is_postgres, sibling_database

#: ``--db postgresql://…`` of ``annotator bench`` (None: SQLite files).
SERVER: str | None = None


def use_server(url: str | None) -> None:
    """Build the benchmarks' databases on the PostgreSQL server ``url`` (None: SQLite files)."""
    global SERVER
    SERVER = url


@contextmanager
def bench_database(workdir: Path, name: str) -> Iterator[str]:
    """The ``--db`` of one benchmark run: ``workdir/NAME.db`` (kept for reuse), or a fresh
    database on the server, dropped when the block ends."""
    if SERVER is None:
        yield str(workdir / f"{name}.db")
        return
    import os

    url = sibling_database(SERVER, f"annotator_bench_{os.getpid()}_{name}".replace("-", "_").lower(), fresh=True)
    try:
        yield url
    finally:
        drop_database(url, SERVER)


def database_mb(target: str) -> float:
    """MB on disk of the database ``target`` (an SQLite file with its WAL, or a PostgreSQL
    database's tables and indexes)."""
    if is_postgres(target):
        return database_bytes(target) / 1e6
    return sum(Path(target + sfx).stat().st_size for sfx in ("", "-wal") if Path(target + sfx).exists()) / 1e6


def remove(target: str) -> None:
    """Delete an SQLite database file and its WAL (a PostgreSQL database is dropped by
    :func:`bench_database`)."""
    if is_postgres(target):
        return
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
