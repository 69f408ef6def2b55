"""The agreement report of a dataset: answers, tokens, spans and unitizing, assembled from
(unit, annotations) pairs that the caller reads from the store.

Decisions: an ``accept`` gives a version (its spans of the layer, possibly none); ``reject``
and ``ignore`` give none, so they count as missing for span measures. Answer agreement
treats accept/reject as the values and ignore as missing. A unit counts as *shared* when at
least two annotators accepted it. alpha_u treats each unit as its own stretch of characters
(0 to its length); overall alpha_u uses the units every annotator accepted, and the pair
matrix uses, for each pair, the units both accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import combinations, groupby
from typing import Any

from annotator.agreement.coding import coincidences, gwet_ac1, krippendorff_alpha, percent_agreement
from annotator.agreement.reliability import Reliability
from annotator.agreement.result import MIN_UNITS
from annotator.agreement.spans import UnitVersions, consensus_counts, consensus_f1, span_f1, token_agreement
from annotator.agreement.unitizing import Continuum, Segment, unitizing_alpha
from annotator.models import Annotation, Unit


def group_by_unit(pairs: Iterable[tuple[Unit, Annotation]]) -> Iterator[tuple[Unit, list[Annotation]]]:
    """Group a stream of (unit, annotation) pairs that arrives in unit order."""
    for _, group in groupby(pairs, key=lambda p: p[0].id):
        items = list(group)
        yield items[0][0], [a for _, a in items]


def unit_versions(unit: Unit, annotations: Sequence[Annotation], layer: str, document: str,
                  labels: Collection[str] | None = None) -> UnitVersions:
    """Each accepting annotator's spans of ``layer`` (only ``labels`` when given) on ``unit``."""
    tokens = [(t.start, t.end) for t in unit.token_list()]
    versions = {
        a.annotator: sorted((s.start, s.end, s.label) for s in a.spans
                            if s.layer == layer and (labels is None or s.label in labels))
        for a in annotations
        if a.answer == "accept"
    }
    return UnitVersions(document, unit.id if unit.id is not None else unit.position, tokens, versions)


def _unitizing(shared: list[UnitVersions], coders: Sequence[str], lengths: dict[Any, int]) -> dict[str, Any]:
    """alpha_u over the units all ``coders`` accepted (None when there are none)."""
    segs: list[Segment] = []
    continua: dict[str, Continuum] = {}
    for uv in shared:
        if not all(c in uv.versions for c in coders):
            continue
        key = str(uv.unit)
        continua[key] = Continuum(0, max(lengths[uv.unit], 1))
        for c in coders:
            segs.extend(Segment(key, c, lbl, s, e) for s, e, lbl in uv.versions[c])
    if not continua:
        return {"overall": {"value": None, "n_units": 0, "n_values": 0,
                            "warning": "no unit was accepted by all of these annotators"}, "per_label": {}}
    out = unitizing_alpha(segs, continua, list(coders)).as_dict()
    out["units"] = len(continua)
    return out


def dataset_report(
    pairs: Iterable[tuple[Unit, Annotation]],
    layer: str = "entities",
    document_name: Callable[[int | None], str] | None = None,
    min_units: int = MIN_UNITS,
    labels: Collection[str] | None = None,
) -> dict[str, Any]:
    """Every agreement figure for one layer of a dataset (only ``labels`` when given)."""
    name_of = document_name or (lambda d: str(d))
    answer_triples: list[tuple[Any, str, str | None]] = []
    shared: list[UnitVersions] = []
    lengths: dict[Any, int] = {}
    annotators: set[str] = set()
    n_units = 0
    for unit, anns in group_by_unit(pairs):
        n_units += 1
        for a in anns:
            annotators.add(a.annotator)
            answer_triples.append((unit.id, a.annotator, None if a.answer == "ignore" else a.answer))
        uv = unit_versions(unit, anns, layer, name_of(unit.document_id), labels)
        if len(uv.versions) >= 2:
            shared.append(uv)
            lengths[uv.unit] = len(unit.text)
    coders = sorted(annotators)
    report: dict[str, Any] = {
        "layer": layer,
        "annotators": coders,
        "units_annotated": n_units,
        "units_shared": len(shared),
        "min_units": min_units,
        "labels": sorted(labels) if labels is not None else None,
    }
    rel = Reliability.from_triples(answer_triples) if answer_triples else None
    co = coincidences(rel) if rel else None
    report["answers"] = {
        "percent_agreement": percent_agreement(rel, min_units, co).as_dict() if rel else None,
        "krippendorff_alpha": krippendorff_alpha(rel, "nominal", min_units, co).as_dict() if rel else None,
        "gwet_ac1": gwet_ac1(co, min_units).as_dict() if co else None,
    }
    tokens = token_agreement(shared, min_units)
    report["tokens"] = tokens.as_dict()
    report["spans"] = span_f1(shared, coders, min_units).as_dict()
    report["spans"]["consensus"] = consensus_f1(*consensus_counts(shared), min_units)
    pair_alpha_u: dict[str, Any] = {}
    for a, b in combinations(coders, 2):
        pair_alpha_u[f"{a}|{b}"] = _unitizing(shared, [a, b], lengths)["overall"]
    report["unitizing"] = _unitizing(shared, coders, lengths) if len(coders) >= 2 else None
    if report["unitizing"] is not None:
        report["unitizing"]["pairs"] = pair_alpha_u
    report["warnings"] = collect_warnings(report)
    return report


def collect_warnings(report: dict[str, Any], prefix: str = "") -> list[str]:
    """Every ``warning`` in a nested report, with the path to the figure it belongs to."""
    out: list[str] = []
    if isinstance(report, dict):
        for key, val in report.items():
            if key == "warning" and isinstance(val, str):
                out.append(f"{prefix.rstrip('.')}: {val}")
            elif isinstance(val, dict):
                out.extend(collect_warnings(val, f"{prefix}{key}."))
    return out


def table_report(rel: Reliability, min_units: int = MIN_UNITS) -> dict[str, Any]:
    """The ``agree --table`` report: the issue's keys with plain numbers, plus details."""
    from annotator.agreement.coding import all_measures

    m = all_measures(rel, min_units)
    pairs = m["pairs"]  # type: ignore[index]
    alpha = m["krippendorff_alpha"]  # type: ignore[index]
    out: dict[str, Any] = {
        "percent_agreement": m["percent_agreement"].value,  # type: ignore[union-attr]
        "fleiss_kappa": m["fleiss_kappa"].value,  # type: ignore[union-attr]
        "cohen_kappa": {
            "mean": m["cohen_kappa"].value,  # type: ignore[union-attr]
            "pairs": {f"{a}|{b}": p["cohen_kappa"].value for (a, b), p in pairs.items()},  # type: ignore[union-attr]
        },
        "scott_pi": m["scott_pi"].value,  # type: ignore[union-attr]
        "gwet_ac1": m["gwet_ac1"].value,  # type: ignore[union-attr]
        "gwet_ac2": {kind: f.value for kind, f in m["gwet_ac2"].items()},  # type: ignore[union-attr]
        "krippendorff_alpha": {lvl: (alpha[lvl].value if lvl in alpha else None)  # type: ignore[operator]
                               for lvl in ("nominal", "ordinal", "interval", "ratio")},
        "units": rel.n_units,
        "pairable_units": m["percent_agreement"].n_units,  # type: ignore[union-attr]
        "annotators": rel.coder_names,
        "values": [str(c) for c in rel.categories],
    }
    details = {
        "percent_agreement": m["percent_agreement"].as_dict(),  # type: ignore[union-attr]
        "fleiss_kappa": m["fleiss_kappa"].as_dict(),  # type: ignore[union-attr]
        "scott_pi": m["scott_pi"].as_dict(),  # type: ignore[union-attr]
        "gwet_ac1": m["gwet_ac1"].as_dict(),  # type: ignore[union-attr]
        "gwet_ac2": {kind: f.as_dict() for kind, f in m["gwet_ac2"].items()},  # type: ignore[union-attr]
        "krippendorff_alpha": {lvl: f.as_dict() for lvl, f in alpha.items()},  # type: ignore[union-attr]
        "pairs": {f"{a}|{b}": {k: f.as_dict() for k, f in p.items()} for (a, b), p in pairs.items()},  # type: ignore[union-attr]
    }
    if rel.numeric is None:
        details["note"] = ("values are labels, not numbers: interval and ratio alpha and Gwet's AC2 (weighted) "
                           "do not apply")
    out["details"] = details
    out["warnings"] = sorted(set(collect_warnings(details)))
    return out


def units_report(segments: list[Segment], continua: dict[str, Continuum], min_units: int = MIN_UNITS) -> dict[str, Any]:
    """The ``agree --units`` report: unitizing alpha and pairwise span F1."""
    coders = sorted({s.coder for s in segments})
    res = unitizing_alpha(segments, continua, coders)
    versions: list[UnitVersions] = []
    for doc in continua:
        v: dict[str, list[tuple[int, int, str]]] = {c: [] for c in coders}
        for s in segments:
            if s.document == doc:
                v[s.coder].append((s.start, s.end, s.label))
        versions.append(UnitVersions(doc, doc, [], v))
    f1 = span_f1(versions, coders, min_units)
    f1d = f1.as_dict()
    out: dict[str, Any] = {
        "unitizing_alpha": {
            "overall": res.overall.value,
            "per_label": {k: f.value for k, f in res.per_label.items()},
        },
        "pairwise_f1": {
            "exact": f1d["exact"],
            "overlap": f1d["overlap"],
            "per_label": f1d["per_label"],
            "pairs": {k: {"exact": p["exact"]["value"], "overlap": p["overlap"]["value"]}  # type: ignore[index]
                      for k, p in f1d["pairs"].items()},  # type: ignore[union-attr]
            "consensus": consensus_f1(*consensus_counts(versions), min_units),
        },
        "documents": len(continua),
        "continua": {d: [c.begin, c.end] for d, c in continua.items()},
        "annotators": coders,
        "spans": len(segments),
    }
    details = {"unitizing_alpha": res.as_dict(), "pairwise_f1": f1d["pairs"]}
    out["details"] = details
    out["warnings"] = sorted(set(collect_warnings({"unitizing_alpha": res.as_dict()})))
    return out
