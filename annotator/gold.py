"""The truth a dataset holds, per unit: what `annotator train` learns from and `evaluate` scores.

A unit's truth is its adjudicated gold when there is some; otherwise the decision of one
annotator — per document, the first annotator by name who decided any of its units, so a
document is read consistently; a unit that annotator left undecided takes the first other
annotator's decision. Only accepted versions count: rejected and ignored units, and units
nobody decided, are left out (they are not "no spans").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from annotator.models import Unit
from annotator.store import Store
from annotator.train.corpus import Record


def gold_records(store: Store, dataset: str, *, limit: int | None = None) -> list[Record]:
    """Every unit of ``dataset`` with an accepted truth, in unit order (see the module doc)."""
    store.require_dataset(dataset)
    records: dict[int, Record] = {}
    adjudicated: set[int] = set()
    for unit, gold in store.iter_gold(dataset):
        assert unit.id is not None
        adjudicated.add(unit.id)
        if gold.answer == "accept":
            records[unit.id] = Record(unit, list(gold.spans), "gold", relations=list(gold.relations))
    chosen: dict[int | None, str] = {}  # document -> annotator whose decisions it takes
    decided: dict[int, dict[str, tuple[Unit, Any]]] = {}  # unit -> annotator -> (unit, decision)
    for unit, ann in store.iter_annotations(dataset):
        if unit.id is None or unit.id in adjudicated:
            continue
        doc = unit.document_id
        if doc not in chosen or ann.annotator < chosen[doc]:
            chosen[doc] = ann.annotator
        decided.setdefault(unit.id, {})[ann.annotator] = (unit, ann)
    for unit_id, by_annotator in decided.items():
        unit = next(iter(by_annotator.values()))[0]
        first = chosen[unit.document_id]
        name = first if first in by_annotator else min(by_annotator)
        _, ann = by_annotator[name]
        if ann.answer == "accept":
            records[unit_id] = Record(unit, list(ann.spans), name, relations=list(ann.relations))
    out = [records[k] for k in sorted(records)]
    return out[:limit] if limit is not None else out


def scheme_labels(store: Store, dataset: str) -> dict[str, list[str]] | None:
    """Claims labels to train for ``dataset``: its scheme's (CLAIM, SOURCE, CUE for news), so
    that imported extras such as PolNeAR's Attribution/Discuss stay out; entities are not
    restricted. None when the scheme cannot be loaded or has no claims labels."""
    from annotator.schemes import load_scheme

    ds = store.require_dataset(dataset)
    try:
        scheme = load_scheme(ds.scheme)
    except Exception:  # a scheme file that moved away: train on what the data holds
        return None
    claims = scheme.label_names("claims")
    return {"claims": claims} if claims else None


def undecided_units(store: Store, dataset: str, *, annotator: str | None = None,
                    limit: int | None = None) -> Iterator[Unit]:
    """Units of ``dataset`` with no gold and no decision (by ``annotator``, or by anyone when
    None), in unit order; at most ``limit``."""
    done: set[int] = {u.id for u, _ in store.iter_gold(dataset) if u.id is not None}
    done.update(u.id for u, _ in store.iter_annotation_rows(dataset, annotator=annotator) if u.id is not None)
    n = 0
    for unit in store.iter_units(dataset):
        if unit.id not in done:
            yield unit
            n += 1
            if limit is not None and n >= limit:
                return
