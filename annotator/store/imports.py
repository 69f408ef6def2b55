"""The ``imports`` table: a file imported in short slices, visible only once whole.

Each slice of writes holds the write lock briefly
(:meth:`~annotator.store.connection.Connection.sliced_writes`), so other writers wait tens of
milliseconds, not the whole file. A running import has a row in ``imports`` (its heartbeat,
the unit ids it has reserved) and a hidden staging dataset (a ``datasets`` row that
:meth:`list_datasets` leaves out, and that every reader, keyed by dataset, passes by).

On SQLite each slice is its own transaction: the file's documents, units, their caches,
suggestions and decisions are staged under the staging dataset. When the file is complete its
rows are moved into the target dataset, a few thousand units per transaction, document by
document; a file that fails is removed the same way. An import killed half-way leaves a staging
dataset nobody reads; the next import removes it (or, if it was killed while moving its rows,
finishes the move).

On PostgreSQL the file is one transaction written into the target dataset itself (the staging
dataset stays empty): MVCC hides it until COMMIT, and moving rows would leave a dead version of
each one behind. Between slices it lets go of the write lock rather than committing.

Two imports into one dataset take turns on both engines (PostgreSQL: a session-level advisory
lock per dataset, as the second would otherwise wait, holding the write lock, for the first's
uncommitted documents; SQLite: the second waits while the ``imports`` table has a live import
into the dataset). The later one then finds the documents both bring in the dataset and adds
its decisions and suggestions to them.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from annotator.models import Dataset
from annotator.store.lock_holder import process_alive
from annotator.store.units import UnitTables

#: Units moved or removed per transaction at first; adjusted to take about ``_CHUNK_S``.
_CHUNK_UNITS = 2000
_CHUNK_S = 0.03
#: An import not heard from for this long (no commit) is taken as dead, whatever its pid.
STALE_S = 600.0
#: How often an import waiting for its turn at a dataset (SQLite) looks again.
_TURN_POLL_S = 0.2
#: Prefix of the name of a staging dataset (not a name anyone types).
STAGING_PREFIX = "\x1fimport "


class ImportTables(UnitTables):
    """Imports that appear whole or not at all."""

    @contextmanager
    def importing(self, dataset: Dataset, source: str) -> Iterator[Dataset]:
        """Write one file into ``dataset``: yields the dataset to write to (with
        :meth:`insert_document` and the rest, in sliced transactions: call :meth:`checkpoint`
        between documents), whose rows nobody else sees until the file is complete. On any
        exception what was written is removed and the exception propagates.

        On SQLite that is a staging dataset, whose rows are moved into ``dataset`` at the
        end. On PostgreSQL it is ``dataset`` itself, written as one transaction (MVCC hides
        it; moving rows would leave a dead version of each until ``VACUUM``, and take a fifth
        to a third of the import's time); one import into a dataset at a time."""
        assert dataset.id is not None
        if self.engine != "postgresql":
            with self._staged(dataset, source) as staging:
                yield staging
            return
        self.clean_stale_imports()
        if not self._run("SELECT 1", lambda: self.conn.hold_imports(dataset.id, wait=False)):  # type: ignore[attr-defined]
            if self.on_import_wait is not None:
                self.on_import_wait(f"another import into dataset {dataset.name!r} is running: waiting for it to finish")
            self._run("SELECT 1", lambda: self.conn.hold_imports(dataset.id))  # type: ignore[attr-defined]
        try:
            begun = self._begin_import(dataset, source)  # its staging dataset stays empty
            assert begun is not None
            import_id, staging_id = begun
            try:
                with self.sliced_writes(one_transaction=True):
                    yield dataset
                    self._check_units_written()
            finally:
                self._forget_import()
                self._discard_import(import_id, staging_id)  # its record: the rows are in, or rolled back
        finally:
            if not self._closed():
                self.conn.release_imports(dataset.id)  # type: ignore[attr-defined]

    def _begin_import(self, dataset: Dataset, source: str, *, alone: bool = False) -> tuple[int, int] | None:
        """The ``imports`` row of a new import and its (hidden) staging dataset; their ids.
        The import is this connection's running import until :meth:`_forget_import`.
        ``alone``: only if no other import into ``dataset`` is running (None if one is)."""
        now = time.time()
        with self.write():
            if alone and self._one("SELECT 1 AS x FROM imports WHERE dataset_id = ?", (dataset.id,)) is not None:
                return None
            cur = self._x(
                "INSERT INTO datasets (name, scheme, overlap, created) VALUES (?, ?, ?, ?)",
                (STAGING_PREFIX + uuid.uuid4().hex, dataset.scheme, dataset.overlap, now),
            )
            staging_id = int(cur.lastrowid or 0)
            cur = self._x(
                "INSERT INTO imports (dataset_id, staging_id, source, host, pid, started, touched)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (dataset.id, staging_id, source, socket.gethostname(), os.getpid(), now, now),
            )
            import_id = int(cur.lastrowid or 0)
        self._import = (import_id, dataset.id, staging_id, dataset.name)
        self._unit_block = None
        return import_id, staging_id

    def _check_units_written(self) -> None:
        if self._deferred:
            raise RuntimeError(f"{len(self._deferred)} units given ids by insert_document(defer_units=True)"
                               " were never written with insert_units")

    def _forget_import(self) -> None:
        """The running import has ended: what it handed out goes with it."""
        self._import = None
        self._unit_block = None
        self._import_first_unit = None
        self._deferred.clear()

    @contextmanager
    def _staged(self, dataset: Dataset, source: str) -> Iterator[Dataset]:
        """SQLite's import: written under the staging dataset in short transactions, then moved.
        Imports into one dataset take turns, as on PostgreSQL: a document both bring is then
        found in the dataset by the later one, which adds its decisions to it (staged side by
        side, the later one's copy stayed behind at the move, decisions and all)."""
        assert dataset.id is not None
        told = False
        while True:
            self.clean_stale_imports()
            begun = self._begin_import(dataset, source, alone=True)
            if begun is not None:
                break
            if not told and self.on_import_wait is not None:
                told = True
                self.on_import_wait(f"another import into dataset {dataset.name!r} is running: waiting for it to finish")
            time.sleep(_TURN_POLL_S)
        import_id, staging_id = begun
        try:
            with self.sliced_writes():
                yield dataset.model_copy(update={"id": staging_id})
                self._check_units_written()
        except BaseException:
            self._forget_import()
            self._discard_import(import_id, staging_id)
            raise
        self._forget_import()
        self._publish_import(import_id, dataset.id, staging_id)

    def clean_stale_imports(self) -> int:
        """Remove what imports that died left (or finish moving it, if they died while
        moving their rows into place); the number of imports cleaned."""
        cleaned = 0
        rows = self._q("SELECT id, dataset_id, staging_id, state, host, pid, touched FROM imports")
        now = time.time()
        for r in rows:
            if self._import is not None and r["id"] == self._import[0]:
                continue
            if process_alive(r["host"], r["pid"]) and now - r["touched"] < STALE_S:
                continue
            if r["state"] == "publishing":
                self._publish_import(r["id"], r["dataset_id"], r["staging_id"])
            else:
                self._discard_import(r["id"], r["staging_id"])
            cleaned += 1
        return cleaned

    def _unit_tables(self) -> tuple[str, ...]:
        """Tables other than ``units`` with a ``dataset_id`` and a ``unit_id`` per row (the
        schema is always migrated to the current version when a store opens)."""
        return ("unit_extents", "annotations", "decisions", "leases")

    def _chunks(self, staging_id: int) -> Iterator[tuple[int, int, int, int]]:
        """(first, last) unit ids of the next staged units, whole documents, about
        ``_CHUNK_S`` of work each, and the (lowest, highest) id of their documents; the
        caller moves or removes them before asking again. (No MIN or MAX over an index here:
        PostgreSQL answers one by walking an index in order from its end, through every row
        published before.)"""
        n = _CHUNK_UNITS
        after = 0
        while True:
            began = time.monotonic()
            ids = self._tuples(
                "SELECT id, document_id FROM units WHERE dataset_id = ? AND id > ? ORDER BY id LIMIT ?",
                (staging_id, after, n))
            if not ids:
                return
            lo, hi = ids[0][0], ids[-1][0]
            if len(ids) == n:  # the last document may go on: take it whole
                hi = max(hi, *(int(r[0]) for r in self._tuples("SELECT id FROM units WHERE document_id = ?",
                                                                (ids[-1][1],))))
            docs = [int(r[1]) for r in ids]
            yield lo, hi, min(docs), max(docs)
            after = hi
            took = time.monotonic() - began
            n = max(100, min(50_000, int(n * _CHUNK_S / took))) if took > 0 else n

    def _publish_import(self, import_id: int, dataset_id: int, staging_id: int) -> None:
        """Move a complete import's rows into its dataset, whole documents per transaction.
        Each chunk's statements go by primary key ranges (no join whose cost grows with the
        rows already moved); a document that came into the dataset meanwhile (imports take
        turns, so not from another import) stays behind, with its units and their rows, and
        is removed with the staging dataset."""
        with self.write():
            self._x("UPDATE imports SET state = 'publishing', touched = ? WHERE id = ?", (time.time(), import_id))
        tables = self._unit_tables()
        for lo, hi, *docs in self._chunks(staging_id):
            with self.write():
                # one look-up of the target's unique (dataset, hash) index per document
                behind = [int(r[0]) for r in self._tuples(
                    "SELECT id, (SELECT 1 FROM documents t WHERE t.dataset_id = ? AND t.content_hash = s.content_hash)"
                    " FROM documents s WHERE s.id BETWEEN ? AND ? AND s.dataset_id = ?",
                    (dataset_id, docs[0], docs[1], staging_id)) if r[1] is not None]
                keep = f" AND document_id NOT IN ({', '.join('?' * len(behind))})" if behind else ""
                self._x(f"UPDATE documents SET dataset_id = ? WHERE id BETWEEN ? AND ? AND dataset_id = ?"
                        f"{keep.replace('document_id', 'id')}", (dataset_id, docs[0], docs[1], staging_id, *behind))
                self._x(f"UPDATE units SET dataset_id = ? WHERE dataset_id = ? AND id BETWEEN ? AND ?{keep}",
                        (dataset_id, staging_id, lo, hi, *behind))
                # '+dataset_id': by unit id, not through a (dataset, …) index that would walk
                # every staged row for each chunk
                moved = (" AND unit_id IN (SELECT id FROM units WHERE dataset_id = ? AND id BETWEEN ? AND ?)"
                         if behind else "")
                for t in tables:
                    self._x(f"UPDATE {t} SET dataset_id = ? WHERE +dataset_id = ? AND unit_id BETWEEN ? AND ?{moved}",
                            (dataset_id, staging_id, lo, hi, *((dataset_id, lo, hi) if behind else ())))
                self._x("UPDATE imports SET touched = ? WHERE id = ?", (time.time(), import_id))
        self._discard_import(import_id, staging_id)  # what stayed behind, and the staging dataset

    def _discard_import(self, import_id: int, staging_id: int) -> None:
        """Remove an import's staged rows, a chunk per transaction, then the import itself."""
        tables = self._unit_tables()
        for lo, hi, _, _ in self._chunks(staging_id):
            with self.write():
                staged = "(SELECT id FROM units WHERE dataset_id = ? AND id BETWEEN ? AND ?)"
                self._x(f"DELETE FROM suggestions WHERE unit_id BETWEEN ? AND ? AND unit_id IN {staged}",
                        (lo, hi, staging_id, lo, hi))
                for t in ("decisions", *(t for t in tables if t != "decisions")):
                    if t in tables:
                        self._x(f"DELETE FROM {t} WHERE +dataset_id = ? AND unit_id BETWEEN ? AND ?", (staging_id, lo, hi))
                self._x("DELETE FROM units WHERE dataset_id = ? AND id BETWEEN ? AND ?", (staging_id, lo, hi))
        while True:
            with self.write():
                cur = self._x("DELETE FROM documents WHERE id IN (SELECT id FROM documents WHERE dataset_id = ? LIMIT ?)",
                              (staging_id, _CHUNK_UNITS))
            if cur.rowcount < _CHUNK_UNITS:
                break
        with self.write():
            self._x("DELETE FROM imports WHERE id = ?", (import_id,))
            self._x("DELETE FROM datasets WHERE id = ?", (staging_id,))
