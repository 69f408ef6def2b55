"""Categorical measures reproduce published worked examples (numbers transcribed from
../shared/data/agreement/reference_values.json; they are facts from the cited papers)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.agreement import coding as C
from annotator.agreement.reliability import Reliability

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (also 2004, p.230):
# reliability_data[observer][unit], None = missing.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971) p.379: 30 patients x 6 psychiatrists, 5 diagnoses.
FLEISS = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]

# SAS PROC FREQ 3x3 table (statsmodels' table10): counts[rater1][rater2].
SAS_3X3 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]

# Krippendorff (2004) p.224: items[item][rater], binary.
K2004_P224 = [[1, 0], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]
# Krippendorff (2004) p.227: items[item][rater], nominal labels.
K2004_P227 = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"], ["b", "b"], ["b", "b"],
              ["b", "c"], ["c", "c"], ["c", "c"], ["c", "c"], ["c", "c"], ["c", "c"]]


def r3(x: float | None) -> float:
    assert x is not None
    return round(x, 3)


@pytest.mark.parametrize("level,expected", [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_krippendorff_2011_alpha_all_levels(level: str, expected: float) -> None:
    rel = Reliability.from_matrix(K2011)
    assert r3(C.krippendorff_alpha(rel, level).value) == expected


def test_krippendorff_2011_details() -> None:
    rel = Reliability.from_matrix(K2011)
    nominal = C.krippendorff_alpha(rel, "nominal")
    assert nominal.value == pytest.approx(0.743421052632, abs=1e-12)  # NLTK's precise value
    assert nominal.details["observed_disagreement"] == pytest.approx(0.2)
    assert r3(nominal.details["expected_disagreement"]) == 0.779
    interval = C.krippendorff_alpha(rel, "interval")
    assert r3(interval.details["observed_disagreement"]) == 0.433
    assert r3(interval.details["expected_disagreement"]) == 2.872
    assert C.percent_agreement(rel).value == pytest.approx(0.8)  # DKPro
    # Unit 12 has one value: not pairable, so 11 units and 40 values count.
    assert nominal.n_units == 11 and nominal.n_values == 40
    assert "too few" in (nominal.warning or "")


def test_unpairable_unit_does_not_change_alpha() -> None:
    without_12 = [row[:11] for row in K2011]
    a = C.krippendorff_alpha(Reliability.from_matrix(K2011)).value
    b = C.krippendorff_alpha(Reliability.from_matrix(without_12)).value
    assert a == pytest.approx(b, abs=1e-15)


def test_fleiss_1971() -> None:
    rel = Reliability.from_items(FLEISS)
    fig = C.fleiss_kappa(rel)
    assert fig.value == pytest.approx(0.4302445, abs=5e-8)  # R irr::kappam.fleiss
    assert round(fig.details["observed_agreement"], 4) == 0.5556
    # Printed 0.2201 comes from rounded p_j; exact arithmetic gives 0.21994 (same to 3 places).
    assert round(fig.details["expected_agreement"], 3) == round(0.2201, 3)
    assert fig.details["category_totals"] == {"1": 26, "2": 26, "3": 30, "4": 55, "5": 43}
    # Fleiss' own per-category table was computed by hand from rounded intermediate values:
    # exact arithmetic gives 0.245/0.245/0.520/0.471/0.566 against the printed
    # 0.248/0.248/0.517/0.470/0.565 (DKPro asserts the printed ones within 0.005 too).
    cat = fig.details["category_kappa"]
    assert [r3(cat[k]) for k in "12345"] == [0.245, 0.245, 0.520, 0.471, 0.566]
    for k, printed in zip("12345", [0.248, 0.248, 0.517, 0.470, 0.565]):
        assert cat[k] == pytest.approx(printed, abs=0.005)
    # With complete data, multi-pi equals Fleiss' kappa.
    assert C.scott_pi(rel).value == pytest.approx(fig.value, abs=1e-12)


def test_cohen_kappa_sas_table() -> None:
    assert round(C.cohen_kappa_table(np.array(SAS_3X3)).value, 4) == 0.4842


def test_cohen_kappa_from_ratings_matches_table() -> None:
    # Expand the SAS table into 19 units rated by two coders.
    items = [[i, j] for i in range(3) for j in range(3) for _ in range(SAS_3X3[i][j])]
    rel = Reliability.from_items(items)
    fig = C.cohen_kappa(rel)
    assert round(fig.value, 4) == 0.4842
    assert fig.details["pairs"]["0|1"]["n_units"] == 19


@pytest.mark.parametrize("items,pa,d_o,d_e,alpha", [
    (K2004_P224, 0.6, 0.4, 0.442, 0.095),
    (K2004_P227, 0.833, 0.1667, 0.6268, 0.734),
])
def test_krippendorff_2004_two_coder_examples(items: list, pa: float, d_o: float, d_e: float,
                                              alpha: float) -> None:
    rel = Reliability.from_items(items)
    fig = C.krippendorff_alpha(rel, "nominal")
    assert r3(fig.value) == alpha
    assert round(fig.details["observed_disagreement"], len(str(d_o)) - 2) == d_o
    assert round(fig.details["expected_disagreement"], len(str(d_e)) - 2) == d_e
    assert r3(C.percent_agreement(rel).value) == pa


def test_digitized_unitizing_example_a() -> None:
    """Krippendorff (1995) example A, one binary value per position (24 positions)."""
    bertha = [0] * 24
    bill = [0] * 24
    for s, e in ((2, 10), (14, 20)):
        bertha[s:e] = [1] * (e - s)
    for s, e in ((4, 8), (15, 17)):
        bill[s:e] = [1] * (e - s)
    rel = Reliability.from_matrix([bertha, bill])
    assert r3(C.cohen_kappa(rel).value) == 0.385
    assert r3(C.scott_pi(rel).value) == 0.314
    assert r3(C.krippendorff_alpha(rel).value) == 0.329


def test_nltk_dress_with_missing_values() -> None:
    triples = [("dress1", "coder1", "YES"), ("dress1", "coder2", "NO"), ("dress1", "coder3", "NO"),
               ("dress2", "coder1", "YES"), ("dress2", "coder2", "NO"), ("dress3", "coder3", "NO")]
    rel = Reliability.from_triples(triples)
    assert C.krippendorff_alpha(rel).value == pytest.approx(-0.3333333, abs=1e-7)


def test_perfect_agreement_and_no_variation() -> None:
    rel = Reliability.from_matrix([[1, 2, 3, 1], [1, 2, 3, 1], [1, 2, 3, 1]])
    for level in C.LEVELS:
        assert C.krippendorff_alpha(rel, level).value == pytest.approx(1.0)
    assert C.fleiss_kappa(rel).value == pytest.approx(1.0)
    same = Reliability.from_matrix([["x", "x"], ["x", "x"]])
    fig = C.krippendorff_alpha(same)  # issue 16.9: undefined, not 1.0
    assert fig.value is None and fig.details["undefined"] == "no variation" and "no variation" in (fig.warning or "")
    assert C.scott_pi(same).value is None and C.fleiss_kappa(same).value is None


def test_labels_refuse_interval_level() -> None:
    rel = Reliability.from_items(K2004_P227)
    with pytest.raises(ValueError):
        C.krippendorff_alpha(rel, "interval")


def test_duplicate_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one value"):
        Reliability.from_triples([("u1", "a", 1), ("u1", "a", 2)])


def test_long_form_and_matrix_agree_on_random_data() -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(1, 6, size=(4, 300)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    a = Reliability.from_matrix(data)
    triples = [(u, c, None if np.isnan(data[c, u]) else int(data[c, u]))
               for u in range(300) for c in range(4)]
    b = Reliability.from_triples(triples)
    for level in C.LEVELS:
        assert C.krippendorff_alpha(a, level).value == pytest.approx(C.krippendorff_alpha(b, level).value)
    assert C.fleiss_kappa(a).value == pytest.approx(C.fleiss_kappa(b).value)


def test_alpha_matches_a_brute_force_pairing() -> None:
    """Check the vectorised coincidences against the textbook double loop."""
    rng = np.random.default_rng(3)
    data = rng.integers(1, 5, size=(3, 50)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    vals = sorted({v for v in data.flatten() if not np.isnan(v)})
    o = {(a, b): 0.0 for a in vals for b in vals}
    for u in range(data.shape[1]):
        col = [v for v in data[:, u] if not np.isnan(v)]
        m = len(col)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[(col[i], col[j])] += 1 / (m - 1)
    n_c = {a: sum(o[(a, b)] for b in vals) for a in vals}
    n = sum(n_c.values())
    d_o = sum(w * (a - b) ** 2 for (a, b), w in o.items())
    d_e = sum(n_c[a] * n_c[b] * (a - b) ** 2 for a in vals for b in vals)
    expected = 1 - (n - 1) * d_o / d_e
    got = C.krippendorff_alpha(Reliability.from_matrix(data), "interval").value
    assert got == pytest.approx(expected, abs=1e-12)


def test_pairwise_matrix_names_every_pair() -> None:
    rel = Reliability.from_matrix(K2011, coder_names=["A", "B", "C", "D"])
    pairs = C.pairwise(rel)
    assert set(pairs) == {("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")}
    # A and B share units 1-9: they disagree on unit 6 only.
    ab = pairs[("A", "B")]["percent_agreement"]
    assert ab.n_units == 9 and ab.value == pytest.approx(8 / 9)
