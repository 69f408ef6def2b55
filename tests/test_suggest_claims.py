"""Claims: reporting cues, their source and content, linked as one attribution."""

from __future__ import annotations

from annotator.models import Unit, check_spans
from annotator.schemes import load_scheme
from annotator.suggest.claims import Claims


def _attr(text: str) -> tuple[dict[str, list[str]], set[tuple[str, str, str]]]:
    sug = Claims(load_scheme("news")).suggest([Unit(text=text)])[0]
    check_spans(text, sug.spans, sug.relations)
    spans: dict[str, list[str]] = {}
    for s in sug.spans:
        assert s.layer == "claims"
        spans.setdefault(s.label, []).append(text[s.start : s.end])
    rels = {(r.label, text[r.head.start : r.head.end], text[r.child.start : r.child.end]) for r in sug.relations}
    return spans, rels


def test_source_cue_that_content() -> None:
    text = ("Seoul’s spy agency said that between Oct. 8 and 13, “North Korea transported its special "
            "forces to Russia via a Russian Navy transport ship.”")
    spans, rels = _attr(text)
    assert spans["SOURCE"] == ["Seoul’s spy agency"]
    assert spans["CUE"] == ["said"]
    claim = spans["CLAIM"][0]
    assert claim.startswith("that between Oct. 8") and claim.endswith("transport ship.”")  # the quotation whole, marks included
    assert ("source-of", "Seoul’s spy agency", claim) in rels
    assert ("cue-of", "said", claim) in rels


def test_content_before_source_and_cue() -> None:
    text = ("South Korea summoned Russia’s ambassador on Monday to criticize the decision, "
            "the foreign ministry said, calling for their immediate withdrawal.")
    spans, rels = _attr(text)
    assert spans["SOURCE"] == ["the foreign ministry"]
    assert "said" in spans["CUE"]
    assert "South Korea summoned Russia’s ambassador on Monday to criticize the decision" in spans["CLAIM"]


def test_according_to() -> None:
    spans, rels = _attr("The troops will be deployed soon, according to the NIS.")
    assert spans == {
        "CUE": ["according to"], "SOURCE": ["the NIS"], "CLAIM": ["The troops will be deployed soon"],
    }
    assert ("source-of", "the NIS", "The troops will be deployed soon") in rels
    spans, _ = _attr("According to the ministry, prices rose sharply in June.")
    assert spans["SOURCE"] == ["the ministry"] and spans["CLAIM"] == ["prices rose sharply in June"]


def test_auxiliaries_and_also_belong_to_the_cue() -> None:
    spans, _ = _attr("The treasurer has also said that a new levy will follow.")
    assert spans["CUE"] == ["has also said"]
    assert spans["SOURCE"] == ["The treasurer"]
    spans, _ = _attr("The agency said in a statement that it would appeal.")
    assert spans["CUE"] == ["said in a statement"]
    assert spans["CLAIM"] == ["that it would appeal"]


def test_quote_then_speaker_and_colon() -> None:
    spans, _ = _attr("“We will not accept this,” the minister told reporters.")
    assert spans["SOURCE"] == ["the minister"] and spans["CLAIM"] == ["“We will not accept this,”"]
    spans, _ = _attr("The spokesman added: “The talks will resume in June.”")
    assert spans["SOURCE"] == ["The spokesman"]
    assert spans["CLAIM"] == ["“The talks will resume in June.”"]


def test_quotation_over_two_sentences_is_followed() -> None:
    text = "“Prices will rise. Wages will not,” the governor warned."
    spans, _ = _attr(text)
    assert spans["CLAIM"] == ["“Prices will rise. Wages will not,”"]


def test_no_cue_no_claim_and_scheme_without_claims() -> None:
    assert _attr("Troops crossed the border on Monday.")[0] == {}
    from annotator.models import Label, Scheme

    bare = Scheme(name="x", entities=[Label(name="ORG", hotkey="1", color="#000000")])
    assert Claims(bare).enabled is False


def test_seed_article_attribution() -> None:
    from annotator.ingest.segment import build_units

    from conftest import SEED

    units = build_units(SEED.read_text(encoding="utf-8"))
    claims = Claims(load_scheme("news"))
    found = []
    for unit, sug in zip(units, claims.suggest(units)):
        check_spans(unit.text, sug.spans, sug.relations)
        for r in sug.relations:
            found.append((r.label, unit.text[r.head.start : r.head.end], unit.text[r.child.start : r.child.end]))
    claim = next(c for label, h, c in found if label == "source-of" and h == "Seoul’s spy agency" and "transported its special forces to Russia" in c)
    assert ("cue-of", "said", claim) in found
    assert any(h == "the foreign ministry" for label, h, _ in found if label == "source-of")


def test_quoted_content_keeps_its_quotation_marks() -> None:
    """PARC/PolNeAR mark quoted content with its marks and the punctuation inside them."""
    spans, rels = _attr("“The budget is balanced,” the treasurer said.")
    assert spans["CLAIM"] == ["“The budget is balanced,”"] and spans["SOURCE"] == ["the treasurer"]
    spans, _ = _attr("The mayor said the plan was ‘a disaster’ for the town.")
    assert spans["CLAIM"] == ["the plan was ‘a disaster’ for the town"]  # single marks inside: unchanged


def test_typewriter_double_quotes_are_read_as_quotation_marks() -> None:
    text = "''The river will flood by noon,'' Ms. Carver said."
    spans, rels = _attr(text)
    assert spans["SOURCE"] == ["Ms. Carver"]  # not "'' Ms. Carver"
    assert spans["CLAIM"] == ["''The river will flood by noon,''"]
    assert ("source-of", "Ms. Carver", "''The river will flood by noon,''") in rels


def test_attitude_verbs_are_cues_but_not_as_nouns() -> None:
    spans, rels = _attr("Most economists expect that rates will fall again in the spring.")
    assert spans["CUE"] == ["expect"] and spans["SOURCE"] == ["Most economists"]
    assert spans["CLAIM"] == ["that rates will fall again in the spring"]
    spans, _ = _attr("Local farmers predict the new dam will dry up the valley.")
    assert spans["CUE"] == ["predict"] and spans["CLAIM"] == ["the new dam will dry up the valley"]
    # nouns: "the hope of", "their promise"
    spans, _ = _attr("The hope of a quick deal faded as their promise went unkept.")
    assert "CUE" not in spans


def test_a_cue_without_a_source_still_gets_its_content() -> None:
    text = "Documents released on Monday, and reviewed by the council, revealed that the bridge had been built too low."
    spans, rels = _attr(text)
    assert spans == {"CUE": ["revealed"], "CLAIM": ["that the bridge had been built too low"]}
    assert rels == {("cue-of", "revealed", "that the bridge had been built too low")}


def test_source_boundaries() -> None:
    cases = {
        "The 43-year-old engineer said that the tunnel was safe.": "The 43-year-old engineer",  # hyphens inside a word
        "Doyle and others said the vote had been rigged.": "Doyle and others",  # joined names
        "Now the ministry says the border will reopen next month.": "the ministry",  # leading adverb
        "The harbour master on Tuesday said that the port would close.": "The harbour master",  # trailing time
        "Pence, who is running again, said the tax would go.": "Pence",  # relative clause: the name
        "Maria Lund, a lawyer for the county, said the contract was void.": "Maria Lund, a lawyer for the county,",
        "The contract was void, said Maria Lund, a lawyer for the county.": "Maria Lund, a lawyer for the county",
    }
    for text, source in cases.items():
        spans, rels = _attr(text)
        assert spans["SOURCE"] == [source], text
        assert ("source-of", source, spans["CLAIM"][0]) in rels, text
    # "and" after a lower-case word ends a clause, not a name
    spans, _ = _attr("Prices rose and the minister said the rise would not last.")
    assert spans["SOURCE"] == ["the minister"]


def test_a_straight_quote_after_a_colon_opens_the_content() -> None:
    spans, rels = _attr('Ana Ruiz said: "There is no money left for the bridge."')
    assert spans["CUE"] == ["said:"] and spans["SOURCE"] == ["Ana Ruiz"]
    assert spans["CLAIM"] == ['"There is no money left for the bridge."']


def test_link_attributions_joins_a_models_spans() -> None:
    from annotator.models import Span
    from annotator.suggest.claims import link_attributions

    text = "The mayor said the bridge will open. Critics warned that costs would soar."

    def sp(s: str, label: str) -> Span:
        a = text.index(s)
        return Span(start=a, end=a + len(s), label=label, layer="claims")

    spans = [sp("The mayor", "SOURCE"), sp("said", "CUE"), sp("the bridge will open", "CLAIM"),
             sp("Critics", "SOURCE"), sp("warned", "CUE"), sp("that costs would soar", "CLAIM")]
    rels = {(r.label, text[r.head.start : r.head.end], text[r.child.start : r.child.end]) for r in link_attributions(spans)}
    assert rels == {
        ("cue-of", "said", "the bridge will open"), ("source-of", "The mayor", "the bridge will open"),
        ("cue-of", "warned", "that costs would soar"), ("source-of", "Critics", "that costs would soar"),
    }
    # a CLAIM without any CUE outside it stays unlinked; far-away cues are not taken
    assert link_attributions([sp("the bridge will open", "CLAIM")]) == []
    assert link_attributions(spans[1:3], max_gap=1) != [] and link_attributions([spans[1], spans[5]], max_gap=5) == []


def test_quote_then_said_then_speaker() -> None:
    spans, rels = _attr("“The vote was fair,” said Jon Berg, a county clerk.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Jon Berg, a county clerk"], "CLAIM": ["“The vote was fair,”"]}
    assert ("source-of", "Jon Berg, a county clerk", "“The vote was fair,”") in rels


def test_told_an_addressee_then_the_content() -> None:
    spans, rels = _attr("The mayor told Reuters she would run again.")
    assert spans == {"CUE": ["told"], "SOURCE": ["The mayor"], "CLAIM": ["she would run again"]}


def test_a_cue_without_content_keeps_its_source() -> None:
    spans, rels = _attr("The union has threatened a strike.")
    assert spans["CUE"] == ["has threatened"] and spans["SOURCE"] == ["The union"]
    assert rels == set()  # nothing to link without content


def test_a_gerund_takes_the_name_that_opens_the_sentence() -> None:
    spans, rels = _attr("Ms. Lund left the hearing early, saying that she had been misled.")
    assert spans == {"CUE": ["saying"], "SOURCE": ["Ms. Lund"], "CLAIM": ["that she had been misled"]}
    spans, _ = _attr("The old storm wall gave way, saying that the sea had won.")
    assert "SOURCE" not in spans  # "The old storm wall" is no name: no source guessed
