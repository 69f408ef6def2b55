"""Issue 20 point 4: review is a screen of the one app (keymap, theme kept, palette, ? help),
messages stay on its status line, and it does no database work on the UI thread: reads in
workers, gold through one writer that waits out a busy database, quitting waits for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from annotator.config import load_config
from annotator.store import open_store
from annotator.tui.app import AnnotatorApp, build_review_app
from annotator.tui.review_screen import ReviewHelpScreen, ReviewScreen

from test_review import KIM, MOON, SEOUL, SEOUL_ORG, seed, settle  # noqa: E402
from test_lock_holder import hold  # noqa: E402

pytestmark = pytest.mark.anyio

BUSY_TIMEOUT_S = 0.2
HOLD_S = 2.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    path = tmp_path / "review.db"
    store = open_store(path)
    seed(store)
    store.close()
    return path


def gold_rows(path: Path) -> list[tuple]:
    """Gold rows read through a connection of their own: proves they were committed."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT unit_id, answer, adjudicator, sources FROM gold ORDER BY id").fetchall()
    finally:
        conn.close()


def status(app) -> str:
    return str(app.screen.query_one("#review-status").render())


async def test_review_is_the_one_app_with_help_palette_and_kept_theme(review_db: Path, tmp_path: Path) -> None:
    from textual.command import CommandPalette
    from textual.widgets._toast import Toast

    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text('[keys]\nundo = "z"\n', encoding="utf-8")
    config = load_config(cfg_path)
    app = build_review_app(open_store(review_db), "news", "lead", config=config)
    assert type(app) is AnnotatorApp
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ReviewHelpScreen)
        from rich.console import Console

        from annotator.tui.help_screen import bindings_table

        console = Console(width=120, record=True, file=open("/dev/null", "w"))
        console.print(bindings_table(app.screen.label_screen))
        keys = {line.split()[-1]: line.split()[0] for line in console.export_text().splitlines()[1:] if line.strip()}
        assert keys["take-1"] == "1" and keys["merge"] == "m" and keys["undo"] == "z"  # ids, the keymap
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        app.theme = "catppuccin-latte"  # as the palette's theme picker does
        await pilot.pause()
        assert "theme catppuccin-latte saved" in status(app)
        assert not list(app.query(Toast))  # said on the status line, not over the gold panel
        await pilot.press("1", "z")  # the keymap: z undoes here
        await settle(pilot)
    assert 'theme = "catppuccin-latte"' in cfg_path.read_text(encoding="utf-8")
    assert [(r[1]) for r in gold_rows(review_db)] == ["accept", "undo"]


async def test_no_database_work_on_the_ui_thread(review_db: Path) -> None:
    """Every store call of a review session (queue, units, take, merge, undo, quit) runs off the
    thread that draws the screen."""
    store = open_store(review_db)
    on_ui: list[str] = []
    ui = threading.current_thread()

    def watch(name: str):
        real = getattr(store, name)

        def wrapper(*args, **kwargs):
            if threading.current_thread() is ui:
                on_ui.append(name)
            return real(*args, **kwargs)
        return wrapper

    app = build_review_app(store, "news", "lead")  # building the app may read (the CLI does)
    for name in ("_q", "_one", "_x", "_iter", "_tuples", "write"):
        setattr(store, name, watch(name))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("backspace")
        await settle(pilot)
        await pilot.press("m", "enter")
        await settle(pilot)
        await pilot.press("right", "left", "q")
        await settle(pilot)
    assert on_ui == []
    assert [(r[1], r[3]) for r in gold_rows(review_db)] == [
        ("accept", '["bob"]'), ("undo", "[]"), ("accept", '["ann", "bob", "cat"]')]


async def test_busy_database_waits_quietly_and_quit_waits_for_the_gold(review_db: Path, tmp_path: Path) -> None:
    app = build_review_app(open_store(review_db), "news", "lead", busy_timeout_s=BUSY_TIMEOUT_S)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        locker = hold(tmp_path, str(review_db), HOLD_S)
        t0 = time.monotonic()
        await pilot.press("2")  # take bob's version while another process holds the lock
        while time.monotonic() - t0 < 4 * BUSY_TIMEOUT_S:
            await pilot.pause(0.05)
        assert app.is_running and gold_rows(review_db) == []
        assert "database busy" in status(app) and "1 gold waiting" in status(app)
        assert "from bob" in str(app.screen.query_one("#review-gold").render())  # shown as decided
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.is_running  # quitting waits for the pending gold …
        assert status(app).startswith("quits when 1 gold decision(s) are stored")
        assert locker.wait(timeout=30) == 0
        for _ in range(200):
            if not app.is_running:
                break
            await pilot.pause(0.05)
        assert not app.is_running  # … and quits once it is stored
    assert gold_rows(review_db) == [(1, "accept", "lead", '["bob"]')]


async def test_gold_panel_legend_and_keys_fit_80x24_with_four_annotators(tmp_path: Path) -> None:
    """Four versions at 80x24 (stacked): every part stays on screen and only 4 Take keys show."""
    from annotator.models import Annotation

    store = open_store(tmp_path / "four.db")
    u1, _ = seed(store)
    store.add_annotation(Annotation(unit_id=u1, annotator="dan", answer="accept", spans=[KIM, MOON, SEOUL]))
    app = build_review_app(store, "news", "lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        lines = [s.text for s in screen._compositor.render_strips()]
        assert "4 Take" in lines[-1] and "5 Take" not in lines[-1] and "q Quit" in lines[-1]
        for selector in ("#review-header", "#review-text", "#review-why", "#review-gold", "#review-legend",
                         "#review-status"):
            region = screen.query_one(selector).region
            assert region.height >= 1 and region.bottom <= 23, selector  # above the key line
        await pilot.press("4")
        await settle(pilot)
    gold = store.get_gold(u1)
    assert gold is not None and gold.sources == ["dan"]
    assert [s.key for s in gold.spans] == [KIM.key, MOON.key, SEOUL.key]
    assert SEOUL_ORG.key not in {s.key for s in gold.spans}
