"""The export's fast paths give exactly what the slow, obvious code gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.tokens import tokenize, token_spans

# Pieces that exercise every rule of the tokenizer, glued by every kind of whitespace.
PIECES = [
    "Mr.", "Mr", "mr.", "U.N.", "U.S", "S.", "A.B.C.", "Oct.", "etc..", "St..x", "e.g.", "No.5", "www.", "www.x.org",
    "http://a.b/c).", "https://x.io/?q=1,", "a.b@c.de", "x+y@z-w.com.", "16,985", "3.5", "10:30", "1st", "22nd",
    "don't", "can’t", "n't", "N'T", "it's", "Russia's", "'s", "O'Brien", "rock'n'roll", "we're", "I'd", "you'll",
    "Hong-kyun", "well‐known", "a‑b", "-", "--", "...", ".", ",", "!?", "(", ")", "\"", "'", "’", "”", "«»",
    "café\u0301", "e\u0301", "\u0301", "東京", "👋🏽", "👨\u200d👩\u200d👧", "🚀", "\ufe0f", "_", "a_b", "x1", "1x",
    "Zoë", "İstanbul", "ß", "ǅ", "Ⅻ", "²", "٣", "ab.", "A.", "I.", "Jan.", "jan.", "Mt..", "said,", "Moscow.",
]
SPACES = ["", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028", "\x0b"]

texts = st.one_of(
    st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), max_size=30).map(
        lambda xs: "".join(p + s for p, s in xs)),
    st.lists(st.sampled_from(list("aZ.'’-@:/,1 \t\n\u00a0é\u0301_wh") + ["n't", "Mr.", "www.", "http://"]),
             max_size=40).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_token_spans_is_tokenize(text: str) -> None:
    assert token_spans(text) == [(t.start, t.end) for t in tokenize(text)]


def test_token_spans_examples() -> None:
    for text in ["Mr. Smith of the U.N. said it's 16,985.", "東京 👋🏽 café\u0301\tx", "Oct. 3 at St. Paul's",
                 "Mr... and S.. and www. x", "", "   ", "a"]:
        assert token_spans(text) == [(t.start, t.end) for t in tokenize(text)]


def _reference(item: object) -> bytes:
    """The obvious encoding: the standard library over the record dict."""
    import json

    from annotator.formats.jsonl import build_record

    return json.dumps(build_record(item), ensure_ascii=False, separators=(",", ":")).encode()  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 2**40)),
    st.one_of(st.none(), st.floats(min_value=0, allow_infinity=False)),
    st.dictionaries(st.text(max_size=5), st.one_of(st.floats(), st.integers(-2**70, 2**70), st.text(max_size=5),
                                                   st.booleans(), st.none()), max_size=4),
    st.lists(st.tuples(st.integers(0, 20), st.integers(1, 10), st.text(min_size=1, max_size=4),
                       st.one_of(st.none(), st.floats(allow_nan=False))), max_size=4),
)
def test_encoded_record_is_the_standard_librarys(created: object, spent: object, meta: dict, spans: list) -> None:
    """orjson is used only when it gives json.dumps' bytes: odd floats, NaN, huge integers,
    non-ASCII and DEL in labels all come out as the standard library writes them."""
    from annotator.formats.jsonl import encode_record_bytes
    from annotator.formats.records import Item, RowUnit, loads

    text = "Zoë met Kim Jong Un in 東京 on Oct. 3.\x7f"
    row = (7, 1, 0, 0, len(text), text, -5, None, __import__("json").dumps(meta))
    unit = RowUnit(row, "d", None, "T")
    span_dicts = [{"start": a, "end": a + n, "label": lab, "layer": "entities", **({} if sc is None else {"score": sc})}
                  for a, n, lab, sc in spans]
    item = Item(unit=unit, annotator="a", answer="accept", spans=span_dicts, relations=[],
                created=created, time_spent=spent, meta=loads(__import__("json").dumps(meta)))  # type: ignore[arg-type]
    assert encode_record_bytes(item) == _reference(item)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 9), st.text(min_size=1, max_size=4)), max_size=5),
       st.integers(-2**63, 2**63 - 1))
def test_fast_task_hash_is_task_hash(spans: list, in_hash: int) -> None:
    """The orjson payload gives the same hash as models.task_hash, non-ASCII and DEL included."""
    from annotator.formats.records import fast_task_hash
    from annotator.models import Relation, Span, task_hash

    models = [Span(start=a, end=a + n, label=lab, layer="claims" if n % 2 else "entities") for a, n, lab in spans]
    rels = [Relation(head=models[0].ref, child=models[-1].ref, label="rélation\x7f")] if models else []
    assert fast_task_hash(in_hash, [s.model_dump(exclude_none=True) for s in models],
                          [r.model_dump() for r in rels]) == task_hash(in_hash, models, rels)


def test_parallel_export_is_the_serial_export(tmp_path: "Path", monkeypatch: "pytest.MonkeyPatch") -> None:
    """Worker processes over unit ranges write the same bytes, in the same order, as one process."""
    from pathlib import Path

    from annotator.bench.export import prepare
    from annotator import exporting
    from annotator.exporting import ExportOptions, export
    from annotator.models import Annotation, Span
    from annotator.store import open_store

    db = open_store(tmp_path / "p.db", durable=False)
    prepare(db, 120)
    for unit_id in (3, 50, 51, 119):  # a second annotator on some units, one that rejects
        db.add_annotation(Annotation(unit_id=unit_id, annotator="zed", answer="reject" if unit_id == 50 else "accept",
                                     spans=[Span(start=0, end=2, label="ORG")]))
    cases = [("jsonl", ExportOptions()), ("jsonl", ExportOptions(annotator="zed")),
             ("jsonl", ExportOptions(answers=["accept"], layer="claims")),
             ("doccano", ExportOptions(annotator="zed")), ("doccano", ExportOptions(annotator="bench"))]
    serial = {}
    for i, (fmt, opts) in enumerate(cases):
        dest = tmp_path / f"s{i}"
        done = export(db, "bench-export", fmt, str(dest), opts)
        serial[i] = (done.records, Path(dest).read_bytes(), done.left_out)
    monkeypatch.setattr(exporting, "PARALLEL_MIN_UNITS", 0)
    monkeypatch.setattr(exporting, "UNITS_PER_TASK", 7)
    monkeypatch.setattr(exporting, "WORKERS", 2)
    # plain JSONL joins stored record parts in one process; the others go to workers
    assert exporting._parallel_plan(db, "bench-export", "jsonl", ExportOptions()) is None
    assert exporting._parallel_plan(db, "bench-export", "jsonl", ExportOptions(layer="claims")) is not None
    assert exporting._parallel_plan(db, "bench-export", "doccano", ExportOptions()) is not None
    for i, (fmt, opts) in enumerate(cases):
        dest = tmp_path / f"p{i}"
        seen: list[int] = []
        summary = export(db, "bench-export", fmt, str(dest), opts, progress=seen.append)
        assert (summary.records, Path(dest).read_bytes(), summary.left_out) == serial[i]
        assert sum(seen) == summary.records > 0
    assert serial[1][0] == 4 and serial[0][0] == 124
    assert serial[3][:1] + serial[3][2:] == (3, {"rejected": 1})  # doccano: accepted only by default


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_token_dicts_are_prodigy_tokens_of_tokenize(text: str) -> None:
    """The one-pass token dicts equal the obvious ones built from tokenize()."""
    from annotator.tokens import token_dicts

    toks = tokenize(text)
    expected = [{"text": t.text, "start": t.start, "end": t.end, "id": i,
                 "ws": (toks[i + 1].start if i + 1 < len(toks) else len(text)) > t.end and text[t.end:t.end + 1].isspace()}
                for i, t in enumerate(toks)]
    assert token_dicts(text) == expected


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_record_parts_from_the_suggesters_tokens_equal_the_tokenizers(text: str) -> None:
    """An import encodes a unit's record parts from the tokens its suggesters made
    (fast_tokens); they are the bytes the default tokenizer gives."""
    from annotator.record_parts import unit_parts
    from annotator.suggest.text import fast_tokens

    toks = fast_tokens(text)
    assert list(zip(toks.words, toks.starts, toks.ends)) == [(t.text, t.start, t.end) for t in tokenize(text)]
    kw: dict[str, Any] = dict(text=text, unit_id=7, document_id=2, external_id=None, title="t", position=0,
                              start=0, end=len(text), meta={})
    assert unit_parts(offsets=list(zip(toks.starts, toks.ends)), **kw) == unit_parts(offsets=None, **kw)
