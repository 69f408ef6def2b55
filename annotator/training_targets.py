"""The shared-data targets of issue 7, run through the tool's own path.

Each target imports the corpus with the import service (as ``annotator import --format
conll|brat --no-suggest`` does) into a temporary database, trains with the same code as
``annotator train`` and scores on the held-out split:

- ``conll-1k``: the first 1,000 sentences of CoNLL-2003 ``train.txt`` -> ``valid.txt``
  (PER/ORG/LOC/MISC exact F1; target >= 0.75 in <= 2 minutes of training);
- ``conll-full``: all of ``train.txt`` -> ``valid.txt`` (target >= 0.86);
- ``polnear``: PolNeAR ``train/`` -> ``dev/`` (issue 19: CUE exact F1 >= 0.82, SOURCE exact
  >= 0.80, CLAIM exact >= 0.55, CLAIM token-overlap >= 0.85, in <= 25 minutes of training).

Run: ``python -m annotator.training_targets conll-1k [--data ../shared/data] [--out /tmp/x]``.
The corpora are read from ``../shared/data`` (relative to the repository) and never copied
into it; a missing corpus is reported and skipped.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"


@dataclass
class Target:
    """One target: what to import, what to train, which figures must reach which values."""

    name: str
    train: str
    eval: str
    fmt: str
    scheme: str
    layer: str
    goals: dict[str, float]  # "layer/label/kind" or "layer/(all)/kind" -> minimum F1
    max_units: int | None = None
    max_seconds: float | None = None
    epochs: int = 30
    patience: int = 5
    hyper: dict[str, Any] | None = None  # overrides of :class:`annotator.train.config.Hyper`
    eval_every: int = 1


TARGETS: dict[str, Target] = {
    "conll-1k": Target("conll-1k", "conll2003/train.txt", "conll2003/valid.txt", "conll", "conll",
                       "entities", {"entities/(all)/exact": 0.75}, max_units=1000, max_seconds=120.0,
                       eval_every=1000),  # the whole budget goes to training; scored once at the end
    "conll-full": Target("conll-full", "conll2003/train.txt", "conll2003/valid.txt", "conll", "conll",
                         "entities", {"entities/(all)/exact": 0.86}, epochs=12, patience=2),
    "polnear": Target("polnear", "polnear/train", "polnear/dev", "brat", "news", "claims",
                      {"claims/CUE/exact": 0.82, "claims/SOURCE/exact": 0.80, "claims/CLAIM/exact": 0.55,
                       "claims/CLAIM/overlap": 0.85}, epochs=30, patience=3, max_seconds=1500.0),
}


def first_sentences(src: Path, dest: Path, n: int) -> int:
    """Copy the first ``n`` sentences of a CoNLL file (with its -DOCSTART- lines) to ``dest``."""
    count = 0
    with open(src, encoding="utf-8") as fh, open(dest, "w", encoding="utf-8") as out:
        in_sentence = False
        for line in fh:
            if not line.strip():
                if in_sentence:
                    count += 1
                    in_sentence = False
                    if count >= n:
                        out.write("\n")
                        break
                out.write(line)
                continue
            if not line.startswith("-DOCSTART-"):
                in_sentence = True
            out.write(line)
    return count


def import_corpus(db: Path, dataset: str, path: Path, fmt: str, scheme: str) -> str:
    """Import ``path`` (format ``fmt``) into ``dataset`` of ``db`` without suggestions, as
    ``annotator import --no-suggest`` does; its summary line."""
    from annotator.pipeline import import_sources, plan_sources
    from annotator.store import open_store

    plans, _ = plan_sources([str(path)], fmt)
    if not plans:
        raise RuntimeError(f"nothing to import in {path}")
    store = open_store(db)
    try:
        ds = store.ensure_dataset(dataset, scheme=scheme)
        summary = import_sources(store, plans, ds, suggesters=())
    finally:
        store.close()
    return summary.line()


def run_target(target: Target, data: Path, out_dir: Path, *, epochs: int | None = None, log: Any = None) -> dict[str, Any]:
    """Import, train and score one target; returns the figures and whether each goal is met."""
    from annotator.gold import gold_records, scheme_labels
    from annotator.store import open_store
    from annotator.train.loop import Progress, TrainOptions, train

    log = log or sys.stderr
    train_path, eval_path = data / target.train, data / target.eval
    if not train_path.exists() or not eval_path.exists():
        return {"target": target.name, "skipped": f"{train_path} or {eval_path} is missing"}
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "targets.db"
    if db.exists():
        db.unlink()
    t0 = time.monotonic()
    if target.max_units:
        tmp = out_dir / f"{target.name}-train.conll"
        first_sentences(train_path, tmp, target.max_units)
        train_path = tmp
    print(import_corpus(db, "train", train_path, target.fmt, target.scheme), file=log)
    print(import_corpus(db, "eval", eval_path, target.fmt, target.scheme), file=log)
    import_seconds = time.monotonic() - t0
    store = open_store(db)
    train_records = gold_records(store, "train")
    eval_records = gold_records(store, "eval")
    if target.max_units:
        train_records = train_records[: target.max_units]

    def show(p: Progress) -> None:
        if p.step % 200 == 0:
            print(f"  epoch {p.epoch} step {p.step}/{p.steps_per_epoch} {p.seconds:.0f}s", file=log, flush=True)
        if p.step == p.steps_per_epoch:
            print(f"epoch {p.epoch}: losses {({k: round(v) for k, v in p.losses.items()})} score {p.score}"
                  f" best {p.best} {p.seconds:.0f}s", file=log, flush=True)

    from annotator.train.config import Hyper

    options = TrainOptions(layer=target.layer, labels=scheme_labels(store, "train"), epochs=epochs or target.epochs, patience=target.patience,
                           max_seconds=target.max_seconds, eval_every=target.eval_every,
                           hyper=Hyper(**(target.hyper or {})))
    result = train(train_records, eval_records, out_dir / "model", options, progress=show,
                   meta={"dataset": target.name})
    assert result.scores is not None
    figures: dict[str, float] = {}
    for key in target.goals:
        layer, label, kind = key.split("/")
        labels = None if label == "(all)" else [label]
        figures[key] = round(result.scores.total(kind, layer, labels).f1, 4)
    report = {
        "target": target.name, "n_train": result.n_train, "n_eval": result.n_eval,
        "epochs": result.epochs, "train_seconds": round(result.seconds, 1),
        "train_cpu_seconds": round(result.cpu_seconds, 1),
        "import_seconds": round(import_seconds, 1), "figures": figures,
        "goals": target.goals, "met": {k: figures[k] >= v for k, v in target.goals.items()},
        "scores": result.scores.as_dict(), "model": str(result.output),
    }
    print(result.scores.table(), file=log)
    store.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m annotator.training_targets NAME... [--data DIR] [--out DIR] [--epochs N]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m annotator.training_targets", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(TARGETS), help=f"targets ({', '.join(TARGETS)})")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--epochs", type=int, default=None, help="override the target's epoch limit")
    args = ap.parse_args(argv)
    base = args.out or Path(tempfile.mkdtemp(prefix="annotator-targets-"))
    ok = True
    for name in args.names:
        if name not in TARGETS:
            print(f"unknown target {name!r} (known: {', '.join(TARGETS)})", file=sys.stderr)
            return 2
        report = run_target(TARGETS[name], args.data, base / name, epochs=args.epochs)
        print(json.dumps({k: v for k, v in report.items() if k != "scores"}), flush=True)
        ok = ok and all(report.get("met", {}).values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
