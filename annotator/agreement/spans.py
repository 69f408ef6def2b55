"""Agreement on spans: token-level alpha (every token labelled, O included) and pairwise
span F1 (exact and overlapping) per label.

A *version* is one coder's spans on one unit, as ``(start, end, label)`` triples with
end-exclusive offsets. A token takes the label of the shortest span overlapping it (the
innermost when claim spans nest) and ``O`` when no span touches it. Coders who did not
annotate a unit have no version there and count as missing, not as ``O``. Per label, each
label is a binary layer of its own (a token is 1 where any span of the label covers it), so
nested claim spans (a CUE inside a CLAIM) do not hide each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from annotator.agreement.coding import coincidences, gwet_ac1, krippendorff_alpha, percent_agreement
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS, Figure, few_units_warning

OUTSIDE = "O"
SpanTriple = tuple[int, int, str]


@dataclass
class UnitVersions:
    """Every coder's spans on one unit (a sentence, or a whole document)."""

    document: str
    unit: str | int
    tokens: Sequence[tuple[int, int]]  # token (start, end) offsets in the same coordinates
    versions: dict[str, list[SpanTriple]] = field(default_factory=dict)


def token_labels(tokens: Sequence[tuple[int, int]], spans: Iterable[SpanTriple]) -> list[str]:
    """The label of each token: the shortest span overlapping it, else ``O``."""
    labels = [OUTSIDE] * len(tokens)
    best = [0] * len(tokens)
    starts = np.asarray([t[0] for t in tokens], dtype=np.int64)
    ends = np.asarray([t[1] for t in tokens], dtype=np.int64)
    for start, end, label in spans:
        lo = int(np.searchsorted(ends, start, side="right"))
        hi = int(np.searchsorted(starts, end, side="left"))
        length = end - start
        for i in range(lo, hi):
            if best[i] == 0 or length < best[i]:
                labels[i] = label
                best[i] = length
    return labels


@dataclass
class TokenAgreement:
    """Token-level agreement: overall, per label (label vs rest), per document, per pair."""

    alpha: Figure
    percent_agreement: Figure
    per_label: dict[str, Figure]
    per_document: dict[str, Figure]
    pairs: dict[tuple[str, str], Figure]
    coders: list[str]
    gwet_ac1: Figure | None = None
    gwet_ac1_per_label: dict[str, Figure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {
            "alpha": self.alpha.as_dict(),
            "percent_agreement": self.percent_agreement.as_dict(),
            "gwet_ac1": self.gwet_ac1.as_dict() if self.gwet_ac1 is not None else None,
            "gwet_ac1_per_label": {k: v.as_dict() for k, v in self.gwet_ac1_per_label.items()},
            "per_label": {k: v.as_dict() for k, v in self.per_label.items()},
            "per_document": {k: v.as_dict() for k, v in self.per_document.items()},
            "pairs": {f"{a}|{b}": v.as_dict() for (a, b), v in self.pairs.items()},
            "coders": self.coders,
        }


def token_covers(tokens: Sequence[tuple[int, int]], spans: Iterable[SpanTriple], label: str) -> list[int]:
    """1 for each token some span of ``label`` overlaps, else 0: the label as a layer of its
    own, so that nested or overlapping spans of other labels hide nothing."""
    out = [0] * len(tokens)
    for start, end, lbl in spans:
        if lbl == label:
            for i, (ts, te) in enumerate(tokens):
                if ts < end and start < te:
                    out[i] = 1
    return out


def token_reliability(units: Iterable[UnitVersions]) -> tuple[Reliability, np.ndarray, list[str]]:
    """Token labels as reliability data (categories O, then labels by name; coders by name),
    with each value's document index and the document names (sorted)."""
    kept = [uv for uv in units if len(uv.tokens)]
    labels = sorted({lbl for uv in kept for spans in uv.versions.values()
                     for lbl in token_labels(uv.tokens, spans)} - {OUTSIDE})
    label_ix = {lbl: i for i, lbl in enumerate([OUTSIDE, *labels])}
    coder_ix = {c: i for i, c in enumerate(sorted({c for uv in kept for c in uv.versions}))}
    doc_ix = {d: i for i, d in enumerate(sorted({uv.document for uv in kept}))}
    us: list[np.ndarray] = []
    cs: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    ds: list[np.ndarray] = []
    next_token = 0
    for uv in kept:
        n_tok = len(uv.tokens)
        token_ids = np.arange(next_token, next_token + n_tok, dtype=np.int64)
        next_token += n_tok
        for coder, spans in uv.versions.items():
            us.append(token_ids)
            cs.append(np.full(n_tok, coder_ix[coder], dtype=np.int64))
            vs.append(np.asarray([label_ix[lbl] for lbl in token_labels(uv.tokens, spans)], dtype=np.int64))
            ds.append(np.full(n_tok, doc_ix[uv.document], dtype=np.int64))
    cat = lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64)  # noqa: E731
    rel = Reliability.from_codes(cat(us), cat(cs), cat(vs), list(label_ix), list(coder_ix), next_token)
    return rel, cat(ds), list(doc_ix)


def label_layer(units: Sequence[UnitVersions], label: str) -> Reliability:
    """One label as a binary layer: per token and coder, 1 where a span of the label covers it."""
    us: list[int] = []
    cs: list[int] = []
    vs: list[int] = []
    coder_ix: dict[str, int] = {}
    token = 0
    for uv in units:
        for coder, spans in uv.versions.items():
            c = coder_ix.setdefault(coder, len(coder_ix))
            hits = token_covers(uv.tokens, spans, label)
            us.extend(range(token, token + len(hits)))
            cs.extend([c] * len(hits))
            vs.extend(hits)
        token += len(uv.tokens)
    values = np.asarray(vs, dtype=np.int64)
    cats, inverse = np.unique(values, return_inverse=True)
    return Reliability(np.asarray(us, dtype=np.int64), np.asarray(cs, dtype=np.int64), inverse.reshape(-1),
                       [int(c) for c in cats], list(coder_ix), list(range(token)), cats.astype(np.float64))


def token_agreement(units: Iterable[UnitVersions], min_units: int = MIN_UNITS) -> TokenAgreement:
    """Krippendorff's nominal alpha over tokens, overall (a token's label: the shortest span
    over it, else O) and broken down: per label (that label as a binary layer of its own),
    per document, per pair of coders."""
    units = list(units)
    rel, docs, doc_names = token_reliability(units)
    co = coincidences(rel)
    alpha = krippendorff_alpha(rel, "nominal", min_units, co)
    pa = percent_agreement(rel, min_units, co)
    kept = [uv for uv in units if len(uv.tokens)]
    covering = sorted({lbl for uv in kept for spans in uv.versions.values() for s, e, lbl in spans
                       if any(ts < e and s < te for ts, te in uv.tokens)})
    layers = {label: coincidences(label_layer(kept, label)) for label in covering}
    per_label = {label: krippendorff_alpha(Reliability.from_codes([], [], [], [0, 1], [], 0), "nominal", min_units, co_l)
                 for label, co_l in layers.items()}
    per_document = {
        name: krippendorff_alpha(rel.subset(docs == d), "nominal", min_units)
        for d, name in enumerate(doc_names)
    }
    pairs = {
        (rel.coder_names[a], rel.coder_names[b]): krippendorff_alpha(
            rel.subset((rel.coders == a) | (rel.coders == b)), "nominal", min_units
        )
        for a, b in combinations(range(len(rel.coder_names)), 2)
    }
    return TokenAgreement(alpha, pa, per_label, per_document, pairs, rel.coder_names, gwet_ac1(co, min_units),
                          {label: gwet_ac1(co_l, min_units) for label, co_l in layers.items()})


# ---------------------------------------------------------------- span F1
@dataclass
class PairF1:
    """Exact and overlap F1 between two coders, overall (micro) and per label."""

    exact: Figure
    overlap: Figure
    exact_per_label: dict[str, Figure]
    overlap_per_label: dict[str, Figure]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {
            "exact": self.exact.as_dict(),
            "overlap": self.overlap.as_dict(),
            "per_label": {
                lbl: {"exact": self.exact_per_label[lbl].as_dict(), "overlap": self.overlap_per_label[lbl].as_dict()}
                for lbl in sorted(self.exact_per_label)
            },
        }


def _f1(matched_a: int, n_a: int, matched_b: int, n_b: int, n_units: int, min_units: int) -> Figure:
    """F1 from matches on both sides: recall against a, precision against b."""
    details = {"spans_a": n_a, "spans_b": n_b, "matched_a": matched_a, "matched_b": matched_b}
    warn = few_units_warning(n_units, min_units)
    if n_a + n_b == 0:
        return Figure(None, n_units, 0, warn or "no spans on either side", details)
    recall = matched_a / n_a if n_a else 0.0
    precision = matched_b / n_b if n_b else 0.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    details.update(precision=precision, recall=recall)
    return Figure(f1, n_units, n_a + n_b, warn, details)


def _overlap_matches(xs: list[SpanTriple], ys: list[SpanTriple]) -> int:
    """How many spans of ``xs`` overlap some span of ``ys`` with the same label."""
    return sum(1 for s, e, lbl in xs if any(lbl == l2 and s < e2 and s2 < e for s2, e2, l2 in ys))


def pair_f1(units: Sequence[UnitVersions], a: str, b: str, min_units: int = MIN_UNITS) -> PairF1:
    """Span F1 between coders ``a`` and ``b`` over the units both annotated."""
    counts: dict[str, list[int]] = {}  # label -> [n_a, n_b, exact, ov_a, ov_b]
    shared = 0
    for uv in units:
        if a not in uv.versions or b not in uv.versions:
            continue
        shared += 1
        va, vb = uv.versions[a], uv.versions[b]
        for lbl in {s[2] for s in va} | {s[2] for s in vb}:
            xa = [s for s in va if s[2] == lbl]
            xb = [s for s in vb if s[2] == lbl]
            c = counts.setdefault(lbl, [0, 0, 0, 0, 0])
            c[0] += len(xa)
            c[1] += len(xb)
            c[2] += len(set(xa) & set(xb))
            c[3] += _overlap_matches(xa, xb)
            c[4] += _overlap_matches(xb, xa)
    exact_pl = {lbl: _f1(c[2], c[0], c[2], c[1], shared, min_units) for lbl, c in counts.items()}
    overlap_pl = {lbl: _f1(c[3], c[0], c[4], c[1], shared, min_units) for lbl, c in counts.items()}
    tot = [sum(c[i] for c in counts.values()) for i in range(5)]
    return PairF1(
        _f1(tot[2], tot[0], tot[2], tot[1], shared, min_units),
        _f1(tot[3], tot[0], tot[4], tot[1], shared, min_units),
        exact_pl, overlap_pl,
    )


@dataclass
class SpanF1:
    """Pairwise span F1 for every coder pair, and means over pairs."""

    pairs: dict[tuple[str, str], PairF1]

    def mean(self, kind: str, label: str | None = None) -> float | None:
        """Mean F1 over pairs (``kind`` is 'exact' or 'overlap'), overall or for one label."""
        vals: list[float] = []
        for p in self.pairs.values():
            fig = getattr(p, kind) if label is None else getattr(p, f"{kind}_per_label").get(label)
            if fig is not None and fig.value is not None:
                vals.append(fig.value)
        return float(np.mean(vals)) if vals else None

    def labels(self) -> list[str]:
        """Every label seen in any pair."""
        return sorted({lbl for p in self.pairs.values() for lbl in p.exact_per_label})

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form with means overall and per label."""
        rnd = lambda x: None if x is None else round(x, 6)  # noqa: E731
        return {
            "exact": rnd(self.mean("exact")),
            "overlap": rnd(self.mean("overlap")),
            "per_label": {lbl: {"exact": rnd(self.mean("exact", lbl)), "overlap": rnd(self.mean("overlap", lbl))}
                          for lbl in self.labels()},
            "pairs": {f"{a}|{b}": p.as_dict() for (a, b), p in self.pairs.items()},
        }


def span_f1(units: Sequence[UnitVersions], coders: Sequence[str] | None = None,
            min_units: int = MIN_UNITS) -> SpanF1:
    """Pairwise span F1 (exact and overlap) for every pair of ``coders``."""
    names = list(coders) if coders is not None else sorted({c for uv in units for c in uv.versions})
    return SpanF1({(a, b): pair_f1(units, a, b, min_units) for a, b in combinations(names, 2)})


# ---------------------------------------------------------------- consensus F1
#: How the spans of a unit are counted for consensus F1: per label, an array whose cell
#: ``[m, c]`` counts the distinct spans that ``c`` of the unit's ``m`` coders marked.
ConsensusCounts = dict[str, np.ndarray]


def consensus_counts(units: Iterable[UnitVersions]) -> tuple[ConsensusCounts, int]:
    """(:data:`ConsensusCounts` of the units with three or more versions, how many units)."""
    cells: dict[str, dict[tuple[int, int], int]] = {}
    n_units = 0
    for uv in units:
        m = len(uv.versions)
        if m < 3:
            continue
        n_units += 1
        holders: dict[SpanTriple, int] = {}
        for spans in uv.versions.values():
            for s in set(spans):
                holders[s] = holders.get(s, 0) + 1
        for (_, _, lbl), c in holders.items():
            per = cells.setdefault(lbl, {})
            per[(m, c)] = per.get((m, c), 0) + 1
    out: ConsensusCounts = {}
    for lbl, per in cells.items():
        hist = np.zeros((max(m for m, _ in per) + 1, max(c for _, c in per) + 1), dtype=np.int64)
        for (m, c), n in per.items():
            hist[m, c] = n
        out[lbl] = hist
    return out, n_units


def consensus_f1(counts: ConsensusCounts, n_units: int, min_units: int = MIN_UNITS) -> dict[str, object] | None:
    """Exact span F1 of each coder against the consensus of the others, overall (micro) and
    per label, on units with three or more versions: a coder's spans are scored against the
    spans that at least half of the unit's other coders marked (recall: of the coder's spans,
    precision: of the others' consensus). It tells how far a suggester scored against one
    annotator can hope to go: about as far as the other annotators' consensus does. None
    where no unit has three versions (two annotators per unit, the usual overlap, have only
    each other: their pairwise F1 says it)."""
    if n_units == 0:
        return None
    per_label: dict[str, Figure] = {}
    total = np.zeros(3, dtype=np.int64)
    for lbl in sorted(counts):
        hist = counts[lbl]
        m, c = np.indices(hist.shape)
        held = 2 * (c - 1) >= m - 1  # a coder who marked the span: c - 1 of its m - 1 others did
        shown = 2 * c >= m - 1  # a coder who did not: c of its m - 1 others did
        tp, fp, fn = (int((hist * c * held).sum()), int((hist * (m - c) * shown).sum()),
                      int((hist * c * ~held).sum()))
        total += (tp, fp, fn)
        per_label[lbl] = _f1(tp, tp + fn, tp, tp + fp, n_units, min_units)
    tp, fp, fn = (int(x) for x in total)
    return {"exact": _f1(tp, tp + fn, tp, tp + fp, n_units, min_units).as_dict(),
            "per_label": {lbl: fig.as_dict() for lbl, fig in per_label.items()}}
