"""What every exporter receives, and the fast pieces they share (tokens, hashes, records).

Exporters are fed :class:`Item` objects: one unit with one decision (an annotator's, or the
adjudicated gold). The unit is a :class:`RowUnit` read straight from a database row, and spans
and relations stay plain dicts parsed from the stored JSON by orjson, because building
pydantic objects per record would cost more than the whole export budget (>= 100,000 records/s).
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotator.ingest.jsonl import CLAIM_LABELS, layer_for
from annotator.models import Token, Unit
from annotator.record_parts import relation_key, task_hash_of
from annotator.tokens import token_spans, unpack_bounds

__all__ = ["CLAIM_LABELS", "Item", "fast_task_hash", "layer_for", "relation_key", "token_offsets"]

#: :func:`annotator.models.task_hash` over plain dicts.
fast_task_hash = task_hash_of



class JsonConstant(float):
    """NaN or ±Infinity read from stored JSON: a float subclass, so orjson refuses to encode
    it and the encoder falls back to the standard library (which writes it as it was read)."""


def loads(raw: str) -> Any:
    """JSON text to Python with orjson's C decoder; the standard library for what orjson
    refuses (NaN, integers beyond 64 bits, lone surrogates) so the result is always the same."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=lambda c: JsonConstant(float(c)))


def load_list(raw: str | None) -> list[Any]:
    """A stored JSON list (``'[]'`` and NULL without parsing)."""
    return loads(raw) if raw and raw != "[]" else []


def load_dict(raw: str | None) -> dict[str, Any]:
    """A stored JSON object (``'{}'`` and NULL without parsing)."""
    return loads(raw) if raw and raw != "{}" else {}


class RowUnit:
    """A unit straight from a database row: the attributes exporters read from
    :class:`~annotator.models.Unit`, without pydantic validation (tokens and meta parsed
    only when asked for)."""

    __slots__ = ("id", "document_id", "dataset", "position", "start", "end", "text", "input_hash",
                 "_tokens", "_meta", "doc_external_id", "doc_title", "token_bounds")

    def __init__(self, row: tuple[Any, ...], dataset: str | None = None,
                 doc_external_id: str | None = None, doc_title: str | None = None,
                 token_bounds: bytes | None = None) -> None:
        (self.id, self.document_id, self.position, self.start, self.end, self.text, self.input_hash,
         self._tokens, self._meta) = row[:9]
        self.dataset = dataset
        self.doc_external_id = doc_external_id
        self.doc_title = doc_title
        #: The unit's packed token bounds as stored (:func:`annotator.tokens.pack_bounds`);
        #: None for units imported before the store kept them, which are tokenized here.
        self.token_bounds = token_bounds

    @property
    def tokens(self) -> list[Token] | None:
        """Explicit tokens (None: the default tokenizer's)."""
        raw = self._tokens
        if not raw:
            return None
        return [Token(**t) for t in loads(raw)]

    @property
    def meta(self) -> dict[str, Any]:
        """The unit's metadata."""
        raw = self._meta
        if isinstance(raw, dict):
            return raw
        self._meta = load_dict(raw)
        return self._meta  # type: ignore[return-value]

    def offsets(self) -> list[tuple[int, int]]:
        """(start, end) of each token."""
        if self.token_bounds is not None:
            flat = unpack_bounds(self.token_bounds)
            return list(zip(flat[0::2], flat[1::2]))
        raw = self._tokens
        if raw:
            return [(t["start"], t["end"]) for t in loads(raw)]
        return token_spans(self.text)


@dataclass(slots=True)
class Item:
    """One exported decision: a unit and one annotator's (or the gold) spans and relations."""

    unit: Unit | RowUnit
    annotator: str
    answer: str
    spans: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    created: float | None = None
    time_spent: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    gold: bool = False
    sources: list[str] | None = None
    document_key: str | None = None


def token_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token exactly as :func:`annotator.tokens.tokenize`, without
    building pydantic objects (:func:`annotator.tokens.token_spans`; tests keep them in step)."""
    return token_spans(text)


def unit_token_offsets(unit: Unit | RowUnit) -> list[tuple[int, int]]:
    """The unit's explicit tokens if it has them, else the default tokenizer's."""
    if isinstance(unit, RowUnit):
        return unit.offsets()
    if unit.tokens is not None:
        return [(t.start, t.end) for t in unit.tokens]
    return token_offsets(unit.text)


def token_range(offsets: list[tuple[int, int]], starts: list[int], ends: list[int],
                start: int, end: int) -> tuple[int, int] | None:
    """Inclusive indices of the tokens that overlap ``[start, end)`` (None if none do)."""
    i = bisect_right(ends, start)
    j = bisect_left(starts, end) - 1
    if i >= len(offsets) or j < i:
        return None
    return i, j


def fill_token_indices(spans: list[dict[str, Any]], offsets: list[tuple[int, int]]) -> None:
    """Set ``token_start``/``token_end`` on spans that lack them (covering tokens)."""
    starts = [a for a, _ in offsets]
    ends = [b for _, b in offsets]
    for s in spans:
        if s.get("token_start") is None or s.get("token_end") is None:
            r = token_range(offsets, starts, ends, s["start"], s["end"])
            if r is not None:
                s["token_start"], s["token_end"] = r


def span_key(s: dict[str, Any]) -> tuple[int, int, str, str]:
    return (s["start"], s["end"], s["label"], s.get("layer", "entities"))


def filter_layer(item: Item, layer: str | None) -> Item:
    """Keep only spans of ``layer`` and the relations whose two ends are still there."""
    if layer is None:
        return item
    spans = [s for s in item.spans if s.get("layer", "entities") == layer]
    keep = {(s["start"], s["end"], s["label"]) for s in spans}
    rels = [
        r for r in item.relations
        if (r["head"]["start"], r["head"]["end"], r["head"]["label"]) in keep
        and (r["child"]["start"], r["child"]["end"], r["child"]["label"]) in keep
    ]
    item.spans, item.relations = spans, rels
    return item
