"""`annotator import`: articles and annotated files into a dataset."""

from __future__ import annotations

import sys

import click

from annotator.cli import db_option


@click.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@db_option
@click.option("--dataset", default="default", show_default=True, help="Dataset to import into (created if new).")
@click.option(
    "--format", "fmt", default="auto", show_default=True,
    help="auto, txt, html, jsonl, or an interchange format (prodigy, doccano, labelstudio, brat, conll).",
)
@click.option("--scheme", default=None, help="Label scheme for a new dataset: news (default), conll, or a .toml file.")
@click.option("--overlap", type=int, default=None, help="Annotators per unit for a new dataset (0 = everyone).")
@click.option("--unit", type=click.Choice(["sentence", "paragraph", "record"]), default="sentence", show_default=True,
              help="What one unit is. Text is split into sentences by default; paragraph: one per paragraph; "
                   "record: unsplit, one JSONL record (one line of a text file) per unit, for data split already.")
@click.option("--as", "labels_as", type=click.Choice(["decisions", "suggestions"]), default="decisions",
              show_default=True,
              help="What the spans of pre-annotated files (jsonl/prodigy, doccano, Label Studio annotations, "
                   "brat, conll) become: the decisions they record, or suggestions named import:<file> to review "
                   "(Label Studio predictions are always suggestions).")
@click.option("--suggest/--no-suggest", default=True, show_default=True, help="Run the rule suggesters on new units.")
@click.option("--annotator", "annotator_name", default=None, help="Annotator recorded for labelled records that name none.")
@click.option("--brat-annotator-pattern", default=None, help="Regex with (?P<doc>) and (?P<annotator>) for brat .ann names.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def import_cmd(
    paths: tuple[str, ...], db_path: str, dataset: str, fmt: str, scheme: str | None, overlap: int | None,
    unit: str, labels_as: str, suggest: bool, annotator_name: str | None, brat_annotator_pattern: str | None,
    quiet: bool,
) -> None:
    """Import articles (txt, html, jsonl) or annotated files into a dataset.

    PATH may be a file, a directory (read recursively) or - for stdin. Each file is one
    transaction: a bad file is reported with its name and line, leaves nothing behind, and
    the import goes on with the next file; the exit status is 2 if any file failed. Files
    of unknown kinds in a directory are named in one "Skipped" line. Re-importing the same
    text adds nothing. --scheme and --overlap set up a new dataset; for an existing one
    they must match its settings (change overlap with `annotator dataset set`).

    Text is split into sentences by default (--unit paragraph or record to change that).
    Spans in pre-annotated files become decisions by default (--as suggestions to review them).
    """
    from annotator.errors import UserError
    from annotator.ingest.base import ReadOptions
    from annotator.pipeline import plan_sources
    from annotator.schemes import load_scheme
    from annotator.store import open_store

    plans, skipped = plan_sources(paths, fmt)
    if not plans:
        raise UserError(f"nothing to import in {', '.join(paths)} (no .txt, .html, .jsonl … files)")
    scheme_obj = load_scheme(scheme or "news")  # validate before anything is written
    store = open_store(db_path)
    existing = store.get_dataset(dataset)
    if existing is None:
        ds = store.ensure_dataset(dataset, scheme=scheme or "news", overlap=1 if overlap is None else overlap)
    else:
        _check_settings(existing, scheme, overlap)
        ds = existing
        scheme_obj = load_scheme(existing.scheme)
    options = ReadOptions(unit=unit, annotator=annotator_name, labels_as=labels_as)
    if brat_annotator_pattern:
        options.brat_annotator_pattern = brat_annotator_pattern
    suggesters = []
    if suggest:
        from annotator.suggest import build_suggesters

        suggesters = build_suggesters(scheme_obj)
    _run(store, plans, ds, options, suggesters, skipped, quiet)


def _check_settings(existing, scheme: str | None, overlap: int | None) -> None:  # type: ignore[no-untyped-def]
    """Refuse --scheme / --overlap that differ from an existing dataset's: import never
    changes a dataset's settings behind the user's back."""
    from annotator.errors import UserError

    name = existing.name
    if scheme is not None and scheme != existing.scheme:
        raise UserError(f"dataset {name!r} already uses scheme {existing.scheme!r}, not {scheme!r}; "
                        f"import into a new --dataset to use another scheme")
    if overlap is not None and overlap != existing.overlap:
        raise UserError(f"dataset {name!r} already has overlap {existing.overlap}, not {overlap}; "
                        f"change it with `annotator dataset set {name} --overlap {overlap}`")


def _run(store, plans, ds, options, suggesters, skipped, quiet) -> None:  # type: ignore[no-untyped-def]
    from annotator.errors import DatabaseError, InputError
    from annotator.pipeline import ImportSummary, import_sources
    from annotator.store.connection import ConnectionLost

    show_bar = not quiet and len(plans) > 1 and sys.stderr.isatty()
    if not quiet:
        store.on_import_wait = lambda line: click.echo(line, err=True)
    done = ImportSummary()
    failed_shown = 0

    def step(plan, summary):  # type: ignore[no-untyped-def]
        nonlocal done, failed_shown
        done = summary
        for error in summary.failed[failed_shown:]:  # each bad file as soon as it is met
            click.echo(("\n" if show_bar else "") + f"Error: {error}", err=True)
        failed_shown = len(summary.failed)
        if show_bar:
            bar.update(1)

    try:
        if show_bar:
            with click.progressbar(
                length=len(plans), label="Importing", file=sys.stderr,
                item_show_func=lambda _: f"{done.documents} docs, {done.units} units",
            ) as bar:
                summary = import_sources(store, plans, ds, options=options, suggesters=suggesters, on_source=step,
                                         keep_going=True)
        else:
            bar = None
            summary = import_sources(store, plans, ds, options=options, suggesters=suggesters, on_source=step,
                                     keep_going=True)
    except ConnectionLost as e:  # PostgreSQL: the file being imported was one transaction, now gone
        raise DatabaseError(f"{e}: what the import had not committed is not stored; run it again"
                            " (documents already imported are skipped)") from None
    summary.skipped_files = skipped
    if summary.skipped_line():
        click.echo(summary.skipped_line(), err=True)
    if summary.failed and len(plans) == 1:
        raise click.exceptions.Exit(InputError.exit_code)  # its error, above, says it all
    click.echo(f"{summary.line()} -> dataset {ds.name!r} in {store.path}")
    if summary.failed:
        raise click.exceptions.Exit(InputError.exit_code)
