"""SVG snapshots of the review screen (issue 20 point 4, issue 18): versions, why the unit is
queued, the gold, the colour legend and the keys, at 80x24 and 100x30, and the merge editor.

Update after an intended change with
``.venv/bin/pytest tests/test_tui_review_snapshots.py --snapshot-update`` and look at the SVGs."""

from __future__ import annotations

from pathlib import Path

from annotator.store import open_store
from annotator.tui.app import build_review_app

from test_review import seed, settle  # noqa: E402


def review_app(tmp_path: Path, order: str = "document"):
    store = open_store(tmp_path / "review.db")
    seed(store)
    app = build_review_app(store, "news", "lead", order=order)
    app.cursor_blink = False  # type: ignore[attr-defined]
    return app


def test_snapshot_review_with_legend_80x24(tmp_path: Path, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(review_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_review_gold_taken_with_legend_100x30(tmp_path: Path, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(review_app(tmp_path, "contested"), terminal_size=(100, 30), run_before=run_before)


def test_snapshot_review_merge_editor_80x24(tmp_path: Path, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("m", "end", "left")
        await pilot.pause()

    assert snap_compare(review_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
