"""`annotator review`: adjudicate the units where annotators disagree into gold."""

from __future__ import annotations

import click

from annotator.cli import annotator_option, db_option

#: Queued units listed by ``--no-ui`` (with why each is there).
LISTED = 10


@click.command()
@db_option
@click.option("--dataset", default=None, metavar="NAME", help="Dataset to review (default: the most recent).")
@annotator_option
@click.option("--order", type=click.Choice(["document", "contested"]), default="document", show_default=True,
              help="Queue order: as the units sit in their documents, or the most contested first "
                   "(lowest Dawid-Skene confidence in the truth, estimated from the overlap).")
@click.option("--auto-accept-unanimous", is_flag=True,
              help="First write gold for every unit on which all its annotators agree.")
@click.option("--no-ui", is_flag=True,
              help=f"Do not open the review screen: print the queue's size and its first {LISTED} units, "
                   "with why each is there.")
def review(db_path: str, dataset: str | None, annotator_name: str, order: str, auto_accept_unanimous: bool,
           no_ui: bool) -> None:
    """Walk the units where annotators disagree and take a version, or merge and edit, into gold.

    Keys: 1..9 take that annotator's version, m edit the majority version (the labelling
    editor: boundaries, labels, links; a / Enter saves it as gold), ←/→ move, Backspace undo,
    c switch layer, ? help, Ctrl+P palette, q quit. The line under the text says why the unit
    is in the queue.
    """
    from annotator.store import open_store
    from annotator.tui.session import resolve_dataset

    store = open_store(db_path, create=False)
    name = resolve_dataset(store, dataset).name
    if auto_accept_unanimous or no_ui:
        from annotator.tui.review_session import ReviewSession

        session = ReviewSession.open(store, name, annotator_name, order=order)
        if auto_accept_unanimous:
            n = session.accept_unanimous()
            click.echo(f"{name}: {n} unanimous unit(s) accepted into gold by {annotator_name}"
                       + (f"; {session.no_longer_unanimous} no longer unanimous (decided again since the queue was"
                          " read), left to review" if session.no_longer_unanimous else ""), err=True)
        if no_ui:
            click.echo(f"{name}: {session.total} unit(s) with differing versions, {session.done()} with gold"
                       + (" (most contested first)" if order == "contested" else ""))
            for entry in session.entries[:LISTED]:
                click.echo(f"  unit {entry.unit_id} · {entry.reason}")
                for more in entry.reasons[1:]:
                    click.echo(f"      also: {more}")
            return
    from annotator.config import load_config
    from annotator.tui.app import build_review_app

    build_review_app(store, name, annotator_name, config=load_config(), order=order).run()
