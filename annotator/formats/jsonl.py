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
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any, TextIO

import orjson

from annotator.formats.records import Item, RowUnit, fast_task_hash, unit_token_offsets
from annotator.models import Unit
from annotator.record_parts import FLOAT_FORMS, export_relations, export_spans, float_ok
from annotator.tokens import prodigy_tokens, token_dicts

EXTENSION = "jsonl"


_START = itemgetter("start")
_END = itemgetter("end")


def _unit_tokens(unit: Unit | RowUnit) -> list[dict[str, Any]]:
    """The unit's Prodigy-style tokens: its explicit ones, else the default tokenizer's."""
    default = not unit._tokens if isinstance(unit, RowUnit) else unit.tokens is None
    if default:
        return token_dicts(unit.text)
    return prodigy_tokens(unit.text, unit_token_offsets(unit))


def build_record(item: Item, documents: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON record of one exported decision."""
    unit = item.unit
    text = unit.text
    tokens = _unit_tokens(unit)
    spans = export_spans(item.spans, list(map(_START, tokens)), list(map(_END, tokens)))
    relations = export_relations(item.relations, spans)
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


def _orjson_ok(item: Item, meta: dict[str, Any]) -> bool:
    """Whether every float of the record is one orjson writes as ``json.dumps`` does (the
    other fields are integers, strings, booleans and None, which the two write alike)."""
    if not (float_ok(item.created) and float_ok(item.time_spent)):
        return False
    for s in item.spans:
        if "score" in s and not float_ok(s["score"]):
            return False
    for m in (meta, item.meta):
        if m:
            try:
                if FLOAT_FORMS.search(orjson.dumps(m)) is not None:
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


def encode_jsonl_parts(rows: Iterable[tuple[Any, ...]], general: Callable[[int, str], bytes]) -> bytes:
    """JSONL lines of :func:`annotator.store.rows.jsonl_part_batches` rows: the stored parts
    of each record joined (:mod:`annotator.record_parts`), or ``general(unit_id,
    annotator)`` (:func:`encode_record_bytes`) for a row that lacks one. The bytes are
    :func:`encode_record_bytes`' either way (a test checks them against it on varied rows).
    This is the export's hot loop (DESIGN.md: >= 100,000 records/s)."""
    pieces: list[bytes] = []
    add = pieces.extend
    for uid, annotator, head, part, tail, suffix in rows:
        if head is None or part is None or tail is None:
            add((general(uid, annotator), b"\n"))
        elif suffix is None:
            add((head, part, tail, b"\n"))
        else:  # the decision's metadata goes before the record's closing brace
            add((head, part, tail[:-1], suffix, b"}\n"))
    return b"".join(pieces)


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
