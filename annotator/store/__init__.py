"""The store: the only code that speaks SQL (SQLite through sqlite-utils).

One :class:`Store` per process holds one connection. Writes go through :meth:`Store.write`
(``BEGIN IMMEDIATE``) so that many processes can share one file in WAL mode without
"database is locked" upgrades; every decision is committed before the call returns.

Layout (each module one group of tables, on top of the plumbing):

- :mod:`~annotator.store.connection`: opening, PRAGMAs, migrations, ``write()``, query helpers;
- :mod:`~annotator.store.caches`: every cache written with a row (export parts, packed
  agreement columns, unit extents);
- :mod:`~annotator.store.datasets`, :mod:`~annotator.store.units` (documents and units),
  :mod:`~annotator.store.suggestions`, :mod:`~annotator.store.decisions` (annotations and
  current decisions), :mod:`~annotator.store.gold`, :mod:`~annotator.store.leases` (the
  labelling queue), :mod:`~annotator.store.stats`, :mod:`~annotator.store.imports` (a file
  written in short transactions under a hidden dataset, visible once whole);
- one reader of current decisions, :meth:`Store.current_decisions` (batches of plain tuples
  by dataset, unit-id range, annotator, answers, document), under ``iter_annotations`` and the
  exporters' :mod:`~annotator.store.rows`; :mod:`~annotator.store.agreement_rows` reads the
  packed agreement columns; :mod:`~annotator.store.codec`: the JSON columns;
  :mod:`~annotator.store.migrations` and :mod:`~annotator.store.schema`: the schema.
"""

from __future__ import annotations

from pathlib import Path

from annotator.store.codec import dump_relations, dump_spans, load_relations, load_spans
from annotator.store.connection import BUSY_TIMEOUT_S, DEFAULT_DB, default_db_path
from annotator.store.gold import GoldTables
from annotator.store.imports import ImportTables
from annotator.store.schema import MIGRATION_SET
from annotator.store.stats import StatsTables
from annotator.store.suggestions import suggestion_json


class Store(ImportTables, StatsTables, GoldTables):
    """A labelling database. Use :func:`open_store` to get one."""


def open_store(path: str | Path | None = None, *, create: bool = True, durable: bool = True) -> Store:
    """Open (creating and migrating as needed) the database at ``path`` or the default."""
    return Store(path or default_db_path(), create=create, durable=durable)


__all__ = [
    "BUSY_TIMEOUT_S", "DEFAULT_DB", "MIGRATION_SET", "Store", "default_db_path", "dump_relations", "dump_spans",
    "load_relations", "load_spans", "open_store", "suggestion_json",
]
