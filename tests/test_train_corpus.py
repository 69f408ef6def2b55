"""Training data from the store: gold first, accepted decisions otherwise; Docs and scores."""

from __future__ import annotations

from pathlib import Path

from train_fixtures import add_gold, fill, sentence

from annotator.models import Annotation, Span
from annotator.store import Store
from annotator.gold import gold_records, scheme_labels, undecided_units
from annotator.train.corpus import make_doc, span_token_range, split_records, write_docbin
from annotator.train.scoring import Scores


def test_gold_wins_over_annotations_and_rejects_are_left_out(store: Store) -> None:
    ids = fill(store, n=4, unlabelled=1)
    only_person = [Span(start=0, end=11, label="PERSON", layer="entities")]
    add_gold(store, ids[0], only_person)
    add_gold(store, ids[1], [], answer="reject")
    store.add_annotation(Annotation(unit_id=ids[2], annotator="zed", answer="accept", spans=[]))
    store.add_annotation(Annotation(unit_id=ids[3], annotator="ann", answer="reject", spans=[]))
    records = gold_records(store, "news")
    by_id = {r.unit.id: r for r in records}
    assert set(by_id) == {ids[0], ids[2]}
    assert by_id[ids[0]].origin == "gold" and by_id[ids[0]].spans == only_person
    # two annotators accepted unit 2: the first by name ('ann') is taken
    assert by_id[ids[2]].origin == "ann" and len(by_id[ids[2]].spans) == 4
    assert [u.id for u in undecided_units(store, "news")] == [ids[4]]


def test_one_annotator_per_document(store: Store) -> None:
    from annotator.models import Document, Unit

    ds = store.ensure_dataset("multi")
    text = "One here. Two there."
    doc_id = store.insert_document(ds, Document(text=text), [Unit(text="One here.", start=0, end=9),
                                                            Unit(text="Two there.", position=1, start=10, end=20)])
    u1, u2 = store.document_units(doc_id or 0)
    # 'bea' labelled only the second unit, 'al' both; 'al' (first by name) labels the document
    store.add_annotation(Annotation(unit_id=u2.id or 0, annotator="bea", answer="accept",
                                    spans=[Span(start=0, end=3, label="CARDINAL")]))
    store.add_annotation(Annotation(unit_id=u1.id or 0, annotator="al", answer="accept", spans=[]))
    store.add_annotation(Annotation(unit_id=u2.id or 0, annotator="al", answer="accept", spans=[]))
    records = gold_records(store, "multi")
    assert [(r.unit.id, r.origin, r.spans) for r in records] == [(u1.id, "al", []), (u2.id, "al", [])]


def test_split_is_deterministic_disjoint_and_by_document(store: Store) -> None:
    fill(store, n=12, unlabelled=0)
    records = gold_records(store, "news")
    train, dev = split_records(records, 0.25, seed=3)
    again = split_records(records, 0.25, seed=3)
    assert [r.unit.id for r in train] == [r.unit.id for r in again[0]]
    assert len(dev) == 3 and len(train) == 9
    assert not {r.unit.document_id for r in train} & {r.unit.document_id for r in dev}
    assert split_records(records, 0.0) == (records, [])


def test_docs_keep_the_units_tokens_and_spans_map_by_token() -> None:
    import spacy

    from annotator.models import Token, Unit

    unit = Unit(text="Kim  Jong-un  met U.N. envoys", tokens=None)
    tokens = unit.token_list()
    doc = make_doc(spacy.blank("en").vocab, tokens)
    assert [t.text for t in doc] == [t.text for t in tokens] == ["Kim", "Jong-un", "met", "U.N.", "envoys"]
    assert span_token_range(tokens, Span(start=0, end=12, label="PERSON")) == (0, 2)
    # a span cutting a token is widened to the tokens it touches
    assert span_token_range(tokens, Span(start=6, end=9, label="PERSON")) == (1, 2)
    explicit = [Token(text="a", start=0, end=1)]
    assert span_token_range(explicit, Span(start=0, end=1, label="X", token_start=0, token_end=0)) == (0, 1)


def test_docbin_holds_entities_and_claims(store: Store, tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    fill(store, n=2, unlabelled=0)
    n = write_docbin(gold_records(store, "news"), tmp_path / "train.spacy")
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert n == 2
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Alice Smith", "PERSON")]
    assert [(s.text, s.label_) for s in docs[0].spans["claims"]] == [
        ("Alice Smith", "SOURCE"), ("said", "CUE"), ("the plan 0 will work", "CLAIM")]
    assert sentence(0)[0] == docs[0].text


def test_scores_exact_and_token_overlap_by_hand() -> None:
    s = Scores()
    # truth: CLAIM tokens 2-6 (4 tokens), CUE 1-2; prediction: CLAIM 3-7, CUE 1-2, a spurious CUE 8-9
    s.add([(3, 7, "CLAIM", "claims"), (1, 2, "CUE", "claims"), (8, 9, "CUE", "claims")],
          [(2, 6, "CLAIM", "claims"), (1, 2, "CUE", "claims")])
    claim_exact, claim_tok = s.exact[("claims", "CLAIM")], s.overlap[("claims", "CLAIM")]
    assert (claim_exact.tp, claim_exact.fp, claim_exact.fn) == (0, 1, 1)
    assert (claim_tok.tp, claim_tok.fp, claim_tok.fn) == (3, 1, 1) and claim_tok.f1 == 0.75
    cue = s.exact[("claims", "CUE")]
    assert (cue.tp, cue.fp, cue.fn) == (1, 1, 0) and round(cue.f1, 4) == 0.6667
    assert round(s.main(), 4) == round((2 / 3 + 0.75) / 2, 4)
    assert "CLAIM" in s.table()


def test_saved_pipelines_tokenize_like_the_labelling_tool() -> None:
    from annotator.tokens import tokenize
    from annotator.train.config import blank_pipeline

    nlp = blank_pipeline([])
    for text in ["Kim Jong-un met U.N. envoys  in Seoul.\n\nHe said: \"no\".", "  lead", "x  ", "Russia's 16,985"]:
        doc = nlp(text)
        assert doc.text == text
        assert [t.text for t in doc if not t.is_space] == [t.text for t in tokenize(text)]


def test_lexicon_tags_places_nationalities_and_cues() -> None:
    from annotator.train.components import LexiconTagger
    from annotator.train.config import blank_pipeline

    nlp = blank_pipeline([])
    doc = LexiconTagger("lexicon")(nlp("President John Smith of the German Football Association flew to New York and JAPAN in March."))
    tags = {t.text: t.lemma_ for t in doc}
    assert tags["President"] == "TITLE" and tags["John"] == "FIRST" and tags["German"] == "NORP"
    assert tags["Association"] == "ORGCUE" and tags["New"] == tags["York"] == "GPE"
    assert tags["JAPAN"] == "GPE" and tags["March"] == "DATE" and tags["flew"] == "O"
    # lower-case place words are not places
    assert LexiconTagger("lexicon")(nlp("a nice day"))[1].lemma_ == "O"


def test_claims_labels_come_from_the_scheme(store: Store) -> None:
    fill(store, n=1, unlabelled=0)
    assert scheme_labels(store, "news") == {"claims": ["CLAIM", "SOURCE", "CUE"]}
    store.ensure_dataset("c", scheme="no-such-scheme.toml")
    assert scheme_labels(store, "c") is None  # an unloadable scheme restricts nothing


def test_a_unit_the_documents_annotator_left_takes_another_decision(store: Store) -> None:
    from annotator.models import Document, Unit

    ds = store.ensure_dataset("gaps")
    doc_id = store.insert_document(ds, Document(text="One here. Two there. Three."), [
        Unit(text="One here.", start=0, end=9), Unit(text="Two there.", position=1, start=10, end=20),
        Unit(text="Three.", position=2, start=21, end=27)])
    u1, u2, u3 = store.document_units(doc_id or 0)
    two = [Span(start=0, end=3, label="CARDINAL")]
    store.add_annotation(Annotation(unit_id=u1.id or 0, annotator="al", answer="accept", spans=[]))
    store.add_annotation(Annotation(unit_id=u2.id or 0, annotator="bea", answer="accept", spans=two))
    store.add_annotation(Annotation(unit_id=u3.id or 0, annotator="bea", answer="ignore", spans=[]))
    records = gold_records(store, "gaps")
    # u1 from al (first by name); u2 only bea decided; u3 was skipped: no truth, left out
    assert [(r.unit.id, r.origin, r.spans) for r in records] == [(u1.id, "al", []), (u2.id, "bea", two)]


def test_claim_rules_tag_cue_source_and_claim_tokens() -> None:
    """The rules' spans become a token feature: one letter (B/I/O) each for CUE, SOURCE, CLAIM."""
    from annotator.train.components import ClaimRulesTagger
    from annotator.train.config import blank_pipeline

    nlp = blank_pipeline([])
    doc = ClaimRulesTagger("claim_rules")(nlp('Acme Corp said the plan will work.  "It is fine," she told reporters.'))
    tags = [(t.text, t.tag_) for t in doc if not t.is_space]
    assert tags[:8] == [("Acme", "OBO"), ("Corp", "OIO"), ("said", "BOO"), ("the", "OOB"), ("plan", "OOI"),
                        ("will", "OOI"), ("work", "OOI"), (".", "OOO")]
    assert tags[8:] == [('"', "OOB"), ("It", "OOI"), ("is", "OOI"), ("fine", "OOI"), (",", "OOI"), ('"', "OOI"),
                        ("she", "OBO"), ("told", "BOO"), ("reporters", "OOO"), (".", "OOO")]
    assert {t.tag_ for t in ClaimRulesTagger("r")(nlp("Nothing happens here."))} == {"OOO"}


def test_a_cue_without_content_gets_the_content_the_rules_found() -> None:
    """Claims completion: a claims group with a CUE and no CLAIM gets the rules' CLAIM spans;
    one with a CLAIM, or without a CUE, or a doc the rules find no content in, stays as it is."""
    from spacy.tokens import Span as SpacySpan

    from annotator.train.components import ClaimCompletion, ClaimRulesTagger
    from annotator.train.config import blank_pipeline

    nlp = blank_pipeline([])
    rules, complete = ClaimRulesTagger("claim_rules"), ClaimCompletion("claims_completion", "claims")

    def after(text: str, group: list[tuple[int, int, str]] | None) -> list[tuple[str, str]] | None:
        doc = rules(nlp.make_doc(text))
        if group is not None:
            doc.spans["claims"] = [SpacySpan(doc, s, e, label=lab) for s, e, lab in group]
        doc = complete(doc)
        return [(sp.text, sp.label_) for sp in doc.spans["claims"]] if "claims" in doc.spans else None

    text = 'Acme Corp said the plan will work.  "It is fine," she told reporters.'
    # tokens: Acme 0, Corp 1, said 2, the 3, plan 4, will 5, work 6, . 7, (spaces) 8, " 9, It 10 … told 16
    assert after(text, [(2, 3, "CUE")]) == [("said", "CUE"), ("the plan will work", "CLAIM"), ('"It is fine,"', "CLAIM")]
    assert after(text, [(0, 2, "SOURCE"), (2, 3, "CUE")])[2:] == [("the plan will work", "CLAIM"), ('"It is fine,"', "CLAIM")]
    kept = [(2, 3, "CUE"), (3, 5, "CLAIM")]
    assert after(text, kept) == [("said", "CUE"), ("the plan", "CLAIM")]
    assert after(text, [(0, 2, "SOURCE")]) == [("Acme Corp", "SOURCE")]
    assert after(text, None) is None
    assert after("Nothing is attributed here.", [(1, 2, "CUE")]) == [("is", "CUE")]
    doc = nlp.make_doc("Why she said so")
    for tok, tag in zip(doc, ["WRB", "PRP", "VBD", "RB"]):  # tags of a part-of-speech tagger, not the rules'
        tok.tag_ = tag
    doc.spans["claims"] = [SpacySpan(doc, 2, 3, label="CUE")]
    assert [sp.label_ for sp in complete(doc).spans["claims"]] == ["CUE"]


def test_claims_components_see_the_rules_and_entities_do_not() -> None:
    from annotator.train.config import CLAIM_RULES_PIPE, Hyper, ner_model_config, plan_components

    plans = {p.name: p for p in plan_components("both", {"entities": ["ORG"], "claims": ["CLAIM", "CUE", "SOURCE"]})}
    attrs = {n: ner_model_config(p.hyper)["tok2vec"]["embed"]["attrs"] for n, p in plans.items()}
    assert "TAG" in attrs["claims_content"] and "TAG" in attrs["claims_parts"] and "TAG" not in attrs["ner"]
    off = plan_components("claims", {"claims": ["CLAIM", "CUE"]}, Hyper(claim_rules=False))
    assert all("TAG" not in ner_model_config(p.hyper)["tok2vec"]["embed"]["attrs"] for p in off)
    from annotator.train.config import blank_pipeline

    assert CLAIM_RULES_PIPE in blank_pipeline(plans.values()).pipe_names
    assert CLAIM_RULES_PIPE not in blank_pipeline(off).pipe_names


def test_the_held_out_share_is_capped_in_units(store: Store) -> None:
    fill(store, n=12, unlabelled=0)
    records = gold_records(store, "news")
    train, dev = split_records(records, 0.5, seed=1, max_eval=2)  # by document: 6 wanted, 2 allowed
    assert len(dev) == 2 and len(train) == 10
    assert not {r.unit.id for r in train} & {r.unit.id for r in dev}
    train, dev = split_records(records[:4], 0.5, seed=1, max_eval=1)  # by unit (fewer than five documents)
    assert len(dev) == 1 and len(train) == 3
    assert len(split_records(records, 0.5, seed=1, max_eval=None)[1]) == 6
