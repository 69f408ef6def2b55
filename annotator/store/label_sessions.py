"""The labelling and review screens open on a dataset: under whose name, where, since when.

A labelling screen records itself when it opens (``label_sessions``: dataset, annotator, host,
pid; ``screen`` 'label'), says it is still there each time it renews its leases (every two
minutes) and removes itself when it quits. Leases belong to a name, not to a screen, so two
screens under one name (two people sharing a login, one person with two windows or browser
tabs) take the same units, and the later decision replaces the earlier: each is told of the
other.

A review screen (``screen`` 'review', m011) records the unit it shows each time its lead goes
to one: two leads reviewing one dataset are told of each other, and each goes on past the
unit the other is on (:meth:`LabelSessionTables.review_presence`).

A screen that crashed is forgotten once its process is gone (same host) or after
:data:`STALE_S` without a word.
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


@dataclass(frozen=True)
class ReviewerRow:
    """Another lead's review screen open on the dataset, and the unit it shows (None: none yet)."""

    adjudicator: str
    unit_id: int | None


class LabelSessionTables(UnitTables):
    """Recording the labelling and review screens open on a dataset."""

    def open_label_session(self, dataset: str, annotator: str) -> tuple[int, list[LabelSessionRow]]:
        """Record a screen of this process labelling ``dataset`` as ``annotator``; its id and
        the other screens open under that name (those gone are forgotten first)."""
        ds = self.require_dataset(dataset)
        with self.write():
            now = time.time()
            others = [_row(r) for r in self._screens(ds.id or 0, "label", annotator, None, now, forget=True)]
            return self._record(ds.id or 0, annotator, "label", None, now), others

    def touch_label_session(self, session_id: int, dataset: str, annotator: str) -> list[LabelSessionRow]:
        """Say the screen ``session_id`` is still open (recording it again if it was taken for
        gone); the other screens open under its name."""
        ds = self.require_dataset(dataset)
        with self.write():
            now = time.time()
            cur = self._x("UPDATE label_sessions SET seen = ? WHERE id = ?", (now, session_id))
            if not cur.rowcount:
                self._record(ds.id or 0, annotator, "label", None, now, session_id)
            return [_row(r) for r in self._screens(ds.id or 0, "label", annotator, session_id, now, forget=True)]

    def review_presence(self, session_id: int | None, dataset: str, adjudicator: str, unit_id: int | None
                        ) -> tuple[int, list[ReviewerRow]]:
        """Record (``session_id`` None) or update the review screen ``session_id`` of
        ``adjudicator``, showing ``unit_id``; its id and the other review screens open on
        ``dataset`` (those gone are forgotten first)."""
        ds = self.require_dataset(dataset)
        with self.write():
            now = time.time()
            cur = None if session_id is None else self._x(
                "UPDATE label_sessions SET seen = ?, unit_id = ? WHERE id = ?", (now, unit_id, session_id))
            if cur is None or not cur.rowcount:
                session_id = self._record(ds.id or 0, adjudicator, "review", unit_id, now, session_id)
            return session_id, [ReviewerRow(r["annotator"], r["unit_id"])
                                for r in self._screens(ds.id or 0, "review", None, session_id, now, forget=True)]

    def _record(self, dataset_id: int, annotator: str, screen: str, unit_id: int | None, now: float,
                session_id: int | None = None) -> int:
        """Insert the row of a screen of this process (inside a write); its id (``session_id``:
        the one it had before it was taken for gone)."""
        columns = "dataset_id, annotator, host, pid, started, seen, screen, unit_id"
        values: tuple = (dataset_id, annotator, socket.gethostname(), os.getpid(), now, now, screen, unit_id)
        if session_id is not None:
            columns, values = "id, " + columns, (session_id, *values)
        cur = self._x(f"INSERT INTO label_sessions ({columns}) VALUES ({', '.join('?' * len(values))})", values)
        return session_id if session_id is not None else int(cur.lastrowid or 0)

    def close_label_session(self, session_id: int) -> None:
        """The screen ``session_id`` (labelling or review) quits."""
        with self.write():
            self._x("DELETE FROM label_sessions WHERE id = ?", (session_id,))

    def same_name_screens(self, session_id: int, dataset: str, annotator: str) -> list[LabelSessionRow]:
        """The other labelling screens open under ``annotator`` besides ``session_id`` (a read:
        a screen checks at each claim, so that one opened meanwhile is known at once)."""
        ds = self.require_dataset(dataset)
        return [_row(r) for r in self._screens(ds.id or 0, "label", annotator, session_id, time.time())]

    def label_sessions(self, dataset: str) -> dict[str, int]:
        """Labelling screens open on ``dataset`` per annotator (live as :func:`_live` says)."""
        ds = self.require_dataset(dataset)
        out: dict[str, int] = {}
        for r in self._screens(ds.id or 0, "label", None, None, time.time()):
            out[r["annotator"]] = out.get(r["annotator"], 0) + 1
        return dict(sorted(out.items()))

    def reviewers(self, dataset: str) -> list[str]:
        """Who has a review screen open on ``dataset``, by name."""
        ds = self.require_dataset(dataset)
        return sorted({r["annotator"] for r in self._screens(ds.id or 0, "review", None, None, time.time())})

    def _screens(self, dataset_id: int, screen: str, annotator: str | None, own: int | None, now: float,
                 forget: bool = False) -> list[dict]:
        """The rows of the live ``screen`` screens on the dataset (under ``annotator``, if
        given), but ``own``; ``forget`` (inside a write): the gone ones are removed."""
        rows = self._q("SELECT * FROM label_sessions WHERE dataset_id = ? AND screen = ?"
                       + (" AND annotator = ?" if annotator is not None else "") + " ORDER BY id",
                       (dataset_id, screen) + ((annotator,) if annotator is not None else ()))
        live = []
        for r in rows:
            if r["id"] == own:
                continue
            if _live(r, now):
                live.append(r)
            elif forget:
                self._x("DELETE FROM label_sessions WHERE id = ?", (r["id"],))
        return live


def _row(r: dict) -> LabelSessionRow:
    return LabelSessionRow(int(r["id"]), r["host"], int(r["pid"]), r["started"])


def _live(row: dict, now: float) -> bool:
    """Whether the screen of ``row`` is open: heard from within :data:`STALE_S` and, on this
    host, its process still running."""
    return now - row["seen"] < STALE_S and process_alive(row["host"], int(row["pid"]))
