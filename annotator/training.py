"""Training use cases that need the store: a dataset's model suggestions and its queue order.

The ``train`` package works on records and units; this service reads them from the store
and writes what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.gold import undecided_units
from annotator.models import Unit
from annotator.store import Store

BATCH = 256
POOL = 5000  # undecided units scored per call of least_sure_unit_ids


def apply_model(store: Store, dataset: str, model_dir: str | Path, units: Iterable[Unit] | None = None) -> int:
    """Store the model's suggestions for the units nobody has labelled yet (or ``units``);
    returns how many units were processed."""
    from annotator.train.background import suggest_with, suggester_name
    from annotator.train.loop import load_trained

    nlp = load_trained(model_dir)
    name = suggester_name(model_dir)
    version = str(nlp.meta.get("version", "1"))
    pending: list[Unit] = []
    n = 0
    for unit in units if units is not None else undecided_units(store, dataset):
        pending.append(unit)
        if len(pending) >= BATCH:
            n += store.put_suggestions(suggest_with(nlp, pending, name, version))
            pending = []
    if pending:
        n += store.put_suggestions(suggest_with(nlp, pending, name, version))
    return n


def least_sure_unit_ids(store: Store, dataset: str, model: str | Path | Any, *, annotator: str | None = None,
                        limit: int | None = None, pool: int | None = POOL) -> list[int]:
    """Unit ids of ``dataset`` not yet decided (by ``annotator``, or anyone) and without gold,
    most uncertain first; only the first ``pool`` such units (by id) are scored."""
    from annotator.train.uncertainty import least_sure_first

    units = list(undecided_units(store, dataset, annotator=annotator, limit=pool))
    return [u.unit_id for u in least_sure_first(model, units, limit=limit)]
