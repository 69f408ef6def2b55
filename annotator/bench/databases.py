"""Where a benchmark's database lives: an SQLite file in the work folder, or, with
``annotator bench --db postgresql://…``, a database of its own on that server.

On PostgreSQL every benchmark run gets a fresh database (``annotator_bench_<pid>_<name>``,
created empty, dropped when the run ends), so no run measures on what another left behind.
SQLite files stay in the work folder and the large ones are reused between runs (building a
million units takes minutes), as they always were.

What a benchmark only reads (export, agreement from a dataset, the labelling screen) is built
once as an SQLite file and, on PostgreSQL, copied into the fresh database with ``annotator db
copy``'s code (``COPY``, then ``ANALYZE``; :func:`served`): both engines measure the same rows,
and a million decisions reach the server in a minute instead of one statement at a time.
What a benchmark writes (import, labelling while importing) is written on the engine measured.
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


@contextmanager
def served(workdir: Path, name: str, built: str) -> Iterator[str]:
    """The database a reading benchmark measures: ``built`` (an SQLite file) itself, or a fresh
    database on the server holding a copy of every row of it, dropped when the block ends."""
    if SERVER is None:
        yield built
        return
    from annotator.store import open_store
    from annotator.store.copying import copy_database

    with bench_database(workdir, name) as url:
        src, dst = open_store(built, create=False), open_store(url, durable=False)
        try:
            copy_database(src, dst)
        finally:
            src.close()
            dst.close()
        yield url


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
