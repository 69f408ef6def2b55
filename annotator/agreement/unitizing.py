"""Krippendorff's unitizing alpha (alpha_u) over a continuum of positions.

Krippendorff (1995, "On the reliability of unitizing continuous data", and 2004): each
coder cuts the continuum, per category, into units of that category and the gaps between
them. Observed disagreement sums, over every pair of coders and every pair of their
sections that overlap, the squared differences of the begins and of the ends when both are
units, the squared length of a unit lying wholly inside the other coder's gap, and 0
otherwise; it is scaled by 2 / (m (m-1) L^2). Expected disagreement considers every way
the observed units could be placed in the observed gaps:

    D_e = 2/L * sum_g [ (N_c - 1)(2 l_g^3 - 3 l_g^2 + l_g)/3
                        + l_g^2 * sum_{gaps h, l_h >= l_g} (l_h - l_g + 1) ]
          / ( m L (m L - 1) - sum_g l_g (l_g - 1) )

over the N_c units g of the category (all coders) and all coders' gaps h. alpha_u(c) is
1 - D_o/D_e; over all categories it is 1 - sum D_o / sum D_e (the same as DKPro's means).

Several documents make one continuum laid end to end (L is their total length) but a gap
never runs across a document boundary. A coder with no unit in a document coded it all as
gap. Units of one category by one coder must not overlap; overlapping ones are merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from annotator.agreement.result import Figure, join_warnings


@dataclass(frozen=True)
class Segment:
    """One coder's unit: [start, end) of a category in a document."""

    document: str
    coder: str
    label: str
    start: int
    end: int


@dataclass
class Continuum:
    """The positions a document's units live on: [begin, end)."""

    begin: int
    end: int

    @property
    def length(self) -> int:
        """How many positions."""
        return self.end - self.begin


@dataclass
class UnitizingResult:
    """alpha_u overall and per category, with the disagreements behind them."""

    overall: Figure
    per_label: dict[str, Figure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"overall": self.overall.as_dict(),
                "per_label": {k: v.as_dict() for k, v in self.per_label.items()}}


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort intervals and merge those that overlap."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _gaps(units: list[tuple[int, int]], cont: Continuum) -> list[int]:
    """Lengths of the non-empty gaps between sorted, non-overlapping units."""
    out: list[int] = []
    pos = cont.begin
    for s, e in units:
        if s > pos:
            out.append(s - pos)
        pos = e
    if cont.end > pos:
        out.append(cont.end - pos)
    return out


def _pair_disagreement(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of squared section distances between two coders' units (each an (n, 2) array)."""
    total = 0.0
    for x, y in ((a, b), (b, a)):
        if len(x) == 0:
            continue
        if len(y) == 0:
            total += float(((x[:, 1] - x[:, 0]).astype(np.float64) ** 2).sum())
            continue
        lo = np.searchsorted(y[:, 1], x[:, 0], side="right")  # first y ending after x starts
        hi = np.searchsorted(y[:, 0], x[:, 1], side="left")  # y starting before x ends
        alone = hi <= lo
        total += float(((x[alone, 1] - x[alone, 0]).astype(np.float64) ** 2).sum())
    # Unit-unit overlaps, counted once.
    if len(a) and len(b):
        lo = np.searchsorted(b[:, 1], a[:, 0], side="right")
        hi = np.searchsorted(b[:, 0], a[:, 1], side="left")
        counts = np.maximum(hi - lo, 0)
        if counts.sum():
            ai = np.repeat(np.arange(len(a)), counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            bi = np.repeat(lo, counts) + offsets
            db = (a[ai, 0] - b[bi, 0]).astype(np.float64)
            de = (a[ai, 1] - b[bi, 1]).astype(np.float64)
            total += float((db**2 + de**2).sum())
    return total


def _category(
    label: str,
    coders: Sequence[str],
    continua: dict[str, Continuum],
    units: dict[tuple[str, str], list[tuple[int, int]]],
) -> tuple[float, float, int]:
    """(observed disagreement, expected disagreement, number of units) of one category."""
    m = len(coders)
    length = sum(c.length for c in continua.values())
    observed = 0.0
    lengths: list[int] = []
    gaps: list[int] = []
    for doc, cont in continua.items():
        per_coder = [units.get((doc, c), []) for c in coders]
        for us in per_coder:
            lengths.extend(e - s for s, e in us)
            gaps.extend(_gaps(us, cont))
        arrays = [np.asarray(us, dtype=np.int64).reshape(-1, 2) for us in per_coder]
        for i, j in combinations(range(m), 2):
            observed += _pair_disagreement(arrays[i], arrays[j])
    return category_disagreements(observed, np.asarray(lengths, dtype=np.float64),
                                  np.asarray(gaps, dtype=np.float64), m, length)


def category_disagreements(observed: float, ls: np.ndarray, gaps: np.ndarray, m: int,
                           length: int) -> tuple[float, float, int]:
    """(D_o, D_e, units) of a category from the summed squared section distances, the unit
    lengths and every gap length (all whole numbers)."""
    if len(ls) == 0:
        return _observed(observed, m, length), 0.0, 0
    li = ls.astype(np.int64)
    top = int(max(gaps.max(initial=0), li.max(initial=0))) + 1
    if top <= 4 * (len(gaps) + len(ls)) + 1024:  # short lengths: count them instead of sorting
        return category_disagreements_counted(observed, li, np.bincount(gaps.astype(np.int64), minlength=top + 1),
                                              m, length)
    gs = np.sort(gaps.astype(np.int64))
    suffix = np.concatenate([np.cumsum(gs[::-1])[::-1], [0]])
    values, counts = np.unique(li, return_counts=True)
    first = np.searchsorted(gs, values, side="left")
    return _disagreements(observed, values, counts, len(gs) - first, suffix[first], m, length)


def category_disagreements_counted(observed: float, ls: np.ndarray, gap_counts: np.ndarray, m: int,
                                   length: int) -> tuple[float, float, int]:
    """:func:`category_disagreements` with the gaps given as counts: ``gap_counts[g]`` gaps
    are ``g`` long (gaps of length 0 may be counted or not: they never weigh)."""
    return category_disagreements_by_length(observed, np.bincount(np.asarray(ls).astype(np.int64)), gap_counts,
                                            m, length)


def category_disagreements_by_length(observed: float, length_counts: np.ndarray, gap_counts: np.ndarray, m: int,
                                     length: int) -> tuple[float, float, int]:
    """:func:`category_disagreements` with the units' lengths and the gaps both given as
    counts by length."""
    length_counts = np.asarray(length_counts).astype(np.int64)
    values = np.nonzero(length_counts)[0]
    if len(values) == 0:
        return _observed(observed, m, length), 0.0, 0
    top = int(values[-1]) + 1
    hist = np.asarray(gap_counts).astype(np.int64)
    if len(hist) < top + 1:
        hist = np.concatenate([hist, np.zeros(top + 1 - len(hist), dtype=np.int64)])
    at_least = np.cumsum(hist[::-1])[::-1]  # gaps >= l
    sum_at_least = np.cumsum((hist * np.arange(len(hist)))[::-1])[::-1]  # their summed length
    return _disagreements(observed, values, length_counts[values], at_least[values], sum_at_least[values], m,
                          length)


def _observed(observed: float, m: int, length: int) -> float:
    return 2.0 * observed / (m * (m - 1.0) * float(length) ** 2)


def _disagreements(observed: float, values: np.ndarray, counts: np.ndarray, count: np.ndarray, total: np.ndarray,
                   m: int, length: int) -> tuple[float, float, int]:
    """(D_o, D_e, units) from the distinct unit lengths ``values`` (``counts`` units each)
    and, for each, how many gaps are at least as long and their summed length.

    Every term of D_e's sums is a whole number (l (l-1) (2l-1) is a multiple of 6), so they
    are added up as Python integers: exact, whatever the order of the units, however many
    (floats lose whole numbers past 2**53, which a million units' cubes pass)."""
    n_c = int(sum(counts.tolist()))
    numerator = 0
    squares = 0
    for l_, c, k, t in zip(values.tolist(), counts.tolist(), count.tolist(), total.tolist()):
        placements = t - k * (l_ - 1)  # sum over gaps >= l of (l_h - l + 1)
        numerator += c * ((n_c - 1) * (l_ * (l_ - 1) * (2 * l_ - 1) // 3) + l_ * l_ * placements)
        squares += c * l_ * (l_ - 1)
    denominator = m * length * (m * length - 1) - squares
    d_e = 2 * numerator / (length * denominator) if denominator > 0 else 0.0  # one rounding
    return _observed(observed, m, length), float(d_e), n_c


def _figure(d_o: float, d_e: float, n_units: int, n_docs: int) -> Figure:
    """alpha_u from its disagreements, None when nothing could disagree."""
    details = {"observed_disagreement": d_o, "expected_disagreement": d_e, "documents": n_docs}
    if n_units == 0:
        return Figure(None, 0, 0, "no units of this category", details)
    if d_e == 0:
        warn = "expected disagreement is 0"
        return Figure(1.0 if d_o == 0 else None, n_units, n_units, warn, details)
    warn = None
    if n_units < 10:
        warn = f"only {n_units} units (fewer than 10): too few to trust"
    return Figure(1.0 - d_o / d_e, n_units, n_units, warn, details)


def unitizing_alpha(
    segments: Iterable[Segment],
    continua: dict[str, Continuum] | None = None,
    coders: Sequence[str] | None = None,
) -> UnitizingResult:
    """alpha_u overall and per label of ``segments``.

    ``continua`` gives each document's [begin, end); by default a document runs from 0 to
    its largest end. ``coders`` defaults to every coder named in ``segments``."""
    segs = list(segments)
    coder_list = list(coders) if coders is not None else sorted({s.coder for s in segs})
    if continua is None:
        continua = {}
        for s in segs:
            c = continua.setdefault(s.document, Continuum(0, s.end))
            c.end = max(c.end, s.end)
    labels = sorted({s.label for s in segs})
    raw: dict[str, dict[tuple[str, str], list[tuple[int, int]]]] = {lbl: {} for lbl in labels}
    for s in segs:
        if s.document not in continua:
            raise ValueError(f"document {s.document!r} has no continuum")
        cont = continua[s.document]
        if s.start < cont.begin or s.end > cont.end or s.end <= s.start:
            raise ValueError(
                f"{s.document}: {s.label} {s.start}-{s.end} is outside the continuum {cont.begin}:{cont.end}"
            )
        raw[s.label].setdefault((s.document, s.coder), []).append((s.start, s.end))
    if len(coder_list) < 2:
        warn = "fewer than two coders: nothing to compare"
        return UnitizingResult(Figure(None, 0, 0, warn), {lbl: Figure(None, 0, 0, warn) for lbl in labels})
    per_label: dict[str, Figure] = {}
    total_o = total_e = 0.0
    total_n = 0
    for lbl in labels:
        units = {k: _merge(v) for k, v in raw[lbl].items()}
        d_o, d_e, n = _category(lbl, coder_list, continua, units)
        per_label[lbl] = _figure(d_o, d_e, n, len(continua))
        total_o += d_o
        total_e += d_e
        total_n += n
    overall = _figure(total_o, total_e, total_n, len(continua))
    if overall.value is None and not labels:
        overall.warning = join_warnings("no units at all")
    return UnitizingResult(overall, per_label)
