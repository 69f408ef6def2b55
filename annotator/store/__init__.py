"""The store: the only code that speaks SQL (SQLite through sqlite-utils).

One :class:`Store` per process holds one connection. Writes go through :meth:`Store.write`
(``BEGIN IMMEDIATE``) so that many processes can share one file in WAL mode without
"database is locked" upgrades; every decision is committed before the call returns.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import TypeAdapter

from annotator.errors import DatabaseError, UserError
from annotator.models import (
    Annotation,
    Dataset,
    Document,
    Gold,
    Relation,
    Span,
    Suggestion,
    Token,
    Unit,
)
from annotator.record_parts import decision_part, unit_parts
from annotator.store.agreement_rows import UNIT_HEAD, Ids, json_spans, packed_decision
from annotator.store.schema import MIGRATION_SET, MIGRATIONS_TABLE, SHIPPED_MIGRATIONS
from annotator.tokens import token_spans, unpack_bounds

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_DB = "annotator.db"
BUSY_TIMEOUT_S = 60.0

_spans = TypeAdapter(list[Span])
_relations = TypeAdapter(list[Relation])
_tokens = TypeAdapter(list[Token])


def default_db_path() -> str:
    """``$ANNOTATOR_DB`` or ``./annotator.db``."""
    return os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def dump_spans(spans: Sequence[Span]) -> str:
    return _spans.dump_json(list(spans), exclude_none=True).decode()


def dump_relations(relations: Sequence[Relation]) -> str:
    return _relations.dump_json(list(relations)).decode()


def load_spans(raw: str | None) -> list[Span]:
    return _spans.validate_json(raw) if raw and raw != "[]" else []


def load_relations(raw: str | None) -> list[Relation]:
    return _relations.validate_json(raw) if raw and raw != "[]" else []


def _decision_part(ann: Annotation, unit: dict[str, Any], created: float) -> tuple[bytes, bytes | None] | None:
    """The decision's part of its exported record (:func:`annotator.record_parts.decision_part`)
    over the unit's token bounds: stored, or (units whose bounds are not written yet, or were
    imported before the store kept them) its explicit tokens or the tokenizer's."""
    if unit["token_bounds"] is not None:
        flat = unpack_bounds(unit["token_bounds"])
        starts, ends = flat[0::2], flat[1::2]
    else:
        offsets = ([(t.start, t.end) for t in _tokens.validate_json(unit["tokens"])] if unit["tokens"]
                   else token_spans(unit["text"]))
        starts, ends = [a for a, _ in offsets], [b for _, b in offsets]
    return decision_part(
        input_hash=unit["input_hash"], starts=starts, ends=ends,
        spans=orjson.loads(dump_spans(ann.spans)), relations=orjson.loads(dump_relations(ann.relations)),
        # as the floats read back from SQLite: -0.0 comes back as 0.0
        answer=ann.answer, annotator=ann.annotator, created=float(created) + 0.0,
        time_spent=None if ann.time_spent is None else float(ann.time_spent) + 0.0, meta=ann.meta,
    )


class Store:
    """A labelling database. Use :func:`open_store` to get one."""

    def __init__(self, path: str | Path, *, create: bool = True, durable: bool = True) -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        if not memory:
            p = Path(self.path)
            if not p.exists() and not create:
                raise DatabaseError(f"{self.path}: no such database (import something first)")
            if p.is_dir():
                raise DatabaseError(f"{self.path}: is a directory, not a database file")
            if p.exists() and p.stat().st_size > 0:
                with open(p, "rb") as fh:
                    if fh.read(16) != b"SQLite format 3\x00":
                        raise DatabaseError(f"{self.path}: not an SQLite database")
        self._lock = threading.RLock()
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        self.conn = conn
        self._db: Database | None = None
        try:
            old_level = conn.isolation_level
            conn.isolation_level = None  # PRAGMAs below may not run inside a transaction
            if not memory:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-65536")
            conn.isolation_level = old_level
            self._migrate()
        except sqlite3.DatabaseError as e:
            conn.close()
            raise DatabaseError(f"{self.path}: cannot be opened as a database ({e})") from None
        self._dataset_cache: dict[str, Dataset] = {}
        self._ids = Ids(self._x)  # annotator_ids and span_labels, as committed
        self._next_unit_id: int | None = None  # the id the next unit of this transaction gets
        self._deferred: set[int] = set()  # unit ids given out by insert_document(defer_units=True), not yet written

    # ------------------------------------------------------------------ lifecycle
    @property
    def db(self) -> Database:
        """The sqlite-utils view of this connection (imported on first use: it is slow to
        import, and start-up to the first sentence must stay fast)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

    def _applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in the database, oldest first (plain SQL, so
        opening an up-to-date database needs no sqlite-utils import)."""
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        if not exists:
            return []
        rows = self.conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
        ).fetchall()
        return [r[0] for r in rows]

    def _migrate(self) -> None:
        applied = self._applied_migrations()
        if tuple(applied) == SHIPPED_MIGRATIONS and "annotator.store.migrations" not in sys.modules:
            return  # up to date: no need to load sqlite-utils and the migration code
        from annotator.store.migrations import known_names

        known = known_names()
        unknown = [n for n in applied if n not in known]
        if unknown:
            raise DatabaseError(
                f"{self.path}: written by a newer annotator (schema migration {unknown[-1]!r} "
                "is unknown to this version); upgrade annotator to open it"
            )
        if all(n in applied for n in known):
            return
        from annotator.store.migrations import migrations

        if applied and self.path != ":memory:":
            self._backup_before_upgrade(len(applied))
        with self._lock:
            migrations.apply(self.db)

    def _backup_before_upgrade(self, version: int) -> Path:
        """Copy the whole database aside before changing its schema."""
        target = Path(f"{self.path}.bak-v{version}")
        n = 1
        while target.exists():
            n += 1
            target = Path(f"{self.path}.bak-v{version}.{n}")
        dest = sqlite3.connect(str(target))
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        return target

    @property
    def schema_version(self) -> list[str]:
        return self._applied_migrations()

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self._lock:
            conn = self.conn
            if conn.in_transaction:
                yield self
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self._ids.clear()  # ids this transaction added are gone
                self._next_unit_id = None
                self._deferred.clear()
                raise
            else:
                self._next_unit_id = None
                if self._deferred:
                    missing = len(self._deferred)
                    self._deferred.clear()
                    conn.execute("ROLLBACK")
                    self._ids.clear()
                    raise RuntimeError(f"{missing} units given ids by insert_document(defer_units=True) were never"
                                       " written with insert_units; the transaction was rolled back")
                conn.execute("COMMIT")

    def _q(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self.conn.execute(sql, params)
            cols = [d[0] for d in cur.description] if cur.description else []
            return [dict(zip(cols, row)) for row in cur.fetchall()]  # type: ignore[misc]

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        rows = self._q(sql, params)
        return rows[0] if rows else None

    def _x(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def _iter(self, sql: str, params: Sequence[Any], batch: int = 2000) -> Iterator[dict[str, Any]]:
        """Stream rows keyset-paginated on ``id`` so memory stays flat. ``sql`` must select
        an ``id`` column, have ``AND <alias>.id > :after`` semantics via ``?`` last, and order
        by id."""
        after = -1
        while True:
            rows = self._q(sql, (*params, after, batch))
            if not rows:
                return
            yield from rows
            after = rows[-1]["id"]
            if len(rows) < batch:
                return

    # ------------------------------------------------------------------ datasets
    def ensure_dataset(self, name: str, scheme: str = "news", overlap: int = 1) -> Dataset:
        """The dataset called ``name``, created if it does not exist."""
        existing = self.get_dataset(name)
        if existing:
            return existing
        with self.write():
            self._x(
                "INSERT OR IGNORE INTO datasets (name, scheme, overlap, created) VALUES (?, ?, ?, ?)",
                (name, scheme, overlap, time.time()),
            )
        ds = self.get_dataset(name)
        assert ds is not None
        return ds

    def get_dataset(self, name: str) -> Dataset | None:
        row = self._one("SELECT * FROM datasets WHERE name = ?", (name,))
        if not row:
            return None
        return Dataset(
            id=row["id"], name=row["name"], scheme=row["scheme"], overlap=row["overlap"],
            created=row["created"], meta=json.loads(row["meta"] or "{}"),
        )

    def require_dataset(self, name: str) -> Dataset:
        ds = self.get_dataset(name)
        if ds is None:
            names = ", ".join(d.name for d in self.list_datasets()) or "none yet"
            raise UserError(f"{self.path}: no dataset {name!r} (datasets: {names})")
        return ds

    def list_datasets(self) -> list[Dataset]:
        rows = self._q("SELECT name FROM datasets ORDER BY id")
        return [d for r in rows if (d := self.get_dataset(r["name"]))]

    def set_dataset(self, name: str, *, overlap: int | None = None, scheme: str | None = None) -> Dataset:
        self.require_dataset(name)
        with self.write():
            if overlap is not None:
                if overlap < 0:
                    raise UserError("overlap must be 0 (everyone) or a positive number")
                self._x("UPDATE datasets SET overlap = ? WHERE name = ?", (overlap, name))
            if scheme is not None:
                self._x("UPDATE datasets SET scheme = ? WHERE name = ?", (scheme, name))
        return self.require_dataset(name)

    # ------------------------------------------------------------------ documents and units
    def insert_document(self, dataset: Dataset, doc: Document, units: Sequence[Unit], *,
                        defer_units: bool = False) -> int | None:
        """Add a document and its units; None when the same text is already in the dataset.
        Call inside :meth:`write` to make a whole file one transaction.

        The units are given their ids here (as SQLite would: after the largest), and ``id``,
        ``document_id`` and ``dataset`` are set on the ``units`` objects themselves, so the
        caller needs no read-back. ``defer_units=True`` writes only the document row: the
        units, with ids given, are written later in the same transaction by
        :meth:`insert_units` with their token bounds and record parts (an import computes
        those in worker processes); a transaction that commits before they are is rolled
        back."""
        assert dataset.id is not None
        if defer_units and not self.conn.in_transaction:
            raise RuntimeError("insert_document(defer_units=True) must run inside Store.write()")
        with self.write():
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
            first = self._next_unit_id
            if first is None:
                first = int(self._one("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM units")["n"])  # type: ignore[index]
            self._next_unit_id = first + len(units)
            for k, u in enumerate(units):
                u.id, u.document_id, u.dataset = first + k, doc_id, dataset.name
            if defer_units:
                self._deferred.update(range(first, first + len(units)))
                return doc_id
            self._write_units(dataset, doc_id, units, [
                unit_parts(text=u.text, offsets=None if u.tokens is None else [(t.start, t.end) for t in u.tokens],
                           unit_id=int(u.id or 0), document_id=doc_id, external_id=doc.external_id, title=doc.title,
                           position=u.position, start=u.start, end=u.end, meta=u.meta)
                for u in units])
            return doc_id

    def insert_units(self, dataset: Dataset, units: Sequence[Unit],
                     parts: Sequence[tuple[bytes, bytes | None, bytes | None]]) -> None:
        """Write units that :meth:`insert_document` gave ids with ``defer_units=True``, each
        with its (token bounds, head, tail) from :func:`annotator.record_parts.unit_parts`."""
        if len(units) != len(parts):
            raise ValueError(f"{len(units)} units but {len(parts)} parts")
        deferred = self._deferred
        for u in units:
            if u.id not in deferred:
                raise RuntimeError(f"unit {u.id} was not given its id by insert_document(defer_units=True)")
        with self.write():
            self._write_units(dataset, None, units, parts)
            deferred.difference_update(u.id for u in units)  # type: ignore[misc]

    def _write_units(self, dataset: Dataset, doc_id: int | None, units: Sequence[Unit],
                     parts: Sequence[tuple[bytes, bytes | None, bytes | None]]) -> None:
        rows = [
            (u.id, dataset.id, u.document_id if doc_id is None else doc_id, u.position, u.start, u.end, u.text,
             u.input_hash, _tokens.dump_json(u.tokens).decode() if u.tokens is not None else None,
             json.dumps(u.meta, ensure_ascii=False) if u.meta else None, bounds, head, tail)
            for u, (bounds, head, tail) in zip(units, parts)
        ]
        self._x_many(
            "INSERT INTO units (id, dataset_id, document_id, position, start, \"end\", text, input_hash, tokens,"
            " meta, token_bounds, export_head, export_tail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._x_many("INSERT INTO unit_extents (unit_id, dataset_id, head, token_bounds) VALUES (?, ?, ?, ?)",
                     [(r[0], r[1], UNIT_HEAD.pack(r[0], r[2], len(r[6])), r[10]) for r in rows])

    def _x_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self.conn.executemany(sql, rows)

    def document_id_by_hash(self, dataset: Dataset, content_hash: str) -> int | None:
        row = self._one(
            "SELECT id FROM documents WHERE dataset_id = ? AND content_hash = ?",
            (dataset.id, content_hash),
        )
        return row["id"] if row else None

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
            tokens=_tokens.validate_json(row["tokens"]) if row.get("tokens") else None,
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

    # ------------------------------------------------------------------ suggestions
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

    # ------------------------------------------------------------------ annotations
    def add_annotation(self, ann: Annotation) -> int:
        """Append a decision and make it the current one for (unit, annotator).
        Committed before this returns (unless inside an outer :meth:`write`)."""
        created = ann.created if ann.created is not None else time.time()
        with self.write():
            unit = self._one("SELECT dataset_id, input_hash, token_bounds, CASE WHEN token_bounds IS NULL"
                             " THEN text END AS text, tokens FROM units WHERE id = ?", (ann.unit_id,))
            if unit is None:
                raise UserError(f"no unit {ann.unit_id} in {self.path}")
            part, suffix = _decision_part(ann, unit, created) or (None, None)
            cur = self._x(
                "INSERT INTO annotations (unit_id, dataset_id, annotator, answer, spans, relations,"
                " created, time_spent, meta, export_part, export_meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ann.unit_id, unit["dataset_id"], ann.annotator, ann.answer, dump_spans(ann.spans),
                 dump_relations(ann.relations), created, ann.time_spent,
                 json.dumps(ann.meta, ensure_ascii=False), part, suffix),
            )
            ann_id = int(cur.lastrowid or 0)
            head, packed = packed_decision(ann.unit_id, self._ids.annotator(ann.annotator), ann.answer,
                                           [(s.start, s.end, s.label, s.layer) for s in ann.spans], self._ids.label)
            self._x(
                "INSERT INTO decisions (unit_id, annotator, dataset_id, annotation_id, answer, agree_head, agree_spans)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, annotator) DO UPDATE SET"
                " annotation_id = excluded.annotation_id, answer = excluded.answer,"
                " agree_head = excluded.agree_head, agree_spans = excluded.agree_spans",
                (ann.unit_id, ann.annotator, unit["dataset_id"], ann_id, ann.answer, head, packed),
            )
            self._x(
                "INSERT OR IGNORE INTO assignments (unit_id, annotator, dataset_id, assigned)"
                " VALUES (?, ?, ?, ?)",
                (ann.unit_id, ann.annotator, unit["dataset_id"], created),
            )
        return ann_id

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
        both the decision and an 'undo' row. Returns the unit to show again."""
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
            head, packed = packed_decision(unit_id, self._ids.annotator(annotator), previous["answer"],
                                           json_spans(previous["spans"]), self._ids.label)
            self._x(
                "UPDATE decisions SET annotation_id = ?, answer = ?, agree_head = ?, agree_spans = ?"
                " WHERE unit_id = ? AND annotator = ?",
                (previous["id"], previous["answer"], head, packed, unit_id, annotator),
            )
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

    # ------------------------------------------------------------------ the labelling queue
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

    # ------------------------------------------------------------------ gold
    def set_gold(self, gold: Gold) -> int:
        """Append an adjudicated version of a unit and make it current."""
        created = gold.created if gold.created is not None else time.time()
        with self.write():
            unit = self._one("SELECT dataset_id FROM units WHERE id = ?", (gold.unit_id,))
            if unit is None:
                raise UserError(f"no unit {gold.unit_id} in {self.path}")
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

    # ------------------------------------------------------------------ statistics
    def stats(self, dataset: str | None = None) -> dict[str, Any]:
        """Counts per dataset: documents, units, suggestions, decisions per annotator and
        answer, gold, progress."""
        out: dict[str, Any] = {"database": self.path, "datasets": []}
        for ds in self.list_datasets():
            if dataset is not None and ds.name != dataset:
                continue
            c = self._one(
                "SELECT (SELECT COUNT(*) FROM documents WHERE dataset_id = :d) AS documents,"
                " (SELECT COUNT(*) FROM units WHERE dataset_id = :d) AS units,"
                " (SELECT COUNT(*) FROM gold_current WHERE dataset_id = :d) AS gold,"
                " (SELECT COUNT(DISTINCT unit_id) FROM decisions WHERE dataset_id = :d) AS units_decided",
                {"d": ds.id},
            ) or {}
            per: dict[str, dict[str, int]] = {}
            for r in self._q(
                "SELECT annotator, answer, COUNT(*) AS n FROM decisions WHERE dataset_id = ?"
                " GROUP BY annotator, answer ORDER BY annotator, answer",
                (ds.id,),
            ):
                per.setdefault(r["annotator"], {"accept": 0, "reject": 0, "ignore": 0})[r["answer"]] = r["n"]
            annotators = []
            for name, answers in per.items():
                done, total = self.progress(ds.name, name)
                annotators.append({"annotator": name, **answers, "done": done, "total": total})
            units = int(c.get("units", 0))
            out["datasets"].append({
                "name": ds.name, "scheme": ds.scheme, "overlap": ds.overlap,
                "documents": int(c.get("documents", 0)), "units": units,
                "units_decided": int(c.get("units_decided", 0)), "gold": int(c.get("gold", 0)),
                "progress": round(int(c.get("units_decided", 0)) / units, 4) if units else 0.0,
                "annotators": annotators,
                "suggesters": [{"suggester": s, "version": v, "units": n} for s, v, n in self.suggesters(ds.name)],
            })
        return out

    def integrity_check(self) -> str:
        row = self._one("PRAGMA integrity_check")
        return str(next(iter(row.values()))) if row else "unknown"


def open_store(path: str | Path | None = None, *, create: bool = True, durable: bool = True) -> Store:
    """Open (creating and migrating as needed) the database at ``path`` or the default."""
    return Store(path or default_db_path(), create=create, durable=durable)


__all__ = ["DEFAULT_DB", "MIGRATION_SET", "Store", "default_db_path", "open_store"]
