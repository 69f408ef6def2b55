"""CoNLL-2003 reader: documents, units, exact tokens, IOB tags to spans, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.formats.conll import read_conll, spans_to_tags, tags_to_spans
from annotator.ingest.base import READERS, ReadOptions, Source, text_stream
from annotator.models import Token

FIXTURE = Path(__file__).parent / "fixtures" / "formats" / "mini.conll"
VALID = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "conll2003" / "valid.txt"


def _read(text: str, **kw: object) -> list:
    return list(read_conll(Source(Path("-"), stdin=text_stream(text)), ReadOptions(**kw)))  # type: ignore[arg-type]


def test_registered() -> None:
    assert READERS["conll"] is read_conll


def test_documents_units_and_spans() -> None:
    docs = list(read_conll(Source(FIXTURE), ReadOptions()))
    assert len(docs) == 2
    first = docs[0]
    assert [u.text for u in first.units] == ["EU rejects German call .", "Peter Blackburn"]
    assert first.document.text == "EU rejects German call .\nPeter Blackburn"
    assert [(u.start, u.end) for u in first.units] == [(0, 24), (25, 40)]
    assert [t.text for t in first.units[0].tokens] == ["EU", "rejects", "German", "call", "."]
    assert first.units[0].meta["conll_columns"][0] == "NNP B-NP"
    spans = [(s.start, s.end, s.label, s.token_start, s.token_end) for s in first.labels[0].spans]
    assert spans == [(0, 2, "ORG", 0, 0), (11, 17, "MISC", 2, 2)]
    assert [(s.text_in(first.units[1].text), s.label) for s in first.labels[1].spans] == [("Peter Blackburn", "PER")]
    assert {l.annotator for l in first.labels} == {"conll"}
    assert docs[1].labels[0].spans[0].label == "LOC"


def test_iob1_and_type_change_open_new_entities() -> None:
    toks = [Token(text=w, start=i * 2, end=i * 2 + 1) for i, w in enumerate("abcd")]
    spans = tags_to_spans(["I-PER", "I-PER", "I-ORG", "B-ORG"], toks, "x", 1)
    assert [(s.token_start, s.token_end, s.label) for s in spans] == [(0, 1, "PER"), (2, 2, "ORG"), (3, 3, "ORG")]
    assert spans_to_tags(4, spans) == ["B-PER", "I-PER", "B-ORG", "B-ORG"]


def test_two_columns_and_annotator_option() -> None:
    docs = _read("Hello O\nWorld B-LOC\n", annotator="alice")
    assert docs[0].units[0].meta == {}
    assert docs[0].labels[0].annotator == "alice"
    assert docs[0].labels[0].spans[0].label == "LOC"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a O\nb X-PER\n", 2, "bad NER tag"),
        ("a O\nb\n", 2, "expected a token and a tag"),
        ("a NN O\nb O\n", 2, "columns"),
    ],
)
def test_bad_input_names_the_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(InputError) as e:
        _read(text)
    assert e.value.line == line and reason in e.value.reason


@pytest.mark.shared_data
def test_conll2003_valid_counts() -> None:
    if not VALID.exists():
        pytest.skip("shared CoNLL-2003 data absent")
    docs = list(read_conll(Source(VALID), ReadOptions()))
    assert sum(len(d.units) for d in docs) == 3250
    assert sum(len(l.spans) for d in docs for l in d.labels) == 5942
