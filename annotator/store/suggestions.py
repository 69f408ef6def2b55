"""The ``suggestions`` table: each suggester's spans and relations for a unit (never gold)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from annotator.models import Suggestion
from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.datasets import DatasetTables


class SuggestionTables(DatasetTables):
    """Suggestions: store (replace per suggester) and read."""

    def put_suggestions(self, suggestions: Iterable[Suggestion]) -> int:
        """Store (replace) each suggester's spans for a unit."""
        now = time.time()
        rows = [
            (s.unit_id, s.suggester, s.version, dump_spans(s.spans), dump_relations(s.relations), now)
            for s in suggestions
        ]
        with self.write():
            self._x_many(
                "INSERT INTO suggestions (unit_id, suggester, version, spans, relations, created)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, suggester) DO UPDATE SET"
                " version = excluded.version, spans = excluded.spans,"
                " relations = excluded.relations, created = excluded.created",
                rows,
            )
        return len(rows)

    def put_suggestion_rows(self, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
        """Store suggestions already encoded as (unit_id, suggester, version, spans JSON,
        relations JSON): the import path's fast lane, e.g. from worker processes."""
        now = time.time()
        with self.write():
            self._x_many(
                "INSERT INTO suggestions (unit_id, suggester, version, spans, relations, created)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, suggester) DO UPDATE SET"
                " version = excluded.version, spans = excluded.spans,"
                " relations = excluded.relations, created = excluded.created",
                ((*r, now) for r in rows),
            )

    def get_suggestions(self, unit_id: int) -> list[Suggestion]:
        rows = self._q(
            "SELECT * FROM suggestions WHERE unit_id = ? ORDER BY suggester", (unit_id,)
        )
        return [
            Suggestion(unit_id=r["unit_id"], suggester=r["suggester"], version=r["version"],
                       spans=load_spans(r["spans"]), relations=load_relations(r["relations"]))
            for r in rows
        ]

    def suggesters(self, dataset: str) -> list[tuple[str, str, int]]:
        """(suggester, version, units) for a dataset."""
        ds = self.require_dataset(dataset)
        rows = self._q(
            "SELECT s.suggester, s.version, COUNT(*) AS n FROM suggestions s JOIN units u ON u.id = s.unit_id"
            " WHERE u.dataset_id = ? GROUP BY s.suggester, s.version ORDER BY s.suggester",
            (ds.id,),
        )
        return [(r["suggester"], r["version"], r["n"]) for r in rows]
