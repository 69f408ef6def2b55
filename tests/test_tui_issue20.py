"""The labelling screen as annotators expect it (issue 20), driven by Pilot; where a decision
is involved the stored rows are checked."""

from __future__ import annotations

import json
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
