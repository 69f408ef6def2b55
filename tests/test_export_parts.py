"""The record parts the store writes with units and decisions join into exactly the bytes the
exporter's own encoder writes (annotator.record_parts), on every kind of row."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import query

from annotator.exporting import ExportOptions, export
from annotator.models import Annotation, Document, Relation, Span, Token, Unit, task_hash
from annotator.store import open_store
from annotator.record_parts import HEAD_SHORTHAND, TAIL_SHORTHAND
from annotator.tokens import pack_bounds, token_dicts, tokenize, unpack_bounds

PIECES = ["Kim", "Jong-un", "Mr.", "U.N.", "said", ",", "16,985", "it's", "東京", "👋🏽", "café\u0301", "\x7f",
          "\u2028", "\"quoted\"", "back\\slash", "tab\there", "Zoë", "e\u0301", "\x1f", "’"]
SPACES = [" ", "  ", "\t", "\n", "\u00a0"]
texts = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), min_size=1, max_size=12).map(
    lambda xs: "".join(p + s for p, s in xs).strip() or "x")
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(
    [0.0, 1e-5, 1e-4, 2.5, 1e15, 1e16, 1.7e9, 1700000000.123456, 3.0]))
labels = st.sampled_from(["PERSON", "ORG", "GPE", "CLAIM", "SOURCE", "CUE", "Zoë", "x\x7fy", "1e5"])
metas = st.one_of(st.just({}), st.just({"suggesters": ["news-rules"]}), st.dictionaries(
    st.sampled_from(["k", "ü", "n"]),
    st.one_of(st.integers(-5, 5), st.integers(2**63, 2**65), st.text(max_size=3), st.floats(),
              st.lists(st.sampled_from(["news-rules", "gazetteer"]), max_size=2)), max_size=2))


@st.composite
def spans_for(draw: st.DrawFn, text: str) -> list[Span]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, len(text) - 1))
        b = draw(st.integers(a + 1, len(text)))
        score = draw(st.one_of(st.none(), floats.filter(lambda x: x is not None)))
        tok = draw(st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 2))))
        out.append(Span(start=a, end=b, label=draw(labels), layer=draw(st.sampled_from(["entities", "claims"])),
                        score=score, source=draw(st.sampled_from([None, "rules"])),
                        token_start=None if tok is None else tok[0], token_end=None if tok is None else tok[0] + tok[1]))
    return out


@st.composite
def datasets(draw: st.DrawFn) -> list[tuple[str, dict, bool, list]]:
    """Units: (text, unit meta, explicit tokens?, decisions [(annotator, answer, spans,
    relations, created, time_spent, meta)])."""
    units = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(texts)
        decisions = []
        for name in draw(st.lists(st.sampled_from(["alice", "bob", "Zoë \"z\""]), unique=True, max_size=3)):
            spans = draw(spans_for(text))
            rels = []
            if len(spans) >= 2 and draw(st.booleans()):
                rels = [Relation(head=spans[0].ref, child=spans[1].ref, label=draw(st.sampled_from(["source-of", "cue-of"])))]
            created = draw(st.one_of(st.sampled_from([1.7e9, 1700000000.5, 1e-5, 12.0]),
                                     st.floats(min_value=0, max_value=2e9, allow_nan=False)))
            spent = draw(st.one_of(st.none(), st.floats(min_value=0, allow_nan=False, allow_infinity=False),
                                   st.sampled_from([-0.0, 0.0, 1e-5, 2.5, 1e16, 3.0])))
            decisions.append((name, draw(st.sampled_from(["accept", "reject", "ignore"])), spans, rels, created,
                              spent, draw(metas)))
        units.append((text, draw(metas), draw(st.booleans()), decisions))
    return units


def _build(path: str | Path, units: list) -> None:
    store = open_store(path, durable=False)
    ds = store.ensure_dataset("d")
    rows = []
    pos = 0
    for i, (text, meta, explicit, _) in enumerate(units):
        tokens = [Token(text=t.text, start=t.start, end=t.end) for t in tokenize(text)][::2] if explicit else None
        rows.append(Unit(position=i, text=text, start=pos, end=pos + len(text), meta=meta, tokens=tokens))
        pos += len(text) + 1
    doc = store.insert_document(ds, Document(title="Tïtle \"1\"", text=" ".join(u[0] for u in units),
                                             external_id="ext-1"), rows)
    for unit, (_, _, _, decisions) in zip(store.document_units(doc or 0), units):
        for name, answer, spans, rels, created, spent, meta in decisions:
            store.add_annotation(Annotation(unit_id=unit.id or 0, annotator=name, answer=answer, spans=spans,
                                            relations=rels, created=created, time_spent=spent, meta=meta))
    store.close()


def _export(path: str | Path, dest: Path, opts: ExportOptions | None = None) -> bytes:
    store = open_store(path, create=False, durable=False)
    try:
        export(store, "d", "jsonl", str(dest), opts or ExportOptions(), force=True)
    finally:
        store.close()
    return dest.read_bytes()


def _without_parts(path: str | Path) -> None:
    """Drop every unit's stored parts, so that every record goes through the general encoder."""
    query(path, "UPDATE units SET export_head = NULL, export_tail = NULL")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datasets())
def test_stored_parts_join_into_the_encoders_bytes(tmp_path_factory, units: list) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("parts")
    db = tmp / "p.db"
    _build(db, units)
    fast = _export(db, tmp / "fast.jsonl")
    answers = _export(db, tmp / "fast-accept.jsonl", ExportOptions(answers=["accept"], annotator="alice"))
    _without_parts(db)
    assert fast == _export(db, tmp / "slow.jsonl")
    assert answers == _export(db, tmp / "slow-accept.jsonl", ExportOptions(answers=["accept"], annotator="alice"))
    assert fast.count(b"\n") == sum(len(u[3]) for u in units)


def test_parts_are_stored_and_used(db: str, tmp_path: Path) -> None:
    """Decisions get a stored part (with metadata too, as the labelling UI writes it), not
    with odd floats, and the joined parts are the record (tokens, token indices, task hash)."""
    units = [("Kim Jong Un met Putin in Moscow.", {}, False, [
        ("alice", "accept", [Span(start=0, end=11, label="PERSON", score=0.5)], [], 1.7e9, 2.0, {}),
        ("bob", "accept", [Span(start=25, end=31, label="GPE")], [], 1.7e9, 2.0, {"why": "sure"}),
        ("carol", "accept", [Span(start=25, end=31, label="GPE", score=1e-7)], [], 1.7e9, None, {}),
    ])]
    _build(db, units)
    parts = dict(query(db, "SELECT annotator, export_part IS NOT NULL FROM annotations"))
    ((head, tail, bounds),) = query(db, "SELECT u.export_head, u.export_tail, x.token_bounds FROM units u"
                                         " JOIN unit_extents x ON x.unit_id = u.id")
    assert parts == {"alice": True, "bob": True, "carol": False}
    text = units[0][0]
    assert list(unpack_bounds(bounds)) == [x for t in token_dicts(text) for x in (t["start"], t["end"])]
    assert bounds == pack_bounds(token_dicts(text))
    # kept compact: the head and the tail with their keys as single bytes
    assert head.startswith(b'{"text":"Kim Jong Un met Putin in Moscow.\x06Kim\x03') and len(head) < len(
        json.dumps(token_dicts(text))) / 2
    assert HEAD_SHORTHAND.expand(head).startswith(b'{"text":"Kim Jong Un met Putin in Moscow.","tokens":[{"text":"Kim",')
    assert TAIL_SHORTHAND.expand(tail).endswith(b',"unit_id":1,"meta":{}}') and b'"unit_id"' not in tail
    records = [json.loads(line) for line in _export(db, tmp_path / "o.jsonl").splitlines()]
    alice = records[0]
    assert [t["text"] for t in alice["tokens"]] == ["Kim", "Jong", "Un", "met", "Putin", "in", "Moscow", "."]
    assert alice["spans"] == [{"start": 0, "end": 11, "label": "PERSON", "layer": "entities", "score": 0.5,
                               "token_start": 0, "token_end": 2}]
    in_hash = alice["_input_hash"]
    assert alice["_task_hash"] == task_hash(in_hash, [Span(start=0, end=11, label="PERSON")], [])
    assert records[1]["annotation_meta"] == {"why": "sure"}
    assert math.isclose(records[2]["spans"][0]["score"], 1e-7)


def test_decisions_of_an_upgraded_database_export_as_before(tmp_path: Path) -> None:
    """Units and decisions written before the store kept parts (m001 only) export through the
    general encoder, a decision made on them after the upgrade too."""
    from test_robust_migrations import write_v1_database

    db = tmp_path / "old.db"
    write_v1_database(db)
    store = open_store(db)
    assert store.conn.execute("SELECT u.export_head, x.token_bounds FROM units u JOIN unit_extents x"
                              " ON x.unit_id = u.id").fetchone() == (None, None)
    store.add_annotation(Annotation(unit_id=1, annotator="bob", answer="accept", spans=[Span(start=4, end=9, label="CUE",
                                                                                              layer="claims")]))
    # the old decision has no part; the new one has (over the tokenizer's bounds), but its unit has none
    assert store.conn.execute("SELECT annotator, export_part IS NULL FROM annotations ORDER BY id").fetchall() == [
        ("alice", 1), ("bob", 0)]
    store.close()
    records = [json.loads(line) for line in _export_dataset(db, "old", tmp_path / "o.jsonl").splitlines()]
    assert [r["_annotator_id"] for r in records] == ["alice", "bob"]
    assert [t["text"] for t in records[0]["tokens"]] == ["Kim", "spoke", "."]
    assert records[0]["spans"][0] == {"start": 0, "end": 3, "label": "PERSON", "layer": "entities",
                                      "token_start": 0, "token_end": 0}
    assert records[1]["spans"][0]["token_start"] == records[1]["spans"][0]["token_end"] == 1


def _export_dataset(path: str | Path, dataset: str, dest: Path) -> bytes:
    store = open_store(path, create=False)
    try:
        export(store, dataset, "jsonl", str(dest), ExportOptions(), force=True)
    finally:
        store.close()
    return dest.read_bytes()


def test_an_import_with_workers_stores_every_units_parts(db: str, tmp_path: Path) -> None:
    """A large import encodes units' parts in its worker processes (the units go in without
    them): every unit ends up with them, and exports as the general encoder would."""
    from annotator.ingest.base import ReadOptions, Source
    from annotator.pipeline import SUGGEST_BATCH, SourcePlan, import_sources
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters

    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"text": f"Kim Jong Un met Putin in Moscow on day {i}. Reuters said {i}, 東京."})
             for i in range(3 * SUGGEST_BATCH // 2 + 50)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = open_store(db)
    ds = store.ensure_dataset("d")
    import_sources(store, [SourcePlan(Source(src), "jsonl")], ds, options=ReadOptions(),
                   suggesters=list(build_suggesters(load_scheme("news"))), workers=2)
    missing = store.conn.execute("SELECT COUNT(*) FROM units WHERE export_head IS NULL"
                                 " OR export_tail IS NULL").fetchone()[0]
    n_units = store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    # agreement's narrow copy of each unit, the one place its token bounds are kept: they and its head
    extents = store.conn.execute("SELECT COUNT(*) FROM unit_extents e JOIN units u ON u.id = e.unit_id"
                                 " WHERE e.token_bounds IS NOT NULL AND length(e.head) = 20").fetchone()[0]
    assert extents == n_units
    for u in list(store.iter_units("d"))[::97]:
        store.add_annotation(Annotation(unit_id=u.id or 0, annotator="a", answer="accept",
                                        spans=[Span(start=0, end=3, label="PERSON")]))
    store.close()
    assert missing == 0 and n_units > 2 * SUGGEST_BATCH
    fast = _export_dataset(db, "d", tmp_path / "fast.jsonl")
    _without_parts(db)
    assert fast == _export_dataset(db, "d", tmp_path / "slow.jsonl")
    assert fast.count(b"\n") == len(range(0, n_units, 97))
