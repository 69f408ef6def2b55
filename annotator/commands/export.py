"""``annotator export``: write a dataset as JSONL or another tool's format."""

from __future__ import annotations

import sys

import click

from annotator.cli import db_option

FORMAT_NAMES = ["jsonl", "doccano", "labelstudio", "brat", "conll", "spacy"]


@click.command("export")
@db_option
@click.option("--dataset", required=True, help="Dataset to export.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="jsonl", show_default=True)
@click.option("-o", "--output", default=None, metavar="PATH|-",
              help="Destination (default exports/<dataset>-<format>.<ext>; '-' for stdout).")
@click.option("--annotator", default=None, help="Only this annotator's decisions.")
@click.option("--gold", is_flag=True, help="Adjudicated versions where they exist, else agreed decisions.")
@click.option("--answer", "answers", multiple=True, type=click.Choice(["accept", "reject", "ignore"]),
              help="Only decisions with this answer (repeatable).")
@click.option("--layer", type=click.Choice(["entities", "claims"]), default=None, help="Only spans of this layer.")
@click.option("--document", default=None, help="Only this document (database or external id).")
@click.option("--force", is_flag=True, help="Overwrite an existing destination.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def export(db_path: str, dataset: str, fmt: str, output: str | None, annotator: str | None, gold: bool,
           answers: tuple[str, ...], layer: str | None, document: str | None, force: bool, quiet: bool) -> None:
    """Export a dataset's decisions (streaming; the file appears complete or not at all)."""
    from annotator.formats.exporting import ExportOptions
    from annotator.formats.exporting import export as run_export
    from annotator.store import open_store
    from annotator.store.dialect import database_missing

    if database_missing(db_path):
        raise click.UsageError(f"{db_path}: no such database")
    store = open_store(db_path, create=False)
    opts = ExportOptions(annotator=annotator, gold=gold, answers=list(answers) or None, layer=layer,
                         document=document)
    total = store.count_units(dataset)
    show_bar = not quiet and output != "-" and sys.stderr.isatty() and total >= 20000
    with store:
        if show_bar:
            with click.progressbar(length=total, label=f"Exporting {fmt}", file=sys.stderr) as bar:
                summary = run_export(store, dataset, fmt, output, opts, force=force, progress=bar.update)
        else:
            summary = run_export(store, dataset, fmt, output, opts, force=force)
    if not quiet and output != "-":
        note = (f", {summary.skipped_disagreements} units left out (annotators disagree, no gold)"
                if summary.skipped_disagreements else "")
        click.echo(f"{summary.records} records -> {summary.path}{note}", err=True)
