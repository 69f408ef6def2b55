"""``annotator export``: write a dataset as JSONL or another tool's format."""

from __future__ import annotations

import sys
from pathlib import Path

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
@click.option("--gold", is_flag=True, help="Only units with a gold row (adjudicated in review), nothing else.")
@click.option("--gold-or-unanimous", is_flag=True,
              help="Gold, else the version every annotator of the unit shares (at least the dataset's overlap of them).")
@click.option("--answer", "answers", multiple=True, type=click.Choice(["accept", "reject", "ignore"]),
              help="Only decisions with this answer (repeatable). Default: all for jsonl, labelstudio, brat; "
                   "accept for the training formats spacy, conll, doccano.")
@click.option("--layer", type=click.Choice(["entities", "claims"]), default=None, help="Only spans of this layer.")
@click.option("--document", default=None, help="Only this document (database or external id).")
@click.option("--force", is_flag=True, help="Overwrite an existing destination.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def export(db_path: str, dataset: str, fmt: str, output: str | None, annotator: str | None, gold: bool,
           gold_or_unanimous: bool, answers: tuple[str, ...], layer: str | None, document: str | None, force: bool,
           quiet: bool) -> None:
    """Export a dataset's decisions (streaming; the file appears complete or not at all).

    Training formats (spacy, conll, doccano) take accepted decisions and one version per
    unit: on a dataset with several annotators choose --gold, --gold-or-unanimous or
    --annotator. One line on stderr says what the export left out."""
    from annotator.exporting import ExportOptions
    from annotator.exporting import export as run_export
    from annotator.store import open_store
    from annotator.store.dialect import database_missing

    if database_missing(db_path):
        raise click.UsageError(f"{db_path}: no such database")
    store = open_store(db_path, create=False)
    opts = ExportOptions(annotator=annotator, gold=gold, gold_or_unanimous=gold_or_unanimous,
                         answers=list(answers) or None, layer=layer, document=document)
    total = store.count_units(dataset)
    show_bar = not quiet and output != "-" and sys.stderr.isatty() and total >= 20000
    with store:
        if show_bar:
            with click.progressbar(length=total, label=f"Exporting {fmt}", file=sys.stderr) as bar:
                summary = run_export(store, dataset, fmt, output, opts, force=force, progress=bar.update)
        else:
            summary = run_export(store, dataset, fmt, output, opts, force=force)
        if fmt == "labelstudio" and summary.path != "-":  # Label Studio needs the labelling config too
            from annotator.formats.labelstudio import write_labelstudio_config
            from annotator.schemes import load_scheme

            config = write_labelstudio_config(load_scheme(store.require_dataset(dataset).scheme), Path(summary.path))
            if not quiet:
                click.echo(f"labelling config -> {config}", err=True)
    if not quiet:
        if output != "-":
            click.echo(f"{summary.records} records -> {summary.path}", err=True)
        click.echo(summary.left_out_line(), err=True)
