"""Crashes: the labelling app (``annotator label``) killed with SIGKILL at random moments, in a
real pseudo-terminal, loses nothing it showed as saved; an export killed half-way leaves no
truncated file posing as complete.

"Shown as saved": the app shows the next unit at once and says ``saving…`` until the
decisions made so far are committed, then ``saved``; its header names the unit on screen
(``· unit N``). A single annotator walks the queue in id order, so once the terminal has shown
``saved`` while unit N was on screen, every unit before N must be decided in the database.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import query

from annotator.models import Annotation
from annotator.store import open_store
from annotator.store.dialect import is_postgres

DATASET = "crash"
ANNOTATOR = "kim"
#: How the app is started; a test of the test may swap in a deliberately broken one.
APP_COMMAND = [sys.executable, "-m", "annotator", "label"]
SHOWN_UNIT = re.compile(rb"\xc2\xb7 unit (\d+)")  # "· unit N" in the header
SAVED = re.compile(rb"saved")  # the status line once every decision so far is committed


STARTUP_LIMIT = 60.0  # seconds the app may take to show its first unit


def make_db(path: str | Path, units: int) -> None:
    """A dataset of synthetic news sentences (with suggestions on the first ones)."""
    from annotator.bench.synth import generate

    store = open_store(path, durable=False)
    generate(store, units, dataset=DATASET, suggest_first=units)
    store.close()


def label_until_killed(db: str | Path, kill_after: float, key_gap: float, seed: int,
                       from_first_unit: bool = False) -> list[int]:
    """Run the app in a pty, press accept keys, SIGKILL it after ``kill_after`` s; the unit ids
    it showed while saying ``saved`` (every unit before such an id was shown as saved).
    ``from_first_unit`` counts ``kill_after`` from the first unit on screen instead of from the
    start (start-up under a loaded machine can take longer than the whole trial)."""
    rnd = random.Random(seed)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen(
        [*APP_COMMAND, "--db", str(db), "--dataset", DATASET, "--annotator", ANNOTATOR],
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=env, close_fds=True,
    )
    os.close(slave)
    shown: list[int] = []
    on_screen: int | None = None
    tail = b""
    started = time.monotonic()
    deadline = started + (STARTUP_LIMIT if from_first_unit else kill_after)
    next_key = 0.0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.005)
            if ready:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:
                    break
                data = tail + chunk
                events = sorted([(m.start(), int(m.group(1))) for m in SHOWN_UNIT.finditer(chunk)]
                                + [(m.start(), -1) for m in SAVED.finditer(chunk)])
                for _, unit in events:
                    if unit >= 0:
                        if on_screen is None and from_first_unit:
                            deadline = time.monotonic() + kill_after
                        on_screen = unit
                    elif on_screen is not None:
                        shown.append(on_screen)
                tail = data[-24:]
            now = time.monotonic()
            if on_screen is not None and now >= next_key:
                os.write(master, rnd.choice([b"a", b"a", b"a", b"x", b" ", b"\r"]))
                next_key = now + rnd.uniform(0.0, key_gap)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return shown


def decided_units(db: str | Path) -> set[int]:
    """Units with a current decision by the annotator, read by a fresh connection."""
    return {r[0] for r in query(db, "SELECT unit_id FROM decisions WHERE annotator = ?", (ANNOTATOR,))}


def integrity(db: str | Path) -> str:
    """SQLite's integrity check; on PostgreSQL, the store's (every table readable)."""
    if is_postgres(str(db)):
        with open_store(str(db), create=False) as store:
            return store.integrity_check()
    return query(db, "PRAGMA integrity_check")[0][0]


def crash_trials(db: str, trials: int, seed: int = 8, from_first_unit: bool = False) -> tuple[int, int]:
    """Kill the app ``trials`` times on ``db``; after each, what it showed as saved must be stored."""
    make_db(db, 3000)
    rnd = random.Random(seed)
    highest_shown = 0
    for t in range(trials):
        shown = label_until_killed(db, kill_after=rnd.uniform(0.3, 4.0), key_gap=rnd.choice([0.0, 0.02, 0.1]),
                                   seed=rnd.randrange(1 << 30), from_first_unit=from_first_unit)
        highest_shown = max([highest_shown, *shown])
        assert integrity(db) == "ok", f"trial {t}: integrity check failed"
        decided = decided_units(db)
        lost = sorted(set(range(1, highest_shown)) - decided)
        assert not lost, f"trial {t}: units {lost[:10]} were shown as saved but are not in the database"
    return highest_shown, len(decided_units(db))


def test_label_app_killed_a_few_times(db: str) -> None:
    shown, decided = crash_trials(db, 4, from_first_unit=True)
    assert decided > 0, "the app never decided a unit: the test proved nothing"
    assert decided >= shown - 1


@pytest.mark.slow
def test_label_app_killed_at_random_moments_fifty_times(tmp_path: Path) -> None:
    """50 SIGKILLs at random moments (start-up, between keys, mid-commit)."""
    shown, decided = crash_trials(str(tmp_path / "crash.db"), 50)
    assert decided > 50, f"only {decided} units were ever decided in 50 trials"
    assert shown > 1, "no trial ever showed 'saved': the test proved nothing"
    assert decided >= shown - 1


# ---------------------------------------------------------------------- export


def decided_db(path: Path, units: int) -> None:
    """``units`` units, each accepted once."""
    make_db(path, units)
    store = open_store(path, durable=False)
    with store.write():
        for u in store.iter_units(DATASET):
            store.add_annotation(Annotation(unit_id=u.id or 0, annotator=ANNOTATOR, answer="accept", created=1.7e9))
    store.close()


def export_cmd(db: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "annotator", "export", "--db", str(db), "--dataset", DATASET,
            "--format", "jsonl", "-o", str(out), "--quiet", *extra]


def assert_complete_or_absent(out: Path, records: int, previous: bytes | None = None) -> str:
    """The destination is absent, the previous complete file, or a complete new one."""
    if not out.exists():
        assert previous is None, "the previous export vanished"
        return "absent"
    data = out.read_bytes()
    if previous is not None and data == previous:
        return "previous"
    assert data.endswith(b"\n"), "truncated: no final newline"
    lines = data.split(b"\n")[:-1]
    assert len(lines) == records, f"{len(lines)} of {records} records: a truncated file posing as complete"
    for line in (lines[0], lines[-1]):
        json.loads(line)
    return "complete"


def kill_exports(tmp_path: Path, trials: int, units: int) -> dict[str, int]:
    db = tmp_path / "export.db"
    decided_db(db, units)
    out = tmp_path / "out.jsonl"
    t0 = time.monotonic()
    subprocess.run(export_cmd(db, out), check=True, capture_output=True)
    full = time.monotonic() - t0
    assert assert_complete_or_absent(out, units) == "complete"
    previous = out.read_bytes()
    rnd = random.Random(5)
    seen: dict[str, int] = {}
    for t in range(trials):
        fresh = t % 2 == 0  # half the trials write a new file, half overwrite the complete one
        target = tmp_path / f"new-{t}.jsonl" if fresh else out
        proc = subprocess.Popen(export_cmd(db, target, *([] if fresh else ["--force"])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.05, full * 0.95))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kind = assert_complete_or_absent(target, units, None if fresh else previous)
        seen[kind] = seen.get(kind, 0) + 1
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".jsonl") and p.name.startswith(".")]
    assert all(name.endswith(".part") or ".part" in name for name in leftovers) or not leftovers
    return seen


def test_export_killed_half_way_a_few_times(tmp_path: Path) -> None:
    seen = kill_exports(tmp_path, 4, 10_000)
    assert seen.get("absent", 0) + seen.get("previous", 0) >= 1, f"no kill landed mid-export: {seen}"


@pytest.mark.slow
def test_export_killed_half_way_many_times(tmp_path: Path) -> None:
    seen = kill_exports(tmp_path, 16, 40_000)
    assert seen.get("absent", 0) + seen.get("previous", 0) >= 5, f"too few kills landed mid-export: {seen}"
