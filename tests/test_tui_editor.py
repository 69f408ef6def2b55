"""The editing state behind the labelling screen (no Textual): selection, labels, links, layout."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.bench.synth import generate, sentences
from annotator.models import Span
from annotator.schemes import load_scheme
from annotator.store import open_store
from annotator.tokens import tokenize
from annotator.tui.editor import Mark, UnitEditor, clean_marks
from annotator.tui.widgets.span_text import layout_text

NEWS = load_scheme("news")


def editor(text: str, marks: list[Mark] | None = None) -> UnitEditor:
    return UnitEditor(text, tokenize(text), NEWS, marks or [])


def test_entities_replace_overlaps_and_confirming_keeps_source() -> None:
    text = "Vice Foreign Minister Kim Hong-kyun spoke."
    sug = Span(start=22, end=35, label="PERSON", source="rules", score=0.7)
    ed = editor(text, [Mark(sug, suggested=True)])
    ed.move_to(3)
    ed.move(1, extend=True)
    span = ed.label_selection("PERSON")
    assert span is not None and span.source == "rules"  # confirming a suggestion keeps its origin
    assert [(m.span.label, m.suggested) for m in ed.marks] == [("PERSON", False)]
    ed.move_to(1)
    ed.move(3, extend=True)  # "Foreign Minister Kim Hong-kyun" overlaps PERSON: replaces it
    ed.label_selection("ORG")
    spans, _ = ed.result()
    assert [(text[s.start:s.end], s.label, s.token_start, s.token_end) for s in spans] == [
        ("Foreign Minister Kim Hong-kyun", "ORG", 1, 4)
    ]


def test_clean_marks_drops_overlapping_and_out_of_range() -> None:
    text = "Kim Jong Un visited."
    marks = [
        Mark(Span(start=0, end=11, label="PERSON", score=0.9), True),
        Mark(Span(start=4, end=8, label="ORG", score=0.5), True),
        Mark(Span(start=0, end=99, label="GPE"), True),
        Mark(Span(start=0, end=11, label="PERSON", score=0.9), True),
    ]
    assert [(m.span.start, m.span.end, m.span.label) for m in clean_marks(text, marks)] == [(0, 11, "PERSON")]


def test_claims_overlap_and_relabel_and_links_follow_deletes() -> None:
    text = "Officials said the talks, according to Kim, would resume."
    ed = editor(text)
    ed.toggle_layer()
    ed.move_to(0)
    ed.label_selection("SOURCE")
    ed.move_to(1)
    ed.label_selection("CUE")
    ed.move_to(2)
    ed.move(9, extend=True)
    ed.label_selection("CLAIM")  # one CLAIM, one SOURCE, one CUE: linked automatically
    assert sorted(r.label for r in ed.relations) == ["cue-of", "source-of"]
    ed.move_to(8)
    ed.label_selection("SOURCE")  # "Kim" inside the CLAIM: claims may overlap
    assert len(ed.spans("claims")) == 4
    ed.move_to(1)
    ed.delete_at_cursor()
    assert [r.label for r in ed.relations] == ["source-of"]
    ed.move_to(0)
    ed.label_selection("CUE")  # relabel: the source-of link of the old SOURCE goes
    assert ed.relations == [] or all(r.head.label != "SOURCE" or r.head.start != 0 for r in ed.relations)


def test_link_needs_a_scheme_relation() -> None:
    text = "Kim said it."
    ed = editor(text)
    ed.toggle_layer()
    ed.move_to(0)
    ed.label_selection("SOURCE")
    ed.move_to(1)
    ed.label_selection("CUE")
    ed.move_to(0)
    ed.link()
    ed.move_to(1)
    assert ed.link() is None and "cannot be linked" in ed.message


@given(st.text(alphabet=st.sampled_from(list("ab 東京🚀é\u0301ｗ,.\n")), min_size=1, max_size=60),
       st.integers(min_value=4, max_value=30))
@settings(max_examples=150, deadline=None)
def test_layout_covers_every_token_once_within_width(text: str, width: int) -> None:
    tokens = tokenize(text)
    lines = layout_text(text, tokens, {}, width)
    seen = [tok for line in lines for _x0, _x1, tok in line.hits]
    assert sorted(set(seen)) == list(range(len(tokens)))
    for line in lines:
        assert sum(a.width for a in line.atoms) <= width
        for atom in line.atoms:
            if atom.token is not None:
                assert text[atom.start:atom.start + len(atom.text)].replace("\n", " ") == atom.text.replace("\n", " ")


def test_synth_generates_units_and_exact_suggestions(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db", durable=False)
    generate(store, 1234, per_doc=20, suggest_first=30, seed=7)
    assert store.count_units("bench") == 1234
    units = list(store.iter_units("bench"))
    first = units[0]
    sug = store.get_suggestions(first.id)[0]
    expected = next(sentences(1, seed=7))
    assert first.text == expected[0]
    assert [(s.start, s.end, s.label) for s in sug.spans] == [(a, b, lab) for a, b, lab, _ in expected[1]]
    with_sug = [u for u in units if store.get_suggestions(u.id)]
    assert len(with_sug) == 30
    linked = [r.label for u in with_sug for r in store.get_suggestions(u.id)[0].relations]
    assert "source-of" in linked and "cue-of" in linked
    doc = store.get_document(first.document_id)
    assert doc.text[first.start:first.end] == first.text
