"""The dataset agreement report a stretch of units at a time, while the next stretch is read.

:func:`annotator.agreement.fast.fast_dataset_report` measures a whole dataset held in
arrays; at 1,000,000 units x 3 annotators that is 6 GB and a wait for every row before the
first sum. Every measure in the report is a sum over units, though: coincidences of token
labels and answers, span matches per pair, alpha_u's squared distances and gaps. This module
adds those sums up chunk by chunk (:class:`Totals`) and makes the figures once at the end,
value for value those of the whole-dataset path.

Two things make that exact. Sums of whole numbers are the same in any order, and so are sums
of halves and quarters: the weight 1/(m-1) of a unit coded m times is such a number when
m - 1 is a power of two (two or three annotators on a unit; five; nine). A chunk with any
other m raises :class:`NotChunked` and the caller measures the whole dataset instead, which
adds unit by unit in the plain path's order. alpha_u's expected disagreement is a sum of
whole numbers too, added as Python integers (:mod:`annotator.agreement.unitizing`), so its
units and gaps are kept as counts by length.

Token labels are counted sparsely: a token no span of any version covers is O for every
coder, so each unit's uncovered tokens count as one value weighted by their number. A unit
whose versions are all alike (most of them, when annotators agree) is measured from its
first version alone: every span matches its twin, every token label is everyone's.
"""

from __future__ import annotations

import pickle
import queue
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.coding import Coincidences, binary_coincidences, krippendorff_alpha, percent_agreement
from annotator.agreement.fast import (
    COUNTED_GAPS_UP_TO,
    Fallback,
    _Data,
    _nominal_figure,
    _SpanPairs,
    _Unitizer,
    check_extents,
    covered_rows,
    gather,
    group_figures,
    pair_f1,
    unitizing_from_parts,
)
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure
from annotator.agreement.spans import OUTSIDE, SpanF1, TokenAgreement
from annotator.record_parts import ANSWERS

_I = np.int64
_IGNORE = ANSWERS.index("ignore")


class NotChunked(Exception):
    """The data need the whole-dataset path (sums whose order changes their last bits)."""


class WorkerFailed(RuntimeError):
    """A worker process died or failed: the caller may measure in this process instead."""


def _dyadic_weights(m: np.ndarray) -> np.ndarray:
    """1/(m-1) per value (1 where m < 2); :class:`NotChunked` unless each is exact."""
    ms = np.nonzero(np.bincount(m, minlength=3)[2:])[0] + 2
    if np.any((ms - 1) & (ms - 2)):
        raise NotChunked("a unit's weight 1/(m-1) is not a power of two")
    return 1.0 / np.maximum(m - 1, 1)


class _Sums:
    """Coincidence sums over ``v`` categories (and per group), added up chunk by chunk."""

    def __init__(self, v: int, pairs: bool) -> None:
        self.v = v
        self.flat = np.zeros(v * v)  # each pair of coders once; mirrored at the end
        self.n_c = np.zeros(v)
        self.n = 0.0  # pairable values' units
        self.pairs: dict[tuple[int, int], list[Any]] | None = {} if pairs else None
        self.n_c_g = np.zeros((0, v))
        self.n_units_g = np.zeros(0)
        self.observed_g = np.zeros(0)

    def _grow(self, n_groups: int) -> None:
        if n_groups > len(self.n_units_g):
            extra = n_groups - len(self.n_units_g)
            self.n_c_g = np.concatenate([self.n_c_g, np.zeros((extra, self.v))])
            self.n_units_g = np.concatenate([self.n_units_g, np.zeros(extra)])
            self.observed_g = np.concatenate([self.observed_g, np.zeros(extra)])

    def add(self, cols: np.ndarray, mult: np.ndarray, group: np.ndarray, n_groups: int) -> None:
        """Add ``cols[coder][value]`` (-1: no value), each value counting ``mult`` times,
        ``group`` the group of each value."""
        v = self.v
        present = cols >= 0
        m = present.sum(axis=0)
        w = _dyadic_weights(m)
        pairable = m >= 2
        self._grow(n_groups)
        off_g: list[np.ndarray] = [np.zeros(0, _I)]
        off_w: list[np.ndarray] = [np.zeros(0)]
        for a, b in combinations(range(len(cols)), 2):
            both = present[a] & present[b]
            if not both.any():
                continue
            x, y, mu = cols[a][both], cols[b][both], mult[both]
            wi = w[both] * mu
            key = x * v + y
            self.flat += np.bincount(key, weights=wi, minlength=v * v)
            if self.pairs is not None:
                got = self.pairs.setdefault((a, b), [np.zeros(v * v), 0.0])
                got[0] += np.bincount(key, weights=mu, minlength=v * v)
                got[1] += float(mu.sum())
            apart = x != y
            off_g.append(group[both][apart])
            off_w.append(2.0 * wi[apart])
        n_g = len(self.n_units_g)
        for c, p in zip(cols, present):
            at = p & pairable
            vals, mu = c[at], mult[at]
            self.n_c += np.bincount(vals, weights=mu, minlength=v)
            self.n_c_g += np.bincount(group[at] * v + vals, weights=mu, minlength=n_g * v).reshape(n_g, v)
        self.n += float(mult[pairable].sum())
        self.n_units_g += np.bincount(group[pairable], weights=mult[pairable], minlength=n_g)
        self.observed_g += np.bincount(np.concatenate(off_g), weights=np.concatenate(off_w), minlength=n_g)

    def widened(self, v: int) -> _Sums:
        """These sums over ``v`` >= ``self.v`` raw codes (the new ones all zero)."""
        if v == self.v:
            return self
        out = _Sums(v, self.pairs is not None)
        w = self.v
        out.flat.reshape(v, v)[:w, :w] = self.flat.reshape(w, w)
        out.n_c[:w] = self.n_c
        out.n = self.n
        out._grow(len(self.n_units_g))
        out.n_c_g[:, :w] = self.n_c_g
        out.n_units_g[:] = self.n_units_g
        out.observed_g[:] = self.observed_g
        if self.pairs is not None and out.pairs is not None:
            for key, (counts, n) in self.pairs.items():
                grown = np.zeros((v, v))
                grown[:w, :w] = counts.reshape(w, w)
                out.pairs[key] = [grown.reshape(-1), n]
        return out

    def merge(self, later: _Sums, group_map: np.ndarray) -> None:
        """Add ``later``'s sums (of the same width), its group ``g`` being ``group_map[g]`` here."""
        self.flat += later.flat
        self.n_c += later.n_c
        self.n += later.n
        if len(group_map):
            self._grow(int(group_map.max()) + 1)
            np.add.at(self.n_c_g, group_map, later.n_c_g[: len(group_map)])
            np.add.at(self.n_units_g, group_map, later.n_units_g[: len(group_map)])
            np.add.at(self.observed_g, group_map, later.observed_g[: len(group_map)])
        if self.pairs is not None and later.pairs is not None:
            for key, (counts, n) in later.pairs.items():
                got = self.pairs.setdefault(key, [np.zeros(self.v * self.v), 0.0])
                got[0] += counts
                got[1] += n

    def coincidences(self, order: list[int]) -> Coincidences:
        """The coincidences of the categories ``order`` (raw codes, in report order)."""
        v = self.v
        full = self.flat.reshape(v, v)
        return _coincidences((full + full.T)[np.ix_(order, order)], self.n_c[order], int(self.n))

    def pair(self, a: int, b: int, order: list[int]) -> Coincidences:
        """One pair of coders' own coincidences (:func:`annotator.agreement.coding.pair_coincidences`)."""
        assert self.pairs is not None
        counts, n = self.pairs.get((min(a, b), max(a, b)), (np.zeros(self.v * self.v), 0.0))
        one = counts.reshape(self.v, self.v)
        one = (one + one.T)[np.ix_(order, order)]
        return _coincidences(one, one.sum(axis=1), int(n))


def _coincidences(dense: np.ndarray, n_c: np.ndarray, n_units: int) -> Coincidences:
    v = len(dense)
    flat = dense.reshape(-1)
    nz = np.nonzero(flat)[0]
    return Coincidences(nz // v, nz % v, flat[nz], n_c.astype(np.float64), n_units)


def _add_counts(total: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Two arrays of counts by length added up (the shorter one padded)."""
    if len(more) > len(total):
        total, more = more.copy(), total
    total[: len(more)] += more
    return total


def _first_version(ver_unit: np.ndarray) -> np.ndarray:
    """Whether each version is its unit's first (versions come in unit order)."""
    first = np.ones(len(ver_unit), dtype=bool)
    first[1:] = ver_unit[1:] != ver_unit[:-1]
    return first


def _spans_kept(arrays: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """``arrays`` with the spans ``keep`` picks (their unit, coder, offsets and label)."""
    out = dict(arrays)
    for k in ("sp_unit", "sp_coder", "sp_start", "sp_end", "sp_label"):
        out[k] = arrays[k][keep]
    return out


def _one_version_of_alike_units(arrays: dict[str, np.ndarray]
                                ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(per unit: are all its versions' spans alike?, the arrays with only the first version
    of such units, the versions kept)."""
    ver_unit, sp_ver = arrays["ver_unit"], arrays["sp_ver"]
    n_units, n_ver = len(arrays["lengths"]), len(ver_unit)
    if n_ver == 0:
        return np.zeros(n_units, dtype=bool), arrays, np.arange(0, dtype=_I)
    first = _first_version(ver_unit)
    first_ver = np.zeros(n_units, dtype=_I)
    first_ver[ver_unit[first]] = np.nonzero(first)[0]
    ref = first_ver[ver_unit]
    n_sp = arrays["n_spans"]
    same = n_sp == n_sp[ref]
    sp_off = np.concatenate([[0], np.cumsum(n_sp)]).astype(_I)
    ok = same[sp_ver]
    twin = np.where(ok, sp_off[ref[sp_ver]] + np.arange(len(sp_ver), dtype=_I) - sp_off[sp_ver], 0)
    start, end, lab = arrays["sp_start"], arrays["sp_end"], arrays["sp_label"]
    # Spans are sorted within a version: alike sets are alike sequences.
    eq = ok & (start[twin] == start) & (end[twin] == end) & (lab[twin] == lab)
    bad = ~same | (np.bincount(sp_ver[~eq], minlength=n_ver) > 0)
    alike = np.bincount(ver_unit[bad], minlength=n_units) == 0
    keep = first | ~alike[ver_unit]
    if keep.all():
        return alike, arrays, np.arange(n_ver, dtype=_I)
    kept = np.nonzero(keep)[0]
    new = np.full(n_ver, -1, dtype=_I)
    new[kept] = np.arange(len(kept), dtype=_I)
    sp_keep = keep[sp_ver]
    sub = dict(arrays)
    sub["ver_unit"] = ver_unit[kept]
    sub["sp_ver"] = new[sp_ver[sp_keep]]
    for key in ("sp_start", "sp_end", "sp_label"):
        sub[key] = arrays[key][sp_keep]
    return alike, sub, kept


class _Registry:
    """Names in order of first appearance across chunks."""

    def __init__(self) -> None:
        self.ix: dict[Any, int] = {}

    def add(self, names: Iterable[Any]) -> None:
        for name in names:
            if name not in self.ix:
                self.ix[name] = len(self.ix)


def _firsts(codes: np.ndarray) -> list[int]:
    """The distinct values of ``codes`` in order of first appearance."""
    if not len(codes):
        return []
    uniq, first = np.unique(codes, return_index=True)
    return uniq[np.argsort(first, kind="stable")].tolist()


class Totals:
    """A dataset report's sums, added up chunk by chunk (:meth:`add`), and the report they
    give (:meth:`report`): that of :func:`annotator.agreement.fast.fast_dataset_report`."""

    def __init__(self, names: list[str], layer: str, min_units: int = MIN_UNITS,
                 labels: Collection[str] | None = None) -> None:
        self.names = sorted(names)  # every annotator with a decision
        self.ix = {name: i for i, name in enumerate(self.names)}
        self.layer, self.min_units, self.labels = layer, min_units, labels
        self.units_annotated = 0
        self.units_shared = 0
        self.seen_coders: set[str] = set()
        self.answers_seen = np.zeros(len(ANSWERS), dtype=bool)
        self.answers = _Sums(len(ANSWERS), pairs=False)
        self.span_labels = _Registry()  # span labels (this layer, these labels) by first appearance
        self.token_labels = _Registry()  # raw codes by first appearance on a token
        self.token_coders = _Registry()  # annotator indices by first version with tokens
        self.documents = _Registry()  # document names by first unit with tokens
        self.tokens: _Sums | None = None  # raw codes: 0 for O, 1 + a label's id in the store
        self.label_names: dict[int, str] = {}  # those ids' labels
        self.spans: dict[tuple[int, int], list[Any]] = {}
        sets = [(a, b) for a, b in combinations(range(len(self.names)), 2)]
        if len(self.names) > 2:
            sets.append(tuple(range(len(self.names))))
        self.sets: list[tuple[int, ...]] = sets  # every pair of coders, and all of them (two: the pair)
        self.unitizing: dict[tuple[int, ...], list[Any]] = {s: [0, 0, np.zeros(0, _I), {}] for s in self.sets}

    # ------------------------------------------------------------ adding a chunk
    def add(self, decisions: Any, units: Any, pool: ThreadPoolExecutor | None = None) -> None:
        """Add a chunk: its decisions (:class:`annotator.store.agreement_rows.Decisions`)
        and its units (:class:`annotator.store.agreement_rows.Units`)."""
        if decisions is None or not len(decisions.unit_ids):
            return
        data = gather(decisions, units.take, self.layer, self.labels)
        arrays = data.arrays
        sp_unit = check_extents(arrays)
        local = list(data.coder_ix)
        unknown = set(local) - set(self.ix)
        if unknown:
            raise Fallback(f"annotators not listed up front: {sorted(unknown)}")
        self.seen_coders.update(local)
        to_global = np.asarray([self.ix[name] for name in local], dtype=_I)
        self.units_annotated += data.n_units
        self.units_shared += len(data.doc_ids)
        self.span_labels.add(data.label_ix)
        id_of = {lab: i for i, (lay, lab) in decisions.labels.items() if lay == self.layer}
        self.label_names.update((id_of[name], name) for name in data.label_ix)
        label_code = np.asarray([id_of[name] for name in data.label_ix], dtype=_I)
        ver_coder = to_global[arrays["ver_coder"]] if len(arrays["ver_coder"]) else arrays["ver_coder"]
        has = np.zeros((len(arrays["lengths"]), len(self.names)), dtype=bool)
        has[arrays["ver_unit"], ver_coder] = True
        alike_sub = _one_version_of_alike_units(arrays)
        tokens = pool.submit(self._add_tokens, data, arrays, ver_coder, has, label_code,
                             decisions.labels, alike_sub) if pool else None
        if tokens is None:
            self._add_tokens(data, arrays, ver_coder, has, label_code, decisions.labels, alike_sub)
        self._add_answers(data, to_global)
        span_arrays = dict(arrays)
        span_arrays["sp_unit"] = sp_unit
        span_arrays["sp_coder"] = ver_coder[arrays["sp_ver"]] if len(arrays["sp_ver"]) else arrays["sp_ver"]
        span_arrays["max_end"] = np.asarray(int(arrays["sp_end"].max(initial=0)))
        label_names = list(data.label_ix)
        self._add_spans(span_arrays, has, label_names, alike_sub[0])
        self._add_unitizing(span_arrays, has, label_names, alike_sub[0])
        if tokens is not None:
            tokens.result()

    def _add_answers(self, data: _Data, to_global: np.ndarray) -> None:
        cats = data.answer_cats
        code = np.asarray([ANSWERS.index(a) for a in cats], dtype=_I)
        self.answers_seen[code] = True
        cols = np.full((len(self.names), data.n_units), -1, dtype=_I)
        cols[to_global[data.answer_coder], data.answer_unit] = code[data.answer_value]
        self.answers.add(cols, np.ones(data.n_units), np.zeros(data.n_units, _I), 1)

    def _add_tokens(self, data: _Data, arrays: dict[str, np.ndarray], ver_coder: np.ndarray, has: np.ndarray,
                    label_code: np.ndarray, decisions_labels: Collection[int],
                    alike_sub: tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]) -> None:
        n_tok = arrays["n_tok"]
        tok_off = np.concatenate([[0], np.cumsum(n_tok)]).astype(_I)
        ver_unit = arrays["ver_unit"]
        ver_n = n_tok[ver_unit]
        row_off = np.concatenate([[0], np.cumsum(ver_n)]).astype(_I)
        n_tokens = int(tok_off[-1])
        if self.tokens is None:  # raw codes: 0 for O, 1 + the label's id in the store
            v = max(decisions_labels, default=0) + 2
            if v * v > 1 << 20:
                raise NotChunked("too many span labels for dense coincidences")
            self.tokens = _Sums(v, pairs=True)
        sums = self.tokens
        self.token_coders.add(_firsts(ver_coder[ver_n > 0]))
        # A unit whose versions are all alike needs its first version's token labels only.
        alike, sub, kept = alike_sub
        sub_unit = sub["ver_unit"]
        sub_off = np.concatenate([[0], np.cumsum(n_tok[sub_unit])]).astype(_I)
        rows, row_label = covered_rows(sub, tok_off, sub_off)
        raw = label_code[row_label] + 1 if len(rows) else row_label  # label ids, shifted past O
        # Rows ascend, and a version left out is its unit's first one over again (which comes
        # before it): this is the first appearance in the rows of every version.
        self.token_labels.add(_firsts(raw))
        if n_tokens == 0:
            return
        # Documents by name, by first appearance among units with tokens.
        has_tok = n_tok > 0
        doc_names = data.doc_names
        self.documents.add(doc_names[d] for d in _firsts(data.doc_ids[has_tok]))
        uniq, inv = np.unique(data.doc_ids, return_inverse=True)
        unit_group = np.asarray([self.documents.ix.get(doc_names[d], 0) for d in uniq.tolist()], dtype=_I)[inv]
        # Values: in units whose versions differ, each token some version covers; in units
        # whose versions are alike, each label's tokens together; and each unit's other
        # tokens (O for everyone), one value for all of them.
        row_ver = np.searchsorted(sub_off, rows, side="right") - 1
        row_unit = sub_unit[row_ver]
        row_tok = tok_off[row_unit] + rows - sub_off[row_ver]
        same = alike[row_unit]
        flag = np.zeros(n_tokens, dtype=bool)
        flag[row_tok[~same]] = True
        cov_tok = np.nonzero(flag)[0]
        cov_unit = np.searchsorted(tok_off, cov_tok, side="right") - 1
        v = sums.v
        by_label = np.bincount(row_unit[same] * v + raw[same], minlength=len(n_tok) * v)
        lab_cell = np.nonzero(by_label)[0]
        covered = np.bincount(cov_unit, minlength=len(n_tok)) + np.bincount(row_unit[same], minlength=len(n_tok))
        rest = n_tok - covered
        rest_unit = np.nonzero(rest > 0)[0]
        cell_unit = np.concatenate([cov_unit, lab_cell // v, rest_unit])
        mult = np.concatenate([np.ones(len(cov_tok)), by_label[lab_cell].astype(np.float64),
                               rest[rest_unit].astype(np.float64)])
        present = has[cell_unit].T
        cols = np.where(present, 0, -1).astype(_I)
        n_cov = len(cov_tok)
        lab_cols = slice(n_cov, n_cov + len(lab_cell))
        cols[:, lab_cols] = np.where(present[:, lab_cols], lab_cell % v, -1)
        cell_of_tok = np.full(n_tokens, -1, dtype=_I)
        cell_of_tok[cov_tok] = np.arange(n_cov, dtype=_I)
        differ = ~same
        cols[ver_coder[kept[row_ver[differ]]], cell_of_tok[row_tok[differ]]] = raw[differ]
        sums.add(cols, mult, unit_group[cell_unit], len(self.documents.ix))

    def _add_spans(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str],
                   alike: np.ndarray | None = None) -> None:
        """Span F1 counts of every pair; units whose versions are ``alike`` are counted
        directly (every span of one matches its twin, exactly and by overlap)."""
        n_l = len(label_names)
        direct = None
        if alike is not None and alike.any() and len(arrays["sp_ver"]):
            sp_unit = arrays["sp_unit"]
            sp_ver = arrays["sp_ver"]
            first = _first_version(arrays["ver_unit"])[sp_ver] & alike[sp_unit]
            lab = arrays["sp_label"]
            # Exact matches count distinct spans (a version may hold one twice): sorted, so
            # repeats are neighbours.
            new = np.ones(len(sp_ver), dtype=bool)
            new[1:] = ((sp_ver[1:] != sp_ver[:-1]) | (arrays["sp_start"][1:] != arrays["sp_start"][:-1])
                       | (arrays["sp_end"][1:] != arrays["sp_end"][:-1]) | (lab[1:] != lab[:-1]))
            key = sp_unit * n_l + lab
            n_units = len(alike)
            spans_of = np.bincount(key[first], minlength=n_units * n_l).reshape(n_units, n_l)
            distinct = np.bincount(key[first & new], minlength=n_units * n_l).reshape(n_units, n_l)
            direct = (spans_of, distinct)
            arrays = _spans_kept(arrays, ~alike[sp_unit])
        span_pairs = _SpanPairs(arrays, has, label_names)
        for a, b in combinations(range(len(self.names)), 2):
            shared, *counts = span_pairs.pair_counts(a, b)
            if shared == 0:
                continue
            if direct is not None:
                both = alike & has[:, a] & has[:, b]
                n = direct[0][both].sum(axis=0)
                counts = [counts[0] + n, counts[1] + n, counts[2] + direct[1][both].sum(axis=0), counts[3] + n,
                          counts[4] + n]
            got = self.spans.setdefault((a, b), [0, {}])
            got[0] += shared
            per = got[1]
            for j, name in enumerate(label_names):
                row = np.asarray([c[j] for c in counts], dtype=_I)
                if row.any():
                    per[name] = per[name] + row if name in per else row

    def _add_unitizing(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str],
                       alike: np.ndarray | None = None) -> None:
        if alike is not None and alike.any() and len(arrays["sp_ver"]):
            keep = _first_version(arrays["ver_unit"])[arrays["sp_ver"]] | ~alike[arrays["sp_unit"]]
            arrays = _spans_kept(arrays, keep)  # one version of alike units
        unitizer = _Unitizer(arrays, has, label_names, alike)
        if int(unitizer.cont.max(initial=0)) > COUNTED_GAPS_UP_TO:
            raise NotChunked("a unit too long to count its gaps by length")
        for coders in self.sets:
            self._add_unitizing_sums(coders, *unitizer.parts(list(coders)))

    def _add_unitizing_sums(self, coders: tuple[int, ...], n_docs: int, length: int, whole: np.ndarray,
                            per: dict[str, Any]) -> None:
        """Add alpha_u's sums over ``coders`` (:meth:`annotator.agreement.fast._Unitizer.parts`)."""
        got = self.unitizing[coders]
        got[0] += n_docs
        got[1] += length
        got[2] = _add_counts(got[2], whole)
        for lbl, (observed, lengths, gaps) in per.items():
            one = got[3].setdefault(lbl, [0.0, np.zeros(0, _I), np.zeros(0, _I)])
            one[0] += observed
            one[1] = _add_counts(one[1], lengths)
            one[2] = _add_counts(one[2], gaps)

    def merge(self, later: Totals) -> None:
        """Add the sums of ``later``, which covers units after all of these."""
        self.units_annotated += later.units_annotated
        self.units_shared += later.units_shared
        self.seen_coders |= later.seen_coders
        self.answers_seen |= later.answers_seen
        self.answers.merge(later.answers, np.zeros(1, _I))
        self.span_labels.add(later.span_labels.ix)
        self.label_names.update(later.label_names)
        self.token_labels.add(later.token_labels.ix)
        self.token_coders.add(later.token_coders.ix)
        self.documents.add(later.documents.ix)
        group_map = np.asarray([self.documents.ix[name] for name in later.documents.ix], dtype=_I)
        if later.tokens is not None:
            if self.tokens is None:
                self.tokens = _Sums(later.tokens.v, pairs=True)
            v = max(self.tokens.v, later.tokens.v)
            self.tokens = self.tokens.widened(v)
            self.tokens.merge(later.tokens.widened(v), group_map)
        for key, (shared, per) in later.spans.items():
            got = self.spans.setdefault(key, [0, {}])
            got[0] += shared
            for name, row in per.items():
                got[1][name] = got[1][name] + row if name in got[1] else row
        for coders, sums in later.unitizing.items():
            self._add_unitizing_sums(coders, *sums)

    # ------------------------------------------------------------ the report
    def report(self) -> dict[str, Any]:
        """The report, as :func:`annotator.agreement.fast.fast_dataset_report` gives it."""
        from annotator.agreement.report import collect_warnings

        min_units = self.min_units
        if self.seen_coders != set(self.names):
            raise Fallback("annotators listed up front without decisions")
        report: dict[str, Any] = {
            "layer": self.layer,
            "annotators": self.names,
            "units_annotated": self.units_annotated,
            "units_shared": self.units_shared,
            "min_units": min_units,
            "labels": sorted(self.labels) if self.labels is not None else None,
        }
        if self.names:
            cats = sorted(a for a, hit in zip(ANSWERS, self.answers_seen.tolist()) if hit and a != "ignore")
            co = self.answers.coincidences([ANSWERS.index(a) for a in cats])
            rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), cats, self.names, [])
            report["answers"] = {"percent_agreement": percent_agreement(rel, min_units, co).as_dict(),
                                 "krippendorff_alpha": krippendorff_alpha(rel, "nominal", min_units, co).as_dict()}
        else:
            report["answers"] = {"percent_agreement": None, "krippendorff_alpha": None}
        report["tokens"] = self._token_report().as_dict()
        report["spans"] = self._span_report()
        report["unitizing"] = self._unitizing_report()
        report["warnings"] = collect_warnings(report)
        return report

    def _token_report(self) -> TokenAgreement:
        min_units = self.min_units
        order = [0, *(c for c in self.token_labels.ix if c != 0)]
        categories = [OUTSIDE if c == 0 else self.label_names[c - 1] for c in order]
        coders = list(self.token_coders.ix)
        coder_names = [self.names[c] for c in coders]
        rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), categories, coder_names, [])
        sums = self.tokens or _Sums(1, pairs=True)
        co = sums.coincidences(order)
        alpha = krippendorff_alpha(rel, "nominal", min_units, co)
        pa = percent_agreement(rel, min_units, co)
        per_label: dict[str, Figure] = {}
        for j, label in enumerate(categories):
            if label != OUTSIDE:
                per_label[label] = _nominal_figure(binary_coincidences(co, j), min_units)
        n_docs = len(self.documents.ix)
        sums._grow(n_docs)
        by_doc = (sums.n_c_g[:n_docs][:, order], sums.n_units_g[:n_docs].astype(_I), sums.observed_g[:n_docs])
        per_document = dict(zip(self.documents.ix, group_figures(*by_doc, min_units)))
        pairs: dict[tuple[str, str], Figure] = {}
        for a, b in combinations(range(len(coders)), 2):
            pairs[(coder_names[a], coder_names[b])] = _nominal_figure(sums.pair(coders[a], coders[b], order),
                                                                        min_units)
        return TokenAgreement(alpha, pa, dict(sorted(per_label.items())), per_document, pairs, coder_names)

    def _span_report(self) -> dict[str, Any]:
        names = self.names
        label_names = list(self.span_labels.ix)
        pairs = {}
        for a, b in combinations(range(len(names)), 2):
            shared, per = self.spans.get((a, b), (0, {}))
            rows = [per.get(name, np.zeros(5, _I)) for name in label_names]
            counts = np.asarray(rows, dtype=_I).reshape(len(label_names), 5).T
            pairs[(names[a], names[b])] = pair_f1(shared, *counts, label_names, self.min_units)
        return SpanF1(pairs).as_dict()

    def _unitizing_report(self) -> dict[str, Any] | None:
        names = self.names

        def result(coders: tuple[int, ...]) -> dict[str, Any]:
            n_docs, length, whole, per = self.unitizing[coders]
            parts = {lbl: (obs, lengths, gaps) for lbl, (obs, lengths, gaps) in per.items()}
            return unitizing_from_parts(len(coders), n_docs, length, whole, parts)

        if len(names) < 2:
            return None
        pair_alpha_u = {f"{names[a]}|{names[b]}": result((a, b))["overall"]
                        for a, b in combinations(range(len(names)), 2)}
        unitizing = result(tuple(range(len(names))))
        unitizing["pairs"] = pair_alpha_u
        return unitizing


# ---------------------------------------------------------------- reading ahead
def read_ahead(chunks: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The items of ``chunks``, produced in a thread of their own up to ``depth`` ahead (the
    generator runs, and is closed, in that thread)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            q.put(("end", None))
        except BaseException as e:  # handed to the consumer
            q.put(("error", e))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="agreement-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let the reader see the stop and close its generator
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def _totals(chunks: Iterable[tuple[Any, Any]], names: list[str], layer: str, min_units: int,
            labels: Collection[str] | None, pool: ThreadPoolExecutor | None = None) -> Totals:
    totals = Totals(names, layer, min_units, labels)
    for decisions, units in chunks:
        if decisions is None:
            raise Fallback("decisions without their packed columns")
        totals.add(decisions, units, pool)
    return totals


def chunked_report(chunks: Iterable[tuple[Any, Any]], names: list[str], layer: str = "entities",
                   min_units: int = MIN_UNITS, labels: Collection[str] | None = None) -> dict[str, Any]:
    """The dataset report from its (decisions, units) chunks in unit order
    (:func:`annotator.store.agreement_rows.iter_chunks`), ``names`` every annotator with a
    decision. :class:`Fallback` or :class:`NotChunked` when another path must measure it;
    a chunk whose decisions are None (columns missing) is a Fallback."""
    with ThreadPoolExecutor(1) as pool:
        return _totals(chunks, names, layer, min_units, labels, pool).report()


_RAISE = {"fallback": Fallback, "not chunked": NotChunked}


def _child(send: Any, chunks_of: Callable[[int, int], Iterator[Any]], lo: int, hi: int, names: list[str],
           layer: str, min_units: int, labels: Collection[str] | None) -> None:
    """A worker process: the sums of units ``lo`` to ``hi``, pickled down ``send``."""
    try:
        out: tuple[str, Any] = ("ok", _totals(read_ahead(chunks_of(lo, hi)), names, layer, min_units, labels))
    except Fallback as e:
        out = ("fallback", str(e))
    except NotChunked as e:
        out = ("not chunked", str(e))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
        out = ("error", f"{type(e).__name__}: {e}")
    send.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    send.close()


def parallel_report(ranges: list[tuple[int, int]], chunks_of: Callable[[int, int], Iterator[Any]],
                    names: list[str], layer: str = "entities", min_units: int = MIN_UNITS,
                    labels: Collection[str] | None = None) -> dict[str, Any]:
    """:func:`chunked_report` with the unit-id ``ranges`` (in order) measured at once, the
    first here and each other one in a forked process: SQLite reads and numpy's sums then run
    on every core, which threads of one process do not (Python's lock, and SQLite's own).
    ``chunks_of(lo, hi)`` gives the chunks of one range through a connection of its own.
    Each range is read in a read transaction of its own."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    workers = []
    try:
        for lo, hi in ranges[1:]:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(send, chunks_of, lo, hi, names, layer, min_units, labels),
                               name="agreement-worker", daemon=True)
            proc.start()
            send.close()
            workers.append((proc, recv))
        totals = _totals(read_ahead(chunks_of(*ranges[0])), names, layer, min_units, labels)
        for proc, recv in workers:
            try:
                kind, payload = pickle.loads(recv.recv_bytes())
            except EOFError:
                proc.join(timeout=5)
                raise WorkerFailed(f"an agreement worker died (exit code {proc.exitcode})") from None
            if kind != "ok":
                raise _RAISE.get(kind, WorkerFailed)(payload)
            totals.merge(payload)
    finally:
        for proc, recv in workers:
            recv.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
    return totals.report()
