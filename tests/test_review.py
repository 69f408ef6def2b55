"""Review: adjudication logic, the session, and the Textual screen driven by Pilot."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from annotator.agreement.adjudicate import compare, is_unanimous, majority
from annotator.cli import cli
from annotator.models import Annotation, Document, Relation, Span, SpanRef, Unit
from annotator.store import Store
from conftest import query
from annotator.tui.app import build_review_app
from annotator.tui.review_session import ReviewSession

S1 = "Kim Jong Un met Moon Jae-in in Seoul."
S2 = "The talks ended on Friday."
KIM = Span(start=0, end=11, label="PERSON")
MOON = Span(start=16, end=27, label="PERSON")
SEOUL = Span(start=31, end=36, label="GPE")
SEOUL_ORG = Span(start=31, end=36, label="ORG")
FRIDAY = Span(start=19, end=25, label="DATE")


def seed(store: Store) -> tuple[int, int]:
    """Unit 1: three versions that differ; unit 2: two identical versions."""
    ds = store.ensure_dataset("news")
    text = f"{S1} {S2}"
    store.insert_document(ds, Document(text=text, title="summit"), [
        Unit(text=S1, start=0, end=len(S1), position=0),
        Unit(text=S2, start=len(S1) + 1, end=len(text), position=1),
    ])
    u1, u2 = [u.id for u in store.iter_units("news")]
    for name, spans in (("ann", [KIM, MOON, SEOUL]), ("bob", [KIM, MOON, SEOUL_ORG]), ("cat", [KIM, SEOUL])):
        store.add_annotation(Annotation(unit_id=u1, annotator=name, answer="accept", spans=spans))
    for name in ("ann", "bob"):
        store.add_annotation(Annotation(unit_id=u2, annotator=name, answer="accept", spans=[FRIDAY]))
    return u1, u2


def ann(name: str, spans: list[Span], answer: str = "accept", relations: list[Relation] | None = None) -> Annotation:
    return Annotation(unit_id=1, annotator=name, answer=answer, spans=spans, relations=relations or [])


def test_compare_statuses_and_missing() -> None:
    comp = compare([ann("ann", [KIM, MOON, SEOUL]), ann("bob", [KIM, MOON, SEOUL_ORG]), ann("cat", [KIM, SEOUL])])
    assert comp.status(KIM.key) == "agreed"
    assert comp.status(MOON.key) == "disputed"
    assert comp.missing("cat") == [MOON.key, SEOUL_ORG.key]
    assert comp.votes[SEOUL.key] == ["ann", "cat"]


def test_unanimity_needs_same_answer_spans_and_relations() -> None:
    assert is_unanimous([ann("a", [KIM]), ann("b", [KIM])])
    assert not is_unanimous([ann("a", [KIM])])
    assert not is_unanimous([ann("a", [KIM]), ann("b", [KIM], answer="reject")])
    claim = Span(start=12, end=30, label="CLAIM", layer="claims")
    src = Span(start=0, end=11, label="SOURCE", layer="claims")
    rel = Relation(head=SpanRef(start=0, end=11, label="SOURCE"), child=SpanRef(start=12, end=30, label="CLAIM"),
                   label="source-of")
    assert not is_unanimous([ann("a", [claim, src], relations=[rel]), ann("b", [claim, src])])


def test_majority_merge_resolves_entity_overlaps_and_keeps_relations() -> None:
    long = Span(start=0, end=15, label="PERSON")
    spans, _ = majority([ann("a", [KIM, SEOUL]), ann("b", [KIM, SEOUL_ORG]), ann("c", [long, SEOUL])])
    assert [s.key for s in spans] == [KIM.key, SEOUL.key]
    claim = Span(start=12, end=30, label="CLAIM", layer="claims")
    src = Span(start=0, end=11, label="SOURCE", layer="claims")
    rel = Relation(head=SpanRef(start=0, end=11, label="SOURCE"), child=SpanRef(start=12, end=30, label="CLAIM"),
                   label="source-of")
    spans, rels = majority([ann("a", [claim, src], relations=[rel]), ann("b", [claim, src], relations=[rel]),
                            ann("c", [claim])])
    assert {s.label for s in spans} == {"CLAIM", "SOURCE"} and rels == [rel]


def test_session_queue_take_undo_and_auto_accept(store: Store) -> None:
    u1, u2 = seed(store)
    session = ReviewSession.open(store, "news", "lead")
    assert session.queue == [u1] and session.unanimous == [u2]
    gold = session.take(1)  # bob's version
    assert store.get_gold(u1).sources == ["bob"]
    assert [s.key for s in store.get_gold(u1).spans] == [KIM.key, MOON.key, SEOUL_ORG.key]
    assert gold.adjudicator == "lead"
    assert session.undo() is not None and store.get_gold(u1) is None
    assert session.accept_unanimous() == 1
    g2 = store.get_gold(u2)
    assert g2.sources == ["ann", "bob"] and [s.key for s in g2.spans] == [FRIDAY.key]
    assert session.accept_unanimous() == 0  # already gold


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return str(widget.render())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the review screen has read its queue and unit and stored every gold decision."""
    from annotator.tui.review_screen import ReviewScreen

    for _ in range(500):
        await pilot.pause()
        screen = pilot.app.screen
        if not isinstance(screen, ReviewScreen) or screen.settled:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


def test_review_screen_shows_disagreement_takes_a_version_and_undoes(store: Store) -> None:
    u1, _ = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            header = _text(app, "#review-header")
            assert "unit 1/1" in header and "gold 0/1" in header
            v1, v2, v3 = (app.screen.query_one(f"#version-{i}") for i in (1, 2, 3))
            assert v1.display and v2.display and v3.display and not app.screen.query_one("#version-4").display
            t3 = v3.render()
            assert "cat" in t3.plain and "missing:" in t3.plain and "“Moon Jae-in” PERSON (ann,bob)" in t3.plain
            # Kim is agreed (green), Moon disputed (red) in ann's version.
            t1 = v1.render()
            styles = {t1.plain[sp.start:sp.end]: str(sp.style) for sp in t1.spans}
            assert "on rgb(46,125,50)" in styles["Kim Jong Un"]  # green: agreed
            assert "on rgb(198,40,40)" in styles["Moon Jae-in"]  # red: disputed
            await pilot.press("3")  # take cat's version
            await settle(pilot)
            gold = store.get_gold(u1)
            assert gold is not None and gold.sources == ["cat"] and gold.adjudicator == "lead"
            assert [s.key for s in gold.spans] == [KIM.key, SEOUL.key]
            assert "gold 1/1" in _text(app, "#review-header")
            await pilot.press("backspace")
            await settle(pilot)
            assert store.get_gold(u1) is None
            assert "gold 0/1" in _text(app, "#review-header")
            history = store._q("SELECT answer FROM gold WHERE unit_id = ? ORDER BY id", (u1,))
            assert [r["answer"] for r in history] == ["accept", "undo"]  # undo keeps history

    asyncio.run(run())


def test_review_screen_merge_opens_the_labelling_editor_and_saves_gold(store: Store) -> None:
    """Issue 20 point 4: m opens the majority version in the labelling editor; boundaries,
    labels and links changed there are stored as gold."""
    from annotator.tui.editor import UnitEditor
    from annotator.tui.review_merge import MergeScreen

    u1, _ = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("m")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MergeScreen) and isinstance(screen.editor, UnitEditor)
            # the majority: Kim (3/3), Moon (2/3), Seoul GPE (2/3); Seoul ORG (1/3) is offered
            assert [s.key for s in screen.editor.spans()] == [KIM.key, MOON.key, SEOUL.key]
            assert "others (O takes one): “Seoul” ORG (bob)" in _text(app, "#merge-votes")
            await pilot.press("shift+right", "1")  # boundary: Kim Jong Un -> Kim Jong
            await pilot.press("tab", "delete")  # drop Moon Jae-in
            await pilot.press("tab", "2")  # label: Seoul GPE -> ORG
            await pilot.press("c", "home", "shift+right", "shift+right", "2")  # SOURCE: Kim Jong Un
            await pilot.press("right", "3")  # CUE: met
            await pilot.press("right", "shift+right", "shift+right", "shift+right", "1")  # CLAIM, linked
            await pilot.press("a")
            await settle(pilot)
            assert "merged gold: accept, 5 spans, 2 links" in _text(app, "#review-status")
        gold = store.get_gold(u1)
        assert gold is not None and gold.answer == "accept" and gold.adjudicator == "lead"
        assert sorted(s.key for s in gold.spans) == sorted([
            (0, 8, "PERSON", "entities"), (31, 36, "ORG", "entities"), (0, 11, "SOURCE", "claims"),
            (12, 15, "CUE", "claims"), (16, 36, "CLAIM", "claims")])
        assert sorted((r.head.label, r.label, r.child.label) for r in gold.relations) == [
            ("CUE", "cue-of", "CLAIM"), ("SOURCE", "source-of", "CLAIM")]
        assert gold.sources == ["bob"]  # the only version with one of the chosen spans (Seoul ORG)

    asyncio.run(run())


def test_review_merge_takes_another_versions_span_and_escape_saves_nothing(store: Store) -> None:
    u1, _ = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("m", "escape")  # back without saving
            await settle(pilot)
            assert store.get_gold(u1) is None and "merge cancelled" in _text(app, "#review-status")
            await pilot.press("m", "end", "left", "O", "enter")  # on Seoul: take bob's ORG
            await settle(pilot)
        gold = store.get_gold(u1)
        assert gold is not None
        assert [s.key for s in gold.spans] == [KIM.key, MOON.key, SEOUL_ORG.key]

    asyncio.run(run())


def test_review_command_auto_accept_without_ui(runner: CliRunner, store: Store, db: str) -> None:
    _, u2 = seed(store)
    res = runner.invoke(cli, ["review", "--dataset", "news", "--db", db, "--annotator", "lead",
                              "--auto-accept-unanimous", "--no-ui"])
    assert res.exit_code == 0, res.output
    assert "1 unanimous unit(s) accepted" in res.output
    assert "1 unit(s) with differing versions" in res.output
    assert store.get_gold(u2).adjudicator == "lead"


def test_review_keys_for_existing_annotators_legend_status_line_keymap_80x24(store: Store) -> None:
    """Issue 20 point 4 (part): Take keys only for the versions there are, a legend for the
    colours, messages on a status line instead of toasts over the gold panel, the configured
    keymap, everything on an 80x24 screen."""
    from annotator.config import Config
    from textual.widgets._toast import Toast

    u1, _ = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead", config=Config(keys={"merge": "e"}))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lines = [s.text for s in app.screen._compositor.render_strips()]
            footer = lines[-1]
            assert "1 Take 2 Take 3 Take e Merge" in footer and "4 Take" not in footer
            assert footer.index("e Merge") < footer.index("Next") and "q Quit" in footer
            assert any("agreed" in line and "disputed" in line and "missing here" in line for line in lines)
            await pilot.press("2")
            await settle(pilot)
            assert "gold from bob" in _text(app, "#review-status")
            assert not list(app.query(Toast))
            gold_panel = app.screen.query_one("#review-gold")
            assert gold_panel.region.bottom <= 23 and gold_panel.region.height >= 3  # on screen, above the keys
        gold = store.get_gold(u1)
        assert gold is not None and gold.sources == ["bob"]

    asyncio.run(run())


def test_gold_writer_retries_waits_out_busy_and_never_stores_a_cut_commit_twice() -> None:
    """retry_busy: a busy database is retried; a connection lost during the COMMIT asks
    ``stored`` first and takes its answer instead of writing again; an unknown error raises."""
    import sqlite3

    import pytest

    from annotator.store.connection import ConnectionLost
    from annotator.tui.review_writer import retry_busy
    from annotator.tui.session_writer import NOT_STORED

    calls: list[str] = []
    busy: list[int] = []

    def flaky() -> str:
        calls.append("write")
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        if len(calls) == 2:
            raise ConnectionLost("server gone", commit_unknown=True)
        return "written again"

    assert retry_busy(flaky, lambda n, e: busy.append(n), lambda: "found stored") == "found stored"
    assert calls == ["write", "write"] and busy == [1, 2]
    calls.clear()
    assert retry_busy(flaky, lambda n, e: None, lambda: NOT_STORED) == "written again"
    assert calls == ["write", "write", "write"]
    calls.clear()
    with pytest.raises(ConnectionLost):  # an undo cut off during its COMMIT is not run again
        retry_busy(flaky, lambda n, e: None)
    with pytest.raises(ValueError):
        retry_busy(lambda: int("x"), lambda n, e: None)


def test_auto_accept_leaves_a_unit_decided_again_since_the_queue_was_read(store: Store) -> None:
    """A lead's bulk accept while the team labels: bob decides unit 2 again after the queue
    was read, so its versions now differ. It gets no gold (before: the run stopped with a
    ValueError half-way) and is in the queue to review."""
    u1, u2 = seed(store)
    session = ReviewSession.open(store, "news", "lead")
    assert session.unanimous == [u2]
    store.add_annotation(Annotation(unit_id=u2, annotator="bob", answer="accept", spans=[]))
    assert session.accept_unanimous() == 0
    assert session.no_longer_unanimous == 1
    assert store.get_gold(u2) is None
    assert session.queue == [u1, u2] and session.unanimous == []


def test_review_screen_at_the_end_of_its_queue_finds_units_decided_since(store: Store) -> None:
    """The lead reviews while the team labels: a unit whose versions come to differ after the
    screen read its queue joins it when the lead reaches the end (→ on the last unit, or gold
    taken there), and the screen goes to it."""
    u1, u2 = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            assert "unit 1/1" in _text(app, "#review-header")
            await pilot.press("right")  # the end, nothing new
            await settle(pilot)
            assert "nothing new decided since it was read" in _text(app, "#review-status")
            assert app.screen.session.current_id == u1
            store.add_annotation(Annotation(unit_id=u2, annotator="bob", answer="reject"))
            await pilot.press("1")  # gold on the last unit, then the queue is read again
            await settle(pilot)
            assert store.get_gold(u1) is not None and store.get_gold(u1).sources == ["ann"]
            assert app.screen.session.current_id == u2
            assert "unit 2/2" in _text(app, "#review-header") and "gold 1/2" in _text(app, "#review-header")
            assert "1 more unit to review: decided since the queue was read" in _text(app, "#review-status")
            await pilot.press("2")  # bob's reject
            await settle(pilot)
            assert store.get_gold(u2).answer == "reject"

    asyncio.run(run())


def test_two_leads_one_unit_the_later_gold_does_not_replace_the_earlier_unseen(db: str) -> None:
    """Two leads review one dataset, each with a store of their own. Both read unit 1 before
    either takes gold; alice takes bob's version, then carol takes cat's. Carol's is refused
    (before: it replaced alice's and nobody was told) and names alice; once carol has read the
    unit again, with alice's gold on it, taking a version replaces it: seen, deliberate."""
    from annotator.errors import GoldTaken
    from annotator.store import open_store

    setup = open_store(db)
    u1, _ = seed(setup)
    setup.close()
    alice_store, carol_store = open_store(db), open_store(db)
    try:
        alice = ReviewSession.open(alice_store, "news", "alice")
        carol = ReviewSession.open(carol_store, "news", "carol")
        assert alice.current_id == carol.current_id == u1
        carol_read = carol.current()
        assert carol_read is not None and carol_read.read_gold_id is None
        alice.take(1)  # bob's version
        try:
            carol._store(carol.gold_of_version(carol_read, 2), carol_read)  # cat's, over what carol read
        except GoldTaken as e:
            assert e.standing.adjudicator == "alice" and e.standing.sources == ["bob"]
            assert "alice took gold on it since it was read" in str(e)
        else:
            raise AssertionError("carol's gold replaced alice's unseen")
        standing = carol_store.get_gold(u1)
        assert standing is not None and standing.adjudicator == "alice" and standing.sources == ["bob"]
        rows = carol_store._q("SELECT adjudicator, answer FROM gold WHERE unit_id = ? ORDER BY id", (u1,))
        assert [(r["adjudicator"], r["answer"]) for r in rows] == [("alice", "accept")]  # nothing written
        assert carol.take(2).sources == ["cat"]  # read again: alice's gold seen, replaced on purpose
        assert carol_store.get_gold(u1).adjudicator == "carol"
        # a lead's own earlier gold is no obstacle: the session goes on replacing what it read
        carol.go_to(u1)
        assert carol.take(0).sources == ["ann"] and carol_store.get_gold(u1).sources == ["ann"]
    finally:
        alice_store.close()
        carol_store.close()


def test_review_screen_tells_its_lead_another_took_gold_since_and_stores_nothing(store: Store) -> None:
    """The review screen's side of two leads: carol's gold lands on a unit after alice's screen
    read it. Alice's key press stores nothing, the status line says who took gold and when, the
    unit shows carol's gold, and taking a version there again replaces it. A unit carol took
    that alice goes to counts as having gold in her header."""
    from annotator.models import Gold

    u1, u2 = seed(store)
    store.add_annotation(Annotation(unit_id=u2, annotator="bob", answer="reject"))  # unit 2 disputed too

    async def run() -> None:
        app = build_review_app(store, "news", "alice")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            assert "unit 1/2" in _text(app, "#review-header") and "gold 0/2" in _text(app, "#review-header")
            store.set_gold(Gold(unit_id=u2, adjudicator="carol", answer="reject", sources=["bob"]))
            await pilot.press("right")
            await settle(pilot)
            assert "unit 2/2" in _text(app, "#review-header") and "gold 1/2" in _text(app, "#review-header")
            await pilot.press("left")
            await settle(pilot)
            assert app.screen.item is not None and app.screen.item.read_gold_id is None
            store.set_gold(Gold(unit_id=u1, adjudicator="carol", spans=[KIM], sources=["cat"]))
            await pilot.press("2")  # bob's version, over no gold as alice's screen read unit 1
            await settle(pilot)
            gold = store.get_gold(u1)
            assert gold.adjudicator == "carol" and gold.sources == ["cat"]
            status = _text(app, "#review-status")
            assert status.startswith("gold from bob NOT saved on unit 1/2: carol took it at ")
            assert "(accept from cat) since you read it; go back and take again to replace it" in status
            assert "gold 2/2" in _text(app, "#review-header")
            await pilot.press("left")  # the screen went on to unit 2: back to what stands on unit 1
            await settle(pilot)
            assert "gold (accept, by carol from cat)" in _text(app, "#review-gold")
            await pilot.press("2")  # seen now: replaces carol's
            await settle(pilot)
            gold = store.get_gold(u1)
            assert gold.adjudicator == "alice" and gold.sources == ["bob"]
            rows = store._q("SELECT adjudicator FROM gold WHERE unit_id = ? ORDER BY id", (u1,))
            assert [r["adjudicator"] for r in rows] == ["carol", "alice"]

    asyncio.run(run())


def test_refused_gold_on_the_last_unit_shows_what_stands_there(store: Store) -> None:
    """On the last unit the screen stays where it is after gold; when that gold is refused the
    unit is read again at once, showing the other lead's gold, and the status line says so."""
    from annotator.models import Gold

    u1, _ = seed(store)

    async def run() -> None:
        app = build_review_app(store, "news", "alice")
        async with app.run_test(size=(200, 40)) as pilot:
            await settle(pilot)
            store.set_gold(Gold(unit_id=u1, adjudicator="carol", spans=[KIM], sources=["cat"]))
            await pilot.press("1")
            await settle(pilot)
            assert store.get_gold(u1).adjudicator == "carol"
            assert _text(app, "#review-status").endswith(
                "(accept from cat) since you read it; it shows here now and take again to replace it")
            assert "gold (accept, by carol from cat)" in _text(app, "#review-gold")
            assert app.screen.item.read_gold_id == store.get_gold(u1).id

    asyncio.run(run())


def test_review_screen_learns_of_gold_another_lead_took_as_it_goes(store: Store) -> None:
    """Gold carol takes while alice reviews reaches alice's screen at its next record of where
    it is (each move, every 10 s), without a queue read: the header counts it, going on
    passes the unit, and the unit on screen is read again, showing carol's gold."""
    from annotator.models import Gold

    u1, u2 = seed(store)
    store.add_annotation(Annotation(unit_id=u2, annotator="bob", answer="reject"))  # unit 2 disputed
    ds = store.require_dataset("news")
    text = "Seoul said no."
    store.insert_document(ds, Document(text=text, title=text), [Unit(text=text, start=0, end=len(text), position=0)])
    u3 = [u.id for u in store.iter_units("news")][2]
    for name, label in (("ann", "GPE"), ("bob", "ORG")):
        store.add_annotation(Annotation(unit_id=u3, annotator=name, answer="accept",
                                        spans=[Span(start=0, end=5, label=label)]))

    async def run() -> None:
        app = build_review_app(store, "news", "alice")
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert "unit 1/3 · gold 0/3" in _text(app, "#review-header")
            store.set_gold(Gold(unit_id=u2, adjudicator="carol", answer="reject", sources=["bob"]))
            screen.writer.present(u1)  # what the screen does every 10 s
            await settle(pilot)
            assert "unit 1/3 · gold 1/3" in _text(app, "#review-header")
            await pilot.press("1")  # gold on unit 1; unit 2 has carol's: on to unit 3
            await settle(pilot)
            assert screen.session.current_id == u3 and "gold 2/3" in _text(app, "#review-header")
            assert "gold: none yet" in _text(app, "#review-gold")
            store.set_gold(Gold(unit_id=u3, adjudicator="carol", spans=[], sources=["ann"]))
            screen.writer.present(u3)
            await settle(pilot)
            assert "gold (accept, by carol from ann)" in _text(app, "#review-gold")
            assert "gold 3/3" in _text(app, "#review-header")
            store.undo_gold("news", "carol")  # carol reverts it: none stands there again
            screen.writer.present(u3)
            await settle(pilot)
            assert "gold: none yet" in _text(app, "#review-gold") and "gold 2/3" in _text(app, "#review-header")

    asyncio.run(run())


def test_review_screen_is_told_of_another_lead_and_goes_on_past_the_unit_they_are_on(db: str) -> None:
    """Carol's review screen is open on unit 1 when alice opens hers: alice's is told and goes
    on to unit 2 at once; its header says where carol is. Gold taken on unit 2 passes unit 3,
    where carol is. When carol comes to the unit alice's screen went on to, alice's goes on
    again; to a unit alice went back to herself, it stays, and the header says carol is on it.
    Alice's screen is recorded while open and removed when it quits."""
    from annotator.store import open_store
    from annotator.tui.review_screen import ReviewScreen

    setup = open_store(db)
    u1, u2 = seed(setup)
    setup.add_annotation(Annotation(unit_id=u2, annotator="bob", answer="reject"))  # unit 2 disputed
    ds = setup.require_dataset("news")
    for text in ("Seoul said no.", "Tokyo said yes.", "Hanoi said maybe."):
        setup.insert_document(ds, Document(text=text, title=text), [Unit(text=text, start=0, end=len(text), position=0)])
    u3, u4, u5 = [u.id for u in setup.iter_units("news")][2:]
    for uid in (u3, u4, u5):
        for name, label in (("ann", "GPE"), ("bob", "ORG")):
            setup.add_annotation(Annotation(unit_id=uid, annotator=name, answer="accept",
                                            spans=[Span(start=0, end=5, label=label)]))
    setup.close()
    carol, store = open_store(db), open_store(db)
    carol_screen, _ = carol.review_presence(None, "news", "carol", u1)

    async def run() -> None:
        app = build_review_app(store, "news", "alice")
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ReviewScreen) and screen.session.current_id == u2
            assert _text(app, "#review-status") == ("carol is reviewing news too: going on passes the units another"
                                                      " lead is on; carol is on unit 1/5: went on to unit 2/5")
            assert _text(app, "#review-header").endswith("by alice · also carol (on 1/5)")

            async def carol_goes_to(unit_id: int) -> None:
                seen = carol.review_presence(carol_screen, "news", "carol", unit_id)[1]
                assert [r.adjudicator for r in seen] == ["alice"]
                screen.writer.present(screen.session.current_id)  # what alice's screen does every 10 s
                await settle(pilot)

            await carol_goes_to(u3)
            assert _text(app, "#review-header").endswith("also carol (on 3/5)")
            await pilot.press("1")  # gold on unit 2; unit 3 is carol's: on to unit 4
            await settle(pilot)
            assert screen.session.current_id == u4 and store.get_gold(u2).adjudicator == "alice"
            await carol_goes_to(u4)  # where alice's screen went on to: it goes on again
            assert screen.session.current_id == u5
            assert _text(app, "#review-status") == "saved · carol is on unit 4/5: went on to unit 5/5"
            await pilot.press("left")  # alice goes back to unit 4 herself: her screen stays there
            await settle(pilot)
            screen.writer.present(u4)
            await settle(pilot)
            assert screen.session.current_id == u4
            assert _text(app, "#review-header").endswith("also carol (ON THIS UNIT)")
            carol.close_label_session(carol_screen)
            screen.writer.present(u4)
            await settle(pilot)
            assert "also" not in _text(app, "#review-header")
            assert query(db, "SELECT annotator, unit_id FROM label_sessions WHERE screen = 'review'") == [("alice", u4)]
        assert query(db, "SELECT COUNT(*) FROM label_sessions") == [(0,)]

    try:
        asyncio.run(run())
    finally:
        store.close()
        carol.close()
