"""Model: any spaCy pipeline, by installed package name or by path (including pipelines this
project trains). spaCy is imported when the suggester is built, never at module import.

Entities come from ``doc.ents``; spans in ``doc.spans`` whose label is a claims label of the
scheme (CLAIM, SOURCE, CUE) go on the claims layer.

Labels go through the scheme (:func:`model_label_map`): a pipeline whose entity labels are all
the scheme's is used as it is; one trained on another scheme (CoNLL's PER/ORG/LOC/MISC on a
news dataset) is recognised by its labels and mapped by the scheme's ``[maps.<other>]`` table
(news: PER -> PERSON, LOC -> GPE, MISC dropped); labels neither covers are dropped. Any
mapping or dropping is said once, as a :class:`LabelMappingWarning`, never done silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from annotator.errors import UserError
from annotator.models import Scheme, Span, Suggestion, Unit
from annotator.suggest.claims import link_attributions
from annotator.suggest.text import unit_tokens

#: spaCy factories whose labels are entity labels.
ENTITY_FACTORIES = frozenset({"ner", "beam_ner", "entity_ruler"})


class LabelMappingWarning(UserWarning):
    """A model's labels were mapped onto the scheme, or dropped."""


def model_label_map(scheme: Scheme, model_labels: Iterable[str], model: str = "the model") -> tuple[dict[str, str], str | None]:
    """(model entity label -> scheme label, a one-line note or None when the model speaks the
    scheme's labels). Labels missing from the map are dropped."""
    names = set(scheme.label_names("entities"))
    labels = set(model_labels) - set(scheme.label_names("claims"))
    foreign = labels - names
    if not foreign:
        return {label: label for label in names}, None
    best = max(scheme.maps.items(), key=lambda kv: (len(labels & kv[1].keys()), kv[0]), default=None)
    if best is not None and labels <= best[1].keys():
        other, table = best
        mapping = {src: dst for src, dst in table.items() if dst and src in labels}
        dropped = sorted(labels - mapping.keys())
        shown = ", ".join(f"{src}->{dst}" for src, dst in sorted(mapping.items()))
        note = (f"{model} has {other} labels; mapped through the {scheme.name} scheme's [maps.{other}]: {shown}"
                + (f"; dropped {', '.join(dropped)}" if dropped else ""))
        return mapping, note
    mapping = {label: label for label in labels & names}
    note = (f"{model} has labels the {scheme.name} scheme does not ({', '.join(sorted(foreign))}): they are "
            f"dropped (a [maps.NAME] table in the scheme file can map them)")
    return mapping, note


def pipeline_entity_labels(nlp: Any) -> set[str]:
    """The entity labels of a pipeline's recognisers and rulers (empty when it has none)."""
    out: set[str] = set()
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in ENTITY_FACTORIES:
            out.update(getattr(nlp.get_pipe(name), "labels", ()) or ())
    return out


def load_pipeline(model: str) -> Any:
    """Load a spaCy pipeline by package name or path; a clear error when it cannot be."""
    import spacy

    try:
        return spacy.load(Path(model) if Path(model).exists() else model)
    except (OSError, ValueError, ImportError) as e:
        raise UserError(f"cannot load spaCy pipeline {model!r}: {_load_error(model, e)}") from None


def _load_error(model: str, e: Exception) -> str:
    """What went wrong, on one line: the first sentence of spaCy's message (its config errors
    start with blank lines, and name the field on the line after their title)."""
    lines = [line.strip().replace("\t", " ") for line in str(e).splitlines() if line.strip()]
    if not lines:
        return e.__class__.__name__
    if lines[0] == "Config validation error" and len(lines) > 1:
        return f"{Path(model) / 'config.cfg'}: invalid config: {lines[1]}"
    return lines[0].split(". ", 1)[0].rstrip(".") + "."  # spaCy's advice after the first sentence is for developers


class ModelSuggester:
    """Entities (and claim spans) predicted by a spaCy pipeline."""

    def __init__(self, scheme: Scheme, model: str, batch_size: int = 256) -> None:
        """Load ``model`` now, so that a bad name fails before any work is done."""
        self.nlp = load_pipeline(model)
        meta = getattr(self.nlp, "meta", {}) or {}
        self.name = f"model:{meta.get('name') or Path(model).name}"
        self.version = str(meta.get("version") or "0")
        self.batch_size = batch_size
        self.scheme_name = scheme.name
        self.label_map, self.label_note = model_label_map(scheme, pipeline_entity_labels(self.nlp), self.name)
        if self.label_note:
            warnings.warn(self.label_note, LabelMappingWarning, stacklevel=2)
        self.claim_labels = set(scheme.label_names("claims"))
        trained = (meta.get("annotator") or {}).get("components") or {}
        #: a pipeline trained here on the claims layer: its claims replace the attribution rules'
        self.predicts_claims = any(c.get("layer") == "claims" for c in trained.values())
        self._dropped: set[str] = set(pipeline_entity_labels(self.nlp)) - self.label_map.keys()

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
                    if ent.label_ not in self._dropped:  # a label the pipeline did not declare
                        self._dropped.add(ent.label_)
                        warnings.warn(f"{self.name} predicts {ent.label_}, which the {self.scheme_name} scheme does "
                                      "not have: dropped", LabelMappingWarning, stacklevel=2)
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
            out.append(Suggestion(unit_id=unit.id, suggester=self.name, version=self.version, spans=spans,
                                  relations=link_attributions(spans)))
        return out
