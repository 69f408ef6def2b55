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
from annotator.train.config import FEATURE_PIPES
from annotator.train.corpus import make_doc

BEAM_WIDTH = 8


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
        for feature in FEATURE_PIPES:
            if feature in nlp.pipe_names:
                docs = [nlp.get_pipe(feature)(d) for d in docs]
        for name in names:
            ner = nlp.get_pipe(name)
            beams = ner.beam_parse(docs, beam_width=beam_width)
            for k, beam in enumerate(beams):
                parses = ner.moves.get_beam_parses(beam)
                best = max((p for p, _ in parses), default=1.0)
                out[lo + k] = max(out[lo + k], 1.0 - float(best))
    return out


def least_sure_first(model: str | Path | Any, units: Iterable[Unit], *, limit: int | None = None) -> list[UnitUncertainty]:
    """``units`` most uncertain first (ties by unit id). ``model`` is a path, a package name or
    a loaded pipeline. Which units to score (undecided ones) is chosen by the service
    :func:`annotator.training.least_sure_unit_ids`."""
    from annotator.train.loop import load_trained

    nlp = load_trained(model) if isinstance(model, (str, Path)) else model
    pool = list(units)
    scores = unit_uncertainties(nlp, pool)
    ranked = sorted(
        (UnitUncertainty(u.id or 0, round(s, 6)) for u, s in zip(pool, scores)),
        key=lambda x: (-x.uncertainty, x.unit_id),
    )
    return ranked[:limit] if limit is not None else ranked
