"""A write's wait for PostgreSQL's write lock, bounded by ``PRAGMA busy_timeout`` as SQLite's
is (what the labelling and review screens set, to say "database busy" and try again)."""

from __future__ import annotations

import time

import pytest

from annotator.store import open_store
from annotator.store.dialect import WriteLockBusy
from annotator.store.session_queries import is_busy_error, set_busy_timeout

pytestmark = pytest.mark.postgresql


def test_a_bounded_wait_gives_up_with_nothing_open_and_leaves_later_waits_alone(pg_db: str) -> None:
    holder, waiter = open_store(pg_db), open_store(pg_db)
    try:
        holder.ensure_dataset("news")
        set_busy_timeout(waiter, 0.2)
        with holder.write():
            t0 = time.monotonic()
            with pytest.raises(WriteLockBusy) as caught:
                with waiter.write():
                    raise AssertionError("the write lock was taken while another store held it")
            waited = time.monotonic() - t0
            assert is_busy_error(caught.value)
            assert 0.2 <= waited < 2.0
            assert not waiter.conn.in_transaction  # nothing left open: the write can be tried again
            waiter.reconnect()  # a new connection keeps the bound
            with pytest.raises(WriteLockBusy):
                with waiter.write():
                    pass
        with waiter.write():
            # the bound was for the write lock only: the rest of the transaction waits as the server says
            assert waiter._one("SHOW lock_timeout")["lock_timeout"] == "0"
            waiter.ensure_dataset("other")
        assert {d.name for d in holder.list_datasets()} == {"news", "other"}
    finally:
        holder.close()
        waiter.close()


def test_without_a_busy_timeout_a_writer_waits_as_long_as_it_takes(pg_db: str) -> None:
    import threading

    holder, waiter = open_store(pg_db), open_store(pg_db)
    try:
        done = threading.Event()

        def write() -> None:
            with waiter.write():
                waiter.ensure_dataset("late")
            done.set()

        with holder.write():
            t = threading.Thread(target=write)
            t.start()
            assert not done.wait(1.0)  # past any short bound: still waiting, no error
        t.join(10)
        assert done.is_set() and "late" in {d.name for d in holder.list_datasets()}
    finally:
        holder.close()
        waiter.close()


def test_an_imports_slice_waiting_for_the_lock_says_who_holds_it_and_keeps_its_transaction(pg_db: str) -> None:
    """PostgreSQL's one-transaction import takes the lock at each slice (hold_writes): when
    another session holds it, the wait is cut every 3 s to say so, in savepoints, and what the
    import's transaction wrote before stays."""
    import threading

    from annotator.store.dialect import PgConnection

    open_store(pg_db).close()
    holder = open_store(pg_db)
    importer = PgConnection(pg_db)
    waits: list[float] = []
    importer.on_lock_wait = waits.append
    try:
        importer.raw.execute("BEGIN")
        importer.raw.execute("CREATE TABLE written_before (x int)")
        importer.raw.execute("INSERT INTO written_before VALUES (1)")
        took = threading.Event()

        def slice_() -> None:
            importer.hold_writes()
            took.set()

        with holder.write():
            t = threading.Thread(target=slice_)
            t.start()
            assert not took.wait(3.6)  # past the first 3 s step: told once, still waiting
        t.join(10)
        assert took.is_set()
        assert len(waits) == 1 and 3.0 <= waits[0] < 3.6
        assert importer.raw.execute("SHOW lock_timeout").fetchone()[0] == "0"
        assert importer.raw.execute("SELECT x FROM written_before").fetchall() == [(1,)]
        importer.release_writes()
        importer.raw.execute("COMMIT")
        assert query_count(pg_db, "SELECT count(*) FROM written_before") == 1
    finally:
        holder.close()
        importer.close()


def query_count(db: str, sql: str) -> int:
    from conftest import query

    return int(query(db, sql)[0][0])
