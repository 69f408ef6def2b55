"""The ``suggestions`` table: each suggester's spans and relations for a unit (never gold)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from annotator.models import Relation, Span, Suggestion
from annotator.record_parts import Shorthand
from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.datasets import DatasetTables


#: Suggestion rows written per transaction: a few milliseconds of write lock.
WRITE_ROWS = 2000
#: The compact form of a suggestion's spans and relations (JSON as :func:`dump_spans` and
#: :func:`dump_relations` write it): a third of its size, for the suggesters' many spans.
#: Rows stored before it are plain JSON, which reads back as it is.
SUGGESTION_SHORTHAND = Shorthand(
    b'},{"start":', b'[{"start":', b',"end":', b',"label":"', b'","layer":"entities"', b'","layer":"claims"',
    b'","layer":"', b',"token_start":', b',"token_end":', b',"source":"news-rules","score":', b',"source":"',
    b'","score":', b'{"head":{"start":', b'"},"child":{"start":', b'"},"label":"', b'{"start":',
)
_squeeze, _expand = SUGGESTION_SHORTHAND.squeeze_text, SUGGESTION_SHORTHAND.expand_text


def suggestion_json(spans: Sequence[Span], relations: Sequence[Relation]) -> tuple[str, str]:
    """A suggestion's spans and relations as its row keeps them (compact JSON), for
    :meth:`SuggestionTables.put_suggestion_rows` (an import encodes them in its workers)."""
    return _squeeze(dump_spans(spans)), _squeeze(dump_relations(relations))


def batched(rows: Iterable[tuple[Any, ...]], n: int) -> Iterable[list[tuple[Any, ...]]]:
    it = iter(rows)
    while chunk := list(islice(it, n)):
        yield chunk


class SuggestionTables(DatasetTables):
    """Suggestions: store (replace per suggester) and read."""

    _UPSERT = (
        "INSERT INTO suggestions (unit_id, suggester, version, spans, relations, created)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, suggester) DO UPDATE SET"
        " version = excluded.version, spans = excluded.spans,"
        " relations = excluded.relations, created = excluded.created"
    )

    def put_suggestions(self, suggestions: Iterable[Suggestion]) -> int:
        """Store (replace) each suggester's spans for a unit, at most :data:`WRITE_ROWS` rows
        per transaction (outside an enclosing :meth:`write`)."""
        now = time.time()
        return self._put_rows(
            (s.unit_id, s.suggester, s.version, *suggestion_json(s.spans, s.relations), now) for s in suggestions
        )

    def put_suggestion_rows(self, rows: Iterable[tuple[int, str, str, str, str]], *, new_units: bool = False) -> None:
        """Store suggestions already encoded as (unit_id, suggester, version, spans, relations)
        by :func:`suggestion_json`: the import path's fast lane, e.g. from worker processes.
        ``new_units``: the rows are for units written in this transaction, which have none
        yet, each (unit, suggester) once: inserted without looking for one to replace (``COPY``
        on PostgreSQL)."""
        now = time.time()
        if not new_units:
            self._put_rows((*r, now) for r in rows)
            return
        last = {(r[0], r[1]): r for r in rows}  # two suggesters of one name: the later one's, as an upsert keeps
        with self.write():
            self._bulk_insert("suggestions", ("unit_id", "suggester", "version", "spans", "relations", "created"),
                              [(*r, now) for r in last.values()])

    def _put_rows(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Upsert suggestion rows (unit_id, suggester, version, spans, relations, created) in
        transactions of at most :data:`WRITE_ROWS` rows each (each row replaces one (unit,
        suggester) whole, so a run stopped between two leaves every unit with one complete
        version or the other)."""
        n = 0
        for chunk in batched(rows, WRITE_ROWS):
            with self.write():
                self._x_many(self._UPSERT, chunk)
            n += len(chunk)
        return n

    def get_suggestions(self, unit_id: int) -> list[Suggestion]:
        rows = self._q(
            "SELECT * FROM suggestions WHERE unit_id = ? ORDER BY suggester", (unit_id,)
        )
        return [
            Suggestion(unit_id=r["unit_id"], suggester=r["suggester"], version=r["version"],
                       spans=load_spans(_expand(r["spans"])), relations=load_relations(_expand(r["relations"])))
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
