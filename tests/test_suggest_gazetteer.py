"""Gazetteer: exact-after-normalisation and fuzzy matches, fed by accepted gold."""

from __future__ import annotations

from annotator.models import Annotation, Document, Gold, Span, Unit, check_spans
from annotator.schemes import load_scheme
from annotator.suggest import build_suggesters
from annotator.suggest.gazetteer import Gazetteer, names_from_spans, names_from_store, normalise


def _found(gaz: Gazetteer, text: str) -> dict[str, tuple[str, float]]:
    sug = gaz.suggest([Unit(text=text)])[0]
    check_spans(text, sug.spans, sug.relations)
    return {text[s.start : s.end]: (s.label, s.score) for s in sug.spans}


def test_normalise() -> None:
    assert normalise("Kim Jong-un") == normalise("KIM JONG UN") == "kim jong un"
    assert normalise("Zoë  Martín") == "zoe martin"


def test_exact_after_normalisation_and_fuzzy() -> None:
    gaz = Gazetteer(load_scheme("news"), [("Kim Jong-un", "PERSON"), ("Zelenskyy", "PERSON"), ("Gazprom", "ORG")])
    got = _found(gaz, "Kim Jong Un met Zelensky, not Gazprom's boss or Kim.")
    assert got["Kim Jong Un"] == ("PERSON", 1.0)
    label, score = got["Zelensky"]
    assert label == "PERSON" and 0.88 <= score < 1.0
    assert got["Gazprom"] == ("ORG", 1.0)
    assert "Kim" not in got  # a short word is never matched fuzzily


def test_unrelated_names_are_not_matched() -> None:
    gaz = Gazetteer(load_scheme("news"), [("Zelenskyy", "PERSON")])
    assert _found(gaz, "Zimbabwe and Zeitgeist and Zelda.") == {}


def test_labels_map_onto_the_scheme_and_version_tracks_entries() -> None:
    a = Gazetteer(load_scheme("conll"), [("Vladimir Putin", "PERSON"), ("Seoul", "GPE"), ("June", "DATE")])
    assert _found(a, "Vladimir Putin flew to Seoul in June.") == {"Vladimir Putin": ("PER", 1.0), "Seoul": ("LOC", 1.0)}
    b = Gazetteer(load_scheme("conll"), [("Vladimir Putin", "PERSON")])
    assert a.version != b.version


def test_names_from_store_use_gold_and_accepted_annotations(store) -> None:  # type: ignore[no-untyped-def]
    ds = store.ensure_dataset("news")
    text = "Olena Kovalenko met the Zorya Group in Lviv."
    units = [Unit(text=text, start=0, end=len(text))]
    store.insert_document(ds, Document(text=text), units)
    unit = next(store.iter_units("news"))
    person = Span(start=0, end=15, label="PERSON")
    org = Span(start=20, end=35, label="ORG")
    store.add_annotation(Annotation(unit_id=unit.id, annotator="ann", answer="accept", spans=[person]))
    store.add_annotation(Annotation(unit_id=unit.id, annotator="bob", answer="reject", spans=[org]))
    store.set_gold(Gold(unit_id=unit.id, spans=[person, Span(start=39, end=43, label="GPE")], adjudicator="lead"))
    names = names_from_store(store, "news")
    assert names == [("Lviv", "GPE"), ("Olena Kovalenko", "PERSON")]
    sugs = build_suggesters(load_scheme("news"), gazetteer=names)
    gaz = next(s for s in sugs if s.name == "gazetteer")
    assert _found(gaz, "Later Olena Kovalenko spoke.") == {"Olena Kovalenko": ("PERSON", 1.0)}


def test_names_from_spans_most_frequent_label() -> None:
    u = Unit(text="Jordan Jordan Jordan")
    pairs = [(u, [Span(start=0, end=6, label="PERSON")]), (u, [Span(start=7, end=13, label="GPE")]),
             (u, [Span(start=14, end=20, label="GPE")])]
    assert names_from_spans(pairs) == [("Jordan", "GPE")]
