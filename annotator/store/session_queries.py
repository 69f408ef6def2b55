"""What a labelling session needs from the store beyond :class:`~annotator.store.Store`'s
methods: a short busy timeout (the session's writer retries on its own schedule and says so
on screen), each engine's word for "the database is busy" (only the store speaks SQL), and the
checks that tell whether a write cut off by a lost connection was stored."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from annotator.store import Store
from annotator.store.dialect import WriteLockBusy


def set_busy_timeout(store: Store, busy_timeout_s: float) -> None:
    """Make ``store``'s connection wait at most ``busy_timeout_s`` for another writer."""
    ms = max(1, int(busy_timeout_s * 1000))  # at least 1 ms: on PostgreSQL 0 would mean "as long as it takes"
    store._x(f"PRAGMA busy_timeout={ms}")  # under the store's lock
    store._busy_ms = ms  # what a write's BEGIN waits for (Connection._begin_sqlite; kept for a reconnect on PostgreSQL)


def is_busy_error(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection holds the lock ("database is locked" / "busy"):
    the operation can be retried unchanged."""
    if isinstance(exc, WriteLockBusy):
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def stored_annotation_id(store: Store, unit_id: int, annotator: str, answer: str, created: float) -> int | None:
    """The id of the annotation row with exactly these fields, if one is stored: whether a
    decision whose commit outcome is unknown (its connection dropped during COMMIT) is there."""
    row = store._one("SELECT id FROM annotations WHERE unit_id = ? AND annotator = ? AND answer = ? AND created = ?"
                     " ORDER BY id LIMIT 1", (unit_id, annotator, answer, created))
    return int(row["id"]) if row else None


def latest_decision_id(store: Store, dataset: str, annotator: str) -> int | None:
    """The annotation id of this annotator's latest standing decision in ``dataset`` (what an
    undo reverts next), None when there is none."""
    ds = store.require_dataset(dataset)
    row = store._one("SELECT annotation_id FROM decisions WHERE dataset_id = ? AND annotator = ?"
                     " ORDER BY annotation_id DESC LIMIT 1", (ds.id, annotator))
    return int(row["annotation_id"]) if row else None


def reverted_unit(store: Store, annotation_id: int) -> int | None:
    """The unit of annotation ``annotation_id`` if an undo row reverting it is stored."""
    row = store._one("SELECT unit_id FROM annotations WHERE reverts = ? LIMIT 1", (annotation_id,))
    return int(row["unit_id"]) if row else None


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
