"""`annotator dataset`: list datasets, change their settings (overlap), release leased units."""

from __future__ import annotations

import json

import click

from annotator.cli import db_option


@click.group()
def dataset() -> None:
    """List datasets and change their settings."""


@dataset.command("set")
@db_option
@click.argument("name")
@click.option("--overlap", type=int, default=None, metavar="K",
              help="Annotators per unit (0 means every annotator sees every unit).")
@click.option("--guidelines", "guidelines", default=None, metavar="FILE.md",
              type=click.Path(exists=True, dir_okay=False),
              help="Markdown guidelines shown by G in the labelling UI; their version is stored on each decision.")
def set_cmd(db_path: str, name: str, overlap: int | None, guidelines: str | None = None) -> None:
    """Change a dataset's settings, e.g. how many annotators label each unit."""
    from annotator.errors import UserError
    from annotator.store import open_store

    if guidelines is not None:
        from pathlib import Path

        from annotator.store.session_queries import set_dataset_guidelines

        store = open_store(db_path, create=False)
        set_dataset_guidelines(store, name, str(Path(guidelines).resolve()))
        click.echo(f"{name}: guidelines {Path(guidelines).resolve()}")
        if overlap is None:
            return
    if overlap is None:
        raise click.UsageError("nothing to set (give --overlap K or --guidelines FILE.md)")
    if overlap < 0:
        raise UserError("overlap must be 0 (everyone) or a positive number")
    store = open_store(db_path, create=False)
    before = store.require_dataset(name)
    after = store.set_dataset(name, overlap=overlap)
    who = "every annotator" if after.overlap == 0 else f"{after.overlap} annotator(s)"
    click.echo(f"{name}: overlap {before.overlap} -> {after.overlap} ({who} per unit)")


@dataset.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(db_path: str, as_json: bool) -> None:
    """The datasets in the database with their scheme, overlap and size."""
    from annotator.store import open_store

    store = open_store(db_path, create=False)
    rows = [
        {"name": ds.name, "scheme": ds.scheme, "overlap": ds.overlap, "units": store.count_units(ds.name),
         "annotators": store.annotators(ds.name)}
        for ds in store.list_datasets()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"{store.path}: no datasets yet (run `annotator import`)")
        return
    for r in rows:
        click.echo(f"{r['name']}\tscheme={r['scheme']}\toverlap={r['overlap']}\tunits={r['units']}"
                   f"\tannotators={len(r['annotators'])}")


@dataset.command("release")
@db_option
@click.argument("name")
@click.option("--annotator", default=None, help="Only the units this annotator holds (default: everyone's).")
def release_cmd(db_path: str, name: str, annotator: str | None) -> None:
    """Give back the units leased to an annotator (or to everyone) and not yet decided, so
    that others can label them now instead of when the leases run out."""
    from annotator.store import open_store

    store = open_store(db_path, create=False)
    freed = store.release(name, annotator)
    who = f"held by {annotator}" if annotator is not None else "held"
    click.echo(f"{name}: released {freed} unit{'' if freed == 1 else 's'} {who}")
