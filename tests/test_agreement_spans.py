"""Span measures: token-level alpha (O included) and pairwise span F1."""

from __future__ import annotations

import pytest

from annotator.agreement.coding import krippendorff_alpha
from annotator.agreement.reliability import Reliability
from annotator.agreement.spans import UnitVersions, span_f1, token_agreement, token_labels

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
