"""Schema migrations, recorded in the database by sqlite-utils' ``Migrations``.

Append new migrations at the end; never edit one that has shipped. A database that records a
migration this code does not know was written by a newer annotator and is refused.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from annotator.store.schema import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            scheme TEXT NOT NULL DEFAULT 'news',
            overlap INTEGER NOT NULL DEFAULT 1 CHECK (overlap >= 0),
            created REAL NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            title TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            external_id TEXT,
            content_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            created REAL NOT NULL,
            UNIQUE (dataset_id, content_hash)
        );
        CREATE INDEX documents_external ON documents(dataset_id, external_id);
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            document_id INTEGER NOT NULL REFERENCES documents(id),
            position INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            input_hash INTEGER NOT NULL,
            tokens TEXT,
            meta TEXT,
            UNIQUE (document_id, position)
        );
        CREATE INDEX units_dataset ON units(dataset_id, id);
        CREATE INDEX units_input_hash ON units(input_hash);
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            suggester TEXT NOT NULL,
            version TEXT NOT NULL,
            spans TEXT NOT NULL DEFAULT '[]',
            relations TEXT NOT NULL DEFAULT '[]',
            created REAL NOT NULL,
            UNIQUE (unit_id, suggester)
        );
        -- Every decision ever made; rows are never updated or deleted (triggers below).
        -- An 'undo' row reverts the row named in `reverts`.
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            annotator TEXT NOT NULL,
            answer TEXT NOT NULL CHECK (answer IN ('accept', 'reject', 'ignore', 'undo')),
            spans TEXT NOT NULL DEFAULT '[]',
            relations TEXT NOT NULL DEFAULT '[]',
            created REAL NOT NULL,
            time_spent REAL,
            reverts INTEGER REFERENCES annotations(id),
            meta TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX annotations_unit ON annotations(unit_id, annotator, id);
        CREATE INDEX annotations_annotator ON annotations(dataset_id, annotator, id);
        CREATE TRIGGER annotations_append_only_update BEFORE UPDATE ON annotations
        BEGIN SELECT RAISE(ABORT, 'annotations are append-only'); END;
        CREATE TRIGGER annotations_append_only_delete BEFORE DELETE ON annotations
        BEGIN SELECT RAISE(ABORT, 'annotations are append-only'); END;
        -- The current decision per (unit, annotator): an index over the history above.
        CREATE TABLE decisions (
            unit_id INTEGER NOT NULL REFERENCES units(id),
            annotator TEXT NOT NULL,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            annotation_id INTEGER NOT NULL REFERENCES annotations(id),
            answer TEXT NOT NULL,
            PRIMARY KEY (unit_id, annotator)
        ) WITHOUT ROWID;
        CREATE INDEX decisions_annotator ON decisions(dataset_id, annotator, unit_id);
        -- Who was handed which unit (the labelling queue honours the dataset's overlap).
        CREATE TABLE assignments (
            unit_id INTEGER NOT NULL REFERENCES units(id),
            annotator TEXT NOT NULL,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            assigned REAL NOT NULL,
            PRIMARY KEY (unit_id, annotator)
        ) WITHOUT ROWID;
        CREATE INDEX assignments_annotator ON assignments(dataset_id, annotator, unit_id);
        -- Adjudicated versions; append-only like annotations, `reverts` for undo.
        CREATE TABLE gold (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            answer TEXT NOT NULL CHECK (answer IN ('accept', 'reject', 'ignore', 'undo')),
            spans TEXT NOT NULL DEFAULT '[]',
            relations TEXT NOT NULL DEFAULT '[]',
            adjudicator TEXT NOT NULL,
            sources TEXT NOT NULL DEFAULT '[]',
            created REAL NOT NULL,
            reverts INTEGER REFERENCES gold(id)
        );
        CREATE INDEX gold_unit ON gold(unit_id, id);
        CREATE TRIGGER gold_append_only_update BEFORE UPDATE ON gold
        BEGIN SELECT RAISE(ABORT, 'gold history is append-only'); END;
        CREATE TRIGGER gold_append_only_delete BEFORE DELETE ON gold
        BEGIN SELECT RAISE(ABORT, 'gold history is append-only'); END;
        CREATE TABLE gold_current (
            unit_id INTEGER PRIMARY KEY REFERENCES units(id),
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            gold_id INTEGER NOT NULL REFERENCES gold(id)
        );
        CREATE INDEX gold_current_dataset ON gold_current(dataset_id, unit_id);
        """
    )


@migrations()
def m002_export_parts(db: Database) -> None:
    """What export and agreement would otherwise recompute for every record, kept once with
    its row: ``units.token_bounds`` (the packed token (start, end) pairs), ``export_head`` and
    ``export_tail`` (the unit's parts of an exported JSONL record), ``annotations.export_part``
    and ``export_meta`` (the decision's part, and its metadata's); see
    :mod:`annotator.record_parts`. Rows from before stay NULL and are tokenized and encoded
    when read, as they always were."""
    db.execute("ALTER TABLE units ADD COLUMN token_bounds BLOB")
    db.execute("ALTER TABLE units ADD COLUMN export_head BLOB")
    db.execute("ALTER TABLE units ADD COLUMN export_tail BLOB")
    db.execute("ALTER TABLE annotations ADD COLUMN export_part BLOB")
    db.execute("ALTER TABLE annotations ADD COLUMN export_meta BLOB")


@migrations()
def m003_agreement_columns(db: Database) -> None:
    """What ``annotator agree --dataset`` would otherwise read and parse from every decision's
    row, kept in binary form with the current decision: ``decisions.agree_head`` and
    ``agree_spans``, with the ids they use (``annotator_ids``, ``span_labels``); see
    :mod:`annotator.store.agreement_rows`. Decisions already stored are filled in here."""
    from annotator.store.agreement_rows import backfill

    db.execute("CREATE TABLE annotator_ids (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
    db.execute(
        "CREATE TABLE span_labels (id INTEGER PRIMARY KEY, layer TEXT NOT NULL, label TEXT NOT NULL,"
        " UNIQUE (layer, label))"
    )
    db.execute("ALTER TABLE decisions ADD COLUMN agree_head BLOB")
    db.execute("ALTER TABLE decisions ADD COLUMN agree_spans BLOB")
    backfill(db.conn.execute, db.conn.executemany)


@migrations()
def m004_unit_extents(db: Database) -> None:
    """What ``annotator agree --dataset`` needs of each unit, in a narrow table of its own:
    ``unit_extents`` holds the unit's packed head (id, document, length) and its token bounds,
    so reading a million units does not walk the wide ``units`` rows (text, record parts). Units
    already stored are filled in here; see :mod:`annotator.store.agreement_rows`."""
    from annotator.store.agreement_rows import backfill_units

    db.execute(
        "CREATE TABLE unit_extents (unit_id INTEGER PRIMARY KEY REFERENCES units(id),"
        " dataset_id INTEGER NOT NULL, head BLOB NOT NULL, token_bounds BLOB)"
    )
    backfill_units(db.conn.execute, db.conn.executemany)


@migrations()
def m005_leases(db: Database) -> None:
    """Units are leased, not assigned for ever: ``leases`` holds who was handed which unit
    until when (``expires``, seconds since the epoch); a lease that ran out holds nothing.
    ``assignments`` goes: its rows were permanent reservations, and an undecided one kept a
    unit from its other annotators (a decided one is already counted by ``decisions``)."""
    db.execute(
        "CREATE TABLE leases (unit_id INTEGER NOT NULL REFERENCES units(id), annotator TEXT NOT NULL,"
        " dataset_id INTEGER NOT NULL REFERENCES datasets(id), expires REAL NOT NULL,"
        " PRIMARY KEY (unit_id, annotator)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX leases_annotator ON leases(dataset_id, annotator, unit_id)")
    db.execute("DROP TABLE assignments")


@migrations()
def m007_imports(db: Database) -> None:
    """Imports written in short transactions: an import stages a file's rows under a hidden
    dataset of its own (``imports.staging_id``) and moves them into the target dataset when
    the file is complete, so that a file that fails or is killed half-way is never visible.
    ``unit_hi`` is the largest unit id the import has handed out (the units are written after
    their suggestions are computed), so that no other writer takes those ids. Rows of a
    staging dataset may be moved or removed; every other decision stays append-only."""
    db.executescript(
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            staging_id INTEGER NOT NULL UNIQUE REFERENCES datasets(id),
            source TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'writing' CHECK (state IN ('writing', 'publishing')),
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started REAL NOT NULL,
            touched REAL NOT NULL,
            unit_hi INTEGER NOT NULL DEFAULT 0
        );
        DROP TRIGGER annotations_append_only_update;
        DROP TRIGGER annotations_append_only_delete;
        CREATE TRIGGER annotations_append_only_update BEFORE UPDATE ON annotations
        WHEN NOT EXISTS (SELECT 1 FROM imports WHERE staging_id = OLD.dataset_id)
        BEGIN SELECT RAISE(ABORT, 'annotations are append-only'); END;
        CREATE TRIGGER annotations_append_only_delete BEFORE DELETE ON annotations
        WHEN NOT EXISTS (SELECT 1 FROM imports WHERE staging_id = OLD.dataset_id)
        BEGIN SELECT RAISE(ABORT, 'annotations are append-only'); END;
        """
    )


#: What ``m008`` drops (the same for PostgreSQL).
_M008_DROP = """
ALTER TABLE units DROP COLUMN token_bounds;
DROP INDEX units_input_hash;
DROP INDEX annotations_annotator;
"""


@migrations()
def m008_compact_parts(db: Database) -> None:
    """Export parts at a third of their size, and nothing written twice: new heads, tails,
    decision parts and suggestions are written compact (:class:`annotator.record_parts.Shorthand`;
    plain ones stored before read back the same, the units' are rewritten compact here);
    ``units.token_bounds`` goes (``unit_extents`` holds the same bounds), and two indexes no
    query uses (``units_input_hash``, ``annotations_annotator``: the staged import's moves go
    by unit id)."""
    from annotator.store.caches import compact_unit_parts

    db.executescript(_M008_DROP)
    compact_unit_parts(db.conn.execute, db.conn.executemany)


#: What ``m009`` changes (the same for PostgreSQL).
_M009 = """
DROP INDEX documents_external;
CREATE INDEX documents_external ON documents(dataset_id, external_id) WHERE external_id IS NOT NULL;
"""


@migrations()
def m009_external_ids_only(db: Database) -> None:
    """``documents_external`` holds only documents with an external id (a look-up by one is
    all it serves), so that a query by dataset and content hash cannot take it for the
    dataset's index of hashes: PostgreSQL's planner, told by statistics that the dataset an
    import publishes into is still empty, walked every document of it this way for each
    document published (minutes for 50,000). A smaller index for imports to write, too."""
    db.executescript(_M009)


#: What ``m010`` creates (PostgreSQL: the same in its types).
_M010 = """
CREATE TABLE label_sessions (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    annotator TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started REAL NOT NULL,
    seen REAL NOT NULL
);
CREATE INDEX label_sessions_annotator ON label_sessions(dataset_id, annotator);
"""


@migrations()
def m010_label_sessions(db: Database) -> None:
    """The labelling screens open on each dataset, under whose name, where (host, pid), and
    when last heard from: two screens under one name take the same units (their leases are
    the name's), so the second is told of the first (``store/label_sessions.py``)."""
    db.executescript(_M010)


#: What ``m011`` adds (PostgreSQL: the same in its types).
_M011 = """
ALTER TABLE label_sessions ADD COLUMN screen TEXT NOT NULL DEFAULT 'label' CHECK (screen IN ('label', 'review'));
ALTER TABLE label_sessions ADD COLUMN unit_id INTEGER;
"""


@migrations()
def m011_review_sessions(db: Database) -> None:
    """Review screens are recorded beside the labelling screens, with the unit each shows:
    two leads reviewing one dataset are told of each other and each goes on past the unit
    the other is on (``store/label_sessions.py``)."""
    db.executescript(_M011)


def known_names() -> list[str]:
    return [m.name for m in migrations._migrations]
