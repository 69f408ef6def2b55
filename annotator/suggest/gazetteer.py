"""Gazetteer: labelled names matched exactly or fuzzily (rapidfuzz) in a unit's text.

"Kim Jong Un" matches "Kim Jong-un" exactly after normalisation (case, hyphens, dots);
"Zelensky" matches "Zelenskyy" fuzzily. Fuzzy scoring only runs on candidates that share a
block key (the first four letters of a word) and have about the same length, so a large
gazetteer costs little per sentence. The gazetteer is fed by names already accepted as gold
(:func:`names_from_spans`, :func:`names_from_store`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from rapidfuzz import fuzz

from annotator.models import Scheme, Span, Suggestion, Unit
from annotator.suggest.labels import entity_label_map
from annotator.suggest.lexicon import fold
from annotator.suggest.text import unit_tokens

_SEP = re.compile(r"[\s\-‐‑–.'’_]+")
MAX_WORDS = 6


def normalise(name: str) -> str:
    """Lower-case, accent-free, hyphens and dots as spaces ("Kim Jong-un" -> "kim jong un")."""
    return " ".join(_SEP.sub(" ", fold(name).lower()).split())


def _block(word: str) -> str:
    """The blocking key of a word: its first four letters."""
    return word[:4]


class Gazetteer:
    """Labelled names found in text, exactly or fuzzily."""

    name = "gazetteer"

    def __init__(self, scheme: Scheme | None, entries: Iterable[tuple[str, str]], threshold: float = 88.0) -> None:
        """Index (name, label) entries; the version changes whenever the entries do."""
        self.label_map = entity_label_map(scheme) if scheme is not None else None
        self.threshold = threshold
        self.exact: dict[str, str] = {}
        self.blocks: dict[str, list[tuple[str, str, int]]] = {}
        digest = hashlib.blake2b(digest_size=6)
        for raw, label in sorted(set(entries)):
            key = normalise(raw)
            if not key or len(key) < 2:
                continue
            if self.label_map is not None:
                label = self.label_map.get(label, "")
                if not label:
                    continue
            digest.update(f"{key}\t{label}\n".encode())
            self.exact.setdefault(key, label)
            words = key.split()
            if len(key) >= 5:
                self.blocks.setdefault(_block(words[0]), []).append((key, label, len(words)))
        self.version = f"1-{len(self.exact)}-{digest.hexdigest()}"

    def __len__(self) -> int:
        """Number of distinct names."""
        return len(self.exact)

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        return [self.suggest_one(u) for u in units]

    def suggest_one(self, unit: Unit) -> Suggestion:
        """The gazetteer names in one unit (longest first, never overlapping)."""
        spans: list[Span] = []
        if self.exact:
            toks = unit_tokens(unit)
            words = toks.words
            n = len(words)
            taken = [False] * n
            for i in range(n):
                if taken[i] or not words[i][:1].isupper():
                    continue
                hit = self._longest(words, i, n, taken)
                if hit is None:
                    continue
                j, label, score = hit
                for k in range(i, j + 1):
                    taken[k] = True
                spans.append(toks.span(i, j, label, self.name, score))
        return Suggestion(unit_id=unit.id, suggester=self.name, version=self.version, spans=spans)

    def _longest(self, words: list[str], i: int, n: int, taken: list[bool]) -> tuple[int, str, float] | None:
        """The longest name starting at token ``i``: (last token, label, score)."""
        last = i
        while last + 1 < n and last - i + 1 < MAX_WORDS and not taken[last + 1] and (
            words[last + 1][:1].isupper() or words[last + 1] in ("-", "of", "de", "van", "von", "al", "bin")
        ):
            last += 1
        best: tuple[int, str, float] | None = None
        for j in range(last, i - 1, -1):
            key = normalise(" ".join(words[i : j + 1]))
            if not key:
                continue
            label = self.exact.get(key)
            if label is not None:
                return (j, label, 1.0)
            if best is None:
                fuzzy = self._fuzzy(key)
                if fuzzy is not None:
                    best = (j, fuzzy[0], fuzzy[1])
        return best

    def _fuzzy(self, key: str) -> tuple[str, float] | None:
        """The closest entry sharing a block key with ``key`` above the threshold."""
        if len(key) < 5:
            return None
        words = key.split()
        candidates = self.blocks.get(_block(words[0]))
        if not candidates:
            return None
        best: tuple[str, float] | None = None
        best_score = self.threshold
        for cand, label, nwords in candidates:
            if abs(nwords - len(words)) > 1 or abs(len(cand) - len(key)) > 3:
                continue
            score = fuzz.ratio(key, cand, score_cutoff=best_score)
            if score > best_score or (best is None and score >= best_score):
                best, best_score = (label, round(score / 100, 3)), score
        return best


def names_from_spans(pairs: Iterable[tuple[Unit, Sequence[Span]]]) -> list[tuple[str, str]]:
    """(name, label) for the entity spans of accepted units; a name's most frequent label wins."""
    counts: dict[str, Counter[str]] = {}
    for unit, spans in pairs:
        for s in spans:
            if s.layer != "entities":
                continue
            name = unit.text[s.start : s.end].strip()
            if name and any(c.isalpha() for c in name):
                counts.setdefault(name, Counter())[s.label] += 1
    return sorted((name, c.most_common(1)[0][0]) for name, c in counts.items())


def names_from_store(store: Any, dataset: str) -> list[tuple[str, str]]:
    """Names accepted in a dataset: its gold, and its annotators' accepted decisions."""
    def pairs() -> Iterable[tuple[Unit, Sequence[Span]]]:
        """Accepted gold first, then accepted annotations."""
        for unit, gold in store.iter_gold(dataset):
            if gold.answer == "accept":
                yield unit, gold.spans
        for unit, ann in store.iter_annotations(dataset, answers=["accept"]):
            yield unit, ann.spans

    return names_from_spans(pairs())
