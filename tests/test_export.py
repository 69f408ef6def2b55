"""`annotator export`: filters, gold, destinations, no overwrite, stdout, schema validity."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.exporting import ExportOptions, ExportSummary, iter_items
from annotator.formats.records import fast_task_hash, token_offsets
from annotator.models import ANSWERS, LAYERS, Annotation, Document, Gold, Relation, Span, Unit, task_hash
from annotator.store import Store, open_store
from annotator.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "record.schema.json").read_text())
TEXTS = ["Kim Jong Un met Putin in Moscow.", "Reuters said talks would resume.", "Nothing here."]


def _db(path: Path) -> Store:
    db = open_store(path)
    ds = db.ensure_dataset("news")
    doc = db.insert_document(ds, Document(text=" ".join(TEXTS), external_id="art-1"),
                             [Unit(position=i, text=t, start=sum(len(x) + 1 for x in TEXTS[:i]),
                                   end=sum(len(x) + 1 for x in TEXTS[:i]) + len(t)) for i, t in enumerate(TEXTS)])
    units = db.document_units(doc or 0)
    per = Span(start=0, end=11, label="PERSON")
    src = Span(start=0, end=7, label="SOURCE", layer="claims")
    cue = Span(start=8, end=12, label="CUE", layer="claims")
    claim = Span(start=13, end=31, label="CLAIM", layer="claims")
    db.add_annotation(Annotation(unit_id=units[0].id, annotator="alice", answer="accept", spans=[per]))
    db.add_annotation(Annotation(unit_id=units[0].id, annotator="bob", answer="accept",
                                 spans=[per, Span(start=16, end=21, label="PERSON")]))
    rels = [Relation(head=src.ref, child=claim.ref, label="source-of"), Relation(head=cue.ref, child=claim.ref, label="cue-of")]
    db.add_annotation(Annotation(unit_id=units[1].id, annotator="alice", answer="accept",
                                 spans=[Span(start=0, end=7, label="ORG"), src, cue, claim], relations=rels))
    db.add_annotation(Annotation(unit_id=units[2].id, annotator="alice", answer="reject"))
    db.add_annotation(Annotation(unit_id=units[2].id, annotator="bob", answer="reject"))
    return db


@pytest.fixture
def dbfile(db: str) -> str:
    _db(db).close()
    return db


def _run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return r.exit_code, r.stdout, r.stderr


def test_every_record_validates_against_the_schema(dbfile: str, tmp_path: Path) -> None:
    code, out, _ = _run(["export", "--db", str(dbfile), "--dataset", "news", "-o", "-"], tmp_path)
    assert code == 0
    records = [json.loads(l) for l in out.splitlines()]
    assert len(records) == 5
    for rec in records:
        jsonschema.validate(rec, SCHEMA)
        assert rec["_task_hash"] == fast_task_hash(rec["_input_hash"], rec["spans"],
                                                   [{"head": r["head_span"], "child": r["child_span"], "label": r["label"]} for r in rec["relations"]])
    rel = [r for r in records if r["relations"]][0]
    assert {r["label"] for r in rel["relations"]} == {"source-of", "cue-of"}
    assert rel["relations"][0]["head"] == rel["relations"][0]["head_span"]["token_end"]
    assert rel["document"] == {"id": 1, "external_id": "art-1", "title": "", "position": 1, "start": 33, "end": 65}


def test_schema_in_sync_with_models() -> None:
    span = SCHEMA["$defs"]["span"]["properties"]
    assert set(span) == set(Span.model_fields)
    assert span["layer"]["enum"] == list(LAYERS)
    assert SCHEMA["properties"]["answer"]["enum"] == list(ANSWERS)
    assert set(SCHEMA["$defs"]["span_ref"]["required"]) == set(Relation.model_fields["head"].annotation.model_fields)  # type: ignore[union-attr]
    assert {"head_span", "child_span", "label"} <= set(SCHEMA["$defs"]["relation"]["properties"])


def test_fast_helpers_agree_with_the_contract() -> None:
    for text in ["Mr. Smith of the U.N. said it's 16,985.", "東京 👋🏽 café\u0301\tx", "Oct. 3 at St. Paul's"]:
        assert token_offsets(text) == [(t.start, t.end) for t in tokenize(text)]
    spans = [Span(start=0, end=2, label="X"), Span(start=1, end=3, label="C", layer="claims")]
    rels = [Relation(head=spans[1].ref, child=spans[0].ref, label="r")]
    assert fast_task_hash(7, [s.model_dump(exclude_none=True) for s in spans], [r.model_dump() for r in rels]) == task_hash(7, spans, rels)


def test_filters(dbfile: str) -> None:
    db = open_store(dbfile)
    items = list(iter_items(db, "news", ExportOptions(annotator="bob")))
    assert [i.annotator for i in items] == ["bob", "bob"]
    items = list(iter_items(db, "news", ExportOptions(answers=["accept"])))
    assert len(items) == 3 and all(i.answer == "accept" for i in items)
    items = list(iter_items(db, "news", ExportOptions(layer="claims", annotator="alice", answers=["accept"])))
    assert [sorted(s["label"] for s in i.spans) for i in items] == [[], ["CLAIM", "CUE", "SOURCE"]]
    assert len(items[1].relations) == 2
    items = list(iter_items(db, "news", ExportOptions(layer="entities")))
    assert all(not i.relations for i in items)
    assert len(list(iter_items(db, "news", ExportOptions(document="art-1")))) == 5
    from annotator.errors import UserError

    with pytest.raises(UserError):
        list(iter_items(db, "news", ExportOptions(document="nope")))


def test_gold_is_only_units_with_a_gold_row(dbfile: str) -> None:
    """Issue 16.4: a unit with one annotator's version and no gold row is not gold."""
    db = open_store(dbfile)
    summary = ExportSummary()
    assert list(iter_items(db, "news", ExportOptions(gold=True), summary)) == []
    assert summary.left_out == {"no_gold": 3}
    assert summary.left_out_line().startswith("left out: 3 decided units without gold (adjudicate")
    u0 = db.document_units(1)[0]
    db.set_gold(Gold(unit_id=u0.id, spans=[Span(start=0, end=11, label="PERSON")], adjudicator="lead", sources=["alice", "bob"]))
    summary = ExportSummary()
    items = list(iter_items(db, "news", ExportOptions(gold=True), summary))
    assert [(i.unit.position, i.gold, i.annotator) for i in items] == [(0, True, "lead")]
    assert summary.left_out == {"no_gold": 2}


def test_gold_or_unanimous(dbfile: str) -> None:
    db = open_store(dbfile)
    db.set_dataset("news", overlap=2)
    summary = ExportSummary()
    items = list(iter_items(db, "news", ExportOptions(gold_or_unanimous=True), summary))
    # unit 0: alice and bob disagree, no gold; unit 1: alice alone (overlap 2); unit 2: both reject
    assert [(i.unit.position, i.gold, i.answer, i.sources) for i in items] == [(2, False, "reject", ["alice", "bob"])]
    assert summary.left_out == {"conflicting": 1, "too_few": 1}
    db.set_dataset("news", overlap=1)  # one version is all the dataset asks for
    summary = ExportSummary()
    items = list(iter_items(db, "news", ExportOptions(gold_or_unanimous=True, answers=["accept"]), summary))
    assert [(i.unit.position, i.annotator) for i in items] == [(1, "alice")]
    assert summary.left_out == {"conflicting": 1, "rejected": 1}
    u0 = db.document_units(1)[0]
    db.set_gold(Gold(unit_id=u0.id, spans=[Span(start=0, end=11, label="PERSON")], adjudicator="lead"))
    items = list(iter_items(db, "news", ExportOptions(gold_or_unanimous=True)))
    assert [(i.unit.position, i.gold) for i in items] == [(0, True), (1, False), (2, False)]


def test_gold_options_exclude_annotator(dbfile: str, tmp_path: Path) -> None:
    for extra in (["--gold", "--annotator", "bob"], ["--gold", "--gold-or-unanimous"]):
        code, _, err = _run(["export", "--db", str(dbfile), "--dataset", "news", "-o", "-", *extra], tmp_path)
        assert code == 1 and "Traceback" not in err


def _training_db(path: Path) -> Store:
    """Six units: alice accepts 0-3, rejects 4, ignores 5; bob accepts 0 (same as alice), 1
    (different); nobody decides 6."""
    db = open_store(path)
    ds = db.ensure_dataset("t")
    texts = [f"Kim met Putin in Moscow number {i}." for i in range(7)]
    doc = db.insert_document(ds, Document(text=" ".join(texts), external_id="t-1"),
                             [Unit(position=i, text=t, start=i * (len(t) + 1), end=i * (len(t) + 1) + len(t))
                              for i, t in enumerate(texts)])
    units = db.document_units(doc or 0)
    kim, putin = Span(start=0, end=3, label="PERSON"), Span(start=8, end=13, label="PERSON")
    for u in units[:4]:
        db.add_annotation(Annotation(unit_id=u.id, annotator="alice", answer="accept", spans=[kim, putin]))
    db.add_annotation(Annotation(unit_id=units[4].id, annotator="alice", answer="reject"))
    db.add_annotation(Annotation(unit_id=units[5].id, annotator="alice", answer="ignore"))
    db.add_annotation(Annotation(unit_id=units[0].id, annotator="bob", answer="accept", spans=[kim, putin]))
    db.add_annotation(Annotation(unit_id=units[1].id, annotator="bob", answer="accept", spans=[kim]))
    return db


@pytest.mark.parametrize("fmt", ["spacy", "conll", "doccano"])
def test_training_formats_refuse_two_versions_and_name_the_options(tmp_path: Path, fmt: str) -> None:
    """Issue 16.5: spacy/doccano used to ship both annotators' versions of a unit."""
    _training_db(tmp_path / "t.db").close()
    code, out, err = _run(["export", "--db", str(tmp_path / "t.db"), "--dataset", "t", "--format", fmt,
                           "-o", str(tmp_path / "out")], tmp_path)
    assert code == 1 and not (tmp_path / "out").exists()
    assert "--gold" in err and "--gold-or-unanimous" in err and "--annotator NAME" in err and "Traceback" not in err


def _docbin_texts(path: Path) -> list[tuple[str, list[str]]]:
    import spacy
    from spacy.tokens import DocBin

    docs = DocBin().from_disk(path).get_docs(spacy.blank("en").vocab)
    return [(d.text, [e.text for e in d.ents]) for d in docs]


def test_training_formats_take_accepted_decisions_and_say_what_they_left_out(tmp_path: Path) -> None:
    """Issue 16.5: rejected and ignored units went out as "no entities" (negatives)."""
    _training_db(tmp_path / "t.db").close()
    db = str(tmp_path / "t.db")
    code, out, err = _run(["export", "--db", db, "--dataset", "t", "--format", "doccano", "-o", "-",
                           "--annotator", "alice"], tmp_path)
    assert code == 0
    assert [json.loads(l)["text"][-2] for l in out.splitlines()] == ["0", "1", "2", "3"]
    assert err.strip().splitlines()[-1] == "left out: 1 rejected, 1 ignored"
    code, out, err = _run(["export", "--db", db, "--dataset", "t", "--format", "conll", "-o", "-",
                           "--annotator", "alice"], tmp_path)
    assert code == 0 and out.count("Kim _ _ B-PERSON\n") == 4
    assert "number _ _ O\n4" not in out and "number _ _ O\n5" not in out and "number _ _ O\n3" in out
    assert "left out: 1 rejected, 1 ignored" in err
    code, _, err = _run(["export", "--db", db, "--dataset", "t", "--format", "spacy", "-o", str(tmp_path / "g.spacy"),
                         "--gold-or-unanimous"], tmp_path)
    assert code == 0
    # overlap 1: units 2 and 3 (alice alone) and 0 (alice = bob) go out; 1 conflicts
    docs = _docbin_texts(tmp_path / "g.spacy")
    assert [t[-2] for t, _ in docs] == ["0", "2", "3"] and all(ents == ["Kim", "Putin"] for _, ents in docs)
    assert "left out: 1 rejected, 1 ignored, 1 units with conflicting versions (adjudicate them" in err
    # an explicit --answer still wins
    code, out, err = _run(["export", "--db", db, "--dataset", "t", "--format", "doccano", "-o", "-",
                           "--annotator", "alice", "--answer", "reject"], tmp_path)
    assert code == 0 and len(out.splitlines()) == 1 and "left out: 4 accepted, 1 ignored" in err


def test_record_formats_say_they_left_out_nothing(dbfile: str, tmp_path: Path) -> None:
    code, out, err = _run(["export", "--db", str(dbfile), "--dataset", "news", "-o", str(tmp_path / "a.jsonl")], tmp_path)
    assert code == 0 and err.strip().splitlines()[-1] == "left out: nothing"
    code, out, err = _run(["export", "--db", str(dbfile), "--dataset", "news", "-o", "-", "--answer", "accept"], tmp_path)
    assert len(out.splitlines()) == 3 and err.strip() == "left out: 2 rejected"


def test_default_destination_no_overwrite_force(dbfile: str, tmp_path: Path) -> None:
    alice = ["--annotator", "alice"]
    code, _, _ = _run(["export", "--db", str(dbfile), "--dataset", "news", "--format", "doccano", *alice], tmp_path)
    dest = tmp_path / "exports" / "news-doccano.jsonl"
    assert code == 0 and dest.exists()
    before = dest.read_bytes()
    dest.write_text("mine")
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "news", "--format", "doccano", "-o", str(dest), *alice])
    assert r.exit_code != 0 and "already exists" in r.output and dest.read_text() == "mine"
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "news", "--format", "doccano", "-o", str(dest), "--force", *alice])
    assert r.exit_code == 0 and dest.read_bytes() == before
    assert [json.loads(l)["label"] for l in before.decode().splitlines()][0] == [[0, 11, "PERSON"]]
    assert not [p for p in dest.parent.iterdir() if p.name.endswith(".part")]


def test_interrupted_export_leaves_no_file(dbfile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator import exporting
    from annotator.formats import jsonl

    def boom(*a: object, **k: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(jsonl, "write_jsonl", boom)
    monkeypatch.setattr(jsonl, "encode_jsonl_parts", boom)
    db = open_store(dbfile)
    dest = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        exporting.export(db, "news", "jsonl", str(dest), ExportOptions())
    assert not dest.exists() and not list(tmp_path.glob(".out.jsonl*"))


def test_conll_needs_one_version(dbfile: str) -> None:
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "news", "--format", "conll", "-o", "-"])
    assert r.exit_code == 1 and "--annotator" in r.output
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "news", "--format", "conll", "-o", "-", "--annotator", "bob"])
    assert r.exit_code == 0
    assert "Kim B-PERSON\n" not in r.output and "Kim _ _ B-PERSON\nJong _ _ I-PERSON\nUn _ _ I-PERSON\nmet _ _ O\nPutin _ _ B-PERSON\n" in r.output


def test_labelstudio_tasks(dbfile: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "news", "--format", "labelstudio", "-o", "-"])
    tasks = json.loads(r.stdout)
    assert [len(t["annotations"]) for t in tasks] == [2, 1, 2]
    ann = tasks[1]["annotations"][0]
    assert ann["completed_by"] == {"email": "alice@annotator.local"}  # Label Studio takes an id or an e-mail
    assert ann["meta"]["annotator"] == "alice"
    assert sum(1 for x in ann["result"] if x["type"] == "relation") == 2
    assert tasks[2]["annotations"][0]["was_cancelled"] is True


def test_unknown_dataset_is_one_line(dbfile: str) -> None:
    r = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "--dataset", "nope", "-o", "-"])
    assert r.exit_code == 1 and "no dataset 'nope'" in r.output and "Traceback" not in r.output
