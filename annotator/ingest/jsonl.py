"""JSONL: one object per line with ``text`` (and optional ``meta``, ``id``, ``title``).

Each line is one document. The text is taken as given (not cleaned as a web page) and split
into units; blank lines are skipped. A line that is not a JSON object with a string ``text``
is refused with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, register
from annotator.ingest.segment import build_units
from annotator.models import Document


def parse_json_line(name: str, n: int, line: str) -> dict[str, Any]:
    """One JSON object from one line; errors name the file and line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(name, f"not valid JSON ({e.msg} at column {e.colno})", line=n) from None
    except RecursionError:
        raise InputError(name, "JSON nested too deeply", line=n) from None
    if not isinstance(obj, dict):
        raise InputError(name, f"expected a JSON object, got {type(obj).__name__}", line=n)
    return obj


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
    """Read plain text records, one document per line, streaming."""
    seen = False
    for n, line in source.iter_lines():
        if not line.strip():
            continue
        obj = parse_json_line(source.name, n, line)
        doc = record_document(source.name, n, obj)
        seen = True
        yield Parsed(document=doc, units=build_units(doc.text, options.unit), line=n)
    if not seen:
        raise InputError(source.name, "empty file (no records)")
