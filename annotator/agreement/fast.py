"""The dataset agreement report from raw decision rows, with every measure done in numpy.

:func:`annotator.agreement.report.dataset_report` states the measures plainly over pydantic
units and annotations; this module gives the same report, value for value, for a database's
worth of decisions (DESIGN.md: 1,000,000 units x 3 annotators in about ten seconds). Rows are
plain tuples (:data:`annotator.store.agreement_rows.AGREEMENT_COLUMNS`); span JSON is parsed
with orjson, tokens come from :func:`annotator.tokens.token_spans` once per unit, token labels,
span F1 and alpha_u are array operations over the whole dataset. Arrays are built in the
order the plain path builds its lists, so sums of non-integers add up in the same order and
give the same bits. Data the plain path would refuse raise :class:`Fallback`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import combinations
from typing import Any

import numpy as np
import orjson

from annotator.agreement.coding import (
    Coincidences,
    coincidences_from_counts,
    krippendorff_alpha,
    percent_agreement,
)
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure, few_units_warning, join_warnings
from annotator.agreement.spans import OUTSIDE, PairF1, SpanF1, TokenAgreement, _f1
from annotator.agreement.unitizing import UnitizingResult, _figure, _pair_disagreement, category_disagreements
from annotator.tokens import ABBREVIATIONS, _chunk_spans, _chunks, _TRAILING

_I = np.int64


class Fallback(Exception):
    """The rows hold something only the plain path handles (it raises the right error)."""


def _arr(xs: list[int]) -> np.ndarray:
    """A list of ints as an int64 array."""
    return np.asarray(xs, dtype=_I)


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


# ---------------------------------------------------------------- reading rows
class _Data:
    """Everything the measures need, gathered in one pass over the rows."""

    def __init__(self) -> None:
        self.n_units = 0
        self.coder_ix: dict[str, int] = {}  # every annotator, by first appearance
        self.answers: list[tuple[int, int, str]] = []  # (unit, coder, answer), ignore left out
        # Units with two or more versions ("shared"), in unit order.
        self.doc_names: list[str] = []
        self.lengths: list[int] = []
        self.tok_start: list[int] = []
        self.tok_end: list[int] = []
        self.n_tok: list[int] = []
        self.versions: list[tuple[int, int]] = []  # (shared unit, coder)
        self.n_spans: list[int] = []  # spans per version
        self.spans: list[tuple[int, int, str]] = []  # (start, end, label), sorted per version
        self.label_ix: dict[str, int] = {}  # span label -> code (filled after reading)


def token_bounds(text: str, starts: list[int], ends: list[int]) -> int:
    """Append the start and end of each token of :func:`annotator.tokens.token_spans` to
    ``starts`` and ``ends`` (offsets by counting where the only whitespace is U+0020, as
    :func:`annotator.tokens.token_dicts` does); returns how many tokens."""
    before = len(starts)
    add_s, add_e = starts.append, ends.append
    for chunk, start in _chunks(text):
        pos = start + len(chunk)
        if chunk.isalpha():
            add_s(start)
            add_e(pos)
        elif chunk[-1] in _TRAILING and chunk[:-1].isalpha():  # "said," "Moscow."
            word = chunk[:-1]
            if chunk[-1] == "." and (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())):
                add_s(start)
                add_e(pos)
            else:
                starts += (start, pos - 1)
                ends += (pos - 1, pos)
        else:
            for a, b in _chunk_spans(chunk):
                add_s(start + a)
                add_e(start + b)
    return len(starts) - before


def _tokens(text: str, raw: Any, starts: list[int], ends: list[int]) -> int:
    """Append a unit's token offsets (the stored ones, else the default tokenizer's) to
    ``starts`` and ``ends``; returns how many."""
    if raw:  # stored tokens win, even an empty list (as Unit.token_list has it)
        stored = orjson.loads(raw)
        starts += [int(t["start"]) for t in stored]
        ends += [int(t["end"]) for t in stored]
        return len(stored)
    return token_bounds(text, starts, ends)


def read_rows(rows: Iterable[tuple[Any, ...]], layer: str, labels: Collection[str] | None,
              name_of: Any) -> _Data:
    """Gather answers, versions, tokens and spans from decision rows in unit order."""
    data = _Data()
    keep = set(labels) if labels is not None else None
    coder_ix = data.coder_ix
    loads = orjson.loads
    answers = data.answers.append
    docs, lengths, n_tok = data.doc_names.append, data.lengths.append, data.n_tok.append
    tok_start, tok_end = data.tok_start, data.tok_end
    versions_add, n_spans, spans = data.versions.append, data.n_spans.append, data.spans.extend
    current: Any = object()
    first: tuple[Any, ...] = ()
    versions: list[tuple[int, list[tuple[int, int, str]]]] = []
    u = -1
    shared = 0

    def finish() -> None:
        nonlocal shared
        text = first[2]
        docs(name_of(first))
        lengths(len(text))
        n_tok(_tokens(text, first[3], tok_start, tok_end))
        for c, triples in versions:
            versions_add((shared, c))
            n_spans(len(triples))
            spans(triples)
        shared += 1

    for row in rows:
        if row[0] != current:
            if len(versions) >= 2:
                finish()
            current = row[0]
            first = row
            versions = []
            u += 1
        name = row[6]
        c = coder_ix.get(name)
        if c is None:
            c = coder_ix[name] = len(coder_ix)
        answer = row[7]
        if answer == "accept":
            answers((u, c, answer))
            raw = row[8]
            if raw and raw != "[]":
                if keep is None:
                    triples = [(s["start"], s["end"], s["label"]) for s in loads(raw)
                               if s.get("layer", "entities") == layer]
                else:
                    triples = [(s["start"], s["end"], s["label"]) for s in loads(raw)
                               if s.get("layer", "entities") == layer and s["label"] in keep]
                triples.sort()
            else:
                triples = []
            versions.append((c, triples))
        elif answer != "ignore":
            answers((u, c, answer))
    if len(versions) >= 2:
        finish()
    data.n_units = u + 1
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


def binary_value_counts(u: np.ndarray, c: np.ndarray, cnt: np.ndarray, m: np.ndarray,
                        j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The value counts of 'category ``j``' against 'anything else', from the full counts."""
    if len(u) == 0:
        return u, c, cnt, m
    first = np.ones(len(u), dtype=bool)
    first[1:] = u[1:] != u[:-1]
    idx = np.cumsum(first) - 1
    units = u[first]
    m_u = m[first]
    ones = np.zeros(len(units), dtype=_I)
    hit = c == j
    ones[idx[hit]] = cnt[hit]
    counts = np.stack([m_u - ones, ones], axis=1).reshape(-1)
    keep = counts > 0
    return (np.repeat(units, 2)[keep], np.tile(np.array([0, 1], dtype=_I), len(units))[keep],
            counts[keep], np.repeat(m_u, 2)[keep])


def _nominal_figure(co: Coincidences, min_units: int) -> Figure:
    """Nominal alpha from a coincidence matrix (as :func:`krippendorff_alpha` computes it)."""
    v = len(co.n_c)
    rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), list(range(v)), [], [])
    return krippendorff_alpha(rel, "nominal", min_units, co)


def grouped_nominal_alpha(u: np.ndarray, c: np.ndarray, cnt: np.ndarray, m: np.ndarray, v: int,
                          group_of_unit: np.ndarray, n_groups: int, min_units: int) -> list[Figure]:
    """Nominal alpha of each group of units (as ``krippendorff_alpha(rel.subset(...))``
    gives it), from one pass over the coincidences of all groups."""
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
    out: list[Figure] = []
    for gi in range(n_groups):
        nc = n_c[gi]
        n_np = nc.sum()
        n = float(n_np)
        nu = int(n_units[gi])
        warn = few_units_warning(nu, min_units)
        if n < 2:
            out.append(Figure(None, nu, int(n), warn))
            continue
        obs = float(observed[gi])
        expected = float(n_np * n_np - (nc**2).sum())
        details = {"observed_disagreement": obs / n, "expected_disagreement": expected / (n * (n - 1.0))}
        if expected == 0:
            if obs == 0:
                out.append(Figure(1.0, nu, int(n),
                                  join_warnings(warn, "every value is the same: no variation to measure"), details))
            else:
                out.append(Figure(None, nu, int(n), join_warnings(warn, "expected disagreement is 0"), details))
            continue
        out.append(Figure(1.0 - (n - 1.0) * obs / expected, nu, int(n), warn, details))
    return out


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
    sp_ver, sp_start, sp_end, sp_label = arrays["sp_ver"], arrays["sp_start"], arrays["sp_end"], arrays["sp_label"]
    if len(sp_ver) and n_tokens:
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
        if total:
            k = np.repeat(np.arange(len(sp_ver), dtype=_I), counts)
            tok = np.repeat(lo, counts) + (np.arange(total, dtype=_I) - np.repeat(np.cumsum(counts) - counts, counts))
            row = row_off[sp_ver[k]] + tok - tok_off[sp_unit[k]]
            length = (sp_end - sp_start)[k]
            order = np.lexsort((k, length, row))
            row_s = row[order]
            win = np.ones(len(order), dtype=bool)
            win[1:] = row_s[1:] != row_s[:-1]
            labels[row_s[win]] = sp_label[k[order[win]]]
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
    # One matrix token x coder gives every count the measures need.
    n_c = max(len(coder_names), 1)
    flat_base = (tok_off[ver_unit] - row_off[:-1]) * n_c + coder_map[ver_coder]
    matrix = np.full(n_tokens * n_c, -1, dtype=_I)
    matrix[np.repeat(flat_base, ver_n) + np.arange(n_rows, dtype=_I) * n_c] = values
    matrix = matrix.reshape(n_tokens, n_c)
    rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), categories, coder_names, [])
    counts4 = dense_value_counts(matrix)
    v = len(categories)
    co = coincidences_from_counts(*counts4, v)
    alpha = krippendorff_alpha(rel, "nominal", min_units, co)
    pa = percent_agreement(rel, min_units, co)
    per_label: dict[str, Figure] = {}
    for j, label in enumerate(categories):
        if label == OUTSIDE:
            continue
        per_label[label] = _nominal_figure(coincidences_from_counts(*binary_value_counts(*counts4, j), 2), min_units)
    # Documents by name, in order of first appearance among units with tokens.
    doc_ix: dict[str, int] = {}
    unit_doc = np.full(len(n_tok), -1, dtype=_I)
    for s, name in enumerate(data.doc_names):
        if n_tok[s]:
            unit_doc[s] = doc_ix.setdefault(name, len(doc_ix))
    token_doc = np.repeat(unit_doc, n_tok)
    figs = grouped_nominal_alpha(*counts4, v, token_doc, len(doc_ix), min_units)
    per_document = dict(zip(doc_ix, figs))
    pairs: dict[tuple[str, str], Figure] = {}
    for a, b in combinations(range(len(coder_names)), 2):
        co_ab = coincidences_from_counts(*dense_value_counts(matrix[:, [a, b]]), v)
        pairs[(coder_names[a], coder_names[b])] = _nominal_figure(co_ab, min_units)
    return TokenAgreement(alpha, pa, dict(sorted(per_label.items())), per_document, pairs, coder_names)


# ---------------------------------------------------------------- span F1
def _distinct(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``keys``."""
    k = np.sort(keys)
    if len(k) < 2:
        return k
    return k[np.concatenate([[True], k[1:] != k[:-1]])]


def _pair_f1(arrays: dict[str, np.ndarray], has: np.ndarray, a: int, b: int, label_names: list[str],
             min_units: int) -> PairF1:
    """Span F1 between coders ``a`` and ``b`` (indices into the annotator list) over the units
    both annotated."""
    both = has[:, a] & has[:, b]
    shared = int(both.sum())
    sp_unit, sp_coder = arrays["sp_unit"], arrays["sp_coder"]
    sa = (sp_coder == a) & both[sp_unit]
    sb = (sp_coder == b) & both[sp_unit]
    n_l = len(label_names)
    width = int(arrays["max_end"]) + 1
    grp = sp_unit * n_l + arrays["sp_label"]
    if (int(grp.max(initial=0)) + 1) * width * width >= 1 << 62:
        raise Fallback("span offsets too large for array keys")
    key = (grp * width + arrays["sp_start"]) * width + arrays["sp_end"]
    lab = arrays["sp_label"]
    n_a = np.bincount(lab[sa], minlength=n_l)
    n_b = np.bincount(lab[sb], minlength=n_l)
    common = np.intersect1d(_distinct(key[sa]), _distinct(key[sb]), assume_unique=True)
    exact = np.bincount((common // (width * width)) % n_l, minlength=n_l) if len(common) else np.zeros(n_l, _I)

    def overlaps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per label, how many spans of ``x`` overlap a span of ``y`` with the same label."""
        gx = grp[x] * width
        gy = grp[y] * width
        ys = gy + arrays["sp_start"][y]
        ye = gy + arrays["sp_end"][y]
        order = np.argsort(ys, kind="stable")
        ys, ye = ys[order], ye[order]
        runmax = np.maximum.accumulate(ye) if len(ye) else ye
        i = np.searchsorted(ys, gx + arrays["sp_end"][x], side="left") - 1
        hit = np.zeros(len(i), dtype=bool)
        ok = i >= 0
        hit[ok] = runmax[i[ok]] > gx[ok] + arrays["sp_start"][x][ok]
        return np.bincount(lab[x][hit], minlength=n_l)

    ov_a = overlaps(sa, sb)
    ov_b = overlaps(sb, sa)
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
def _unitizing(arrays: dict[str, np.ndarray], has: np.ndarray, coders: list[int], label_names: list[str]
               ) -> dict[str, Any]:
    """alpha_u over the shared units every one of ``coders`` accepted (as report._unitizing)."""
    sel = np.all(has[:, coders], axis=1)
    n_docs = int(sel.sum())
    if n_docs == 0:
        return {"overall": {"value": None, "n_units": 0, "n_values": 0,
                            "warning": "no unit was accepted by all of these annotators"}, "per_label": {}}
    cont_all = np.maximum(arrays["lengths"], 1)
    cont = cont_all[sel]
    length = int(cont.sum())
    off = np.zeros(len(sel), dtype=_I)
    off[sel] = np.concatenate([[0], np.cumsum(cont)[:-1]])
    cpos_of = np.full(has.shape[1], -1, dtype=_I)
    cpos_of[coders] = np.arange(len(coders), dtype=_I)
    sp_unit, sp_coder = arrays["sp_unit"], arrays["sp_coder"]
    mask = sel[sp_unit] & (cpos_of[sp_coder] >= 0)
    units_all, lab_all = sp_unit[mask], arrays["sp_label"][mask]
    cpos_all = cpos_of[sp_coder[mask]]
    start_all, end_all = arrays["sp_start"][mask], arrays["sp_end"][mask]
    m = len(coders)
    present = sorted(label_names[j] for j in np.nonzero(np.bincount(lab_all, minlength=len(label_names)))[0])
    code_of = {name: j for j, name in enumerate(label_names)}
    stride = length + 1
    per_label: dict[str, Figure] = {}
    total_o = total_e = 0.0
    total_n = 0
    for lbl in present:
        pick = lab_all == code_of[lbl]
        u, cp = units_all[pick], cpos_all[pick]
        x = cp * stride + off[u] + start_all[pick]
        y = cp * stride + off[u] + end_all[pick]
        order = np.lexsort((y, x))
        x, y, u, cp = x[order], y[order], u[order], cp[order]
        reach = np.maximum.accumulate(y)
        new = np.ones(len(x), dtype=bool)
        new[1:] = x[1:] >= reach[:-1]
        first = np.nonzero(new)[0]
        last = np.append(first[1:], len(x)) - 1
        ms, me = x[first], reach[last]  # merged units, shifted by coder
        mu, mc = u[first], cp[first]
        # Observed: every pair of coders over the whole continuum at once (integer sums).
        observed = 0.0
        per_coder = []
        for c in range(m):
            at = mc == c
            per_coder.append(np.stack([ms[at] - c * stride, me[at] - c * stride], axis=1))
        for i, j in combinations(range(m), 2):
            observed += _pair_disagreement(per_coder[i], per_coder[j])
        # Unit lengths in continuum, coder, position order; gaps in any order.
        order = np.lexsort((ms, mc, mu))
        ls = (me - ms)[order].astype(np.float64)
        # Merged units are sorted by coder, then position: gaps lie before the first unit of a
        # (unit, coder) run, between its units and after the last; a continuum where a coder
        # has no unit of the label is one whole gap.
        begin = mc * stride + off[mu]
        run_start = np.ones(len(ms), dtype=bool)
        run_start[1:] = (mc[1:] != mc[:-1]) | (mu[1:] != mu[:-1])
        run_end = np.append(run_start[1:], True)
        inner = ms[1:] - me[:-1]
        covered = np.zeros((len(sel), m), dtype=bool)
        covered[mu, mc] = True
        empty = [cont_all[sel & ~covered[:, c]] for c in range(m)]
        gaps = np.concatenate([(ms - begin)[run_start], inner[~run_start[1:]],
                               (begin + cont_all[mu] - me)[run_end], *empty])
        gaps = gaps[gaps > 0].astype(np.float64)
        d_o, d_e, n = category_disagreements(observed, ls, gaps, m, length)
        per_label[lbl] = _figure(d_o, d_e, n, n_docs)
        total_o += d_o
        total_e += d_e
        total_n += n
    overall = _figure(total_o, total_e, total_n, n_docs)
    if overall.value is None and not present:
        overall.warning = join_warnings("no units at all")
    out = UnitizingResult(overall, per_label).as_dict()
    out["units"] = n_docs
    return out


# ---------------------------------------------------------------- the report
def fast_dataset_report(rows: Iterable[tuple[Any, ...]], layer: str = "entities", min_units: int = MIN_UNITS,
                        labels: Collection[str] | None = None, name_of: Any = None) -> dict[str, Any]:
    """:func:`annotator.agreement.report.dataset_report` from raw rows (unit_id, document_id,
    text, tokens, doc_external_id, doc_title, annotator, answer, spans) in unit order."""
    from annotator.agreement.report import collect_warnings

    name_of = name_of or (lambda row: row[4] or row[5] or f"document {row[1]}")
    data = read_rows(rows, layer, labels, name_of)
    all_names = list(data.coder_ix)
    coders = sorted(all_names)
    report: dict[str, Any] = {
        "layer": layer,
        "annotators": coders,
        "units_annotated": data.n_units,
        "units_shared": len(data.doc_names),
        "min_units": min_units,
        "labels": sorted(labels) if labels is not None else None,
    }
    if data.coder_ix:
        cats = sorted({a for _, _, a in data.answers})
        index = {c: i for i, c in enumerate(cats)}
        rel = Reliability(_arr([a[0] for a in data.answers]), _arr([a[1] for a in data.answers]),
                          _arr([index[a[2]] for a in data.answers]), cats, all_names, list(range(data.n_units)))
        co = coincidences_from_counts(*dense_answer_counts(rel), len(cats))
        report["answers"] = {"percent_agreement": percent_agreement(rel, min_units, co).as_dict(),
                             "krippendorff_alpha": krippendorff_alpha(rel, "nominal", min_units, co).as_dict()}
    else:
        report["answers"] = {"percent_agreement": None, "krippendorff_alpha": None}
    arrays = {k: _arr(getattr(data, k)) for k in ("lengths", "n_tok", "n_spans", "tok_start", "tok_end")}
    ver = np.asarray(data.versions, dtype=_I).reshape(-1, 2)
    arrays["ver_unit"], arrays["ver_coder"] = ver[:, 0].copy(), ver[:, 1].copy()
    arrays["sp_ver"] = np.repeat(np.arange(len(ver), dtype=_I), arrays["n_spans"])
    arrays["sp_start"] = _arr([t[0] for t in data.spans])
    arrays["sp_end"] = _arr([t[1] for t in data.spans])
    label_ix: dict[str, int] = {}
    arrays["sp_label"] = _arr([label_ix.setdefault(t[2], len(label_ix)) for t in data.spans])
    data.label_ix = label_ix
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
    report["tokens"] = _token_agreement(data, arrays, min_units).as_dict()
    # Spans and alpha_u number coders by their place in the sorted list.
    rank = np.argsort(np.argsort(np.asarray(all_names, dtype=object))) if all_names else np.zeros(0, _I)
    ver_coder = rank[arrays["ver_coder"]].astype(_I) if len(arrays["ver_coder"]) else arrays["ver_coder"]
    arrays["sp_unit"] = sp_unit
    arrays["sp_coder"] = ver_coder[arrays["sp_ver"]] if len(arrays["sp_ver"]) else arrays["sp_ver"]
    arrays["max_end"] = np.asarray(int(arrays["sp_end"].max(initial=0)))
    has = np.zeros((len(lengths), len(coders)), dtype=bool)
    has[arrays["ver_unit"], ver_coder] = True
    label_names = list(data.label_ix)
    f1 = SpanF1({(coders[a], coders[b]): _pair_f1(arrays, has, a, b, label_names, min_units)
                 for a, b in combinations(range(len(coders)), 2)})
    report["spans"] = f1.as_dict()
    pair_alpha_u = {f"{coders[a]}|{coders[b]}": _unitizing(arrays, has, [a, b], label_names)["overall"]
                    for a, b in combinations(range(len(coders)), 2)}
    report["unitizing"] = _unitizing(arrays, has, list(range(len(coders))), label_names) if len(coders) >= 2 else None
    if report["unitizing"] is not None:
        report["unitizing"]["pairs"] = pair_alpha_u
    report["warnings"] = collect_warnings(report)
    return report


def dense_answer_counts(rel: Reliability) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value counts of the answers (units arrive in order, each annotator once per unit)."""
    n_c = max(len(rel.coder_names), 1)
    matrix = np.full((rel.n_units, n_c), -1, dtype=_I)
    matrix[rel.units, rel.coders] = rel.values
    return dense_value_counts(matrix)
