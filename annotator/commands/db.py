"""``annotator db``: whole-database tasks — copying a project between SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from annotator.store import Store


@click.group()
def db() -> None:
    """Whole-database tasks (copy between SQLite files and PostgreSQL databases)."""


class _Digest:
    """A write-only text stream (with a binary ``buffer``) that only hashes what it is given."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.buffer = self

    def write(self, data: Any) -> int:
        self.sha.update(data.encode("utf-8") if isinstance(data, str) else data)
        return len(data)

    def flush(self) -> None:
        pass


def export_digests(store: Store) -> dict[str, str]:
    """SHA-256 of each dataset's ``annotator export --format jsonl`` (every current decision)."""
    from annotator.exporting import ExportOptions, export

    out = {}
    for ds in store.list_datasets():
        sink = _Digest()
        export(store, ds.name, "jsonl", "-", ExportOptions(), stdout=sink)
        out[ds.name] = sink.sha.hexdigest()
    return out


@db.command("copy")
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def copy_cmd(src: str, dst: str, quiet: bool) -> None:
    """Copy the whole database SRC into the new, empty DST.

    Each is an SQLite file or a postgresql://user@host:port/name URL, so a project moves
    from SQLite to PostgreSQL and back. The copy is checked: every table holds as many rows
    on both sides, and every dataset's `export --format jsonl` is byte for byte the same.
    """
    from annotator.errors import DatabaseError
    from annotator.store import open_store
    from annotator.store.copying import copy_database, count_rows
    from annotator.store.dialect import database_missing

    if database_missing(src):
        raise DatabaseError(f"{src}: no such database")
    with open_store(src, create=False) as source, open_store(dst) as target:
        if quiet:
            counts = copy_database(source, target)
        else:
            with click.progressbar(length=count_rows(source), label="Copying", file=sys.stderr) as bar:
                counts = copy_database(source, target, progress=bar.update)
        before, after = export_digests(source), export_digests(target)
        if before != after:
            bad = next(name for name in before if before[name] != after.get(name))
            raise DatabaseError(f"{target.path}: dataset {bad!r} exports differently from {source.path} after the copy")
        if not quiet:
            click.echo(f"{sum(counts.values())} rows in {len(counts)} tables copied from {source.path} to "
                       f"{target.path}; {len(before)} dataset(s) export the same JSONL on both", err=True)


@db.command("grant")
@click.argument("role")
@click.option("--annotate", "right", flag_value="annotate", help="Label: write only one's own decisions.")
@click.option("--adjudicate", "right", flag_value="adjudicate", help="Also write gold (as oneself).")
@click.option("--lead", "right", flag_value="lead", help="Write everything: import, suggest, datasets.")
@click.option("--db", "db_path", envvar="ANNOTATOR_DB", required=True, metavar="URL",
              help="The PostgreSQL database (postgresql://...), as its owner with CREATEROLE, or a superuser.")
def grant_cmd(role: str, right: str | None, db_path: str) -> None:
    """Let the PostgreSQL role ROLE work on the database: --annotate, --adjudicate or --lead.

    The role is created (able to log in) if it does not exist; an annotator connects as
    it (postgresql://ROLE@host/name) and labels under that name. Row-level security keeps
    each role to its own decisions, gold to adjudicators, everything else to leads. Run it
    again after an upgrade that adds tables.
    """
    from annotator.store import open_store
    from annotator.store.roles import grant

    if right is None:
        raise click.UsageError("say what ROLE may do: --annotate, --adjudicate or --lead")
    with open_store(db_path, create=False) as store:
        for line in grant(store, role, right):
            click.echo(line)
