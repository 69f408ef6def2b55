"""What a labelling session needs from the store beyond :class:`~annotator.store.Store`'s
methods: a short busy timeout (the session's writer retries on its own schedule and says so
on screen), and SQLite's word for "the database is busy" (only the store speaks SQLite)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from annotator.store import Store


def set_busy_timeout(store: Store, busy_timeout_s: float) -> None:
    """Make ``store``'s connection wait at most ``busy_timeout_s`` for another writer."""
    store._x(f"PRAGMA busy_timeout={max(0, int(busy_timeout_s * 1000))}")  # under the store's lock


def is_busy_error(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection holds the lock ("database is locked" / "busy"):
    the operation can be retried unchanged."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def find_units(store: Store, dataset: str, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """(unit id, unit text) of the first ``limit`` units of ``dataset`` whose text contains
    ``text`` (case-insensitive for ASCII), in unit order."""
    ds = store.require_dataset(dataset)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = store._q(
        "SELECT id, text FROM units WHERE dataset_id = ? AND text LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
        (ds.id, pattern, limit),
    )
    return [(int(r["id"]), str(r["text"])) for r in rows]


def set_dataset_guidelines(store: Store, dataset: str, path: str | None) -> None:
    """Name the guidelines file (Markdown) of ``dataset`` in its meta (None: no file)."""
    ds = store.require_dataset(dataset)
    meta = dict(ds.meta)
    if path is None:
        meta.pop("guidelines", None)
    else:
        meta["guidelines"] = path
    with store.write():
        store._x("UPDATE datasets SET meta = ? WHERE id = ?", (json.dumps(meta, ensure_ascii=False), ds.id))


def recent_decisions(store: Store, dataset: str, annotator: str, limit: int = 100) -> list[dict[str, Any]]:
    """This annotator's current decisions in ``dataset``, most recent first: unit id, answer,
    created (epoch seconds), span labels (list) and the unit's text."""
    ds = store.require_dataset(dataset)
    rows = store._q(
        "SELECT d.unit_id, a.answer, a.created, a.spans, u.text FROM decisions d"
        " JOIN annotations a ON a.id = d.annotation_id JOIN units u ON u.id = d.unit_id"
        " WHERE d.dataset_id = ? AND d.annotator = ? ORDER BY d.annotation_id DESC LIMIT ?",
        (ds.id, annotator, limit),
    )
    return [{"unit_id": int(r["unit_id"]), "answer": r["answer"], "created": r["created"],
             "labels": [s["label"] for s in json.loads(r["spans"] or "[]")], "text": r["text"]} for r in rows]
