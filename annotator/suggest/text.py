"""Fast token views of a unit for the rule suggesters (plain tuples, no pydantic objects).

The offsets are exactly those of :func:`annotator.tokens.tokenize` (a test guards this); a
unit with explicit tokens (CoNLL) uses its own.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from annotator.models import Relation, Span, SpanRef, Suggestion, Unit
from annotator.tokens import token_lists


@dataclass(slots=True)
class Toks:
    """A unit's text with its tokens as parallel lists."""

    text: str
    words: list[str]
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        """Number of tokens."""
        return len(self.words)

    def token_range(self, start: int, end: int) -> tuple[int, int] | None:
        """Inclusive token indices covering ``[start, end)`` exactly, or None."""
        i = bisect_left(self.starts, start)
        if i >= len(self.starts) or self.starts[i] != start:
            return None
        j = bisect_right(self.ends, end) - 1
        if j < i or self.ends[j] != end:
            return None
        return i, j

    def span(self, i: int, j: int, label: str, source: str, score: float, layer: str = "entities") -> Span:
        """A span over tokens ``i..j`` (inclusive)."""
        return trusted_span(self.starts[i], self.ends[j], label, layer, i, j, source, score)

    def char_span(self, start: int, end: int, label: str, source: str, score: float,
                  layer: str = "entities") -> Span | None:
        """A span over characters, snapped outward to token boundaries; None if empty."""
        i = bisect_right(self.ends, start)
        j = bisect_left(self.starts, end) - 1
        if i >= len(self.words) or j < i:
            return None
        return self.span(i, j, label, source, score, layer)


_SPAN_FIELDS = frozenset(Span.model_fields)
_new = object.__new__
_set = object.__setattr__


def trusted_span(start: int, end: int, label: str, layer: str, token_start: int, token_end: int,
                 source: str, score: float) -> Span:
    """A :class:`Span` built without validation, for offsets that come from the tokens
    themselves (pydantic validation is the largest cost of the rules otherwise; a test checks
    that these equal validated spans)."""
    if end <= start or token_end < token_start:
        raise ValueError(f"bad span {start}-{end}")
    obj = _new(Span)
    _set(obj, "__dict__", {
        "start": start, "end": end, "label": label, "layer": layer, "token_start": token_start,
        "token_end": token_end, "source": source, "score": score,
    })
    _set(obj, "__pydantic_fields_set__", _SPAN_FIELDS)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_REF_FIELDS = frozenset(SpanRef.model_fields)
_RELATION_FIELDS = frozenset(Relation.model_fields)
_SUGGESTION_FIELDS = frozenset(Suggestion.model_fields)


def _trusted(cls: type, fields: frozenset[str], values: dict) -> object:
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def trusted_ref(start: int, end: int, label: str) -> SpanRef:
    """A :class:`SpanRef` to a span the suggester has just built (so already valid)."""
    return _trusted(SpanRef, _REF_FIELDS, {"start": start, "end": end, "label": label})  # type: ignore[return-value]


def trusted_relation(head: SpanRef, child: SpanRef, label: str) -> Relation:
    """A :class:`Relation` between two trusted references, with a non-empty label."""
    if not label:
        raise ValueError("a relation needs a label")
    return _trusted(Relation, _RELATION_FIELDS, {"head": head, "child": child, "label": label})  # type: ignore[return-value]


def trusted_suggestion(unit_id: int | None, suggester: str, version: str, spans: list[Span],
                       relations: list[Relation] | None = None) -> Suggestion:
    """A :class:`Suggestion` of spans and relations built by the trusted constructors above
    (validating them again is, after tokenizing, the rules' largest cost)."""
    return _trusted(Suggestion, _SUGGESTION_FIELDS, {  # type: ignore[return-value]
        "unit_id": unit_id, "suggester": suggester, "version": version, "spans": spans,
        "relations": [] if relations is None else relations,
    })


def fast_tokens(text: str) -> Toks:
    """Tokenize ``text`` exactly like :func:`annotator.tokens.tokenize`, as plain lists."""
    words, starts, ends = token_lists(text)
    return Toks(text, words, starts, ends)


_CACHE: dict[int, tuple[str, Toks]] = {}
_CACHE_MAX = 8192


def unit_tokens(unit: Unit) -> Toks:
    """The tokens of a unit (its explicit tokens if it has them), cached per unit object so
    that every suggester of a batch shares one tokenization."""
    key = id(unit)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is unit.text:
        return hit[1]
    if unit.tokens is not None:
        toks = Toks(unit.text, [t.text for t in unit.tokens], [t.start for t in unit.tokens],
                    [t.end for t in unit.tokens])
    else:
        toks = fast_tokens(unit.text)
    if len(_CACHE) >= _CACHE_MAX:
        del _CACHE[next(iter(_CACHE))]  # the oldest entry
    _CACHE[key] = (unit.text, toks)
    return toks
