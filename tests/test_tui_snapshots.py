"""SVG snapshots of the labelling UI's main screens (pytest-textual-snapshot, Textual pinned).

Update after an intended change with ``.venv/bin/pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.store import open_store
from annotator.tui.app import build_app

from test_tui_app import make_db, settle  # noqa: E402  (tests/ is on sys.path under pytest's rootdir)


@pytest.fixture
def app(tmp_path: Path):
    path = tmp_path / "snap.db"
    make_db(path).close()
    application = build_app(open_store(path), None, "alice")
    application.cursor_blink = False  # type: ignore[attr-defined]
    ticks = iter(range(0, 10_000, 12))  # every unit takes 12 s: a fixed 300 decisions/h
    application.session.clock = lambda: float(next(ticks))
    return application


async def _settle(pilot) -> None:
    """Wait for the progress count and the writer so every snapshot shows the same numbers."""
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)


async def _press(pilot, *keys: str) -> None:
    """Press ``keys``, letting the writer catch up after each decision."""
    for key in keys:
        await pilot.press(key)
        if key in ("a", "x", "space", "backspace"):
            await settle(pilot)
    await settle(pilot)


def test_snapshot_suggestions_80x24(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_snapshot_claims_layer_80x24(app, snap_compare) -> None:
    keys = ["a", "a", "a", "c", "shift+right", "2", "right", "3", "right",
            "shift+right", "shift+right", "shift+right", "1"]

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await _press(pilot, *keys)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_help_80x24(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), press=["question_mark"], run_before=_settle)


def test_snapshot_wide_selection_140x36(app, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await _press(pilot, "a", "shift+right", "shift+right")

    assert snap_compare(app, terminal_size=(140, 36), run_before=run_before)


def test_snapshot_claim_over_entities_80x24(app, snap_compare) -> None:
    """Issue 20 point 5: entities inside a claim stay visible (underlined, lower-case tag)."""
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await _press(pilot, "c", "shift+right", "shift+right", "shift+right", "1")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_light_theme_80x24(tmp_path, snap_compare) -> None:
    """Issue 20 point 6: a light theme reaches the sentence box."""
    from annotator.config import Config

    path = tmp_path / "light.db"
    make_db(path).close()
    application = build_app(open_store(path), None, "alice", config=Config(theme="catppuccin-latte"))
    application.cursor_blink = False  # type: ignore[attr-defined]
    assert snap_compare(application, terminal_size=(80, 24), run_before=_settle)


def test_snapshot_history_80x24(app, snap_compare, monkeypatch) -> None:
    """Issue 20 point 3: the history list (times fixed for the snapshot)."""
    from types import SimpleNamespace

    import annotator.tui.history_screen as history

    real = history.recent_decisions

    def fixed(*args, **kwargs):
        return [{**row, "created": 2e9 - 120 * (n + 1)} for n, row in enumerate(real(*args, **kwargs))]

    monkeypatch.setattr(history, "recent_decisions", fixed)
    monkeypatch.setattr(history, "time", SimpleNamespace(time=lambda: 2e9))

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await _press(pilot, "right", "right", "shift+right", "2", "a", "x", "space")
        await pilot.press("H")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
