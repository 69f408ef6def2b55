"""The labelling screen while another process holds the database's write lock (issue 15):
the screen never exits or freezes, every decision is stored, in order, and quitting waits.
On both engines: SQLite's write lock, PostgreSQL's (a short ``PRAGMA busy_timeout`` bounds
the wait for it there too, so the screen says the database is busy)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from annotator.store import open_store
from annotator.tui.app import build_app

from test_lock_holder import hold  # noqa: E402
from test_tui_app import decisions, make_db, screen_of, settle  # noqa: E402

pytestmark = pytest.mark.anyio

#: How long one write attempt waits for the lock (the store's default is 60 s).
BUSY_TIMEOUT_S = 0.2
#: How long the other process holds the lock: many times the busy timeout.
HOLD_S = 2.5

@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(db: str) -> str:
    """The labelling dataset on each engine (conftest's ``db``)."""
    make_db(db).close()
    return db


def status_line(app) -> str:
    return str(app.screen.query_one("#status").render())


async def test_decisions_wait_in_order_while_another_process_holds_the_lock(db: str, tmp_path: Path) -> None:
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        shown = [screen.session.current.unit.id]
        locker = hold(tmp_path, db, HOLD_S)
        t0 = time.monotonic()
        for key in ("a", "x"):
            await pilot.press(key)
            shown.append(screen.session.current.unit.id)
        # the next units showed at once (claimed ahead) although nothing could be written
        assert time.monotonic() - t0 < HOLD_S
        while time.monotonic() - t0 < 4 * BUSY_TIMEOUT_S:
            await pilot.pause(0.05)
        assert app.is_running
        assert decisions(db) == []
        assert "database busy" in status_line(app)
        assert f"pid {locker.pid}" in status_line(app) and "holds the write lock" in status_line(app)  # who
        assert "saved" not in status_line(app)
        await pilot.press("right", "shift+right")  # still responsive
        assert screen.editor.selection == (1, 2)
        await pilot.press("space")
        # the fourth unit's claim waits behind the decisions, in the writer's queue
        assert screen.session.current is None
        assert "Loading the next unit" in "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert len(set(shown)) == 3 and time.monotonic() - t0 < HOLD_S
        assert locker.wait(timeout=30) == 0
        await settle(pilot)
        assert app.is_running
        assert status_line(app).endswith("saved") or "saved" in status_line(app)
    got = [(r["unit_id"], r["annotator"], r["answer"]) for r in decisions(db)]
    assert got == [(shown[0], "alice", "accept"), (shown[1], "alice", "reject"), (shown[2], "alice", "ignore")]


async def test_quit_waits_for_pending_decisions_while_the_database_is_busy(db: str, tmp_path: Path) -> None:
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        first = screen.session.current.unit.id
        locker = hold(tmp_path, db, HOLD_S)
        await pilot.press("a", "backspace", "x", "q")
        await pilot.pause(0.3)
        assert app.is_running  # quitting waits for the pending decisions …
        assert "saving 3 decisions" in status_line(app)  # accept, its undo, the reject
        assert locker.wait(timeout=30) == 0
        for _ in range(200):
            if not app.is_running:
                break
            await pilot.pause(0.05)
        assert not app.is_running  # … and quits once they are stored
    got = [(r["unit_id"], r["answer"], r["reverts"] is not None) for r in decisions(db)]
    assert got == [(first, "accept", False), (first, "undo", True), (first, "reject", False)]


async def test_units_claimed_ahead_are_leased_and_given_back_on_quit(db: str) -> None:
    """The screen holds the unit on screen and two claimed ahead; quitting releases them, so
    on an overlap-1 dataset nobody else is kept from them."""
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        store = open_store(db)
        assert store.leases("news") == {"alice": 3}
        store.close()
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    store = open_store(db)
    try:
        assert store.leases("news") == {}
        assert [(r["answer"]) for r in decisions(db)] == ["accept"]
        assert len(store.next_units("news", "bob", limit=10)) == 3  # every undecided unit is free
    finally:
        store.close()


async def test_units_given_back_by_the_lead_and_taken_by_another_leave_the_screen(db: str) -> None:
    """The lead runs `annotator dataset release` on alice's units while her screen is open, and
    bob takes two of them (overlap 1). Alice's next decision checks the units her screen holds:
    the one it just showed and one ahead are bob's now, so they are skipped and dropped (before:
    she labelled them too, beyond the overlap); the one nobody took stays hers."""
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        u1 = screen.session.current.unit.id
        u2, u3 = [v.unit.id for v in screen.ready]
        lead = open_store(db)
        try:
            lead.release("news", "alice")
            assert [u.id for u in lead.next_units("news", "bob", limit=2)] == [u1, u2]
        finally:
            lead.close()
        await pilot.press("a")  # alice decides u1 (already on her screen), then u2 shows
        await settle(pilot)
        assert screen.session.current.unit.id == u3
        (note,) = [n.message for n in app._notifications]
        assert note == f"unit {u2} was given back (`annotator dataset release`) and someone else holds it now: skipped"
        assert [v.unit.id for v in screen.ready] == [u3 + 1]
        await pilot.press("a")
        await settle(pilot)
    rows = decisions(db)
    assert [(r["unit_id"], r["annotator"]) for r in rows] == [(u1, "alice"), (u3, "alice")]


async def test_a_unit_given_back_while_being_edited_stays_with_one_warning(db: str) -> None:
    """The unit on screen has been worked on when the lead gives it back and bob takes it: it
    stays (the work is alice's to finish), and the lease renewal warns once, not every time it
    runs."""
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        u1 = screen.session.current.unit.id
        await pilot.press("right")  # the cursor moved: the unit is being worked on
        lead = open_store(db)
        try:
            lead.release("news", "alice")
            assert [u.id for u in lead.next_units("news", "bob", limit=1)] == [u1]
        finally:
            lead.close()
        for _ in range(2):
            screen._renew_leases()
            await settle(pilot)
        assert screen.session.current.unit.id == u1
        (note,) = [n.message for n in app._notifications]
        assert note == (f"unit {u1} was given back (`annotator dataset release`) and someone else holds it now:"
                        " deciding it adds a decision beyond the dataset's overlap")


async def test_a_second_screen_under_the_same_name_is_told_of_the_first(db: str) -> None:
    """Two screens under one name (a shared login, two windows or tabs) take the same units:
    a screen opening while another is open under its name says so, naming it; a third that
    opens later is told of at the next claim of units (before: the next lease renewal, up to
    two minutes later); quitting removes the screen's record."""
    import os

    other = open_store(db)
    try:
        first, _ = other.open_label_session("news", "alice")  # another screen of alice's, open
        app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            (note,) = [n.message for n in app._notifications]
            assert note.startswith(f"another screen labels news as alice (pid {os.getpid()}, open since ")
            assert "--annotator NAME" in note
            screen = screen_of(app)
            screen._renew_leases()
            await settle(pilot)
            assert len(list(app._notifications)) == 1  # the same screen: told once
            third, _ = other.open_label_session("news", "alice")
            await pilot.press("a")  # a decision; the screen tops up its queue with a claim
            await settle(pilot)
            notes = [n.message for n in app._notifications]
            assert len(notes) == 2 and f"pid {os.getpid()}, open since " in notes[1]
            assert other.label_sessions("news") == {"alice": 3}
            (row,) = other.stats("news")["datasets"][0]["annotators"]
            assert (row["annotator"], row["screens"]) == ("alice", 3)  # what `annotator stats` shows the lead
            await pilot.press("q")
            await settle(pilot)
        assert other.label_sessions("news") == {"alice": 2}
        other.close_label_session(first)
        other.close_label_session(third)
        assert other.label_sessions("news") == {}
    finally:
        other.close()


async def test_a_stopped_holder_is_told_once_with_how_to_let_it_go_on(tmp_path: Path) -> None:
    """A lock held by a stopped process of this machine (SQLite: found through /proc/locks;
    a PostgreSQL session's client is not this machine's to look at): the status line says
    "stopped", a notification says how to let it go on, once, and is taken down as soon as
    the decision is stored (not left its 30 s telling to free a lock nobody holds)."""
    import os
    import signal

    db = str(tmp_path / "stopped.db")
    make_db(db).close()
    app = build_app(open_store(db), None, "alice", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        locker = hold(tmp_path, db, 60)
        os.kill(locker.pid, signal.SIGSTOP)
        try:
            await pilot.press("a")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 8 * BUSY_TIMEOUT_S:
                await pilot.pause(0.05)
            assert f"pid {locker.pid} (stopped) holds the write lock" in status_line(app)
            (note,) = [n.message for n in app._notifications]  # once, though tried again and again
            assert note == (f"pid {locker.pid} (holder.py stopped.db 60) holds the write lock, stopped:"
                            f" `kill -CONT {locker.pid}` (or `fg` in its terminal) lets it go on")
        finally:
            os.kill(locker.pid, signal.SIGCONT)
            locker.kill()
            locker.wait()
        await settle(pilot)
        assert "saved" in status_line(app)
        assert list(app._notifications) == []
    assert [r["answer"] for r in decisions(db)] == ["accept"]
