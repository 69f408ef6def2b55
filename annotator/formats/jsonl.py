"""This project's JSONL record: one decision on one unit per line, a superset of Prodigy's task.

Fields (``schemas/record.schema.json`` is the contract and a test validates every record):
``text``, ``tokens`` (``text``/``start``/``end``/``id``/``ws`` as Prodigy), ``spans``
(``start``/``end`` code points, ``token_start``/``token_end`` inclusive, ``label``, ``layer``),
``relations`` (Prodigy's ``head``/``child`` token indices — the last token of each span — plus
``head_span``/``child_span`` and ``label``), ``answer``, ``_annotator_id`` (the plain annotator
name; the adjudicator for gold), ``_timestamp`` (integer seconds, as Prodigy) and ``created``,
``time_spent``, ``_input_hash``/``_task_hash``, ``document`` (database id, external id, title,
unit position and its offsets in the document), ``meta`` (the unit's metadata, which Prodigy
shows), ``annotation_meta`` (the decision's, when it has any), and
``gold``/``sources`` for adjudicated records. Prodigy's ``db-in`` reads it as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

from bisect import bisect_left, bisect_right
from operator import itemgetter

from annotator.formats.records import Item, RowUnit, fast_task_hash, unit_token_offsets
from annotator.models import Unit
from annotator.tokens import token_dicts

EXTENSION = "jsonl"


def _ref(s: dict[str, Any]) -> dict[str, Any]:
    out = {"start": s["start"], "end": s["end"], "label": s["label"]}
    if s.get("token_start") is not None:
        out["token_start"] = s["token_start"]
        out["token_end"] = s["token_end"]
    return out


def _tokens(text: str, offsets: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Prodigy-style token dicts."""
    nxt = [a for a, _ in offsets]
    nxt.append(len(text))
    return [{"text": text[a:b], "start": a, "end": b, "id": i, "ws": nxt[i + 1] > b and text[b:b + 1].isspace()}
            for i, (a, b) in enumerate(offsets)]


_START = itemgetter("start")
_END = itemgetter("end")


def _unit_tokens(unit: Unit | RowUnit) -> list[dict[str, Any]]:
    """The unit's Prodigy-style tokens: its explicit ones, else the default tokenizer's."""
    default = not unit._tokens if isinstance(unit, RowUnit) else unit.tokens is None
    if default:
        return token_dicts(unit.text)
    return _tokens(unit.text, unit_token_offsets(unit))


def _fill_token_indices(spans: list[dict[str, Any]], tokens: list[dict[str, Any]]) -> None:
    """Set ``token_start``/``token_end`` (the tokens overlapping the span) where missing."""
    for s in spans:
        if s.get("token_start") is None or s.get("token_end") is None:
            i = bisect_right(tokens, s["start"], key=_END)
            j = bisect_left(tokens, s["end"], key=_START) - 1
            if i < len(tokens) and j >= i:
                s["token_start"], s["token_end"] = i, j


def build_record(item: Item, documents: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON record of one exported decision."""
    unit = item.unit
    text = unit.text
    tokens = _unit_tokens(unit)
    spans = [dict(s) for s in item.spans]
    for s in spans:
        s.setdefault("layer", "entities")
    _fill_token_indices(spans, tokens)
    relations = []
    by_ref = {(s["start"], s["end"], s["label"]): s for s in spans} if item.relations else {}
    for r in item.relations:
        h = by_ref.get((r["head"]["start"], r["head"]["end"], r["head"]["label"]), r["head"])
        c = by_ref.get((r["child"]["start"], r["child"]["end"], r["child"]["label"]), r["child"])
        relations.append({
            "head": h.get("token_end", 0), "child": c.get("token_end", 0),
            "head_span": _ref(h), "child_span": _ref(c), "label": r["label"],
        })
    in_hash = unit.input_hash
    if isinstance(unit, RowUnit):
        doc = {"external_id": unit.doc_external_id, "title": unit.doc_title}
    else:
        doc = (documents or {}).get(unit.document_id or -1, {})
    rec: dict[str, Any] = {
        "text": text,
        "tokens": tokens,
        "spans": spans,
        "relations": relations,
        "answer": item.answer,
        "_annotator_id": item.annotator,
        "_timestamp": int(item.created) if item.created is not None else None,
        "created": item.created,
        "time_spent": item.time_spent,
        "_input_hash": in_hash,
        "_task_hash": fast_task_hash(in_hash, item.spans, item.relations),
        "document": {
            "id": unit.document_id,
            "external_id": doc.get("external_id"),
            "title": doc.get("title", ""),
            "position": unit.position,
            "start": unit.start,
            "end": unit.end,
        },
        "unit_id": unit.id,
        "meta": unit.meta,
    }
    if item.meta:
        rec["annotation_meta"] = item.meta
    if item.gold:
        rec["gold"] = True
        rec["sources"] = item.sources or []
    return rec


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_record(item: Item, documents: dict[int, dict[str, Any]] | None = None) -> str:
    """One record as a JSON line body: ``json.dumps(build_record(...))`` with compact separators."""
    return encode_record_bytes(item, documents).decode("utf-8")


#: What orjson may write differently from ``json.dumps``: floats below 1e-4 or from 1e16 up
#: (orjson writes ``1e-5`` where Python writes ``1e-05``). Text that merely looks like this
#: only costs the slower encoder, never a different byte.
_FLOAT_FORMS = re.compile(rb"[0-9][eE]|0\.0000|[0-9]{17}")


def _float_ok(x: Any) -> bool:
    """Whether orjson writes ``x`` (a number or None) exactly as ``json.dumps`` does."""
    return type(x) is not float or x == 0.0 or 1e-4 <= abs(x) < 1e16


def _orjson_ok(item: Item, meta: dict[str, Any]) -> bool:
    """Whether every float of the record is one orjson writes as ``json.dumps`` does (the
    other fields are integers, strings, booleans and None, which the two write alike)."""
    if not (_float_ok(item.created) and _float_ok(item.time_spent)):
        return False
    for s in item.spans:
        if "score" in s and not _float_ok(s["score"]):
            return False
    for m in (meta, item.meta):
        if m:
            try:
                if _FLOAT_FORMS.search(orjson.dumps(m)) is not None:
                    return False
            except TypeError:
                return False
    return True


def encode_record_bytes(item: Item, documents: dict[int, dict[str, Any]] | None = None) -> bytes:
    """One record as UTF-8 JSON, byte-identical to the standard library's compact encoding:
    orjson when it gives the same bytes, ``json`` otherwise (odd floats, NaN, huge integers)."""
    rec = build_record(item, documents)
    if _orjson_ok(item, rec["meta"]):
        try:
            return orjson.dumps(rec)
        except TypeError:
            pass
    return _dumps(rec).encode("utf-8")


def write_jsonl(items: Iterable[Item], out: TextIO, documents: dict[int, dict[str, Any]] | None = None,
                chunk: int = 1 << 20) -> int:
    """Write one record per line, in chunks of about ``chunk`` bytes; returns the number written."""
    raw = getattr(out, "buffer", None)
    if raw is not None:
        out.flush()
        write_bytes = raw.write
    else:
        def write_bytes(data: bytes) -> Any:
            return out.write(data.decode("utf-8"))
    n = 0
    parts: list[bytes] = []
    size = 0
    for item in items:
        data = encode_record_bytes(item, documents)
        parts.append(data)
        size += len(data) + 1
        n += 1
        if size >= chunk:
            parts.append(b"")
            write_bytes(b"\n".join(parts))
            parts.clear()
            size = 0
    if parts:
        parts.append(b"")
        write_bytes(b"\n".join(parts))
    if raw is not None:
        raw.flush()
    return n
