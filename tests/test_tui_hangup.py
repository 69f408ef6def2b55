"""The terminal of a labelling session goes away (an SSH connection drops, a window is shut):
the screen's queued decision is still stored and its leased units are given back, as when the
annotator quits with ``q``. Run in a real pseudo-terminal, hung up by closing it."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import sqlite3
import struct
import sys
import termios
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from annotator.cli import cli

REPO = Path(__file__).resolve().parents[1]
SEED = sorted((REPO / "seeds").glob("*.txt"))[0]


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_hung_up_terminal_stores_the_queued_decision_and_gives_back_the_leases(tmp_path):
    db = tmp_path / "team.db"
    r = CliRunner().invoke(cli, ["import", str(SEED), "--db", str(db), "--dataset", "team", "-q"])
    assert r.exit_code == 0, r.output
    pid, fd = pty.fork()
    if pid == 0:  # the session, with the pseudo-terminal as its controlling terminal
        os.environ["TERM"] = "xterm-256color"
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "annotator", "label", "--db", str(db), "--dataset", "team",
                                  "--annotator", "bob"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = bytearray()
    hung_up = threading.Event()

    def drain() -> None:  # a terminal reads all the screen writes
        while not hung_up.is_set():
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    holder = None
    try:
        deadline = time.monotonic() + 60
        while b"done" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"done" in seen, bytes(seen[-2000:])
        deadline = time.monotonic() + 10
        while not rows(db, "SELECT COUNT(*) FROM leases WHERE annotator = 'bob'")[0][0] and time.monotonic() < deadline:
            time.sleep(0.05)
        # another program writes: the accept is queued, the screen says the database is busy
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        before = len(seen)
        os.write(fd, b"a")
        deadline = time.monotonic() + 10
        while b"busy" not in seen[before:] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"busy" in seen[before:]
        hung_up.set()
        os.close(fd)  # the terminal goes: the kernel hangs up the session
        time.sleep(1.0)
        holder.execute("COMMIT")  # the database is free again
        holder.close()
        holder = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError("the session did not end within 60 s of its terminal hanging up")
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    assert rows(db, "SELECT answer FROM decisions WHERE annotator = 'bob'") == [("accept",)]
    assert rows(db, "SELECT COUNT(*) FROM leases WHERE annotator = 'bob'") == [(0,)]
