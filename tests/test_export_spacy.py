"""spaCy export: the DocBin loads, holds entities and claims, and `spacy train` runs on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


from annotator.exporting import ExportOptions, export
from annotator.models import Annotation, Document, Span, Unit
from annotator.store import open_store

SENTS = [
    ("Angela Merkel visited Paris on Monday.", [("Angela Merkel", "PERSON"), ("Paris", "GPE")]),
    ("Reuters said Emmanuel Macron met Olaf Scholz.", [("Reuters", "ORG"), ("Emmanuel Macron", "PERSON"), ("Olaf Scholz", "PERSON")]),
    ("Talks in Berlin ended.", [("Berlin", "GPE")]),
]


def _make(tmp_path: Path) -> Path:
    db = open_store(tmp_path / "s.db")
    ds = db.ensure_dataset("sp")
    for i, (text, ents) in enumerate(SENTS):
        doc = db.insert_document(ds, Document(text=text), [Unit(text=text, start=0, end=len(text))])
        unit = db.document_units(doc or 0)[0]
        spans = [Span(start=text.index(t), end=text.index(t) + len(t), label=l) for t, l in ents]
        if i == 1:
            spans.append(Span(start=13, end=len(text) - 1, label="CLAIM", layer="claims"))
        db.add_annotation(Annotation(unit_id=unit.id or 0, annotator="a", answer="accept", spans=spans))
    out = tmp_path / "train.spacy"
    export(db, "sp", "spacy", str(out), ExportOptions())
    return out


def test_docbin_loads_with_entities_and_claims(tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    out = _make(tmp_path)
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert [d.text for d in docs] == [t for t, _ in SENTS]
    assert [[(e.text, e.label_) for e in d.ents] for d in docs] == [e for _, e in SENTS]
    assert [(s.text, s.label_) for s in docs[1].spans["claims"]] == [("Emmanuel Macron met Olaf Scholz", "CLAIM")]
    assert docs[0].user_data["annotator"] == "a"


def test_spacy_train_runs_on_the_export(tmp_path: Path) -> None:
    out = _make(tmp_path)
    cfg = tmp_path / "config.cfg"
    spacy_cli = [sys.executable, "-m", "spacy"]
    r = subprocess.run([*spacy_cli, "init", "config", str(cfg), "--lang", "en", "--pipeline", "ner", "--optimize", "efficiency", "--force"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [*spacy_cli, "train", str(cfg), "--output", str(tmp_path / "model"), "--paths.train", str(out),
         "--paths.dev", str(out), "--training.max_epochs", "2", "--training.max_steps", "4",
         "--training.eval_frequency", "2"],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()
