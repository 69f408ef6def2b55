"""A chunk of a dataset's decisions as arrays, and the vectorised counting over them.

:mod:`annotator.store.agreement_rows` reads decisions and units as packed columns
(:class:`~annotator.store.agreement_rows.Decisions`, :class:`~annotator.store.agreement_rows.Units`);
:func:`gather` turns one chunk of them into the arrays the counts need: the accepted versions
of units with two or more of them, their spans of one layer, the units' tokens. The counting
(token rows covered by spans, span matches between two coders, alpha_u's distances and gaps)
gives whole numbers only; :mod:`annotator.agreement.sums` adds them up.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import combinations
from typing import Any

import numpy as np

from annotator.record_parts import ANSWERS  # the store's answer codes are their places here

_I = np.int64


class Unmeasurable(ValueError):
    """The rows hold something no measure can take (a span outside its unit, an unknown label
    or answer, tokens out of order): the message says what."""

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
        raise Unmeasurable("an unknown answer")
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
        raise Unmeasurable("a decision's unit is missing")
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
        raise Unmeasurable("a span's label is unknown")
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


def _span_rows(arrays: dict[str, np.ndarray], tok_off: np.ndarray, row_off: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(span, token row) for every token row a span covers (rows: each version's tokens in
    turn, ``row_off`` per version, ``tok_off`` per unit)."""
    n_tok = arrays["n_tok"]
    ver_unit = arrays["ver_unit"]
    sp_ver, sp_start, sp_end = arrays["sp_ver"], arrays["sp_start"], arrays["sp_end"]
    empty = np.zeros(0, _I)
    if not (len(sp_ver) and int(tok_off[-1])):
        return empty, empty
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
        return empty, empty
    k = np.repeat(np.arange(len(sp_ver), dtype=_I), counts)
    tok = np.repeat(lo, counts) + (np.arange(total, dtype=_I) - np.repeat(np.cumsum(counts) - counts, counts))
    return k, row_off[sp_ver[k]] + tok - tok_off[sp_unit[k]]


def covered_rows(arrays: dict[str, np.ndarray], tok_off: np.ndarray, row_off: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The token rows some span of the version covers, ascending, and each one's label (the
    shortest span over a token wins, the first in sorted order on a tie); and every distinct
    (row, label) some span covers (each label a layer of its own)."""
    k, row = _span_rows(arrays, tok_off, row_off)
    if not len(k):
        return k, k, k, k
    sp_ver, sp_label = arrays["sp_ver"], arrays["sp_label"]
    n_rows = int(row_off[-1])
    key = (arrays["sp_end"] - arrays["sp_start"])[k] * len(sp_ver) + k
    best = np.full(n_rows, np.iinfo(_I).max, dtype=_I)
    np.minimum.at(best, row, key)
    covered = np.nonzero(best != np.iinfo(_I).max)[0]
    covered_label = sp_label[best[covered] % len(sp_ver)]
    # (row, label) pairs: a row only one span covers has just its best label; rows that
    # several spans cover (nested or overlapping spans) are deduplicated.
    many = np.bincount(row, minlength=n_rows)[row] > 1
    if not many.any():
        return covered, covered_label, covered, covered_label
    n_l = int(sp_label.max()) + 1
    single = np.bincount(row, minlength=n_rows)[covered] == 1
    pairs = np.unique(row[many] * n_l + sp_label[k[many]])
    rows = np.concatenate([covered[single], pairs // n_l])
    labels = np.concatenate([covered_label[single], pairs % n_l])
    order = np.argsort(rows, kind="stable")
    return covered, covered_label, rows[order], labels[order]


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
            raise Unmeasurable("span offsets too large for array keys")
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
            raise Unmeasurable("continuum too long for array keys")
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

    def parts(self, coders: list[int]) -> tuple[int, int, np.ndarray, dict[str, tuple[int, np.ndarray, np.ndarray]]]:
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
        out: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}
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
            out[self.label_names[j]] = (int(observed[j]), lengths, gap_counts)
        return n_docs, int(self.cont[sel].sum()), whole, out


# ---------------------------------------------------------------- checks
def check_extents(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Each span's unit (and ``arrays["char_off"]``, where each unit starts on one axis);
    :class:`Unmeasurable` for spans or stored tokens the measures cannot take."""
    lengths = arrays["lengths"]
    arrays["char_off"] = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(_I) if len(lengths) else lengths
    sp_unit = arrays["ver_unit"][arrays["sp_ver"]]
    if len(sp_unit) and (np.any(arrays["sp_end"] <= arrays["sp_start"]) or np.any(arrays["sp_start"] < 0)
                         or np.any(arrays["sp_end"] > np.maximum(lengths, 1)[sp_unit])):
        raise Unmeasurable("a span lies outside its unit")
    if len(arrays["tok_start"]):
        base = np.repeat(arrays["char_off"], arrays["n_tok"])
        if (np.any(np.diff(arrays["tok_start"] + base) < 0) or np.any(np.diff(arrays["tok_end"] + base) < 0)
                or np.any(arrays["tok_end"] < arrays["tok_start"]) or np.any(arrays["tok_start"] < 0)
                or np.any(arrays["tok_end"] > np.repeat(lengths, arrays["n_tok"]))):
            raise Unmeasurable("stored tokens out of order or outside their unit")
    return sp_unit

