"""CoNLL-2003 columns: one token per line, NER tag in the last column, IOB2 on export.

Reading: ``-DOCSTART-`` lines split documents, blank lines split sentences; each sentence is
one unit whose text is its tokens joined by single spaces, and the exact tokens are kept in
``Unit.tokens`` so an export gives back the same tokens. The columns between the token and
the tag (POS and chunk in CoNLL-2003) are kept in ``unit.meta["conll_columns"]`` and written
back. Tags may be IOB2 or IOB1 (an ``I-`` after ``O`` or another type opens an entity); the
export always writes IOB2. A document's text is its sentences joined by newlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, UnitLabels, register
from annotator.models import Document, Span, Token, Unit

if TYPE_CHECKING:
    from annotator.formats.records import Item

DOCSTART = "-DOCSTART-"
DEFAULT_ANNOTATOR = "conll"


def tags_to_spans(tags: list[str], tokens: list[Token], name: str, line: int) -> list[Span]:
    """Entity spans from IOB1/IOB2 tags over ``tokens`` (``line`` is the sentence's first line)."""
    spans: list[Span] = []
    begin: int | None = None
    label = ""

    def close(i: int) -> None:
        if begin is not None:
            spans.append(Span(start=tokens[begin].start, end=tokens[i].end, label=label,
                              layer="entities", token_start=begin, token_end=i))

    for i, tag in enumerate(tags):
        if tag == "O":
            close(i - 1)
            begin = None
            continue
        prefix, sep, kind = tag.partition("-")
        if not sep or prefix not in ("B", "I", "E", "S") or not kind:
            raise InputError(name, f"bad NER tag {tag!r} (expected O, B-X or I-X)", line=line + i)
        if prefix in ("B", "S") or begin is None or kind != label:
            close(i - 1)
            begin, label = i, kind
        if prefix in ("E", "S"):
            close(i)
            begin = None
    close(len(tags) - 1)
    return spans


def spans_to_tags(n_tokens: int, spans: Iterable[Span]) -> list[str]:
    """IOB2 tags for the entity spans (token indices must be set)."""
    tags = ["O"] * n_tokens
    for s in spans:
        if s.token_start is None or s.token_end is None:
            continue
        tags[s.token_start] = f"B-{s.label}"
        for i in range(s.token_start + 1, s.token_end + 1):
            tags[i] = f"I-{s.label}"
    return tags


def _document(name: str, stem: str, n_doc: int, sentences: list[tuple[int, list[list[str]]]],
              options: ReadOptions, first_line: int) -> Parsed:
    """Build one document from its sentences (each: first line number, rows of columns)."""
    units: list[Unit] = []
    labels: list[UnitLabels] = []
    pos = 0
    texts: list[str] = []
    annotator = options.annotator or DEFAULT_ANNOTATOR
    for idx, (line, rows) in enumerate(sentences):
        tokens: list[Token] = []
        offset = 0
        for row in rows:
            tokens.append(Token(text=row[0], start=offset, end=offset + len(row[0])))
            offset += len(row[0]) + 1
        text = " ".join(r[0] for r in rows)
        middle = [" ".join(r[1:-1]) for r in rows]
        meta = {"conll_columns": middle} if any(m and m != "_ _" for m in middle) else {}
        units.append(Unit(position=idx, text=text, start=pos, end=pos + len(text), tokens=tokens, meta=meta))
        spans = tags_to_spans([r[-1] for r in rows], tokens, name, line)
        if options.label_map:
            spans = [s.model_copy(update={"label": options.label_map.get(s.label, s.label)}) for s in spans]
        labels.append(UnitLabels(unit_index=idx, annotator=annotator, spans=spans))
        texts.append(text)
        pos += len(text) + 1
    doc = Document(title=f"{stem} #{n_doc}", text="\n".join(texts), source=name,
                   external_id=f"{stem}-{n_doc}", meta={"format": "conll"})
    return Parsed(document=doc, units=units, labels=labels, line=first_line)


@register("conll", suffixes=(".conll", ".conll03", ".iob", ".bio"))
def read_conll(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Documents of a CoNLL-2003 file: one per ``-DOCSTART-``, a unit per sentence."""
    name = source.name
    stem = "stdin" if source.is_stdin else Path(source.path).stem
    sentences: list[tuple[int, list[list[str]]]] = []
    rows: list[list[str]] = []
    row_line = 0
    doc_line = 1
    n_doc = 0
    n_cols: int | None = None
    for n, raw in source.iter_lines():
        line = raw.strip()
        if not line:
            if rows:
                sentences.append((row_line, rows))
                rows = []
            continue
        cols = line.split()
        if cols[0] == DOCSTART:
            if rows:
                sentences.append((row_line, rows))
                rows = []
            if sentences:
                n_doc += 1
                yield _document(name, stem, n_doc, sentences, options, doc_line)
                sentences = []
            doc_line = n
            continue
        if len(cols) < 2:
            raise InputError(name, "expected a token and a tag separated by white space", line=n)
        if n_cols is None:
            n_cols = len(cols)
        elif len(cols) != n_cols:
            raise InputError(name, f"{len(cols)} columns where earlier lines have {n_cols}", line=n)
        if not rows:
            row_line = n
        rows.append(cols)
    if rows:
        sentences.append((row_line, rows))
    if sentences:
        n_doc += 1
        yield _document(name, stem, n_doc, sentences, options, doc_line)


def write_conll_unit(tokens: list[str], tags: list[str], middle: list[str] | None) -> str:
    """One sentence block (no trailing blank line); ``_ _`` stands in for unknown columns."""
    out = []
    for i, (tok, tag) in enumerate(zip(tokens, tags)):
        mid = middle[i] if middle and i < len(middle) and middle[i] else "_ _"
        out.append(f"{tok} {mid} {tag}")
    return "\n".join(out)


def write_conll(items: Iterable[Item], out: TextIO, docs: object = None) -> int:
    """CoNLL-2003 columns: ``-DOCSTART-`` before each document, a blank line after each
    sentence, entity spans as IOB2 tags (claims are not written: CoNLL has no place for them)."""
    from annotator.formats.records import token_range, unit_token_offsets

    n = 0
    current_doc: int | None = None
    write = out.write
    for item in items:
        unit = item.unit
        if n == 0 or unit.document_id != current_doc:
            write("-DOCSTART- -X- -X- O\n\n")
            current_doc = unit.document_id
        offsets = unit_token_offsets(unit)
        starts = [a for a, _ in offsets]
        ends = [b for _, b in offsets]
        tags = ["O"] * len(offsets)
        for s in sorted(item.spans, key=lambda s: s["start"]):
            if s.get("layer", "entities") != "entities":
                continue
            r = token_range(offsets, starts, ends, s["start"], s["end"])
            if r is None:
                continue
            tags[r[0]] = f"B-{s['label']}"
            for i in range(r[0] + 1, r[1] + 1):
                tags[i] = f"I-{s['label']}"
        words = [unit.text[a:b] for a, b in offsets]
        if not words:
            continue
        write(write_conll_unit(words, tags, unit.meta.get("conll_columns")))
        write("\n\n")
        n += 1
    return n
