"""Mathet et al.'s gamma (2015, "The unified and holistic method gamma for inter-annotator
agreement measure and alignment", Computational Linguistics 41(3)) for spans, overall and per
label, through pygamma-agreement (Titeux and Riad's implementation, checked against the
authors' Java one).

gamma aligns the annotators' units (each unit with at most one of each other annotator's, or
with nothing) so that the total disorder is least — positional dissimilarity of the
boundaries plus categorical dissimilarity of the labels, weighed by ``alpha`` and ``beta`` —
and compares that disorder with the disorder of continua sampled at random from the same
annotations: gamma = 1 - observed / expected. The sampling makes it an estimate
(``precision_level``); a fixed ``seed`` makes it repeatable.

pygamma-agreement is an optional extra (``pip install 'annotator[gamma]'``): it brings cvxpy
and numba, hundreds of megabytes and a minute of compiling on first import. Without it,
:func:`span_gamma` raises :class:`GammaUnavailable` with that instruction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from annotator.agreement.unitizing import Continuum, Segment

MISSING = ("gamma needs the optional extra: pip install 'annotator[gamma]' "
           "(pygamma-agreement, which brings cvxpy and numba)")


class GammaUnavailable(RuntimeError):
    """pygamma-agreement is not installed."""


def gamma_available() -> bool:
    """Whether pygamma-agreement can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("pygamma_agreement") is not None


def span_gamma(segments: Iterable[Segment], continua: dict[str, Continuum] | None = None, *, alpha: float = 3.0,
               beta: float = 1.0, delta_empty: float = 1.0, precision_level: float = 0.05, fast: bool = False,
               sampler: str = "statistical", seed: int = 0) -> dict[str, Any]:
    """gamma, gamma_cat and gamma per label of ``segments``; documents (with their
    ``continua``, by default 0 to their largest end) are laid end to end on one axis.
    pygamma's defaults for the dissimilarity (alpha 3, beta 1, delta_empty 1) are the
    paper's. ``sampler``: how random continua are drawn for the expected disorder,
    "statistical" (pygamma's default: units drawn from the observed distributions) or
    "shuffle" (the annotations' own units shuffled, as in the paper)."""
    if not gamma_available():
        raise GammaUnavailable(MISSING)
    import numpy as np
    from pyannote.core import Segment as Interval
    from pygamma_agreement import CombinedCategoricalDissimilarity
    from pygamma_agreement import Continuum as GammaContinuum

    segs = list(segments)
    if continua is None:
        continua = {}
        for s in segs:
            c = continua.setdefault(s.document, Continuum(0, s.end))
            c.end = max(c.end, s.end)
    offset: dict[str, int] = {}
    at = 0
    for doc in sorted(continua):
        offset[doc] = at - continua[doc].begin
        at += continua[doc].length
    cont = GammaContinuum()
    for s in segs:
        if s.document not in offset:
            raise ValueError(f"document {s.document!r} has no continuum")
        cont.add(s.coder, Interval(s.start + offset[s.document], s.end + offset[s.document]), s.label)
    coders = sorted({s.coder for s in segs})
    labels = sorted({s.label for s in segs})
    out: dict[str, Any] = {"gamma": None, "gamma_cat": None, "per_label": {}, "annotators": coders,
                           "units": len(segs), "documents": len(continua),
                           "parameters": {"alpha": alpha, "beta": beta, "delta_empty": delta_empty,
                                          "precision_level": precision_level, "fast": fast, "sampler": sampler,
                                          "seed": seed}}
    if len(coders) < 2 or not segs:
        out["warning"] = "gamma needs spans from two or more annotators"
        return out
    np.random.seed(seed)
    dissim = CombinedCategoricalDissimilarity(alpha=alpha, beta=beta, delta_empty=delta_empty)
    if sampler not in ("statistical", "shuffle"):
        raise ValueError(f"unknown sampler {sampler!r}; use statistical or shuffle")
    if sampler == "shuffle":
        from pygamma_agreement.sampler import ShuffleContinuumSampler

        result = cont.compute_gamma(dissim, precision_level=precision_level, fast=fast,
                                    sampler=ShuffleContinuumSampler())
    else:
        result = cont.compute_gamma(dissim, precision_level=precision_level, fast=fast)
    out["gamma"] = float(result.gamma)
    out["observed_disorder"] = float(result.observed_disorder)
    out["expected_disorder"] = float(result.expected_disorder)
    out["unitary_alignments"] = len(result.best_alignment.unitary_alignments)
    if len(labels) > 1:
        out["gamma_cat"] = float(result.gamma_cat)
    out["per_label"] = {lbl: float(result.gamma_k(lbl)) for lbl in labels}
    return out
