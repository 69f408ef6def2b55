"""An exported JSONL record in three parts, each encoded once, when its row is written.

A record (``schemas/record.schema.json``) is the unit's fields around the decision's::

    {"text":…,"tokens":[…]  ,"spans":[…],"relations":[…],"answer":…,…,"_task_hash":…  ,"document":{…},"unit_id":…,"meta":{…}}
     \\_______ head ______/  \\__________________ the decision's part __________________/  \\_______________ tail ________________/

A decision with metadata adds its suffix, ``,"annotation_meta":{…}``, before the tail's closing
brace. The store keeps ``head`` and ``tail`` with each unit and the decision's part with each
decision, so exporting a million decisions tokenizes nothing and encodes nothing: the exporter
joins stored byte strings (DESIGN.md: >= 100,000 records/s on two cores). They are kept in a
compact form (:class:`Shorthand`: each frequent key written as one byte), a third of their
size, expanded by a few ``bytes.replace`` calls when read. The parts are
built here from the same pieces as the exporter's own record (:func:`export_spans`,
:func:`export_relations`, :func:`task_hash_of`) and written by orjson, which the exporter uses
for a whole record whenever its floats are ones orjson writes as ``json.dumps`` does
(:func:`float_ok`). Where that does not hold, the part is None and the exporter encodes the
record itself; a test checks the joined parts against the exporter's bytes on varied rows.
Metadata is encoded as the exporter sees it: parsed back from the JSON the store keeps.

The tokens are those of import time, the unit's tokens from then on: a change to the tokenizer
must come with a migration that rewrites the stored parts.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

import orjson

from annotator.tokens import pack_bounds, prodigy_tokens

#: What orjson may write differently from ``json.dumps``: floats below 1e-4 or from 1e16 up
#: (orjson writes ``1e-5`` where Python writes ``1e-05``). Text that merely looks like this
#: only costs the slower encoder, never a different byte.
FLOAT_FORMS = re.compile(rb"[0-9][eE]|0\.0000|[0-9]{17}")
#: Answers a decision's part is written for (an 'undo' row is never exported).
ANSWERS = ("accept", "reject", "ignore")


def float_ok(x: Any) -> bool:
    """Whether orjson writes ``x`` (a number or None) exactly as ``json.dumps`` does."""
    return type(x) is not float or x == 0.0 or 1e-4 <= abs(x) < 1e16


def relation_key(r: dict[str, Any]) -> tuple[Any, ...]:
    h, c = r["head"], r["child"]
    return ((h["start"], h["end"], h["label"]), (c["start"], c["end"], c["label"]), r["label"])


def task_hash_of(in_hash: int, spans: Sequence[dict[str, Any]], relations: Sequence[dict[str, Any]]) -> int:
    """:func:`annotator.models.task_hash` over plain dicts (a test checks they agree)."""
    payload = [in_hash, sorted([(s["start"], s["end"], s["label"], s.get("layer", "entities")) for s in spans]),
               sorted([relation_key(r) for r in relations]) if relations else []]
    try:
        data = orjson.dumps(payload)
    except TypeError:
        data = b"\x80"
    # orjson's bytes are json.dumps' (ASCII escapes, compact) unless something needed escaping.
    if not data.isascii() or b"\x7f" in data:
        data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    digest = hashlib.blake2b(data, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def export_spans(spans: Sequence[dict[str, Any]], starts: Sequence[int], ends: Sequence[int]) -> list[dict[str, Any]]:
    """Spans as a record carries them: copies with their ``layer`` and, where they have none,
    the indices of the tokens they overlap (tokens given by their ``starts`` and ``ends``)."""
    out = []
    n = len(starts)
    for s in spans:
        s = dict(s)
        s.setdefault("layer", "entities")
        if s.get("token_start") is None or s.get("token_end") is None:
            i = bisect_right(ends, s["start"])
            j = bisect_left(starts, s["end"]) - 1
            if i < n and j >= i:
                s["token_start"], s["token_end"] = i, j
        out.append(s)
    return out


def _ref(s: dict[str, Any]) -> dict[str, Any]:
    out = {"start": s["start"], "end": s["end"], "label": s["label"]}
    if s.get("token_start") is not None:
        out["token_start"] = s["token_start"]
        out["token_end"] = s["token_end"]
    return out


def export_relations(relations: Sequence[dict[str, Any]], spans: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relations as a record carries them: Prodigy's ``head``/``child`` token indices (the last
    token of each span) with ``head_span``/``child_span`` and ``label``."""
    if not relations:
        return []
    by_ref = {(s["start"], s["end"], s["label"]): s for s in spans}
    out = []
    for r in relations:
        h = by_ref.get((r["head"]["start"], r["head"]["end"], r["head"]["label"]), r["head"])
        c = by_ref.get((r["child"]["start"], r["child"]["end"], r["child"]["label"]), r["child"])
        out.append({"head": h.get("token_end", 0), "child": c.get("token_end", 0),
                    "head_span": _ref(h), "child_span": _ref(c), "label": r["label"]})
    return out


#: Bytes that JSON never holds raw (control characters other than JSON's own whitespace), each
#: standing for one frequent literal in a stored part (:class:`Shorthand`).
_MARKS = [bytes([b]) for b in range(1, 32) if b not in (9, 10, 13)]
_RAW_CONTROL = re.compile(rb"[\x00-\x1f]")
_RAW_CONTROL_TEXT = re.compile(r"[\x00-\x1f]")


class Shorthand:
    """The store's compact form of one kind of JSON part: each of its frequent ``literals``
    (keys and the punctuation around them) written as one control byte, which JSON text never
    holds raw. :meth:`expand` is a handful of ``bytes.replace`` calls, so reading a part back
    costs about a microsecond, not a re-encoding. Plain JSON is its own compact form (it holds
    no marker), so parts stored before the store wrote them compact read back unchanged."""

    def __init__(self, *literals: bytes) -> None:
        if len(literals) > len(_MARKS) or len(set(literals)) != len(literals):
            raise ValueError("too many or repeated literals")
        self._pairs = list(zip(literals, _MARKS))
        self._text_pairs = [(lit.decode(), m.decode()) for lit, m in self._pairs]

    def squeeze(self, data: bytes) -> bytes:
        """The compact form of ``data`` (JSON text, as UTF-8)."""
        if _RAW_CONTROL.search(data):
            raise ValueError("raw control character in JSON text")
        for lit, mark in self._pairs:
            data = data.replace(lit, mark)
        return data

    def expand(self, data: bytes) -> bytes:
        """``data`` as it was given to :meth:`squeeze` (plain JSON comes back as it is)."""
        for lit, mark in self._pairs:
            data = data.replace(mark, lit)
        return data

    def squeeze_text(self, data: str) -> str:
        """:meth:`squeeze` for text columns."""
        if _RAW_CONTROL_TEXT.search(data):
            raise ValueError("raw control character in JSON text")
        for lit, mark in self._text_pairs:
            data = data.replace(lit, mark)
        return data

    def expand_text(self, data: str) -> str:
        for lit, mark in self._text_pairs:
            data = data.replace(mark, lit)
        return data


#: A unit's head (``{"text":…,"tokens":[{"text":…,"start":…,"end":…,"id":…,"ws":…},…]``).
HEAD_SHORTHAND = Shorthand(b',"ws":true},{"text":"', b',"ws":false},{"text":"', b'","start":', b',"end":', b',"id":',
                           b'","tokens":[{"text":"')
#: A decision's part (:func:`decision_part`).
PART_SHORTHAND = Shorthand(
    b',"spans":[{"start":', b'},{"start":', b',"end":', b',"label":"', b'","layer":"entities"', b',"token_start":',
    b',"token_end":', b'],"relations":[],"answer":"', b'","_annotator_id":"', b'","_timestamp":', b',"created":',
    b',"time_spent":null,"_input_hash":', b',"_task_hash":',
)
#: A unit's tail (:func:`unit_parts`).
TAIL_SHORTHAND = Shorthand(b',"document":{"id":', b',"external_id":null,"title":"","position":', b',"start":',
                           b',"end":', b'},"unit_id":', b',"meta":{}}')


def unit_parts(
    *,
    text: str,
    offsets: Sequence[tuple[int, int]] | None,
    unit_id: int,
    document_id: int,
    external_id: str | None,
    title: str,
    position: int,
    start: int,
    end: int,
    meta: dict[str, Any],
) -> tuple[bytes, bytes | None, bytes | None]:
    """(token bounds, head, tail) of a unit: its packed token (start, end) pairs (the default
    tokenizer's, or ``offsets``) and its two parts of an exported record, in their compact
    forms (:data:`HEAD_SHORTHAND`, :data:`TAIL_SHORTHAND`)."""
    tokens = prodigy_tokens(text, offsets)
    bounds = pack_bounds(tokens)
    try:
        head: bytes | None = HEAD_SHORTHAND.squeeze(b'{"text":' + orjson.dumps(text) + b',"tokens":'
                                                    + orjson.dumps(tokens))
    except (TypeError, ValueError):  # text orjson refuses (lone surrogates)
        head = None
    tail: bytes | None = None
    try:
        encoded_meta = _stored_meta(meta)
        if encoded_meta is not None:
            doc = orjson.dumps({"document": {"id": document_id, "external_id": external_id, "title": title,
                                             "position": position, "start": start, "end": end},
                                "unit_id": unit_id})
            tail = TAIL_SHORTHAND.squeeze(b"," + doc[1:-1] + b',"meta":' + encoded_meta + b"}")
    except (TypeError, ValueError):
        tail = None
    return bounds, head, tail


def _stored_meta(meta: dict[str, Any]) -> bytes | None:
    """``meta`` as the exporter writes it: as parsed back from the stored JSON (the store
    writes it with ``json.dumps``) and encoded by orjson; None where the exporter would use
    the standard library instead (NaN or infinities, integers beyond 64 bits, floats orjson
    writes otherwise)."""
    if not meta:
        return b"{}"
    try:
        encoded = orjson.dumps(orjson.loads(json.dumps(meta, ensure_ascii=False)))
    except (TypeError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None
    return None if FLOAT_FORMS.search(encoded) else encoded


def decision_part(
    *,
    input_hash: int,
    starts: Sequence[int],
    ends: Sequence[int],
    spans: Sequence[dict[str, Any]],
    relations: Sequence[dict[str, Any]],
    answer: str,
    annotator: str,
    created: float,
    time_spent: float | None,
    meta: dict[str, Any],
) -> tuple[bytes, bytes | None] | None:
    """A decision's part of its exported record (compact: :data:`PART_SHORTHAND`) and its
    suffix (None without metadata), from
    the spans and relations as stored (plain dicts) and the unit's tokens; None where the
    exporter must encode the record itself."""
    suffix: bytes | None = None
    if meta:
        encoded_meta = _stored_meta(meta)
        if encoded_meta is None:
            return None
        suffix = b',"annotation_meta":' + encoded_meta
    if answer not in ANSWERS or not (float_ok(created) and float_ok(time_spent)):
        return None
    if any("score" in s and not float_ok(s["score"]) for s in spans):
        return None
    out = export_spans(spans, starts, ends)
    try:
        part = orjson.dumps({
            "spans": out, "relations": export_relations(relations, out), "answer": answer, "_annotator_id": annotator,
            "_timestamp": int(created), "created": created, "time_spent": time_spent, "_input_hash": input_hash,
            "_task_hash": task_hash_of(input_hash, spans, relations),
        })
        squeezed = PART_SHORTHAND.squeeze(b"," + part[1:-1])
    except (TypeError, ValueError, OverflowError):
        return None
    return squeezed, suffix
