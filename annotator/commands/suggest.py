"""`annotator suggest`: run the suggesters over a dataset's units and store what they propose."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from annotator.cli import db_option

BATCH = 512


@click.command("suggest")
@db_option
@click.option("--dataset", default=None, help="Dataset to suggest for (default: the most recent).")
@click.option("--model", default=None, help="spaCy pipeline to add (installed package name or path).")
@click.option("--patterns", type=click.Path(dir_okay=False), default=None, help="JSONL file of token/phrase patterns.")
@click.option("--gazetteer/--no-gazetteer", default=True, show_default=True,
              help="Match names already accepted in the dataset (gold and accepted annotations).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def suggest(db_path: str, dataset: str | None, model: str | None, patterns: str | None, gazetteer: bool, quiet: bool) -> None:
    """Run the suggesters over every unit of a dataset and store their spans.

    One row per unit and suggester (with its name and version) replaces the previous one,
    so running it again after new gold refreshes the gazetteer's suggestions.
    """
    from annotator.errors import UserError
    from annotator.schemes import load_scheme
    from annotator.store import open_store
    from annotator.suggest import build_suggesters
    from annotator.suggest.gazetteer import names_from_store
    from annotator.store.dialect import database_missing

    if database_missing(db_path):
        raise UserError(f"{db_path}: no such database (import articles first: annotator import FILE)")
    store = open_store(db_path, create=False)
    if dataset is None:
        datasets = store.list_datasets()
        if not datasets:
            raise UserError(f"{db_path}: no datasets yet (annotator import FILE)")
        dataset = datasets[-1].name
    ds = store.require_dataset(dataset)
    scheme = load_scheme(ds.scheme)
    names = names_from_store(store, dataset) if gazetteer else []
    suggesters = build_suggesters(scheme, model=model, patterns=Path(patterns) if patterns else None, gazetteer=names)
    total = store.count_units(dataset)
    started = time.perf_counter()
    done = 0
    with_spans = 0
    show = not quiet and sys.stderr.isatty() and total > BATCH
    bar = click.progressbar(length=total, label="Suggesting", file=sys.stderr) if show else None
    batch: list[Any] = []
    try:
        for unit in store.iter_units(dataset):
            batch.append(unit)
            if len(batch) >= BATCH:
                with_spans += _run(store, suggesters, batch)
                done += len(batch)
                if bar:
                    bar.update(len(batch))
                batch = []
        if batch:
            with_spans += _run(store, suggesters, batch)
            done += len(batch)
    finally:
        if bar:
            bar.render_finish()
    secs = time.perf_counter() - started
    who = ", ".join(f"{s.name} {s.version}" for s in suggesters)
    click.echo(
        f"{done} units in dataset {dataset!r}: {with_spans} with suggestions ({who}); "
        f"{done / secs if secs else 0:,.0f} units/s"
    )


def _run(store: Any, suggesters: Sequence[Any], units: list[Any]) -> int:
    """Suggest for one batch and store one row per unit and suggester; units with spans."""
    rows = []
    has = set()
    for s in suggesters:
        for sug in s.suggest(units):
            rows.append(sug)
            if sug.spans:
                has.add(sug.unit_id)
    store.put_suggestions(rows)  # short transactions (suggesting happens outside them)
    return len(has)
