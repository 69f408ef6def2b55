"""Documents from one-unit records that say where they sit in their document.

doccano and Label Studio hold one unit per record; our exports of them name the unit's
document and its offsets in it. Consecutive records naming the same document become one
document again on import, its units at their recorded offsets (gaps filled with a space,
or newlines when wider); records that name none are a document each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.errors import InputError
from annotator.ingest.base import Parsed, UnitLabels, UnitSuggestions
from annotator.models import Document, Unit


@dataclass
class UnitRecord:
    """One record's unit, with its decisions and suggestions (``unit_index`` 0)."""

    line: int
    text: str
    labels: list[UnitLabels] = field(default_factory=list)
    suggestions: list[UnitSuggestions] = field(default_factory=list)
    external_id: str | None = None  # the record's own id, for a document of one record
    doc_meta: dict[str, Any] = field(default_factory=dict)
    document: Any = None  # the document's key (hashable) when the record names one
    start: int = 0  # offsets inside that document
    end: int = 0
    doc_external_id: str | None = None
    doc_title: str = ""


def document_key(d: Any) -> tuple[Any, int, int, Any, Any] | None:
    """(key, start, end, external id, title) of an exported ``document`` object, or None
    when the record does not name one with integer offsets."""
    if not isinstance(d, dict):
        return None
    start, end = d.get("start"), d.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        return None
    key = (d.get("id"), d.get("external_id"), d.get("title"))
    if key == (None, None, None):
        return None
    ext = d.get("external_id")
    title = d.get("title")
    return key, start, end, None if ext is None else str(ext), title if isinstance(title, str) else ""


def group_records(name: str, records: Iterable[UnitRecord]) -> Iterator[Parsed]:
    """Consecutive records of the same document as one :class:`Parsed` each."""
    group: list[UnitRecord] = []
    for rec in records:
        if group and (rec.document is None or rec.document != group[0].document):
            yield _document(name, group)
            group = []
        if rec.document is None:
            yield _document(name, [rec])  # a document of its own: no need to wait for the next
            continue
        group.append(rec)
    if group:
        yield _document(name, group)


def _document(name: str, group: list[UnitRecord]) -> Parsed:
    first = group[0]
    if first.document is None:
        doc = Document(title="", text=first.text, source=name, external_id=first.external_id, meta=first.doc_meta)
        return Parsed(document=doc, units=[Unit(position=0, text=first.text, start=0, end=len(first.text))],
                      labels=first.labels, suggestions=first.suggestions, line=first.line)
    units: list[Unit] = []
    by_offsets: dict[tuple[int, int], int] = {}
    labels: list[UnitLabels] = []
    suggestions: list[UnitSuggestions] = []
    parts: list[str] = []
    pos = 0
    for rec in group:
        if rec.end - rec.start != len(rec.text):
            raise InputError(name, f"document offsets {rec.start}-{rec.end} do not fit the text "
                             f"({len(rec.text)} characters)", line=rec.line)
        idx = by_offsets.get((rec.start, rec.end))
        if idx is None:
            if units and rec.start < units[-1].end:
                raise InputError(name, f"unit at {rec.start}-{rec.end} overlaps the unit before it in its document",
                                 line=rec.line)
            idx = by_offsets[(rec.start, rec.end)] = len(units)
            units.append(Unit(position=idx, text=rec.text, start=rec.start, end=rec.end))
            gap = rec.start - pos
            parts.append(" " if gap == 1 else "\n" * gap)
            parts.append(rec.text)
            pos = rec.end
        elif units[idx].text != rec.text:
            raise InputError(name, f"two records give different texts for the unit at {rec.start}-{rec.end}",
                             line=rec.line)
        for lab in rec.labels:
            lab.unit_index = idx
            labels.append(lab)
        for sug in rec.suggestions:
            sug.unit_index = idx
            suggestions.append(sug)
    doc = Document(title=first.doc_title, text="".join(parts), source=name, external_id=first.doc_external_id,
                   meta=first.doc_meta)
    return Parsed(document=doc, units=units, labels=labels, suggestions=suggestions, line=first.line)
