"""The ``gold`` and ``gold_current`` tables: adjudicated versions of units, append-only,
the latest standing one current."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from annotator.errors import GoldTaken, UserError
from annotator.models import Gold, Unit
from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.units import UnitTables


class GoldTables(UnitTables):
    """Gold: append, undo, read."""

    def set_gold(self, gold: Gold, replaces: Collection[int | None] | None = None) -> int:
        """Append an adjudicated version of a unit and make it current.

        ``replaces``: the ids of the standing gold this one may replace, as the reviewer read
        them. When another gold stands (a second lead took gold on the unit since) nothing is
        written and :class:`GoldTaken` names it, so that no lead replaces another's gold unseen.
        Without ``replaces``, whatever stands is replaced."""
        created = gold.created if gold.created is not None else time.time()
        with self.write():
            unit = self._one("SELECT dataset_id FROM units WHERE id = ?", (gold.unit_id,))
            if unit is None:
                raise UserError(f"no unit {gold.unit_id} in {self.path}")
            if replaces is not None:
                standing = self.get_gold(gold.unit_id)
                if standing is not None and standing.id not in replaces:
                    raise GoldTaken(gold.unit_id, standing)
            cur = self._x(
                "INSERT INTO gold (unit_id, dataset_id, answer, spans, relations, adjudicator, sources,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (gold.unit_id, unit["dataset_id"], gold.answer, dump_spans(gold.spans),
                 dump_relations(gold.relations), gold.adjudicator, json.dumps(gold.sources), created),
            )
            gid = int(cur.lastrowid or 0)
            self._x(
                "INSERT INTO gold_current (unit_id, dataset_id, gold_id) VALUES (?, ?, ?)"
                " ON CONFLICT (unit_id) DO UPDATE SET gold_id = excluded.gold_id",
                (gold.unit_id, unit["dataset_id"], gid),
            )
        return gid

    def set_new_gold(self, golds: Iterable[Gold]) -> int:
        """Append each gold version whose unit has no gold yet (review's bulk accept), in
        short transactions of whole units (:meth:`sliced_writes`): another writer waits tens
        of milliseconds, not the whole run. Each unit's gold is complete on its own; a run
        stopped half-way is finished by running it again. Returns how many were written."""
        n = 0
        with self.sliced_writes():
            for gold in golds:
                with self.write():
                    if self._one("SELECT 1 AS x FROM gold_current WHERE unit_id = ?", (gold.unit_id,)) is None:
                        self.set_gold(gold)
                        n += 1
                self.checkpoint()
        return n

    @staticmethod
    def _gold(row: dict[str, Any]) -> Gold:
        return Gold(
            id=row["id"], unit_id=row["unit_id"], answer=row["answer"], spans=load_spans(row["spans"]),
            relations=load_relations(row["relations"]), adjudicator=row["adjudicator"],
            sources=json.loads(row["sources"] or "[]"), created=row["created"],
        )

    def get_gold(self, unit_id: int) -> Gold | None:
        row = self._one(
            "SELECT g.* FROM gold_current c JOIN gold g ON g.id = c.gold_id WHERE c.unit_id = ?", (unit_id,)
        )
        return self._gold(row) if row else None

    def last_gold_id(self) -> int:
        """The id of the latest gold row (a decision or an undo; 0 without any)."""
        row = self._one("SELECT MAX(id) AS last FROM gold")
        return int(row["last"] or 0) if row else 0

    def gold_changes(self, dataset: str, after: int) -> tuple[int, dict[int, bool]]:
        """The units of ``dataset`` whose gold was taken or reverted after gold row ``after``,
        each with whether gold stands on it now, and the latest gold row id (what a review
        screen asks as it goes, so that another lead's gold is known without a queue read)."""
        ds = self.require_dataset(dataset)
        rows = self._q("SELECT g.id, g.unit_id, c.gold_id FROM gold g LEFT JOIN gold_current c ON c.unit_id = g.unit_id"
                       " WHERE g.id > ? AND g.dataset_id = ? ORDER BY g.id", (after, ds.id))
        return (int(rows[-1]["id"]) if rows else after), {r["unit_id"]: r["gold_id"] is not None for r in rows}

    def undo_gold(self, dataset: str, adjudicator: str) -> Unit | None:
        """Revert the latest standing gold written by ``adjudicator`` in ``dataset``."""
        ds = self.require_dataset(dataset)
        with self.write():
            last = self._one(
                "SELECT g.id, g.unit_id FROM gold_current c JOIN gold g ON g.id = c.gold_id"
                " WHERE c.dataset_id = ? AND g.adjudicator = ? ORDER BY g.id DESC LIMIT 1",
                (ds.id, adjudicator),
            )
            if not last:
                return None
            self._x(
                "INSERT INTO gold (unit_id, dataset_id, answer, adjudicator, created, reverts)"
                " VALUES (?, ?, 'undo', ?, ?, ?)",
                (last["unit_id"], ds.id, adjudicator, time.time(), last["id"]),
            )
            previous = self._one(
                "SELECT id FROM gold g WHERE unit_id = ? AND answer != 'undo' AND id < ?"
                " AND NOT EXISTS (SELECT 1 FROM gold r WHERE r.reverts = g.id) ORDER BY id DESC LIMIT 1",
                (last["unit_id"], last["id"]),
            )
            if previous:
                self._x("UPDATE gold_current SET gold_id = ? WHERE unit_id = ?", (previous["id"], last["unit_id"]))
            else:
                self._x("DELETE FROM gold_current WHERE unit_id = ?", (last["unit_id"],))
        return self.get_unit(last["unit_id"])

    def iter_gold(self, dataset: str, batch: int = 2000) -> Iterator[tuple[Unit, Gold]]:
        ds = self.require_dataset(dataset)
        for row in self._iter(
            "SELECT c.unit_id AS id, g.id AS gold_id, g.unit_id, g.answer, g.spans, g.relations,"
            " g.adjudicator, g.sources, g.created FROM gold_current c JOIN gold g ON g.id = c.gold_id"
            " WHERE c.dataset_id = ? AND c.unit_id > ? ORDER BY c.unit_id LIMIT ?",
            (ds.id,), batch,
        ):
            unit = self.get_unit(row["unit_id"])
            if unit:
                yield unit, self._gold({**row, "id": row["gold_id"]})

    def gold_rows(self, dataset_id: int, *, batch: int = 4000) -> Iterator[tuple[Any, ...]]:
        """Standing gold of a dataset as plain tuples (:data:`annotator.store.rows.GOLD_COLUMNS`),
        in unit order, keyset-paginated: the exporters' fast lane."""
        sql = (
            "SELECT u.id, u.document_id, u.position, u.start, u.\"end\", u.text, u.input_hash, u.tokens, u.meta,"
            " g.adjudicator, g.answer, g.spans, g.relations, g.created, g.sources, doc.external_id, doc.title,"
            " x.token_bounds FROM gold_current c JOIN gold g ON g.id = c.gold_id JOIN units u ON u.id = c.unit_id"
            " JOIN documents doc ON doc.id = u.document_id LEFT JOIN unit_extents x ON x.unit_id = u.id"
            " WHERE c.dataset_id = ? AND c.unit_id > ? ORDER BY c.unit_id LIMIT ?"
        )
        after = -1
        while True:
            rows = self._tuples(sql, (dataset_id, after, batch))
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1][0]
