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
from collections.abc import Iterable
from typing import Any, TextIO

from annotator.formats.records import Item, fast_task_hash, fill_token_indices, unit_token_offsets

EXTENSION = "jsonl"


def _ref(s: dict[str, Any]) -> dict[str, Any]:
    out = {"start": s["start"], "end": s["end"], "label": s["label"]}
    if s.get("token_start") is not None:
        out["token_start"] = s["token_start"]
        out["token_end"] = s["token_end"]
    return out


def _tokens(text: str, offsets: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Prodigy-style token dicts."""
    tokens = []
    last = len(offsets) - 1
    for i, (a, b) in enumerate(offsets):
        nxt = offsets[i + 1][0] if i < last else len(text)
        tokens.append({"text": text[a:b], "start": a, "end": b, "id": i, "ws": nxt > b and text[b:b + 1].isspace()})
    return tokens


def _tokens_json(text: str, offsets: list[tuple[int, int]]) -> str:
    """The same tokens as :func:`_tokens`, encoded straight to JSON (the export's hot loop)."""
    parts = []
    last = len(offsets) - 1
    n = len(text)
    for i, (a, b) in enumerate(offsets):
        nxt = offsets[i + 1][0] if i < last else n
        ws = "true" if nxt > b and text[b:b + 1].isspace() else "false"
        parts.append(f'{{"text":{_enc(text[a:b])},"start":{a},"end":{b},"id":{i},"ws":{ws}}}')
    return "[" + ",".join(parts) + "]"


def build_record(item: Item, documents: dict[int, dict[str, Any]] | None = None,
                 offsets: list[tuple[int, int]] | None = None, with_tokens: bool = True) -> dict[str, Any]:
    """The JSON record of one exported decision."""
    unit = item.unit
    text = unit.text
    if offsets is None:
        offsets = unit_token_offsets(unit)
    tokens = _tokens(text, offsets) if with_tokens else []
    spans = [dict(s) for s in item.spans]
    for s in spans:
        s.setdefault("layer", "entities")
    fill_token_indices(spans, offsets)
    by_ref = {(s["start"], s["end"], s["label"]): s for s in spans}
    relations = []
    for r in item.relations:
        h = by_ref.get((r["head"]["start"], r["head"]["end"], r["head"]["label"]), r["head"])
        c = by_ref.get((r["child"]["start"], r["child"]["end"], r["child"]["label"]), r["child"])
        relations.append({
            "head": h.get("token_end", 0), "child": c.get("token_end", 0),
            "head_span": _ref(h), "child_span": _ref(c), "label": r["label"],
        })
    in_hash = unit.input_hash
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


_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_record(item: Item, documents: dict[int, dict[str, Any]] | None = None) -> str:
    """One record as a JSON line body, byte-identical to ``json.dumps(build_record(...))``
    with compact separators, but with the token list encoded by hand for speed."""
    offsets = unit_token_offsets(item.unit)
    rec = build_record(item, documents, offsets, with_tokens=False)
    body = _dumps(rec)
    head = '{"text":' + _enc(rec["text"]) + ',"tokens":[]'
    assert body.startswith(head)
    return '{"text":' + _enc(rec["text"]) + ',"tokens":' + _tokens_json(rec["text"], offsets) + body[len(head):]


def write_jsonl(items: Iterable[Item], out: TextIO, documents: dict[int, dict[str, Any]] | None = None) -> int:
    """Write one record per line; returns the number written."""
    n = 0
    write = out.write
    for item in items:
        write(encode_record(item, documents))
        write("\n")
        n += 1
    return n
