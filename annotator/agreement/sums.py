"""The dataset agreement report from whole-number sums, added up chunk by chunk.

Every figure of :func:`annotator.agreement.report.dataset_report` (the plain computation,
kept as the oracle) rests on sums over units, and every sum here is of whole numbers:

- answers and token labels: pairs of values per number of values m in a unit
  (:class:`~annotator.agreement.coding.Coincidences` applies the weights 1/(m-1) once, at the
  end), values per category, pairable units; per document the unequal pairs per m;
- each label as a binary layer: tokens counted by (m, how many coders cover it with the label);
- span F1: spans, exact and overlapping matches per pair of coders and label; for consensus
  F1, per label the distinct spans counted by (m, how many coders marked it), and the units
  with three or more versions;
- alpha_u: squared distances, units and gaps counted by length, per set of coders and label.

:class:`DatasetSums` holds them. ``add`` takes one chunk (decisions and units as
:mod:`annotator.store.agreement_rows` reads them), ``merge`` adds another object's sums
(chunks or worker processes, in any order), ``report`` makes the figures. Sums of whole
numbers do not depend on their order, so one chunk, many chunks and many processes give the
same bits, for any number of annotators on a unit.

A unit whose versions are all alike (most of them, when annotators agree) is counted from its
first version alone: every span matches its twin, every token label is everyone's.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.coding import (
    Coincidences,
    binary_counts,
    gwet_ac1,
    nominal_alpha,
    nominal_alphas,
    percent_agreement,
)
from annotator.agreement.columns import (
    Unmeasurable,
    _SpanPairs,
    _Unitizer,
    check_extents,
    covered_rows,
    gather,
)
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure, join_warnings
from annotator.agreement.spans import OUTSIDE, ConsensusCounts, PairF1, SpanF1, TokenAgreement, _f1, consensus_f1
from annotator.agreement.unitizing import UnitizingResult, _figure, category_disagreements_by_length
from annotator.record_parts import ANSWERS

_I = np.int64


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` zero-padded to ``shape`` (each axis at least as long)."""
    if a.shape == shape:
        return a
    out = np.zeros(shape, dtype=a.dtype)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two count arrays added, the smaller padded."""
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape))
    return _pad(a, shape) + _pad(b, shape)


class PairSums:
    """Pairs of values from different coders per number of values m in a unit
    (``pairs[m][c][k]``), values per category of pairable units, pairable units; and per
    group (document): values per category, pairable units, unequal pairs per m."""

    def __init__(self) -> None:
        self.pairs = np.zeros((0, 0, 0), _I)  # m, category, category
        self.n_c = np.zeros(0, _I)
        self.n_c_m = np.zeros((0, 0), _I)  # values per m (1 included) and category
        self.n_units = 0
        self.group_n_c = np.zeros((0, 0), _I)
        self.group_units = np.zeros(0, _I)
        self.group_apart = np.zeros((0, 0), _I)  # group, m

    def add(self, cols: np.ndarray, mult: np.ndarray, v: int, group: np.ndarray | None = None,
            n_groups: int = 0) -> dict[tuple[int, int], np.ndarray]:
        """Add values ``cols[coder][cell]`` (-1: none) over ``v`` categories, each cell standing
        for ``mult`` units, ``group`` the group of each cell; returns each pair of coders'
        own pair counts (v x v, both orders)."""
        present = cols >= 0
        m = np.zeros(cols.shape[1], _I)
        for p in present:  # row by row: numpy's sum over axis 0 of a bool matrix is far slower
            m += p
        pairable = m >= 2
        top = int(m.max(initial=0)) + 1
        flat = np.zeros(top * v * v, _I)
        apart_key: list[np.ndarray] = []
        apart_w: list[np.ndarray] = []
        per_pair: dict[tuple[int, int], np.ndarray] = {}
        for a, b in combinations(range(len(cols)), 2):
            both = present[a] & present[b]
            if not both.any():
                continue
            x, y, mu, mm = cols[a][both], cols[b][both], mult[both], m[both]
            one_pair = np.bincount((mm * v + x) * v + y, weights=mu, minlength=top * v * v).astype(_I)
            flat += one_pair
            square = one_pair.reshape(top, v, v).sum(axis=0)
            per_pair[(a, b)] = square + square.T
            if group is not None:
                off = x != y
                apart_key.append(group[both][off] * top + mm[off])
                apart_w.append(2 * mu[off])
        one = flat.reshape(top, v, v)
        self.pairs = _add(self.pairs, one + one.transpose(0, 2, 1))
        n_c = np.zeros(v, _I)
        for c, p in zip(cols, present):
            at = p & pairable
            n_c += np.bincount(c[at], weights=mult[at], minlength=v).astype(_I)
            if group is not None:
                self.group_n_c = _add(self.group_n_c, np.bincount(group[at] * v + c[at], weights=mult[at],
                                                                  minlength=n_groups * v).astype(_I).reshape(-1, v))
        self.n_c = _add(self.n_c, n_c)
        n_c_m = np.zeros(top * v, _I)
        for c, p in zip(cols, present):
            n_c_m += np.bincount(m[p] * v + c[p], weights=mult[p], minlength=top * v).astype(_I)
        self.n_c_m = _add(self.n_c_m, n_c_m.reshape(top, v))
        self.n_units += int(mult[pairable].sum())
        if group is not None:
            self.group_units = _add(self.group_units, np.bincount(group[pairable], weights=mult[pairable],
                                                                  minlength=n_groups).astype(_I))
            keys = np.concatenate(apart_key) if apart_key else np.zeros(0, _I)
            w = np.concatenate(apart_w) if apart_w else np.zeros(0, _I)
            self.group_apart = _add(self.group_apart, np.bincount(keys, weights=w, minlength=n_groups * top)
                                    .astype(_I).reshape(-1, top))
        return per_pair

    def merge(self, other: PairSums, group_map: np.ndarray | None = None) -> None:
        """Add ``other``'s sums; its group g is ``group_map[g]`` here."""
        self.pairs = _add(self.pairs, other.pairs)
        self.n_c = _add(self.n_c, other.n_c)
        self.n_c_m = _add(self.n_c_m, other.n_c_m)
        self.n_units += other.n_units
        if group_map is not None and len(group_map):
            n = max(int(group_map.max()) + 1, len(self.group_units))
            v = max(self.group_n_c.shape[1], other.group_n_c.shape[1])
            top = max(self.group_apart.shape[1], other.group_apart.shape[1])
            self.group_n_c = _pad(self.group_n_c, (n, v))
            self.group_units = _pad(self.group_units, (n,))
            self.group_apart = _pad(self.group_apart, (n, top))
            k = len(other.group_units)
            np.add.at(self.group_n_c, group_map[:k], _pad(other.group_n_c, (k, v)))
            np.add.at(self.group_units, group_map[:k], other.group_units)
            np.add.at(self.group_apart, group_map[:k], _pad(other.group_apart, (k, top)))

    def coincidences(self, order: list[int]) -> Coincidences:
        """The coincidences of categories ``order`` (in that order)."""
        v = max(order, default=-1) + 1
        pairs = _pad(self.pairs, (self.pairs.shape[0], max(v, self.pairs.shape[1]), max(v, self.pairs.shape[1])))
        n_c = _pad(self.n_c, (max(v, len(self.n_c)),))
        ix = np.asarray(order, dtype=_I)
        by_m = {m: pairs[m][np.ix_(ix, ix)] for m in range(2, pairs.shape[0]) if pairs[m].any()}
        n_c_m = _pad(self.n_c_m, (self.n_c_m.shape[0], len(n_c)))
        n_c_by_m = {m: n_c_m[m][ix] for m in range(1, len(n_c_m)) if n_c_m[m][ix].any()}
        return Coincidences.from_dense(by_m, n_c[ix], self.n_units, n_c_by_m)

    def group_figures(self, order: list[int], min_units: int) -> list[Figure]:
        """Nominal alpha of every group over categories ``order``."""
        n_groups = len(self.group_units)
        n_c = _pad(self.group_n_c, (n_groups, max(max(order, default=-1) + 1, self.group_n_c.shape[1])))
        apart = _pad(self.group_apart, (n_groups, max(self.group_apart.shape[1], 2)))
        return nominal_alphas(n_c[:, order], apart, self.group_units, min_units)


class _Names:
    """Names in a fixed order of first arrival, and their places."""

    def __init__(self) -> None:
        self.ix: dict[str, int] = {}

    def place(self, names: list[str]) -> np.ndarray:
        for name in names:
            self.ix.setdefault(name, len(self.ix))
        return np.asarray([self.ix[n] for n in names], dtype=_I)


def _first_version(ver_unit: np.ndarray) -> np.ndarray:
    """Whether each version is its unit's first (versions come in unit order)."""
    first = np.ones(len(ver_unit), dtype=bool)
    first[1:] = ver_unit[1:] != ver_unit[:-1]
    return first


def _spans_kept(arrays: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """``arrays`` with the spans ``keep`` picks."""
    out = dict(arrays)
    for k in ("sp_unit", "sp_coder", "sp_start", "sp_end", "sp_label"):
        out[k] = arrays[k][keep]
    return out


def _alike_units(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(per unit: are all its versions' spans alike?, the arrays with only the first version
    of such units)."""
    ver_unit, sp_ver = arrays["ver_unit"], arrays["sp_ver"]
    n_units, n_ver = len(arrays["lengths"]), len(ver_unit)
    if n_ver == 0:
        return np.zeros(n_units, dtype=bool), arrays
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
    eq = ok & (start[twin] == start) & (end[twin] == end) & (lab[twin] == lab)  # spans come sorted
    bad = ~same | (np.bincount(sp_ver[~eq], minlength=n_ver) > 0)
    alike = np.bincount(ver_unit[bad], minlength=n_units) == 0
    keep = first | ~alike[ver_unit]
    if keep.all():
        return alike, arrays
    kept = np.nonzero(keep)[0]
    new = np.full(n_ver, -1, dtype=_I)
    new[kept] = np.arange(len(kept), dtype=_I)
    sp_keep = keep[sp_ver]
    sub = dict(arrays)
    sub["ver_unit"] = ver_unit[kept]
    sub["ver_coder"] = arrays["ver_coder"][kept]
    sub["sp_ver"] = new[sp_ver[sp_keep]]
    for key in ("sp_start", "sp_end", "sp_label"):
        sub[key] = arrays[key][sp_keep]
    for key in ("sp_unit", "sp_coder"):
        sub.pop(key, None)
    return alike, sub


class DatasetSums:
    """A dataset report's whole-number sums (:meth:`add` a chunk, :meth:`merge` another's)
    and the report they give (:meth:`report`)."""

    def __init__(self, names: list[str], layer: str, labels: Collection[str] | None = None) -> None:
        self.names = sorted(names)  # every annotator who may appear; the report names those who do
        self.ix = {name: i for i, name in enumerate(self.names)}
        self.layer, self.labels = layer, labels
        self.units_annotated = 0
        self.units_shared = 0
        self.seen_coders: set[int] = set()
        self.token_coders: set[int] = set()  # coders with a version on a unit with tokens
        self.answers = PairSums()
        self.label_names: dict[int, str] = {}  # store label id -> label (this layer)
        self.token_codes: set[int] = set()  # raw codes (0: O, 1 + label id) some token carries
        self.tokens = PairSums()
        self.documents = _Names()  # groups of self.tokens
        self.token_pairs: dict[tuple[int, int], np.ndarray] = {}  # (a, b) -> v x v pair counts
        self.token_totals = np.zeros(0, _I)  # tokens of shared units, by their number of versions
        self.layers: dict[int, np.ndarray] = {}  # label id -> tokens by (m, coders covering)
        self.spans: dict[tuple[int, int], list[Any]] = {}  # (a, b) -> [units, {label: 5 counts}]
        self.consensus: ConsensusCounts = {}
        self.consensus_units = 0
        sets: list[tuple[int, ...]] = list(combinations(range(len(self.names)), 2))
        if len(self.names) > 2:
            sets.append(tuple(range(len(self.names))))
        self.unitizing: dict[tuple[int, ...], list[Any]] = {s: [0, 0, np.zeros(0, _I), {}] for s in sets}

    # ------------------------------------------------------------ one chunk
    def add(self, decisions: Any, units: Any) -> None:
        """Add a chunk: its decisions (:class:`annotator.store.agreement_rows.Decisions`) and
        units (:class:`annotator.store.agreement_rows.Units`)."""
        if decisions is None or not len(decisions.unit_ids):
            return
        data = gather(decisions, units.take, self.layer, self.labels)
        arrays = data.arrays
        sp_unit = check_extents(arrays)
        unknown = set(data.coder_ix) - set(self.ix)
        if unknown:
            raise Unmeasurable(f"annotators not listed up front: {sorted(unknown)}")
        to_global = np.asarray([self.ix[name] for name in data.coder_ix], dtype=_I)
        self.seen_coders.update(to_global.tolist())
        self.units_annotated += data.n_units
        self.units_shared += len(data.doc_ids)
        id_of = {lab: i for i, (lay, lab) in decisions.labels.items() if lay == self.layer}
        self.label_names.update((id_of[name], name) for name in data.label_ix)
        label_id = np.asarray([id_of[name] for name in sorted(data.label_ix, key=data.label_ix.__getitem__)],
                              dtype=_I)
        arrays["ver_coder"] = to_global[arrays["ver_coder"]] if len(arrays["ver_coder"]) else arrays["ver_coder"]
        ver_coder = arrays["ver_coder"]
        has = np.zeros((len(arrays["lengths"]), len(self.names)), dtype=bool)
        has[arrays["ver_unit"], ver_coder] = True
        arrays["sp_unit"] = sp_unit
        arrays["sp_coder"] = ver_coder[arrays["sp_ver"]] if len(arrays["sp_ver"]) else arrays["sp_ver"]
        arrays["max_end"] = np.asarray(int(arrays["sp_end"].max(initial=0)))
        alike, sub = _alike_units(arrays)
        self._add_answers(data, to_global)
        self._add_tokens(data, arrays, sub, alike, has, label_id)
        label_names = list(data.label_ix)
        self._add_spans(arrays, has, label_names, alike)
        self._add_unitizing(arrays, has, label_names, alike)

    def _add_answers(self, data: Any, to_global: np.ndarray) -> None:
        code = np.asarray([ANSWERS.index(a) for a in data.answer_cats], dtype=_I)
        cols = np.full((len(self.names), data.n_units), -1, dtype=_I)
        cols[to_global[data.answer_coder], data.answer_unit] = code[data.answer_value]
        self.answers.add(cols, np.ones(data.n_units, _I), len(ANSWERS))

    def _add_tokens(self, data: Any, arrays: dict[str, np.ndarray], sub: dict[str, np.ndarray],
                    alike: np.ndarray, has: np.ndarray, label_id: np.ndarray) -> None:
        n_tok = arrays["n_tok"]
        n_tokens = int(n_tok.sum())
        if n_tokens == 0:
            return
        tok_off = np.concatenate([[0], np.cumsum(n_tok)]).astype(_I)
        n_units = len(n_tok)
        m_unit = has.sum(axis=1)
        top = len(self.names) + 1
        self.token_totals = _add(self.token_totals, np.bincount(m_unit, weights=n_tok, minlength=top).astype(_I))
        with_tok = n_tok[arrays["ver_unit"]] > 0
        self.token_coders.update(np.unique(arrays["ver_coder"][with_tok]).tolist())
        # Token rows of the versions kept (one version of an alike unit).
        sub_unit = sub["ver_unit"]
        sub_off = np.concatenate([[0], np.cumsum(n_tok[sub_unit])]).astype(_I)
        rows, row_label, cover_rows, cover_label = covered_rows(sub, tok_off, sub_off)
        raw = label_id[row_label] + 1 if len(rows) else row_label  # raw codes: 0 for O, 1 + label id
        self.token_codes.update(np.unique(raw).tolist())
        v = int(max(self.label_names, default=0)) + 2
        # Each label as a layer of its own: per (token, label) how many versions cover it.
        if len(cover_rows):
            c_ver = np.searchsorted(sub_off, cover_rows, side="right") - 1
            c_unit = sub_unit[c_ver]
            n_l = len(label_id)
            # In an alike unit every version covers what its first does: k = m. Elsewhere
            # count the versions covering each (token, label).
            same = alike[c_unit]
            c_tok = tok_off[c_unit[~same]] + cover_rows[~same] - sub_off[c_ver[~same]]
            keys, k = np.unique(c_tok * n_l + cover_label[~same], return_counts=True)
            unit = np.searchsorted(tok_off, keys // n_l, side="right") - 1
            lab = np.concatenate([keys % n_l, cover_label[same]])
            m = np.concatenate([m_unit[unit], m_unit[c_unit[same]]])
            k = np.concatenate([k, m_unit[c_unit[same]]])
            hist = np.bincount((lab * top + m) * top + k, minlength=n_l * top * top).reshape(n_l, top, top)
            for j in np.nonzero(hist.reshape(n_l, -1).any(axis=1))[0].tolist():
                lid = int(label_id[j])
                self.layers[lid] = _add(self.layers.get(lid, np.zeros((0, 0), _I)), hist[j].astype(_I))
        # Documents (groups) by name.
        doc_names = data.doc_names
        has_tok = n_tok > 0
        uniq = np.unique(data.doc_ids[has_tok])
        places = self.documents.place([doc_names[d] for d in uniq.tolist()])
        unit_group = np.zeros(n_units, _I)
        unit_group[has_tok] = places[np.searchsorted(uniq, data.doc_ids[has_tok])]
        n_groups = len(self.documents.ix)
        # Cells: in units whose versions differ, each token some version covers; in alike
        # units, each label's tokens together; each unit's other tokens (O for everyone) as one.
        row_ver = np.searchsorted(sub_off, rows, side="right") - 1
        row_unit = sub_unit[row_ver]
        row_tok = tok_off[row_unit] + rows - sub_off[row_ver]
        same = alike[row_unit]
        flag = np.zeros(n_tokens, dtype=bool)
        flag[row_tok[~same]] = True
        cov_tok = np.nonzero(flag)[0]
        cov_unit = np.searchsorted(tok_off, cov_tok, side="right") - 1
        by_label = np.bincount(row_unit[same] * v + raw[same], minlength=n_units * v)
        lab_cell = np.nonzero(by_label)[0]
        covered = np.bincount(cov_unit, minlength=n_units) + np.bincount(row_unit[same], minlength=n_units)
        rest = n_tok - covered
        rest_unit = np.nonzero(rest > 0)[0]
        cell_unit = np.concatenate([cov_unit, lab_cell // v, rest_unit])
        mult = np.concatenate([np.ones(len(cov_tok), _I), by_label[lab_cell], rest[rest_unit]]).astype(_I)
        present = has[cell_unit].T
        cols = np.where(present, 0, -1).astype(_I)
        n_cov = len(cov_tok)
        lab_cols = slice(n_cov, n_cov + len(lab_cell))
        cols[:, lab_cols] = np.where(present[:, lab_cols], lab_cell % v, -1)
        cell_of_tok = np.full(n_tokens, -1, dtype=_I)
        cell_of_tok[cov_tok] = np.arange(n_cov, dtype=_I)
        differ = ~same
        sub_coder = sub["ver_coder"]
        cols[sub_coder[row_ver[differ]], cell_of_tok[row_tok[differ]]] = raw[differ]
        for key, counts in self.tokens.add(cols, mult, v, unit_group[cell_unit], n_groups).items():
            self.token_pairs[key] = _add(self.token_pairs.get(key, np.zeros((0, 0), _I)), counts)

    def _add_spans(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str],
                   alike: np.ndarray) -> None:
        """Span F1 counts of every pair; units whose versions are ``alike`` are counted
        directly (every span of one matches its twin, exactly and by overlap)."""
        n_l = len(label_names)
        direct = None
        if alike.any() and len(arrays["sp_ver"]):
            sp_unit, sp_ver, lab = arrays["sp_unit"], arrays["sp_ver"], arrays["sp_label"]
            first = _first_version(arrays["ver_unit"])[sp_ver] & alike[sp_unit]
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
        self._add_consensus(span_pairs, direct, alike, has, label_names)
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
            for j, name in enumerate(label_names):
                row = np.asarray([c[j] for c in counts], dtype=_I)
                if row.any():
                    got[1][name] = got[1][name] + row if name in got[1] else row

    def _add_consensus(self, span_pairs: _SpanPairs, direct: tuple[np.ndarray, np.ndarray] | None,
                       alike: np.ndarray, has: np.ndarray, label_names: list[str]) -> None:
        """Consensus counts of the units with three or more versions: each distinct span (a
        coder's repeats of it count once) by its unit's number of versions and its holders;
        in a unit whose versions are ``alike`` every one of its coders holds each span."""
        m_of = has.sum(axis=1)
        many = m_of >= 3
        self.consensus_units += int(many.sum())
        if not many.any():
            return
        n_l = len(label_names)
        parts = []  # (label, m, holders, how many spans) of each kind
        if direct is not None:
            units, labs = np.nonzero(direct[1] * (alike & many)[:, None])
            parts.append((labs, m_of[units], m_of[units], direct[1][units, labs]))
        keys = np.sort(np.concatenate([span_pairs.key[ix] for ix in span_pairs.by_key]))
        if len(keys):
            first = np.concatenate([[True], keys[1:] != keys[:-1]])
            starts = np.nonzero(first)[0]
            holders = np.diff(np.append(starts, len(keys)))
            grp = keys[starts] // (span_pairs.width * span_pairs.width)
            m = m_of[grp // n_l]
            sel = m >= 3
            parts.append((grp[sel] % n_l, m[sel], holders[sel], np.ones(int(sel.sum()), dtype=_I)))
        for labs, m, c, n in parts:
            if not len(labs):
                continue
            shape = (int(m.max()) + 1, int(c.max()) + 1)
            for j in np.unique(labs):
                sel = labs == j
                hist = np.bincount(m[sel] * shape[1] + c[sel], weights=n[sel],
                                   minlength=shape[0] * shape[1]).reshape(shape).astype(_I)
                name = label_names[int(j)]
                self.consensus[name] = _add(self.consensus.get(name, np.zeros((0, 0), _I)), hist)

    def _add_unitizing(self, arrays: dict[str, np.ndarray], has: np.ndarray, label_names: list[str],
                       alike: np.ndarray) -> None:
        if alike.any() and len(arrays["sp_ver"]):
            keep = _first_version(arrays["ver_unit"])[arrays["sp_ver"]] | ~alike[arrays["sp_unit"]]
            arrays = _spans_kept(arrays, keep)  # one version of alike units
        unitizer = _Unitizer(arrays, has, label_names, alike)
        for coders in self.unitizing:
            self._add_unitizing_sums(coders, *unitizer.parts(list(coders)))

    def _add_unitizing_sums(self, coders: tuple[int, ...], n_docs: int, length: int, whole: np.ndarray,
                            per: dict[str, Any]) -> None:
        got = self.unitizing[coders]
        got[0] += n_docs
        got[1] += length
        got[2] = _add(got[2], whole.astype(_I))
        for lbl, (observed, lengths, gaps) in per.items():
            one = got[3].setdefault(lbl, [0, np.zeros(0, _I), np.zeros(0, _I)])
            one[0] += int(observed)
            one[1] = _add(one[1], lengths.astype(_I))
            one[2] = _add(one[2], gaps.astype(_I))

    # ------------------------------------------------------------ merging
    def merge(self, other: DatasetSums) -> None:
        """Add ``other``'s sums (the same annotators, layer and labels; any units)."""
        self.units_annotated += other.units_annotated
        self.units_shared += other.units_shared
        self.seen_coders |= other.seen_coders
        self.token_coders |= other.token_coders
        self.answers.merge(other.answers)
        self.label_names.update(other.label_names)
        self.token_codes |= other.token_codes
        group_map = self.documents.place(list(other.documents.ix))
        self.tokens.merge(other.tokens, group_map)
        for key, counts in other.token_pairs.items():
            self.token_pairs[key] = _add(self.token_pairs.get(key, np.zeros((0, 0), _I)), counts)
        self.token_totals = _add(self.token_totals, other.token_totals)
        for lid, hist in other.layers.items():
            self.layers[lid] = _add(self.layers.get(lid, np.zeros((0, 0), _I)), hist)
        for key, (shared, per) in other.spans.items():
            got = self.spans.setdefault(key, [0, {}])
            got[0] += shared
            for name, row in per.items():
                got[1][name] = got[1][name] + row if name in got[1] else row
        for name, hist in other.consensus.items():
            self.consensus[name] = _add(self.consensus.get(name, np.zeros((0, 0), _I)), hist)
        self.consensus_units += other.consensus_units
        for coders, sums in other.unitizing.items():
            self._add_unitizing_sums(coders, *sums)

    # ------------------------------------------------------------ the report
    def report(self, min_units: int = MIN_UNITS) -> dict[str, Any]:
        """The report, as :func:`annotator.agreement.report.dataset_report` gives it."""
        from annotator.agreement.report import collect_warnings

        coders = [self.names[i] for i in sorted(self.seen_coders)]
        report: dict[str, Any] = {
            "layer": self.layer,
            "annotators": coders,
            "units_annotated": self.units_annotated,
            "units_shared": self.units_shared,
            "min_units": min_units,
            "labels": sorted(self.labels) if self.labels is not None else None,
        }
        if coders:
            given = self.answers.n_c_m.sum(axis=0)
            cats = sorted(a for a in ANSWERS if a != "ignore" and ANSWERS.index(a) < len(given)
                          and given[ANSWERS.index(a)] > 0)
            co = self.answers.coincidences([ANSWERS.index(a) for a in cats])
            rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), cats, coders, [])
            report["answers"] = {"percent_agreement": percent_agreement(rel, min_units, co).as_dict(),
                                 "krippendorff_alpha": nominal_alpha(co.n_c, co.disagreeing, co.n_units,
                                                                     min_units).as_dict(),
                                 "gwet_ac1": gwet_ac1(co, min_units).as_dict()}
        else:
            report["answers"] = {"percent_agreement": None, "krippendorff_alpha": None, "gwet_ac1": None}
        report["tokens"] = self._token_report(min_units).as_dict()
        report["spans"] = self._span_report(min_units)
        report["unitizing"] = self._unitizing_report()
        report["warnings"] = collect_warnings(report)
        return report

    def _token_report(self, min_units: int) -> TokenAgreement:
        by_name = sorted((self.label_names[c - 1], c) for c in self.token_codes if c != 0)
        order = [0, *(c for _, c in by_name)]
        categories = [OUTSIDE, *(name for name, _ in by_name)]
        coder_ix = sorted(self.token_coders)
        coder_names = [self.names[c] for c in coder_ix]
        rel = Reliability(np.zeros(0, _I), np.zeros(0, _I), np.zeros(0, _I), categories, coder_names, [])
        co = self.tokens.coincidences(order)
        alpha = nominal_alpha(co.n_c, co.disagreeing, co.n_units, min_units)
        pa = percent_agreement(rel, min_units, co)
        per_label: dict[str, Figure] = {}
        ac1_per_label: dict[str, Figure] = {}
        for lid in sorted(self.layers, key=lambda i: self.label_names[i]):
            hist = _pad(self.layers[lid], (len(self.token_totals), len(self.token_totals)))
            hist[:, 0] = self.token_totals - hist[:, 1:].sum(axis=1)  # tokens no coder covers
            co_l = binary_counts(hist)
            per_label[self.label_names[lid]] = nominal_alpha(co_l.n_c, co_l.disagreeing, co_l.n_units, min_units)
            ac1_per_label[self.label_names[lid]] = gwet_ac1(co_l, min_units)
        figures = self.tokens.group_figures(order, min_units)
        per_document = {name: figures[g] for name, g in sorted(self.documents.ix.items())}
        pairs: dict[tuple[str, str], Figure] = {}
        ix = np.asarray(order, dtype=_I)
        for a, b in combinations(coder_ix, 2):
            counts = self.token_pairs.get((a, b), np.zeros((0, 0), _I))
            size = max(len(counts), int(ix.max()) + 1)
            counts = _pad(counts, (size, size))[np.ix_(ix, ix)]
            pair = Coincidences.from_dense({2: counts}, counts.sum(axis=1), int(counts.sum()) // 2)
            pairs[(self.names[a], self.names[b])] = nominal_alpha(pair.n_c, pair.disagreeing, pair.n_units,
                                                                  min_units)
        return TokenAgreement(alpha, pa, per_label, per_document, pairs, coder_names, gwet_ac1(co, min_units),
                              ac1_per_label)

    def _span_report(self, min_units: int) -> dict[str, Any]:
        present = sorted(self.seen_coders)
        pairs = {}
        for a, b in combinations(present, 2):
            shared, per = self.spans.get((a, b), (0, {}))
            pairs[(self.names[a], self.names[b])] = pair_f1(shared, per, min_units)
        out = SpanF1(pairs).as_dict()
        out["consensus"] = consensus_f1(self.consensus, self.consensus_units, min_units)
        return out

    def _unitizing_report(self) -> dict[str, Any] | None:
        present = sorted(self.seen_coders)
        if len(present) < 2:
            return None

        def result(coders: tuple[int, ...]) -> dict[str, Any]:
            n_docs, length, whole, per = self.unitizing[coders]
            return unitizing_from_parts(len(coders), n_docs, length, whole, per)

        pair_alpha_u = {f"{self.names[a]}|{self.names[b]}": result((a, b))["overall"]
                        for a, b in combinations(present, 2)}
        every = tuple(present)
        unitizing = result(every) if every in self.unitizing else result(every[:2])
        unitizing["pairs"] = pair_alpha_u
        return unitizing


def pair_f1(shared: int, per: dict[str, np.ndarray], min_units: int) -> PairF1:
    """:class:`PairF1` from counts per label: spans of a, of b, exact matches, spans of a
    overlapping one of b, of b one of a."""
    exact_pl: dict[str, Figure] = {}
    overlap_pl: dict[str, Figure] = {}
    tot = np.zeros(5, _I)
    for lbl in sorted(per):
        n_a, n_b, exact, ov_a, ov_b = (int(x) for x in per[lbl])
        if n_a + n_b == 0:
            continue
        exact_pl[lbl] = _f1(exact, n_a, exact, n_b, shared, min_units)
        overlap_pl[lbl] = _f1(ov_a, n_a, ov_b, n_b, shared, min_units)
        tot += per[lbl]
    ta, tb, te, oa, ob = (int(x) for x in tot)
    return PairF1(_f1(te, ta, te, tb, shared, min_units), _f1(oa, ta, ob, tb, shared, min_units), exact_pl,
                  overlap_pl)


def unitizing_from_parts(m: int, n_docs: int, length: int, whole: np.ndarray,
                         parts: dict[str, list[Any]]) -> dict[str, Any]:
    """alpha_u of ``m`` coders over ``n_docs`` units of ``length`` characters in all, from the
    summed parts (per label: squared distances, units by length, gaps by length less the
    continua holding a unit of the label)."""
    if n_docs == 0:
        return {"overall": {"value": None, "n_units": 0, "n_values": 0,
                            "warning": "no unit was accepted by all of these annotators"}, "per_label": {}}
    per_label: dict[str, Figure] = {}
    total_o = total_e = 0.0
    total_n = 0
    for lbl in sorted(parts):
        observed, lengths, gaps = parts[lbl]
        d_o, d_e, n = category_disagreements_by_length(float(observed), lengths, _add(whole, gaps), m, length)
        per_label[lbl] = _figure(d_o, d_e, n, n_docs)
        total_o += d_o
        total_e += d_e
        total_n += n
    overall = _figure(total_o, total_e, total_n, n_docs)
    if overall.value is None and not per_label:
        overall.warning = join_warnings("no units at all")
    out = UnitizingResult(overall, per_label).as_dict()
    out["units"] = n_docs
    return out
