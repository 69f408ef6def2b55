"""Span measures: token-level alpha (O included) and pairwise span F1."""

from __future__ import annotations

import pytest

from annotator.agreement.coding import krippendorff_alpha
from annotator.agreement.reliability import Reliability
from annotator.agreement.spans import (UnitVersions, consensus_counts, consensus_f1, span_f1, token_agreement,
                                      token_labels)

TOKENS = [(0, 3), (4, 9), (10, 14), (15, 20), (21, 25)]  # "Kim Jong- said that ..." shape


def test_token_labels_shortest_span_wins_and_o_elsewhere() -> None:
    spans = [(0, 14, "CLAIM"), (4, 9, "SOURCE")]
    assert token_labels(TOKENS, spans) == ["CLAIM", "SOURCE", "CLAIM", "O", "O"]
    # A span that only partly covers a token still labels it.
    assert token_labels(TOKENS, [(5, 7, "X")]) == ["O", "X", "O", "O", "O"]


def test_token_alpha_equals_alpha_on_the_label_table() -> None:
    units = [
        UnitVersions("d1", 1, TOKENS, {"a": [(0, 9, "PER")], "b": [(0, 3, "PER")], "c": [(0, 9, "PER")]}),
        UnitVersions("d1", 2, TOKENS, {"a": [(15, 25, "ORG")], "b": [(15, 25, "ORG")]}),  # c missing
    ]
    res = token_agreement(units)
    table = {
        "a": ["PER", "PER", "O", "O", "O", "O", "O", "O", "ORG", "ORG"],
        "b": ["PER", "O", "O", "O", "O", "O", "O", "O", "ORG", "ORG"],
        "c": ["PER", "PER", "O", "O", "O", None, None, None, None, None],
    }
    expected = krippendorff_alpha(Reliability.from_matrix([table["a"], table["b"], table["c"]]))
    assert res.alpha.value == pytest.approx(expected.value)
    assert res.alpha.n_units == 10
    assert set(res.per_label) == {"PER", "ORG"}
    assert res.per_label["ORG"].value == pytest.approx(1.0)
    assert res.per_document["d1"].value == pytest.approx(expected.value)
    assert set(res.pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert res.pairs[("a", "c")].value == pytest.approx(1.0)


def test_span_f1_exact_and_overlap() -> None:
    units = [UnitVersions("d", 1, TOKENS, {
        "a": [(0, 9, "PER"), (15, 20, "ORG")],
        "b": [(0, 3, "PER"), (15, 20, "ORG"), (21, 25, "ORG")],
    })]
    res = span_f1(units)
    pair = res.pairs[("a", "b")]
    # exact: 1 match (ORG 15-20) of 2 and 3 spans -> 2*1/5
    assert pair.exact.value == pytest.approx(0.4)
    # overlap: a: 2/2 matched (recall 1), b: 2/3 matched (precision 2/3) -> F1 0.8
    assert pair.overlap.value == pytest.approx(0.8)
    assert pair.exact_per_label["PER"].value == 0.0
    assert pair.overlap_per_label["PER"].value == pytest.approx(1.0)
    assert pair.exact_per_label["ORG"].value == pytest.approx(2 / 3)
    assert res.as_dict()["exact"] == pytest.approx(0.4)


def test_span_f1_ignores_units_one_coder_did_not_see() -> None:
    units = [UnitVersions("d", 1, TOKENS, {"a": [(0, 3, "PER")], "b": [(0, 3, "PER")]}),
             UnitVersions("d", 2, TOKENS, {"a": [(0, 3, "PER")]})]
    pair = span_f1(units).pairs[("a", "b")]
    assert pair.exact.value == 1.0 and pair.exact.n_units == 1


def test_consensus_f1_scores_each_coder_against_half_of_the_others() -> None:
    """Four coders on one unit: each is scored against the spans at least two of their three
    others marked. Counted by hand:
    SOURCE 0-5 (a, b, c): each holder's others agree (tp 3); d's others marked it (fp 1);
    CUE 6-10 (a, b, d): tp 3, c's others marked it (fp 1);
    CUE 6-12 (c alone): c's others did not mark it (fn 1); nobody else is shown it.
    A repeat of a span in one version counts once; a unit with two versions is left out."""
    units = [
        UnitVersions("d", 1, TOKENS, {
            "a": [(0, 5, "SOURCE"), (0, 5, "SOURCE"), (6, 10, "CUE")],
            "b": [(0, 5, "SOURCE"), (6, 10, "CUE")],
            "c": [(0, 5, "SOURCE"), (6, 12, "CUE")],
            "d": [(6, 10, "CUE")],
        }),
        UnitVersions("d", 2, TOKENS, {"a": [(0, 3, "CUE")], "b": [(4, 9, "CUE")]}),
    ]
    counts, n_units = consensus_counts(units)
    assert n_units == 1
    assert counts["SOURCE"][4, 3] == 1 and counts["CUE"][4, 3] == 1 and counts["CUE"][4, 1] == 1
    res = consensus_f1(counts, n_units, min_units=1)
    assert res["per_label"]["SOURCE"]["value"] == pytest.approx(6 / 7)  # tp 3, fp 1, fn 0
    assert res["per_label"]["SOURCE"]["precision"] == pytest.approx(0.75)
    assert res["per_label"]["CUE"]["value"] == pytest.approx(0.75)  # tp 3, fp 1, fn 1
    assert res["per_label"]["CUE"]["recall"] == pytest.approx(0.75)
    assert res["exact"]["value"] == pytest.approx(12 / 15)  # tp 6, fp 2, fn 1
    assert res["exact"]["n_units"] == 1


def test_consensus_f1_with_three_coders_takes_either_other() -> None:
    """Three coders: half of the two others is one, so a span any other coder marked counts."""
    units = [UnitVersions("d", 1, TOKENS, {"a": [(0, 3, "PER")], "b": [(4, 9, "PER")], "c": []})]
    res = consensus_f1(*consensus_counts(units), min_units=1)
    # (0,3): a's others (b, c) did not mark it: fn 1; b and c each see it from a: fp 2.
    # (4,9) the same: fn 1, fp 2. No tp.
    assert res["exact"]["value"] == 0.0
    assert res["exact"]["spans_a"] == 2 and res["exact"]["spans_b"] == 4
