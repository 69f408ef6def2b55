"""Model: any spaCy pipeline, by installed package name or by path (including pipelines this
project trains). spaCy is imported when the suggester is built, never at module import.

Entities come from ``doc.ents``; spans in ``doc.spans`` whose label is a claims label of the
scheme (CLAIM, SOURCE, CUE) go on the claims layer. Labels are mapped onto the scheme
(e.g. PER -> PERSON for the news scheme, PERSON -> PER for conll); unknown labels are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator.errors import UserError
from annotator.models import Scheme, Span, Suggestion, Unit
from annotator.suggest.labels import entity_label_map
from annotator.suggest.text import unit_tokens

#: CoNLL labels a pipeline trained on CoNLL may emit, for the news scheme.
CONLL_TO_NEWS: dict[str, str] = {"PER": "PERSON", "LOC": "GPE"}


def load_pipeline(model: str) -> Any:
    """Load a spaCy pipeline by package name or path; a clear error when it cannot be."""
    import spacy

    try:
        return spacy.load(Path(model) if Path(model).exists() else model)
    except (OSError, ValueError, ImportError) as e:
        first = str(e).splitlines()[0] if str(e) else e.__class__.__name__
        raise UserError(f"cannot load spaCy pipeline {model!r}: {first}") from None


class ModelSuggester:
    """Entities (and claim spans) predicted by a spaCy pipeline."""

    def __init__(self, scheme: Scheme, model: str, batch_size: int = 256) -> None:
        """Load ``model`` now, so that a bad name fails before any work is done."""
        self.nlp = load_pipeline(model)
        meta = getattr(self.nlp, "meta", {}) or {}
        self.name = f"model:{meta.get('name') or Path(model).name}"
        self.version = str(meta.get("version") or "0")
        self.batch_size = batch_size
        self.label_map = entity_label_map(scheme)
        names = set(scheme.label_names("entities"))
        for src, dst in CONLL_TO_NEWS.items():
            if dst in names:
                self.label_map.setdefault(src, dst)
        self.claim_labels = set(scheme.label_names("claims"))

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        out: list[Suggestion] = []
        docs = self.nlp.pipe((u.text for u in units), batch_size=self.batch_size)
        for unit, doc in zip(units, docs):
            toks = unit_tokens(unit)
            spans: list[Span] = []
            for ent in doc.ents:
                label = self.label_map.get(ent.label_)
                if label is None:
                    continue
                made = toks.char_span(ent.start_char, ent.end_char, label, self.name, 0.9)
                if made is not None and all(made.end <= s.start or made.start >= s.end for s in spans):
                    spans.append(made)
            for key in doc.spans:
                for sp in doc.spans[key]:
                    if sp.label_ in self.claim_labels:
                        made = toks.char_span(sp.start_char, sp.end_char, sp.label_, self.name, 0.9, layer="claims")
                        if made is not None and made not in spans:
                            spans.append(made)
            spans.sort(key=lambda s: (s.start, s.end, s.layer))
            out.append(Suggestion(unit_id=unit.id, suggester=self.name, version=self.version, spans=spans))
        return out
