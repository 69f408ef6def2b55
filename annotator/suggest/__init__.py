"""Suggesters: spans proposed before a person looks. Never gold; stored apart.

Interface (the import pipeline, ``annotator suggest`` and the UI rely on it):

- ``build_suggesters(scheme, *, model=None, patterns=None, gazetteer=None) -> list[Suggester]``
- a ``Suggester`` has ``name``, ``version`` and ``suggest(units) -> list[Suggestion]`` (one per
  unit, in order; empty spans allowed);
- ``merge(suggestions) -> Suggestion`` resolves overlaps deterministically and keeps each
  span's ``source`` and ``score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from annotator.models import Scheme, Suggestion, Unit


class Suggester(Protocol):
    name: str
    version: str

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]: ...


def build_suggesters(
    scheme: Scheme,
    *,
    model: str | None = None,
    patterns: Path | None = None,
    gazetteer: Sequence[tuple[str, str]] | None = None,
) -> list[Suggester]:
    """The suggesters for a scheme (filled in by the suggestions work)."""
    return []


def merge(suggestions: Sequence[Suggestion]) -> Suggestion:
    """Union of the suggesters' spans (replaced by the deterministic merge)."""
    spans = [s for sug in suggestions for s in sug.spans]
    rels = [r for sug in suggestions for r in sug.relations]
    unit_id = suggestions[0].unit_id if suggestions else None
    return Suggestion(unit_id=unit_id, suggester="merged", spans=spans, relations=rels)
