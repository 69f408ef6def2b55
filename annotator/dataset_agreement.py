"""Service: the agreement report of one layer of a dataset, read from the store.

One path: the dataset's decisions and units are read as packed columns a stretch of unit
ids at a time (:func:`annotator.store.agreement_rows.iter_chunks`), their whole-number sums
added up (:class:`annotator.agreement.sums.DatasetSums`) — in several forked processes for
a large dataset on a machine with several cores — and the figures made once at the end.
Decisions stored without their packed columns (a damaged row) are read from their stored
annotations instead, into the same arrays and the same sums.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from annotator.agreement.parallel import MissingColumns, WorkerFailed, ranges_sums, sums_of
from annotator.agreement.result import MIN_UNITS
from annotator.models import Annotation, Unit
from annotator.processes import fork_safe

#: Unit ids per chunk: a chunk's arrays fit the processor's caches better than a whole
#: dataset's, and memory stays flat in the dataset's size.
CHUNK_UNITS = 25_000
#: From how many units a dataset is measured by several processes at once (one per core).
PARALLEL_UNITS = 200_000


def workers() -> int:
    """How many processes may measure at once: the cores this process may use, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def measuring_processes(n_units: int) -> int:
    """How many processes measure a dataset of ``n_units`` units here."""
    return workers() if n_units >= PARALLEL_UNITS and fork_safe() else 1


def dataset_agreement(store: Any, dataset: str, layer: str = "entities", min_units: int = MIN_UNITS,
                      labels: list[str] | None = None) -> dict[str, Any]:
    """Every agreement figure of one layer of a dataset (only ``labels`` when given)."""
    from annotator.store import open_store
    from annotator.store.agreement_rows import dataset_annotators, document_names, iter_chunks, unit_id_ranges

    ds = store.require_dataset(dataset)
    names = dataset_annotators(store, ds.id)
    procs = measuring_processes(store.count_units(dataset))
    # a database other processes can open: a file, or a PostgreSQL server
    on_disk = store.engine == "postgresql" or os.path.isfile(store.path)
    ranges = unit_id_ranges(store, ds.id, procs if on_disk else 1)
    doc_names = document_names(store, ds.id)  # read once; forked workers share it

    def chunks_of(lo: int, hi: int) -> Iterator[Any]:
        if procs == 1 or not on_disk:
            yield from iter_chunks(store, ds.id, span=CHUNK_UNITS, lo=lo, hi=hi, names=doc_names)
            return
        own = open_store(store.path, create=False)
        try:
            yield from iter_chunks(own, ds.id, span=CHUNK_UNITS, lo=lo, hi=hi, names=doc_names)
        finally:
            own.close()

    try:
        try:
            sums = ranges_sums(ranges, chunks_of, names, layer, labels, processes=procs if on_disk else 1)
        except WorkerFailed:  # a worker died (out of memory, killed): the same sums, here
            sums = ranges_sums(ranges, chunks_of, names, layer, labels, processes=1)
    except MissingColumns:
        decisions, units = arrays_of(store.iter_annotations(dataset), doc_names)
        sums = sums_of([(decisions, units)], names, layer, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **sums.report(min_units)}


def dataset_gamma(store: Any, dataset: str, layer: str = "entities", labels: list[str] | None = None,
                  **options: Any) -> dict[str, Any]:
    """Mathet et al.'s gamma over the units two or more annotators accepted, each unit a stretch
    of its own (as alpha_u), the spans of ``layer`` (only ``labels`` when given);
    :func:`annotator.agreement.gamma.span_gamma` with ``options``."""
    from annotator.agreement.gamma import span_gamma
    from annotator.agreement.report import group_by_unit
    from annotator.agreement.unitizing import Continuum, Segment

    segments: list[Segment] = []
    continua: dict[str, Continuum] = {}
    for unit, anns in group_by_unit(store.iter_annotations(dataset)):
        accepted = [a for a in anns if a.answer == "accept"]
        if len(accepted) < 2:
            continue
        key = f"{unit.id:012d}"
        continua[key] = Continuum(0, max(len(unit.text), 1))
        segments += [Segment(key, a.annotator, s.label, s.start, s.end) for a in accepted for s in a.spans
                     if s.layer == layer and (labels is None or s.label in labels)]
    return span_gamma(segments, continua, **options)


def arrays_of(pairs: Iterable[tuple[Unit, Annotation]], doc_names: dict[int, str]) -> tuple[Any, Any]:
    """(Decisions, Units) as :mod:`annotator.store.agreement_rows` reads them, from (unit,
    annotation) pairs in unit order: for decisions whose packed columns are missing."""
    from annotator.store.agreement_rows import Decisions, Units

    label_ids: dict[tuple[str, str], int] = {}
    answers = {"accept": 0, "reject": 1, "ignore": 2}
    rows: list[tuple[int, str, int, list[tuple[int, int, int]]]] = []
    units: dict[int, Unit] = {}
    for unit, ann in pairs:
        uid = unit.id or 0
        units[uid] = unit
        spans = sorted((s.start, s.end, s.label, s.layer) for s in ann.spans)
        rows.append((uid, ann.annotator, answers[ann.answer],
                     [(a, b, label_ids.setdefault((lay, lab), len(label_ids))) for a, b, lab, lay in spans]))
    rows.sort(key=lambda r: (r[0], r[1]))
    names = sorted({r[1] for r in rows})
    coder = {n: i for i, n in enumerate(names)}
    triples = [t for r in rows for t in r[3]]
    decisions = Decisions(
        np.asarray([r[0] for r in rows], dtype=np.int64), np.asarray([coder[r[1]] for r in rows], dtype=np.int64),
        names, np.asarray([r[2] for r in rows], dtype=np.int64), np.asarray([len(r[3]) for r in rows], dtype=np.int64),
        np.asarray(triples, dtype=np.int64).reshape(-1, 3), {i: key for key, i in label_ids.items()})
    ids = sorted(units)
    tokens = [[(t.start, t.end) for t in units[u].token_list()] for u in ids]
    flat = [b for toks in tokens for b in toks]
    return decisions, Units(
        np.asarray(ids, dtype=np.int64), np.asarray([units[u].document_id or 0 for u in ids], dtype=np.int64),
        np.asarray([len(units[u].text) for u in ids], dtype=np.int64),
        np.asarray([len(t) for t in tokens], dtype=np.int64), np.asarray(flat, dtype=np.int64).reshape(-1, 2),
        doc_names)
