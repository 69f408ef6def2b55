"""A writer waiting for the write lock says who holds it (store/lock_holder.py): the pid and
command of the SQLite process holding it (from /proc/locks), whether it is stopped, and the
PostgreSQL session holding it (its application_name names the client's pid and host). A CLI
command waits as long as it takes, saying so on stderr, instead of failing after 60 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.store import open_store
from annotator.store.lock_holder import LockHolder, _sqlite_holder, write_lock_holder

from conftest import SEED, query

#: A process holding the store's write lock for argv[2] seconds (a file, so that its command
#: line names it).
HOLDER = """
import sys, time
from annotator.store import open_store
store = open_store(sys.argv[1])
with store.write():
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
store.close()
"""


def hold(tmp_path: Path, db: str, seconds: float) -> subprocess.Popen:
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), db, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def fake_proc(root: Path, locks: str, processes: dict[int, tuple[bytes, str]]) -> Path:
    """A /proc with ``locks`` and, per pid, (cmdline bytes, state letter)."""
    root.mkdir()
    (root / "locks").write_text(locks)
    for pid, (cmdline, state) in processes.items():
        (root / str(pid)).mkdir()
        (root / str(pid) / "cmdline").write_bytes(cmdline)
        (root / str(pid) / "stat").write_text(f"{pid} (py (x) thon) {state} 1 2 3 4\n")
    return root


def test_the_holder_is_read_from_proc_locks_by_the_shm_files_device_and_inode(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    (tmp_path / "a.db-shm").write_bytes(b"\0" * 32)
    st = os.stat(tmp_path / "a.db-shm")
    dev = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    other = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino + 1}"

    def locks(holder: int) -> str:
        return (f"1: POSIX  ADVISORY  WRITE 111 {other} 120 120\n"        # another file
                f"2: POSIX  ADVISORY  READ  222 {dev} 120 120\n"          # a read lock
                f"3: POSIX  ADVISORY  WRITE 333 {dev} 124 124\n"          # another byte
                f"3: -> POSIX  ADVISORY  WRITE 444 {dev} 120 120\n"       # a waiter
                f"4: POSIX  ADVISORY  WRITE {holder} {dev} 100 EOF\n")    # the holder
    cmd = b"/usr/bin/python3\0/srv/.venv/bin/annotator\0import\0big.jsonl\0"
    proc = fake_proc(tmp_path / "proc", locks(555), {555: (cmd, "S")})
    assert _sqlite_holder(str(db), proc) == LockHolder("pid 555", "annotator import big.jsonl")
    assert str(_sqlite_holder(str(db), proc)) == "pid 555 (annotator import big.jsonl) holds the write lock"
    (proc / "555" / "stat").write_text("555 (python3) T 1 2 3\n")
    holder = _sqlite_holder(str(db), proc)
    assert holder == LockHolder("pid 555", "annotator import big.jsonl", stopped_pid=555)
    assert holder.short() == "pid 555 (stopped) holds the write lock"
    assert str(holder) == ("pid 555 (annotator import big.jsonl) holds the write lock, stopped:"
                           " `kill -CONT 555` (or `fg` in its terminal) lets it go on")
    (proc / "locks").write_text(locks(556))  # gone: no command, still a pid
    assert str(_sqlite_holder(str(db), proc)) == "pid 556 holds the write lock"
    (proc / "locks").write_text(locks(555).splitlines()[0] + "\n")
    assert _sqlite_holder(str(db), proc) is None
    assert _sqlite_holder(str(tmp_path / "none.db"), proc) is None  # no -shm file: nobody


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="no /proc/locks on this system")
def test_a_real_sqlite_holder_is_named_and_said_to_be_stopped(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    open_store(db).close()
    holder = hold(tmp_path, db, 30)
    store = open_store(db)
    try:
        assert write_lock_holder(store) == LockHolder(f"pid {holder.pid}", "holder.py t.db 30")
        os.kill(holder.pid, signal.SIGSTOP)
        for _ in range(100):
            said = write_lock_holder(store)
            if said is not None and said.stopped_pid:
                break
            time.sleep(0.01)
        assert said == LockHolder(f"pid {holder.pid}", "holder.py t.db 30", stopped_pid=holder.pid)
    finally:
        store.close()
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait()
    store = open_store(db)
    try:
        assert write_lock_holder(store) is None  # nobody holds it now
    finally:
        store.close()


@pytest.mark.postgresql
def test_a_postgres_holder_is_the_session_naming_its_clients_pid(tmp_path: Path, pg_db: str) -> None:
    open_store(pg_db).close()
    holder = hold(tmp_path, pg_db, 30)
    store = open_store(pg_db)
    try:
        said = write_lock_holder(store)
        assert said is not None and said.who.startswith(f"annotator pid {holder.pid} on ") and said.stopped_pid is None
        assert said.detail.startswith("its transaction open ") and said.detail.endswith(" s, waiting for its client")
        assert str(said) == f"{said.who} holds the write lock ({said.detail})"
    finally:
        store.close()
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_a_cli_write_waits_for_the_lock_as_long_as_it_takes_and_says_who_holds_it(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Past the 3 s mark the import says who it waits for, on stderr, then imports (on SQLite
    it used to fail after 60 s with a traceback)."""
    db = str(tmp_path / "t.db") if engine == "sqlite" else request.getfixturevalue("pg_db")
    open_store(db).close()
    holder = hold(tmp_path, db, 5)
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "annotator", "import", str(SEED), "--db", db, "--dataset", "news"],
                         capture_output=True, text=True, timeout=120)
    waited = time.monotonic() - t0
    assert holder.wait(timeout=30) == 0
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    notes = [line for line in out.stderr.splitlines() if "for the write lock" in line]
    assert len(notes) == 1, out.stderr
    if engine == "sqlite":
        assert notes[0] == f"{db}: waiting 3 s for the write lock: pid {holder.pid} (holder.py t.db 5) holds the write lock"
    else:
        assert f": waiting 3 s for the write lock: annotator pid {holder.pid} on " in notes[0]
    assert waited >= 4.0
    assert query(db, "SELECT count(*) FROM units") == [(18,)]
