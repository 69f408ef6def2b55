"""Units are leased, not assigned for ever: overlap K enforced in SQL, nothing stranded,
expired leases return their unit, and progress is exact for every annotator (issue 15 point
3, issue 16 point 3)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner
from conftest import query

from annotator.cli import cli
from annotator.models import Annotation, Document, Unit
from annotator.store import Store, open_store
from annotator.store.label_sessions import ReviewerRow


def make_dataset(store: Store, n: int, overlap: int, name: str = "d") -> list[int]:
    """``n`` one-sentence units in one document; their ids."""
    ds = store.ensure_dataset(name, overlap=overlap)
    sentences = [f"Sentence number {i} is here." for i in range(n)]
    units, pos = [], 0
    for i, s in enumerate(sentences):
        units.append(Unit(position=i, text=s, start=pos, end=pos + len(s)))
        pos += len(s) + 1
    store.insert_document(ds, Document(title="t", text=" ".join(sentences)), units)
    return [u.id for u in store.iter_units(name)]


def decide(store: Store, name: str, dataset: str = "d") -> int | None:
    """What a session does: take the next unit, decide it; the unit id, None when nothing is left."""
    units = store.next_units(dataset, name, limit=1)
    if not units:
        return None
    store.add_annotation(Annotation(unit_id=units[0].id, annotator=name, answer="accept"))
    return units[0].id


def decisions_per_unit(store: Store, dataset: str = "d") -> dict[int, int]:
    counts: dict[int, int] = {}
    for unit, _ in store.iter_annotations(dataset):
        counts[unit.id] = counts.get(unit.id, 0) + 1
    return counts


def expected_progress(store: Store, annotator: str, dataset: str = "d") -> tuple[int, int]:
    """The definition of progress, unit by unit: done = decided by them; total = done + units
    not decided by them held by fewer than K others (decisions + live leases)."""
    ds = store.require_dataset(dataset)
    now = time.time()
    done = total = 0
    for u in store.iter_units(dataset):
        deciders = {a.annotator for a in store.current_annotations(u.id)}
        if annotator in deciders:
            done += 1
            total += 1
            continue
        leased = {r[0] for r in store._tuples(
            "SELECT annotator FROM leases WHERE unit_id = ? AND expires > ?", (u.id, now))}
        others = len(deciders - {annotator}) + len(leased - deciders - {annotator})
        if ds.overlap == 0 or others < ds.overlap:
            total += 1
    return done, total


def test_two_annotators_on_overlap_one_never_share_a_unit(db: str) -> None:
    with open_store(db) as s:
        ids = make_dataset(s, 60, overlap=1)
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def annotator(name: str) -> None:
        try:
            with open_store(db) as store:  # a connection of its own, as another process would have
                mine = []
                while (u := decide(store, name)) is not None:
                    mine.append(u)
                got[name] = mine
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=annotator, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert set(got["alice"]).isdisjoint(got["bob"])
    assert sorted(got["alice"] + got["bob"]) == ids
    with open_store(db) as s:
        assert decisions_per_unit(s) == {i: 1 for i in ids}


def test_overlap_one_leased_unit_is_not_offered_to_another(store: Store) -> None:
    u1, u2, u3 = make_dataset(store, 3, overlap=1)
    assert [u.id for u in store.next_units("d", "alice")] == [u1]
    assert [u.id for u in store.next_units("d", "bob")] == [u2]
    # alice's unit stays hers (resume), bob's never reaches her
    assert [u.id for u in store.next_units("d", "alice", limit=5)] == [u1, u3]
    assert store.claim_unit("d", "bob", u1) is False


def test_quitting_on_overlap_two_strands_nothing(store: Store) -> None:
    ids = make_dataset(store, 6, overlap=2)
    # carol opens the screen (takes a unit each from the queue and the priority list) and quits
    assert [u.id for u in store.next_units("d", "carol")] == [ids[0]]
    assert store.claim_unit("d", "carol", ids[4]) is True
    assert store.leases("d") == {"carol": 2}
    assert store.release("d", "carol") == 2
    assert store.leases("d") == {}
    while decide(store, "alice") is not None:
        pass
    while decide(store, "bob") is not None:
        pass
    assert decisions_per_unit(store) == {i: 2 for i in ids}


def test_expired_lease_returns_its_unit(store: Store) -> None:
    store.lease_seconds = 0.3
    ids = make_dataset(store, 2, overlap=1)
    assert [u.id for u in store.next_units("d", "alice", limit=2)] == ids  # alice takes both, then vanishes
    assert store.next_units("d", "bob") == []
    assert store.progress("d", "bob") == (0, 0)
    time.sleep(0.4)
    assert [u.id for u in store.next_units("d", "bob", limit=2)] == ids
    assert store.progress("d", "bob") == (0, 2)
    # alice comes back: her leases ran out and bob holds the units now
    assert store.renew("d", "alice", ids[0]) is False
    assert store.next_units("d", "alice") == []


def test_renew_keeps_a_unit_past_its_first_lease(store: Store) -> None:
    store.lease_seconds = 0.5
    (u1,) = make_dataset(store, 1, overlap=1)
    assert [u.id for u in store.next_units("d", "alice")] == [u1]
    for _ in range(3):
        time.sleep(0.3)
        assert store.renew("d", "alice", u1) is True
    assert store.next_units("d", "bob") == []  # 0.9 s after the claim, still alice's
    time.sleep(0.6)
    assert [u.id for u in store.next_units("d", "bob")] == [u1]


def test_overlap_two_crashed_session_strands_nothing_once_its_leases_expire(store: Store) -> None:
    store.lease_seconds = 0.3
    ids = make_dataset(store, 4, overlap=2)
    store.next_units("d", "ghost", limit=4)  # opened, never decided, never released
    while decide(store, "alice") is not None:
        pass
    assert store.next_units("d", "bob", limit=4) == []  # ghost and alice hold every unit
    time.sleep(0.4)
    while decide(store, "bob") is not None:
        pass
    assert decisions_per_unit(store) == {i: 2 for i in ids}


def test_undo_leases_the_unit_again(store: Store) -> None:
    u1, u2 = make_dataset(store, 2, overlap=1)
    assert decide(store, "alice") == u1
    assert store.undo_last("d", "alice").id == u1
    assert store.leases("d") == {"alice": 1}
    assert [u.id for u in store.next_units("d", "bob")] == [u2]  # u1 is alice's to redo


def progress_all(store: Store, names: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    return {n: store.progress("d", n) for n in names}


def test_progress_two_annotators_overlap_two(store: Store) -> None:
    make_dataset(store, 18, overlap=2)
    names = ("alice", "bob", "carol")
    assert progress_all(store, names) == {n: (0, 18) for n in names}
    for step in range(18):
        for name in ("alice", "bob"):
            decide(store, name)
            got = progress_all(store, names)
            assert got == {n: expected_progress(store, n) for n in names}, (step, name)
            assert got["alice"] == (step + 1, 18)
            assert got["bob"] == (step + (name == "bob"), 18)
    # carol arrives after both finished: nothing left, and progress says so
    assert store.next_units("d", "carol") == []
    assert store.progress("d", "carol") == (0, 0)


def test_progress_three_annotators_overlap_two(store: Store) -> None:
    make_dataset(store, 18, overlap=2)
    names = ("alice", "bob", "carol")
    order = ["alice", "bob", "carol"] * 6 + ["alice", "alice", "bob"] * 6
    for k, name in enumerate(order):
        decided = decide(store, name)
        got = progress_all(store, names)
        assert got == {n: expected_progress(store, n) for n in names}, (k, name, decided)
        for n in names:
            done, total = got[n]
            assert done <= total <= 18
            if store.next_units("d", n, limit=1):
                store.release("d", n)  # a look at the queue is not a claim for this test
            else:
                assert done == total, (k, n, got[n])  # nothing open to them: the screen says done
    while any([decide(store, n) is not None for n in names]):  # whoever still has units finishes
        assert progress_all(store, names) == {n: expected_progress(store, n) for n in names}
    assert sum(store.progress("d", n)[0] for n in names) == 36
    assert all(store.progress("d", n)[0] == store.progress("d", n)[1] for n in names)
    assert decisions_per_unit(store) == {u.id: 2 for u in store.iter_units("d")}


def test_progress_counts_others_live_leases(store: Store) -> None:
    make_dataset(store, 4, overlap=1)
    store.next_units("d", "alice", limit=3)
    assert store.progress("d", "alice") == (0, 4)
    assert store.progress("d", "bob") == (0, 1)  # only the unit alice does not hold
    store.release("d", "alice")
    assert store.progress("d", "bob") == (0, 4)


def test_stats_shows_the_same_progress(store: Store, db: str, runner) -> None:
    make_dataset(store, 18, overlap=2)
    for _ in range(5):
        decide(store, "alice")
    for _ in range(3):
        decide(store, "bob")
    store.next_units("d", "carol")  # holding one, nothing decided
    r = runner.invoke(cli, ["stats", "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    (ds,) = json.loads(r.output)["datasets"]
    rows = {a["annotator"]: (a["done"], a["total"], a["holding"]) for a in ds["annotators"]}
    # bob and alice both decided units 1-3; carol holds unit 4, which alice decided
    assert rows == {"alice": (5, 18, 0), "bob": (3, 17, 0), "carol": (0, 15, 1)}
    assert {n: store.progress("d", n) for n in rows} == {n: v[:2] for n, v in rows.items()}


def test_dataset_release_command(store: Store, db: str, runner) -> None:
    make_dataset(store, 5, overlap=1)
    store.next_units("d", "alice", limit=3)
    store.next_units("d", "bob", limit=2)
    decide(store, "bob")  # bob decides the first unit he holds: a decided unit is not held
    r = runner.invoke(cli, ["dataset", "release", "d", "--db", db, "--annotator", "alice"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "d: released 3 units held by alice"
    assert store.leases("d") == {"bob": 1}
    r = runner.invoke(cli, ["dataset", "release", "d", "--db", db])
    assert r.output.strip() == "d: released 1 unit held"
    assert store.leases("d") == {}
    r = runner.invoke(cli, ["dataset", "release", "nope", "--db", db])
    assert r.exit_code != 0 and "no dataset 'nope'" in r.output


def test_still_held_after_a_release_keeps_what_nobody_took(store: Store) -> None:
    """A screen asks which of the units it holds ahead are still its own: after the lead's
    release, one bob took (overlap 1) is not; one nobody took is claimed again; one still
    leased is a read, not a write."""
    u1, u2, u3, u4 = make_dataset(store, 4, overlap=1)
    assert [u.id for u in store.next_units("d", "alice", limit=3)] == [u1, u2, u3]
    assert store.still_held("d", "alice", [u1, u2, u3]) == [u1, u2, u3]
    store.release("d", "alice")
    assert [u.id for u in store.next_units("d", "bob", limit=1)] == [u1]
    assert store.still_held("d", "alice", [u1, u2, u3]) == [u2, u3]
    assert store.leases("d") == {"alice": 2, "bob": 1}
    assert store.still_held("d", "alice", []) == []


def test_label_sessions_forget_screens_whose_process_is_gone_or_long_silent(store: Store) -> None:
    """A screen that crashed is not reported as open: its process is gone (this host), or it
    has not been heard from for five minutes (another host); either way its row goes."""
    import socket

    from annotator.store.label_sessions import STALE_S

    make_dataset(store, 1, overlap=1)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ds_id = store.require_dataset("d").id
    with store.write():
        for host, pid, seen in ((socket.gethostname(), dead.pid, time.time()),
                                ("elsewhere", 1, time.time() - STALE_S - 1),
                                ("elsewhere", 2, time.time() - 60)):
            store._x("INSERT INTO label_sessions (dataset_id, annotator, host, pid, started, seen)"
                     " VALUES (?, 'ann', ?, ?, ?, ?)", (ds_id, host, pid, seen, seen))
    sid, others = store.open_label_session("d", "ann")
    assert [(o.host, o.pid) for o in others] == [("elsewhere", 2)]
    assert str(others[0]).startswith("pid 2 on elsewhere, open since ")
    assert store.label_sessions("d") == {"ann": 2}
    assert store.open_label_session("d", "bob")[1] == []  # another name: nobody else
    store.close_label_session(sid)
    assert store.label_sessions("d") == {"ann": 1, "bob": 1}


def test_review_screens_see_each_other_and_the_unit_each_shows(db: str) -> None:
    """Two leads review one dataset, each with a connection of their own: each review screen
    is told of the other and of the unit it shows; labelling screens are not counted among
    them (nor review screens among the labelling screens of ``stats``). A review screen taken
    for gone is recorded again under its id; one whose process is gone is forgotten."""
    with open_store(db) as a, open_store(db) as c:
        u1, u2 = make_dataset(a, 2, overlap=1)
        label, _ = a.open_label_session("d", "alice")
        ra, others = a.review_presence(None, "d", "alice", None)
        assert others == []
        rc, others = c.review_presence(None, "d", "carol", u1)
        assert [(o.adjudicator, o.unit_id) for o in others] == [("alice", None)]
        assert a.review_presence(ra, "d", "alice", u2)[1] == [ReviewerRow("carol", u1)]
        assert c.review_presence(rc, "d", "carol", u1)[1] == [ReviewerRow("alice", u2)]
        assert a.label_sessions("d") == {"alice": 1}  # the labelling screen only
        assert a.stats("d")["datasets"][0]["reviewing"] == ["alice", "carol"]
        r = CliRunner().invoke(cli, ["stats", "--db", db, "--dataset", "d"])
        assert r.exit_code == 0 and "  reviewing now: alice, carol\n" in r.output
        assert a.open_label_session("d", "carol")[1] == []  # carol's review screen is no labelling screen
        with c.write():
            c._x("DELETE FROM label_sessions WHERE id = ?", (rc,))  # taken for gone
        assert c.review_presence(rc, "d", "carol", u2) == (rc, [ReviewerRow("alice", u2)])
        c.close_label_session(rc)
        assert a.review_presence(ra, "d", "alice", u2)[1] == []
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        with c.write():
            c._x("UPDATE label_sessions SET pid = ? WHERE id = ?", (dead.pid, ra))  # alice's screen crashed
        assert c.review_presence(None, "d", "carol", None)[1] == []
        assert [r[0] for r in query(db, "SELECT screen FROM label_sessions ORDER BY id")] == ["label", "label", "review"]


def test_four_annotators_overlap_two_with_a_quitter_strand_nothing(db: str) -> None:
    """Four annotators in threads with their own connections, overlap 2, one of whom quits
    at once: every unit ends with exactly two decisions."""
    with open_store(db) as s:
        ids = make_dataset(s, 120, overlap=2)
        s.next_units("d", "quitter", limit=5)
        s.release("d", "quitter")
    errors: list[BaseException] = []

    def annotator(name: str) -> None:
        try:
            with open_store(db) as store:
                while decide(store, name) is not None:
                    pass
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=annotator, args=(n,)) for n in ("a", "b", "c", "e")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with open_store(db) as s:
        assert decisions_per_unit(s) == {i: 2 for i in ids}


@pytest.mark.postgresql
def test_postgres_claims_pass_each_other_by_with_skip_locked(pg_db: str) -> None:
    """On PostgreSQL a claim locks only the units it takes (FOR UPDATE SKIP LOCKED): while
    alice's claim is still open, bob's claim on an overlap-1 dataset does not wait for it
    and gets another unit; after she commits, no unit is held twice."""
    with open_store(pg_db) as s:
        ids = make_dataset(s, 4, overlap=1)
    alice, bob = open_store(pg_db), open_store(pg_db)
    got: dict[str, list[int]] = {}
    try:
        with alice.write(rows_only=True):
            got["alice"] = [u.id for u in alice.next_units("d", "alice", limit=1)]
            done = threading.Event()

            def claim() -> None:
                got["bob"] = [u.id for u in bob.next_units("d", "bob", limit=1)]
                done.set()

            t = threading.Thread(target=claim)
            t.start()
            assert done.wait(10), "bob's claim waited for alice's open transaction"
            t.join()
        assert got == {"alice": [ids[0]], "bob": [ids[1]]}
        assert [u.id for u in bob.next_units("d", "bob", limit=4)] == [ids[1], ids[2], ids[3]]
        assert alice.leases("d") == {"alice": 1, "bob": 3}
    finally:
        alice.close()
        bob.close()


@pytest.mark.postgresql
def test_postgres_a_unit_locked_by_another_claim_is_not_called_taken(pg_db: str) -> None:
    """Skipping locked units is only a shortcut: on overlap 2, while carol's claim holds the
    last open unit, bob's claim waits for it to end and then gets the unit (carol's lease
    leaves room for one more) instead of being told nothing is left, which stranded the unit
    with one decision (seen once in CI with four annotators)."""
    with open_store(pg_db) as s:
        ids = make_dataset(s, 1, overlap=2)
    carol, bob = open_store(pg_db), open_store(pg_db)
    got: dict[str, list[int]] = {}
    done = threading.Event()

    def claim() -> None:
        got["bob"] = [u.id for u in bob.next_units("d", "bob", limit=1)]
        done.set()

    try:
        with carol.write(rows_only=True):
            got["carol"] = [u.id for u in carol.next_units("d", "carol", limit=1)]
            t = threading.Thread(target=claim)
            t.start()
            assert not done.wait(0.5), f"bob was answered while carol's claim was open: {got}"
        t.join(10)
        assert got == {"carol": ids, "bob": ids}
        assert carol.leases("d") == {"bob": 1, "carol": 1}
    finally:
        carol.close()
        bob.close()
