"""Agreement on categorical judgements: percent agreement, Cohen's kappa, Scott's pi,
Fleiss' kappa and Krippendorff's alpha (nominal, ordinal, interval, ratio).

Everything is computed from Krippendorff's coincidence matrix or from per-unit value
counts, vectorised with numpy: a unit with m pairable values adds 1/(m-1) to the
coincidence of every ordered pair of its values given by different coders. Units with
fewer than two values are not pairable and do not count.

Conventions (the same as NLTK and DKPro where they define one):
- ``percent_agreement`` is the share of agreeing pairs within units, sum(o_cc)/n; for two
  coders without missing values it is the share of units they agree on.
- ``scott_pi`` for more than two coders is multi-pi (Siegel and Castellan's K, Fleiss'
  kappa generalised to missing values): observed agreement as above, chance agreement from
  the pooled distribution of values.
- ``cohen_kappa`` is computed per coder pair over the units both coded; the overall figure
  is the mean over pairs.
- When every value is the same, expected disagreement is 0: alpha, pi and kappa are
  undefined (None, with ``details["undefined"] = "no variation"``), never 1.0.
- Coincidences are kept as whole-number pair counts per number of values in a unit
  (:class:`Coincidences`); weights 1/(m-1) are applied once, in a fixed order, so a sum over
  parts of the data gives the bits of a sum over the whole.
"""

from __future__ import annotations

from itertools import combinations
from typing import Literal

import numpy as np

from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure, few_units_warning, join_warnings

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
_DENSE_LIMIT = 2048  # categories up to which the coincidence matrix is a dense V x V array


# ---------------------------------------------------------------- coincidences
PairCounts = dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]


def per_m_sum(counts: dict[int, int]) -> float:
    """sum over m (ascending) of counts[m] / (m - 1): the one place pair counts become weights."""
    total = 0.0
    for m in sorted(counts):
        total += counts[m] / (m - 1.0)
    return total


class Coincidences:
    """Krippendorff's coincidence matrix, kept as whole numbers: for each number m of values
    in a unit, how many ordered pairs of values (c, k) given by different coders units with
    m values hold (``by_m[m]`` = rows, cols, counts, sorted by (row, col)). The weights
    sum over m (ascending) of count / (m - 1) are made once, here: any split of the units
    into parts whose counts are added gives the same bits."""

    def __init__(self, by_m: PairCounts, n_c: np.ndarray, n_units: int,
                 n_c_by_m: dict[int, np.ndarray] | None = None) -> None:
        self.by_m = {m: by_m[m] for m in sorted(by_m)}
        #: values per category in units holding m values, m >= 1 (Gwet's AC1 needs the
        #: units that are not pairable too); whole numbers
        self.n_c_by_m = {m: np.asarray(c, dtype=np.int64) for m, c in sorted((n_c_by_m or {}).items())}
        self.n_c = np.asarray(n_c, dtype=np.float64)  # marginal of each category (pairable values)
        self.n = float(self.n_c.sum())
        self.n_units = n_units  # pairable units
        keys = [r * len(self.n_c) + c for r, c, _ in self.by_m.values()]
        v = max(len(self.n_c), 1)
        uniq = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
        weights = np.zeros(len(uniq))
        same: dict[int, int] = {}
        apart: dict[int, int] = {}
        for m, (r, c, cnt) in self.by_m.items():
            weights[np.searchsorted(uniq, r * v + c)] += cnt / (m - 1.0)
            same[m] = int(cnt[r == c].sum())
            apart[m] = int(cnt.sum()) - same[m]
        self.rows, self.cols, self.weights = uniq // v, uniq % v, weights
        self.same_by_m = same  # pairs of equal values, per m: whole numbers
        self.agreeing = per_m_sum(same)  # sum of o_cc
        self.apart_by_m = apart  # pairs of unequal values, per m: whole numbers
        self.disagreeing = per_m_sum(apart)  # sum of o_ck, c != k

    @classmethod
    def from_dense(cls, by_m: dict[int, np.ndarray], n_c: np.ndarray, n_units: int,
                   n_c_by_m: dict[int, np.ndarray] | None = None) -> Coincidences:
        """From ``by_m[m]``, a V x V array of pair counts per number of values m."""
        sparse: PairCounts = {}
        for m, mat in by_m.items():
            v = len(mat)
            flat = np.asarray(mat, dtype=np.int64).reshape(-1)
            nz = np.nonzero(flat)[0]
            if len(nz):
                sparse[int(m)] = (nz // v, nz % v, flat[nz])
        return cls(sparse, n_c, n_units, n_c_by_m)

    def dense(self) -> np.ndarray:
        """The V x V coincidence matrix."""
        v = len(self.n_c)
        out = np.zeros((v, v))
        np.add.at(out, (self.rows, self.cols), self.weights)
        return out

    @property
    def observed_agreement(self) -> float:
        """Share of pairable value pairs that agree: sum(o_cc) / n."""
        if self.n == 0:
            return float("nan")
        return float(self.agreeing / self.n)


def unit_value_counts(rel: Reliability) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(unit, category, count, m_unit) for every value given in a pairable unit, sorted by
    unit then category; m_unit is the number of values in that unit."""
    if len(rel.units) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    v = max(rel.n_categories, 1)
    m = np.bincount(rel.units, minlength=rel.n_units)
    keep = m[rel.units] >= 2
    keys = rel.units[keep] * v + rel.values[keep]
    uniq, counts = np.unique(keys, return_counts=True)
    u = uniq // v
    return u, uniq % v, counts.astype(np.int64), m[u]


def coincidences(rel: Reliability) -> Coincidences:
    """Krippendorff's coincidence matrix of ``rel``, built without a loop over units (with
    the values per category and number of values in a unit, for Gwet's AC1)."""
    co = coincidences_from_counts(*unit_value_counts(rel), rel.n_categories)
    v = max(rel.n_categories, 1)
    m = np.bincount(rel.units, minlength=rel.n_units)[rel.units] if len(rel.units) else rel.units
    top = int(m.max(initial=0)) + 1
    flat = np.bincount(m * v + rel.values, minlength=top * v).reshape(top, v)
    co.n_c_by_m = {k: flat[k, : rel.n_categories].astype(np.int64) for k in range(1, top) if flat[k].any()}
    return co


def coincidences_from_counts(u: np.ndarray, c: np.ndarray, cnt: np.ndarray, m: np.ndarray, v: int) -> Coincidences:
    """The coincidence matrix from :func:`unit_value_counts`' arrays (sorted by unit, then
    category) over ``v`` categories."""
    if len(u) == 0:
        return Coincidences({}, np.zeros(v), 0)
    rows = [c]
    cols = [c]
    counts = [cnt * (cnt - 1)]  # pairs of equal values within a unit
    ms = [m]
    d = 1
    while d < len(u):
        same = u[:-d] == u[d:]
        if not same.any():
            break
        i = np.nonzero(same)[0]
        j = i + d
        pair = cnt[i] * cnt[j]
        rows += [c[i], c[j]]
        cols += [c[j], c[i]]
        counts += [pair, pair]
        ms += [m[i], m[i]]
        d += 1
    return Coincidences(pair_counts(np.concatenate(ms), np.concatenate(rows), np.concatenate(cols),
                                    np.concatenate(counts), v),
                        np.bincount(c, weights=cnt, minlength=v), int(np.count_nonzero(u[1:] != u[:-1])) + 1)


def pair_counts(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, v: int) -> PairCounts:
    """Counts of (m, row, col) triples added up: ``{m: (rows, cols, counts)}``, sorted."""
    v = max(v, 1)
    keys = (m.astype(np.int64) * v + rows) * v + cols
    size = (int(m.max(initial=0)) + 1) * v * v
    if size <= 1 << 24:  # few categories: one pass of counting (sums of whole numbers < 2**53: exact)
        flat = np.bincount(keys, weights=counts, minlength=size)
        uniq = np.nonzero(flat)[0]
        total = flat[uniq].astype(np.int64)
    else:
        uniq, inv = np.unique(keys, return_inverse=True)
        total = np.bincount(inv.reshape(-1), weights=counts, minlength=len(uniq)).astype(np.int64)
    keep = total != 0
    uniq, total = uniq[keep], total[keep]
    out: PairCounts = {}
    mm = uniq // (v * v)
    for one in np.unique(mm).tolist():
        at = mm == one
        cell = uniq[at] % (v * v)
        out[int(one)] = (cell // v, cell % v, total[at])
    return out


def binary_counts(hist: np.ndarray) -> Coincidences:
    """The coincidences of a binary layer from ``hist[m][k]``: how many units hold m values,
    k of them 1 (a label present) and m - k of them 0."""
    by_m: dict[int, np.ndarray] = {}
    n_c = np.zeros(2, dtype=np.int64)
    n_c_by_m: dict[int, np.ndarray] = {}
    n_units = 0
    for m in range(2, hist.shape[0]):
        k = np.arange(hist.shape[1], dtype=np.int64)[: m + 1]
        t = hist[m, : m + 1].astype(np.int64)
        if not t.any():
            continue
        ones = int((t * k * (k - 1)).sum())
        zeros = int((t * (m - k) * (m - k - 1)).sum())
        apart = int((t * k * (m - k)).sum())
        by_m[m] = np.asarray([[zeros, apart], [apart, ones]], dtype=np.int64)
        n_c_by_m[m] = np.asarray([int((t * (m - k)).sum()), int((t * k).sum())], dtype=np.int64)
        n_c += n_c_by_m[m]
        n_units += int(t.sum())
    return Coincidences.from_dense(by_m, n_c, n_units, n_c_by_m)


def pair_coincidences(x: np.ndarray, y: np.ndarray, v: int) -> Coincidences:
    """The coincidences of two coders' values ``x`` and ``y`` over the same units (-1: none),
    ``v`` categories: each unit both coded adds one pair each way."""
    both = (x >= 0) & (y >= 0)
    xa, ya = x[both], y[both]
    n = len(xa)
    n_c = np.bincount(np.concatenate([xa, ya]), minlength=v)
    return Coincidences(pair_counts(np.full(2 * n, 2), np.concatenate([xa, ya]), np.concatenate([ya, xa]),
                                    np.ones(2 * n, dtype=np.int64), v), n_c, n, {2: n_c})


# ---------------------------------------------------------------- distances
def _positions(rel: Reliability, level: str, n_c: np.ndarray) -> np.ndarray | None:
    """Points on a line whose squared differences are the level's distance, where one exists."""
    if level == "interval":
        return _numbers(rel, level)
    if level == "ordinal":
        # (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 equals the squared difference of mid-ranks.
        before = np.concatenate([[0.0], np.cumsum(n_c)[:-1]])
        return before + n_c / 2.0
    return None


def _numbers(rel: Reliability, level: str) -> np.ndarray:
    """The numeric value of each category; ValueError for labels that are not numbers."""
    if rel.numeric is None:
        raise ValueError(f"{level} alpha needs numeric values; these are labels")
    return rel.numeric


def _delta2(rel: Reliability, level: str, n_c: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared distance between categories ``a`` and ``b`` at ``level``."""
    if level == "nominal":
        return (a != b).astype(np.float64)
    if level == "ratio":
        x = _numbers(rel, level)
        s = x[a] + x[b]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(s == 0, 0.0, ((x[a] - x[b]) / np.where(s == 0, 1.0, s)) ** 2)
        return out
    pos = _positions(rel, level, n_c)
    assert pos is not None
    return (pos[a] - pos[b]) ** 2


def _expected_sum(rel: Reliability, level: str, n_c: np.ndarray) -> float:
    """sum over all category pairs of n_c * n_k * delta^2(c, k)."""
    n = n_c.sum()
    if level == "nominal":
        return float(n * n - (n_c**2).sum())
    pos = _positions(rel, level, n_c)
    if pos is not None:
        s1 = (n_c * pos).sum()
        s2 = (n_c * pos**2).sum()
        return float(2.0 * n * s2 - 2.0 * s1 * s1)
    idx = np.nonzero(n_c)[0]
    total = 0.0
    for start in range(0, len(idx), 512):
        a = idx[start : start + 512]
        d = _delta2(rel, level, n_c, a[:, None], idx[None, :])
        total += float((n_c[a][:, None] * n_c[idx][None, :] * d).sum())
    return total


# ---------------------------------------------------------------- measures
NO_VARIATION = "no variation: every value is the same, alpha is undefined"


def krippendorff_alpha(rel: Reliability, level: str = "nominal", min_units: int = MIN_UNITS,
                       co: Coincidences | None = None) -> Figure:
    """Krippendorff's alpha at ``level`` (nominal, ordinal, interval or ratio)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    co = co if co is not None else coincidences(rel)
    if level == "nominal":
        return nominal_alpha(co.n_c, co.disagreeing, co.n_units, min_units)
    n = co.n
    warn = few_units_warning(co.n_units, min_units)
    if n < 2:
        return Figure(None, co.n_units, int(n), warn)
    observed = float((co.weights * _delta2(rel, level, co.n_c, co.rows, co.cols)).sum())
    expected = _expected_sum(rel, level, co.n_c)
    return _alpha(n, observed, expected, co.n_units, warn)


def nominal_alpha(n_c: np.ndarray, disagreeing: float, n_units: int, min_units: int = MIN_UNITS) -> Figure:
    """Nominal alpha from the values per category (pairable ones) and the summed weights of
    unequal pairs (:func:`per_m_sum` of their counts)."""
    counts = [int(x) for x in np.asarray(n_c).tolist()]
    n = sum(counts)
    warn = few_units_warning(n_units, min_units)
    if n < 2:
        return Figure(None, n_units, n, warn)
    expected = float(n * n - sum(x * x for x in counts))  # whole numbers: exact, then one rounding
    return _alpha(float(n), disagreeing, expected, n_units, warn)


def nominal_alphas(n_c: np.ndarray, apart_by_m: np.ndarray, n_units: np.ndarray,
                   min_units: int = MIN_UNITS) -> list[Figure]:
    """:func:`nominal_alpha` of many groups at once, operation for operation: ``n_c[g]``
    values per category, ``apart_by_m[g][m]`` unequal pairs in units of m values,
    ``n_units[g]`` pairable units."""
    n_c = np.asarray(n_c, dtype=np.int64)
    n = n_c.sum(axis=1)
    expected = n * n - (n_c * n_c).sum(axis=1)  # whole numbers, exact in int64
    observed = np.zeros(len(n))
    for m in range(2, apart_by_m.shape[1]):  # as per_m_sum: ascending m, one division each
        observed += apart_by_m[:, m] / (m - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = observed / n
        d_e = expected / (n * (n - 1.0))
        value = 1.0 - (n - 1.0) * observed / expected
    out: list[Figure] = []
    for g, (nv, units) in enumerate(zip(n.tolist(), np.asarray(n_units).tolist())):
        warn = few_units_warning(units, min_units)
        if nv < 2:
            out.append(Figure(None, units, nv, warn))
            continue
        details: dict[str, object] = {"observed_disagreement": float(d_o[g]), "expected_disagreement": float(d_e[g])}
        if expected[g] == 0:
            details["undefined"] = "no variation"
            out.append(Figure(None, units, nv, join_warnings(warn, NO_VARIATION), details))
        else:
            out.append(Figure(float(value[g]), units, nv, warn, details))
    return out


def _alpha(n: float, observed: float, expected: float, n_units: int, warn: str | None) -> Figure:
    """1 - (n - 1) D_o / D_e; undefined (None) when every value is the same."""
    d_o = observed / n
    d_e = expected / (n * (n - 1.0))
    details: dict[str, object] = {"observed_disagreement": d_o, "expected_disagreement": d_e}
    if expected == 0:
        details["undefined"] = "no variation"
        return Figure(None, n_units, int(n), join_warnings(warn, NO_VARIATION), details)
    return Figure(1.0 - (n - 1.0) * observed / expected, n_units, int(n), warn, details)


def percent_agreement(rel: Reliability, min_units: int = MIN_UNITS, co: Coincidences | None = None) -> Figure:
    """Share of agreeing pairs of values within units (pairwise observed agreement)."""
    co = co if co is not None else coincidences(rel)
    value = co.observed_agreement if co.n else None
    return Figure(value, co.n_units, int(co.n), few_units_warning(co.n_units, min_units))


def scott_pi(rel: Reliability, min_units: int = MIN_UNITS, co: Coincidences | None = None) -> Figure:
    """Scott's pi (multi-pi for more than two coders): chance from pooled value shares."""
    co = co if co is not None else coincidences(rel)
    warn = few_units_warning(co.n_units, min_units)
    if co.n == 0:
        return Figure(None, 0, 0, warn)
    p_o = co.observed_agreement
    p_e = float(((co.n_c / co.n) ** 2).sum())
    return _chance_corrected(p_o, p_e, co.n_units, int(co.n), warn)


def _chance_corrected(p_o: float, p_e: float, n_units: int, n_values: int, warn: str | None) -> Figure:
    """(p_o - p_e) / (1 - p_e), with the all-one-value case handled."""
    details: dict[str, object] = {"observed_agreement": p_o, "expected_agreement": p_e}
    if p_e >= 1.0 - 1e-15:
        details["undefined"] = "no variation"
        return Figure(None, n_units, n_values, join_warnings(warn, "no variation: chance agreement is 1, the "
                                                             "coefficient is undefined"), details)
    return Figure((p_o - p_e) / (1.0 - p_e), n_units, n_values, warn, details)


def pair_table(rel: Reliability, a: int, b: int) -> np.ndarray:
    """Contingency table (V x V) of coder ``a`` against coder ``b`` over units both coded."""
    v = rel.n_categories
    ua, va = rel.coder_values(a)
    ub, vb = rel.coder_values(b)
    _, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    return np.bincount(va[ia] * v + vb[ib], minlength=v * v).reshape(v, v).astype(np.float64)


def cohen_kappa_table(table: np.ndarray, min_units: int = MIN_UNITS) -> Figure:
    """Cohen's kappa of a two-rater contingency table ``table[rater1][rater2]``."""
    t = np.asarray(table, dtype=np.float64)
    n = t.sum()
    warn = few_units_warning(int(n), min_units)
    if n == 0:
        return Figure(None, 0, 0, warn)
    p_o = float(np.trace(t) / n)
    p_e = float((t.sum(axis=1) * t.sum(axis=0)).sum() / (n * n))
    return _chance_corrected(p_o, p_e, int(n), int(2 * n), warn)


def scott_pi_table(table: np.ndarray, min_units: int = MIN_UNITS) -> Figure:
    """Scott's pi of a two-rater contingency table (pooled marginals)."""
    t = np.asarray(table, dtype=np.float64)
    n = t.sum()
    warn = few_units_warning(int(n), min_units)
    if n == 0:
        return Figure(None, 0, 0, warn)
    p_o = float(np.trace(t) / n)
    pooled = (t.sum(axis=1) + t.sum(axis=0)) / (2.0 * n)
    return _chance_corrected(p_o, float((pooled**2).sum()), int(n), int(2 * n), warn)


def pairwise(rel: Reliability, min_units: int = MIN_UNITS) -> dict[tuple[str, str], dict[str, Figure]]:
    """Cohen's kappa, Scott's pi and percent agreement for every pair of coders."""
    out: dict[tuple[str, str], dict[str, Figure]] = {}
    for a, b in combinations(range(len(rel.coder_names)), 2):
        t = pair_table(rel, a, b)
        n = int(t.sum())
        agree = Figure(float(np.trace(t) / n) if n else None, n, 2 * n, few_units_warning(n, min_units))
        out[(rel.coder_names[a], rel.coder_names[b])] = {
            "cohen_kappa": cohen_kappa_table(t, min_units),
            "scott_pi": scott_pi_table(t, min_units),
            "percent_agreement": agree,
        }
    return out


def cohen_kappa(rel: Reliability, min_units: int = MIN_UNITS,
                pairs: dict[tuple[str, str], dict[str, Figure]] | None = None) -> Figure:
    """Mean of Cohen's kappa over the coder pairs that share units (pairs in details)."""
    pairs = pairs if pairs is not None else pairwise(rel, min_units)
    values = [p["cohen_kappa"].value for p in pairs.values() if p["cohen_kappa"].value is not None]
    n_units = int(max((p["cohen_kappa"].n_units for p in pairs.values()), default=0))
    details = {"pairs": {f"{a}|{b}": p["cohen_kappa"].as_dict() for (a, b), p in pairs.items()}}
    warn = few_units_warning(n_units, min_units) if not values else join_warnings(
        *(f"{a}|{b}: {p['cohen_kappa'].warning}" for (a, b), p in pairs.items() if p["cohen_kappa"].warning)
    )
    mean = float(np.mean(values)) if values else None
    return Figure(mean, n_units, sum(p["cohen_kappa"].n_values for p in pairs.values()), warn, details)


def gwet_ac1(co: Coincidences, min_units: int = MIN_UNITS) -> Figure:
    """Gwet's AC1 (Gwet 2008; Handbook of Inter-Rater Reliability, 2014, ch. 2) from whole-number
    sums: observed agreement over pairable units, sum_i sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))
    / n', is sum over m of the equal pairs in units of m values / (m (m - 1)); chance agreement
    sum_k pi_k (1 - pi_k) / (q - 1), pi_k the mean share of category k in each unit with a
    value (units of one value included), q the categories given."""
    warn = few_units_warning(co.n_units, min_units)
    if co.n_units == 0:
        return Figure(None, 0, 0, warn)
    p_a = 0.0
    for m in sorted(co.same_by_m):
        p_a += co.same_by_m[m] / (m * (m - 1.0))
    p_a /= co.n_units
    counts = sorted(co.n_c_by_m.items())
    units = sum(int(c.sum()) // m for m, c in counts)  # whole units of m values each
    q = int((sum(c for _, c in counts) > 0).sum()) if counts else 0
    share = np.zeros(len(co.n_c))
    for m, c in counts:
        share += c / float(m)
    pi = share / units if units else share
    p_e = float((pi * (1.0 - pi)).sum()) / (q - 1.0) if q > 1 else 1.0
    return _chance_corrected(p_a, p_e, co.n_units, int(co.n), warn)


def gwet_weights(rel: Reliability, kind: str) -> np.ndarray:
    """Gwet's weights over the categories (irrCAC: ``identity``, ``linear``, ``quadratic``):
    numbers where the values are numbers, else 1..q in sorted order."""
    q = rel.n_categories
    if kind == "identity":
        return np.eye(q)
    x = rel.numeric if rel.numeric is not None else np.arange(1.0, q + 1.0)
    span = float(x.max() - x.min()) if q > 1 else 1.0
    d = np.abs(x[:, None] - x[None, :]) / span
    if kind == "linear":
        return 1.0 - d
    if kind == "quadratic":
        return 1.0 - d**2
    raise ValueError(f"unknown weights {kind!r}; use identity, linear or quadratic")


def gwet_ac2(rel: Reliability, kind: str = "quadratic", min_units: int = MIN_UNITS) -> Figure:
    """Gwet's AC2: AC1 with weights between categories (Gwet 2014, ch. 3; irrCAC's
    ``gwet.ac1.raw(ratings, weights=kind)``): observed agreement sum_k r_ik (r*_ik - 1) /
    (r_i (r_i - 1)) with r*_ik = sum_l w_kl r_il, chance agreement T_w / (q (q - 1)) *
    sum_k pi_k (1 - pi_k), T_w the sum of the weights."""
    q = rel.n_categories
    w = gwet_weights(rel, kind)
    counts = np.bincount(rel.units * q + rel.values, minlength=rel.n_units * q).reshape(rel.n_units, q)
    counts = counts.astype(np.float64)
    r = counts.sum(axis=1)
    two = r >= 2
    n_units = int(two.sum())
    warn = few_units_warning(n_units, min_units)
    if n_units == 0 or q == 0:
        return Figure(None, n_units, int(r.sum()), warn)
    weighted = np.zeros_like(counts)  # r*_ik = sum_l w_kl r_il; column by column (BLAS threads cost more here)
    for k in range(q):
        for j in np.nonzero(w[k])[0].tolist():
            weighted[:, k] += w[k, j] * counts[:, j]
    p_a = float(((counts * (weighted - 1.0)).sum(axis=1)[two] / (r[two] * (r[two] - 1.0))).sum() / n_units)
    rated = r >= 1
    pi = (counts[rated] / r[rated][:, None]).mean(axis=0)
    p_e = float(w.sum() * (pi * (1.0 - pi)).sum() / (q * (q - 1.0))) if q > 1 else 1.0
    fig = _chance_corrected(p_a, p_e, n_units, int(r[two].sum()), warn)
    fig.details["weights"] = kind
    return fig


def fleiss_kappa(rel: Reliability, min_units: int = MIN_UNITS) -> Figure:
    """Fleiss' kappa (units may have different numbers of raters), with per-category kappas."""
    v = rel.n_categories
    u, c, cnt, m = unit_value_counts(rel)
    warn_none = few_units_warning(0, min_units)
    if len(u) == 0:
        return Figure(None, 0, 0, warn_none)
    unit_ids, first = np.unique(u, return_index=True)
    n_units = len(unit_ids)
    m_unit = m[first].astype(np.float64)
    sq = np.zeros(len(unit_ids))
    pos = np.searchsorted(unit_ids, u)
    np.add.at(sq, pos, cnt.astype(np.float64) ** 2)
    p_i = (sq - m_unit) / (m_unit * (m_unit - 1.0))
    p_bar = float(p_i.mean())
    totals = np.bincount(c, weights=cnt.astype(np.float64), minlength=v)
    n_values = float(m_unit.sum())
    p_j = totals / n_values
    p_e = float((p_j**2).sum())
    warn = few_units_warning(n_units, min_units)
    fig = _chance_corrected(p_bar, p_e, n_units, int(n_values), warn)
    # Per category (Fleiss 1971, eq. 9, with m_i raters on unit i).
    disagree = np.bincount(c, weights=cnt * (m[:] - cnt) / (m - 1.0), minlength=v)
    per: dict[str, float | None] = {}
    for j in range(v):
        denom = n_values * p_j[j] * (1.0 - p_j[j])
        per[str(rel.categories[j])] = None if denom == 0 else float(1.0 - disagree[j] / denom)
    fig.details["category_kappa"] = per
    fig.details["category_totals"] = {str(rel.categories[j]): int(totals[j]) for j in range(v)}
    return fig


def all_measures(rel: Reliability, min_units: int = MIN_UNITS) -> dict[str, object]:
    """Every categorical measure of ``rel`` (alpha at the levels its values allow)."""
    co = coincidences(rel)
    pairs = pairwise(rel, min_units)
    levels = LEVELS if rel.numeric is not None else ("nominal", "ordinal")
    return {
        "percent_agreement": percent_agreement(rel, min_units, co),
        "fleiss_kappa": fleiss_kappa(rel, min_units),
        "cohen_kappa": cohen_kappa(rel, min_units, pairs),
        "scott_pi": scott_pi(rel, min_units, co),
        "gwet_ac1": gwet_ac1(co, min_units),
        "gwet_ac2": ({kind: gwet_ac2(rel, kind, min_units) for kind in ("quadratic", "linear")}
                     if rel.numeric is not None else {}),
        "krippendorff_alpha": {lvl: krippendorff_alpha(rel, lvl, min_units, co) for lvl in levels},
        "pairs": pairs,
    }
