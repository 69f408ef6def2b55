"""News rules: names found by capitalisation and classified by titles, cues and place lists,
plus dates, numbers, money and percentages found by regular expressions.

Everything is dictionary and regex work on a unit's tokens (no model), so that it keeps up
with import. A short per-document memory carries a label from a full mention to later short
ones ("Vladimir Putin" ... "Putin"; "National Intelligence Service (NIS)" ... "NIS").
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence

from annotator.models import Scheme, Span, Suggestion, Unit
from annotator.suggest import lexicon as lx
from annotator.suggest.labels import entity_label_map
from annotator.suggest.text import Toks, trusted_suggestion, unit_tokens

_MONTH = r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMWORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozens|hundreds|thousands|millions|billions|dozen)"
_SCALE = r"(?:\s(?:million|billion|trillion|thousand|hundred|mln|bln))?"
_NUM = r"\d+(?:[.,]\d+)*"
_APPROX = r"(?:(?:about|around|nearly|almost|some|over|more than|less than|fewer than|up to|at least|roughly|approximately)\s)?"

NUMERIC_RE = re.compile(
    rf"""
      (?P<MONEY>{_APPROX}(?:[$€£¥]|US\$|(?:USD|EUR|GBP)\s?)\s?{_NUM}{_SCALE}
        | {_APPROX}{_NUM}{_SCALE}\s(?:dollars|euros|pounds|yen|yuan|rubles|roubles|won|francs|marks)\b)
    | (?P<PERCENT>{_APPROX}{_NUM}\s?(?:%|percent\b|per\scent\b|percentage\spoints?\b))
    | (?P<DATE>(?:\b(?:early|mid|late)[-\s])?\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?(?:\s(?:and|to|-|–)\s\d{{1,2}})?(?:,?\s(?:19|20)\d\d)?\b
        | \b\d{{1,2}}\s{_MONTH}(?:,?\s(?:19|20)\d\d)?\b
        | \b{_MONTH}\s(?:19|20)\d\d\b
        | \b(?i:last|next|this|earlier\sthis|later\sthis)\s(?:week|month|year|spring|summer|autumn|fall|winter|weekend|{_MONTH}|{_DAY})\b
        | \b(?:January|February|March|April|June|July|August|September|October|November|December)\b
        | \b{_DAY}\b
        | \b(?:yesterday|today|tomorrow)\b
        | \b(?:19|20)\d\d-\d\d-\d\d\b
        | \b(?:the\s)?(?:19|20)\d0s\b
        | \b(?:19|20)\d\d(?=['’]s\b)
        | \b\d+\s(?:days|weeks|months|years|decades)(?:\sago)?\b
        | \b(?:19|20)\d\d\b(?![,.]\d))
    | (?P<TIME>\b\d{{1,2}}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT\b)
        | \b(?:this|last|yesterday|Friday|Monday|Tuesday|Wednesday|Thursday|Saturday|Sunday)\s(?:morning|afternoon|evening|night)\b)
    | (?P<CARDINAL>{_APPROX}\b{_NUM}{_SCALE}(?![\w.]*\d)
        | {_APPROX}\b{_NUMWORD}(?:\s(?:of\s)?(?:thousand|million|billion|hundred))?\b)
    """,
    re.VERBOSE,
)

_NUMERIC_STARTS = frozenset(
    """about around nearly almost some over more less fewer up at roughly approximately early mid late
    last next this earlier later the yesterday today tomorrow one two three four five six seven eight nine
    ten eleven twelve fifteen twenty thirty forty fifty hundred dozens hundreds thousands millions billions
    dozen usd eur gbp""".split()
) | lx.MONTHS | lx.WEEKDAYS | frozenset(m.rstrip(".") for m in lx.MONTHS)
_NUM_FIRST = "0123456789$€£¥"
_NUMERIC_STARTS_ANY = _NUMERIC_STARTS | frozenset(w.capitalize() for w in _NUMERIC_STARTS) | frozenset(["US$"])
_HEADLINE_SMALL = lx.CONNECTORS | lx._words("to a an the in on for at by with as is vs from into over after up")
_ALLCAPS_STOP = lx._words("CEO CFO TV GMT EST AM PM OK DNA HIV AIDS GDP ID PC CD DVD MP PR VAT AGM RPM I II III IV V VI VII VIII IX X A")
_PERSON_VERBS = lx._words("said says told added stressed noted asked urged warned wrote explained argued claimed insisted")
_PLACE_PREPS = lx._words("in at from near to via across throughout outside inside into towards toward")
_POSSESSIVE = ("'s", "’s", "'", "’")
_OPENERS = frozenset('"“‘\'(-–—:•*[')


def _is_cap(w: str) -> bool:
    """A token that can be part of a proper name ("Seoul", "U.S.", "al-Assad", "McCain")."""
    c = w[0]
    if c.isupper():
        return True
    return w.startswith(("al-", "el-", "bin-")) and len(w) > 4 and w[3:4].isupper()


def _is_acronym(w: str) -> bool:
    """An all-capital token of 2-6 letters, dots allowed ("NIS", "U.N.")."""
    core = w.replace(".", "").replace("&", "")
    return 2 <= len(core) <= 6 and core.isalpha() and core.isupper()


class NewsRules:
    """Rule-based entity suggester for news text."""

    name = "news-rules"
    version = "1"

    def __init__(self, scheme: Scheme, memory_docs: int = 8) -> None:
        """Rules for ``scheme``; names are remembered for the last ``memory_docs`` documents."""
        self.label_map = entity_label_map(scheme)
        self.places = lx.places()
        self.place_prefixes = lx.place_prefixes()
        self._memory: OrderedDict[object, dict[str, str]] = OrderedDict()
        self._memory_docs = memory_docs

    # ------------------------------------------------------------------ driver
    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        return [self.suggest_one(u) for u in units]

    def suggest_one(self, unit: Unit) -> Suggestion:
        """The entity spans the rules find in one unit."""
        toks = unit_tokens(unit)
        memory = self._doc_memory(unit)
        found = self.names(toks, memory)
        found = self._add_numeric(toks, found)
        spans: list[Span] = []
        label_map = self.label_map
        for i, j, label, score in sorted(found):
            mapped = label_map.get(label)
            if mapped is not None:
                spans.append(toks.span(i, j, mapped, self.name, score))
        return trusted_suggestion(unit.id, self.name, self.version, spans)

    def _doc_memory(self, unit: Unit) -> dict[str, str]:
        """The names already labelled in this unit's document (empty without a document)."""
        key = (unit.dataset, unit.document_id) if unit.document_id is not None else None
        if key is None:
            return {}
        mem = self._memory.get(key)
        if mem is None:
            mem = self._memory[key] = {}
            while len(self._memory) > self._memory_docs:
                self._memory.popitem(last=False)
        return mem

    # ------------------------------------------------------------------ numbers
    def _add_numeric(self, toks: Toks, found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
        """Dates, times, money, percentages and numbers, tried only at tokens that can start one."""
        words = toks.words
        n = len(words)
        taken = [False] * n
        for i, j, _, _ in found:
            for k in range(i, j + 1):
                taken[k] = True
        text = toks.text
        starts = toks.starts
        match = NUMERIC_RE.match
        c = 0
        for c2, w in enumerate(words):
            if c2 < c or not (w[0] in _NUM_FIRST or w in _NUMERIC_STARTS_ANY):
                continue
            c = c2
            m = match(text, starts[c])
            if m is None or m.end() <= starts[c]:
                continue
            rng = _snap(toks, m.start(), m.end())
            if rng is None or any(taken[rng[0] : rng[1] + 1]):
                continue
            i, j = rng
            for k in range(i, j + 1):
                taken[k] = True
            label = m.lastgroup or "CARDINAL"
            found.append((i, j, label, 0.8 if label != "CARDINAL" else 0.6))
            c = j + 1
        return found

    # ------------------------------------------------------------------ names
    def names(self, toks: Toks, memory: dict[str, str]) -> list[tuple[int, int, str, float]]:
        """Proper-name spans as (token_start, token_end, label, score)."""
        words = toks.words
        n = len(words)
        if n == 0:
            return []
        cap = [w[0].isupper() for w in words]
        if "-" in toks.text:
            for k, w in enumerate(words):
                if not cap[k] and _is_cap(w):
                    cap[k] = True
        # headlines: mostly ALL CAPS, or Title Case with only small words in lower case
        n_alpha = n_upper = n_lower = 0
        for w in words:
            if len(w) > 1 and w[0].isalpha():
                n_alpha += 1
                if w.isupper():
                    n_upper += 1
                elif w[0].islower() and w not in _HEADLINE_SMALL:
                    n_lower += 1
        headline = n_alpha >= 2 and (n_upper >= 0.6 * n_alpha or (n_alpha >= 4 and n_lower == 0))
        out: list[tuple[int, int, str, float]] = []
        i = 0
        while i < n:
            if not cap[i]:
                i += 1
                continue
            j = i
            while True:
                k = j + 1
                if k < n and cap[k]:
                    j = k
                    continue
                # connectors inside an organisation name ("Bank of England") or a person's particles
                if (
                    k + 1 < n
                    and words[k].lower() in lx.CONNECTORS
                    and cap[k + 1]
                    and not headline
                    and (
                        any(words[x].lower() in lx.ORG_HEADS for x in range(i, j + 1))
                        or (words[k] in lx.PARTICLES and j > i)
                    )
                ):
                    j = k + 1
                    continue
                break
            if headline:
                out.extend(self._lookup_only(words, i, j, memory))
            else:
                out.extend(self._classify(words, i, j, memory))
            i = j + 1
        self._acronyms(words, out, memory)
        if n_lower <= 2 and any(w[0] in "0123456789" for w in words):
            out = _teams_in_tables(words, out)
        return out

    def _sentence_start(self, words: list[str], i: int) -> bool:
        """Whether token ``i`` opens a sentence or a quotation (capitalised anyway)."""
        return i == 0 or all(w in _OPENERS for w in words[max(0, i - 2) : i]) or words[i - 1] in ('"', "“", "-", "–", "—", ":", "(")

    def _classify(self, words: list[str], i: int, j: int, memory: dict[str, str]) -> list[tuple[int, int, str, float]]:
        """Label the capitalised chunk ``words[i..j]`` (it may yield several spans)."""
        out: list[tuple[int, int, str, float]] = []
        whole = self._known(" ".join(words[i : j + 1]), memory)
        if whole is not None:
            return [(i, j, whole, 0.9)]
        # drop sentence-initial common words ("The", "In", "But")
        while i <= j and (words[i].lower() in lx.COMMON or words[i] in ("I", "A")) and (
            self._sentence_start(words, i) or words[i].lower() in ("the", "a", "an", "i")
        ):
            if words[i] in lx.MONTHS or words[i] in lx.WEEKDAYS:
                break
            i += 1
        # months and weekdays are dates, not names
        while i <= j and (words[i] in lx.MONTHS or words[i] in lx.WEEKDAYS or words[i].lower() in ("today", "yesterday")):
            i += 1
        if i > j:
            return out
        chunk = words[i : j + 1]
        text = " ".join(chunk)
        last = chunk[-1].lower()
        whole = self._known(text, memory)
        if whole is not None:
            out.append((i, j, whole, 0.9))
            return out
        if len(chunk) > 1 or last not in lx.ORG_CUES:
            cue = self._cue_label(chunk)
            if cue is not None:
                # a leading title belongs to nobody ("Foreign Ministry" is fine, "Minister" alone is not)
                out.append((i, j, cue, 0.8))
                memory.setdefault(text, cue)
                return out
        # leading nationality/place modifiers, then titles: "Russian President Vladimir Putin"
        k = i
        mod = self._modifier(words, k, j)
        if mod is not None:
            end, label = mod
            if end < j and words[end + 1].lower() in lx.TITLES:
                out.append((k, end, label, 0.85))
                k = end + 1
        titled = False
        while k <= j and words[k].lower().rstrip(".") in lx.TITLES or (k <= j and words[k].lower() in lx.TITLES):
            titled = True
            k += 1
        if titled:
            if k <= j:
                rest = " ".join(words[k : j + 1])
                label = self._known(rest, memory) or "PERSON"
                out.append((k, j, label, 0.85))
                if label == "PERSON":
                    self._remember_person(words[k : j + 1], memory)
            return out
        if i > 0 and words[i - 1].lower() in lx.TITLES and not self._sentence_start(words, i - 1) and words[i - 1].islower():
            out.append((i, j, "PERSON", 0.75))
            self._remember_person(chunk, memory)
            return out
        # a modifier followed by more name words: "Russian Navy" handled by cues; "Russian Kim"? split
        if mod is not None and mod[0] < j:
            end, label = mod
            rest = words[end + 1 : j + 1]
            rest_label = self._known(" ".join(rest), memory)
            if rest_label is not None:
                out.append((i, end, label, 0.8))
                out.append((end + 1, j, rest_label, 0.8))
                return out
        if mod is not None and mod[0] < j and mod[1] != "NORP" and chunk[0] not in lx.FIRST_NAMES:
            rest = words[mod[0] + 1 : j + 1]
            if not any(w.lower() in lx.TITLES for w in rest):
                out.append((i, j, "ORG", 0.6))  # "Israel Radio", "Los Angeles Times"
                memory.setdefault(text, "ORG")
                return out
        if len(chunk) == 1:
            single = self._single(words, i, memory)
            if single is not None:
                out.append((i, i, single[0], single[1]))
            return out
        if chunk[0] in lx.FIRST_NAMES or (len(chunk) <= 4 and all(_namelike(w) for w in chunk)):
            score = 0.8 if chunk[0] in lx.FIRST_NAMES else 0.5
            label = "PERSON"
            if j + 3 < len(words) and words[j + 1] == "(" and words[j + 3] == ")" and _initials_match(chunk, words[j + 2]):
                label = "ORG"
            out.append((i, j, label, score))
            if label == "PERSON":
                self._remember_person(chunk, memory)
            return out
        # a longer chunk: look for known pieces inside it
        out.extend(self._lookup_only(words, i, j, memory))
        return out

    def _single(self, words: list[str], i: int, memory: dict[str, str]) -> tuple[str, float] | None:
        """Guess the label of a lone capitalised word from its context."""
        w = words[i]
        known = self._known(_title(w), memory)
        if known is not None:
            return (known, 0.8)
        if _is_acronym(w):
            if w in _ALLCAPS_STOP:
                return None
            if w in lx.COUNTRY_CODES:
                return ("GPE", 0.9)
            return ("ORG", 0.6)
        if self._sentence_start(words, i):
            return None
        if w.lower() in lx.TITLES or w.lower() in lx.ORG_CUES or w.lower() in lx.COMMON:
            return None
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        prev = words[i - 1].lower() if i > 0 else ""
        if nxt in _PERSON_VERBS:
            return ("PERSON", 0.5)
        if prev in _PLACE_PREPS:
            return ("GPE", 0.4)
        return None

    def _lookup_only(self, words: list[str], i: int, j: int, memory: dict[str, str]) -> list[tuple[int, int, str, float]]:
        """Known names (places, nationalities, remembered names) inside ``words[i..j]``."""
        out: list[tuple[int, int, str, float]] = []
        k = i
        while k <= j:
            hit = None
            for end in range(min(j, k + 3), k - 1, -1):
                piece = " ".join(_title(w) for w in words[k : end + 1])
                label = self._known(piece, memory)
                if label is not None:
                    hit = (k, end, label, 0.7)
                    break
            if hit is not None:
                out.append(hit)
                k = hit[1] + 1
            else:
                if _is_acronym(words[k]) and words[k] in lx.COUNTRY_CODES:
                    out.append((k, k, "GPE", 0.8))
                k += 1
        return out

    def _known(self, text: str, memory: dict[str, str]) -> str | None:
        """The label of a name the lists or the document memory know."""
        label = memory.get(text)
        if label is not None:
            return label
        label = self.places.get(text)
        if label is not None:
            return label
        if text in lx.NATIONALITIES:
            return "NORP"
        first, _, rest = text.partition(" ")
        if rest and first in lx.COMPASS and rest in lx.NATIONALITIES:
            return "NORP"
        if text in lx.COUNTRY_CODES:
            return "GPE"
        return None

    def _modifier(self, words: list[str], i: int, j: int) -> tuple[int, str] | None:
        """A nationality or place at the start of ``words[i..j]``: (last index, label)."""
        for end in range(min(j, i + 2), i - 1, -1):
            piece = " ".join(words[i : end + 1])
            if piece in lx.NATIONALITIES or (end > i and words[i] in lx.COMPASS and " ".join(words[i + 1 : end + 1]) in lx.NATIONALITIES):
                return end, "NORP"
            label = self.places.get(piece)
            if label is not None or piece in lx.COUNTRY_CODES:
                return end, label or "GPE"
        return None

    def _cue_label(self, chunk: list[str]) -> str | None:
        """ORG/FAC/LOC/EVENT/LAW from the head word of a multi-word name."""
        last = chunk[-1].lower()
        if chunk[0].lower() in lx.TITLES and chunk[0].lower() not in ("national", "state", "general", "foreign"):
            if not any(w.lower() in lx.ORG_CUES for w in chunk[1:]):
                return None
        if last in lx.ORG_CUES:
            return "ORG"
        if any(w.lower() in lx.ORG_HEADS for w in chunk[:-1]) and any(w in ("of", "for") for w in chunk):
            return "ORG"
        if len(chunk) < 2:
            return None
        if last in lx.FAC_CUES:
            return "FAC"
        if last in lx.LOC_CUES or chunk[0].lower() in ("lake", "mount", "gulf"):
            return "LOC"
        if last in lx.LAW_CUES:
            return "LAW"
        if last in lx.EVENT_CUES or (len(chunk) > 2 and chunk[-2].lower() == "war"):
            return "EVENT"
        return None

    def _remember_person(self, chunk: list[str], memory: dict[str, str]) -> None:
        """Remember a person's full name and its first and last words for later mentions."""
        memory.setdefault(" ".join(chunk), "PERSON")
        if len(chunk) > 1:
            memory.setdefault(chunk[-1], "PERSON")
            memory.setdefault(chunk[0], "PERSON")

    def _acronyms(self, words: list[str], out: list[tuple[int, int, str, float]], memory: dict[str, str]) -> None:
        """"Name (ACR)": the acronym takes the name's label and is remembered."""
        by_end = {s[1]: s for s in out}
        for k in range(1, len(words) - 2):
            if words[k] == "(" and words[k + 2] == ")" and _is_acronym(words[k + 1]):
                prev = by_end.get(k - 1)
                if prev is None:
                    continue
                label = prev[2]
                if label == "PERSON" and not _initials_match(words[prev[0] : prev[1] + 1], words[k + 1]):
                    continue
                if label == "PERSON":
                    label = "ORG"
                    out[out.index(prev)] = (prev[0], prev[1], "ORG", prev[3])
                    memory[" ".join(words[prev[0] : prev[1] + 1])] = "ORG"
                memory[words[k + 1]] = label
                for idx, s in enumerate(out):
                    if s[0] == k + 1:
                        out[idx] = (k + 1, k + 1, label, 0.85)
                        break
                else:
                    out.append((k + 1, k + 1, label, 0.85))


_SCORE_RE = re.compile(r"^\d+(?:-\d+)?$")
_VERSUS = frozenset(["AT", "at", "v", "vs", "vs.", "V"])


def _teams_in_tables(words: list[str], out: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """In results lines ("Cruzeiro 2 Vitoria 1", "SEATTLE AT BALTIMORE", "Kent 128-1 v Surrey")
    names next to scores or "v"/"at" are teams: ORG."""
    n = len(words)
    fixed: list[tuple[int, int, str, float]] = []
    for i, j, label, score in out:
        if label in ("GPE", "LOC", "PERSON", "ORG"):
            after = j + 1
            if after + 2 < n and words[after] == "(" and words[after + 2] == ")":
                after += 3  # "Batumi ( Georgia ) 3"
            nxt = words[after] if after < n else ""
            prev = words[i - 1] if i > 0 else ""
            if _SCORE_RE.match(nxt) or nxt in _VERSUS or prev in _VERSUS:
                label, score = "ORG", 0.6
        fixed.append((i, j, label, score))
    return fixed


def _initials_match(chunk: list[str], acronym: str) -> bool:
    """Whether ``acronym`` could abbreviate ``chunk`` ("National Intelligence Service", "NIS")."""
    letters = acronym.replace(".", "").replace("&", "")
    if not letters.isupper() or len(letters) < 2 or acronym in lx.COUNTRY_CODES:
        return False
    initials = "".join(w[0] for w in chunk if w[:1].isupper())
    return letters[0] == initials[:1] and (letters == initials or len(letters) <= len(chunk) + 2)


def _namelike(w: str) -> bool:
    """A capitalised word that could be part of a person's name."""
    return w[0].isupper() and w.replace("-", "").replace("'", "").replace("’", "").replace(".", "").isalpha() and w.lower() not in lx.COMMON and w.lower() not in lx.ORG_CUES


def _title(w: str) -> str:
    """An all-caps word in title case for lookups ("LONDON" -> "London"; "U.S." stays)."""
    if len(w) > 3 and w.isupper() and "." not in w:
        return w.capitalize()
    return w


def _snap(toks: Toks, start: int, end: int) -> tuple[int, int] | None:
    """Token range of a character match, trimmed of surrounding spaces."""
    text = toks.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    from bisect import bisect_left, bisect_right

    i = bisect_right(toks.ends, start)
    j = bisect_left(toks.starts, end) - 1
    if i >= len(toks.words) or j < i:
        return None
    return i, j
