"""brat export and import give back exactly the decisions exported (issue 16, points 8 and 13):
answers, annotators, undecided units, and an ``annotation.conf`` that declares every type."""

from __future__ import annotations

import re
from pathlib import Path

from annotator.exporting import ExportOptions, export
from annotator.formats.brat import CONF_FILE, DECISIONS_FILE
from annotator.ingest.base import ReadOptions
from annotator.ingest.segment import split_units
from annotator.models import Annotation, Document, Gold, Relation, Span, Unit
from annotator.pipeline import import_sources, plan_sources
from annotator.store import Store, open_store
from interop.brat_conf import conf_problems, parse_conf

SENTENCES = [
    "Kim Jong Un met Vladimir Putin in Moscow.",
    "Reuters said the talks would resume on Monday.",
    "Nothing happened here.",
    "The Ministry of Defence declined to comment.",
    "Officials in Seoul said the summit was a success.",
    "It rained.",
    "Pyongyang denied the report, according to KCNA.",
    "The United Nations met in New York.",
    "Nobody looked at this sentence.",
    "Nor at this one.",
]


def _at(text: str, sub: str, label: str, layer: str = "entities") -> Span:
    i = text.index(sub)
    return Span(start=i, end=i + len(sub), label=label, layer=layer)  # type: ignore[arg-type]


def _seed(path: Path) -> tuple[Store, set[tuple]]:
    """Ten units; alice decides eight, bob seven (15 decisions); two units stay undecided."""
    db = open_store(path)
    ds = db.ensure_dataset("src")
    text = " ".join(SENTENCES)
    bounds = split_units(text)
    assert len(bounds) == len(SENTENCES)
    doc = db.insert_document(ds, Document(text=text, external_id="story"),
                             [Unit(position=i, text=text[a:b], start=a, end=b) for i, (a, b) in enumerate(bounds)])
    units = db.document_units(doc or 0)
    t = [u.text for u in units]
    src, cue, claim = (_at(t[1], "Reuters", "SOURCE", "claims"), _at(t[1], "said", "CUE", "claims"),
                       _at(t[1], "the talks would resume on Monday", "CLAIM", "claims"))
    claims = [src, cue, claim]
    rels = [Relation(head=src.ref, child=claim.ref, label="source-of"),
            Relation(head=cue.ref, child=claim.ref, label="cue-of")]
    alice = {
        0: ("accept", [_at(t[0], "Kim Jong Un", "PERSON"), _at(t[0], "Vladimir Putin", "PERSON"),
                       _at(t[0], "Moscow", "GPE")], []),
        1: ("accept", [_at(t[1], "Reuters", "ORG"), _at(t[1], "Monday", "DATE"), *claims], rels),
        2: ("accept", [], []),
        3: ("reject", [], []),
        4: ("accept", [_at(t[4], "Seoul", "GPE")], []),
        5: ("ignore", [], []),
        6: ("accept", [_at(t[6], "Pyongyang", "GPE"), _at(t[6], "KCNA", "ORG")], []),
        7: ("accept", [_at(t[7], "The United Nations", "ORG"), _at(t[7], "New York", "GPE")], []),
    }
    bob = {
        0: ("accept", [_at(t[0], "Kim Jong Un", "PERSON"), _at(t[0], "Moscow", "GPE")], []),
        1: ("reject", [], []),
        2: ("ignore", [], []),
        3: ("accept", [_at(t[3], "The Ministry of Defence", "ORG")], []),
        4: ("accept", [], []),
        5: ("accept", [], []),
        6: ("reject", [], []),
    }
    for who, decisions in (("alice", alice), ("bob", bob)):
        for i, (answer, spans, relations) in decisions.items():
            db.add_annotation(Annotation(unit_id=units[i].id or 0, annotator=who, answer=answer,  # type: ignore[arg-type]
                                         spans=spans, relations=relations))
    return db, decisions_of(db, "src")


def decisions_of(db: Store, dataset: str) -> set[tuple]:
    out = set()
    for unit, ann in db.iter_annotations(dataset):
        out.add((unit.start, unit.end, unit.text, ann.annotator, ann.answer,
                 frozenset((s.start, s.end, s.label, s.layer) for s in ann.spans),
                 frozenset((r.head.start, r.head.end, r.head.label, r.child.start, r.child.end, r.child.label, r.label)
                           for r in ann.relations)))
    return out


def _import(db: Store, dataset: str, path: Path) -> None:
    plans, _ = plan_sources([str(path)], "brat")
    import_sources(db, plans, db.ensure_dataset(dataset), options=ReadOptions())


def test_round_trip_gives_back_exactly_the_decisions(tmp_path: Path) -> None:
    a, want = _seed(tmp_path / "a.db")
    assert len(want) == 15
    export(a, "src", "brat", str(tmp_path / "out"), ExportOptions())
    b = open_store(tmp_path / "b.db")
    _import(b, "back", tmp_path / "out")
    got = decisions_of(b, "back")
    assert len(got) == 15
    assert got == want
    # the two units nobody decided are there, undecided
    assert b.count_units("back") == a.count_units("src") == 10
    # and again: a second round trip changes nothing
    export(b, "back", "brat", str(tmp_path / "out2"), ExportOptions())
    c = open_store(tmp_path / "c.db")
    _import(c, "again", tmp_path / "out2")
    assert decisions_of(c, "again") == want


def test_annotator_names_with_underscores_survive(tmp_path: Path) -> None:
    a, _ = _seed(tmp_path / "a.db")
    unit = a.document_units(1)[8]
    a.add_annotation(Annotation(unit_id=unit.id or 0, annotator="carol_smith", answer="accept",
                                spans=[_at(unit.text, "Nobody", "PERSON")]))
    want = decisions_of(a, "src")
    export(a, "src", "brat", str(tmp_path / "out"), ExportOptions())
    assert (tmp_path / "out" / "story_carol_smith.ann").is_file()
    b = open_store(tmp_path / "b.db")
    _import(b, "back", tmp_path / "out")
    assert decisions_of(b, "back") == want


def test_gold_export_round_trips_under_the_adjudicator(tmp_path: Path) -> None:
    a, _ = _seed(tmp_path / "a.db")
    u0 = a.document_units(1)[0]
    a.set_gold(Gold(unit_id=u0.id or 0, spans=[_at(u0.text, "Kim Jong Un", "PERSON")], adjudicator="lead"))
    export(a, "src", "brat", str(tmp_path / "out"), ExportOptions(gold=True))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [CONF_FILE, DECISIONS_FILE, "story.ann", "story.txt"]
    b = open_store(tmp_path / "b.db")
    _import(b, "back", tmp_path / "out")
    assert [(x[3], x[4], x[5]) for x in decisions_of(b, "back")] == [("lead", "accept", frozenset({(0, 11, "PERSON", "entities")}))]


def test_annotation_conf_declares_every_type_used(tmp_path: Path) -> None:
    a, _ = _seed(tmp_path / "a.db")
    export(a, "src", "brat", str(tmp_path / "out"), ExportOptions())
    conf = parse_conf((tmp_path / "out" / CONF_FILE).read_text())
    assert set(conf["entities"]) == {"PERSON", "GPE", "ORG", "DATE", "Source", "Cue", "Content"}
    assert conf["relations"]["source-of"] == "Arg1:Source, Arg2:Content"
    assert "<OVERLAP>" in conf["relations"]
    anns = "".join(p.read_text() for p in (tmp_path / "out").glob("*.ann"))
    assert "\nR" in anns or anns.startswith("R") or "\tsource-of Arg1:" in anns
    assert not re.search(r"^E\d", anns, re.M)  # relations made here are R lines, never events
    assert conf_problems(tmp_path / "out") == []


def test_conf_check_finds_an_undeclared_type(tmp_path: Path) -> None:
    a, _ = _seed(tmp_path / "a.db")
    out = tmp_path / "out"
    export(a, "src", "brat", str(out), ExportOptions())
    ann = out / "story_alice.ann"
    ann.write_text(ann.read_text().replace("\tGPE ", "\tCITY ", 1).replace("source-of Arg1", "said-by Arg1"))
    problems = conf_problems(out)
    assert any("CITY not declared" in p for p in problems) and any("said-by not declared" in p for p in problems)


def test_polnear_events_are_declared_in_the_conf(tmp_path: Path) -> None:
    from brat_fixtures import brat_fixtures

    fix = brat_fixtures(tmp_path / "fix")
    a = open_store(tmp_path / "a.db")
    _import(a, "polnear", fix / "brat_polnear")
    export(a, "polnear", "brat", str(tmp_path / "out"), ExportOptions())
    conf = parse_conf((tmp_path / "out" / CONF_FILE).read_text())
    assert conf["events"] and conf_problems(tmp_path / "out") == []
    anns = "".join(p.read_text() for p in (tmp_path / "out").glob("*.ann"))
    assert re.search(r"^E\d", anns, re.M)  # events came in, so they go out as events


def test_bare_event_beside_one_with_arguments_is_kept() -> None:
    """PolNeAR has ``E1 Attribution-no-source:T3`` and ``E2 Attribution-no-source:T3 Cue:T2 …``
    on one trigger; both come back."""
    from annotator.formats.brat import write_ann

    text = "Is Now Being Held Up"
    trig = Span(start=0, end=6, label="Attribution-no-source", layer="claims")
    cue = Span(start=0, end=6, label="CUE", layer="claims")
    rels = [Relation(head=trig.ref, child=trig.ref, label="event:"), Relation(head=trig.ref, child=cue.ref, label="event:Cue")]
    out = write_ann(text, [(0, [trig, cue], rels, {})])
    assert [l.split("\t")[1] for l in out.splitlines() if l.startswith("E")] == ["Attribution-no-source:T1", "Attribution-no-source:T1 Cue:T2"]


def test_bad_decisions_file_is_refused_with_its_line(tmp_path: Path) -> None:
    import pytest

    from annotator.errors import InputError

    a, _ = _seed(tmp_path / "a.db")
    out = tmp_path / "out"
    export(a, "src", "brat", str(out), ExportOptions())
    lines = (out / DECISIONS_FILE).read_text().splitlines()
    lines[2] = lines[2].replace('"accept"', '"maybe"').replace('"reject"', '"maybe"').replace('"ignore"', '"maybe"')
    (out / DECISIONS_FILE).write_text("\n".join(lines) + "\n")
    b = open_store(tmp_path / "b.db")
    with pytest.raises(InputError) as e:
        _import(b, "back", out)
    assert e.value.line == 3 and DECISIONS_FILE in str(e.value)
