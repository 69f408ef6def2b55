"""``annotator label``: open the labelling UI (the bare ``annotator`` command does the same)."""

from __future__ import annotations


import click

from annotator.cli import annotator_option, db_option
from annotator.errors import UserError


@click.command("label")
@db_option
@click.option("--dataset", default=None, help="Dataset to label (default: the most recently created).")
@annotator_option
@click.option(
    "--least-sure", "least_sure", default=None, metavar="MODEL",
    help="Show first the units this spaCy pipeline (e.g. one from `annotator train`) is least sure about.",
)
def label(db_path: str, dataset: str | None, annotator_name: str, least_sure: str | None = None) -> None:
    """Label units in the terminal: accept or correct suggested entity and claim spans.

    Keys: a/Enter accept, x reject, space skip, Backspace undo, arrows move, Shift+arrows
    select, 1-9/0 label, Delete remove span, Tab next span, c claims layer, ? help, q quit.
    Remap keys in $ANNOTATOR_CONFIG or ~/.config/annotator/config.toml.
    """
    from annotator.config import load_config
    from annotator.store import open_store
    from annotator.store.dialect import database_missing

    hint = f"run `annotator import FILE --db {db_path}` first"
    if database_missing(db_path):
        raise UserError(f"{db_path}: no database here yet; {hint}")
    config = load_config()
    store = open_store(db_path, create=False)
    try:
        from annotator.tui.app import build_app

        app = build_app(store, dataset, annotator_name, config=config)
        if least_sure:
            from annotator.training import least_sure_unit_ids

            click.echo(f"Scoring the next units with {least_sure} …", err=True)
            app.session.set_priority(
                least_sure_unit_ids(store, app.session.dataset.name, least_sure, annotator=annotator_name)
            )
        app.run()
    finally:
        store.close()
