"""Sentence segmentation for news text: rule-based, fast, offsets exact.

Paragraph breaks always end a sentence. Inside a paragraph a sentence ends at ``.``, ``!`` or
``?`` (with any closing quotes or brackets after it) followed by white space and something
that can start a sentence, unless the word before the period is a known abbreviation
("Mr.", "Oct."), an initial ("S. Koreans") or a dotted acronym ("U.N.").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from annotator.tokens import ABBREVIATIONS

if TYPE_CHECKING:
    from annotator.models import Unit

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{"
# Candidate boundary: terminal punctuation, closers, then white space.
_BOUNDARY = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.’'-]+)$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")
_LOOK_BACK = 64  # longest word looked at before a period (abbreviations and initials are short)
_CREDIT = re.compile(r"^\([^()\n]{1,40}\)[.]?$")  # "(Reuters)" after a caption


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, white space trimmed. Blank lines separate paragraphs;
    a text without blank lines is taken to have one paragraph per line."""
    breaker = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else _LINE_BREAK
    out: list[tuple[int, int]] = []
    pos = 0
    for m in breaker.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [t for s, e in out if (t := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _is_boundary(text: str, punct_start: int, punct_end: int, para_end: int) -> bool:
    """Whether the punctuation at ``text[punct_start:punct_end]`` ends a sentence."""
    nxt = punct_end
    while nxt < para_end and text[nxt].isspace():
        nxt += 1
    if nxt >= para_end:
        return False  # the paragraph's end closes it anyway
    following = text[nxt]
    if not (following.isupper() or following.isdigit() or following in _OPENERS or following in "–—-"):
        return False
    if text[punct_start] != ".":
        return True
    if punct_end - punct_start > 1 and text[punct_start:punct_end].rstrip(_CLOSERS) != ".":
        return True  # "..." or ".!" style
    # a bounded look-back: searching from 0 made a long paragraph quadratic in its length
    m = _WORD_BEFORE.search(text, max(0, punct_start - _LOOK_BACK), punct_start)
    word = m.group(1) if m else ""
    bare = word.rstrip(".").lower()
    if not word:
        return True
    if bare in ABBREVIATIONS and text[punct_start + 1 : punct_end] == "":
        return False
    if len(bare) == 1 and bare.isalpha() and word[0].isupper():
        return False  # an initial: "S. Koreans", "George W. Bush"
    if _DOTTED_ACRONYM.match(word + "."):
        # "U.N. Security Council" continues; "in the U.S. The next" is ambiguous: keep whole
        return False
    return True


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in ``text[start:end]`` (one paragraph)."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        if _is_boundary(text, m.start(), m.end(), end):
            if (t := _trim(text, pos, m.end())):
                out.append(t)
            pos = m.end()
    if (t := _trim(text, pos, end)):
        out.append(t)
    return _merge_fragments(text, out)


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a piece with no letter or digit (a stray ". ") or a bare credit ("(Reuters)")
    onto the sentence before it."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        piece = text[s:e]
        if merged and (not any(ch.isalnum() for ch in piece) or _CREDIT.match(piece)):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def split_units(text: str, unit: str = "sentence") -> list[tuple[int, int]]:
    """Offsets of the units of a document: sentences (default), paragraphs, or ``record``:
    each line as it is, unsplit (data that is segmented already; a JSONL record's text is
    one unit whole, see :func:`record_unit`)."""
    if unit == "record":
        out_lines: list[tuple[int, int]] = []
        pos = 0
        for line in text.split("\n"):
            t = _trim(text, pos, pos + len(line))
            if t:
                out_lines.append(t)
            pos += len(line) + 1
        return out_lines
    paras = paragraphs(text)
    if unit == "paragraph":
        return paras
    if unit != "sentence":
        raise ValueError(f"unknown unit {unit!r} (sentence, paragraph or record)")
    out: list[tuple[int, int]] = []
    for s, e in paras:
        out.extend(sentences(text, s, e))
    return out


def build_units(text: str, unit: str = "sentence") -> list[Unit]:
    """The :class:`Unit` objects of a document text, positions and offsets filled in."""
    from annotator.models import Unit

    return [
        Unit(text=text[s:e], start=s, end=e, position=i)
        for i, (s, e) in enumerate(split_units(text, unit))
    ]


def record_unit(text: str) -> list[Unit]:
    """A record's whole text (white space trimmed) as its one unit: ``--unit record``."""
    from annotator.models import Unit

    t = _trim(text, 0, len(text))
    return [Unit(text=text[t[0]:t[1]], start=t[0], end=t[1], position=0)] if t else []
