"""Krippendorff's unitizing alpha (alpha_u) against Krippendorff (1995), p.57 examples A-D
(numbers transcribed from ../shared/data/agreement/reference_values.json)."""

from __future__ import annotations

import pytest

from annotator.agreement.unitizing import Continuum, Segment, unitizing_alpha

# [start, length, coder, category] on the continuum [0, 24).
UNITS = [
    (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
    (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
    (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
    (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
    (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
    (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
    (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
]
LARGE = 50000  # positions x 50000: the paper's "large stretch" towards the continuous case


def study(stretch: float, only: str | None = None):
    segs = [Segment("doc", str(r), c, int(s * stretch), int((s + n) * stretch))
            for s, n, r, c in UNITS if only in (None, c)]
    return unitizing_alpha(segs, {"doc": Continuum(0, int(24 * stretch))}, ["0", "1"])


def test_observed_disagreement_per_category() -> None:
    res = study(1)
    got = {k: round(v.details["observed_disagreement"], 5) for k, v in res.per_label.items()}
    assert got == {"A": 0.03125, "B": 2.26736, "C": 0.02778, "D": 0.38715}
    # Observed disagreement does not change with the stretch.
    assert round(study(LARGE).per_label["B"].details["observed_disagreement"], 5) == 2.26736


def test_large_stretch_expected_disagreement_and_alpha() -> None:
    res = study(LARGE)
    a, d = res.per_label["A"], res.per_label["D"]
    assert round(a.details["expected_disagreement"], 4) == 0.0699
    assert round(d.details["expected_disagreement"], 5) == 0.41445
    assert round(a.value, 3) == 0.553
    assert round(d.value, 3) == 0.066


def test_published_b_and_c_within_dkpro_tolerance() -> None:
    """The 1995 paper's D_e for B and C carry small errors (DKPro notes it and asserts within
    0.005 / alpha within 0.02). For C the printed 0.08642 is exactly what one gets when the
    denominator's sum of l(l-1) over units is left out: 2389.33 / (12 * 48^2)."""
    res = study(LARGE)
    b, c = res.per_label["B"], res.per_label["C"]
    assert b.details["expected_disagreement"] == pytest.approx(1.17731, abs=0.005)
    assert c.details["expected_disagreement"] == pytest.approx(0.08642, abs=0.005)
    assert b.value == pytest.approx(-0.926, abs=0.02)
    assert c.value == pytest.approx(0.679, abs=0.02)
    numerator = 8 * (2 / 3) * (6**3 + 3 * 4**3 + 5 * 2**3)  # (N_c - 1) * 2/3 * sum l^3
    assert round(numerator / (12 * 48**2), 5) == 0.08642


def test_c_at_half_stretch_is_exact() -> None:
    fig = study(0.5, only="C").per_label["C"]
    assert round(fig.details["observed_disagreement"], 5) == 0.02778
    assert round(fig.details["expected_disagreement"], 5) == 0.05494
    assert round(fig.value, 3) == 0.494


@pytest.mark.parametrize("stretch,published", [(5, 0.663), (50, 0.677), (500, 0.678), (5000, 0.679)])
def test_c_approaches_the_continuous_value(stretch: int, published: float) -> None:
    assert study(stretch, only="C").per_label["C"].value == pytest.approx(published, abs=0.02)


def test_overall_is_ratio_of_summed_disagreements() -> None:
    res = study(LARGE)
    d_o = sum(f.details["observed_disagreement"] for f in res.per_label.values())
    d_e = sum(f.details["expected_disagreement"] for f in res.per_label.values())
    assert res.overall.value == pytest.approx(1 - d_o / d_e)


def test_identical_coders_agree_perfectly() -> None:
    segs = [Segment("d", c, "X", s, e) for c in ("a", "b", "c") for s, e in ((3, 7), (10, 12))]
    res = unitizing_alpha(segs, {"d": Continuum(0, 20)})
    assert res.overall.value == pytest.approx(1.0)


def test_default_continuum_runs_to_largest_end_and_documents_do_not_share_gaps() -> None:
    segs = [Segment("d1", "a", "X", 0, 4), Segment("d1", "b", "X", 0, 5),
            Segment("d2", "a", "X", 2, 6), Segment("d2", "b", "X", 2, 6)]
    default = unitizing_alpha(segs)
    explicit = unitizing_alpha(segs, {"d1": Continuum(0, 5), "d2": Continuum(0, 6)})
    assert default.overall.value == pytest.approx(explicit.overall.value)
    assert default.overall.details["documents"] == 2


def test_span_outside_continuum_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the continuum"):
        unitizing_alpha([Segment("d", "a", "X", 5, 30)], {"d": Continuum(0, 24)})


def test_expected_disagreement_is_exact_whatever_the_order() -> None:
    """D_e from its definition in exact fractions, against the function on lengths in any
    order, listed or counted by length: the same float, the correctly rounded one (floats
    would lose whole numbers past 2**53: a million units' terms pass it)."""
    import random
    from fractions import Fraction

    import numpy as np

    from annotator.agreement.unitizing import (
        category_disagreements,
        category_disagreements_by_length,
        category_disagreements_counted,
    )

    rnd = random.Random(7)
    for _ in range(30):
        ls = [rnd.randrange(1, 400) for _ in range(rnd.randrange(1, 300))]
        gaps = [rnd.randrange(0, 900) for _ in range(rnd.randrange(0, 300))]
        m, length = rnd.choice([2, 3, 5]), 10**9 + rnd.randrange(10**6)  # a long continuum: big terms
        n_c = len(ls)
        numerator = sum(Fraction((n_c - 1) * (2 * lg**3 - 3 * lg**2 + lg), 3)
                        + lg**2 * sum(lh - lg + 1 for lh in gaps if lh >= lg) for lg in ls)
        denominator = m * length * (m * length - 1) - sum(lg * (lg - 1) for lg in ls)
        want = float(Fraction(2, length) * numerator / denominator)
        got = category_disagreements(0.0, np.asarray(ls, dtype=float), np.asarray(gaps, dtype=float), m, length)
        assert got[1] == want and got[2] == n_c
        rnd.shuffle(ls)
        counted = category_disagreements_counted(0.0, np.asarray(ls), np.bincount(gaps, minlength=1), m, length)
        by_length = category_disagreements_by_length(0.0, np.bincount(ls), np.bincount(gaps, minlength=1), m, length)
        assert counted == by_length == got
