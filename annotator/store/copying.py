"""``annotator db copy``: every row of one database into a new one, on either engine (but the
labelling screens open on the source, :data:`NOT_COPIED`).

The source is read in one snapshot (SQLite: one read transaction; PostgreSQL: ``REPEATABLE
READ`` and a server-side cursor), table by table in the order their references need, each in
primary-key order (``annotations.reverts`` points back at earlier rows). The destination must
be empty (a new file, or a new PostgreSQL database; the store creates its schema) and is
written in one transaction: ``COPY`` on PostgreSQL, batched inserts on SQLite, ids kept as
they are, so a copy that fails half-way leaves nothing behind; on PostgreSQL the new rows are
then vacuumed and analysed, so the first queries on them are planned with their statistics
and can count from an index alone (as autovacuum would leave them after a while). The destination is new and
no one works in it yet, so this one long transaction holds no annotator up. Afterwards the
rows of every table are counted on both sides; any difference is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from annotator.errors import DatabaseError

if TYPE_CHECKING:
    from annotator.store import Store

#: Every table of the schema, in an order where each row's references are copied before it,
#: with the columns that order its rows. A table missing here is refused (a test copies a
#: database with every table filled, so a new migration's table cannot be forgotten).
TABLES: dict[str, str] = {
    "datasets": "id",
    "imports": "id",  # a running import (its staging dataset is copied, hidden, with it)
    "documents": "id",
    "units": "id",
    "unit_extents": "unit_id",
    "suggestions": "id",
    "annotator_ids": "id",
    "span_labels": "id",
    "annotations": "id",
    "decisions": "unit_id, annotator",
    "leases": "unit_id, annotator",
    "gold": "id",
    "gold_current": "unit_id",
    "label_sessions": "id",
}
#: Tables that say what is going on in the source, not what it holds: not copied (a labelling
#: screen open on the source is not open on the copy).
NOT_COPIED = frozenset({"label_sessions"})
#: Tables whose ``id`` the database gives (PostgreSQL's identity sequences follow the copy).
ID_TABLES = [t for t, key in TABLES.items() if key == "id"]
BATCH = 5000


def _tables(store: Store) -> list[str]:
    """The schema's tables in ``store`` (the migrations' own bookkeeping left out)."""
    if store.engine == "postgresql":
        rows = store.conn.raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        names = {r[0] for r in rows} - {"annotator_migrations"}
    else:
        rows = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        names = {r[0] for r in rows if not r[0].startswith(("sqlite_", "_sqlite"))}
    unknown = sorted(names - set(TABLES))
    if unknown:
        raise DatabaseError(f"{store.path}: table {unknown[0]!r} is unknown to `db copy`; nothing was copied")
    return [t for t in TABLES if t in names and t not in NOT_COPIED]


def _columns(store: Store, table: str) -> list[str]:
    cur = store.conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cur.description]


def _count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _read(store: Store, table: str, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of a table's rows in key order (inside the caller's read transaction)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"SELECT {cols} FROM {table} ORDER BY {TABLES[table]}"
    if store.engine == "postgresql":
        with store.conn.raw.cursor(name=f"copy_{table}") as cur:
            cur.itersize = BATCH
            cur.execute(sql)
            while batch := cur.fetchmany(BATCH):
                yield batch
        return
    cur = store.conn.execute(sql)
    while batch := cur.fetchmany(BATCH):
        yield batch


def copy_database(src: Store, dst: Store, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Copy every row of ``src`` into the empty ``dst``; returns the rows per table (equal on
    both sides, or :class:`DatabaseError`). ``progress(n)`` is called as rows are written;
    :func:`count_rows` gives the total beforehand."""
    if src.path == dst.path:
        raise DatabaseError(f"{dst.path}: is the source itself; copy into a new database")
    tables = _tables(src)
    missing = [t for t in tables if t not in _tables(dst)]
    if missing:
        raise DatabaseError(f"{dst.path}: has no table {missing[0]!r}; nothing was copied")
    filled = [(t, n) for t in tables if (n := _count(dst, t))]
    if filled:
        raise DatabaseError(f"{dst.path}: is not empty ({filled[0][1]} rows in {filled[0][0]}); "
                            "copy into a new database")
    counts: dict[str, int] = {}
    with src._lock, dst.write():
        src.conn.execute("BEGIN")  # one snapshot of the source
        try:
            for table in tables:
                counts[table] = _count(src, table)
                columns = _columns(src, table)
                if set(columns) != set(_columns(dst, table)):
                    raise DatabaseError(f"{table}: the columns of {src.path} and {dst.path} differ; nothing was copied")
                batches = _read(src, table, columns)
                if dst.engine == "postgresql":
                    def counted(batches: Iterator[list[tuple[Any, ...]]] = batches) -> Iterator[tuple[Any, ...]]:
                        for batch in batches:
                            yield from batch
                            if progress:
                                progress(len(batch))
                    dst.conn.copy_rows(table, columns, counted())
                else:
                    marks = ", ".join("?" * len(columns))
                    sql = f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in columns)}) VALUES ({marks})"
                    for batch in batches:
                        dst.conn.executemany(sql, batch)
                        if progress:
                            progress(len(batch))
            if dst.engine == "postgresql":
                dst.conn.reset_id_sequences([t for t in ID_TABLES if t in tables])
        finally:
            src.conn.execute("ROLLBACK")
    if dst.engine == "postgresql":
        dst.conn.vacuum_analyze()  # statistics and visibility of the new rows, before anyone reads them
    for t in tables:
        if (n := _count(dst, t)) != counts[t]:
            raise DatabaseError(f"{dst.path}: {t} has {n} rows after the copy, {src.path} {counts[t]}")
    return counts


def count_rows(store: Store) -> int:
    """Rows in every table the copy would write (for a progress bar)."""
    return sum(_count(store, t) for t in _tables(store))
