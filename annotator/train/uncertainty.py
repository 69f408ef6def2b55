"""Least-sure-first: order units by how unsure the current model is about them.

For each ``ner`` component of a pipeline trained here, a small beam search gives the
probability of its best analysis of a unit; a unit's uncertainty is ``1 - p(best)`` of its
least sure component (0: the model is certain; near 1: many analyses compete). Labelling the
most uncertain units first teaches the next model the most per keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.models import Unit
from annotator.store import Store
from annotator.train.config import LEXICON_PIPE
from annotator.train.corpus import make_doc

BEAM_WIDTH = 8
POOL = 5000  # undecided units scored per call


@dataclass
class UnitUncertainty:
    """How unsure the model is about one unit."""

    unit_id: int
    uncertainty: float


def ner_components(nlp: Any) -> list[str]:
    """Names of the pipeline's entity-recogniser components."""
    from spacy.pipeline import EntityRecognizer

    return [name for name, proc in nlp.pipeline if isinstance(proc, EntityRecognizer)]


def unit_uncertainties(nlp: Any, units: Sequence[Unit], beam_width: int = BEAM_WIDTH, batch_size: int = 64) -> list[float]:
    """``1 - p(best analysis)`` of the least sure component, for each unit, in order."""
    names = ner_components(nlp)
    out = [0.0] * len(units)
    for lo in range(0, len(units), batch_size):
        chunk = units[lo : lo + batch_size]
        docs = [make_doc(nlp.vocab, u.token_list()) for u in chunk]
        if LEXICON_PIPE in nlp.pipe_names:
            docs = [nlp.get_pipe(LEXICON_PIPE)(d) for d in docs]
        for name in names:
            ner = nlp.get_pipe(name)
            beams = ner.beam_parse(docs, beam_width=beam_width)
            for k, beam in enumerate(beams):
                parses = ner.moves.get_beam_parses(beam)
                best = max((p for p, _ in parses), default=1.0)
                out[lo + k] = max(out[lo + k], 1.0 - float(best))
    return out


def least_sure_first(
    store: Store,
    dataset: str,
    model: str | Path | Any,
    *,
    annotator: str | None = None,
    limit: int | None = None,
    units: Iterable[Unit] | None = None,
    pool: int | None = POOL,
) -> list[UnitUncertainty]:
    """Units of ``dataset`` not yet decided (by ``annotator``, or by anyone when None) and
    without gold, most uncertain first (ties by unit id). Only the first ``pool`` such units
    (by id) are scored, so a million-unit dataset costs one window at a time; ``units``
    scores exactly those instead. ``model`` is a path, a package name or a loaded pipeline."""
    from annotator.train.loop import load_trained

    nlp = load_trained(model) if isinstance(model, (str, Path)) else model
    if units is None:
        units = _undecided(store, dataset, annotator, pool)
    pool = list(units)
    scores = unit_uncertainties(nlp, pool)
    ranked = sorted(
        (UnitUncertainty(u.id or 0, round(s, 6)) for u, s in zip(pool, scores)),
        key=lambda x: (-x.uncertainty, x.unit_id),
    )
    return ranked[:limit] if limit is not None else ranked


def least_sure_unit_ids(store: Store, dataset: str, model: str | Path | Any, *,
                        annotator: str | None = None, limit: int | None = None, pool: int | None = POOL) -> list[int]:
    """Just the unit ids of :func:`least_sure_first`, in queue order."""
    return [u.unit_id for u in least_sure_first(store, dataset, model, annotator=annotator, limit=limit, pool=pool)]


def _undecided(store: Store, dataset: str, annotator: str | None, pool: int | None) -> list[Unit]:
    """The first ``pool`` units with no gold and no decision (by ``annotator``, or anyone)."""
    done: set[int] = {u.id for u, _ in store.iter_gold(dataset) if u.id is not None}
    done.update(u.id for u, _ in store.iter_annotation_rows(dataset, annotator=annotator) if u.id is not None)
    out: list[Unit] = []
    for u in store.iter_units(dataset):
        if u.id not in done:
            out.append(u)
            if pool is not None and len(out) >= pool:
                break
    return out
