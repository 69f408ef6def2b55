"""Service: the lead's report on a dataset (``annotator report``, the terminal app's "report"
screen). What a project lead asks every week, in one dictionary:

- ``progress``: decisions per annotator per day, seconds per unit, what is left and how long
  it will take at the pace so far;
- ``answers``: agreement on the answer itself (accept or reject), which span figures, over
  accepted units only, do not show;
- ``agreement``: per layer, token alpha and Gwet's AC1, span F1 per annotator pair and label
  (the heatmap), per label (from :func:`annotator.dataset_agreement.dataset_agreement`);
- ``quality``: per layer, each annotator's competence overall and per label from the overlap
  alone (Dawid–Skene over token labels), and precision / recall / F1 against gold where
  gold exists;
- ``review``: the units most worth adjudicating first, by how contested they are, with why;
- ``suggestions``: per suggester and label, how often its spans were accepted as they were,
  changed or deleted, and seconds per unit with and without edits;
- ``trend``: token alpha per batch of units, in the order they were first decided.

It reads every current decision once (pydantic objects), and each decided unit's
suggestions: meant for the datasets a lead reviews (up to about 100,000 units), not for the
million-unit benchmark, whose agreement ``agree --dataset`` measures.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.agreement.acceptance import Acceptance
from annotator.agreement.quality import GoldScore, dawid_skene
from annotator.agreement.report import group_by_unit, unit_versions
from annotator.agreement.coding import krippendorff_alpha
from annotator.agreement.spans import OUTSIDE, UnitVersions, token_covers, token_labels, token_reliability
from annotator.models import Annotation, Unit

LAYERS = ("entities", "claims")
DAY = 86_400.0


@dataclass
class _Unit:
    """What the report keeps of one decided unit."""

    unit: Unit
    document: str
    annotations: list[Annotation]
    first_decided: float
    versions: dict[str, UnitVersions] = field(default_factory=dict)  # per layer


def build_report(store: Any, dataset: str, *, review: int = 15, batches: int = 5,
                 now: float | None = None) -> dict[str, Any]:
    """Every section of the lead's report on ``dataset`` (see the module docstring)."""
    from annotator.dataset_agreement import dataset_agreement

    ds = store.require_dataset(dataset)
    now = time.time() if now is None else now
    names: dict[int | None, str] = {}

    def doc_name(doc_id: int | None) -> str:
        if doc_id not in names:
            doc = store.get_document(doc_id) if doc_id is not None else None
            names[doc_id] = (doc.external_id or doc.title or f"document {doc_id}") if doc else str(doc_id)
        return names[doc_id]

    units: list[_Unit] = []
    for unit, anns in group_by_unit(store.iter_annotations(dataset)):
        doc = doc_name(unit.document_id)
        got = _Unit(unit, doc, anns, min((a.created or now) for a in anns))
        for layer in LAYERS:
            got.versions[layer] = unit_versions(unit, anns, layer, doc)
        units.append(got)
    layers = [layer for layer in LAYERS if any(s.layer == layer for u in units for a in u.annotations
                                                for s in a.spans)] or ["entities"]
    gold = {u.id: g for u, g in store.iter_gold(dataset)}
    fitted = {layer: _fit(units, layer) for layer in layers}
    agreement = {layer: dataset_agreement(store, dataset, layer) for layer in layers}
    return {
        "dataset": ds.name,
        "overlap": ds.overlap,
        "units": store.count_units(dataset),
        "units_decided": len(units),
        "layers": layers,
        "progress": _progress(store, dataset, units, now),
        "answers": _answers(agreement[layers[0]]),
        "agreement": {layer: _agreement(report) for layer, report in agreement.items()},
        "quality": {layer: _quality(units, layer, gold, fitted[layer]) for layer in layers},
        "review": _review(units, review),
        "suggestions": _suggestions(store, units),
        "trend": {layer: _trend(units, layer, batches) for layer in layers},
    }


# ---------------------------------------------------------------- progress
def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _median(xs: Sequence[float]) -> float | None:
    return round(float(statistics.median(xs)), 3) if xs else None


def _progress(store: Any, dataset: str, units: list[_Unit], now: float) -> dict[str, Any]:
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    seconds: dict[str, list[float]] = defaultdict(list)
    for u in units:
        for a in u.annotations:
            per_day[a.annotator][_day(a.created or now)] += 1
            if a.time_spent is not None:
                seconds[a.annotator].append(a.time_spent)
    annotators: dict[str, Any] = {}
    remaining = 0
    for name in sorted(per_day):
        done, total = store.progress(dataset, name)
        remaining += max(total - done, 0)
        annotators[name] = {"decisions": sum(per_day[name].values()), "done": done, "total": total,
                            "per_day": dict(sorted(per_day[name].items())),
                            "seconds_per_unit": _median(seconds[name])}
    days: Counter[str] = Counter()
    for c in per_day.values():
        days.update(c)
    recent = [days[d] for d in sorted(days)[-7:]]
    pace = sum(recent) / len(recent) if recent else 0.0  # decisions per active day, lately
    every = [s for xs in seconds.values() for s in xs]
    per_unit = _median(every)
    return {
        "annotators": annotators,
        "decisions": sum(days.values()),
        "per_day": dict(sorted(days.items())),
        "remaining_decisions": remaining,
        "seconds_per_unit": per_unit,
        "labelling_hours_left": round(remaining * per_unit / 3600.0, 2) if per_unit is not None else None,
        "decisions_per_active_day": round(pace, 1),
        "days_left": round(remaining / pace, 1) if pace else None,
    }


# ---------------------------------------------------------------- agreement
def _answers(report: dict[str, Any]) -> dict[str, Any]:
    """How far annotators agree on the answer itself (accept or reject; ignore left out),
    over the units two or more of them answered: span figures compare accepted units only,
    so a unit one annotator rejected and another accepted shows here and nowhere else."""
    figures = report["answers"]

    def value(name: str) -> float | None:
        fig = figures.get(name)
        return fig["value"] if fig else None
    pct = figures.get("percent_agreement")
    return {"units": pct["n_units"] if pct else 0, "percent_agreement": value("percent_agreement"),
            "alpha": value("krippendorff_alpha"), "ac1": value("gwet_ac1")}


def _agreement(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of an agreement report the lead reads: overall, per label, pair x label."""
    tok, spans = report["tokens"], report["spans"]
    pair_label: dict[str, dict[str, float | None]] = {}
    for key, pair in spans["pairs"].items():
        pair_label[key] = {lbl: f["exact"]["value"] for lbl, f in pair["per_label"].items()}
    vs_others = spans["consensus"]["per_label"] if spans["consensus"] else {}  # none without 3 annotators
    return {
        "annotators": report["annotators"],
        "units_shared": report["units_shared"],
        "token_alpha": tok["alpha"]["value"],
        "token_ac1": (tok.get("gwet_ac1") or {}).get("value"),
        "span_f1_exact": spans["exact"],
        "span_f1_overlap": spans["overlap"],
        "consensus": spans["consensus"] is not None,  # some unit has three or more annotators
        "alpha_u": ((report["unitizing"] or {}).get("overall") or {}).get("value"),
        "per_label": {lbl: {"token_alpha": f["value"],
                            "ac1": tok["gwet_ac1_per_label"].get(lbl, {}).get("value"),
                            "f1_exact": spans["per_label"].get(lbl, {}).get("exact"),
                            "f1_vs_others": vs_others.get(lbl, {}).get("value")}
                      for lbl, f in tok["per_label"].items()},
        "pair_token_alpha": {k: f["value"] for k, f in tok["pairs"].items()},
        "pair_label_f1": pair_label,
    }


# ---------------------------------------------------------------- quality
def _token_items(units: list[_Unit], layer: str) -> tuple[list[tuple[int, int]], list[str], list[str], np.ndarray,
                                                           np.ndarray, np.ndarray]:
    """Tokens of units with two or more versions as Dawid–Skene items: (unit index, token),
    classes (O first, labels by name), annotators, and item, coder, value arrays."""
    items: list[tuple[int, int]] = []
    rows: list[tuple[int, str, str]] = []
    for k, u in enumerate(units):
        uv = u.versions[layer]
        if len(uv.versions) < 2:
            continue
        per = {c: token_labels(uv.tokens, spans) for c, spans in uv.versions.items()}
        for t in range(len(uv.tokens)):
            labels = {per[c][t] for c in per}
            if labels == {OUTSIDE}:
                continue  # O for everyone: carries no information on anyone's competence
            item = len(items)
            items.append((k, t))
            rows += [(item, c, per[c][t]) for c in per]
    classes = [OUTSIDE, *sorted({r[2] for r in rows} - {OUTSIDE})]
    coders = sorted({r[1] for r in rows})
    ci, ki = {c: i for i, c in enumerate(classes)}, {c: i for i, c in enumerate(coders)}
    arr = np.asarray([(i, ki[c], ci[v]) for i, c, v in rows], dtype=np.int64).reshape(-1, 3)
    return items, classes, coders, arr[:, 0], arr[:, 1], arr[:, 2]


def _label_model(units: list[_Unit], layer: str, label: str) -> Any:
    """Dawid–Skene of one label as a binary layer (a token is 1 where a span of the label
    covers it), over the tokens some annotator covers: its recall and precision per
    annotator do not depend on the tokens nobody covers. None with fewer than two annotators."""
    rows: list[tuple[int, str, int]] = []
    n = 0
    for u in units:
        uv = u.versions[layer]
        if len(uv.versions) < 2:
            continue
        per = {c: token_covers(uv.tokens, spans, label) for c, spans in uv.versions.items()}
        for t in range(len(uv.tokens)):
            if any(per[c][t] for c in per):
                rows += [(n, c, per[c][t]) for c in per]
                n += 1
    coders = sorted({r[1] for r in rows})
    if len(coders) < 2:
        return None
    ix = {c: i for i, c in enumerate(coders)}
    arr = np.asarray([(i, ix[c], v) for i, c, v in rows], dtype=np.int64)
    return dawid_skene(arr[:, 0], arr[:, 1], arr[:, 2], ["not " + label, label], coders)


Fit = tuple[list[tuple[int, int]], Any]


def _fit(units: list[_Unit], layer: str) -> Fit:
    """The layer's token items and their Dawid–Skene model (None with fewer than two
    annotators or no item)."""
    items, classes, coders, item, coder, value = _token_items(units, layer)
    if len(coders) < 2 or not items:
        return items, None
    return items, dawid_skene(item, coder, value, classes, coders)


def _quality(units: list[_Unit], layer: str, gold: dict[int | None, Any], fitted: Fit) -> dict[str, Any]:
    items, model = fitted
    out: dict[str, Any] = {"items": len(items), "method": "Dawid-Skene over the tokens some annotator labelled; per label, each label as a binary layer"}
    if model is not None:
        out["competence"] = {c: round(v, 6) for c, v in model.competence().items()}
        per: dict[str, dict[str, Any]] = defaultdict(dict)
        for label in model.classes[1:]:
            binary = _label_model(units, layer, label)
            if binary is None:
                continue
            for name, d in binary.per_label().items():
                per[name][label] = {k: round(x, 6) for k, x in d[label].items()}
        out["per_label"] = dict(sorted(per.items()))
    scores: dict[str, GoldScore] = defaultdict(GoldScore)
    for u in units:
        g = gold.get(u.unit.id)
        if g is None:
            continue
        want = [(s.start, s.end, s.label) for s in g.spans if s.layer == layer]
        for a in u.annotations:
            if a.answer == "accept":
                scores[a.annotator].add(want, [(s.start, s.end, s.label) for s in a.spans if s.layer == layer])
    out["gold"] = {name: {"units": sc.units, **sc.scores()} for name, sc in sorted(scores.items())}
    return out


# ---------------------------------------------------------------- review order
def _review(units: list[_Unit], limit: int) -> list[dict[str, Any]]:
    """The units worth adjudicating first: the head of the review queue in its contested order
    (:mod:`annotator.review_queue`, the order ``annotator review --order contested`` takes),
    each with how contested it is (1 - its confidence) and why it is there."""
    from annotator.review_queue import queue_from_decisions

    by_id = {u.unit.id: u for u in units}
    queue = queue_from_decisions([(u.unit, u.annotations) for u in units], "contested")
    out: list[dict[str, Any]] = []
    for entry in queue.entries[:limit]:
        u = by_id[entry.unit_id]
        contested = None if entry.confidence is None else round(1.0 - entry.confidence, 6)
        out.append({"unit_id": u.unit.id, "document": u.document, "position": u.unit.position,
                    "contested": contested, "text": u.unit.text, "why": entry.reasons[:6]})
    return out


# ---------------------------------------------------------------- suggestions
def _suggestions(store: Any, units: list[_Unit]) -> dict[str, Any]:
    acc = Acceptance()
    for u in units:
        sugs = store.get_suggestions(u.unit.id) if u.unit.id is not None else []
        union = sorted({(s.start, s.end, s.label, s.layer) for sug in sugs for s in sug.spans})
        for a in u.annotations:
            if a.answer == "ignore":
                continue
            decided = [(s.start, s.end, s.label, s.layer) for s in a.spans]
            for sug in sugs:
                acc.add(sug.suggester, [(s.start, s.end, s.label, s.layer) for s in sug.spans], decided, a.answer)
            acc.add_time(a.time_spent, union if sugs else None, decided, a.answer)
    return acc.as_dict()


# ---------------------------------------------------------------- trend
def _trend(units: list[_Unit], layer: str, batches: int) -> list[dict[str, Any]]:
    """Token alpha of each batch of units, in the order they were first decided."""
    shared = sorted((u for u in units if len(u.versions[layer].versions) >= 2), key=lambda u: u.first_decided)
    if not shared:
        return []
    size = max(1, -(-len(shared) // batches))
    out = []
    for b in range(0, len(shared), size):
        part = shared[b: b + size]
        rel, _, _ = token_reliability([u.versions[layer] for u in part])
        fig = krippendorff_alpha(rel, "nominal", 1)
        out.append({"batch": len(out) + 1, "units": len(part), "from": _day(part[0].first_decided),
                    "to": _day(part[-1].first_decided),
                    "token_alpha": round(fig.value, 6) if fig.value is not None else None, "tokens": fig.n_units})
    return out
