"""Reading reliability data from CSV: ``unit,annotator,value`` tables and
``document,annotator,label,start,end`` span lists. Bad input raises InputError naming the
file and line."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from annotator.agreement.reliability import Reliability, is_missing
from annotator.agreement.unitizing import Continuum, Segment
from annotator.errors import InputError

TABLE_COLUMNS: tuple[str, ...] = ("unit", "annotator", "value")
UNITS_COLUMNS: tuple[str, ...] = ("document", "annotator", "label", "start", "end")


def _read_text(path: str) -> str:
    """The file (or stdin for '-') as text; InputError for missing or non-UTF-8 files."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(path, "not UTF-8 text", line) from None


def _rows(path: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose header names ``columns`` (any order, extra
    columns ignored); blank lines are skipped."""
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, f"empty file; expected a header {','.join(columns)}", 1) from None
    except csv.Error as e:
        raise InputError(path, f"bad CSV: {e}", 1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    if missing:
        raise InputError(
            path, f"header lacks column(s) {', '.join(missing)}; expected {','.join(columns)}", 1
        )
    index = {c: names.index(c) for c in columns}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(path, f"bad CSV: {e}", reader.line_num) from None
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < len(names):
            raise InputError(path, f"expected {len(names)} fields, found {len(row)}", line)
        yield line, {c: row[i].strip() for c, i in index.items()}


def read_table(path: str) -> Reliability:
    """Reliability data from a ``unit,annotator,value`` CSV (empty value = missing)."""
    seen: dict[tuple[str, str], int] = {}
    triples: list[tuple[str, str, str | None]] = []
    for line, row in _rows(path, TABLE_COLUMNS):
        unit, annotator, value = row["unit"], row["annotator"], row["value"]
        if not unit:
            raise InputError(path, "empty unit", line)
        if not annotator:
            raise InputError(path, "empty annotator", line)
        key = (unit, annotator)
        if key in seen and not is_missing(value):
            raise InputError(
                path, f"annotator {annotator!r} already gave unit {unit!r} a value on line {seen[key]}", line
            )
        if not is_missing(value):
            seen[key] = line
        triples.append((unit, annotator, value or None))
    if not triples:
        raise InputError(path, "no rows after the header")
    return Reliability.from_triples(triples)


def parse_continuum(text: str) -> Continuum:
    """``BEGIN:END`` as a Continuum; ValueError when malformed."""
    try:
        begin_s, end_s = text.split(":")
        begin, end = int(begin_s), int(end_s)
    except ValueError:
        raise ValueError(f"continuum must be BEGIN:END with whole numbers, not {text!r}") from None
    if begin < 0 or end <= begin:
        raise ValueError(f"continuum {text!r}: need 0 <= BEGIN < END")
    return Continuum(begin, end)


def read_units(path: str, continuum: Continuum | None = None) -> tuple[list[Segment], dict[str, Continuum]]:
    """Segments from a ``document,annotator,label,start,end`` CSV (end exclusive) and each
    document's continuum (``continuum`` for all, else 0 to the document's largest end)."""
    segments: list[Segment] = []
    lines: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}
    for line, row in _rows(path, UNITS_COLUMNS):
        for col in ("document", "annotator", "label"):
            if not row[col]:
                raise InputError(path, f"empty {col}", line)
        try:
            start, end = int(row["start"]), int(row["end"])
        except ValueError:
            raise InputError(path, f"start and end must be whole numbers, not {row['start']!r}, {row['end']!r}",
                             line) from None
        if start < 0 or end <= start:
            raise InputError(path, f"need 0 <= start < end, got {start}, {end}", line)
        if continuum is not None and (start < continuum.begin or end > continuum.end):
            raise InputError(
                path, f"span {start}-{end} is outside the continuum {continuum.begin}:{continuum.end}", line
            )
        lines.setdefault((row["document"], row["annotator"], row["label"]), []).append((start, end, line))
        segments.append(Segment(row["document"], row["annotator"], row["label"], start, end))
    if not segments:
        raise InputError(path, "no rows after the header")
    for (_doc, _ann, label), spans in lines.items():
        spans.sort()
        for (s1, e1, l1), (s2, e2, l2) in zip(spans, spans[1:]):
            if s2 < e1:
                first, second = sorted(((s1, e1, l1), (s2, e2, l2)), key=lambda x: x[2])
                raise InputError(
                    path,
                    f"{label} {second[0]}-{second[1]} overlaps {first[0]}-{first[1]} (line {first[2]}) by the"
                    " same annotator; one annotator's units of a label must not overlap",
                    second[2],
                )
    continua: dict[str, Continuum] = {}
    for s in segments:
        if continuum is not None:
            continua[s.document] = Continuum(continuum.begin, continuum.end)
        else:
            c = continua.setdefault(s.document, Continuum(0, s.end))
            c.end = max(c.end, s.end)
    return segments, continua
