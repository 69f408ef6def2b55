"""`annotator train`: a spaCy pipeline from a dataset's gold, with per-label scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli import db_option


@click.command("train")
@db_option
@click.option("--dataset", required=True, help="Dataset whose gold (else accepted annotations) to train on.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="Directory to save the pipeline to.")
@click.option("--layer", type=click.Choice(["entities", "claims", "both"]), default="both", show_default=True,
              help="Which spans to learn.")
@click.option("--eval-split", type=click.FloatRange(0.0, 0.9), default=0.2, show_default=True,
              help="Share of documents held out for scoring (0: none).")
@click.option("--eval-dataset", default=None, help="Score on this dataset instead of a split.")
@click.option("--base", default=None, metavar="MODEL", help="Start from this spaCy pipeline (name or path).")
@click.option("--curve", is_flag=True, help="Train on 25/50/75/100% and show how the score grows.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=30, show_default=True, help="At most this many epochs.")
@click.option("--patience", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Stop after this many epochs without improvement.")
@click.option("--max-seconds", type=float, default=None, help="Stop after this much training time.")
@click.option("--eval-every", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Score (and keep the best) every N epochs; scoring always follows the last one.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (shuffling, initial weights, the split).")
@click.option("--suggest-unlabelled", is_flag=True,
              help="Afterwards, store the model's suggestions for units nobody has labelled yet.")
@click.option("--progress-file", type=click.Path(path_type=Path), default=None,
              help="Write progress as JSON here (for the labelling UI).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def train(
    db_path: str, dataset: str, output: Path, layer: str, eval_split: float, eval_dataset: str | None,
    base: str | None, curve: bool, epochs: int, patience: int, max_seconds: float | None, eval_every: int, seed: int,
    suggest_unlabelled: bool, progress_file: Path | None, as_json: bool, quiet: bool,
) -> None:
    """Train a spaCy pipeline from a dataset's gold labels and save it to OUTPUT.

    Uses the adjudicated gold where it exists, otherwise accepted annotations. The saved
    directory loads with spacy.load(OUTPUT) and serves as a suggester
    (annotator suggest --model OUTPUT).
    """
    from annotator.errors import UserError
    from annotator.store import open_store
    from annotator.train.corpus import gold_records, split_records
    from annotator.train.loop import TrainOptions
    from annotator.store.dialect import database_missing

    if database_missing(db_path):
        raise UserError(f"{db_path}: no such database (import something first)")
    store = open_store(db_path, create=False)
    records = gold_records(store, dataset)
    if not records:
        raise UserError(f"dataset {dataset!r} has no gold and no accepted annotations to train on")
    if eval_dataset:
        eval_records = gold_records(store, eval_dataset)
        train_records = records
    else:
        train_records, eval_records = split_records(records, eval_split, seed)
    from annotator.train.corpus import scheme_labels

    options = TrainOptions(layer=layer, base=base, epochs=epochs, patience=patience, labels=scheme_labels(store, dataset),
                           max_seconds=max_seconds, seed=seed, eval_every=eval_every)
    meta = {"dataset": dataset, "layer": layer, "db": str(Path(db_path).resolve())}
    click.echo(f"Training on {len(train_records)} units, scoring on {len(eval_records)} ({layer})", err=True)
    if curve:
        from annotator.train.curve import learning_curve

        points = learning_curve(train_records, eval_records, output, options, meta=meta,
                                progress=_printer(quiet, progress_file, "curve"))
        from annotator.train.curve import curve_table

        click.echo(json.dumps([p.as_dict() for p in points]) if as_json else curve_table(points))
        result = points[-1].result
    else:
        from annotator.train.loop import train as run

        with _bar(quiet, epochs) as bar:
            result = run(train_records, eval_records, output, options,
                         progress=_chain(bar, _printer(True, progress_file, "train")), meta=meta)
        if as_json:
            click.echo(json.dumps({"output": str(result.output), "scores": result.scores.as_dict() if result.scores else None,
                                   "n_train": result.n_train, "n_eval": result.n_eval, "epochs": result.epochs,
                                   "seconds": round(result.seconds, 1)}))
        else:
            if result.scores:
                click.echo(result.scores.table())
            click.echo(f"Saved to {result.output} ({result.epochs} epochs, {result.seconds:.0f}s)")
    if suggest_unlabelled:
        from annotator.train.background import apply_model

        n = apply_model(store, dataset, result.output)
        click.echo(f"Stored suggestions from model:{result.output.name} for {n} unlabelled units")
    if progress_file:
        _write_progress(progress_file, {"state": "done", "output": str(result.output),
                                        "score": result.main, "epochs": result.epochs})


class _Bar:
    """A click progress bar over epochs (or nothing when quiet / not a terminal)."""

    def __init__(self, quiet: bool, epochs: int) -> None:
        self.bar: Any = None
        self.quiet = quiet or not sys.stderr.isatty()
        self.epochs = epochs
        self.last_epoch = 0
        self.text = ""

    def __enter__(self) -> _Bar:
        if not self.quiet:
            self.bar = click.progressbar(length=self.epochs, label="Training", file=sys.stderr,
                                         item_show_func=lambda _: self.text).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, p: Any) -> None:
        loss = " ".join(f"{k} {v:.0f}" for k, v in p.losses.items())
        score = f" score {p.score:.3f}" if p.score is not None else ""
        self.text = f"epoch {p.epoch} step {p.step}/{p.steps_per_epoch} loss {loss}{score}"
        if self.bar is not None:
            if p.step == p.steps_per_epoch and p.epoch > self.last_epoch:
                self.bar.update(p.epoch - self.last_epoch)
                self.last_epoch = p.epoch
            else:
                self.bar.render_progress()
        elif not self.quiet and p.step == p.steps_per_epoch:
            click.echo(self.text, err=True)


def _bar(quiet: bool, epochs: int) -> _Bar:
    return _Bar(quiet, epochs)


def _chain(*fns: Any) -> Any:
    def call(p: Any) -> None:
        for f in fns:
            if f is not None:
                f(p)
    return call


def _printer(quiet: bool, progress_file: Path | None, phase: str) -> Any:
    """Progress to stderr once per epoch (unless quiet) and to the progress file."""
    def show(p: Any) -> None:
        if not quiet and p.step == p.steps_per_epoch:
            score = f" score {p.score:.3f}" if p.score is not None else ""
            click.echo(f"epoch {p.epoch}{score} ({p.seconds:.0f}s)", err=True)
        if progress_file:
            _write_progress(progress_file, {
                "state": "training", "phase": phase, "epoch": p.epoch, "epochs": p.epochs, "step": p.step,
                "steps": p.steps_per_epoch, "score": p.score, "best": p.best, "seconds": round(p.seconds, 1),
            })
    return show


def _write_progress(path: Path, data: dict[str, Any]) -> None:
    """Replace the progress file atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
