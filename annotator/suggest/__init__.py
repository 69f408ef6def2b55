"""Suggesters: spans proposed before a person looks. Never gold; stored apart.

Interface (the import pipeline, ``annotator suggest`` and the UI rely on it):

- ``build_suggesters(scheme, *, model=None, patterns=None, gazetteer=None) -> list[Suggester]``
- a ``Suggester`` has ``name``, ``version`` and ``suggest(units) -> list[Suggestion]`` (one per
  unit, in order; empty spans allowed);
- ``merge(suggestions) -> Suggestion`` resolves overlaps deterministically and keeps each
  span's ``source`` and ``score``.

The suggesters live one per module: ``rules`` (news rules), ``claims`` (attribution),
``gazetteer`` (fuzzy names), ``patterns`` (spaCy/Prodigy pattern files), ``model`` (any spaCy
pipeline); ``merging`` holds the merge and ``labels`` the mapping onto a scheme's labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from annotator.models import Scheme, Suggestion, Unit


class Suggester(Protocol):
    name: str
    version: str

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        ...


def build_suggesters(
    scheme: Scheme,
    *,
    model: str | None = None,
    patterns: Path | None = None,
    gazetteer: Sequence[tuple[str, str]] | None = None,
) -> list[Suggester]:
    """The suggesters for a scheme, most trusted first: patterns, model, gazetteer, news
    rules, claims (left out when the model is a claims pipeline trained by annotator, whose
    recognisers take the rules' spans as a feature). ``gazetteer`` is (name, label) pairs, e.g. from :func:`gold_names`."""
    from annotator.suggest.claims import Claims
    from annotator.suggest.rules import NewsRules

    out: list[Suggester] = []
    model_claims = False
    if patterns is not None:
        from annotator.suggest.patterns import PatternSuggester

        out.append(PatternSuggester(scheme, Path(patterns)))
    if model is not None:
        from annotator.suggest.model import ModelSuggester

        trained = ModelSuggester(scheme, model)
        model_claims = trained.predicts_claims
        out.append(trained)
    if gazetteer:
        from annotator.suggest.gazetteer import Gazetteer

        out.append(Gazetteer(scheme, gazetteer))
    out.append(NewsRules(scheme))
    claims = Claims(scheme)
    if claims.enabled and not model_claims:  # a claims pipeline trained here already sees the rules
        out.append(claims)
    return out


def merge(suggestions: Sequence[Suggestion]) -> Suggestion:
    """One suggestion from several: non-overlapping entities chosen by suggester priority,
    score, length and position; claims and relations kept (see :mod:`annotator.suggest.merging`)."""
    from annotator.suggest.merging import merge_suggestions

    return merge_suggestions(suggestions)


def suggest_merged(suggesters: Sequence[Suggester], units: Sequence[Unit]) -> list[Suggestion]:
    """Run every suggester over ``units`` and merge per unit."""
    per = [s.suggest(units) for s in suggesters]
    return [merge([p[k] for p in per]) for k in range(len(units))]
