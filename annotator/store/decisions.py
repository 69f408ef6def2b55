"""The ``annotations`` history (append-only) and ``decisions``, the current decision of each
(unit, annotator): write, undo, read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from annotator.errors import UserError
from annotator.models import Annotation, Unit
from annotator.store.agreement_rows import json_spans
from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.leases import LeaseTables


class DecisionTables(LeaseTables):
    """Decisions: append, undo, read."""

    def add_annotation(self, ann: Annotation) -> int:
        """Append a decision and make it the current one for (unit, annotator); it ends the
        annotator's lease on the unit (a decision is stored even if that lease ran out and
        someone else took the unit meanwhile: work is never refused). Committed before this
        returns (unless inside an outer :meth:`write`)."""
        created = ann.created if ann.created is not None else time.time()
        with self.write():
            unit = self._one("SELECT dataset_id, input_hash, token_bounds, CASE WHEN token_bounds IS NULL"
                             " THEN text END AS text, tokens FROM units WHERE id = ?", (ann.unit_id,))
            if unit is None:
                raise UserError(f"no unit {ann.unit_id} in {self.path}")
            part, suffix = self._decision_export_part(ann, unit, created) or (None, None)
            cur = self._x(
                "INSERT INTO annotations (unit_id, dataset_id, annotator, answer, spans, relations,"
                " created, time_spent, meta, export_part, export_meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ann.unit_id, unit["dataset_id"], ann.annotator, ann.answer, dump_spans(ann.spans),
                 dump_relations(ann.relations), created, ann.time_spent,
                 json.dumps(ann.meta, ensure_ascii=False), part, suffix),
            )
            ann_id = int(cur.lastrowid or 0)
            self._set_current(ann.unit_id, ann.annotator, unit["dataset_id"], ann_id, ann.answer,
                              [(s.start, s.end, s.label, s.layer) for s in ann.spans])
            self._end_lease(ann.unit_id, ann.annotator)
        return ann_id

    def _set_current(self, unit_id: int, annotator: str, dataset_id: int, annotation_id: int, answer: str,
                     spans: list[tuple[int, int, str, str]]) -> None:
        """Make an annotation row the current decision of (unit, annotator), with its packed
        agreement columns: the one place a current decision is written."""
        head, packed = self._agreement_columns(unit_id, annotator, answer, spans)
        self._x(
            "INSERT INTO decisions (unit_id, annotator, dataset_id, annotation_id, answer, agree_head, agree_spans)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, annotator) DO UPDATE SET"
            " annotation_id = excluded.annotation_id, answer = excluded.answer,"
            " agree_head = excluded.agree_head, agree_spans = excluded.agree_spans",
            (unit_id, annotator, dataset_id, annotation_id, answer, head, packed),
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
        """Current decisions in unit order, streamed (memory stays flat)."""
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
        """Like :meth:`iter_annotations` but with the raw annotation row (spans as JSON
        text) for exporters that must be fast."""
        ds = self.require_dataset(dataset)
        where = ["u.dataset_id = ?"]
        params: list[Any] = [ds.id]
        if document_id is not None:
            where.append("u.document_id = ?")
            params.append(document_id)
        extra = []
        extra_params: list[Any] = []
        if annotator is not None:
            extra.append("d.annotator = ?")
            extra_params.append(annotator)
        if answers:
            extra.append(f"d.answer IN ({','.join('?' * len(answers))})")
            extra_params.extend(answers)
        after = -1
        while True:
            units = self._q(
                self._UNIT_SELECT + f" WHERE {' AND '.join(where)}"
                " AND EXISTS (SELECT 1 FROM decisions d WHERE d.unit_id = u.id"
                + "".join(f" AND {e}" for e in extra) + ") AND u.id > ? ORDER BY u.id LIMIT ?",
                (*params, *extra_params, after, batch),
            )
            if not units:
                return
            ids = [u["id"] for u in units]
            marks = ",".join("?" * len(ids))
            anns = self._q(
                "SELECT a.* FROM decisions d JOIN annotations a ON a.id = d.annotation_id"
                f" WHERE d.unit_id IN ({marks})" + "".join(f" AND {e}" for e in extra)
                + " ORDER BY d.unit_id, d.annotator",
                (*ids, *extra_params),
            )
            by_unit: dict[int, list[dict[str, Any]]] = {}
            for a in anns:
                by_unit.setdefault(a["unit_id"], []).append(a)
            for urow in units:
                unit = self._unit(urow)
                for a in by_unit.get(urow["id"], []):
                    yield unit, a
            after = ids[-1]
            if len(units) < batch:
                return
