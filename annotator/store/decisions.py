"""The ``annotations`` history (append-only) and ``decisions``, the current decision of each
(unit, annotator): write, undo, read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from annotator.errors import UserError
from annotator.models import Annotation, Unit
from annotator.store.agreement_rows import json_spans
from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.leases import LeaseTables


#: What :meth:`DecisionTables.current_decisions` can read of a current decision, by name:
#: its unit's columns (its token bounds are kept in ``unit_extents``), its annotation's, its
#: document's and the stored export parts.
DECISION_FIELDS: dict[str, str] = {
    "unit_id": "d.unit_id", "document_id": "u.document_id", "position": "u.position", "start": "u.start",
    "end": 'u."end"', "text": "u.text", "input_hash": "u.input_hash", "tokens": "u.tokens", "unit_meta": "u.meta",
    "token_bounds": "x.token_bounds", "annotator": "d.annotator", "answer": "a.answer",
    "annotation_id": "a.id", "spans": "a.spans", "relations": "a.relations", "created": "a.created",
    "time_spent": "a.time_spent", "meta": "a.meta", "doc_external_id": "doc.external_id", "doc_title": "doc.title",
    "head": "u.export_head", "part": "a.export_part", "tail": "u.export_tail", "suffix": "a.export_meta",
}
# What iter_annotation_rows reads: the unit's fields, then the annotation's.
_ANNOTATION_COLUMNS = ("unit_id", "document_id", "position", "start", "end", "text", "tokens", "unit_meta",
                       "annotation_id", "annotator", "answer", "spans", "relations", "created", "time_spent", "meta")
_ANNOTATION_KEYS = ("id", "unit_id", "annotator", "answer", "spans", "relations", "created", "time_spent", "meta")
#: A decision's spans and relations as stored (JSON), its export part and suffix.
EncodedDecision = tuple[str, str, "bytes | None", "bytes | None"]


class DecisionTables(LeaseTables):
    """Decisions: append, undo, read."""

    def add_annotation(self, ann: Annotation) -> int:
        """Append a decision and make it the current one for (unit, annotator); it ends the
        annotator's lease on the unit (a decision is stored even if that lease ran out and
        someone else took the unit meanwhile: work is never refused). Committed before this
        returns (unless inside an outer :meth:`write`). One decision of :meth:`add_annotations`."""
        return self.add_annotations([ann])[0]

    @classmethod
    def encode_decision(cls, ann: Annotation, unit: Mapping[str, Any], created: float) -> EncodedDecision:
        """What a decision's row stores besides its plain fields: its spans and relations as
        JSON, its export part and suffix (over ``unit``'s token bounds, as
        :meth:`add_annotations` takes units); pure, so an import's worker processes encode
        the decisions of their batch."""
        spans, relations = dump_spans(ann.spans), dump_relations(ann.relations)
        part, suffix = cls._decision_export_part(ann, unit, created, spans, relations) or (None, None)  # type: ignore[arg-type]
        return spans, relations, part, suffix

    def add_annotations(self, anns: Sequence[Annotation], new_units: Mapping[int, Mapping[str, Any]] | None = None,
                        encoded: Sequence[EncodedDecision | None] | None = None) -> list[int]:
        """Append decisions in order (a later one on the same (unit, annotator) replaces an
        earlier as the current decision) in one transaction and a few statements whatever
        their number; their ids. ``new_units`` may give, by unit id, units the caller has just
        written, on which no one has decided yet, with what their decisions' export parts need
        of them (``dataset_id``, ``input_hash``, ``token_bounds``, ``tokens``, ``text``, as an
        import has them at hand); the others are read. ``encoded`` may give, in the order of
        ``anns``, what :meth:`encode_decision` made of a decision (whose ``created`` is set)."""
        if not anns:
            return []
        with self.write():
            known = dict(new_units or {})
            wanted = list({a.unit_id for a in anns if a.unit_id not in known})
            for k in range(0, len(wanted), 500):
                part = wanted[k:k + 500]
                for row in self._q(
                        "SELECT u.id, u.dataset_id, u.input_hash, x.token_bounds, CASE WHEN x.token_bounds IS NULL"
                        " THEN u.text END AS text, u.tokens FROM units u LEFT JOIN unit_extents x ON x.unit_id = u.id"
                        f" WHERE u.id IN ({', '.join('?' * len(part))})", part):
                    known[row["id"]] = row
            now = time.time()
            rows = []
            for k, ann in enumerate(anns):
                unit = known.get(ann.unit_id)
                if unit is None:
                    raise UserError(f"no unit {ann.unit_id} in {self.path}")
                created = ann.created if ann.created is not None else now
                done = encoded[k] if encoded else None
                spans, relations, part, suffix = done or self.encode_decision(ann, unit, created)
                rows.append([None, ann.unit_id, unit["dataset_id"], ann.annotator, ann.answer, spans, relations,
                             created, ann.time_spent, json.dumps(ann.meta, ensure_ascii=False), part, suffix])
            columns = ("id", "unit_id", "dataset_id", "annotator", "answer", "spans", "relations", "created",
                       "time_spent", "meta", "export_part", "export_meta")
            if len(rows) == 1:
                cur = self._x(f"INSERT INTO annotations ({', '.join(columns[1:])}) VALUES"
                              f" ({', '.join('?' * (len(columns) - 1))})", rows[0][1:])
                ids = [int(cur.lastrowid or 0)]
            else:
                ids = self._new_ids("annotations", len(rows))
                for row, ann_id in zip(rows, ids):
                    row[0] = ann_id
                self._bulk_insert("annotations", columns, rows)
            current: dict[tuple[int, str], tuple[int, int, Annotation]] = {}
            for ann, ann_id, row in zip(anns, ids, rows):
                current[(ann.unit_id, ann.annotator)] = (row[2], ann_id, ann)
            fresh = new_units or {}
            for first in (True, False):  # decisions on new units are inserted, others replace
                rows_now = [(unit_id, who, ds_id, ann_id, ann.answer,
                             [(s.start, s.end, s.label, s.layer) for s in ann.spans])
                            for (unit_id, who), (ds_id, ann_id, ann) in current.items() if (unit_id in fresh) == first]
                if rows_now:
                    self._set_current_many(rows_now, new=first)
            # nobody can have leased a unit the running import has added
            ended = [key for key, (ds_id, _, _) in current.items() if not self._added_by_import(key[0], ds_id)]
            if ended:
                self._end_leases(ended)
        return ids

    def _set_current(self, unit_id: int, annotator: str, dataset_id: int, annotation_id: int, answer: str,
                     spans: list[tuple[int, int, str, str]]) -> None:
        """Make an annotation row the current decision of (unit, annotator)."""
        self._set_current_many([(unit_id, annotator, dataset_id, annotation_id, answer, spans)])

    def _set_current_many(self, rows: Sequence[tuple[int, str, int, int, str, list[tuple[int, int, str, str]]]],
                          *, new: bool = False) -> None:
        """Make annotation rows the current decisions of their (unit, annotator) — each pair
        once — with their packed agreement columns: the one place a current decision is
        written. ``new``: none of the pairs has one yet (a bulk insert, ``COPY`` on PostgreSQL)."""
        values = [(unit_id, annotator, dataset_id, annotation_id, answer,
                   *self._agreement_columns(unit_id, annotator, answer, spans))
                  for unit_id, annotator, dataset_id, annotation_id, answer, spans in rows]
        if new:
            self._bulk_insert("decisions", ("unit_id", "annotator", "dataset_id", "annotation_id", "answer",
                                            "agree_head", "agree_spans"), values)
            return
        self._x_many(
            "INSERT INTO decisions (unit_id, annotator, dataset_id, annotation_id, answer, agree_head, agree_spans)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, annotator) DO UPDATE SET"
            " annotation_id = excluded.annotation_id, answer = excluded.answer,"
            " agree_head = excluded.agree_head, agree_spans = excluded.agree_spans",
            values,
        )

    @staticmethod
    def _annotation(row: dict[str, Any]) -> Annotation:
        return Annotation(
            id=row["id"], unit_id=row["unit_id"], annotator=row["annotator"], answer=row["answer"],
            spans=load_spans(row["spans"]), relations=load_relations(row["relations"]),
            created=row["created"], time_spent=row["time_spent"], meta=json.loads(row["meta"] or "{}"),
        )

    def current_annotation(self, unit_id: int, annotator: str) -> Annotation | None:
        row = self._one(
            "SELECT a.* FROM decisions d JOIN annotations a ON a.id = d.annotation_id"
            " WHERE d.unit_id = ? AND d.annotator = ?",
            (unit_id, annotator),
        )
        return self._annotation(row) if row else None

    def current_annotations(self, unit_id: int) -> list[Annotation]:
        """Every annotator's current decision on a unit."""
        rows = self._q(
            "SELECT a.* FROM decisions d JOIN annotations a ON a.id = d.annotation_id"
            " WHERE d.unit_id = ? ORDER BY d.annotator",
            (unit_id,),
        )
        return [self._annotation(r) for r in rows]

    def history(self, unit_id: int, annotator: str | None = None) -> list[dict[str, Any]]:
        """Every row ever written for a unit (undo rows included), oldest first."""
        if annotator is None:
            return self._q("SELECT * FROM annotations WHERE unit_id = ? ORDER BY id", (unit_id,))
        return self._q(
            "SELECT * FROM annotations WHERE unit_id = ? AND annotator = ? ORDER BY id",
            (unit_id, annotator),
        )

    def undo_last(self, dataset: str, annotator: str) -> Unit | None:
        """Revert this annotator's latest standing decision in ``dataset``; the history keeps
        both the decision and an 'undo' row. Returns the unit to show again, leased to them
        again when the undo left them no decision on it."""
        ds = self.require_dataset(dataset)
        with self.write():
            last = self._one(
                "SELECT d.unit_id, d.annotation_id FROM decisions d WHERE d.dataset_id = ?"
                " AND d.annotator = ? ORDER BY d.annotation_id DESC LIMIT 1",
                (ds.id, annotator),
            )
            if not last:
                return None
            self._revert(last["unit_id"], annotator, last["annotation_id"], ds.id)
            if self.current_annotation(last["unit_id"], annotator) is None:
                self._lease(ds.id or 0, annotator, [last["unit_id"]], time.time())  # theirs again to label
        return self.get_unit(last["unit_id"])

    def _revert(self, unit_id: int, annotator: str, annotation_id: int, dataset_id: int) -> None:
        self._x(
            "INSERT INTO annotations (unit_id, dataset_id, annotator, answer, created, reverts)"
            " VALUES (?, ?, ?, 'undo', ?, ?)",
            (unit_id, dataset_id, annotator, time.time(), annotation_id),
        )
        previous = self._one(
            "SELECT id, answer, spans FROM annotations a WHERE unit_id = ? AND annotator = ?"
            " AND answer != 'undo' AND id < ?"
            " AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.reverts = a.id)"
            " ORDER BY id DESC LIMIT 1",
            (unit_id, annotator, annotation_id),
        )
        if previous:
            self._set_current(unit_id, annotator, dataset_id, previous["id"], previous["answer"],
                              json_spans(previous["spans"]))
        else:
            self._x("DELETE FROM decisions WHERE unit_id = ? AND annotator = ?", (unit_id, annotator))

    def annotators(self, dataset: str) -> list[str]:
        ds = self.require_dataset(dataset)
        rows = self._q(
            "SELECT DISTINCT annotator FROM decisions WHERE dataset_id = ? ORDER BY annotator", (ds.id,)
        )
        return [r["annotator"] for r in rows]

    def iter_annotations(
        self,
        dataset: str,
        *,
        annotator: str | None = None,
        answers: Sequence[str] | None = None,
        document_id: int | None = None,
        batch: int = 2000,
    ) -> Iterator[tuple[Unit, Annotation]]:
        """Current decisions in unit order, then annotator, streamed (memory stays flat)."""
        for unit, row in self.iter_annotation_rows(
            dataset, annotator=annotator, answers=answers, document_id=document_id, batch=batch
        ):
            yield unit, self._annotation(row)

    def iter_annotation_rows(
        self,
        dataset: str,
        *,
        annotator: str | None = None,
        answers: Sequence[str] | None = None,
        document_id: int | None = None,
        batch: int = 2000,
    ) -> Iterator[tuple[Unit, dict[str, Any]]]:
        """Like :meth:`iter_annotations` but with the annotation as a dict of its columns
        (``id``, ``unit_id``, ``annotator``, ``answer``, spans and relations as JSON text,
        ``created``, ``time_spent``, ``meta``); one :class:`Unit` per unit, shared by its
        decisions."""
        ds = self.require_dataset(dataset)
        unit: Unit | None = None
        for rows in self.current_decisions(ds.id or 0, _ANNOTATION_COLUMNS, annotator=annotator, answers=answers,
                                           document_id=document_id, batch=batch):
            for r in rows:
                if unit is None or unit.id != r[0]:
                    unit = self._unit({"id": r[0], "document_id": r[1], "position": r[2], "start": r[3],
                                       "end": r[4], "text": r[5], "tokens": r[6], "meta": r[7], "dataset": ds.name})
                yield unit, dict(zip(_ANNOTATION_KEYS, (r[8], r[0], *r[9:])))

    def current_decisions(
        self,
        dataset_id: int,
        columns: Sequence[str],
        *,
        annotator: str | None = None,
        answers: Sequence[str] | None = None,
        document_id: int | None = None,
        unit_range: tuple[int, int] | None = None,
        batch: int = 4000,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The one reader of current decisions: a dataset's current decisions in batches
        (lists) of plain tuples of ``columns`` (names of :data:`DECISION_FIELDS`; the first
        must be ``unit_id`` and ``annotator`` must be among them), ordered by unit id then
        annotator, each batch one short keyset-paginated query, so memory stays flat however
        large the dataset. Filters: one ``annotator``, ``answers``, one ``document_id``, and
        ``unit_range`` (lo, hi) keeping units with ``lo <= id < hi``."""
        if not columns or columns[0] != "unit_id" or "annotator" not in columns:
            raise ValueError(f"columns must start with unit_id and include annotator, not {list(columns)}")
        key_col = list(columns).index("annotator")
        exprs = [DECISION_FIELDS[c] for c in columns]
        # Join only what the columns need; units always (the dataset check).
        joins = " JOIN units u ON u.id = d.unit_id"
        if any(e.startswith("a.") for e in exprs):
            joins += " JOIN annotations a ON a.id = d.annotation_id"
        if any(e.startswith("doc.") for e in exprs):
            joins += " JOIN documents doc ON doc.id = u.document_id"
        # One annotator: walk its index (dataset, annotator, unit). One document: start from
        # its units. Otherwise walk the decisions' primary key in order: CROSS JOIN fixes the
        # join order and '+' keeps SQLite off the annotator index, which would make it sort
        # the whole dataset for every batch.
        in_order = annotator is None and document_id is None
        if in_order:
            joins = joins.replace(" JOIN ", " CROSS JOIN ")
        if any(e.startswith("x.") for e in exprs):  # every unit has its extent; LEFT all the same
            joins += " LEFT JOIN unit_extents x ON x.unit_id = u.id"
        where = ["+d.dataset_id = ?" if in_order else "d.dataset_id = ?", "+u.dataset_id = ?"]
        params: list[Any] = [dataset_id, dataset_id]
        if document_id is not None:
            where.append("u.document_id = ?")
            params.append(document_id)
        if annotator is not None:
            where.append("d.annotator = ?")
            params.append(annotator)
        if answers:
            where.append(f"+d.answer IN ({','.join('?' * len(answers))})")
            params.extend(answers)
        if unit_range is not None:
            where.append("d.unit_id >= ? AND d.unit_id < ?")
            params.extend(unit_range)
        base = f"SELECT {', '.join(exprs)} FROM decisions d{joins} WHERE {' AND '.join(where)}"
        if in_order and self.engine == "postgresql" and not self.in_transaction:  # one query, streamed
            yield from self.conn.stream(base + " ORDER BY d.unit_id, d.annotator", params, batch)  # type: ignore[attr-defined]
            return
        first = base + " ORDER BY d.unit_id, d.annotator LIMIT ?"
        after = (base + (" AND d.unit_id > ?" if annotator is not None else " AND (d.unit_id, d.annotator) > (?, ?)")
                 + " ORDER BY d.unit_id, d.annotator LIMIT ?")
        rows = self._tuples(first, (*params, batch))
        while rows:
            yield rows
            if len(rows) < batch:
                return
            last = rows[-1]
            key = (last[0],) if annotator is not None else (last[0], last[key_col])
            rows = self._tuples(after, (*params, *key, batch))
