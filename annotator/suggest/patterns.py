"""Patterns: a JSONL file of spaCy/Prodigy token or phrase patterns, matched with spaCy's
``span_ruler`` (spaCy is imported only when a pattern file is used).

Each line: ``{"label": "ORG", "pattern": "Bank of Korea"}`` (phrase) or
``{"label": "PERSON", "pattern": [{"LOWER": "kim"}, {"IS_TITLE": true}]}`` (tokens); an ``id``
is allowed. A label of the scheme's claims layer (CUE, SOURCE, CLAIM) goes on that layer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator.errors import InputError
from annotator.models import Scheme, Span, Suggestion, Unit
from annotator.suggest.labels import entity_label_map
from annotator.suggest.text import unit_tokens


def read_patterns(path: Path) -> list[dict[str, Any]]:
    """Read and check a pattern file; errors name the file and line."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read the pattern file ({e.strerror or e})") from None
    out: list[dict[str, Any]] = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(path, f"not a JSON object ({e.__class__.__name__})", line=n) from None
        if not isinstance(rec, dict):
            raise InputError(path, "each line must be a JSON object", line=n)
        label, pattern = rec.get("label"), rec.get("pattern")
        if not isinstance(label, str) or not label:
            raise InputError(path, 'missing "label" (a string)', line=n)
        if isinstance(pattern, str):
            if not pattern.strip():
                raise InputError(path, '"pattern" is an empty string', line=n)
        elif isinstance(pattern, list):
            if not pattern or not all(isinstance(t, dict) and t for t in pattern):
                raise InputError(path, '"pattern" must be a string or a non-empty list of token objects', line=n)
        else:
            raise InputError(path, '"pattern" must be a string or a list of token objects', line=n)
        entry: dict[str, Any] = {"label": label, "pattern": pattern}
        if "id" in rec:
            entry["id"] = str(rec["id"])
        out.append(entry)
    if not out:
        raise InputError(path, "no patterns in the file")
    return out


class PatternSuggester:
    """Spans matched by a pattern file."""

    name = "patterns"

    def __init__(self, scheme: Scheme, path: Path) -> None:
        """Read and check the pattern file (spaCy is loaded on first use)."""
        self.path = path
        self.patterns = read_patterns(path)
        self.version = "1-" + hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
        self.label_map = entity_label_map(scheme)
        self.claim_labels = set(scheme.label_names("claims"))
        self._nlp: Any = None

    def _pipeline(self) -> Any:
        """A blank English pipeline with a span ruler holding the patterns."""
        if self._nlp is None:
            import spacy

            nlp = spacy.blank("en")
            ruler = nlp.add_pipe("span_ruler", config={"spans_key": "patterns", "phrase_matcher_attr": "ORTH"})
            try:
                ruler.add_patterns(self.patterns)
            except Exception as e:  # spaCy validates token patterns here
                raise InputError(self.path, f"invalid pattern: {str(e).splitlines()[0]}") from None
            self._nlp = nlp
        return self._nlp

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        nlp = self._pipeline()
        out: list[Suggestion] = []
        for unit, doc in zip(units, nlp.pipe(u.text for u in units)):
            toks = unit_tokens(unit)
            ents: list[Span] = []
            claims: list[Span] = []
            for sp in doc.spans["patterns"]:
                label = sp.label_
                if label in self.claim_labels:
                    made = toks.char_span(sp.start_char, sp.end_char, label, self.name, 1.0, layer="claims")
                    if made is not None:
                        claims.append(made)
                    continue
                mapped = self.label_map.get(label)
                if mapped is None:
                    continue
                made = toks.char_span(sp.start_char, sp.end_char, mapped, self.name, 1.0)
                if made is not None:
                    ents.append(made)
            out.append(Suggestion(unit_id=unit.id, suggester=self.name, version=self.version,
                                  spans=sorted([*_no_overlap(ents), *claims], key=lambda s: (s.start, s.end))))
        return out


def _no_overlap(spans: list[Span]) -> list[Span]:
    """Longest first, then leftmost: entity spans that do not overlap."""
    chosen: list[Span] = []
    for sp in sorted(spans, key=lambda s: (-(s.end - s.start), s.start, s.label)):
        if all(sp.end <= c.start or sp.start >= c.end for c in chosen):
            chosen.append(sp)
    return chosen
