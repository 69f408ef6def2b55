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
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.index("Accept") < footer.index("d Reject") < footer.index("Skip") < footer.index("Undo")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for ident in ("accept", "reject", "toggle-layer", "delete-span", "label-1 … label-0", "quit"):
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
