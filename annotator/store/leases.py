"""The labelling queue: which units are handed to which annotator (``assignments``), within
the dataset's overlap, and each annotator's progress."""

from __future__ import annotations

import time
from typing import Any

from annotator.models import Unit
from annotator.store.decisions import DecisionTables


class LeaseTables(DecisionTables):
    """Handing units out to annotators."""

    def next_units(self, dataset: str, annotator: str, limit: int = 1, after_id: int = -1) -> list[Unit]:
        """The next units for ``annotator``: first those handed to them and not yet decided
        (resume after a restart), then new ones, claimed so that no unit is handed to more
        annotators than the dataset's overlap (0 means everyone)."""
        ds = self.require_dataset(dataset)
        with self.write():
            rows = self._q(
                "SELECT a.unit_id AS id FROM assignments a WHERE a.dataset_id = ? AND a.annotator = ?"
                " AND a.unit_id > ? AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.unit_id = a.unit_id"
                " AND d.annotator = a.annotator) ORDER BY a.unit_id LIMIT ?",
                (ds.id, annotator, after_id, limit),
            )
            ids = [r["id"] for r in rows]
            if len(ids) < limit:
                start = max([after_id, *ids])
                cap = "" if ds.overlap == 0 else (
                    " AND (SELECT COUNT(*) FROM assignments x WHERE x.unit_id = u.id) < ?"
                )
                params: list[Any] = [ds.id, start, annotator]
                if ds.overlap:
                    params.append(ds.overlap)
                params.append(limit - len(ids))
                fresh = [
                    r["id"] for r in self._q(
                        "SELECT u.id FROM units u WHERE u.dataset_id = ? AND u.id > ?"
                        " AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.unit_id = u.id"
                        " AND a.annotator = ?)" + cap + " ORDER BY u.id LIMIT ?",
                        params,
                    )
                ]
                now = time.time()
                self._x_many(
                    "INSERT OR IGNORE INTO assignments (unit_id, annotator, dataset_id, assigned)"
                    " VALUES (?, ?, ?, ?)",
                    [(i, annotator, ds.id, now) for i in fresh],
                )
                ids.extend(fresh)
        return self.get_units(sorted(ids))

    def claim_unit(self, dataset: str, annotator: str, unit_id: int) -> bool:
        """Hand one chosen unit to ``annotator`` (e.g. least-sure-first) if the dataset's
        overlap allows it and they have not decided it; True when it is theirs to label."""
        ds = self.require_dataset(dataset)
        with self.write():
            row = self._one(
                "SELECT u.id, (SELECT COUNT(*) FROM assignments a WHERE a.unit_id = u.id) AS n,"
                " EXISTS (SELECT 1 FROM assignments a WHERE a.unit_id = u.id AND a.annotator = ?) AS mine,"
                " EXISTS (SELECT 1 FROM decisions d WHERE d.unit_id = u.id AND d.annotator = ?) AS decided"
                " FROM units u WHERE u.id = ? AND u.dataset_id = ?",
                (annotator, annotator, unit_id, ds.id),
            )
            if row is None or row["decided"]:
                return False
            if row["mine"]:
                return True
            if ds.overlap and row["n"] >= ds.overlap:
                return False
            self._x(
                "INSERT INTO assignments (unit_id, annotator, dataset_id, assigned) VALUES (?, ?, ?, ?)",
                (unit_id, annotator, ds.id, time.time()),
            )
            return True

    def progress(self, dataset: str, annotator: str) -> tuple[int, int]:
        """(decided by this annotator, units this annotator can expect to see)."""
        ds = self.require_dataset(dataset)
        done = self._one(
            "SELECT COUNT(*) AS n FROM decisions WHERE dataset_id = ? AND annotator = ?", (ds.id, annotator)
        )
        total_units = self.count_units(dataset)
        if ds.overlap == 0:
            total = total_units
        else:
            n_ann = self._one(
                "SELECT COUNT(DISTINCT annotator) AS n FROM assignments WHERE dataset_id = ?", (ds.id,)
            )
            k = max(1, int(n_ann["n"] if n_ann else 1))
            total = min(total_units, -(-total_units * ds.overlap // k))
        d = int(done["n"]) if done else 0
        return d, max(total, d)
