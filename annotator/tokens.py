"""The default tokenizer and its :class:`Token`: fast, dependency-free and English-news aware.

Tokens carry code-point offsets into the text. Abbreviations with inner periods stay whole
("U.N.", "U.S."), known abbreviations keep their period ("Mr.", "Oct."), possessives and
contractions split off as spaCy does ("Russia", "'s"), hyphenated words stay whole
("Kim Hong-kyun" gives "Hong-kyun"), and numbers keep their separators ("16,985", "3.5").
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

from pydantic import BaseModel, ConfigDict, Field


class Token(BaseModel):
    """One token of a unit: its text and code-point offsets (end exclusive). Defined here,
    under the tokenizer that makes it; :mod:`annotator.models` builds on it (never the other
    way round)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


#: Abbreviations that end in a period but do not end a sentence (lower-cased, no period).
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen lt col maj capt cpl sgt adm cmdr gov sen rep rev hon
    pres supt insp det fr messrs mme mlle
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    inc ltd co corp bros llc plc dept univ assn intl natl govt
    vs etc al approx est fig no nos vol vols pp ed eds op cit ca cf
    ave blvd rd hwy
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo
    mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_W = rf"[\w{_MARKS}]"  # a word character, combining marks included
_CONTRACTION = r"(?:['’](?:s|S|re|RE|ve|VE|ll|LL|d|D|m|M)|n['’]t|N['’]T)(?![\w])"
_TOKEN_RE = re.compile(
    (r"""
      (?:https?://|www\.)\S+[^\s.,;:!?)\]}"'’”]     # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                 # e-mail addresses
    | (?:[A-Za-z]\.){2,}                           # U.N. U.S. S.
    | \d+(?:[.,:/]\d+)*(?:st|nd|rd|th)?           # 16,985  3.5  10:30  1st
    | W+?(?=n['’]t\b)                              # do|n't
    | """ + _CONTRACTION + r"""                      # 's n't 're
    | W+(?:[-‐‑]W+)*(?:['’]W+(?<!['’]s)(?<!['’]re)(?<!['’]ve)(?<!['’]ll)(?<!['’]d)(?<!['’]m))*
                                                   # words, hyphenated, O'Brien
    | \S(?:[MARKS\ufe0f\U0001F3FB-\U0001F3FF]|\u200d\S)*  # any other character, emoji sequences whole
    """).replace("W", _W).replace("MARKS", _MARKS),
    re.VERBOSE | re.UNICODE,
)
_ABBREV_TAIL = re.compile(r"\.")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens with exact code-point offsets."""
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN_RE.finditer(text):
        start, end = m.span()
        word = m.group()
        # Keep the period of a known abbreviation ("Mr.", "Oct.") or a single capital ("S.").
        if end < len(text) and text[end] == "." and word.isalpha():
            if word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                end += 1
                word += "."
        append(Token(text=word, start=start, end=end))
    return _merge_abbreviation_periods(tokens, text)


def _merge_abbreviation_periods(tokens: list[Token], text: str) -> list[Token]:
    """Drop the stand-alone '.' tokens that were swallowed into an abbreviation."""
    out: list[Token] = []
    last_end = -1
    for t in tokens:
        if t.start < last_end:  # a '.' already taken by the abbreviation before it
            continue
        out.append(t)
        last_end = t.end
    return out


def char_span_to_tokens(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """Inclusive token indices covering exactly ``[start, end)``, or None if the span
    does not fall on token boundaries."""
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    i = bisect_left(starts, start)
    if i >= len(tokens) or starts[i] != start:
        return None
    j = bisect_right(ends, end) - 1
    if j < i or ends[j] != end:
        return None
    return i, j


def covering_tokens(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """Inclusive token indices of every token that overlaps ``[start, end)``."""
    idx = [i for i, t in enumerate(tokens) if t.start < end and t.end > start]
    if not idx:
        return None
    return idx[0], idx[-1]



_span_of = re.Match.span


def _chunk_spans(chunk: str) -> list[tuple[int, int]]:
    """Token offsets inside one whitespace-free chunk, by the same rules as :func:`tokenize`."""
    spans = list(map(_span_of, _TOKEN_RE.finditer(chunk)))
    dot = chunk.find(".")
    if dot < 0:
        return spans
    # Only a token that ends right before a '.' can change: an abbreviation takes the period
    # and the token that starts at that period is dropped (as _merge_abbreviation_periods does).
    drops: list[int] = []
    while dot >= 0:
        i = bisect_left(spans, (dot,)) - 1
        if i >= 0:
            a, b = spans[i]
            if b == dot:
                word = chunk[a:b]
                if word.isalpha() and (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())):
                    spans[i] = (a, b + 1)
                    drops.append(i + 1)
        dot = chunk.find(".", dot + 1)
    for j in reversed(drops):
        del spans[j]
    return spans


_TRAILING = frozenset(".,;:!?")


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token exactly as :func:`tokenize` gives them, without Token objects.

    No token and no rule of the tokenizer crosses whitespace (``str.split`` and the regex's
    ``\\s`` agree on what whitespace is), so each whitespace-free chunk is tokenized alone, and
    an all-letter chunk is one token without running the regex. A hypothesis test keeps this
    in step with :func:`tokenize`.
    """
    out: list[tuple[int, int]] = []
    append = out.append
    find = text.find
    pos = 0
    for chunk in text.split():
        start = find(chunk, pos)
        pos = start + len(chunk)
        if chunk.isalpha():
            append((start, pos))
        elif chunk[-1] in _TRAILING and chunk[:-1].isalpha():  # "said," "Moscow."
            word = chunk[:-1]
            if chunk[-1] == "." and (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())):
                append((start, pos))
            else:
                append((start, pos - 1))
                append((pos - 1, pos))
        elif start:
            out.extend([(start + a, start + b) for a, b in _chunk_spans(chunk)])
        else:
            out.extend(_chunk_spans(chunk))
    return out


def token_lists(text: str) -> tuple[list[str], list[int], list[int]]:
    """The words, starts and ends of :func:`tokenize`'s tokens as three parallel lists (the
    rule suggesters' view), by whitespace-free chunks as :func:`token_spans` does them."""
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    word_, start_, end_ = words.append, starts.append, ends.append
    if text.isprintable():  # the only whitespace is U+0020: offsets by counting, in C
        pieces = text.split(" ")
        offsets: Iterable[int] = accumulate([len(c) + 1 for c in pieces], initial=0)
    else:
        pairs = list(_chunks(text))
        pieces, offsets = [c for c, _ in pairs], [o for _, o in pairs]
    for chunk, start in zip(pieces, offsets):
        if not chunk:
            continue
        pos = start + len(chunk)
        if chunk.isalpha():
            word_(chunk)
            start_(start)
            end_(pos)
        elif chunk[-1] in _TRAILING and chunk[:-1].isalpha():  # "said," "Moscow." "Mr."
            word = chunk[:-1]
            if chunk[-1] == "." and (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())):
                word_(chunk)
                start_(start)
                end_(pos)
            else:
                words += (word, chunk[-1])
                starts += (start, pos - 1)
                ends += (pos - 1, pos)
        else:
            for a, b in _chunk_spans(chunk):
                word_(chunk[a:b])
                start_(start + a)
                end_(start + b)
    return words, starts, ends


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """Each whitespace-free run of ``text`` with its offset."""
    if text.isprintable():  # then the only whitespace is U+0020: offsets by counting
        pos = 0
        for chunk in text.split(" "):
            if chunk:
                yield chunk, pos
                pos += len(chunk) + 1
            else:
                pos += 1
        return
    find = text.find
    pos = 0
    for chunk in text.split():
        start = find(chunk, pos)
        yield chunk, start
        pos = start + len(chunk)


def token_dicts(text: str) -> list[dict[str, object]]:
    """Prodigy-style tokens (``text``, ``start``, ``end``, ``id``, ``ws``) of :func:`tokenize`,
    built in one pass over whitespace-free chunks as :func:`token_spans` does (the export's
    hot path; ``ws`` is whether whitespace follows the token)."""
    out: list[dict[str, object]] = []
    append = out.append
    n = len(text)
    i = 0
    for chunk, start in _chunks(text):
        pos = start + len(chunk)
        ws = pos < n  # the chunk's last token is followed by whitespace unless the text ends
        if chunk.isalpha():
            append({"text": chunk, "start": start, "end": pos, "id": i, "ws": ws})
            i += 1
        elif chunk[-1] in _TRAILING and chunk[:-1].isalpha():
            word = chunk[:-1]
            if chunk[-1] == "." and (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())):
                append({"text": chunk, "start": start, "end": pos, "id": i, "ws": ws})
                i += 1
            else:
                append({"text": word, "start": start, "end": pos - 1, "id": i, "ws": False})
                append({"text": chunk[-1], "start": pos - 1, "end": pos, "id": i + 1, "ws": ws})
                i += 2
        else:
            size = len(chunk)
            for a, b in _chunk_spans(chunk):
                append({"text": chunk[a:b], "start": start + a, "end": start + b, "id": i, "ws": ws and b == size})
                i += 1
    return out


def prodigy_tokens(text: str, offsets: Sequence[tuple[int, int]] | None = None) -> list[dict[str, object]]:
    """Prodigy-style token dicts of ``text``: the default tokenizer's (:func:`token_dicts`), or
    of explicit ``offsets`` (``ws``: whitespace follows the token before the next one)."""
    if offsets is None:
        return token_dicts(text)
    nxt = [a for a, _ in offsets]
    nxt.append(len(text))
    return [{"text": text[a:b], "start": a, "end": b, "id": i, "ws": nxt[i + 1] > b and text[b:b + 1].isspace()}
            for i, (a, b) in enumerate(offsets)]


def pack_bounds(tokens: Sequence[dict[str, object]]) -> bytes:
    """Token (start, end) pairs as little-endian int32s: the compact form stored per unit."""
    arr = array("i", [x for t in tokens for x in (t["start"], t["end"])])  # type: ignore[misc]
    if sys.byteorder == "big":
        arr.byteswap()
    return arr.tobytes()


def unpack_bounds(raw: bytes) -> array:
    """The int32s of :func:`pack_bounds`: start, end, start, end, …"""
    arr = array("i")
    arr.frombytes(raw)
    if sys.byteorder == "big":
        arr.byteswap()
    return arr

