"""The compact forms the store keeps export parts and suggestions in (migration m008): they
read back byte for byte, plain JSON stored before reads back unchanged, and a database with
the layout from before m008 migrates to the same exported bytes and suggestions."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from conftest import migrations_table, query
from hypothesis import given
from hypothesis import strategies as st
from test_export_parts import _build, _export

from annotator.models import Relation, Span, SpanRef, Suggestion
from annotator.record_parts import HEAD_SHORTHAND, PART_SHORTHAND, TAIL_SHORTHAND, Shorthand
from annotator.store import open_store
from annotator.store.dialect import is_postgres
from annotator.store.suggestions import SUGGESTION_SHORTHAND

SHORTHANDS = [HEAD_SHORTHAND, PART_SHORTHAND, TAIL_SHORTHAND, SUGGESTION_SHORTHAND]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False),
              st.text(alphabet=st.sampled_from('ab"\\\x01\x1f\t\n,:{}[]ü👋 '), max_size=8),
              st.sampled_from(["start", "end", "label", "layer", "entities", "ws", "text"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["start", "end", "label", "layer", "text", "ws", "id", "spans", "k"]), inner, max_size=4),
    max_leaves=20)


@given(json_values)
def test_every_shorthand_gives_back_the_json_it_was_given(value) -> None:  # type: ignore[no-untyped-def]
    data = orjson.dumps(value)
    for sh in SHORTHANDS:
        assert sh.expand(sh.squeeze(data)) == data
        assert sh.expand(data) == data  # plain JSON, as stored before m008, reads back as it is
        assert sh.expand_text(sh.squeeze_text(data.decode())) == data.decode()


def test_a_shorthand_refuses_raw_control_characters_and_shortens_what_it_knows() -> None:
    with pytest.raises(ValueError):
        HEAD_SHORTHAND.squeeze(b'[{"text":"a\x01"}]')
    with pytest.raises(ValueError):
        Shorthand(b"a", b"a")
    head = b'{"text":"Kim spoke","tokens":' + orjson.dumps([{"text": "Kim", "start": 0, "end": 3, "id": 0, "ws": True},
                                                            {"text": "spoke", "start": 4, "end": 9, "id": 1, "ws": False}])
    assert HEAD_SHORTHAND.squeeze(head) == b'{"text":"Kim spoke\x06Kim\x030\x043\x050\x01spoke\x034\x049\x051,"ws":false}]'
    assert HEAD_SHORTHAND.expand(HEAD_SHORTHAND.squeeze(head)) == head


def test_suggestions_are_stored_compact_and_read_back_whole(store) -> None:  # type: ignore[no-untyped-def]
    from annotator.models import Document, Unit

    ds = store.ensure_dataset("d")
    store.insert_document(ds, Document(text="Kim met Putin."), [Unit(text="Kim met Putin.", start=0, end=14)])
    spans = [Span(start=0, end=3, label="PERSON", token_start=0, token_end=0, source="news-rules", score=0.6),
             Span(start=4, end=7, label="CUE", layer="claims"), Span(start=8, end=13, label="PERSON", source="x")]
    rels = [Relation(head=SpanRef(start=0, end=3, label="PERSON"), child=SpanRef(start=4, end=7, label="CUE"),
                     label="source-of")]
    store.put_suggestions([Suggestion(unit_id=1, suggester="news-rules", version="1", spans=spans, relations=rels)])
    assert store.get_suggestions(1)[0].spans == spans and store.get_suggestions(1)[0].relations == rels
    stored, = store.conn.execute("SELECT spans FROM suggestions").fetchone()
    plain = orjson.dumps([s.model_dump(exclude_none=True) for s in spans]).decode()
    assert SUGGESTION_SHORTHAND.expand_text(stored) == plain and len(stored) < len(plain) / 2


UNITS = [
    ("Kim Jong Un met Putin in Moscow.", {}, False, [
        ("alice", "accept", [Span(start=0, end=11, label="PERSON", score=0.5)], [], 1.7e9, 2.0, {}),
        ("bob", "reject", [Span(start=25, end=31, label="GPE")], [], 1.7e9, None, {"why": "sure"}),
    ]),
    ("Reuters said \"it's\" back\\slash, 東京 👋🏽 café\u0301.", {"k": 1}, True, [
        ("alice", "accept", [Span(start=0, end=7, label="ORG"), Span(start=8, end=12, label="CUE", layer="claims")],
         [Relation(head=SpanRef(start=0, end=7, label="ORG"), child=SpanRef(start=8, end=12, label="CUE"),
                   label="source-of")], 1700000000.5, 3.0, {}),
    ]),
    ("Nobody decided this one.", {}, False, []),
]


def _downgrade(db: str) -> None:
    """Give a database the layout from before m008, as that version wrote it: plain heads,
    tails and suggestions, units.token_bounds, the two indexes."""
    blob = "BYTEA" if is_postgres(db) else "BLOB"
    query(db, f"ALTER TABLE units ADD COLUMN token_bounds {blob}")
    for uid, head, tail, bounds in query(
            db, "SELECT u.id, u.export_head, u.export_tail, x.token_bounds FROM units u"
                " JOIN unit_extents x ON x.unit_id = u.id"):
        query(db, "UPDATE units SET export_head = ?, export_tail = ?, token_bounds = ? WHERE id = ?",
              (HEAD_SHORTHAND.expand(bytes(head)), TAIL_SHORTHAND.expand(bytes(tail)), bytes(bounds), uid))
    for sid, spans, rels in query(db, "SELECT id, spans, relations FROM suggestions"):
        query(db, "UPDATE suggestions SET spans = ?, relations = ? WHERE id = ?",
              (SUGGESTION_SHORTHAND.expand_text(spans), SUGGESTION_SHORTHAND.expand_text(rels), sid))
    query(db, "CREATE INDEX units_input_hash ON units(input_hash)")
    query(db, "CREATE INDEX annotations_annotator ON annotations(dataset_id, annotator, id)")
    query(db, f"DELETE FROM {migrations_table(db)} WHERE name = 'm008_compact_parts'")


def test_a_database_from_before_m008_migrates_to_the_same_export(db: str, tmp_path: Path) -> None:
    _build(db, UNITS)
    store = open_store(db)
    store.put_suggestions([Suggestion(unit_id=1, suggester="news-rules", version="1",
                                      spans=[Span(start=0, end=3, label="PERSON", source="news-rules", score=0.5)])])
    store.close()
    want = _export(db, tmp_path / "before.jsonl")
    assert want.count(b"\n") == 3
    _downgrade(db)
    assert b"ws" in bytes(query(db, "SELECT export_head FROM units WHERE id = 1")[0][0])
    store = open_store(db)  # migrates
    try:
        assert store.get_suggestions(1)[0].spans == [Span(start=0, end=3, label="PERSON", source="news-rules",
                                                          score=0.5)]
        heads = [bytes(t) for (t,) in store.conn.execute("SELECT export_head FROM units ORDER BY id").fetchall()]
    finally:
        store.close()
    assert all(h.startswith(b'{"text":"') and b'"start"' not in h for h in heads)  # compact again
    assert _export(db, tmp_path / "after.jsonl") == want
    columns = [c for (c,) in query(db, "SELECT name FROM pragma_table_info('units')")] if not is_postgres(db) else [
        c for (c,) in query(db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'units'")]
    assert "export_head" in columns and "token_bounds" not in columns


def test_a_preannotated_import_writes_its_units_parts_after_its_decisions(db: str, tmp_path: Path) -> None:
    """A file with labels writes its units at once (the decisions need them) and their parts
    and the decisions' parts when its workers send them: every unit and decision ends up with
    them, the decisions' token indices are right, and the export is the general encoder's."""
    import json

    from test_export_parts import _export_dataset, _without_parts

    from annotator.ingest.base import ReadOptions, Source
    from annotator.pipeline import SUGGEST_BATCH, SourcePlan, import_sources
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters

    src = tmp_path / "in.jsonl"
    n = 3 * SUGGEST_BATCH // 2 + 50
    src.write_text("".join(json.dumps({"text": f"Kim Jong Un met Putin in Moscow on day {i}.",
                                       "label": [[0, 11, "PERSON"], [25, 31, "GPE"]]}) + "\n" for i in range(n)),
                   encoding="utf-8")
    store = open_store(db)
    ds = store.ensure_dataset("d")
    summary = import_sources(store, [SourcePlan(Source(src), "doccano")], ds, options=ReadOptions(),
                             suggesters=list(build_suggesters(load_scheme("news"))), workers=2)
    counts = store.conn.execute("SELECT COUNT(*), COUNT(export_head), COUNT(export_tail) FROM units").fetchone()
    parts = store.conn.execute("SELECT COUNT(*), COUNT(export_part) FROM annotations").fetchone()
    extents = store.conn.execute("SELECT COUNT(token_bounds) FROM unit_extents").fetchone()[0]
    store.close()
    assert summary.annotations == n and tuple(counts) == (n, n, n) and tuple(parts) == (n, n) and extents == n
    fast = _export_dataset(db, "d", tmp_path / "fast.jsonl")
    first = json.loads(fast.splitlines()[0])
    assert [(s["token_start"], s["token_end"]) for s in first["spans"]] == [(0, 2), (6, 6)]
    _without_parts(db)
    assert fast == _export_dataset(db, "d", tmp_path / "slow.jsonl") and fast.count(b"\n") == n
