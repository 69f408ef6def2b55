"""Label Studio import: predictions are suggestions, annotations decisions; the task array is
read streaming with exact line numbers; our export is what Label Studio 1.23 accepts and comes
back as the documents and annotators it left as."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from annotator.cli import cli
from annotator.store.suggestions import SUGGESTION_SHORTHAND
from annotator.errors import InputError
from annotator.formats.labelstudio import read_labelstudio
from annotator.ingest.base import ReadOptions, Source
from annotator.models import Annotation, Span
from annotator.store import open_store

from conftest import SEED


def _span(start, end, text, label, rid, score=None):
    r = {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": start, "end": end, "text": text, "labels": [label]}}
    if score is not None:
        r["score"] = score
    return r


def _rows(db, sql):
    return sqlite3.connect(db).execute(sql).fetchall()


def test_predictions_become_suggestions_and_annotations_decisions(runner, db_path, tmp_path):
    tasks = [
        {"id": 7, "data": {"text": "Kim met Moon in Seoul."},
         "predictions": [{"model_version": "ner-v2", "score": 0.8, "result": [
             _span(0, 3, "Kim", "PERSON", "r1", score=0.91), _span(16, 21, "Seoul", "GPE", "r2")]}]},
        {"id": 8, "data": {"text": "Moon said no."},
         "annotations": [{"completed_by": {"email": "bob@example.org"}, "result": [_span(0, 4, "Moon", "PERSON", "a")]}],
         "predictions": [{"model_version": "ner-v2", "result": [_span(0, 4, "Moon", "ORG", "p")]}]},
    ]
    f = tmp_path / "ls.json"
    f.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    r = runner.invoke(cli, ["import", str(f), "--format", "labelstudio", "--db", str(db_path), "--no-suggest"])
    assert r.exit_code == 0, r.output
    sugg = _rows(db_path, "SELECT u.text, s.suggester, s.spans FROM suggestions s JOIN units u ON u.id = s.unit_id ORDER BY u.id")
    assert [(t, name) for t, name, _ in sugg] == [("Kim met Moon in Seoul.", "ner-v2"), ("Moon said no.", "ner-v2")]
    spans = json.loads(SUGGESTION_SHORTHAND.expand_text(sugg[0][2]))  # kept compact
    assert [(s["start"], s["end"], s["label"], s["score"]) for s in spans] == [(0, 3, "PERSON", 0.91), (16, 21, "GPE", 0.8)]
    # only the annotated task has a decision
    anns = _rows(db_path, "SELECT u.text, a.annotator, a.answer FROM annotations a JOIN units u ON u.id = a.unit_id")
    assert anns == [("Moon said no.", "bob@example.org", "accept")]


def test_a_file_of_predictions_only_makes_no_decisions(runner, db_path, tmp_path):
    tasks = [{"data": {"text": f"Sentence {i} about Seoul."},
              "predictions": [{"model_version": "m1", "result": [_span(len(f"Sentence {i} about "), len(f"Sentence {i} about Seoul"), "Seoul", "GPE", "x")]}]}
             for i in range(5)]
    f = tmp_path / "pre.json"
    f.write_text(json.dumps(tasks), encoding="utf-8")
    assert runner.invoke(cli, ["import", str(f), "--format", "labelstudio", "--db", str(db_path), "--no-suggest"]).exit_code == 0
    assert _rows(db_path, "SELECT count(*) FROM annotations") == [(0,)]
    assert _rows(db_path, "SELECT count(*), min(suggester) FROM suggestions") == [(5, "m1")]
    r = runner.invoke(cli, ["stats", "--db", str(db_path), "--json"])
    (ds,) = json.loads(r.output)["datasets"]
    assert ds["units"] == 5


def _big_array(path: Path, n: int, tail: str = "\n]\n") -> None:
    """A pretty-printed task array of n tasks with ids (as Label Studio exports)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i in range(n):
            t = {"id": i + 1, "data": {"text": f"Kim Jong Un met official {i} in Pyongyang."},
                 "annotations": [{"completed_by": 1, "result": [_span(0, 11, "Kim Jong Un", "PERSON", f"r{i}")]}]}
            fh.write(("" if i == 0 else ",\n") + json.dumps(t, indent=1))
        fh.write(tail)


def test_twenty_thousand_tasks_stream_with_exact_lines(tmp_path):
    """The array is read task by task (the first document comes before the end of the file is
    read) and line numbers are counted once (a bad tail is named at its exact line)."""
    f = tmp_path / "big.json"
    _big_array(f, 20_000, tail="\n, {\"id\": 1, \"data\": {\"text\": 5}}\n]\n")
    raw = f.read_text(encoding="utf-8")
    last_line = raw.count("\n", 0, raw.rindex('{"id": 1, "data": {"text": 5')) + 1
    reader = read_labelstudio(Source(f), ReadOptions())
    first = next(reader)
    assert first.document.external_id == "1" and first.line == 2
    count = 1
    try:
        for parsed in reader:
            count += 1
    except InputError as e:
        assert str(e) == f"{f}:{last_line}: task has no string data.text"
    else:
        raise AssertionError("the bad last task was not refused")
    assert count == 20_000


def test_bad_json_in_an_array_names_its_line(runner, db_path, tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('[\n {"id": 1, "data": {"text": "Fine."}},\n {"id": 2, "data": {"text": "x",}}\n]\n', encoding="utf-8")
    r = runner.invoke(cli, ["import", str(f), "--format", "labelstudio", "--db", str(db_path)])
    assert r.exit_code == 2
    assert r.output.strip() == f"Error: {f}:3: not valid JSON (Expecting property name enclosed in double quotes)"


def _labelled_seed(db_path: Path) -> None:
    store = open_store(db_path)
    ds = store.ensure_dataset("seed")
    from annotator.pipeline import import_sources, plan_sources

    import_sources(store, plan_sources([str(SEED)])[0], ds, options=ReadOptions())
    units = store.document_units(1)
    for u in units[:8]:
        store.add_annotation(Annotation(unit_id=u.id or 0, annotator="alice smith", answer="accept",
                                        spans=[Span(start=0, end=min(5, len(u.text)), label="ORG")]))
    store.close()


def test_export_is_what_label_studio_accepts_and_reimports_whole(runner, db_path, tmp_path):
    _labelled_seed(db_path)
    out = tmp_path / "ls.json"
    r = runner.invoke(cli, ["export", "--db", str(db_path), "--dataset", "seed", "--format", "labelstudio", "-o", str(out)])
    assert r.exit_code == 0, r.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 8
    for t in tasks:
        (ann,) = t["annotations"]
        assert ann["completed_by"] == {"email": "alice_smith@annotator.local"}
    r = runner.invoke(cli, ["import", str(out), "--format", "labelstudio", "--db", str(db_path), "--dataset", "back",
                            "--no-suggest"])
    assert r.exit_code == 0, r.output
    # one document again (not 8), its units where they were, alice's name back
    docs = _rows(db_path, "SELECT d.id, d.external_id FROM documents d JOIN datasets s ON s.id = d.dataset_id WHERE s.name = 'back'")
    assert len(docs) == 1
    src = _rows(db_path, "SELECT start, end, text FROM units WHERE document_id = 1 ORDER BY position LIMIT 8")
    back = _rows(db_path, f"SELECT start, end, text FROM units WHERE document_id = {docs[0][0]} ORDER BY position")
    assert back == src
    assert _rows(db_path, f"SELECT DISTINCT a.annotator FROM annotations a JOIN units u ON u.id = a.unit_id "
                          f"WHERE u.document_id = {docs[0][0]}") == [("alice smith",)]


def test_export_writes_the_labelling_config_beside_the_tasks(runner, db_path, tmp_path):
    import xml.etree.ElementTree as ET

    _labelled_seed(db_path)
    store = open_store(db_path)
    u = store.document_units(1)[9]
    store.add_annotation(Annotation(unit_id=u.id or 0, annotator="bob", answer="accept",
                                    spans=[Span(start=0, end=3, label="CLAIM", layer="claims")]))
    store.close()
    out = tmp_path / "seed-ls.json"
    r = runner.invoke(cli, ["export", "--db", str(db_path), "--dataset", "seed", "--format", "labelstudio", "-o", str(out)])
    assert r.exit_code == 0, r.output
    config = ET.parse(tmp_path / "seed-ls.config.xml").getroot()
    assert config.tag == "View"
    labels = {el.get("name"): el for el in config.iter("Labels")}
    assert set(labels) == {"entities", "claims"} and all(el.get("toName") == "text" for el in labels.values())
    assert config.find("Text").get("name") == "text" and config.find("Text").get("value") == "$text"
    assert {el.get("value") for el in config.iter("Relation")} >= {"source-of", "cue-of"}
    # every result of the export names a Labels tag and a label that the config declares
    for task in json.loads(out.read_text(encoding="utf-8")):
        for ann in task["annotations"]:
            for res in ann["result"]:
                if res["type"] == "labels":
                    declared = {el.get("value") for el in labels[res["from_name"]].iter("Label")}
                    assert res["to_name"] == "text" and set(res["value"]["labels"]) <= declared


def test_tasks_one_per_line_from_stdin(runner, db_path):
    lines = "\n".join(json.dumps({"id": i, "data": {"text": f"Task {i} from stdin."}}) for i in range(3)) + "\n"
    r = runner.invoke(cli, ["import", "-", "--format", "labelstudio", "--db", str(db_path), "--no-suggest"], input=lines)
    assert r.exit_code == 0, r.output
    assert _rows(db_path, "SELECT text FROM units ORDER BY id") == [(f"Task {i} from stdin.",) for i in range(3)]
    r = runner.invoke(cli, ["import", "-", "--format", "labelstudio", "--db", str(db_path), "--dataset", "e"],
                      input=lines + '{"data": {"text": 5}}\n')
    assert r.exit_code == 2 and r.output.strip() == "Error: <stdin>:4: task has no string data.text"
