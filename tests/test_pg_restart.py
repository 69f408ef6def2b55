"""A PostgreSQL server restart (``pg_ctl restart -m fast``) while annotator works on it: the
store connects again by itself, reads go on, a transaction cut off is an error that says
whether its commit may have happened, and a labelling session loses nothing the screen showed
as saved, stores nothing twice, and keeps the order of the decisions.

These tests restart a server, so they start a cluster of their own (not the one the other
tests of this process share); they skip, with one line, where PostgreSQL cannot run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import query

from annotator.models import Annotation
from annotator.store import Store, open_store
from annotator.store.connection import ConnectionLost
from annotator.store.dialect import WRITE_LOCK_KEY

pytestmark = pytest.mark.postgresql

DATASET = "restart"


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """A throwaway cluster for this module alone (its server gets restarted)."""
    import pg_cluster

    pytest.importorskip("psycopg", reason="psycopg is not installed")
    try:
        c = pg_cluster.Cluster()
    except pg_cluster.Unavailable as e:
        pytest.skip(f"PostgreSQL unavailable: {e}")
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def url(cluster) -> Iterator[str]:
    """A fresh database with one dataset of 40 units."""
    from annotator.bench.synth import generate

    name = cluster.create_database()
    url = cluster.url(name)
    store = open_store(url, durable=False)
    generate(store, 40, dataset=DATASET, per_doc=10, suggest_first=0)
    store.close()
    yield url
    cluster.drop_database(name)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    s = open_store(url)
    yield s
    s.close()


def kill_backend(url: str, store: Store) -> None:
    """End ``store``'s server process from another connection, as a restart does."""
    pid = store._one("SELECT pg_backend_pid() AS pid")["pid"]  # type: ignore[index]
    query(url, "SELECT pg_terminate_backend(?)", (pid,))


def annotation(unit_id: int, answer: str = "accept") -> Annotation:
    return Annotation(unit_id=unit_id, annotator="alice", answer=answer)  # type: ignore[arg-type]


def test_reads_and_writes_go_on_after_a_restart(cluster, url: str, store: Store) -> None:
    first = [u.id for u in store.iter_units(DATASET)][:3]
    assert store.progress(DATASET, "alice")[1] == 40
    cluster.restart()
    assert store.progress(DATASET, "alice")[1] == 40  # a read: connected again, run again
    assert store.reconnects == 1
    cluster.restart()
    ann_id = store.add_annotation(annotation(first[0]))  # a write: BEGIN on a new connection
    assert store.reconnects == 2
    assert query(url, "SELECT id, unit_id, annotator FROM annotations") == [(ann_id, first[0], "alice")]


def test_a_transaction_cut_off_is_an_error_and_leaves_nothing(url: str, store: Store) -> None:
    unit_id = next(store.iter_units(DATASET)).id
    with pytest.raises(ConnectionLost) as lost:
        with store.write():
            store._x("INSERT INTO annotations (unit_id, dataset_id, annotator, answer, created)"
                     " SELECT id, dataset_id, 'alice', 'accept', 1.0 FROM units WHERE id = ?", (unit_id,))
            kill_backend(url, store)
            store._x("UPDATE datasets SET overlap = 2")
    assert not lost.value.commit_unknown
    assert "connection to the server lost" in str(lost.value) and "\n" not in str(lost.value)
    # never continued on a new connection: the insert went with the transaction
    assert query(url, "SELECT count(*) FROM annotations") == [(0,)]
    assert query(url, "SELECT overlap FROM datasets") == [(1,)]
    # the next unit of work connects again
    store.add_annotation(annotation(unit_id, "reject"))
    assert query(url, "SELECT unit_id, answer FROM annotations") == [(unit_id, "reject")]


def test_a_connection_lost_during_commit_says_the_outcome_is_unknown(url: str, store: Store) -> None:
    unit_id = next(store.iter_units(DATASET)).id
    real = store._commit

    def cut_then_commit(conn):
        kill_backend(url, store)
        real(conn)

    store._commit = cut_then_commit  # type: ignore[method-assign]
    with pytest.raises(ConnectionLost) as lost:
        store.add_annotation(annotation(unit_id))
    store._commit = real  # type: ignore[method-assign]
    assert lost.value.commit_unknown
    assert query(url, "SELECT count(*) FROM annotations") == [(0,)]
    assert store.progress(DATASET, "alice")[0] == 0  # and reads go on


def test_a_write_outside_a_transaction_is_not_run_twice(url: str, store: Store) -> None:
    kill_backend(url, store)
    with pytest.raises(ConnectionLost) as lost:
        store._x("UPDATE datasets SET overlap = 3")
    assert lost.value.commit_unknown
    store._x("UPDATE datasets SET overlap = 2")
    assert query(url, "SELECT overlap FROM datasets") == [(2,)]


def test_the_server_gone_for_good_is_a_one_line_error(cluster, url: str, store: Store, monkeypatch) -> None:
    import annotator.store.connection as connection

    monkeypatch.setattr(connection, "RECONNECT_TIMEOUT_S", 1.0)
    waits: list[str] = []
    store.on_reconnect_wait = waits.append
    name = urlsplit(url).path.lstrip("/")
    store._url = store._url.replace(f"/{name}?", "/no_such_database?")  # as if it were gone
    kill_backend(url, store)
    with pytest.raises(ConnectionLost) as lost:
        store.progress(DATASET, "alice")
    assert "\n" not in str(lost.value) and waits


def test_an_export_goes_on_when_its_connection_drops(url: str, store: Store, monkeypatch) -> None:
    from click.testing import CliRunner

    from annotator.cli import cli

    for unit in store.iter_units(DATASET):
        store.add_annotation(annotation(unit.id))
    whole = CliRunner().invoke(cli, ["export", "--db", url, "--dataset", DATASET, "-o", "-"])
    assert whole.exit_code == 0 and sum(line.startswith("{") for line in whole.output.splitlines()) == 40
    real = Store.current_decisions
    cut: list[int] = []

    def drop_then_read(self, *args, **kwargs):
        kill_backend(url, self)  # the export's own connection, before its first read
        cut.append(1)
        yield from real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "current_decisions", drop_then_read)
    again = CliRunner().invoke(cli, ["export", "--db", url, "--dataset", DATASET, "-o", "-"])
    assert cut and again.exit_code == 0, again.output
    assert again.output == whole.output


def test_a_command_cut_off_is_a_one_line_error(url: str, monkeypatch) -> None:
    import psycopg
    from click.testing import CliRunner

    from annotator.cli import cli

    def gone(self, *args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly\n\tThis probably means ...")

    monkeypatch.setattr(Store, "current_decisions", gone)
    result = CliRunner().invoke(cli, ["export", "--db", url, "--dataset", DATASET, "-o", "-"])
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        f"Error: {url}: connection to the database server lost (server closed the connection unexpectedly);"
        " run the command again"]


# ---------------------------------------------------------------------- the session's writer


def cut_commits(store: Store, *, after: bool, times: int = 1) -> list[str]:
    """Make the next ``times`` commits of ``store`` lose their connection: before the COMMIT
    reaches the server (nothing stored) or ``after`` it (stored, but the client cannot know).
    Both raise ConnectionLost with ``commit_unknown``. Returns a log of the cuts."""
    import psycopg

    real = store._commit
    cuts: list[str] = []

    def commit(conn):
        if len(cuts) >= times:
            return real(conn)
        cuts.append("after" if after else "before")
        pid = store.conn.raw.info.backend_pid
        if after:
            real(conn)
        with psycopg.connect(store._url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        if after:
            store._forget_transaction()
            raise ConnectionLost("cut after the commit", commit_unknown=True)
        return real(conn)

    store._commit = commit  # type: ignore[method-assign]
    return cuts


@pytest.mark.parametrize("after", [False, True], ids=["cut-before-commit", "cut-after-commit"])
def test_the_writer_stores_a_decision_and_an_undo_once_when_their_commit_is_cut(url: str, after: bool) -> None:
    from annotator.tui.session import LabelSession, resolve_dataset
    from annotator.tui.session_writer import Busy, Decide, Failed, Saved, SessionWriter, Undo, Undone

    store = open_store(url)
    try:
        session = LabelSession(store, resolve_dataset(store, DATASET), "alice")
        events: list[object] = []
        writer = SessionWriter(session, events.append)
        units = [u.id for u in store.iter_units(DATASET)][:3]
        writer.submit(Decide(1, annotation(units[0])))
        cuts = cut_commits(store, after=after)
        writer.submit(Decide(2, annotation(units[1], "reject")))
        writer.submit(Decide(3, annotation(units[2])))
        assert writer.close(timeout=60)
        assert cuts == ["after" if after else "before"]
        cuts = cut_commits(store, after=after)
        writer = SessionWriter(session, events.append)
        writer.submit(Undo(4))
        assert writer.close(timeout=60)
        assert cuts == ["after" if after else "before"]
    finally:
        store.close()
    assert not [e for e in events if isinstance(e, Failed)], events
    assert [e.seq for e in events if isinstance(e, Saved)] == [1, 2, 3]
    assert [(e.seq, e.view.unit.id) for e in events if isinstance(e, Undone)] == [(4, units[2])]
    assert any(isinstance(e, Busy) and e.reconnecting for e in events)
    saved = {e.seq: e.annotation_id for e in events if isinstance(e, Saved)}
    rows = query(url, "SELECT id, unit_id, answer, reverts FROM annotations ORDER BY id")
    assert rows == [(saved[1], units[0], "accept", None), (saved[2], units[1], "reject", None),
                    (saved[3], units[2], "accept", None), (rows[3][0], units[2], "undo", saved[3])]
    assert query(url, "SELECT unit_id, answer FROM decisions ORDER BY unit_id") == [
        (units[0], "accept"), (units[1], "reject")]


# ---------------------------------------------------------------------- the labelling screen


def labelled(url: str) -> list[tuple[int, int, str]]:
    return [tuple(r) for r in query(url, "SELECT id, unit_id, answer FROM annotations WHERE annotator = 'alice'"
                                         " ORDER BY id")]


@pytest.mark.slow
def test_labelling_through_a_restart_loses_nothing_shown_as_saved(cluster, url: str) -> None:
    """Decisions wait inside a transaction (another connection holds the write lock) when
    the server restarts; the session connects again, stores each once, in order."""
    from annotator.tui.app import build_app
    from annotator.tui.label_screen import LabelScreen
    from annotator.tui.session_writer import Busy, Saved

    import psycopg

    events: list[object] = []

    def hook(message: object) -> None:
        if isinstance(message, LabelScreen.WriterEvent):
            events.append(message.event)

    async def run() -> tuple[list[Saved], str, int]:
        store = open_store(url)
        # a busy timeout longer than the restart: the decisions wait inside their transaction (a
        # short one gives up between tries, and the restart may fall between them)
        app = build_app(store, DATASET, "alice", busy_timeout_s=30.0)
        try:
            async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
                screen = await until(pilot, lambda: isinstance(app.screen, LabelScreen)
                                     and app.screen.session.current is not None)
                screen = app.screen
                screen.keep_saved_events = True
                await pilot.press("a", "x")
                await until(pilot, lambda: screen.settled)
                assert len(labelled(url)) == 2
                locker = psycopg.connect(url, autocommit=True)
                locker.execute("BEGIN")
                locker.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
                await pilot.press("a", "a", "space")  # wait for the lock, inside their transaction
                await pilot.pause(0.5)
                assert len(labelled(url)) == 2 and screen.writer.pending == 3
                restart = threading.Thread(target=cluster.restart)
                restart.start()
                await pilot.pause(0.1)
                for key in ("x", "a"):  # as soon as a unit shows (claims wait behind the decisions)
                    await until(pilot, lambda: screen.session.current is not None, timeout=60)
                    await pilot.press(key)
                restart.join()
                locker.close()
                await until(pilot, lambda: screen.settled and not screen.writer.pending, timeout=60)
                status = str(screen.query_one("#status").render())
                await pilot.press("q")
                return list(screen.saved_events), status, store.reconnects
        finally:
            store.close()

    async def until(pilot, done, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "timed out"
            await pilot.pause(0.05)
        return pilot.app.screen

    saved, status, reconnects = asyncio.run(run())
    rows = labelled(url)
    assert len(saved) == 7 == len(rows), (saved, rows)
    # what the screen showed as saved is exactly what is stored, in the order of the key presses
    assert [(e.annotation_id, e.unit_id) for e in sorted(saved, key=lambda e: e.seq)] == [(i, u) for i, u, _ in rows]
    assert [a for _, _, a in rows] == ["accept", "reject", "accept", "accept", "ignore", "reject", "accept"]
    assert len({u for _, u, _ in rows}) == 7  # nothing stored twice
    assert query(url, "SELECT count(*) FROM decisions WHERE annotator = 'alice'") == [(7,)]
    assert reconnects >= 1
    assert any(isinstance(e, Busy) and e.reconnecting for e in events), "the screen never said it was reconnecting"
    assert "saved" in status and "Traceback" not in status
