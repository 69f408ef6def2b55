"""The labelling screens open on a dataset: under whose name, where, since when.

A screen records itself when it opens (``label_sessions``: dataset, annotator, host, pid),
says it is still there each time it renews its leases (every two minutes) and removes itself
when it quits. Leases belong to a name, not to a screen, so two screens under one name (two
people sharing a login, one person with two windows or browser tabs) take the same units, and
the later decision replaces the earlier: each is told of the other. A screen that crashed is
forgotten once its process is gone (same host) or after :data:`STALE_S` without a word.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from annotator.store.lock_holder import process_alive
from annotator.store.units import UnitTables

#: A screen not heard from for this long is taken as gone (it renews every two minutes).
STALE_S = 300.0


@dataclass(frozen=True)
class LabelSessionRow:
    """Another screen open under the same name."""

    id: int
    host: str
    pid: int
    started: float

    def __str__(self) -> str:
        where = f"pid {self.pid}" + ("" if self.host == socket.gethostname() else f" on {self.host}")
        return f"{where}, open since {time.strftime('%H:%M', time.localtime(self.started))}"


class LabelSessionTables(UnitTables):
    """Recording the labelling screens open on a dataset."""

    def open_label_session(self, dataset: str, annotator: str) -> tuple[int, list[LabelSessionRow]]:
        """Record a screen of this process labelling ``dataset`` as ``annotator``; its id and
        the other screens open under that name (those gone are forgotten first)."""
        ds = self.require_dataset(dataset)
        with self.write():
            now = time.time()
            others = self._live_others(ds.id or 0, annotator, None, now)
            cur = self._x("INSERT INTO label_sessions (dataset_id, annotator, host, pid, started, seen)"
                          " VALUES (?, ?, ?, ?, ?, ?)", (ds.id, annotator, socket.gethostname(), os.getpid(), now, now))
            return int(cur.lastrowid or 0), others

    def touch_label_session(self, session_id: int, dataset: str, annotator: str) -> list[LabelSessionRow]:
        """Say the screen ``session_id`` is still open (recording it again if it was taken for
        gone); the other screens open under its name."""
        ds = self.require_dataset(dataset)
        with self.write():
            now = time.time()
            cur = self._x("UPDATE label_sessions SET seen = ? WHERE id = ?", (now, session_id))
            if not cur.rowcount:
                self._x("INSERT INTO label_sessions (id, dataset_id, annotator, host, pid, started, seen)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (session_id, ds.id, annotator, socket.gethostname(), os.getpid(), now, now))
            return self._live_others(ds.id or 0, annotator, session_id, now)

    def close_label_session(self, session_id: int) -> None:
        """The screen ``session_id`` quits."""
        with self.write():
            self._x("DELETE FROM label_sessions WHERE id = ?", (session_id,))

    def label_sessions(self, dataset: str) -> dict[str, int]:
        """Screens open on ``dataset`` per annotator (live as :func:`_live` says)."""
        ds = self.require_dataset(dataset)
        now, out = time.time(), {}
        for r in self._q("SELECT annotator, host, pid, seen FROM label_sessions WHERE dataset_id = ? ORDER BY annotator",
                         (ds.id,)):
            if _live(r, now):
                out[r["annotator"]] = out.get(r["annotator"], 0) + 1
        return out

    def _live_others(self, dataset_id: int, annotator: str, own: int | None, now: float) -> list[LabelSessionRow]:
        """The other screens under ``annotator`` (inside a write: the gone ones are removed)."""
        rows = self._q("SELECT id, host, pid, started, seen FROM label_sessions WHERE dataset_id = ? AND annotator = ?"
                       " ORDER BY id", (dataset_id, annotator))
        live, gone = [], []
        for r in rows:
            if own is not None and r["id"] == own:
                continue
            (live if _live(r, now) else gone).append(r)
        for r in gone:
            self._x("DELETE FROM label_sessions WHERE id = ?", (r["id"],))
        return [LabelSessionRow(int(r["id"]), r["host"], int(r["pid"]), r["started"]) for r in live]


def _live(row: dict, now: float) -> bool:
    """Whether the screen of ``row`` is open: heard from within :data:`STALE_S` and, on this
    host, its process still running."""
    return now - row["seen"] < STALE_S and process_alive(row["host"], int(row["pid"]))
