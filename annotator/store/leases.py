"""The labelling queue: units leased to annotators within the dataset's overlap, and each
annotator's progress.

A unit handed to an annotator is *leased* to them (a ``leases`` row: who, until when). The
screen renews the lease while the annotator works on the unit, a decision ends it, quitting
releases it, and a lease that runs out holds nothing: its unit goes back to the pool.

Overlap K (the dataset's ``overlap``; 0 means everyone) is enforced inside one short
``BEGIN IMMEDIATE`` transaction: a unit is offered to annotator A only if A has not decided
it and the decisions of others plus the live leases of others on it number fewer than K. So
two annotators on overlap 1 never get the same unit, and a unit is never held below K by a
session that went away (its leases expire or are released).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from annotator.models import Unit
from annotator.store.units import UnitTables

#: How long a lease lasts unless renewed (seconds): long enough to think about one sentence,
#: short enough that a crashed session's unit comes back within minutes.
LEASE_SECONDS = 600.0

# How many others hold unit u (alias ``u``) for annotator :a at time :now: decisions by
# others plus live leases by others who have not decided it.
_HELD_BY_OTHERS = (
    "((SELECT COUNT(*) FROM decisions o WHERE o.unit_id = u.id AND o.annotator != :a)"
    " + (SELECT COUNT(*) FROM leases l WHERE l.unit_id = u.id AND l.annotator != :a AND l.expires > :now"
    " AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.unit_id = l.unit_id AND x.annotator = l.annotator)))"
)
_NOT_DECIDED_BY_A = "NOT EXISTS (SELECT 1 FROM decisions m WHERE m.unit_id = u.id AND m.annotator = :a)"


class LeaseTables(UnitTables):
    """Handing units out to annotators, under leases."""

    #: Seconds a lease lasts; a store may set its own (tests use short ones).
    lease_seconds: float = LEASE_SECONDS

    def next_units(self, dataset: str, annotator: str, limit: int = 1, after_id: int = -1) -> list[Unit]:
        """The next units for ``annotator`` after unit ``after_id``, leased to them: first
        those they already hold and have not decided (resume after a restart; their leases
        are renewed), then new ones in unit order, each only while fewer than the dataset's
        overlap hold it (decisions and live leases of others; overlap 0 means everyone)."""
        ds = self.require_dataset(dataset)
        with self.write(rows_only=True):
            now = time.time()
            p = {"d": ds.id, "a": annotator, "now": now, "after": after_id}
            held = [r["unit_id"] for r in self._q(
                "SELECT l.unit_id FROM leases l WHERE l.dataset_id = :d AND l.annotator = :a AND l.unit_id > :after"
                " AND l.expires > :now AND NOT EXISTS (SELECT 1 FROM decisions m WHERE m.unit_id = l.unit_id"
                " AND m.annotator = :a) ORDER BY l.unit_id LIMIT :limit", {**p, "limit": limit})]
            fresh: list[int] = []
            if len(held) < limit:
                fresh = self._open_units({**p, "k": ds.overlap}, max([after_id, *held]), limit - len(held))
            self._lease(ds.id or 0, annotator, [*held, *fresh], now)
        return self.get_units(sorted([*held, *fresh]))

    def _open_units(self, p: dict[str, Any], start: int, want: int) -> list[int]:
        """Up to ``want`` units after ``start`` open to annotator ``p["a"]`` (not decided by
        them, not held by them, held by fewer than ``p["k"]`` others), locked for this
        transaction. On SQLite the write transaction holds the database, so one query is
        exact. On PostgreSQL the query locks the units it picks, passing over those another
        claim holds (``FOR UPDATE SKIP LOCKED``), and the units are counted again in a new
        statement, which sees every claim committed before their locks became ours: claims
        by many annotators at once neither wait for each other nor overfill a unit. Only when
        every open unit is locked by others does a claim wait for them (a pick without
        ``SKIP LOCKED``), so no unit is called taken by a claim that then leaves it."""
        cap = f" AND {_HELD_BY_OTHERS} < :k" if p["k"] else ""
        where = (" AND NOT EXISTS (SELECT 1 FROM leases o WHERE o.unit_id = u.id AND o.annotator = :a"
                 f" AND o.expires > :now) AND {_NOT_DECIDED_BY_A}{cap}")
        pick = "SELECT u.id FROM units u WHERE u.dataset_id = :d AND u.id > :start" + where + " ORDER BY u.id LIMIT :limit"
        if self.engine != "postgresql":
            return [r["id"] for r in self._q(pick, {**p, "start": start, "limit": want})]
        out: list[int] = []
        while len(out) < want:
            q = {**p, "start": start, "limit": want - len(out)}
            picked = [r["id"] for r in self._q(pick + self._row_locks("u", skip=True), q)]
            if not picked:
                # Skipping a unit another claim holds is only a shortcut: on overlap > 1 that
                # claim may leave room on it, and "nothing left" said while it was locked would
                # strand it. So the last word is a pick that waits for those claims to end.
                picked = [r["id"] for r in self._q(pick + self._row_locks("u", skip=False), q)]
            if not picked:
                break
            ids = {f"u{k}": i for k, i in enumerate(picked)}
            out += [r["id"] for r in self._q(
                f"SELECT u.id FROM units u WHERE u.id IN ({', '.join(':' + k for k in ids)})" + where
                + " ORDER BY u.id", {**p, **ids})]
            start = picked[-1]
        return out

    def claim_unit(self, dataset: str, annotator: str, unit_id: int) -> bool:
        """Lease one chosen unit to ``annotator`` (e.g. least-sure-first) if they have not
        decided it and the dataset's overlap allows it; True when it is theirs to label (a
        unit they already hold has its lease renewed)."""
        ds = self.require_dataset(dataset)
        with self.write(rows_only=True):
            now = time.time()
            if self.engine == "postgresql":  # hold the unit first; the counts below then see every claim before ours
                self._q("SELECT u.id FROM units u WHERE u.id = :u" + self._row_locks("u", skip=False), {"u": unit_id})
            row = self._one(
                f"SELECT {_NOT_DECIDED_BY_A} AS open, {_HELD_BY_OTHERS} AS held,"
                " EXISTS (SELECT 1 FROM leases l WHERE l.unit_id = u.id AND l.annotator = :a AND l.expires > :now)"
                " AS mine FROM units u WHERE u.id = :u AND u.dataset_id = :d",
                {"a": annotator, "now": now, "u": unit_id, "d": ds.id},
            )
            if row is None or not row["open"]:
                return False
            if not row["mine"] and ds.overlap and row["held"] >= ds.overlap:
                return False
            self._lease(ds.id or 0, annotator, [unit_id], now)
            return True

    def renew(self, dataset: str, annotator: str, unit_id: int) -> bool:
        """Extend ``annotator``'s lease on a unit they are working on (the screen calls this
        while the unit is shown). A lease that already ran out is taken again only if the
        overlap still allows it; False when the unit is no longer theirs to label."""
        ds = self.require_dataset(dataset)
        with self.write():
            cur = self._x(
                "UPDATE leases SET expires = ? WHERE unit_id = ? AND annotator = ? AND dataset_id = ? AND expires > ?",
                (time.time() + self.lease_seconds, unit_id, annotator, ds.id, time.time()),
            )
            if cur.rowcount:
                return True
            return self.claim_unit(dataset, annotator, unit_id)

    def still_held(self, dataset: str, annotator: str, unit_ids: Sequence[int]) -> list[int]:
        """Which of ``unit_ids`` (units handed to ``annotator`` and not decided) are still
        theirs: a live lease, or, where the lease is gone (``dataset release``, or run out),
        taken again because the overlap still allows it. A unit left out went to someone
        else. One read when nothing changed; a claim only for a unit whose lease is gone."""
        if not unit_ids:
            return []
        ds = self.require_dataset(dataset)
        marks = ", ".join("?" * len(unit_ids))
        live = {int(r["unit_id"]) for r in self._q(
            f"SELECT unit_id FROM leases WHERE dataset_id = ? AND annotator = ? AND expires > ? AND unit_id IN ({marks})",
            (ds.id, annotator, time.time(), *unit_ids))}
        return [u for u in unit_ids if u in live or self.claim_unit(dataset, annotator, u)]

    def release(self, dataset: str, annotator: str | None = None) -> int:
        """Give back every unit ``annotator`` (everyone when None) holds in ``dataset``
        undecided, e.g. when their session quits; returns how many live leases ended."""
        ds = self.require_dataset(dataset)
        who = "" if annotator is None else " AND annotator = :a"
        with self.write():
            p = {"d": ds.id, "a": annotator, "now": time.time()}
            live = self._one(f"SELECT COUNT(*) AS n FROM leases WHERE dataset_id = :d{who} AND expires > :now", p)
            self._x(f"DELETE FROM leases WHERE dataset_id = :d{who}", p)
        return int(live["n"]) if live else 0

    def leases(self, dataset: str) -> dict[str, int]:
        """Live leases per annotator in ``dataset`` (units handed out and not yet decided)."""
        ds = self.require_dataset(dataset)
        rows = self._q(
            "SELECT annotator, COUNT(*) AS n FROM leases l WHERE dataset_id = ? AND expires > ?"
            " AND NOT EXISTS (SELECT 1 FROM decisions m WHERE m.unit_id = l.unit_id AND m.annotator = l.annotator)"
            " GROUP BY annotator ORDER BY annotator",
            (ds.id, time.time()),
        )
        return {r["annotator"]: int(r["n"]) for r in rows}

    def _lease(self, dataset_id: int, annotator: str, unit_ids: list[int], now: float) -> None:
        """Lease (or renew) units to ``annotator`` from ``now`` (inside a write)."""
        self._x_many(
            "INSERT INTO leases (unit_id, annotator, dataset_id, expires) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (unit_id, annotator) DO UPDATE SET expires = excluded.expires",
            [(u, annotator, dataset_id, now + self.lease_seconds) for u in unit_ids],
        )

    def _end_leases(self, decided: Sequence[tuple[int, str]]) -> None:
        """The annotators decided these (unit, annotator): the decisions hold them now (inside a write)."""
        self._x_many("DELETE FROM leases WHERE unit_id = ? AND annotator = ?", decided)

    def progress(self, dataset: str, annotator: str) -> tuple[int, int]:
        """(done, total) for ``annotator`` in ``dataset``, exact at this moment.

        ``done`` is the number of units this annotator has decided. ``total`` is ``done``
        plus the units still open to them: units they have not decided that fewer than the
        dataset's overlap K hold otherwise (decisions by others plus live leases by others;
        with K = 0 every unit they have not decided). So on 18 units at overlap 2, alice and
        bob can each reach 18 of 18, and a third annotator who arrives after both finished
        sees 0 of 0, nothing left. Units another annotator holds under a live lease come
        back into ``total`` when that lease ends. ``annotator stats`` shows these numbers."""
        ds = self.require_dataset(dataset)
        p: dict[str, Any] = {"d": ds.id, "a": annotator, "now": time.time(), "k": ds.overlap}
        done = int(self._one("SELECT COUNT(*) AS n FROM decisions WHERE dataset_id = :d AND annotator = :a",
                             p)["n"])  # type: ignore[index]
        units = int(self._one("SELECT COUNT(*) AS n FROM units WHERE dataset_id = :d", p)["n"])  # type: ignore[index]
        full = 0
        if ds.overlap:
            # Units not decided by them that others hold K times: those with K decisions by
            # others (one pass over the dataset's decisions in key order, grouped without a
            # sort), plus those that reach K only with others' live leases (a few rows).
            p["lo"], p["hi"] = self.unit_id_bounds(ds.id or 0)
            full = int(self._one(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM decisions WHERE unit_id BETWEEN :lo AND :hi"
                " AND +dataset_id = :d GROUP BY unit_id HAVING SUM(CASE WHEN annotator != :a THEN 1 ELSE 0 END) >= :k"
                " AND SUM(CASE WHEN annotator = :a THEN 1 ELSE 0 END) = 0) g",  # both engines' words
                p)["n"])  # type: ignore[index]
            full += int(self._one(
                "SELECT COUNT(*) AS n FROM (SELECT l.unit_id, COUNT(*) AS leased,"
                " (SELECT COUNT(*) FROM decisions o WHERE o.unit_id = l.unit_id AND o.annotator != :a) AS decided"
                " FROM leases l WHERE l.dataset_id = :d AND l.annotator != :a AND l.expires > :now"
                " AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.unit_id = l.unit_id AND x.annotator = l.annotator)"
                " GROUP BY l.unit_id) t WHERE t.decided < :k AND t.decided + t.leased >= :k"
                " AND NOT EXISTS (SELECT 1 FROM decisions m WHERE m.unit_id = t.unit_id AND m.annotator = :a)",
                p)["n"])  # type: ignore[index]
        return done, units - full
