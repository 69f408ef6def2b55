"""JSONL: one object per line with ``text`` (and optional ``meta``, ``id``, ``title``).

Plain records: each line is one document. The text is taken as given (not cleaned as a web
page) and split into units (sentences by default; with ``--unit record`` the record's whole
text is one unit); blank lines are skipped. A line that is not a JSON object with a
string ``text`` is refused with its line number.

Annotated records (a ``spans``, ``answer`` or ``_annotator_id`` key: this project's export
records and Prodigy tasks) bring their labels in as annotations. Each record is one unit, its
text as given (never re-split, so offsets cannot shift); ``tokens`` that differ from the
default tokenizer's are kept as the unit's tokens. Consecutive records naming the same
``document`` (our export) become one document whose units sit at their recorded offsets (gaps
filled with a space, or newlines when wider than one character); other records are a
document each. The annotator is ``_annotator_id`` (else ``--annotator``, else ``jsonl``).
Spans that do not fit their text are refused with the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, UnitLabels, register
from annotator.ingest.segment import build_units, record_unit
from annotator.models import Document, Relation, Span, SpanRef, Token, Unit


def parse_json_line(name: str, n: int, line: str) -> dict[str, Any]:
    """One JSON object from one line; errors name the file and line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        # json says "Unterminated string starting at" (the position follows in its own text)
        raise InputError(name, f"not valid JSON ({e.msg.removesuffix(' at')} at column {e.colno})", line=n) from None
    except RecursionError:
        raise InputError(name, "JSON nested too deeply", line=n) from None
    if not isinstance(obj, dict):
        raise InputError(name, f"expected a JSON object, got {type(obj).__name__}", line=n)
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(name, "a \\u escape names half a surrogate pair, not a character", line=n) from None
    return obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def record_document(name: str, n: int, obj: dict[str, Any]) -> Document:
    """The document a plain record describes."""
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(name, "record has no string field 'text'", line=n)
    if not text.strip():
        raise InputError(name, "record has an empty 'text'", line=n)
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(name, "'meta' must be an object", line=n)
    title = obj.get("title", "")
    if not isinstance(title, str):
        raise InputError(name, "'title' must be a string", line=n)
    ext = obj.get("id", meta.get("id"))
    return Document(
        title=title, text=text, source=name, external_id=None if ext is None else str(ext),
        meta={"format": "jsonl", **meta},
    )


@register("jsonl", suffixes=(".jsonl", ".ndjson"))
def read_jsonl(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Read plain or annotated records, streaming."""
    seen = False
    group: list[tuple[int, dict[str, Any]]] = []
    group_key: Any = None
    for n, line in source.iter_lines():
        if not line.strip():
            continue
        obj = parse_json_line(source.name, n, line)
        seen = True
        if not is_annotated(obj):
            if group:
                yield annotated_document(source.name, group, options)
                group, group_key = [], None
            doc = record_document(source.name, n, obj)
            units = record_unit(doc.text) if options.unit == "record" else build_units(doc.text, options.unit)
            yield Parsed(document=doc, units=units, line=n)
            continue
        key = _document_key(obj)
        if group and (key is None or key != group_key):
            yield annotated_document(source.name, group, options)
            group = []
        group.append((n, obj))
        group_key = key
    if group:
        yield annotated_document(source.name, group, options)
    if not seen:
        raise InputError(source.name, "empty file (no records)")


#: Labels that live on the claims layer when a record does not say which layer a span is on.
CLAIM_LABELS: frozenset[str] = frozenset(
    {"CLAIM", "SOURCE", "CUE", "Attribution", "Attribution-no-source", "Discuss", "Discard"}
)
DEFAULT_ANNOTATOR = "jsonl"


def layer_for(label: str) -> str:
    """The layer of a label that arrives without one."""
    return "claims" if label in CLAIM_LABELS else "entities"


def is_annotated(obj: dict[str, Any]) -> bool:
    """Whether a record carries labels (ours or Prodigy's) rather than plain text."""
    return "spans" in obj or "answer" in obj or "_annotator_id" in obj


def _document_key(obj: dict[str, Any]) -> Any:
    d = obj.get("document")
    if not isinstance(d, dict) or not isinstance(d.get("start"), int) or not isinstance(d.get("end"), int):
        return None
    return (d.get("id"), d.get("external_id"), d.get("title"))


def checked_span(name: str, n: int, text: str, start: Any, end: Any, label: Any,
                 layer: Any = None, given_text: Any = None, **extra: Any) -> Span:
    """A span from a record, refused with file and line when it does not fit its text."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise InputError(name, f"span offsets must be integers, got {start!r} and {end!r}", line=n)
    if not isinstance(label, str) or not label:
        raise InputError(name, f"span {start}-{end} has no label", line=n)
    if start < 0 or end > len(text):
        raise InputError(name, f"span {start}-{end} ({label}) is outside the text ({len(text)} characters)", line=n)
    if start >= end:
        raise InputError(name, f"span {start}-{end} ({label}): start is not before end", line=n)
    if given_text is not None and given_text != text[start:end]:
        raise InputError(name, f"span {start}-{end} ({label}): text {given_text!r} does not match "
                         f"{text[start:end]!r}", line=n)
    if layer is not None and layer not in ("entities", "claims"):
        raise InputError(name, f"span {start}-{end}: unknown layer {layer!r}", line=n)
    fields = {k: v for k, v in extra.items() if v is not None}
    try:
        return Span(start=start, end=end, label=label, layer=layer or layer_for(label), **fields)
    except ValueError as e:
        raise InputError(name, f"span {start}-{end} ({label}): {str(e).splitlines()[-1].strip()}", line=n) from None


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _mapped(options: ReadOptions, label: Any) -> Any:
    """``label`` renamed by ``--label-map``; non-strings pass through to be refused by the caller."""
    return options.label_map.get(label, label) if isinstance(label, str) else label


def _record_unit(name: str, n: int, obj: dict[str, Any], options: ReadOptions) -> tuple[str, list[Token] | None, UnitLabels]:
    """The text, explicit tokens and labels of one annotated record."""
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise InputError(name, "record has no string field 'text'", line=n)
    spans: list[Span] = []
    if not isinstance(obj.get("spans") or [], list):
        raise InputError(name, "'spans' must be a list", line=n)
    for s in obj.get("spans") or []:
        if not isinstance(s, dict):
            raise InputError(name, f"span {s!r} is not an object", line=n)
        label = s.get("label")
        spans.append(checked_span(
            name, n, text, s.get("start"), s.get("end"), _mapped(options, label), s.get("layer"),
            s.get("text"), token_start=s.get("token_start"), token_end=s.get("token_end"),
            source=s.get("source"), score=s.get("score"),
        ))
    relations: list[Relation] = []
    if not isinstance(obj.get("relations") or [], list):
        raise InputError(name, "'relations' must be a list", line=n)
    for r in obj.get("relations") or []:
        if not isinstance(r, dict):
            raise InputError(name, f"relation {r!r} is not an object", line=n)
        ends = []
        for key in ("head_span", "child_span"):
            ref = r.get(key) if isinstance(r.get(key), dict) else r.get(key[:-5])
            if not isinstance(ref, dict):
                raise InputError(name, f"relation {r.get('label')!r} has no {key}", line=n)
            label = ref.get("label")
            try:
                ends.append(SpanRef(start=ref.get("start"), end=ref.get("end"),
                                    label=_mapped(options, label)))
            except ValueError:
                raise InputError(name, f"relation {r.get('label')!r}: bad {key} {ref!r}", line=n) from None
        if not r.get("label"):
            raise InputError(name, "relation has no label", line=n)
        relations.append(Relation(head=ends[0], child=ends[1], label=str(r["label"])))
    tokens = None
    raw_tokens = obj.get("tokens")
    if isinstance(raw_tokens, list) and raw_tokens:
        try:
            tokens = [Token(text=t["text"], start=t["start"], end=t["end"]) for t in raw_tokens]
        except (KeyError, TypeError, ValueError):
            raise InputError(name, "tokens must be objects with text, start and end", line=n) from None
        for t in tokens:
            if text[t.start : t.end] != t.text:
                raise InputError(name, f"token {t.text!r} at {t.start}-{t.end} does not match the text", line=n)
        from annotator.tokens import tokenize

        if [(t.start, t.end) for t in tokens] == [(t.start, t.end) for t in tokenize(text)]:
            tokens = None
    answer = obj.get("answer", "accept")
    if answer not in ("accept", "reject", "ignore"):
        raise InputError(name, f"answer {answer!r} is not accept, reject or ignore", line=n)
    who = obj.get("_annotator_id") or options.annotator or DEFAULT_ANNOTATOR
    created = obj.get("created") if isinstance(obj.get("created"), (int, float)) else obj.get("_timestamp")
    spent = obj.get("time_spent")
    meta = obj.get("annotation_meta") if isinstance(obj.get("annotation_meta"), dict) else {}
    labels = UnitLabels(
        unit_index=0, annotator=str(who), answer=answer, spans=list({s.key: s for s in spans}.values()),
        relations=relations, created=float(created) if isinstance(created, (int, float)) else None,
        time_spent=float(spent) if isinstance(spent, (int, float)) and spent >= 0 else None, meta=meta,
    )
    return text, tokens, labels


def annotated_document(name: str, group: list[tuple[int, dict[str, Any]]], options: ReadOptions) -> Parsed:
    """One document from consecutive annotated records (one record when none names a document)."""
    first_line, first = group[0]
    units: list[Unit] = []
    labels: list[UnitLabels] = []
    by_offsets: dict[tuple[int, int], int] = {}
    pieces: list[tuple[int, str]] = []
    grouped = _document_key(first) is not None
    for n, obj in group:
        text, tokens, lab = _record_unit(name, n, obj, options)
        unit_meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        if grouped:
            d = obj["document"]
            start, end = d["start"], d["end"]
            if end - start != len(text):
                raise InputError(name, f"document offsets {start}-{end} do not fit the text ({len(text)} characters)", line=n)
        else:
            start, end = 0, len(text)
        idx = by_offsets.get((start, end))
        if idx is None:
            if units and start < units[-1].end:
                raise InputError(name, f"unit at {start}-{end} overlaps the unit before it in its document", line=n)
            idx = len(units)
            by_offsets[(start, end)] = idx
            units.append(Unit(position=idx, text=text, start=start, end=end, tokens=tokens, meta=unit_meta))
            pieces.append((start, text))
        elif units[idx].text != text:
            raise InputError(name, f"two records give different texts for the unit at {start}-{end}", line=n)
        lab.unit_index = idx
        labels.append(lab)
    parts: list[str] = []
    pos = 0
    for start, text in pieces:
        gap = start - pos
        parts.append(" " if gap == 1 else "\n" * gap)
        parts.append(text)
        pos = start + len(text)
    doc_text = "".join(parts)
    d = first.get("document") if grouped else {}
    ext = d.get("external_id") if grouped else first.get("id", _dict(first.get("meta")).get("id"))
    title = d.get("title", "") if grouped else first.get("title", "")
    doc = Document(title=title if isinstance(title, str) else "", text=doc_text, source=name,
                   external_id=None if ext is None else str(ext), meta={"format": "jsonl"})
    return Parsed(document=doc, units=units, labels=labels, line=first_line)
