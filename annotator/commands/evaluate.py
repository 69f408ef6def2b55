"""`annotator evaluate`: how good are the suggesters against a gold file or a dataset's gold?"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

from annotator.cli import db_option


@click.command("evaluate")
@click.argument("gold", required=False, metavar="GOLD")
@click.option("--format", "fmt", default="auto", show_default=True, help="Format of GOLD: auto, conll, brat, jsonl, ...")
@click.option("--scheme", default=None, help="Label scheme (default: conll for CoNLL files, else news).")
@click.option("--model", default=None, help="spaCy pipeline (package name or path) to add to the suggesters.")
@click.option("--patterns", type=click.Path(dir_okay=False), default=None, help="JSONL file of token/phrase patterns.")
@click.option("--labels", default=None, help="Comma-separated labels to score (default: the gold's labels in the scheme).")
@click.option("--dataset", default=None, help="Score a dataset's own gold in --db instead of a GOLD file.")
@click.option("--model-only", is_flag=True,
              help="Score the --model pipeline alone, without the rules (its claim spans linked into attributions).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option
def evaluate(
    gold: str | None, fmt: str, scheme: str | None, model: str | None, patterns: str | None,
    labels: str | None, dataset: str | None, model_only: bool, as_json: bool, db_path: str,
) -> None:
    """Score the suggesters against gold: P/R/F1 per label, exact, overlap and token-overlap.

    exact: same start, end and label; overlap: a predicted span counts if it overlaps a gold
    span of the same label (BBC Citron's lenient match); token-overlap: tokens covered per
    label. With CLAIM, CUE and SOURCE scored, attribution-level F1 too: a predicted attribution
    counts only if its CLAIM, CUE and SOURCE are all exact and linked (source-of, cue-of).

    GOLD (a CoNLL file, a brat directory such as PolNeAR's, a JSONL file ...) is imported into
    a throwaway database; the database given with --db is not touched. With --dataset, the
    dataset's gold (or, where there is none, its accepted annotations) in --db is scored:
    only units with an accepted gold or decision count; undecided, rejected and ignored
    units are left out.
    """
    from annotator.errors import UserError

    if (gold is None) == (dataset is None):
        raise UserError("give either a GOLD file or --dataset NAME")
    if model_only and model is None:
        raise UserError("--model-only needs --model")
    wanted = tuple(x.strip() for x in labels.split(",") if x.strip()) if labels else None
    if dataset is not None:
        from annotator.store import open_store

        store = open_store(db_path, create=False)
        report = run_evaluation(store, dataset, scheme, model, patterns, wanted, model_only)
        store.close()
    else:
        assert gold is not None
        with tempfile.TemporaryDirectory(prefix="annotator-eval-") as tmp:
            store, ds_name, scheme_name = import_gold(Path(tmp) / "eval.db", gold, fmt, scheme)
            try:
                report = run_evaluation(store, ds_name, scheme_name, model, patterns, wanted, model_only)
            finally:
                store.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(report.table())


def import_gold(db_file: Path, gold: str, fmt: str, scheme: str | None) -> tuple[Any, str, str]:
    """Import ``gold`` into a new database at ``db_file``; (store, dataset, scheme name)."""
    from annotator.errors import UserError
    from annotator.pipeline import import_sources, plan_sources
    from annotator.schemes import load_scheme
    from annotator.store import open_store

    if fmt == "auto" and _looks_like_conll(Path(gold)):
        fmt = "conll"
    plans, _ = plan_sources([gold], fmt)
    if not plans:
        raise UserError(f"nothing to read in {gold}")
    scheme_name = scheme or ("conll" if all(p.format == "conll" for p in plans) else "news")
    load_scheme(scheme_name)
    store = open_store(db_file, durable=False)
    ds = store.ensure_dataset("gold", scheme=scheme_name)
    import_sources(store, plans, ds, suggesters=())
    return store, ds.name, scheme_name


def _looks_like_conll(path: Path) -> bool:
    """A file whose first line is ``-DOCSTART-`` or a token line ending in an IOB tag."""
    import re

    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                return line.startswith("-DOCSTART-") or re.fullmatch(r"\S+(?:[ \t]\S+)*[ \t](?:O|[BIE]-\S+)", line) is not None
    return False


def run_evaluation(
    store: Any, dataset: str, scheme_name: str | None, model: str | None, patterns: str | None,
    labels: tuple[str, ...] | None, model_only: bool = False,
) -> Any:
    """Run the suggesters (or the model alone) over ``dataset`` and score them against its gold."""
    from annotator.errors import UserError
    from annotator.gold import gold_records
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters, suggest_merged
    from annotator.suggest.evaluation import Report

    ds = store.require_dataset(dataset)
    scheme = load_scheme(scheme_name or ds.scheme)
    from annotator.suggest.claims import link_attributions

    suggesters = build_suggesters(scheme, model=model, patterns=Path(patterns) if patterns else None)
    if model_only:
        suggesters = [s for s in suggesters if s.name.startswith("model:")]
    pairs = [(r.unit, r.spans, r.relations) for r in gold_records(store, dataset)]
    if not pairs:
        raise UserError(f"dataset {dataset!r} has no gold or annotations to evaluate against")
    scheme_labels = set(scheme.label_names("entities")) | set(scheme.label_names("claims"))
    if labels is None:
        present = {s.label for _, spans, _ in pairs for s in spans}
        labels = tuple(sorted(present & scheme_labels)) or tuple(sorted(present))
    report = Report(labels=labels)
    batch = 512
    for k in range(0, len(pairs), batch):
        chunk = pairs[k : k + batch]
        merged = suggest_merged(suggesters, [u for u, _, _ in chunk])
        for (unit, gold_spans, gold_relations), pred in zip(chunk, merged):
            relations = pred.relations or link_attributions(pred.spans)  # a model's spans come unlinked
            report.add_unit(unit, pred.spans, gold_spans, relations, gold_relations)
    return report
