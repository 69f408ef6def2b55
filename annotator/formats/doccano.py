"""doccano sequence-labelling JSONL: ``{"text": ..., "label": [[start, end, "LABEL"], ...]}``.

Export writes one line per decision with ``label``, plus ``annotator``, ``answer`` and the
unit's ``id`` (doccano keeps unknown keys as metadata). doccano has no layers and no
relations in this form: a label's layer is taken from its name on import (CLAIM, SOURCE, CUE
and the PolNeAR labels are claims, everything else entities); relations are not carried.
Import also accepts doccano's relation export (``entities`` with ``start_offset``/
``end_offset``/``label`` and ``relations`` with ``from_id``/``to_id``/``type``). Each record
is one unit, its text as given; consecutive records naming the same ``document`` (id,
external id, title and the unit's offsets in it, as our export writes them) are one document,
else each record is a document of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from annotator.errors import InputError
from annotator.formats.records import Item
from annotator.ingest.jsonl import checked_span
from annotator.ingest.base import Parsed, ReadOptions, Source, UnitLabels, malformed, register
from annotator.ingest.grouping import UnitRecord, document_key, group_records
from annotator.ingest.jsonl import parse_json_line
from annotator.models import Relation, Span

DEFAULT_ANNOTATOR = "doccano"


def write_doccano(items: Iterable[Item], out: TextIO, docs: object = None) -> int:
    """One doccano record per decision."""
    import orjson

    n = 0
    std = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def dumps(rec: dict[str, Any]) -> str:
        # No floats in a doccano record, so orjson writes json.dumps' bytes; the standard
        # library only for what orjson refuses (integers beyond 64 bits, lone surrogates).
        try:
            return orjson.dumps(rec).decode("utf-8")
        except TypeError:
            return std(rec)

    for it in items:
        u = it.unit
        ext = getattr(u, "doc_external_id", None)
        title = getattr(u, "doc_title", None)
        if ext is None and title is None and hasattr(docs, "get") and u.document_id is not None:
            d = docs.get(u.document_id, {})  # type: ignore[union-attr]
            ext, title = d.get("external_id"), d.get("title")
        rec = {
            "id": u.id,
            "text": u.text,
            "label": [[s["start"], s["end"], s["label"]] for s in sorted(it.spans, key=lambda s: (s["start"], s["end"]))],
            "annotator": it.annotator,
            "answer": it.answer,
            "document": {"id": u.document_id, "external_id": ext, "title": title or "", "position": u.position,
                         "start": u.start, "end": u.end},
        }
        out.write(dumps(rec))
        out.write("\n")
        n += 1
    return n


@register("doccano")
def read_doccano(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """doccano JSONL records with their labels as annotations; consecutive records naming the
    same ``document`` (our export) are one document again."""

    def records() -> Iterator[UnitRecord]:
        for n, line in source.iter_lines():
            if line.strip():
                with malformed(source.name, n):
                    rec = _record(source.name, n, parse_json_line(source.name, n, line), options)
                yield rec

    yield from group_records(source.name, records())


def _record(name: str, n: int, obj: dict[str, Any], options: ReadOptions) -> UnitRecord:
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str) or not text:
        raise InputError(name, "record has no string field 'text'", line=n)
    spans: list[Span] = []
    relations: list[Relation] = []
    if "entities" in obj:
        by_id: dict[Any, Span] = {}
        for e in obj.get("entities") or []:
            s = checked_span(name, n, text, e.get("start_offset"), e.get("end_offset"),
                             options.label_map.get(e.get("label"), e.get("label")))
            by_id[e.get("id")] = s
            spans.append(s)
        for r in obj.get("relations") or []:
            h, c = by_id.get(r.get("from_id")), by_id.get(r.get("to_id"))
            if h is None or c is None or not r.get("type"):
                raise InputError(name, f"relation {r!r} points at no entity", line=n)
            relations.append(Relation(head=h.ref, child=c.ref, label=str(r["type"])))
    else:
        for item in obj.get("label") or []:
            if not isinstance(item, list) or len(item) != 3:
                raise InputError(name, f"label {item!r} is not [start, end, label]", line=n)
            spans.append(checked_span(name, n, text, item[0], item[1], options.label_map.get(item[2], item[2])))
    spans = list({s.key: s for s in spans}.values())
    meta = {k: v for k, v in obj.items()
            if k not in ("text", "label", "entities", "relations", "annotator", "answer", "id", "document")}
    who = obj.get("annotator") or options.annotator or DEFAULT_ANNOTATOR
    answer = obj.get("answer", "accept")
    rec = UnitRecord(line=n, text=text, external_id=None if obj.get("id") is None else str(obj["id"]),
                     doc_meta={"format": "doccano", **meta},
                     labels=[UnitLabels(unit_index=0, annotator=str(who), answer=answer, spans=spans,
                                        relations=relations)])
    found = document_key(obj.get("document"))
    if found:
        rec.document, rec.start, rec.end, rec.doc_external_id, rec.doc_title = found
    return rec
