"""The ``documents`` and ``units`` tables: articles and the units (sentences) shown at once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from annotator.errors import DatabaseError
from annotator.models import Dataset, Document, Unit
from annotator.store.caches import RowCaches, UnitParts
from annotator.store.codec import TOKENS
from annotator.store.datasets import DatasetTables


class UnitTables(RowCaches, DatasetTables):
    """Documents and their units: write (with their caches) and read."""

    def insert_document(self, dataset: Dataset, doc: Document, units: Sequence[Unit], *,
                        defer_units: bool = False) -> int | None:
        """Add a document and its units; None when the same text is already in the dataset
        (one document of :meth:`insert_documents`)."""
        doc_id, added = self.insert_documents(dataset, [(doc, units)], defer_units=defer_units)[0]
        return doc_id if added else None

    def insert_documents(self, dataset: Dataset, docs: Sequence[tuple[Document, Sequence[Unit]]], *,
                         defer_units: bool = False) -> list[tuple[int, bool]]:
        """Add documents and their units in one transaction, a few statements whatever their
        number; for each, (its id, True) or, when the same text is already in the dataset (or
        earlier in ``docs``), (the id of that document, False) and nothing is written for it.
        An import calls it inside :meth:`importing`, with the staging dataset it yields, and
        the text is then looked for in the dataset the import is for, then among the rows
        staged so far.

        The units are given their ids here (after the largest, and after those unfinished
        imports reserved), and ``id``, ``document_id`` and ``dataset`` are set on the
        ``units`` objects themselves, so the caller needs no read-back. ``defer_units=True``
        writes only the document rows: the units, with ids given, are written later by
        :meth:`insert_units` with their token bounds and record parts (an import computes
        those in worker processes) — in the same :meth:`write` (one that commits before they
        are is rolled back) or, in an import, before the file completes."""
        assert dataset.id is not None
        if defer_units and not (self.in_transaction or self._import is not None):
            raise RuntimeError("insert_document(defer_units=True) must run inside Store.write() or Store.importing()")
        if not docs:
            return []
        staged = self._import is not None and self._import[2] == dataset.id
        with self.write():
            if self._import is None and self.engine == "postgresql" and not self.conn.try_imports(dataset.id):
                # its rows are not committed: this one would wait for the import's end
                # holding the write lock the import needs (see store/imports.py)
                raise DatabaseError(f"{self.path}: an import into dataset {dataset.name!r} is running;"
                                    " add documents to it once the import has finished")
            doc_hashes = [d.content_hash for d, _ in docs]  # a digest of the text each time it is asked
            hashes = list(dict.fromkeys(doc_hashes))
            look_in = (self._import[1], dataset.id) if staged else (dataset.id,)  # type: ignore[index]
            found: dict[str, tuple[int, int]] = {}  # content hash -> (rank of its dataset, document id)
            for k in range(0, len(hashes), 500):
                part = hashes[k:k + 500]
                for ds_id, h, doc_id in self._tuples(
                        f"SELECT dataset_id, content_hash, id FROM documents WHERE dataset_id IN"
                        f" ({', '.join('?' * len(look_in))}) AND content_hash IN ({', '.join('?' * len(part))})",
                        (*look_in, *part)):
                    rank = look_in.index(ds_id)
                    if h not in found or rank < found[h][0]:
                        found[h] = (rank, int(doc_id))
            fresh: list[int] = []  # indexes in docs of the documents to add
            first_of: dict[str, int] = {}  # content hash -> index of its first new document here
            for k, h in enumerate(doc_hashes):
                if h not in found and h not in first_of:
                    first_of[h] = k
                    fresh.append(k)
            given = dict(zip(fresh, self._new_ids("documents", len(fresh))))
            out: list[tuple[int, bool]] = []
            for k, h in enumerate(doc_hashes):
                if k in given:
                    out.append((given[k], True))
                elif h in found:
                    out.append((found[h][1], False))
                else:
                    out.append((given[first_of[h]], False))
            if not fresh:
                return out
            now = time.time()
            self._bulk_insert("documents", ("id", "dataset_id", "title", "source", "external_id", "content_hash",
                                            "text", "meta", "created"),
                              [(given[k], dataset.id, d.title, d.source, d.external_id, doc_hashes[k], d.text,
                                json.dumps(d.meta, ensure_ascii=False), now)
                               for k in fresh for d in (docs[k][0],)])
            # Unit ids are given here, so that each unit's part of an exported record, which
            # holds its id, is written with it; units deferred to insert_units keep theirs.
            first = self._take_unit_ids(sum(len(docs[k][1]) for k in fresh))
            name = self._visible_name(dataset)
            new_units: list[Unit] = []
            parts: list[UnitParts] = []
            for k in fresh:
                doc, units = docs[k]
                for u in units:
                    u.id, u.document_id, u.dataset = first, given[k], name
                    first += 1
                new_units.extend(units)
                if not defer_units:
                    parts.extend(self._unit_caches(doc, given[k], units))
            if defer_units:
                self._deferred.update(u.id for u in new_units)  # type: ignore[misc]
            else:
                self._write_units(dataset, new_units, parts)
            return out

    def insert_units(self, dataset: Dataset, units: Sequence[Unit], parts: Sequence[UnitParts]) -> None:
        """Write units that :meth:`insert_document` gave ids with ``defer_units=True``, each
        with its (token bounds, head, tail) from :func:`annotator.record_parts.unit_parts`."""
        if len(units) != len(parts):
            raise ValueError(f"{len(units)} units but {len(parts)} parts")
        deferred = self._deferred
        for u in units:
            if u.id not in deferred:
                raise RuntimeError(f"unit {u.id} was not given its id by insert_document(defer_units=True)")
        with self.write():
            self._write_units(dataset, units, parts)
            deferred.difference_update(u.id for u in units)  # type: ignore[misc]

    def _write_units(self, dataset: Dataset, units: Sequence[Unit], parts: Sequence[UnitParts]) -> None:
        """Insert unit rows with their caches."""
        rows = [
            (u.id, dataset.id, u.document_id, u.position, u.start, u.end, u.text,
             u.input_hash, TOKENS.dump_json(u.tokens).decode() if u.tokens is not None else None,
             json.dumps(u.meta, ensure_ascii=False) if u.meta else None, head, tail)
            for u, (_, head, tail) in zip(units, parts)
        ]
        self._bulk_insert("units", ("id", "dataset_id", "document_id", "position", "start", "end", "text",
                                    "input_hash", "tokens", "meta", "export_head", "export_tail"), rows)
        self._write_unit_extents((r[0], r[1], r[2], r[6], bounds) for r, (bounds, _, _) in zip(rows, parts))

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
        return self.documents_units([document_id]).get(document_id, [])

    def documents_units(self, document_ids: Sequence[int]) -> dict[int, list[Unit]]:
        """All units of each of these documents, in order, by document id (one query per 500
        documents); a document without units is left out."""
        out: dict[int, list[Unit]] = {}
        ids = list(dict.fromkeys(document_ids))
        for k in range(0, len(ids), 500):
            part = ids[k:k + 500]
            for r in self._q(self._UNIT_SELECT + f" WHERE u.document_id IN ({', '.join('?' * len(part))})"
                             " ORDER BY u.document_id, u.position", part):
                out.setdefault(r["document_id"], []).append(self._unit(r))
        return out

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
