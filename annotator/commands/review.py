"""`annotator review`: adjudicate the units where annotators disagree into gold."""

from __future__ import annotations

import click

from annotator.cli import annotator_option, db_option


@click.command()
@db_option
@click.option("--dataset", default=None, metavar="NAME", help="Dataset to review (default: the most recent).")
@annotator_option
@click.option("--auto-accept-unanimous", is_flag=True,
              help="First write gold for every unit on which all its annotators agree.")
@click.option("--no-ui", is_flag=True, help="Do not open the review screen (with --auto-accept-unanimous).")
def review(db_path: str, dataset: str | None, annotator_name: str, auto_accept_unanimous: bool,
           no_ui: bool) -> None:
    """Walk the units where annotators disagree and take a version, or merge and edit, into gold.

    Keys: 1..9 take that annotator's version, m merge and edit, ←/→ move, Backspace undo,
    c switch layer, q quit.
    """
    from annotator.errors import UserError
    from annotator.store import open_store
    from annotator.tui.review_session import ReviewSession

    store = open_store(db_path, create=False)
    if dataset is None:
        datasets = store.list_datasets()
        if not datasets:
            raise UserError(f"{store.path}: no datasets yet (run `annotator import`)")
        dataset = datasets[-1].name
    session = ReviewSession(store, dataset, annotator_name)
    if auto_accept_unanimous:
        n = session.accept_unanimous()
        click.echo(f"{dataset}: {n} unanimous unit(s) accepted into gold by {annotator_name}", err=True)
    if no_ui:
        click.echo(f"{dataset}: {session.total} unit(s) with differing versions, {session.done()} with gold")
        return
    from annotator.config import load_config
    from annotator.tui.review_app import ReviewApp

    ReviewApp(session, load_config()).run()
