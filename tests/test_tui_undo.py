"""Undo brings back the annotator's own version — spans and links — in order, as many steps
as asked (issue 16 point 7); history stays append-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.models import Document, Relation, Span, Suggestion, Unit
from annotator.store import open_store
from annotator.tui.app import build_app

from test_tui_app import decisions, screen_of, settle  # noqa: E402

pytestmark = pytest.mark.anyio

TWO_CLAIMS = "Kim said talks would resume, and Putin said sanctions would end."
OTHERS = ["Seoul said no.", "Moscow said yes.", "Berlin said maybe.", "Paris said nothing."]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _span(text: str, words: str, label: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return Span(start=start, end=start + len(words), label=label, layer="claims", source="claims", score=0.7)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """One document: a unit with two claims whose suggestions link three of the four
    relations (Putin's source-of is missing), then four plain units."""
    path = tmp_path / "undo.db"
    store = open_store(path)
    ds = store.ensure_dataset("news")
    sents = [TWO_CLAIMS, *OTHERS]
    text = " ".join(sents)
    units = []
    for i, t in enumerate(sents):
        st = text.index(t)
        units.append(Unit(position=i, text=t, start=st, end=st + len(t)))
    store.insert_document(ds, Document(title="Talks", text=text), units)
    first = next(store.iter_units("news"))
    kim, said1, c1 = _span(TWO_CLAIMS, "Kim", "SOURCE"), _span(TWO_CLAIMS, "said", "CUE"), _span(TWO_CLAIMS, "talks would resume", "CLAIM")
    putin, said2, c2 = _span(TWO_CLAIMS, "Putin", "SOURCE"), _span(TWO_CLAIMS, "said", "CUE", 1), _span(TWO_CLAIMS, "sanctions would end", "CLAIM")
    store.put_suggestions([Suggestion(unit_id=first.id, suggester="claims", spans=[kim, said1, c1, putin, said2, c2], relations=[
        Relation(head=kim.ref, child=c1.ref, label="source-of"),
        Relation(head=said1.ref, child=c1.ref, label="cue-of"),
        Relation(head=said2.ref, child=c2.ref, label="cue-of"),
    ])])
    store.close()
    return path


def relation_keys(raw: str) -> set[tuple[str, str, str]]:
    """Relations of a stored row as (head text, label, child text)."""
    t = TWO_CLAIMS
    return {(t[r["head"]["start"]:r["head"]["end"]], r["label"], t[r["child"]["start"]:r["child"]["end"]])
            for r in json.loads(raw)}


FOUR = {("Kim", "source-of", "talks would resume"), ("said", "cue-of", "talks would resume"),
        ("said", "cue-of", "sanctions would end"), ("Putin", "source-of", "sanctions would end")}


async def link_putin_by_hand(pilot) -> None:
    """In the claims layer: mark Putin (token 7), move to its claim (token 9), mark again."""
    await pilot.press("c", "home", *["right"] * 7, "l", "right", "right", "l")


async def test_undo_brings_back_links_added_by_hand_and_reaccept_stores_all_four(db: Path) -> None:
    app = build_app(open_store(db), None, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert screen.session.current.unit.text == TWO_CLAIMS
        await link_putin_by_hand(pilot)
        assert len(screen.editor.relations) == 4
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.session.current.unit.text == TWO_CLAIMS
        shown = {(TWO_CLAIMS[r.head.start:r.head.end], r.label, TWO_CLAIMS[r.child.start:r.child.end])
                 for r in screen.editor.relations}
        assert shown == FOUR
        assert not any(m.suggested for m in screen.editor.marks)  # the annotator's own spans
        await pilot.press("a")
        await settle(pilot)
    got = decisions(db)
    assert [r["answer"] for r in got] == ["accept", "undo", "accept"]  # history kept
    assert relation_keys(got[0]["relations"]) == FOUR
    assert relation_keys(got[2]["relations"]) == FOUR
    assert json.loads(got[2]["spans"]) == json.loads(got[0]["spans"])


async def test_undo_of_a_decision_from_an_earlier_session_reads_it_back(db: Path) -> None:
    app = build_app(open_store(db), None, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await link_putin_by_hand(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    again = build_app(open_store(db), None, "alice")
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(again)
        assert screen.session.current.unit.text == OTHERS[0]
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.session.current.unit.text == TWO_CLAIMS
        assert len(screen.editor.relations) == 4
        await pilot.press("a")
        await settle(pilot)
        assert screen.session.current.unit.text == OTHERS[0]  # the unit put aside comes back
    got = decisions(db)
    assert [r["answer"] for r in got] == ["accept", "undo", "accept"]
    assert relation_keys(got[2]["relations"]) == FOUR


async def test_three_undos_bring_back_three_units_most_recent_first_then_in_order(db: Path) -> None:
    app = build_app(open_store(db), None, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        seen = []
        await link_putin_by_hand(pilot)
        for key in ("a", "x", "space"):  # decide units 1 (with the link added by hand), 2, 3
            seen.append(screen.session.current.unit.id)
            await pilot.press(key)
            await settle(pilot)
        fourth = screen.session.current.unit.id
        back = []
        for _ in range(3):
            await pilot.press("backspace")
            await settle(pilot)
            back.append(screen.session.current.unit.id)
        assert back == seen[::-1]  # most recent first, one per undo
        assert screen.session.done == 0
        order = [screen.session.current.unit.id]
        for _ in range(3):  # deciding again walks forward, not to the end of the queue
            await pilot.press("a")
            await settle(pilot)
            order.append(screen.session.current.unit.id)
        assert order == [seen[0], seen[1], seen[2], fourth]
    rows = decisions(db)
    got = [(r["unit_id"], r["answer"]) for r in rows]
    assert got == [(seen[0], "accept"), (seen[1], "reject"), (seen[2], "ignore"),
                   (seen[2], "undo"), (seen[1], "undo"), (seen[0], "undo"),
                   (seen[0], "accept"), (seen[1], "accept"), (seen[2], "accept")]
    assert relation_keys(rows[6]["relations"]) == FOUR  # the hand-made link came back with its unit
