"""`annotator train`: a spaCy pipeline from a dataset's gold, with per-label scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli import db_option

#: Training stops after 25 minutes unless told otherwise (a full PolNeAR claims run fits).
DEFAULT_MAX_SECONDS = 1500.0


@click.command("train")
@db_option
@click.option("--dataset", required=True, help="Dataset whose gold (else accepted annotations) to train on.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="Directory to save the pipeline to.")
@click.option("--layer", type=click.Choice(["entities", "claims", "both"]), default="both", show_default=True,
              help="Which spans to learn.")
@click.option("--eval-split", type=click.FloatRange(0.0, 0.9), default=0.2, show_default=True,
              help="Share of documents held out for scoring (at most 2,000 units; 0: none).")
@click.option("--eval-dataset", default=None, help="Score on this dataset instead of a split.")
@click.option("--base", default=None, metavar="MODEL", help="Start from this spaCy pipeline (name or path).")
@click.option("--curve", is_flag=True, help="Train on 25/50/75/100% and show how the score grows.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=30, show_default=True, help="At most this many epochs.")
@click.option("--patience", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Stop after this many epochs without improvement.")
@click.option("--max-seconds", type=click.FloatRange(0), default=DEFAULT_MAX_SECONDS, show_default=True,
              help="Stop after this much training time (0: no limit); the best epoch so far is kept.")
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
    from annotator.gold import gold_records, scheme_labels
    from annotator.store import open_store
    from annotator.train.corpus import split_records
    from annotator.train.loop import TrainOptions
    from annotator.store.dialect import database_missing

    max_seconds = max_seconds or None  # 0: no limit

    if database_missing(db_path):
        raise UserError(f"{db_path}: no such database (import something first)")
    prepare_output(output)
    store = open_store(db_path, create=False)
    records = gold_records(store, dataset)
    if not records:
        raise UserError(f"dataset {dataset!r} has no gold and no accepted annotations to train on")
    if eval_dataset:
        eval_records = gold_records(store, eval_dataset)
        train_records = records
    else:
        train_records, eval_records = split_records(records, eval_split, seed)
    options = TrainOptions(layer=layer, base=base, epochs=epochs, patience=patience, labels=scheme_labels(store, dataset),
                           max_seconds=max_seconds, seed=seed, eval_every=eval_every)
    meta = {"dataset": dataset, "layer": layer, "db": str(Path(db_path).resolve())}
    click.echo(f"Training on {len(train_records)} units, scoring on {len(eval_records)} ({layer})", err=True)
    if curve:
        from annotator.train.curve import learning_curve

        points = learning_curve(train_records, eval_records, output, options, meta=meta,
                                progress=_printer(quiet, progress_file, "curve", max_seconds))
        from annotator.train.curve import curve_table

        click.echo(json.dumps([p.as_dict() for p in points]) if as_json else curve_table(points))
        result = points[-1].result
    else:
        from annotator.train.loop import train as run

        with _bar(quiet, epochs, max_seconds) as bar:
            result = run(train_records, eval_records, output, options,
                         progress=_chain(bar, _printer(True, progress_file, "train", max_seconds)), meta=meta)
        if as_json:
            click.echo(json.dumps({"output": str(result.output), "scores": result.scores.as_dict() if result.scores else None,
                                   "n_train": result.n_train, "n_eval": result.n_eval, "epochs": result.epochs,
                                   "seconds": round(result.seconds, 1), "cpu_seconds": round(result.cpu_seconds, 1),
                                   "history": result.history}, default=float))
        else:
            if result.scores:
                click.echo(result.scores.table())
            click.echo(f"Saved to {result.output} ({result.epochs} epochs, {result.seconds:.0f}s)")
    if suggest_unlabelled:
        from annotator.training import apply_model

        n = apply_model(store, dataset, result.output)
        click.echo(f"Stored suggestions from model:{result.output.name} for {n} unlabelled units")
    if progress_file:
        _write_progress(progress_file, {"state": "done", "output": str(result.output),
                                        "score": result.main, "epochs": result.epochs})


def prepare_output(output: Path) -> None:
    """Make sure the pipeline can be saved to ``output`` before any training starts: its parent
    directory is created, and is writable; an existing ``output`` must be a pipeline saved
    before (it is replaced), never a file or another non-empty directory."""
    from annotator.errors import UserError

    if output.exists():
        if not output.is_dir():
            raise UserError(f"{output}: exists and is not a directory")
        if any(output.iterdir()) and not (output / "config.cfg").exists():
            raise UserError(f"{output}: a non-empty directory that is not a saved pipeline (choose another -o)")
    parent = output.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / f".{output.name}.write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"{output}: cannot write there ({exc.strerror or exc})") from None


class _Bar:
    """A click progress bar over epochs (or nothing when quiet / not a terminal)."""

    def __init__(self, quiet: bool, epochs: int, max_seconds: float | None = None) -> None:
        self.bar: Any = None
        self.max_seconds = max_seconds
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
        left = time_left(p, self.max_seconds)
        eta = f" ~{_duration(left)} left" if left is not None else ""
        self.text = f"epoch {p.epoch} step {p.step}/{p.steps_per_epoch} loss {loss}{score}{eta}"
        if self.bar is not None:
            if p.step == p.steps_per_epoch and p.epoch > self.last_epoch:
                self.bar.update(p.epoch - self.last_epoch)
                self.last_epoch = p.epoch
            else:
                self.bar.render_progress()
        elif not self.quiet and (p.step == p.steps_per_epoch or p.step % max(1, p.steps_per_epoch // 10) == 0):
            click.echo(self.text, err=True)


def time_left(p: Any, max_seconds: float | None) -> float | None:
    """Seconds of training left at progress ``p``: the pace so far over the epochs still to
    run, capped by ``max_seconds`` (early stopping may end it sooner)."""
    done = (p.epoch - 1) + p.step / max(1, p.steps_per_epoch)
    if done <= 0 or p.seconds <= 0:
        return None
    left = p.seconds / done * max(0.0, p.epochs - done)
    if max_seconds is not None:
        left = min(left, max(0.0, max_seconds - p.seconds))
    return left


def _duration(seconds: float) -> str:
    """``1h05m``, ``12m30s`` or ``40s``."""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def _bar(quiet: bool, epochs: int, max_seconds: float | None = None) -> _Bar:
    return _Bar(quiet, epochs, max_seconds)


def _chain(*fns: Any) -> Any:
    def call(p: Any) -> None:
        for f in fns:
            if f is not None:
                f(p)
    return call


def _printer(quiet: bool, progress_file: Path | None, phase: str, max_seconds: float | None = None) -> Any:
    """Progress to stderr once per epoch (unless quiet) and to the progress file."""
    def show(p: Any) -> None:
        if not quiet and p.step == p.steps_per_epoch:
            score = f" score {p.score:.3f}" if p.score is not None else ""
            left = time_left(p, max_seconds)
            eta = f", ~{_duration(left)} left" if left is not None else ""
            click.echo(f"epoch {p.epoch}{score} ({p.seconds:.0f}s{eta})", err=True)
        if progress_file:
            _write_progress(progress_file, {
                "state": "training", "phase": phase, "epoch": p.epoch, "epochs": p.epochs, "step": p.step,
                "steps": p.steps_per_epoch, "score": p.score, "best": p.best, "seconds": round(p.seconds, 1),
                "left": None if (left := time_left(p, max_seconds)) is None else round(left, 1),
            })
    return show


def _write_progress(path: Path, data: dict[str, Any]) -> None:
    """Replace the progress file atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
