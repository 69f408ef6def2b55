"""The ``documents`` and ``units`` tables: articles and the units (sentences) shown at once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from annotator.models import Dataset, Document, Unit
from annotator.store.caches import RowCaches, UnitParts
from annotator.store.codec import TOKENS
from annotator.store.datasets import DatasetTables


class UnitTables(RowCaches, DatasetTables):
    """Documents and their units: write (with their caches) and read."""

    def insert_document(self, dataset: Dataset, doc: Document, units: Sequence[Unit], *,
                        defer_units: bool = False, defer_caches: bool = False) -> int | None:
        """Add a document and its units; None when the same text is already in the dataset.
        An import calls it inside :meth:`importing`, with the staging dataset it yields.

        The units are given their ids here (after the largest, and after those unfinished
        imports reserved), and ``id``, ``document_id`` and ``dataset`` are set on the
        ``units`` objects themselves, so the caller needs no read-back. ``defer_units=True``
        writes only the document row: the units, with ids given, are written later by
        :meth:`insert_units` with their token bounds and record parts (an import computes
        those in worker processes) — in the same :meth:`write` (one that commits before they
        are is rolled back) or, in an import, before the file completes. ``defer_caches=True``
        writes the units now (decisions may refer to them) and their caches when
        :meth:`insert_units` gets them, in an import only (before the file completes)."""
        assert dataset.id is not None
        if defer_units and not (self.in_transaction or self._import is not None):
            raise RuntimeError("insert_document(defer_units=True) must run inside Store.write() or Store.importing()")
        if defer_caches and (defer_units or self._import is None or self._import[2] != dataset.id):
            raise RuntimeError("insert_document(defer_caches=True) writes to the staging dataset of Store.importing(),"
                               " without defer_units")
        with self.write():
            if self._import is not None and self._import[2] == dataset.id and self._one(
                "SELECT 1 AS x FROM documents WHERE dataset_id = ? AND content_hash = ?",
                (self._import[1], doc.content_hash),
            ):
                return None  # already in the dataset the import is staged for
            cur = self._x(
                "INSERT OR IGNORE INTO documents (dataset_id, title, source, external_id, content_hash,"
                " text, meta, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (dataset.id, doc.title, doc.source, doc.external_id, doc.content_hash, doc.text,
                 json.dumps(doc.meta, ensure_ascii=False), time.time()),
            )
            if cur.rowcount == 0:
                return None
            doc_id = int(cur.lastrowid or 0)
            # Unit ids are given here, so that each unit's part of an exported record, which
            # holds its id, is written with it; units deferred to insert_units keep theirs.
            first = self._take_unit_ids(len(units))
            name = self._visible_name(dataset)
            for k, u in enumerate(units):
                u.id, u.document_id, u.dataset = first + k, doc_id, name
            if defer_units:
                self._deferred.update(range(first, first + len(units)))
                return doc_id
            if defer_caches:
                self._uncached.update((i, []) for i in range(first, first + len(units)))
                self._write_units(dataset, doc_id, units, None)
                return doc_id
            self._write_units(dataset, doc_id, units, self._unit_caches(doc, doc_id, units))
            return doc_id

    def insert_units(self, dataset: Dataset, units: Sequence[Unit],
                     parts: Sequence[UnitParts]) -> None:
        """Write units that :meth:`insert_document` gave ids with ``defer_units=True`` (or the
        caches of those it wrote with ``defer_caches=True``), each with its (token bounds,
        head, tail) from :func:`annotator.record_parts.unit_parts`."""
        if len(units) != len(parts):
            raise ValueError(f"{len(units)} units but {len(parts)} parts")
        deferred, uncached = self._deferred, self._uncached
        for u in units:
            if u.id not in deferred and u.id not in uncached:
                raise RuntimeError(f"unit {u.id} was not given its id by insert_document(defer_units=True)")
        with self.write():
            new = [k for k, u in enumerate(units) if u.id in deferred]
            if len(new) == len(units):
                self._write_units(dataset, None, units, parts)
            else:
                self._write_units(dataset, None, [units[k] for k in new], [parts[k] for k in new])
                self._write_caches(dataset, [(u, p) for u, p in zip(units, parts) if u.id in uncached])
            deferred.difference_update(u.id for u in units)  # type: ignore[misc]
            for u in units:
                uncached.pop(u.id, None)  # type: ignore[arg-type]

    def _write_units(self, dataset: Dataset, doc_id: int | None, units: Sequence[Unit],
                     parts: Sequence[UnitParts] | None) -> None:
        """Insert unit rows with their caches (``parts`` None: without, for :meth:`_write_caches`)."""
        rows = [
            (u.id, dataset.id, u.document_id if doc_id is None else doc_id, u.position, u.start, u.end, u.text,
             u.input_hash, TOKENS.dump_json(u.tokens).decode() if u.tokens is not None else None,
             json.dumps(u.meta, ensure_ascii=False) if u.meta else None, head, tail)
            for u, (_, head, tail) in zip(units, parts or [(None, None, None)] * len(units))
        ]
        self._bulk_insert("units", ("id", "dataset_id", "document_id", "position", "start", "end", "text",
                                    "input_hash", "tokens", "meta", "export_head", "export_tail"), rows)
        if parts is not None:
            self._write_unit_extents((r[0], r[1], r[2], r[6], bounds) for r, (bounds, _, _) in zip(rows, parts))

    def _write_caches(self, dataset: Dataset, written: Sequence[tuple[Unit, UnitParts]]) -> None:
        """The caches of units written to ``dataset`` without them (``defer_caches``)."""
        if not written:
            return
        self._x_many("UPDATE units SET export_head = ?, export_tail = ? WHERE id = ?",
                     [(head, tail, u.id) for u, (_, head, tail) in written])
        decided = [(ann_id, self._decision_export_part(ann, {"input_hash": u.input_hash, "token_bounds": bounds,
                                                             "tokens": u.tokens and TOKENS.dump_json(u.tokens),
                                                             "text": u.text}, created, spans, rels) or (None, None))
                   for u, (bounds, _, _) in written for ann_id, ann, created, spans, rels in self._uncached[u.id or 0]]
        if decided:
            self._x_many("UPDATE annotations SET export_part = ?, export_meta = ? WHERE id = ?",
                         [(part, suffix, ann_id) for ann_id, (part, suffix) in decided])
        self._write_unit_extents((u.id, dataset.id, u.document_id, u.text, bounds) for u, (bounds, _, _) in written)

    def document_id_by_hash(self, dataset: Dataset, content_hash: str) -> int | None:
        """The document with that text in the dataset (for an import's staging dataset: in
        its target dataset first, then among the rows staged so far)."""
        ids = [dataset.id]
        if self._import is not None and self._import[2] == dataset.id:
            ids.insert(0, self._import[1])
        for ds_id in ids:
            row = self._one("SELECT id FROM documents WHERE dataset_id = ? AND content_hash = ?", (ds_id, content_hash))
            if row:
                return int(row["id"])
        return None

    def _visible_name(self, dataset: Dataset) -> str:
        """The name of the dataset rows written to ``dataset`` will be seen in."""
        if self._import is not None and self._import[2] == dataset.id:
            return self._import[3]
        return dataset.name

    def document_id_by_external(self, dataset: Dataset, external_id: str) -> int | None:
        row = self._one(
            "SELECT id FROM documents WHERE dataset_id = ? AND external_id = ? ORDER BY id LIMIT 1",
            (dataset.id, external_id),
        )
        return row["id"] if row else None

    def get_document(self, doc_id: int) -> Document | None:
        row = self._one(
            "SELECT d.*, ds.name AS dataset FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
            " WHERE d.id = ?",
            (doc_id,),
        )
        if not row:
            return None
        return Document(
            id=row["id"], dataset=row["dataset"], title=row["title"], text=row["text"],
            source=row["source"], external_id=row["external_id"], meta=json.loads(row["meta"] or "{}"),
        )

    @staticmethod
    def _unit(row: dict[str, Any]) -> Unit:
        return Unit(
            id=row["id"], document_id=row["document_id"], dataset=row.get("dataset"),
            position=row["position"], text=row["text"], start=row["start"], end=row["end"],
            tokens=TOKENS.validate_json(row["tokens"]) if row.get("tokens") else None,
            meta=json.loads(row["meta"]) if row.get("meta") else {},
        )

    _UNIT_SELECT = (
        "SELECT u.id, u.document_id, u.position, u.start, u.\"end\", u.text, u.tokens, u.meta,"
        " ds.name AS dataset FROM units u JOIN datasets ds ON ds.id = u.dataset_id"
    )

    def get_unit(self, unit_id: int) -> Unit | None:
        row = self._one(self._UNIT_SELECT + " WHERE u.id = ?", (unit_id,))
        return self._unit(row) if row else None

    def get_units(self, unit_ids: Sequence[int]) -> list[Unit]:
        if not unit_ids:
            return []
        marks = ",".join("?" * len(unit_ids))
        rows = {r["id"]: r for r in self._q(self._UNIT_SELECT + f" WHERE u.id IN ({marks})", tuple(unit_ids))}
        return [self._unit(rows[i]) for i in unit_ids if i in rows]

    def iter_units(self, dataset: str, document_id: int | None = None, batch: int = 2000) -> Iterator[Unit]:
        ds = self.require_dataset(dataset)
        doc_filter = " AND u.document_id = ?" if document_id is not None else ""
        params: tuple[Any, ...] = (ds.id, document_id) if document_id is not None else (ds.id,)
        for row in self._iter(
            self._UNIT_SELECT + f" WHERE u.dataset_id = ?{doc_filter} AND u.id > ? ORDER BY u.id LIMIT ?",
            params, batch,
        ):
            yield self._unit(row)

    def document_units(self, document_id: int) -> list[Unit]:
        """All units of one document, in order."""
        rows = self._q(self._UNIT_SELECT + " WHERE u.document_id = ? ORDER BY u.position", (document_id,))
        return [self._unit(r) for r in rows]

    def count_units(self, dataset: str) -> int:
        ds = self.require_dataset(dataset)
        row = self._one("SELECT COUNT(*) AS n FROM units WHERE dataset_id = ?", (ds.id,))
        return int(row["n"]) if row else 0

    def unit_context(self, unit: Unit, before: int = 1, after: int = 1) -> tuple[list[Unit], list[Unit]]:
        """The units just before and after ``unit`` in its document."""
        rows = self._q(
            self._UNIT_SELECT + " WHERE u.document_id = ? AND u.position BETWEEN ? AND ?"
            " AND u.position != ? ORDER BY u.position",
            (unit.document_id, unit.position - before, unit.position + after, unit.position),
        )
        units = [self._unit(r) for r in rows]
        return [u for u in units if u.position < unit.position], [u for u in units if u.position > unit.position]

    def unit_id_bounds(self, dataset_id: int) -> tuple[int, int]:
        """(lowest, highest) unit id of a dataset, (0, -1) when it has none; two index look-ups."""
        ((lo, hi),) = self._tuples(
            "SELECT (SELECT MIN(id) FROM units WHERE dataset_id = ?1), (SELECT MAX(id) FROM units WHERE dataset_id = ?1)",
            (dataset_id,),
        )
        return (0, -1) if lo is None else (int(lo), int(hi))
