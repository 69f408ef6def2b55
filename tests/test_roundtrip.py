"""Round trips: import -> export -> import keeps spans, labels, relations and annotators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.exporting import ExportOptions, export
from annotator.ingest.base import ReadOptions
from annotator.models import Annotation, Document, Relation, Span, Unit
from annotator.pipeline import import_sources, plan_sources
from annotator.store import Store, open_store




def labels_of(store: Store, dataset: str, doc_level: bool = False) -> set[tuple]:
    """Every current decision as comparable values (unit text or document offsets)."""
    out = set()
    for unit, ann in store.iter_annotations(dataset):
        base = unit.start if doc_level else 0
        key = unit.start if doc_level else unit.text
        spans = frozenset((base + s.start, base + s.end, s.label, s.layer) for s in ann.spans)
        rels = frozenset(((base + r.head.start, base + r.head.end, r.head.label),
                          (base + r.child.start, base + r.child.end, r.child.label), r.label) for r in ann.relations)
        out.add((key if not doc_level else None, ann.annotator, ann.answer, spans, rels))
    if doc_level:  # merge per annotator across units
        merged: dict[tuple, tuple[set, set]] = {}
        for _, who, answer, spans, rels in out:
            m = merged.setdefault((who, answer), (set(), set()))
            m[0].update(spans)
            m[1].update(rels)
        return {(k, frozenset(v[0]), frozenset(v[1])) for k, v in merged.items()}
    return out


def do_import(db: Store, dataset: str, path: Path, fmt: str, **opts: object) -> None:
    plans, _ = plan_sources([str(path)], fmt)
    ds = db.ensure_dataset(dataset)
    import_sources(db, plans, ds, options=ReadOptions(**opts))  # type: ignore[arg-type]


def do_export(db: Store, dataset: str, fmt: str, dest: Path, **opts: object) -> Path:
    export(db, dataset, fmt, str(dest), ExportOptions(**opts), force=True)  # type: ignore[arg-type]
    return dest


def _seed(db: Store, text: str, versions: dict[str, tuple[list[Span], list[Relation], str]]) -> None:
    ds = db.ensure_dataset("src")
    doc_id = db.insert_document(ds, Document(text=text, external_id="d1"), [Unit(text=text, start=0, end=len(text))])
    assert doc_id is not None
    unit = db.document_units(doc_id)[0]
    for who, (spans, rels, answer) in versions.items():
        db.add_annotation(Annotation(unit_id=unit.id or 0, annotator=who, answer=answer, spans=spans,  # type: ignore[arg-type]
                                     relations=rels))


TEXT = "Kim Jong Un 👋🏽 said 東京 was \"safe\"\tcafé\u0301.\nPutin denied it."


def _at(sub: str) -> tuple[int, int]:
    i = TEXT.index(sub)
    return i, i + len(sub)


SPANS = [
    Span(start=_at("Kim Jong Un")[0], end=_at("Kim Jong Un")[1], label="PERSON", layer="entities"),
    Span(start=_at("東京")[0], end=_at("東京")[1], label="GPE", layer="entities"),
    Span(start=_at("Kim Jong Un")[0], end=_at("Kim Jong Un")[1], label="SOURCE", layer="claims"),
    Span(start=_at("said")[0], end=_at("said")[1], label="CUE", layer="claims"),
    Span(start=_at("東京")[0], end=_at("café\u0301")[1], label="CLAIM", layer="claims"),
]
RELS = [
    Relation(head=SPANS[2].ref, child=SPANS[4].ref, label="source-of"),
    Relation(head=SPANS[3].ref, child=SPANS[4].ref, label="cue-of"),
]


@pytest.mark.parametrize(("fmt", "suffix", "reader", "carries_relations", "opts"), [
    ("jsonl", ".jsonl", "jsonl", True, {}),
    ("jsonl", ".jsonl", "prodigy", True, {}),
    ("labelstudio", ".json", "labelstudio", True, {}),
    # doccano is a training format: one annotator at a time, accepted only unless asked
    ("doccano", ".jsonl", "doccano", False, {"annotator": "alice"}),
    ("doccano", ".jsonl", "doccano", False, {"annotator": "bob", "answers": ["reject"]}),
])
def test_unit_formats_round_trip(tmp_path: Path, fmt: str, suffix: str, reader: str,
                                 carries_relations: bool, opts: dict) -> None:
    a = open_store(tmp_path / "a.db")
    _seed(a, TEXT, {"alice": (SPANS, RELS, "accept"), "bob": (SPANS[:2], [], "reject")})
    first = do_export(a, "src", fmt, tmp_path / f"one{suffix}", **opts)
    b = open_store(tmp_path / "b.db")
    do_import(b, "back", first, reader)
    second = do_export(b, "back", fmt, tmp_path / f"two{suffix}", **opts)
    want = {t for t in labels_of(a, "src") if "annotator" not in opts or t[1] == opts["annotator"]}
    if not carries_relations:
        want = {(t, w, ans, s, frozenset()) for t, w, ans, s, _ in want}
    assert labels_of(b, "back") == want
    c = open_store(tmp_path / "c.db")
    do_import(c, "again", second, reader)
    assert labels_of(c, "again") == labels_of(b, "back")


def test_brat_round_trip_document_offsets(format_fixtures: Path, tmp_path: Path) -> None:
    a = open_store(tmp_path / "a.db")
    do_import(a, "src", format_fixtures / "brat_polnear", "brat")
    out = do_export(a, "src", "brat", tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf", "decisions.jsonl", "doc1.txt", "doc1_aa11.ann", "doc1_bb22.ann"]
    b = open_store(tmp_path / "b.db")
    do_import(b, "back", out, "brat")
    assert labels_of(b, "back", doc_level=True) == labels_of(a, "src", doc_level=True)
    assert (out / "doc1.txt").read_bytes() == (format_fixtures / "brat_polnear" / "text" / "doc1.txt").read_bytes()
    # and a third generation gives the same files byte for byte
    out2 = do_export(b, "back", "brat", tmp_path / "out2")
    for p in out.iterdir():
        assert (out2 / p.name).read_bytes() == p.read_bytes()


def test_conll_round_trip_bytes(format_fixtures: Path, tmp_path: Path) -> None:
    a = open_store(tmp_path / "a.db")
    do_import(a, "src", format_fixtures / "mini.conll", "conll")
    out = do_export(a, "src", "conll", tmp_path / "out.conll")
    assert out.read_text() == (format_fixtures / "mini.conll").read_text() + "\n"
    b = open_store(tmp_path / "b.db")
    do_import(b, "back", out, "conll")
    assert labels_of(b, "back") == labels_of(a, "src")
    # through jsonl and back to conll: same tokens and tags
    j = do_export(a, "src", "jsonl", tmp_path / "mid.jsonl")
    c = open_store(tmp_path / "c.db")
    do_import(c, "viajsonl", j, "jsonl")
    again = do_export(c, "viajsonl", "conll", tmp_path / "again.conll")
    assert again.read_text() == out.read_text()


# ------------------------------------------------------------------ property tests

ALPHABET = st.sampled_from(list("ab Zé\u0301\t\n東京👋🏽\u200d🌍 .,\"'") + ["\U0001F469\u200d\U0001F52C", "Ω", "ß"])


@st.composite
def labelled_text(draw: st.DrawFn) -> tuple[str, list[Span], list[Relation]]:
    text = draw(st.lists(ALPHABET, min_size=3, max_size=40).map("".join))
    n = len(text)
    cuts = sorted(draw(st.sets(st.integers(0, n), min_size=2, max_size=8)))
    spans: list[Span] = []
    for i, (a, b) in enumerate(zip(cuts[::2], cuts[1::2])):
        if b > a:
            spans.append(Span(start=a, end=b, label=["PERSON", "ORG", "GPE"][i % 3], layer="entities"))
    claims: list[Span] = []
    for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), max_size=3)):
        if b > a:
            claims.append(Span(start=a, end=b, label=["CLAIM", "SOURCE", "CUE"][len(claims) % 3], layer="claims"))
    claims = list({s.key: s for s in claims}.values())
    rels = []
    if len(claims) >= 2:
        rels.append(Relation(head=claims[1].ref, child=claims[0].ref, label="source-of"))
    return text, spans + claims, rels


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=labelled_text())
def test_offsets_never_shift_property(tmp_path_factory: pytest.TempPathFactory, case: tuple) -> None:
    text, spans, rels = case
    d = tmp_path_factory.mktemp("prop")
    a = open_store(d / "a.db")
    _seed(a, text, {"ann1": (spans, rels, "accept")})
    want = labels_of(a, "src")
    for fmt, suffix, reader in (("jsonl", ".jsonl", "jsonl"), ("labelstudio", ".json", "labelstudio")):
        out = do_export(a, "src", fmt, d / f"x{suffix}")
        b = open_store(d / f"{fmt}.db")
        do_import(b, "back", out, reader)
        assert labels_of(b, "back") == want, fmt
        b.close()
    # brat works on whole documents: compare document offsets
    out = do_export(a, "src", "brat", d / "brat")
    b = open_store(d / "brat.db")
    do_import(b, "back", out, "brat", annotator="x")
    got = labels_of(b, "back", doc_level=True)
    assert {(k, s) for k, s, _ in got} == {(k, s) for k, s, _ in labels_of(a, "src", doc_level=True)}
    a.close()
    b.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentences=st.lists(st.lists(st.tuples(
    st.text(alphabet=st.sampled_from(list("aZé\u0301東京👋🏽.,-")), min_size=1, max_size=5),
    st.sampled_from(["O", "B-PER", "I-PER", "B-LOC"])), min_size=1, max_size=6), min_size=1, max_size=4))
def test_conll_tokens_and_tags_property(tmp_path_factory: pytest.TempPathFactory, sentences: list) -> None:
    d = tmp_path_factory.mktemp("conll")
    lines = ["-DOCSTART- -X- -X- O", ""]
    for sent in sentences:
        prev = "O"
        for tok, tag in sent:
            if tag.startswith("I-") and prev[2:] != tag[2:]:
                tag = "B-" + tag[2:]  # keep the file valid IOB2
            lines.append(f"{tok} _ _ {tag}")
            prev = tag
        lines.append("")
    src = d / "in.conll"
    src.write_text("\n".join(lines) + "\n")
    a = open_store(d / "a.db")
    do_import(a, "src", src, "conll")
    out = do_export(a, "src", "conll", d / "out.conll")
    assert out.read_text() == src.read_text()
    a.close()


def test_exported_jsonl_tokens_are_exact(tmp_path: Path) -> None:
    a = open_store(tmp_path / "a.db")
    _seed(a, TEXT, {"alice": (SPANS, RELS, "accept")})
    rec = json.loads(do_export(a, "src", "jsonl", tmp_path / "o.jsonl").read_text().splitlines()[0])
    for t in rec["tokens"]:
        assert rec["text"][t["start"]:t["end"]] == t["text"]
    for s in rec["spans"]:
        toks = rec["tokens"][s["token_start"]:s["token_end"] + 1]
        assert toks[0]["start"] == s["start"] and toks[-1]["end"] == s["end"]
