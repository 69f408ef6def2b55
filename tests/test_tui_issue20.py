"""The labelling screen as annotators expect it (issue 20), driven by Pilot; where a decision
is involved the stored rows are checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.store import open_store
from annotator.tui.widgets.span_text import SpanText

from test_tui_app import SENTS, app_for, decisions, make_db, screen_of, settle  # noqa: E402

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "label.db"
    make_db(path).close()
    return path


def screen_text(app) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def test_v_shows_entities_inside_a_claim(db: Path) -> None:
    """Point 5: an entity inside a claim stays visible (underlined, lower-case tag); v hides it."""
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = app.screen.query_one(SpanText)
        await pilot.press("c", "shift+right", "shift+right", "shift+right", "1")  # CLAIM over "South Korea summoned Russia"
        await settle(pilot)
        claim_style = text._styles[0]
        assert claim_style is not None and claim_style.bgcolor is not None  # the claim's colour …
        assert claim_style.underline  # … and the entity under it
        assert "South Korea gpe?" in screen_text(app)
        await pilot.press("v")
        await settle(pilot)
        assert not text._styles[0].underline
        assert "gpe?" not in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
    spans = json.loads(decisions(db)[0]["spans"])
    assert {(SENTS[0][s["start"]:s["end"]], s["label"], s["layer"]) for s in spans} == {
        ("South Korea", "GPE", "entities"), ("Russia", "GPE", "entities"),
        ("South Korea summoned Russia", "CLAIM", "claims"),
    }


async def test_help_lists_binding_ids_and_a_remapped_key_keeps_its_footer_place(db: Path) -> None:
    """Point 8: ? shows each binding's id; remapping reject to d leaves it second in the footer."""
    from annotator.config import Config
    from annotator.tui.help_screen import HelpScreen

    app = app_for(db, config=Config(keys={"reject": "d"}))
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.index("Accept") < footer.index("d Reject") < footer.index("Skip") < footer.index("Undo")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for ident in ("accept", "reject", "toggle-layer", "delete-span", "label-KEY", "quit"):
            assert ident in shown
        assert re.search(r"\bd\s+The unit is unusable\s+reject\b", shown)
        await pilot.press("escape")
        await pilot.press("d")
        await settle(pilot)
    assert [r["answer"] for r in decisions(db)] == ["reject"]


async def test_light_theme_is_light_everywhere_is_remembered_and_screenshot_saves(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point 6: the sentence box follows a light theme chosen in the palette; the choice is
    written to the config file and used on the next start; the palette's Screenshot saves."""
    import asyncio

    from annotator.config import load_config

    config_file = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(config_file))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"theme: catppuccin-latte")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "catppuccin-latte"
        text = app.screen.query_one(SpanText)
        first = list(text.render_line(0))[0].style
        assert first.bgcolor.triplet == text.visual_style.rich_style.bgcolor.triplet
        assert sum(first.bgcolor.triplet) > 600  # light, not the dark theme's box
        await pilot.press("ctrl+p", *"screenshot")
        await pilot.pause(0.5)
        await pilot.press("enter")
        for _ in range(50):
            await asyncio.sleep(0.05)
            if list(work.glob("*.svg")):
                break
    assert config_file.read_text() == 'theme = "catppuccin-latte"\n'
    assert load_config().theme == "catppuccin-latte"
    shots = list(work.glob("*.svg"))
    assert len(shots) == 1 and "<svg" in shots[0].read_text()
    again = app_for(db, config=load_config())
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "catppuccin-latte"


@pytest.mark.parametrize("typed", ["jump {n}", "jump to unit {n}", "{n}", "go to {n}"])
async def test_palette_jump_forgives_how_it_is_typed(db: Path, typed: str) -> None:
    """Point 2: "jump 12", "jump to unit 12", a bare number all jump."""
    store = open_store(db)
    ids = [u.id for u in store.iter_units("news")]
    store.close()
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *typed.format(n=ids[3]))
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).session.current.unit.id == ids[3]
        assert screen_of(app).session.queue_filter is None


async def test_palette_find_lists_units_by_text_and_jumps(db: Path) -> None:
    """Point 2: "find: Putin" lists the unit that says Putin; choosing it shows it; deciding
    it stores the decision on that unit."""
    store = open_store(db)
    ids = [u.id for u in store.iter_units("news")]
    store.close()
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"find: putin")
        await pilot.pause(0.8)
        shown = screen_text(app)
        assert f"find: unit {ids[1]}" in shown and "Vladimir Putin" in shown
        assert f"find: unit {ids[0]}" not in shown
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).session.current.unit.id == ids[1]
        await pilot.press("x")
        await settle(pilot)
    assert [(r["unit_id"], r["answer"]) for r in decisions(db)] == [(ids[1], "reject")]


async def test_jumping_away_keeps_unsaved_edits_with_the_unit(db: Path) -> None:
    """Point 9: edits on the unit on screen survive a jump; it comes back next, as left."""
    store = open_store(db)
    ids = [u.id for u in store.iter_units("news")]
    store.close()
    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("right", "right", "shift+right", "2")  # "summoned Russia" -> ORG, replacing GPE
        edited = [(m.span.label, m.span.start) for m in screen.editor.marks]
        await pilot.press("ctrl+p", *f"jump {ids[3]}")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.session.current.unit.id == ids[3]
        await pilot.press("space")
        await settle(pilot)
        assert screen.session.current.unit.id == ids[0]
        assert [(m.span.label, m.span.start) for m in screen.editor.marks] == edited
        await pilot.press("a")
        await settle(pilot)
    got = decisions(db)
    assert [(r["unit_id"], r["answer"]) for r in got] == [(ids[3], "ignore"), (ids[0], "accept")]
    assert [(SENTS[0][s["start"]:s["end"]], s["label"]) for s in json.loads(got[1]["spans"])] == [
        ("South Korea", "GPE"), ("summoned Russia", "ORG")]


async def test_guidelines_line_key_and_version_on_each_decision(db: Path, tmp_path: Path) -> None:
    """Point 1: the description of the label under the cursor is shown; G opens the dataset's
    guidelines file; every decision stores the guidelines' version."""
    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.tui.guidelines_screen import GuidelinesScreen

    guide = tmp_path / "guide.md"
    guide.write_text("# News guidelines\n\nMark **countries** as GPE.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["dataset", "set", "news", "--guidelines", str(guide), "--db", str(db)])
    assert result.exit_code == 0, result.output
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "GPE \u2014 " in shown  # the cursor is on South Korea, a suggested GPE
        await pilot.press("G")
        await settle(pilot)
        assert isinstance(app.screen, GuidelinesScreen)
        assert "Mark countries as GPE." in screen_text(app)
        await pilot.press("escape")
        await pilot.press("a")
        await settle(pilot)
        guide.write_text("# News guidelines\n\nMark countries and cities as GPE.\n", encoding="utf-8")
    again = app_for(db)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
    from test_tui_app import rows

    got = [json.loads(r["meta"])["guidelines"] for r in rows(db, "SELECT meta FROM annotations ORDER BY id")]
    assert got[0].startswith("guide.md@") and got[1].startswith("guide.md@") and got[0] != got[1]


async def test_history_lists_decisions_and_reopens_one_with_own_version(db: Path) -> None:
    """Point 3: H lists this annotator's decisions (answer, labels); choosing one reopens the
    unit with their spans; deciding again appends a row."""
    from annotator.tui.history_screen import HistoryScreen

    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        first = screen.session.current.unit.id
        await pilot.press("right", "right", "shift+right", "2", "a")  # ORG by hand
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        for _ in range(50):
            if isinstance(app.screen, HistoryScreen) and app.screen.rows:
                break
            await pilot.pause(0.05)
        shown = screen_text(app)
        assert "reject" in shown and "accept" in shown and "GPE ORG" in shown
        assert shown.index("reject") < shown.index("accept")  # newest first
        await pilot.press("down", "enter")  # the accept
        await settle(pilot)
        assert screen.session.current.unit.id == first
        assert [(m.span.label, m.suggested) for m in screen.editor.marks] == [("GPE", False), ("ORG", False)]
        await pilot.press("home", "delete", "a")  # change it: drop the GPE
        await settle(pilot)
    got = decisions(db)
    assert [(r["unit_id"], r["answer"]) for r in got][-1] == (first, "accept")
    assert [s["label"] for s in json.loads(got[-1]["spans"])] == ["ORG"]


async def test_footer_keys_show_while_the_app_has_no_focus_and_scores_stay_on_their_row(db: Path) -> None:
    """Point 10: in a browser the app starts without focus; the key line must still show and
    follow the screen (here: the claims layer's Link key); span rows never wrap."""
    from annotator.tui.widgets.span_list import SpanList

    app = app_for(db)
    async with app.run_test(size=(140, 36)) as pilot:  # wide: the span list is a 48-column side panel
        await settle(pilot)
        app.app_focus = False  # as textual-serve's page before the first click
        await pilot.pause()
        screen_of(app).set_layer("claims")
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Link" in footer and "Quit" in footer
        screen_of(app).set_layer("entities")
        await settle(pilot)
        spans = app.screen.query_one(SpanList)
        assert spans.size.width <= 50
        rows = [line for line in screen_text(app).splitlines() if "rules" in line]
        assert len(rows) == 2 and all("0.90?" in r or "0.80?" in r for r in rows)


async def test_guidelines_the_lead_changes_while_the_screen_is_open_reach_it(db: Path, tmp_path: Path) -> None:
    """The lead names a guidelines file, then edits it, while alice labels: her screen says so
    once each time (at its next progress count), G shows the new text and her next decisions
    record the new version (before: the version read when the screen opened, until restart)."""
    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.tui.guidelines_screen import GuidelinesScreen

    app = app_for(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        guide = tmp_path / "guide.md"
        guide.write_text("# News guidelines\n\nMark **countries** as GPE.\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["dataset", "set", "news", "--guidelines", str(guide), "--db", str(db)])
        assert result.exit_code == 0, result.output
        for _ in range(2):  # told once, though counted twice
            screen.count_progress()
            await settle(pilot)
        (note,) = [n.message for n in app._notifications]
        first = screen.session.guidelines.version
        assert first.startswith("guide.md@") and note.startswith(f"now {first}: press G")
        await pilot.press("a")
        await settle(pilot)
        guide.write_text("# News guidelines\n\nMark countries and cities as GPE.\n", encoding="utf-8")
        screen.count_progress()
        await settle(pilot)
        second = screen.session.guidelines.version
        assert second.startswith("guide.md@") and second != first
        assert [n.message for n in app._notifications][-1].startswith(f"now {second}: press G")
        await pilot.press("G")
        await settle(pilot)
        assert isinstance(app.screen, GuidelinesScreen) and "countries and cities" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("x")
        await settle(pilot)
        guide.unlink()  # the file goes: the scheme's descriptions stand in, and the screen says why
        screen.count_progress()
        await settle(pilot)
        third = screen.session.guidelines.version
        assert third.startswith("scheme:news@")
        assert [n.message for n in app._notifications][-1] == (
            f"now {third}: the guidelines file {guide} cannot be read (No such file or directory): the scheme's"
            " descriptions stand in; your decisions from now on record this version")
        await pilot.press("a")
        await settle(pilot)
    from test_tui_app import rows

    got = [json.loads(r["meta"])["guidelines"] for r in rows(db, "SELECT meta FROM annotations ORDER BY id")]
    assert got == [first, second, third]
