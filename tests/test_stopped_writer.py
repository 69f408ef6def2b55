"""A writer that stops while it holds the write lock must not stop everyone else's saves.

- Ctrl+Z (``SIGTSTP``) on a running import, on either engine: the command stops only once it
  has let go of the write lock, so another process's decision goes through while it is
  stopped, and the import, continued, finishes whole.
- PostgreSQL: a session that sits silent holding the lock (stopped by a debugger, a laptop
  asleep) is ended by the server after ``LOCK_HOLDER_SILENCE_MS``; its transaction is rolled
  back, the others go on, and the stopped writer, continued, is told why in one line.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import query

from annotator.models import Annotation, Document, Unit
from annotator.store import open_store
from annotator.store.session_queries import set_busy_timeout
from tests.test_import_staged import doccano_corpus, import_cmd

REPO = Path(__file__).resolve().parents[1]


def stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped (state T in /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] in "Tt"


def seed(db: str, n: int = 40) -> list[int]:
    """A dataset ``team`` of ``n`` one-sentence documents; its unit ids."""
    store = open_store(db)
    team = store.ensure_dataset("team")
    texts = [f"Seed sentence number {k}." for k in range(n)]
    with store.importing(team, "seed") as target:
        store.insert_documents(target, [(Document(text=t), [Unit(text=t, end=len(t))]) for t in texts])
    units = [int(u.id or 0) for u in store.iter_units("team")]
    store.close()
    return units


def decide_within(db: str, unit_id: int, seconds: float) -> float | None:
    """Seconds another process's decision took to commit, or None if it was still waiting
    after ``seconds`` (it is then left to finish once the lock is free)."""
    store = open_store(db)
    if not db.startswith("postgresql"):
        set_busy_timeout(store, seconds + 30)
    out: list[float] = []

    def write() -> None:
        t0 = time.monotonic()
        store.add_annotations([Annotation(unit_id=unit_id, annotator="alice", answer="accept", spans=[])])
        out.append(time.monotonic() - t0)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    t.join(seconds)
    if out:
        store.close()
    return out[0] if out else None


def test_ctrl_z_on_an_import_stops_it_only_once_it_holds_no_write_lock(db, tmp_path):
    units = seed(db)
    corpus = tmp_path / "big.jsonl"
    distinct = doccano_corpus(corpus, 40_000)
    # its own process group in this session, as a job a shell starts: Ctrl+Z reaches the group
    proc = subprocess.Popen(import_cmd(db, corpus, "team"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            process_group=0)
    rng = random.Random(7)
    waits: list[float | None] = []
    try:
        while proc.poll() is None and len(waits) < 6:
            time.sleep(rng.uniform(0.3, 0.8))
            os.killpg(proc.pid, signal.SIGTSTP)
            deadline = time.monotonic() + 5
            while not stopped(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            if proc.poll() is not None:
                break
            assert stopped(proc.pid), "Ctrl+Z did not stop the import within 5 s"
            waits.append(decide_within(db, units[len(waits)], 3.0))
            os.killpg(proc.pid, signal.SIGCONT)
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert len(waits) >= 3, f"the import ended after {len(waits)} stops"
    assert all(w is not None and w < 1.0 for w in waits), waits  # none waited for the stopped import
    assert query(db, "SELECT COUNT(*) FROM units u JOIN datasets d ON d.id = u.dataset_id"
                     " WHERE d.name = 'team'")[0][0] == len(units) + distinct
    assert query(db, "SELECT COUNT(*) FROM decisions WHERE annotator = 'alice'")[0][0] == len(waits)


HOLDER = textwrap.dedent("""
    import os, signal, sys
    from annotator.store import dialect, open_store
    from annotator.models import Annotation
    dialect.LOCK_HOLDER_SILENCE_MS = 1500
    store = open_store(sys.argv[1])
    unit, how = int(sys.argv[2]), sys.argv[3]
    try:
        if how == "slice":  # an import's slice: the lock held at session level
            with store.sliced_writes(one_transaction=True), store.write():
                store.add_annotations([Annotation(unit_id=unit, annotator="mallory", answer="reject", spans=[])])
                os.kill(os.getpid(), signal.SIGSTOP)
        else:
            with store.write():
                store.add_annotations([Annotation(unit_id=unit, annotator="mallory", answer="reject", spans=[])])
                os.kill(os.getpid(), signal.SIGSTOP)
    except Exception as e:
        print(e)
        sys.exit(3)
""")


@pytest.mark.postgresql
@pytest.mark.parametrize("how", ["write", "slice"])
def test_postgresql_ends_a_session_that_sits_silent_holding_the_write_lock(pg_db, how):
    units = seed(pg_db)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, pg_db, str(units[0]), how], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not stopped(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stopped(proc.pid), proc.communicate()
        took = decide_within(pg_db, units[1], 15.0)
    finally:
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
    assert took is not None and 1.0 <= took < 10.0, took  # it waited for the holder, until the server ended it
    assert proc.returncode == 3, (out, err)
    assert "held the write lock 1.5 s without a word" in out.decode(), out
    names = [r[0] for r in query(pg_db, "SELECT annotator FROM decisions")]
    assert names == ["alice"]  # the stopped writer's decision was rolled back with its session


WAITER = textwrap.dedent("""
    import sys, time
    from annotator.store import open_store
    from annotator.store.connection import stop_politely
    store = open_store(sys.argv[1])
    store.ensure_dataset("team")
    with stop_politely():
        if sys.argv[2] == "write":
            with store.write():
                store._x("UPDATE datasets SET overlap = overlap WHERE name = 'team'")
                print("holding", flush=True)
                time.sleep(2.0)
        else:  # a reader's snapshot on the store's own connection, as agree --dataset takes
            store.conn.execute("BEGIN")
            store._q("SELECT COUNT(*) FROM units")
            print("holding", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("how", ["write", "read"])
def test_ctrl_z_waits_for_a_write_to_end_but_not_for_a_reader(db, how):
    proc = subprocess.Popen([sys.executable, "-c", WAITER, db, how], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, process_group=0)
    try:
        assert proc.stdout.readline() == b"holding\n", proc.stderr.read()
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGTSTP)
        while not stopped(proc.pid) and time.monotonic() - t0 < 10:
            time.sleep(0.01)
        took = time.monotonic() - t0
        assert stopped(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
        proc.kill()
        proc.communicate()
    if how == "write":
        assert 1.5 <= took < 5.0, took  # once the write's block ended (2 s), not before
    else:
        assert took < 1.0, took  # a snapshot makes no writer wait: stopped at once
