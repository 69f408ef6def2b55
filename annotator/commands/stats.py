"""`annotator stats`: what is in the database and how far labelling has got."""

from __future__ import annotations

import json

import click

from annotator.cli import db_option


@click.command()
@db_option
@click.option("--dataset", default=None, help="Only this dataset.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(db_path: str, dataset: str | None, as_json: bool) -> None:
    """Datasets, documents, units, decisions per annotator and answer, progress.

    "done" counts the units an annotator decided; "of" adds the units still open to them
    (not decided by them, and held by fewer than the dataset's overlap through others'
    decisions and live leases); "holding" the units leased to them now, undecided; "screens"
    the labelling screens open under their name now (more than one take the same units).
    "reviewing" names the leads with a review screen open on the dataset."""
    from annotator.store import open_store

    store = open_store(db_path, create=False)
    if dataset is not None:
        store.require_dataset(dataset)
    data = store.stats(dataset)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data["datasets"]:
        click.echo(f"{store.path}: no datasets yet (run `annotator import`)")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for ds in data["datasets"]:
        console.print(
            f"[bold]{ds['name']}[/] scheme={ds['scheme']} overlap={ds['overlap']}: "
            f"{ds['documents']} documents, {ds['units']} units, {ds['units_decided']} decided "
            f"({ds['progress']:.0%}), {ds['gold']} gold"
        )
        if ds["annotators"]:
            t = Table("annotator", "accept", "reject", "ignore", "done", "of", "holding", "screens")
            for a in ds["annotators"]:
                t.add_row(a["annotator"],
                          *(str(a[k]) for k in ("accept", "reject", "ignore", "done", "total", "holding", "screens")))
            console.print(t)
        if ds["reviewing"]:
            console.print(f"  reviewing now: {', '.join(ds['reviewing'])}")
        for s in ds["suggesters"]:
            console.print(f"  suggester {s['suggester']} v{s['version']}: {s['units']} units")
