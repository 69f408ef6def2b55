"""The one custom spaCy component a trained pipeline needs: move ``doc.ents`` into a span group.

A claims recogniser is a plain spaCy ``ner`` trained on CLAIM/SOURCE/CUE; right after it,
``annotator_ents_to_spans`` appends what it found to ``doc.spans["claims"]`` and clears
``doc.ents`` so the entity recogniser that runs later starts from nothing.

spaCy finds the factory through the ``spacy_factories`` entry point declared in
``pyproject.toml`` (so ``spacy.load(DIR)`` works in any process where annotator is
installed); :func:`register` does the same by hand. spaCy is imported only when the factory
is asked for (module ``__getattr__``), never when this module is imported.
"""

from __future__ import annotations

from typing import Any

FACTORY = "annotator_ents_to_spans"
DEFAULT_SPANS_KEY = "claims"

_registered: Any = None


class EntsToSpans:
    """Append the doc's entities to ``doc.spans[spans_key]`` and reset ``doc.ents``."""

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Any) -> Any:
        """Move the entities of ``doc`` into its span group."""
        ents = list(doc.ents)
        group = list(doc.spans[self.spans_key]) if self.spans_key in doc.spans else []
        doc.spans[self.spans_key] = group + ents
        doc.set_ents([], default="missing")
        return doc

    def to_disk(self, path: Any, exclude: Any = ()) -> None:
        """Nothing to save: the component is its config."""

    def from_disk(self, path: Any, exclude: Any = ()) -> EntsToSpans:
        """Nothing to load: the component is its config."""
        return self

    def to_bytes(self, exclude: Any = ()) -> bytes:
        """Nothing to serialise."""
        return b""

    def from_bytes(self, data: bytes, exclude: Any = ()) -> EntsToSpans:
        """Nothing to deserialise."""
        return self


def register() -> Any:
    """Register the ``annotator_ents_to_spans`` factory with spaCy (idempotent)."""
    global _registered
    if _registered is not None:
        return _registered
    from spacy.language import Language

    if Language.has_factory(FACTORY):
        _registered = Language.get_factory_meta(FACTORY).factory
        return _registered

    @Language.factory(FACTORY, default_config={"spans_key": DEFAULT_SPANS_KEY})
    def make_ents_to_spans(nlp: Any, name: str, spans_key: str) -> EntsToSpans:
        return EntsToSpans(name, spans_key)

    _registered = make_ents_to_spans
    return _registered


def __getattr__(name: str) -> Any:
    """``ents_to_spans`` (the entry point's target) registers the factory on first access."""
    if name == "ents_to_spans":
        return register()
    raise AttributeError(name)
