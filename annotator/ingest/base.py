"""What every reader yields, and how readers are found by format name.

A reader turns one *source* (a file, a directory for brat, or stdin) into :class:`Parsed`
documents. It raises :class:`annotator.errors.InputError` naming the file and line for bad
input; the importer then rolls back everything read from that source.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from annotator.errors import InputError
from annotator.models import Document, Relation, Span, Unit


@dataclass
class UnitLabels:
    """An existing decision on one unit, brought in from another tool's file."""

    unit_index: int
    annotator: str
    answer: str = "accept"
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    created: float | None = None
    time_spent: float | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class UnitSuggestions:
    """Spans proposed for one unit by a named suggester (a model's pre-annotations): kept
    apart from decisions, never gold."""

    unit_index: int
    suggester: str
    version: str = ""
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


@dataclass
class Parsed:
    """One document as read: its units (offsets into ``document.text``), any decisions
    (``labels``) and any pre-annotations (``suggestions``)."""

    document: Document
    units: list[Unit]
    labels: list[UnitLabels] = field(default_factory=list)
    line: int | None = None  # where it started in its source, for messages
    suggestions: list[UnitSuggestions] = field(default_factory=list)


@dataclass
class ReadOptions:
    """Knobs the import command passes to every reader."""

    unit: str = "sentence"  # or "paragraph", or "record" (one record / line = one unit, unsplit)
    annotator: str | None = None  # annotator recorded when a record names none
    labels_as: str = "decisions"  # or "suggestions": pre-annotated spans to review, not decisions
    brat_annotator_pattern: str = r"^(?P<doc>.+?)_(?P<annotator>[^_]+)$"  # PolNeAR: <doc>_<annotator>.ann
    label_map: dict[str, str] = field(default_factory=dict)


@dataclass
class Source:
    """A place to read from: a path, or stdin when ``path`` is ``-``."""

    path: Path
    stdin: BinaryIO | None = None
    root: Path | None = None  # the directory given on the command line, when read from one

    @property
    def name(self) -> str:
        return "<stdin>" if self.is_stdin else str(self.path)

    @property
    def stem(self) -> str:
        """The document id a one-document file gets: its path inside the directory it was
        found in, without suffix (``a/index`` and ``b/index`` stay apart), else its stem."""
        if self.is_stdin:
            return "stdin"
        if self.root is not None:
            return self.path.relative_to(self.root).with_suffix("").as_posix()
        return self.path.stem

    @property
    def is_stdin(self) -> bool:
        return str(self.path) == "-"

    def open_binary(self) -> BinaryIO:
        if self.is_stdin:
            return self.stdin or sys.stdin.buffer
        return open(self.path, "rb")

    def read_text(self) -> str:
        """The whole source as text; refuses binary data and invalid UTF-8 (BOM stripped)."""
        with self.open_binary() as fh:
            data = fh.read()
        return decode_text(self.name, data)

    def iter_lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) for each line, decoded strictly as UTF-8, streaming."""
        with self.open_binary() as fh:
            yield from iter_lines(self.name, fh)


def iter_lines(name: str, fh: Iterable[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a binary stream, decoded strictly as UTF-8 (a BOM
    dropped); errors name ``name`` and the line."""
    for n, raw in enumerate(fh, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            raise InputError(name, "binary data (NUL byte); not a text file", line=n)
        try:
            yield n, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as e:
            raise InputError(name, f"invalid UTF-8 at byte {e.start} of the line", line=n) from None


class Prefixed(io.RawIOBase):
    """A binary stream whose first bytes were read already (to sniff its kind): ``head``,
    then the rest of ``fh``. Wrap it in :class:`io.BufferedReader` to read lines."""

    def __init__(self, head: bytes, fh: BinaryIO) -> None:
        self.head = memoryview(head)
        self.fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.fh.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def decode_text(name: str, data: bytes) -> str:
    """Decode a whole file strictly; the error names the line of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, "binary data (NUL byte); not a text file", line=data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(name, "invalid UTF-8", line=data.count(b"\n", 0, e.start) + 1) from None


Reader = Callable[[Source, ReadOptions], Iterator[Parsed]]

#: format name -> reader. Readers register themselves with :func:`register`.
READERS: dict[str, Reader] = {}
#: formats whose source is a directory (brat: .txt + .ann files side by side).
DIRECTORY_FORMATS: set[str] = set()
#: file suffix -> format, for ``--format auto``.
SUFFIXES: dict[str, str] = {}


def register(name: str, *, suffixes: tuple[str, ...] = (), directory: bool = False) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        READERS[name] = fn
        for s in suffixes:
            SUFFIXES[s] = name
        if directory:
            DIRECTORY_FORMATS.add(name)
        return fn

    return deco


def text_stream(text: str) -> BinaryIO:
    return io.BytesIO(text.encode("utf-8"))


@contextmanager
def malformed(name: str, line: int | None, what: str = "record") -> Iterator[None]:
    """Turn a reader's surprise at a record's shape (a list where an object was expected, a
    missing key, a value of the wrong type) into an :class:`InputError` for that line."""
    try:
        yield
    except InputError:
        raise
    except RecursionError:
        raise InputError(name, f"{what} nested too deeply", line=line) from None
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as e:
        detail = str(e).splitlines()[0] if str(e) else e.__class__.__name__
        raise InputError(name, f"malformed {what} ({detail})", line=line) from None
