"""The labelling UI driven by Pilot: every key, and the rows it leaves in the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import query_dicts

from annotator.config import Config
from annotator.models import Document, Span, Suggestion, Unit
from annotator.store import Store, open_store
from annotator.tui.app import build_app
from annotator.tui.help_screen import HelpScreen
from annotator.tui.label_screen import LabelScreen
from annotator.tui.session import QueueFilter
from annotator.tui.widgets.span_text import SpanText

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SENTS = [
    "South Korea summoned Russia’s ambassador to Seoul on Monday, the foreign ministry said.",
    "Kim Jong Un and Russian President Vladimir Putin signed a military accord in June.",
    "東京 and Zoë met the café owner 🚀 [bold]x[/bold] today.",
    "The ministry said talks would resume soon.",
]


def make_db(path: Path, with_suggestions: bool = True) -> Store:
    """A dataset with one four-sentence document; suggestions on the first sentence."""
    store = open_store(path)
    ds = store.ensure_dataset("news")
    text = " ".join(SENTS)
    units = []
    for i, t in enumerate(SENTS):
        st = text.index(t)
        units.append(Unit(position=i, text=t, start=st, end=st + len(t)))
    store.insert_document(ds, Document(title="Seoul Summons Ambassador", text=text), units)
    if with_suggestions:
        first = next(store.iter_units("news"))
        store.put_suggestions([Suggestion(unit_id=first.id, suggester="rules", spans=[
            Span(start=0, end=11, label="GPE", source="rules", score=0.9),
            Span(start=21, end=27, label="GPE", source="rules", score=0.8),
        ])])
    return store


def rows(path: str, sql: str, params: tuple = ()) -> list[dict]:
    """Rows read through a separate connection: proves they were committed."""
    return query_dicts(path, sql, params)


def decisions(path: Path) -> list[dict]:
    """Every annotation row, oldest first."""
    return rows(path, "SELECT unit_id, annotator, answer, spans, relations, reverts FROM annotations ORDER BY id")


@pytest.fixture
def db(db: str) -> str:
    """The labelling dataset on each engine (conftest's ``db``)."""
    make_db(db).close()
    return db


def app_for(path: Path, annotator: str = "alice", config: Config | None = None):
    """A fresh app on ``path``."""
    return build_app(open_store(path), None, annotator, config=config)


async def settle(pilot) -> None:
    """Let the screen's writer and read workers finish and their messages land."""
    screen = pilot.app.screen
    for _ in range(500):
        await pilot.pause()
        if not isinstance(screen, LabelScreen) or screen.settled:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


def screen_of(app) -> LabelScreen:
    screen = app.screen
    assert isinstance(screen, LabelScreen)
    return screen


async def test_accept_commits_suggestions_before_next_unit(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = screen_of(app).session.current.unit.id
        await pilot.press("a")
        await settle(pilot)
        got = decisions(db)
        assert [(r["unit_id"], r["answer"]) for r in got] == [(first, "accept")]
        spans = json.loads(got[0]["spans"])
        assert [(s["start"], s["end"], s["label"], s["source"]) for s in spans] == [
            (0, 11, "GPE", "rules"), (21, 27, "GPE", "rules")
        ]
        assert spans[0]["token_start"] == 0 and spans[0]["token_end"] == 1
        assert screen_of(app).session.current.unit.id != first
        await pilot.press("enter")  # Enter accepts too
        await settle(pilot)
        assert [r["answer"] for r in decisions(db)] == ["accept", "accept"]


async def test_reject_and_ignore(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "space")
        await settle(pilot)
    got = decisions(db)
    assert [r["answer"] for r in got] == ["reject", "ignore"]
    assert got[0]["spans"] == "[]"  # a rejected unit keeps no spans
    assert got[0]["unit_id"] != got[1]["unit_id"]


async def test_backspace_undoes_and_shows_the_unit_again(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = screen_of(app).session.current.unit.id
        await pilot.press("right", "right", "shift+right", "2", "a")  # label "summoned Russia" ORG
        await settle(pilot)
        assert screen_of(app).session.done == 1
        await pilot.press("backspace")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.session.current.unit.id == first
        assert screen.session.done == 0
        # the reverted decision's spans are back on screen, confirmed
        assert [(m.span.label, m.suggested) for m in screen.editor.marks] == [("GPE", False), ("ORG", False)]
    got = decisions(db)
    assert [r["answer"] for r in got] == ["accept", "undo"]  # history kept
    assert rows(db, "SELECT * FROM decisions") == []


async def test_arrows_shift_and_number_label_exact_offsets(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right", "a")  # first unit: accept; the second unit is next
        await settle(pilot)
        # "Kim Jong Un and Russian President Vladimir Putin ..."
        await pilot.press("shift+right", "shift+right", "1")  # Kim Jong Un -> PERSON
        await pilot.press("right", "right", "5")  # cursor on "Russian"? move 2 from Un -> Russian
        await pilot.press("end", "left", "9")  # "June" -> DATE (the last token is ".")
        await pilot.press("home", "right", "right", "right", "right", "right")  # "President"
        await pilot.press("left", "shift+right", "left")  # selection shrinks back to one token
        await pilot.press("a")
        await settle(pilot)
    got = decisions(db)[1]
    text = SENTS[1]
    spans = [(text[s["start"]:s["end"]], s["label"]) for s in json.loads(got["spans"])]
    assert spans == [("Kim Jong Un", "PERSON"), ("Russian", "NORP"), ("June", "DATE")]


async def test_delete_and_tab(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab")  # to the next span: "Russia" (the cursor starts on South Korea)
        screen = screen_of(app)
        assert screen.editor.cursor == 3
        await pilot.press("delete")  # remove the Russia suggestion
        await pilot.press("tab")  # wraps to South Korea
        assert screen.editor.cursor == 0
        await pilot.press("shift+tab")
        assert screen.editor.cursor == 0
        await pilot.press("a")
        await settle(pilot)
    spans = json.loads(decisions(db)[0]["spans"])
    assert [(s["start"], s["end"], s["label"]) for s in spans] == [(0, 11, "GPE")]


async def test_claims_layer_links_claim_source_cue(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("a")
        await settle(pilot)
        assert screen_of(app).session.current.unit.text == SENTS[3]
        # "The ministry said talks would resume soon ."
        await pilot.press("c")
        assert screen_of(app).editor.layer == "claims"
        await pilot.press("shift+right", "2")  # The ministry -> SOURCE
        await pilot.press("right", "3")  # said -> CUE
        await pilot.press("right", "shift+right", "shift+right", "shift+right", "1")  # talks would resume soon -> CLAIM
        await pilot.press("a")
        await settle(pilot)
    got = decisions(db)[3]
    text = SENTS[3]
    spans = {s["label"]: text[s["start"]:s["end"]] for s in json.loads(got["spans"])}
    assert spans == {"SOURCE": "The ministry", "CUE": "said", "CLAIM": "talks would resume soon"}
    assert all(s["layer"] == "claims" for s in json.loads(got["spans"]))
    rels = {(text[r["head"]["start"]:r["head"]["end"]], r["label"], text[r["child"]["start"]:r["child"]["end"]])
            for r in json.loads(got["relations"])}
    assert rels == {("The ministry", "source-of", "talks would resume soon"), ("said", "cue-of", "talks would resume soon")}


async def test_link_key_links_and_unlinks(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("a")
        await pilot.press("c", "right", "right", "right", "shift+right", "shift+right", "shift+right", "1")  # CLAIM
        await pilot.press("home", "shift+right", "2")  # SOURCE: auto-linked to the only CLAIM
        ed = screen_of(app).editor
        assert [r.label for r in ed.relations] == ["source-of"]
        await pilot.press("home", "l", "end", "left", "l")  # toggles the link off
        assert ed.relations == []
        await pilot.press("l", "home", "l")  # and on again, marking the CLAIM first
        assert [r.label for r in ed.relations] == ["source-of"]
        await pilot.press("a")
        await settle(pilot)
    assert len(json.loads(decisions(db)[3]["relations"])) == 1


async def test_mouse_click_and_drag_select(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        text = app.screen.query_one(SpanText)
        # line 0 of the second unit starts "Kim Jong Un and Russian ..."; "Russian" is at cells 16-22
        await pilot.click(SpanText, offset=(2 + 17, 1))  # border + padding: 2 cells left, 1 row down
        assert screen_of(app).editor.cursor == 4
        await pilot.mouse_down(SpanText, offset=(2 + 0, 1))
        await pilot.hover(SpanText, offset=(2 + 9, 1))
        await pilot.mouse_up(SpanText, offset=(2 + 9, 1))
        assert screen_of(app).editor.selection == (0, 2)
        assert text.selection == (0, 2)
        await pilot.press("1", "a")
        await settle(pilot)
    spans = json.loads(decisions(db)[1]["spans"])
    assert [(SENTS[1][s["start"]:s["end"]], s["label"]) for s in spans] == [("Kim Jong Un", "PERSON")]


async def test_quit_and_resume_where_left_off(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        shown = screen_of(app).session.current.unit.id
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0 or app.return_code is None
    again = app_for(db)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen_of(again).session.current.unit.id == shown
        assert screen_of(again).session.done == 1


async def test_help_screen_lists_keys(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(100, 44)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
        for words in ("Accept the unit", "Revert the previous", "Label the selection", "ctrl+p"):
            assert words in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LabelScreen)
    assert decisions(db) == []


async def test_palette_jump_and_filter(db: Path) -> None:
    store = open_store(db)
    ids = [u.id for u in store.iter_units("news")]
    store.close()
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"jump {ids[2]}")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.session.current.unit.id == ids[2]
        screen.set_filter(QueueFilter(suggester="nobody"))
        await settle(pilot)
        assert screen.session.queue_filter is None  # no unit matches: back to the queue
        assert screen.session.current.unit.id == ids[2]  # the unit jumped to comes back
        screen.set_filter(QueueFilter(label="GPE"))
        await settle(pilot)
        assert screen.session.current.unit.id == ids[0]
        assert screen.session.queue_filter == QueueFilter(label="GPE")
        await pilot.press("x")
        await settle(pilot)
        assert screen.session.queue_filter is None  # nothing else matched: back to the queue
        screen.set_filter(QueueFilter(document_id=99999))
        await settle(pilot)
        assert screen.session.queue_filter is None
        screen.set_filter(QueueFilter(suggester="rules"))  # its only unit is decided: nothing matches
        await settle(pilot)
        assert screen.session.queue_filter is None
        assert screen.session.current.unit.id != ids[0]
        status = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "no more units match filter suggester=rules" in status
    assert [(r["unit_id"], r["answer"]) for r in decisions(db)] == [(ids[0], "reject")]


async def test_palette_switches_layer(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"layer: claims")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).active_layer == "claims"


async def test_cjk_emoji_offsets_and_markup_escaped(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a", "a")
        await settle(pilot)
        assert screen_of(app).session.current.unit.text == SENTS[2]
        await pilot.press("3", "right", "right", "1")  # 東京 GPE, Zoë PERSON
        await pilot.press("right", "right", "right", "right", "shift+right", "shift+right", "6")  # "🚀 [" ... FAC
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "x[/bold]" in shown  # user text is never read as markup
        await pilot.press("a")
        await settle(pilot)
    spans = json.loads(decisions(db)[2]["spans"])
    assert [(SENTS[2][s["start"]:s["end"]], s["label"]) for s in spans] == [
        ("東京", "GPE"), ("Zoë", "PERSON"), ("owner 🚀 [", "FAC")
    ]


async def test_keymap_from_config(db: Path) -> None:
    app = app_for(db, config=Config(keys={"accept": "y", "reject": "n"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert decisions(db) == []
        await pilot.press("y", "n")
        await settle(pilot)
    assert [r["answer"] for r in decisions(db)] == ["accept", "reject"]


async def test_progress_and_empty_queue(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(4):
            await pilot.press("space")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.session.current is None
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "4 / 4 done" in shown
        assert "Nothing left to label" in shown
        await pilot.press("a", "right", "1")  # nothing to decide: no row, no crash
        await settle(pilot)
        assert len(decisions(db)) == 4
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.session.current is not None and screen.session.done == 3


async def test_two_annotators_with_overlap_one_get_different_units(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    make_db(path).close()
    a, b = app_for(path, "alice"), app_for(path, "bob")
    async with a.run_test(size=(80, 24)) as pa:
        await settle(pa)
        async with b.run_test(size=(80, 24)) as pb:
            await settle(pb)
            ua = screen_of(a).session.current.unit.id
            ub = screen_of(b).session.current.unit.id
            assert ua != ub
            await pa.press("a")
            await pb.press("x")
            await settle(pa)
            await settle(pb)
    got = {(r["annotator"], r["unit_id"], r["answer"]) for r in decisions(path)}
    assert got == {("alice", ua, "accept"), ("bob", ub, "reject")}


async def test_overlay_and_escape_keys(db: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = app.screen.query_one(SpanText)
        await pilot.press("c")
        assert text.overlay and text._styles[0] is not None  # entity colours under the claims
        await pilot.press("v")
        assert not text.overlay and text._styles[0] is None  # claims on their own
        await pilot.press("shift+right", "shift+right", "2", "l")
        assert screen_of(app).editor.pending_link is not None
        await pilot.press("escape")
        assert screen_of(app).editor.pending_link is None
        await pilot.press("shift+right", "escape")
        assert screen_of(app).editor.anchor is None
        await pilot.press("a")
        await settle(pilot)
    spans = json.loads(decisions(db)[0]["spans"])
    assert [(s["label"], s["layer"]) for s in spans] == [
        ("GPE", "entities"), ("SOURCE", "claims"), ("GPE", "entities")
    ]


def test_headline_unit_is_not_repeated_as_context(tmp_path):
    """The second unit's context shows the title once, not the headline unit again."""
    from annotator.ingest.clean import clean_article
    from annotator.ingest.segment import build_units
    from annotator.models import Document
    from annotator.store import open_store
    from annotator.tui.session import LabelSession

    store = open_store(tmp_path / "h.db")
    ds = store.ensure_dataset("d")
    art = clean_article("Big Headline Here Today\n\nFirst sentence of the story. Second one.")
    store.insert_document(ds, Document(title=art.title, text=art.text), build_units(art.text))
    session = LabelSession(store, ds, "ann")
    units = store.iter_units("d")
    _, second, third = list(units)
    assert session.view(second).before == []
    assert [u.text for u in session.view(third).before] == ["First sentence of the story."]


@pytest.mark.parametrize("outcome", ["done", "failed"])
async def test_palette_training_reports_progress_and_completion(tmp_path, outcome):
    """Starting training from the palette shows its progress and the model when done, or
    the error and where the log is when it failed (the child process itself is tested in
    tests/test_train_cli.py)."""
    from annotator.ingest.segment import build_units
    from annotator.models import Document
    from annotator.store import open_store
    from annotator.tui.app import build_app

    store = open_store(tmp_path / "p.db")
    ds = store.ensure_dataset("d")
    text = "Kim met Putin in Moscow. Seoul said no."
    store.insert_document(ds, Document(title="t", text=text), build_units(text))
    app = build_app(store, "d", "ann")
    last = {"state": "done", "best": 0.75} if outcome == "done" else {
        "state": "failed", "error": "Error: no CUE labels", "log": "/tmp/annotator-train-x/train.log"}
    states = iter([{"state": "training", "epoch": 2, "epochs": 30, "score": 0.5}, last])

    class FakeJob:
        running = True
        output = tmp_path / "m"

        def status(self):
            return next(states)

        def cancel(self):
            self.running = False

    started = []

    def fake_start(output=None):
        started.append(output)
        app.session.training = FakeJob()
        return str(FakeJob.output)

    def status_line() -> str:
        return str(app.screen.query_one("#status").render())

    async with app.run_test() as pilot:

        await settle(pilot)
        await settle(pilot)  # let the first progress count land before we look at messages
        app.session.start_training = fake_start
        screen = app.screen
        screen.start_training()
        assert started == [None]
        assert "training started in the background" in status_line()
        screen._watch_training()
        assert "training: epoch 2/30, score 0.500" in status_line()
        screen._watch_training()
        await settle(pilot)
        if outcome == "done":
            assert "new model ready (best 0.750); next units use it" in status_line()
            assert not list(app._notifications)
        else:
            assert "training failed: Error: no CUE labels" in status_line()
            # the status line is one line: the log's path is in a notification that wraps
            (note,) = list(app._notifications)
            assert note.title == "training failed" and note.severity == "error"
            assert note.message == "Error: no CUE labels\nlog: /tmp/annotator-train-x/train.log"


def test_priority_units_come_first_then_the_queue(tmp_path):
    from annotator.ingest.segment import build_units
    from annotator.models import Document
    from annotator.store import open_store
    from annotator.tui.session import LabelSession

    store = open_store(tmp_path / "q.db")
    ds = store.ensure_dataset("d", overlap=1)
    text = "One here. Two here. Three here. Four here."
    store.insert_document(ds, Document(title="t", text=text), build_units(text))
    ids = [u.id for u in store.iter_units("d")]
    store.claim_unit("d", "other", ids[1])  # taken by someone else under overlap 1
    session = LabelSession(store, ds, "ann")
    session.set_priority([ids[3], ids[1], ids[2]])
    seen = [session.advance().unit.id]
    while session.current is not None:
        session.decide("accept", [], [])
        if session.current is not None:
            seen.append(session.current.unit.id)
    assert seen == [ids[3], ids[2], ids[0]]  # priority order, the taken one skipped, then the queue
