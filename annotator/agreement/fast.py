"""The dataset agreement report from packed decision columns, with every measure done in numpy.

:func:`annotator.agreement.report.dataset_report` states the measures plainly over pydantic
units and annotations; this module gives the same report, value for value, for a database's
worth of decisions (DESIGN.md: 1,000,000 units x 3 annotators in about ten seconds). Its input
is what :mod:`annotator.store.agreement_rows` reads: per decision its unit, annotator, answer
and packed spans, per unit its length, document and token bounds, all as arrays. Token labels,
span F1 and alpha_u are array operations over the whole dataset. Sums of non-integers add up
in the order the plain path adds them, so they give the same bits; sums that are exact (whole
numbers, or halves and quarters) are free to go in any order. Data the plain path would
refuse raise :class:`Fallback`.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.coding import (
    Coincidences,
    binary_coincidences,
    coincidences_from_counts,
    krippendorff_alpha,
    pair_coincidences,
    percent_agreement,
)
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure, few_units_warning, join_warnings
from annotator.agreement.spans import OUTSIDE, PairF1, SpanF1, TokenAgreement, _f1
from annotator.agreement.unitizing import (
    UnitizingResult,
    _figure,
    category_disagreements,
    category_disagreements_by_length,
)
from annotator.record_parts import ANSWERS  # the store's answer codes are their places here

_I = np.int64


class Fallback(Exception):
    """The rows hold something only the plain path handles (it raises the right error)."""


def _first_order(codes: np.ndarray, n: int, pinned: int | None = None) -> np.ndarray:
    """A map from code to its rank by first appearance in ``codes`` (``pinned`` first)."""
    if n <= 64:  # a pass per code beats sorting every code
        firsts = [(int(np.argmax(hit)), code) for code in range(n) if (hit := codes == code).any()]
        present = np.asarray([code for _, code in sorted(firsts)], dtype=_I)
    else:
        _, first = np.unique(codes, return_index=True)
        present = codes[np.sort(first)]
    if pinned is not None:
        present = np.concatenate([[pinned], present[present != pinned]])
    remap = np.full(n, -1, dtype=_I)
    remap[present] = np.arange(len(present), dtype=_I)
    return remap


# ---------------------------------------------------------------- gathering
class _Data:
    """Everything the measures need, as arrays over the whole dataset."""

    def __init__(self) -> None:
        self.n_units = 0
        self.coder_ix: dict[str, int] = {}  # every annotator, by first appearance
        # Answers but 'ignore': unit index, coder, code into answer_cats (sorted).
        self.answer_unit = np.zeros(0, _I)
        self.answer_coder = np.zeros(0, _I)
        self.answer_value = np.zeros(0, _I)
        self.answer_cats: list[str] = []
        # Units with two or more accepted versions ("shared"), in unit order.
        self.doc_ids = np.zeros(0, _I)  # each shared unit's document
        self.doc_names: dict[int, str] = {}  # what each document is called
        self.label_ix: dict[str, int] = {}  # span label -> code, by first appearance
        self.arrays: dict[str, np.ndarray] = {}




def gather(decisions: Any, units_of: Any, layer: str, labels: Collection[str] | None) -> _Data:
    """The measures' arrays from a dataset's decisions (:class:`annotator.store.agreement_rows.Decisions`)
    and ``units_of(unit_ids)`` (:class:`annotator.store.agreement_rows.Units` of the shared units)."""
    data = _Data()
    dec = decisions
    uid, coder, ans = dec.unit_ids, dec.annotators, dec.answers
    n_dec = len(uid)
    data.coder_ix = {name: i for i, name in enumerate(dec.annotator_names)}
    first = np.ones(n_dec, dtype=bool)
    first[1:] = uid[1:] != uid[:-1]
    uix = np.cumsum(first, dtype=_I) - 1
    n_units = int(uix[-1]) + 1 if n_dec else 0
    data.n_units = n_units
    if n_dec and (ans.min() < 0 or ans.max() >= len(ANSWERS)):
        raise Fallback("an unknown answer")
    # Answers: 'ignore' is no answer at all.
    seen = np.bincount(ans, minlength=len(ANSWERS)) > 0
    cats = sorted(a for a, hit in zip(ANSWERS, seen) if hit and a != "ignore")
    cat_of = np.asarray([cats.index(a) if a in cats else -1 for a in ANSWERS], dtype=_I)
    val = cat_of[ans]
    given = val >= 0
    data.answer_unit, data.answer_coder, data.answer_value = uix[given], coder[given], val[given]
    data.answer_cats = cats
    # Versions: the accepted decisions of units with two or more of them.
    acc = ans == ANSWERS.index("accept")
    shared = np.bincount(uix[acc], minlength=n_units) >= 2
    is_ver = acc & shared[uix]
    ver_dec = np.nonzero(is_ver)[0]
    shared_rank = np.cumsum(shared, dtype=_I) - 1
    arrays = data.arrays
    arrays["ver_unit"] = shared_rank[uix[ver_dec]]
    arrays["ver_coder"] = coder[ver_dec]
    shared_ids = uid[first][shared]
    units = units_of(shared_ids)
    if not np.array_equal(units.unit_ids, shared_ids):
        raise Fallback("a decision's unit is missing")
    # Spans of this layer (and these labels) in the versions, each version's sorted.
    n_label_ids = max(dec.labels, default=0) + 1
    keep = set(labels) if labels is not None else None
    wanted = np.zeros(n_label_ids, dtype=bool)
    for i, (lay, lab) in dec.labels.items():
        wanted[i] = lay == layer and (keep is None or lab in keep)
    triples = dec.spans
    owner = np.repeat(np.arange(n_dec, dtype=_I), dec.n_spans)
    ver_of_dec = np.full(n_dec, -1, dtype=_I)
    ver_of_dec[ver_dec] = np.arange(len(ver_dec), dtype=_I)
    label_id = triples[:, 2]
    if len(label_id) and (label_id.min() < 0 or label_id.max() >= n_label_ids):
        raise Fallback("a span's label is unknown")
    pick = is_ver[owner] & wanted[label_id]
    arrays["sp_ver"] = ver_of_dec[owner[pick]]
    arrays["sp_start"] = triples[pick, 0]
    arrays["sp_end"] = triples[pick, 1]
    picked = label_id[pick]
    code = _first_order(picked, n_label_ids)
    arrays["sp_label"] = code[picked]
    data.label_ix = {dec.labels[int(i)][1]: int(code[i]) for i in np.argsort(code)[int((code < 0).sum()):]}
    arrays["n_spans"] = np.bincount(arrays["sp_ver"], minlength=len(ver_dec)).astype(_I)
    # The shared units: lengths, documents, tokens.
    data.doc_ids = units.document_ids
    data.doc_names = {d: units.document_names.get(d, str(d)) for d in np.unique(units.document_ids).tolist()}
    arrays["lengths"] = units.lengths
    arrays["n_tok"] = units.n_tokens
    arrays["tok_start"], arrays["tok_end"] = units.tokens[:, 0].copy(), units.tokens[:, 1].copy()
    return data


# ---------------------------------------------------------------- value counts
def dense_value_counts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`annotator.agreement.coding.unit_value_counts` of ``matrix[unit][coder]``
    (-1 for no value): each short row sorted by a sorting network over the columns."""
    n_rows, k = matrix.shape
    if matrix.size == 0:
        e = np.zeros(0, dtype=_I)
        return e, e, e, e
    big = np.iinfo(_I).max
    cols = [np.where(matrix[:, j] < 0, big, matrix[:, j]) for j in range(k)]
    for r in range(k):  # odd-even transposition sort: k rounds sort k columns
        for i in range(r % 2, k - 1, 2):
            lo = np.minimum(cols[i], cols[i + 1])
            cols[i + 1] = np.maximum(cols[i], cols[i + 1])
            cols[i] = lo
    m = np.zeros(n_rows, dtype=_I)
    for col in cols:
        m += col != big
    pairable = m >= 2
    news, cnts = [], []
    for j in range(k):
        new = (cols[j] != big) & pairable
        if j:
            new &= cols[j] != cols[j - 1]
        cnt = np.ones(n_rows, dtype=_I)
        for l_ in range(j + 1, k):
            cnt += cols[l_] == cols[j]
        news.append(new)
        cnts.append(cnt)
    keep = np.stack(news, axis=1).reshape(-1)
    u = np.repeat(np.arange(n_rows, dtype=_I), k)[keep]
    c = np.stack(cols, axis=1).reshape(-1)[keep]
    cnt = np.stack(cnts, axis=1).reshape(-1)[keep]
    return u, c, cnt, m[u]


def _nominal_figure(co: Coincidences, min_units: int) -> Figure:
    """Nominal alpha from a coincidence matrix (as :func:`krippendorff_alpha` computes it)."""
    v = len(co.n_c)
    rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), list(range(v)), [], [])
    return krippendorff_alpha(rel, "nominal", min_units, co)


def grouped_nominal_alpha(u: np.ndarray, c: np.ndarray, cnt: np.ndarray, m: np.ndarray, v: int,
                          group_of_unit: np.ndarray, n_groups: int, min_units: int) -> list[Figure]:
    """Nominal alpha of each group of units (as ``krippendorff_alpha(rel.subset(...))``
    gives it), from one pass over the coincidences of all groups."""
    return group_figures(*group_counts(u, c, cnt, m, v, group_of_unit, n_groups), min_units)


def group_counts(u: np.ndarray, c: np.ndarray, cnt: np.ndarray, m: np.ndarray, v: int,
                 group_of_unit: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values per group and category, pairable units per group, observed disagreement per
    group) from :func:`dense_value_counts`' arrays."""
    g_entry = group_of_unit[u]
    n_c = np.bincount(g_entry * v + c, weights=cnt.astype(np.float64), minlength=n_groups * v).reshape(n_groups, v)
    first = np.ones(len(u), dtype=bool)
    first[1:] = u[1:] != u[:-1]
    n_units = np.bincount(g_entry[first], minlength=n_groups)
    observed = np.zeros(n_groups)
    if len(u):
        w = 1.0 / (m - 1.0)
        rows, cols, weights, groups = [c], [c], [cnt * (cnt - 1.0) * w], [g_entry]
        d = 1
        while d < len(u):
            same = u[:-d] == u[d:]
            if not same.any():
                break
            i = np.nonzero(same)[0]
            j = i + d
            pair_w = cnt[i] * cnt[j] * w[i]
            rows += [c[i], c[j]]
            cols += [c[j], c[i]]
            weights += [pair_w, pair_w]
            groups += [g_entry[i], g_entry[i]]
            d += 1
        r = np.concatenate(rows)
        k = np.concatenate(cols)
        g = np.concatenate(groups)
        keys = (g * v + r) * v + k
        if n_groups * v * v <= 1 << 24:
            flat = np.bincount(keys, weights=np.concatenate(weights), minlength=n_groups * v * v)
            nz = np.nonzero(flat)[0]
            sums = flat[nz]
        else:
            nz, inv = np.unique(keys, return_inverse=True)
            sums = np.bincount(inv.reshape(-1), weights=np.concatenate(weights))
        cell = nz % (v * v)
        vals = sums * (cell // v != cell % v).astype(np.float64)
        cut = np.searchsorted(nz // (v * v), np.arange(n_groups + 1))
        for gi in range(n_groups):
            a, b = cut[gi], cut[gi + 1]
            if b > a:
                observed[gi] = float(vals[a:b].sum())
    return n_c, n_units, observed


def group_figures(n_c: np.ndarray, n_units: np.ndarray, observed: np.ndarray, min_units: int) -> list[Figure]:
    """Nominal alpha of each group from its value counts, pairable units and observed
    disagreement (as :func:`krippendorff_alpha` computes it, operation for operation)."""
    n = n_c.sum(axis=1)  # whole numbers: exact
    expected = n * n - (n_c**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = observed / n
        d_e = expected / (n * (n - 1.0))
        value = 1.0 - (n - 1.0) * observed / expected
    out: list[Figure] = []
    same = "every value is the same: no variation to measure"
    for nu, nv, obs, exp_, do, de, val in zip(n_units.tolist(), n.tolist(), observed.tolist(), expected.tolist(),
                                              d_o.tolist(), d_e.tolist(), value.tolist()):
        warn = few_units_warning(nu, min_units)
        if nv < 2:
            out.append(Figure(None, nu, int(nv), warn))
            continue
        details = {"observed_disagreement": do, "expected_disagreement": de}
        if exp_ == 0:
            if obs == 0:
                out.append(Figure(1.0, nu, int(nv), join_warnings(warn, same), details))
            else:
                out.append(Figure(None, nu, int(nv), join_warnings(warn, "expected disagreement is 0"), details))
            continue
        out.append(Figure(val, nu, int(nv), warn, details))
    return out


def dyadic_counts(cols: list[np.ndarray], v: int, group: np.ndarray, n_groups: int, pairs: dict | None = None
                  ) -> tuple[Coincidences, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """The coincidences of ``cols[coder][unit]`` (-1: no value) and :func:`group_counts`,
    counted pair of coders by pair of coders, when every pairable unit's weight 1/(m_u - 1)
    is a power of two (m_u of 2, 3, 5, 9 … values; three annotators always): every sum is
    then exact, so any order of adding gives the bits of the unit-by-unit sums. None otherwise.
    ``pairs``, when given, receives each pair of coders' own coincidences
    (:func:`annotator.agreement.coding.pair_coincidences`), counted on the way."""
    present = [c >= 0 for c in cols]
    m = np.zeros(len(group), dtype=_I)
    for p in present:
        m += p
    pairable = m >= 2
    ms = np.nonzero(np.bincount(m, minlength=2))[0]
    ms = ms[ms >= 2]
    if np.any((ms - 1) & (ms - 2)):
        return None
    w = 1.0 / np.maximum(m - 1, 1)
    flat = np.zeros(v * v)
    off_g: list[np.ndarray] = [np.zeros(0, _I)]
    off_w: list[np.ndarray] = [np.zeros(0)]
    for a, b in combinations(range(len(cols)), 2):
        both = present[a] & present[b]
        x, y, wi = cols[a][both], cols[b][both], w[both]
        key = x * v + y
        flat += np.bincount(key, weights=wi, minlength=v * v)
        if pairs is not None:
            one = np.bincount(key, minlength=v * v).reshape(v, v)
            one = one + one.T
            at = np.nonzero(one.reshape(-1))[0]
            pairs[(a, b)] = Coincidences(at // v, at % v, one.reshape(-1)[at].astype(np.float64),
                                         one.sum(axis=1).astype(np.float64), len(x))
        apart = x != y
        off_g.append(group[both][apart])
        off_w.append(2.0 * wi[apart])
    flat = (flat.reshape(v, v) + flat.reshape(v, v).T).reshape(-1)
    nz = np.nonzero(flat)[0]
    n_c = np.zeros(v)
    n_c_g = np.zeros(n_groups * v)
    for c, p in zip(cols, present):
        at = p & pairable
        vals = c[at]
        n_c += np.bincount(vals, minlength=v)
        n_c_g += np.bincount(group[at] * v + vals, minlength=n_groups * v)
    co = Coincidences(nz // v, nz % v, flat[nz], n_c, int(pairable.sum()))
    n_units_g = np.bincount(group[pairable], minlength=n_groups)
    observed_g = np.bincount(np.concatenate(off_g), weights=np.concatenate(off_w), minlength=n_groups)
    return co, (n_c_g.reshape(n_groups, v), n_units_g, observed_g)


def covered_rows(arrays: dict[str, np.ndarray], tok_off: np.ndarray, row_off: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The token rows (each version's tokens in turn: ``row_off`` per version, ``tok_off``
    per unit) some span of the version covers, ascending, and each one's label: the shortest
    span over a token wins, the first in sorted order on a tie."""
    n_tok = arrays["n_tok"]
    ver_unit = arrays["ver_unit"]
    n_rows, n_tokens = int(row_off[-1]), int(tok_off[-1])
    sp_ver, sp_start, sp_end, sp_label = arrays["sp_ver"], arrays["sp_start"], arrays["sp_end"], arrays["sp_label"]
    if not (len(sp_ver) and n_tokens):
        return np.zeros(0, _I), np.zeros(0, _I)
    sp_unit = ver_unit[sp_ver]
    base = arrays["char_off"]
    tok_unit = np.repeat(np.arange(len(n_tok), dtype=_I), n_tok)
    g_start = arrays["tok_start"] + base[tok_unit]
    g_end = arrays["tok_end"] + base[tok_unit]
    lo = np.searchsorted(g_end, sp_start + base[sp_unit], side="right")
    hi = np.searchsorted(g_start, sp_end + base[sp_unit], side="left")
    lo = np.maximum(lo, tok_off[sp_unit])
    hi = np.minimum(hi, tok_off[sp_unit + 1])
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, _I), np.zeros(0, _I)
    k = np.repeat(np.arange(len(sp_ver), dtype=_I), counts)
    tok = np.repeat(lo, counts) + (np.arange(total, dtype=_I) - np.repeat(np.cumsum(counts) - counts, counts))
    row = row_off[sp_ver[k]] + tok - tok_off[sp_unit[k]]
    # Shortest first, then first in order: the least of length * spans + span index.
    key = (sp_end - sp_start)[k] * len(sp_ver) + k
    best = np.full(n_rows, np.iinfo(_I).max, dtype=_I)
    np.minimum.at(best, row, key)
    covered = np.nonzero(best != np.iinfo(_I).max)[0]
    return covered, sp_label[best[covered] % len(sp_ver)]


# ---------------------------------------------------------------- tokens
def _token_agreement(data: _Data, arrays: dict[str, np.ndarray], min_units: int) -> TokenAgreement:
    """Token alpha (overall, per label, per document, per pair) over the shared units."""
    n_tok = arrays["n_tok"]
    tok_off = np.concatenate([[0], np.cumsum(n_tok)]).astype(_I)
    ver_unit, ver_coder = arrays["ver_unit"], arrays["ver_coder"]
    ver_n = n_tok[ver_unit]
    row_off = np.concatenate([[0], np.cumsum(ver_n)]).astype(_I)
    n_rows = int(row_off[-1])
    n_tokens = int(tok_off[-1])
    # Token labels: the shortest span over a token wins, the first in sorted order on a tie.
    n_labels = len(data.label_ix) + 1  # raw codes: spans' labels, then O
    o_code = n_labels - 1
    labels = np.full(n_rows, o_code, dtype=_I)
    covered, covered_label = covered_rows(arrays, tok_off, row_off)
    labels[covered] = covered_label
    # Codes as the plain path numbers them: O first, then labels and coders by first appearance.
    label_map = _first_order(labels, n_labels, pinned=o_code)
    values = label_map[labels]
    names_by_code = [*data.label_ix, OUTSIDE]
    categories = [names_by_code[code] for code in np.argsort(np.where(label_map < 0, n_labels, label_map))[
        : int((label_map >= 0).sum())]]
    with_tokens = ver_n > 0
    coder_map = _first_order(ver_coder[with_tokens], len(data.coder_ix)) if with_tokens.any() else np.full(
        len(data.coder_ix), -1, dtype=_I)
    all_names = list(data.coder_ix)
    coder_names = [all_names[i] for i in np.argsort(np.where(coder_map < 0, len(all_names), coder_map))[
        : int((coder_map >= 0).sum())]]
    # One matrix coder x token gives every count the measures need (-1: no value).
    n_c = max(len(coder_names), 1)
    flat_base = coder_map[ver_coder] * n_tokens + tok_off[ver_unit] - row_off[:-1]
    by_coder = np.full(n_c * n_tokens, -1, dtype=_I)
    by_coder[np.repeat(flat_base, ver_n) + np.arange(n_rows, dtype=_I)] = values
    by_coder = by_coder.reshape(n_c, n_tokens)
    cols = list(by_coder)
    rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), categories, coder_names, [])
    v = len(categories)
    # Documents by name, in order of first appearance among units with tokens.
    has_tok = n_tok > 0
    doc_ids = data.doc_ids[has_tok]
    uniq, first, inv = np.unique(doc_ids, return_index=True, return_inverse=True)
    name_first: dict[str, int] = {}
    for d, f in zip(uniq.tolist(), first.tolist()):
        name = data.doc_names[d]
        if f < name_first.get(name, f + 1):
            name_first[name] = f
    doc_ix = {name: i for i, name in enumerate(sorted(name_first, key=name_first.__getitem__))}
    code_of_doc = np.asarray([doc_ix[data.doc_names[d]] for d in uniq.tolist()], dtype=_I)
    unit_doc = np.full(len(n_tok), -1, dtype=_I)
    unit_doc[has_tok] = code_of_doc[inv.reshape(-1)] if len(uniq) else unit_doc[has_tok]
    token_doc = np.repeat(unit_doc, n_tok)
    pair_co: dict[tuple[int, int], Coincidences] = {}
    direct = dyadic_counts(cols, v, token_doc, len(doc_ix), pair_co) if v * v <= 1 << 20 else None
    if direct is not None:
        co, by_doc = direct
    else:
        counts4 = dense_value_counts(by_coder.T)
        co = coincidences_from_counts(*counts4, v)
        by_doc = group_counts(*counts4, v, token_doc, len(doc_ix))
    alpha = krippendorff_alpha(rel, "nominal", min_units, co)
    pa = percent_agreement(rel, min_units, co)
    per_label: dict[str, Figure] = {}
    for j, label in enumerate(categories):
        if label == OUTSIDE:
            continue
        per_label[label] = _nominal_figure(binary_coincidences(co, j), min_units)
    per_document = dict(zip(doc_ix, group_figures(*by_doc, min_units)))
    pairs: dict[tuple[str, str], Figure] = {}
    for a, b in combinations(range(len(coder_names)), 2):
        co_ab = pair_co[(a, b)] if (a, b) in pair_co else pair_coincidences(cols[a], cols[b], v)
        pairs[(coder_names[a], coder_names[b])] = _nominal_figure(co_ab, min_units)
    return TokenAgreement(alpha, pa, dict(sorted(per_label.items())), per_document, pairs, coder_names)


# ---------------------------------------------------------------- span F1
class _SpanPairs:
    """Span F1 between any two coders: every coder's spans sorted once, per pair a merge."""

    def __init__(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str]) -> None:
        self.has = has
        self.label_names = label_names
        n_l = len(label_names)
        width = int(arrays["max_end"]) + 1
        unit, coder, lab = arrays["sp_unit"], arrays["sp_coder"], arrays["sp_label"]
        grp = unit * n_l + lab
        if (int(grp.max(initial=0)) + 1) * width * width >= 1 << 62:
            raise Fallback("span offsets too large for array keys")
        self.width, self.unit, self.lab = width, unit, lab
        self.key = (grp * width + arrays["sp_start"]) * width + arrays["sp_end"]
        self.starts = grp * width + arrays["sp_start"]  # a label of a unit is one stretch of the axis
        self.ends = grp * width + arrays["sp_end"]
        # Each coder's spans by start on that axis.
        self.by_start: list[np.ndarray] = []
        self.by_key: list[np.ndarray] = []  # and by key, repeats dropped
        for c in range(has.shape[1]):
            idx = np.nonzero(coder == c)[0]
            self.by_start.append(idx[np.argsort(self.starts[idx], kind="stable")])
            idx = idx[np.argsort(self.key[idx], kind="stable")]
            k = self.key[idx]
            self.by_key.append(idx[np.concatenate([[True], k[1:] != k[:-1]])] if len(idx) > 1 else idx)

    def _overlaps(self, x: np.ndarray, y_sorted: np.ndarray) -> np.ndarray:
        """Per label, how many spans ``x`` overlap a span ``y_sorted`` (sorted by start) with
        the same label."""
        ys, ye = self.starts[y_sorted], self.ends[y_sorted]
        runmax = np.maximum.accumulate(ye) if len(ye) else ye
        i = np.searchsorted(ys, self.ends[x], side="left") - 1
        hit = np.zeros(len(i), dtype=bool)
        ok = i >= 0
        hit[ok] = runmax[i[ok]] > self.starts[x][ok]
        return np.bincount(self.lab[x][hit], minlength=len(self.label_names))

    def pair_counts(self, a: int, b: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(units both annotated, and per label: spans of ``a``, spans of ``b``, exact
        matches, spans of ``a`` overlapping one of ``b``, and of ``b`` one of ``a``)."""
        both = self.has[:, a] & self.has[:, b]
        shared = int(both.sum())
        n_l = len(self.label_names)
        if shared == 0:
            z = np.zeros(n_l, _I)
            return 0, z, z, z, z, z
        ya, yb = (ix[both[self.unit[ix]]] for ix in (self.by_start[a], self.by_start[b]))
        lab = self.lab
        n_a = np.bincount(lab[ya], minlength=n_l)
        n_b = np.bincount(lab[yb], minlength=n_l)
        ka, kb = (self.key[ix[both[self.unit[ix]]]] for ix in (self.by_key[a], self.by_key[b]))
        pos = np.minimum(np.searchsorted(kb, ka), max(len(kb) - 1, 0))
        common = ka[kb[pos] == ka] if len(kb) else ka[:0]
        w2 = self.width * self.width
        exact = np.bincount((common // w2) % n_l, minlength=n_l) if len(common) else np.zeros(n_l, _I)
        return shared, n_a, n_b, exact, self._overlaps(ya, yb), self._overlaps(yb, ya)

    def pair(self, a: int, b: int, min_units: int) -> PairF1:
        """Span F1 between coders ``a`` and ``b`` (indices into the annotator list) over the
        units both annotated."""
        return pair_f1(*self.pair_counts(a, b), self.label_names, min_units)


def pair_f1(shared: int, n_a: np.ndarray, n_b: np.ndarray, exact: np.ndarray, ov_a: np.ndarray, ov_b: np.ndarray,
            label_names: list[str], min_units: int) -> PairF1:
    """:class:`PairF1` from :meth:`_SpanPairs.pair_counts`."""
    present = (n_a + n_b) > 0
    exact_pl: dict[str, Figure] = {}
    overlap_pl: dict[str, Figure] = {}
    for j in np.nonzero(present)[0]:
        lbl = label_names[j]
        exact_pl[lbl] = _f1(int(exact[j]), int(n_a[j]), int(exact[j]), int(n_b[j]), shared, min_units)
        overlap_pl[lbl] = _f1(int(ov_a[j]), int(n_a[j]), int(ov_b[j]), int(n_b[j]), shared, min_units)
    ta, tb, te = int(n_a.sum()), int(n_b.sum()), int(exact.sum())
    return PairF1(_f1(te, ta, te, tb, shared, min_units),
                  _f1(int(ov_a.sum()), ta, int(ov_b.sum()), tb, shared, min_units), exact_pl, overlap_pl)


# ---------------------------------------------------------------- alpha_u
def _pair_parts(a_s: np.ndarray, a_e: np.ndarray, b_s: np.ndarray, b_e: np.ndarray, ga: np.ndarray,
                gb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`annotator.agreement.unitizing._pair_disagreement` of two coders' merged units
    (starts and ends sorted, groups ``ga``/``gb`` apart on one axis), as (group, squared
    section distance) contributions: whole numbers, so their sums are exact in any order."""
    groups: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    for xs, xe, ys, ye, gx in ((a_s, a_e, b_s, b_e, ga), (b_s, b_e, a_s, a_e, gb)):
        if len(xs) == 0:
            continue
        if len(ys) == 0:
            alone = np.ones(len(xs), dtype=bool)
        else:  # alone: every y that starts before x ends has ended by the time x starts
            alone = np.searchsorted(ys, xe, side="left") <= np.searchsorted(ye, xs, side="right")
        groups.append(gx[alone])
        parts.append(((xe[alone] - xs[alone]).astype(np.float64)) ** 2)
    if len(a_s) and len(b_s):  # unit-unit overlaps, counted once
        lo = np.searchsorted(b_e, a_s, side="right")
        hi = np.searchsorted(b_s, a_e, side="left")
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        if total:
            ai = np.repeat(np.arange(len(a_s)), counts)
            bi = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
            db = (a_s[ai] - b_s[bi]).astype(np.float64)
            de = (a_e[ai] - b_e[bi]).astype(np.float64)
            groups.append(ga[ai])
            parts.append(db**2 + de**2)
    if not groups:
        return np.zeros(0, _I), np.zeros(0)
    return np.concatenate(groups), np.concatenate(parts)


#: Longest continuum (characters) for which alpha_u counts gap lengths instead of listing gaps.
COUNTED_GAPS_UP_TO = 1 << 22


class _Unitizer:
    """alpha_u (as report._unitizing) for any set of coders, from one merge of every coder's
    spans per unit and label and one pass per pair of coders."""

    def __init__(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str],
                 alike: np.ndarray | None = None) -> None:
        """``alike``: units whose versions all carry the same spans, of which ``arrays``
        holds one version only (it stands for every coder of the unit)."""
        self.has = has
        self.label_names = label_names
        n_units, n_coders = has.shape
        self.alike = alike if alike is not None else np.zeros(n_units, dtype=bool)
        self.cont = np.maximum(arrays["lengths"], 1)
        n_l = max(len(label_names), 1)
        stride = int(self.cont.max(initial=0)) + 1
        if (n_l * n_units * n_coders + 1) * stride >= 1 << 62:
            raise Fallback("continuum too long for array keys")
        unit, coder, lab = arrays["sp_unit"], arrays["sp_coder"], arrays["sp_label"]
        run = (lab * n_units + unit) * n_coders + coder  # (label, unit, coder)
        x = run * stride + arrays["sp_start"]
        y = run * stride + arrays["sp_end"]
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        reach = np.maximum.accumulate(y) if len(y) else y
        new = np.ones(len(x), dtype=bool)
        new[1:] = x[1:] >= reach[:-1]
        first = np.nonzero(new)[0]
        last = np.append(first[1:], len(x)) - 1 if len(x) else first
        run = x[first] // stride
        self.m_start = x[first] - run * stride  # merged units, in (label, unit, coder, position) order
        self.m_end = reach[last] - run * stride
        self.m_coder = run % n_coders
        self.m_unit = (run // n_coders) % n_units
        self.m_label = run // (n_coders * n_units)
        run_start = np.ones(len(run), dtype=bool)
        run_start[1:] = run[1:] != run[:-1]
        run_end = np.append(run_start[1:], True)
        # Gaps of each merged unit: before it (from the unit's begin or the previous one's end)
        # and, for the last of a run, after it.
        prev_end = np.concatenate([[0], self.m_end[:-1]])
        self.gap_before = np.where(run_start, self.m_start, self.m_start - prev_end)
        self.gap_after = np.where(run_end, self.cont[self.m_unit] - self.m_end, 0)
        self.run_start = run_start
        self.stride = stride
        self._pairs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._coder: dict[int, tuple[np.ndarray, ...]] = {}

    def _pair(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(label, unit, squared distance) contributions of coders ``i`` and ``j`` over the
        units both accepted."""
        if (i, j) not in self._pairs:
            both = self.has[:, i] & self.has[:, j] & ~self.alike  # alike units weigh nothing
            n_units = len(self.has)
            sides = []
            for c in (i, j):
                if c not in self._coder:
                    idx = np.nonzero(self.m_coder == c)[0]
                    g = self.m_label[idx] * n_units + self.m_unit[idx]
                    self._coder[c] = (self.m_unit[idx], g, g * self.stride + self.m_start[idx],
                                      g * self.stride + self.m_end[idx])
                unit, g, start, end = self._coder[c]
                keep = both[unit]
                sides.append((start[keep], end[keep], g[keep]))
            (a_s, a_e, ga), (b_s, b_e, gb) = sides
            # Units both coders drew alike weigh nothing and touch no other unit (a coder's
            # merged units are apart, each start its own): set them aside first.
            pos = np.minimum(np.searchsorted(b_s, a_s), max(len(b_s) - 1, 0))
            same = (b_s[pos] == a_s) & (b_e[pos] == a_e) if len(b_s) else np.zeros(len(a_s), dtype=bool)
            rest_b = np.ones(len(b_s), dtype=bool)
            rest_b[pos[same]] = False
            rest_a = ~same
            g, val = _pair_parts(a_s[rest_a], a_e[rest_a], b_s[rest_b], b_e[rest_b], ga[rest_a], gb[rest_b])
            self._pairs[(i, j)] = (g // n_units, g % n_units, val)
        return self._pairs[(i, j)]

    def _selection(self, coders: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """(units every one of ``coders`` accepted, merged units of theirs there, observed
        disagreement per label, codes of the labels with units there, sorted by name)."""
        has = self.has
        sel = np.all(has[:, coders], axis=1)
        in_set = np.zeros(has.shape[1], dtype=bool)
        in_set[coders] = True
        mine = sel[self.m_unit] & (in_set[self.m_coder] | self.alike[self.m_unit])
        n_l = len(self.label_names)
        observed = np.zeros(max(n_l, 1))
        for i, j in combinations(coders, 2):
            lab, unit, val = self._pair(i, j)
            keep = sel[unit]
            observed += np.bincount(lab[keep], weights=val[keep], minlength=max(n_l, 1))
        present = np.nonzero(np.bincount(self.m_label[mine], minlength=n_l))[0].tolist()
        present.sort(key=lambda j: self.label_names[j])
        return sel, mine, observed, present

    def parts(self, coders: list[int]) -> tuple[int, int, np.ndarray, dict[str, tuple[float, np.ndarray, np.ndarray]]]:
        """What alpha_u over ``coders`` adds up from these units: (units, their summed
        length, every continuum of every coder counted by length, and per label (observed
        disagreement, units counted by length, gaps counted by length less the continua that
        hold a unit of the label)); see :func:`unitizing_from_parts`."""
        sel, mine, observed, present = self._selection(coders)
        n_docs = int(sel.sum())
        if n_docs == 0:
            return 0, 0, np.zeros(0, _I), {}
        m = len(coders)
        size = int(self.cont.max(initial=0)) + 1
        whole = m * np.bincount(self.cont[sel], minlength=size)  # every continuum, every coder
        idx = np.nonzero(mine)[0]
        m_lab = self.m_label[idx]
        span = (self.m_end - self.m_start)[idx]
        # A merged unit of an alike unit stands for each of the m coders' own.
        rep = np.where(self.alike[self.m_unit[idx]], m, 1)
        before, after = self.gap_before[idx], self.gap_after[idx]
        first_of_run = self.run_start[idx]
        units_m = self.m_unit[idx]
        out: dict[str, tuple[float, np.ndarray, np.ndarray]] = {}
        cuts = np.searchsorted(m_lab, np.arange(len(self.label_names) + 1))
        for j in present:
            a, b = cuts[j], cuts[j + 1]
            w = rep[a:b]
            # Gaps around this label's units; the whole continuum of each (unit, coder)
            # without one is a gap too: all of them (``whole``), less those with one.
            runs = first_of_run[a:b]
            with_units = self.cont[units_m[a:b][runs]]
            gap_counts = (np.bincount(before[a:b], weights=w, minlength=size)
                          + np.bincount(after[a:b], weights=w, minlength=size)
                          - np.bincount(with_units, weights=w[runs], minlength=size)).astype(_I)
            lengths = np.bincount(span[a:b], weights=w, minlength=size).astype(_I)
            out[self.label_names[j]] = (float(observed[j]), lengths, gap_counts)
        return n_docs, int(self.cont[sel].sum()), whole, out

    def result(self, coders: list[int]) -> dict[str, Any]:
        """alpha_u over the shared units every one of ``coders`` accepted."""
        if int(self.cont.max(initial=0)) <= COUNTED_GAPS_UP_TO:  # gaps as counts per length
            return unitizing_from_parts(len(coders), *self.parts(coders))
        has = self.has
        sel, mine, observed, present = self._selection(coders)
        n_docs = int(sel.sum())
        if n_docs == 0:
            return unitizing_from_parts(len(coders), 0, 0, np.zeros(0, _I), {})
        length = int(self.cont[sel].sum())
        m_lab = self.m_label[mine]
        lengths = (self.m_end - self.m_start)[mine].astype(np.float64)
        before, after = self.gap_before[mine], self.gap_after[mine]
        unit_c = self.m_unit[mine] * has.shape[1] + self.m_coder[mine]
        per_label: dict[str, Figure] = {}
        total_o = total_e = 0.0
        total_n = 0
        cuts = np.searchsorted(m_lab, np.arange(len(self.label_names) + 1))
        for j in present:
            a, b = cuts[j], cuts[j + 1]
            covered = np.zeros(has.shape[0] * has.shape[1], dtype=bool)
            covered[unit_c[a:b]] = True
            covered = covered.reshape(has.shape)
            empty = [self.cont[sel & ~covered[:, c]] for c in coders]
            gaps = np.concatenate([before[a:b], after[a:b], *empty])
            gaps = gaps[gaps > 0].astype(np.float64)
            d_o, d_e, n = category_disagreements(float(observed[j]), lengths[a:b], gaps, len(coders), length)
            per_label[self.label_names[j]] = _figure(d_o, d_e, n, n_docs)
            total_o += d_o
            total_e += d_e
            total_n += n
        return _unitizing_dict(per_label, total_o, total_e, total_n, n_docs)


def unitizing_from_parts(m: int, n_docs: int, length: int, whole: np.ndarray,
                         parts: dict[str, tuple[float, np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """alpha_u (as report._unitizing gives it) of ``m`` coders over ``n_docs`` units of
    ``length`` characters in all, from :meth:`_Unitizer.parts` (of one stretch of units, or
    of several added up: every part is a sum)."""
    if n_docs == 0:
        return {"overall": {"value": None, "n_units": 0, "n_values": 0,
                            "warning": "no unit was accepted by all of these annotators"}, "per_label": {}}
    per_label: dict[str, Figure] = {}
    total_o = total_e = 0.0
    total_n = 0
    for lbl in sorted(parts):
        observed, lengths, gaps = parts[lbl]
        size = max(len(whole), len(gaps))
        gap_counts = np.zeros(size, _I)
        gap_counts[: len(whole)] += whole
        gap_counts[: len(gaps)] += gaps
        d_o, d_e, n = category_disagreements_by_length(observed, lengths, gap_counts, m, length)
        per_label[lbl] = _figure(d_o, d_e, n, n_docs)
        total_o += d_o
        total_e += d_e
        total_n += n
    return _unitizing_dict(per_label, total_o, total_e, total_n, n_docs)


def _unitizing_dict(per_label: dict[str, Figure], total_o: float, total_e: float, total_n: int,
                    n_docs: int) -> dict[str, Any]:
    overall = _figure(total_o, total_e, total_n, n_docs)
    if overall.value is None and not per_label:
        overall.warning = join_warnings("no units at all")
    out = UnitizingResult(overall, per_label).as_dict()
    out["units"] = n_docs
    return out


# ---------------------------------------------------------------- the report
def check_extents(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Each span's unit (and ``arrays["char_off"]``, where each unit starts on one axis);
    :class:`Fallback` for spans or stored tokens the plain path would refuse."""
    lengths = arrays["lengths"]
    arrays["char_off"] = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(_I) if len(lengths) else lengths
    sp_unit = arrays["ver_unit"][arrays["sp_ver"]]
    if len(sp_unit) and (np.any(arrays["sp_end"] <= arrays["sp_start"]) or np.any(arrays["sp_start"] < 0)
                         or np.any(arrays["sp_end"] > np.maximum(lengths, 1)[sp_unit])):
        raise Fallback("a span lies outside its unit")
    if len(arrays["tok_start"]):
        base = np.repeat(arrays["char_off"], arrays["n_tok"])
        if (np.any(np.diff(arrays["tok_start"] + base) < 0) or np.any(np.diff(arrays["tok_end"] + base) < 0)
                or np.any(arrays["tok_end"] < arrays["tok_start"]) or np.any(arrays["tok_start"] < 0)
                or np.any(arrays["tok_end"] > np.repeat(lengths, arrays["n_tok"]))):
            raise Fallback("stored tokens out of order or outside their unit")
    return sp_unit


def fast_dataset_report(decisions: Any, units_of: Any, layer: str = "entities", min_units: int = MIN_UNITS,
                        labels: Collection[str] | None = None) -> dict[str, Any]:
    """:func:`annotator.agreement.report.dataset_report` from a dataset's decisions and units
    as the store reads them for agreement (see :func:`gather`)."""
    from annotator.agreement.report import collect_warnings

    data = gather(decisions, units_of, layer, labels)
    all_names = list(data.coder_ix)
    coders = sorted(all_names)
    report: dict[str, Any] = {
        "layer": layer,
        "annotators": coders,
        "units_annotated": data.n_units,
        "units_shared": len(data.doc_ids),
        "min_units": min_units,
        "labels": sorted(labels) if labels is not None else None,
    }
    if data.coder_ix:
        cats = data.answer_cats
        rel = Reliability(data.answer_unit, data.answer_coder, data.answer_value, cats, all_names,
                          list(range(data.n_units)))
        co = coincidences_from_counts(*dense_answer_counts(rel), len(cats))
        report["answers"] = {"percent_agreement": percent_agreement(rel, min_units, co).as_dict(),
                             "krippendorff_alpha": krippendorff_alpha(rel, "nominal", min_units, co).as_dict()}
    else:
        report["answers"] = {"percent_agreement": None, "krippendorff_alpha": None}
    arrays = data.arrays
    sp_unit = check_extents(arrays)
    # Tokens and span F1 in threads of their own while alpha_u is measured here: numpy runs
    # its array operations without Python's lock, so they share the machine's cores.
    from concurrent.futures import ThreadPoolExecutor

    report["tokens"] = None
    with ThreadPoolExecutor(2) as pool:
        tokens = pool.submit(_token_agreement, data, dict(arrays), min_units)
        spans, unitizing = _span_measures(data, arrays, sp_unit, all_names, coders, min_units, pool)
        report["tokens"] = tokens.result().as_dict()
    report["spans"] = spans
    report["unitizing"] = unitizing
    report["warnings"] = collect_warnings(report)
    return report


def _span_measures(data: _Data, arrays: dict[str, np.ndarray], sp_unit: np.ndarray, all_names: list[str],
                   coders: list[str], min_units: int, pool: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The report's span F1 (in ``pool``) and alpha_u sections."""
    # Spans and alpha_u number coders by their place in the sorted list.
    rank = np.argsort(np.argsort(np.asarray(all_names, dtype=object))) if all_names else np.zeros(0, _I)
    ver_coder = rank[arrays["ver_coder"]].astype(_I) if len(arrays["ver_coder"]) else arrays["ver_coder"]
    arrays["sp_unit"] = sp_unit
    arrays["sp_coder"] = ver_coder[arrays["sp_ver"]] if len(arrays["sp_ver"]) else arrays["sp_ver"]
    arrays["max_end"] = np.asarray(int(arrays["sp_end"].max(initial=0)))
    has = np.zeros((len(arrays["lengths"]), len(coders)), dtype=bool)
    has[arrays["ver_unit"], ver_coder] = True
    label_names = list(data.label_ix)

    def span_f1() -> dict[str, Any]:
        span_pairs = _SpanPairs(arrays, has, label_names)
        return SpanF1({(coders[a], coders[b]): span_pairs.pair(a, b, min_units)
                       for a, b in combinations(range(len(coders)), 2)}).as_dict()

    f1 = pool.submit(span_f1)
    unitizer = _Unitizer(arrays, has, label_names)
    pair_alpha_u = {f"{coders[a]}|{coders[b]}": unitizer.result([a, b])["overall"]
                    for a, b in combinations(range(len(coders)), 2)}
    unitizing = unitizer.result(list(range(len(coders)))) if len(coders) >= 2 else None
    if unitizing is not None:
        unitizing["pairs"] = pair_alpha_u
    return f1.result(), unitizing


def dense_answer_counts(rel: Reliability) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value counts of the answers (units arrive in order, each annotator once per unit)."""
    n_c = max(len(rel.coder_names), 1)
    matrix = np.full((rel.n_units, n_c), -1, dtype=_I)
    matrix[rel.units, rel.coders] = rel.values
    return dense_value_counts(matrix)
